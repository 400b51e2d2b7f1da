"""One test per clause: the plugin parametrizes ``clause_id`` and supplies the run."""

from __future__ import annotations

from typing import Any

from errcontract.suite.outcome import assert_held


def test_clause(conformance_run: Any, clause_id: str) -> None:
    """The target keeps the clause (or the clause could not be run, and says why)."""
    assert_held(conformance_run.execute(clause_id))
