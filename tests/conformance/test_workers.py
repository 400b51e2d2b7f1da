"""``--workers``: several coverage examples in flight at once change how fast a run
goes, never what it finds: the same verdicts, the same cells sent and skipped, the
same broken clause with its evidence, as one example at a time.

Traffic stays on 127.0.0.1 (the embedded Projects API).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from errcontract.reference.problem._contract import API_KEY

if TYPE_CHECKING:
    from conftest import CliRun

UNLIMITED = ("--convention", "rfc9457", "--rate-limit", "none", "--max-rps", "5000")


def _cells(run: CliRun) -> dict[str, Any]:
    """Per clause: its status, and the (operation, kind) cells sent and skipped."""
    out = {}
    for clause in run.results["clauses"]:
        coverage = clause.get("coverage") or {"sent": [], "skipped": []}
        out[clause["id"]] = (
            clause["status"],
            sorted((r["operation"], r["kind"] or "") for r in coverage["sent"]),
            sorted((r["operation"], r["kind"] or "") for r in coverage["skipped"]),
        )
    return out


@pytest.mark.parametrize(
    "fault", [None, "PD-VAL-1:coerces", "PD-5XX-1", "PD-ATOMIC-1", "PD-AUTH-2"]
)
def test_four_workers_find_what_one_finds(
    fault: str | None, run_cli: Callable[..., CliRun]
) -> None:
    switch = ("--fault", fault) if fault else ()
    one = run_cli("run", *UNLIMITED, "--workers", "1", *switch)
    four = run_cli("run", *UNLIMITED, "--workers", "4", *switch)
    assert one.code == four.code == (1 if fault else 0), four.out[-2000:]
    cells = _cells(one)
    sent = sum(len(c[1]) for c in cells.values())
    assert sent > 100  # the coverage phase ran: cells to compare
    assert _cells(four) == cells
    assert four.failing() == one.failing()
    if fault:
        assert four.failing()  # the fault is found, with its evidence
        broken = four.clause(sorted(four.failing())[0])["violations"][0]
        assert broken["exchanges"][0]["curl"].startswith("curl ")
    assert API_KEY not in four.everything()


def test_one_at_a_time_unless_asked(
    run_cli: Callable[..., CliRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One example in flight by default; ``--workers 4`` is the user's choice."""
    from concurrent import futures

    seen: list[int] = []
    made = futures.ThreadPoolExecutor.__init__

    def spy(self: Any, max_workers: int | None = None, *a: Any, **k: Any) -> None:
        if k.get("thread_name_prefix") == "coverage":
            seen.append(max_workers or 0)
        made(self, max_workers, *a, **k)

    monkeypatch.setattr(futures.ThreadPoolExecutor, "__init__", spy)
    assert run_cli("run", *UNLIMITED).code == 0
    assert seen
    assert set(seen) == {1}
    seen.clear()
    assert run_cli("run", *UNLIMITED, "--workers", "4").code == 0
    # 4 for the targeted clauses; a clause judged over every response sends one
    # example at a time, so each cell's outcome stays its own.
    assert set(seen) == {1, 4}


def test_a_write_goes_alone(run_cli: Callable[..., CliRun]) -> None:
    """A scenario that reads, writes and reads again (PD-ATOMIC-1) sees no other
    example's change: with eight in flight the conforming server still keeps it."""
    run = run_cli("run", *UNLIMITED, "--workers", "8")
    assert run.code == 0, run.out[-2000:]
    sent = run.clause("PD-ATOMIC-1")["coverage"]["sent"]
    assert sent
    assert {row["outcome"] for row in sent} == {"held"}


@pytest.mark.parametrize("value", ["65", "0", "two"])
def test_a_worker_count_out_of_bounds_is_one_sentence(
    value: str, run_cli: Callable[..., CliRun]
) -> None:
    run = run_cli("run", *UNLIMITED, "--workers", value)
    assert run.code == 2
    text = run.err + run.out
    assert "workers" in text
    assert value in text
    assert "Traceback" not in text
    assert len(text.strip().splitlines()) == 1, text
