"""The embedded reference server of the microsoft convention: the Gadgets API, whose
errors follow the Microsoft REST API Guidelines in Azure's shape.

``create_app()`` serves ``openapi.yaml`` faithfully;
``create_app(faults={"MS-CODE-2"})`` breaks exactly that derived clause's promise
so the suite can prove it notices, and ``create_app(tolerances={"minimal"})`` shows
a variation the guidelines allow, which the suite must accept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from ._app import create_app
from ._contract import FAULTS, TOLERANCES

DOCUMENTED_RATE_LIMIT: Final = None
"""The Gadgets API documents no rate limit."""

OPENAPI: Final = Path(__file__).with_name("openapi.yaml")
"""The OpenAPI 3.1 document the app serves, which checks are derived from."""

__all__ = ["DOCUMENTED_RATE_LIMIT", "FAULTS", "OPENAPI", "TOLERANCES", "create_app"]
