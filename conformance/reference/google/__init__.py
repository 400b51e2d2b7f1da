"""The embedded reference server for the Shelves API, a Google AIP-193 errors API.

``create_app()`` serves ``openapi.yaml`` faithfully;
``create_app(faults={"GA-BODY-4"})`` breaks exactly that promise so the suite can
prove it notices (a clause covering several defects has more switches:
``GA-VAL-1:unnamed``), and ``create_app(tolerances={"minimal"})`` shows a variation
AIP-193 allows, which the suite must accept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from ._app import create_app
from ._contract import FAULTS, TOLERANCES

OPENAPI: Final = Path(__file__).with_name("openapi.yaml")
"""The OpenAPI 3.1 document the app serves, which checks are derived from."""

__all__ = ["FAULTS", "OPENAPI", "TOLERANCES", "create_app"]
