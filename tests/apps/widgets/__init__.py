"""Widgets: an RFC 9457 example API with a hand-written profile (``profile/``)."""

from __future__ import annotations

from pathlib import Path

from .app import FAULTS, TOLERANCES, create_app

PROFILE = Path(__file__).parent / "profile"

__all__ = ["FAULTS", "PROFILE", "TOLERANCES", "create_app"]
