"""How a clause's outcome becomes a pytest outcome."""

from __future__ import annotations

import pytest

from errcontract.results import ClauseFailed, ClauseResult


def assert_held(result: ClauseResult) -> None:
    """Pass, fail with the evidence, xfail what the gate excuses, skip the rest.

    The suite's own crash (``error``) is skipped with its reason rather than failed:
    the front doors turn it into exit status 4, which a pytest failure would hide
    behind exit 1 (a broken contract).
    """
    outcome = result.outcome
    if outcome == "fail":
        raise ClauseFailed(result)
    if outcome in ("known", "not-gating"):
        # Broken, but the gate excuses it (baseline or --fail-on): reported, not failed.
        pytest.xfail("; ".join(result.gate_notes) or "known violation")
    if outcome == "not-run":
        pytest.skip(f"not run: {result.reason}")
    if outcome == "error":
        pytest.skip(f"internal error: {result.reason}")
