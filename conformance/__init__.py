"""Error-contract conformance suite: holds a deployment to its documented errors."""

from __future__ import annotations

__version__ = "0.1.0"
