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


TOKEN_BUCKET = ("--convention", "rfc9457", "--rate-limit", "200", "--max-rps", "100000")
"""The Projects API's limiter is a token bucket holding one second's worth: a burst
of two waves (404 requests) in about a second is what it may admit."""


def test_a_token_bucket_is_not_failed_for_its_burst(
    run_cli: Callable[..., CliRun],
) -> None:
    """At 200/s the burst goes on until it has sent more than a bucket of that rate
    admits, then it is judged: the conforming bucket answers 429 and holds."""
    run = run_cli("run", *TOKEN_BUCKET)
    assert run.code == 0, run.out[-3000:]
    found = run.clause("PD-RATE-1")
    assert found["status"] in ("pass", "not-run"), found
    if found["status"] == "not-run":  # a client slower than 200/s cannot get past it
        assert "may admit in that time" in found["reason"], found


def test_no_limit_at_all_still_fails_at_a_high_rate(
    run_cli: Callable[..., CliRun],
) -> None:
    run = run_cli("run", *TOKEN_BUCKET, "--fault", "PD-RATE-1")
    found = run.clause("PD-RATE-1")
    if found["status"] == "not-run":  # as above: the burst never got past 200/s
        assert "may admit in that time" in found["reason"], found
        return
    assert run.code == 1, run.out[-3000:]
    assert found["status"] == "fail", found
    assert found["violations"][0]["actual"].endswith("none answered 429")
