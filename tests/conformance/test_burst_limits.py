"""The rate-limit burst judges only a limit it exceeded within one window: a limit
at or above the largest burst the suite sends is not probed (not-run, saying why),
never failed for a 429 it was never owed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from errcontract._engine.burst import MAX_BURST

if TYPE_CHECKING:
    from conftest import CliRun


def test_a_limit_the_burst_cannot_exceed_is_not_probed(
    run_cli: Callable[..., CliRun],
) -> None:
    run = run_cli(
        "run", "--api", "cardda", "--rate-limit", str(MAX_BURST), "--max-rps", "100000"
    )
    assert run.code == 0, run.out[-3000:]
    for clause in ("CD-RATE-1", "CD-RATE-2"):
        found = run.clause(clause)
        assert found["status"] == "not-run", found
        assert "cannot exceed a limit" in found["reason"], found
        assert found["requests"] == 0


def test_a_limit_the_burst_exceeds_is_judged(run_cli: Callable[..., CliRun]) -> None:
    """The same clauses at a limit the embedded server enforces: judged, and held."""
    run = run_cli("run", "--api", "cardda", "--rate-limit", "20", "--max-rps", "1000")
    assert run.code == 0, run.out[-3000:]
    assert run.status("CD-RATE-1") == "pass"
