"""The embedded reference server for the Projects API, an RFC 9457 problem-details API.

``create_app()`` serves ``openapi.yaml`` faithfully;
``create_app(faults={"PD-AUTH-1"})`` breaks exactly that promise so the suite can
prove it notices (a clause covering several defect kinds has more switches:
``PD-5XX-1:control``), and ``create_app(tolerances={"no-type"})`` shows a variation
RFC 9457 allows, which the suite must accept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from ._app import create_app
from ._contract import DOCUMENTED_RATE_LIMIT, FAULTS, TOLERANCES

OPENAPI: Final = Path(__file__).with_name("openapi.yaml")
"""The OpenAPI 3.1 document the app serves, which checks are derived from."""

__all__ = ["DOCUMENTED_RATE_LIMIT", "FAULTS", "OPENAPI", "TOLERANCES", "create_app"]
