"""Embedded reference server for the CardClan Integration API.

A faithful implementation of ``shared/contracts/cardclan.md`` with a fault switch per
clause id and ``<clause id>:<variant>`` ones (``FAULTS``), and the allowed variations
a conforming target may show (``TOLERANCES``), so the suite can prove each check both
passes and fails.
"""

from __future__ import annotations

from ._app import create_app
from ._switches import FAULTS, TOLERANCES

__all__ = ["FAULTS", "TOLERANCES", "create_app"]
