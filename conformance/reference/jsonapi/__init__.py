"""The embedded reference server for the jsonapi convention: the Articles API, a
JSON:API 1.1 API (errors as an ``errors`` array of error objects, served as
``application/vnd.api+json``).

``create_app()`` serves ``openapi.yaml`` faithfully;
``create_app(faults={"JA-MEDIA-1"})`` breaks exactly that promise so the suite can
prove it notices, and
``create_app(tolerances={"several-errors"})`` shows a variation JSON:API allows,
which the suite must accept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from ._app import create_app
from ._contract import FAULTS, TOLERANCES

OPENAPI: Final = Path(__file__).with_name("openapi.yaml")
"""The OpenAPI 3.1 document the app serves, which checks are derived from."""
DOCUMENTED_RATE_LIMIT: Final = None
"""The Articles API documents no rate limit."""

__all__ = ["DOCUMENTED_RATE_LIMIT", "FAULTS", "OPENAPI", "TOLERANCES", "create_app"]
