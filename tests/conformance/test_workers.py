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


@pytest.mark.parametrize("fault", [None, "PD-VAL-1:coerces", "PD-5XX-1"])
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


def test_without_a_rate_limit_the_default_is_four_in_flight(
    run_cli: Callable[..., CliRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default is read from the rate limit: 4 without one, 1 with one."""
    from concurrent import futures

    seen: list[int] = []
    made = futures.ThreadPoolExecutor.__init__

    def spy(self: Any, max_workers: int | None = None, *a: Any, **k: Any) -> None:
        if k.get("thread_name_prefix") == "coverage":
            seen.append(max_workers or 0)
        made(self, max_workers, *a, **k)

    monkeypatch.setattr(futures.ThreadPoolExecutor, "__init__", spy)
    assert run_cli("run", *UNLIMITED).code == 0
    # 4 for the targeted clauses; a clause judged over every response sends one
    # example at a time, so each cell's outcome stays its own.
    assert set(seen) == {1, 4}
    seen.clear()
    limited = ("--convention", "rfc9457", "--rate-limit", "200", "--max-rps", "5000")
    assert run_cli("run", *limited).code == 0
    assert seen
    assert set(seen) == {1}


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
