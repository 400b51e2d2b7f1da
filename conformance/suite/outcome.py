"""How a clause verdict becomes a pytest outcome."""

from __future__ import annotations

import pytest

from errcontract.exceptions import ClauseFailed
from errcontract.results import ClauseResult


def assert_held(result: ClauseResult) -> None:
    """Pass, skip with the reason (not-run), or fail with the evidence."""
    if result.status == "not-run":
        pytest.skip(f"not run: {result.reason}")
    if result.blocking:
        raise ClauseFailed(result)
    if result.status == "fail":
        # Broken, but the gate excuses it (baseline or --fail-on): reported, not failed.
        pytest.xfail("; ".join(result.gate_notes) or "known violation")
