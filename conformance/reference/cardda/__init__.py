"""The embedded reference server for the Cardda API, with fault switches per clause.

``create_app()`` serves the contract faithfully; ``create_app(faults={"CD-AUTH-1"})``
breaks exactly clause CD-AUTH-1 so the suite can prove it notices (a clause covering
several defect kinds has more switches: ``CD-5XX-1:long-name``), and
``create_app(tolerances={"charset"})`` shows a variation the suite must accept.
"""

from __future__ import annotations

from ._app import create_app
from ._contract import DOCUMENTED_RATE_LIMIT, FAULTS, TOLERANCES

__all__ = ["DOCUMENTED_RATE_LIMIT", "FAULTS", "TOLERANCES", "create_app"]
