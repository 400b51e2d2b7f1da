"""``--workers``: several coverage examples in flight at once change how fast a run
goes, never what it finds: the same verdicts, the same cells sent and skipped, the
same broken clause with its evidence, as one example at a time. Unset, the run
chooses from its pace and the target's round trip: one on loopback, more where the
target is slow and the pace has room.

Traffic stays on 127.0.0.1 (the embedded Projects API).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from errcontract._http.pacing import AUTO_WORKERS, auto_workers
from errcontract.reference import problem
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


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of each coverage pool the runs of the test make."""
    from concurrent import futures

    seen: list[int] = []
    made = futures.ThreadPoolExecutor.__init__

    def spy(self: Any, max_workers: int | None = None, *a: Any, **k: Any) -> None:
        if k.get("thread_name_prefix") == "coverage":
            seen.append(max_workers or 0)
        made(self, max_workers, *a, **k)

    monkeypatch.setattr(futures.ThreadPoolExecutor, "__init__", spy)
    return seen


def test_one_at_a_time_on_loopback_unless_asked(
    run_cli: Callable[..., CliRun], pools: list[int]
) -> None:
    """A loopback target answers within a few ms: one example in flight keeps it
    busy, whatever the pace; ``--workers 4`` is the user's choice."""
    seen = pools
    run = run_cli("run", *UNLIMITED)
    assert run.code == 0
    assert not any("in flight at once" in n for n in run.results["notes"])
    assert seen
    assert set(seen) == {1}
    seen.clear()
    assert run_cli("run", *UNLIMITED, "--workers", "4").code == 0
    # 4 for the targeted clauses; a clause judged over every response sends one
    # example at a time, so each cell's outcome stays its own.
    assert set(seen) == {1, 4}


@pytest.mark.parametrize(
    ("pace", "trips", "chosen"),
    [
        (25.0, [0.002, 0.001, 0.003], 1),  # loopback: one keeps it busy
        (1000.0, [0.02, 0.001, 0.024], 1),  # ... a loaded machine's too
        (9.5, [0.05], 1),  # a documented 10/s at 50 ms
        (1000.0, [0.03], 8),  # past 25 ms, the pace decides
        (9.5, [0.2, 0.25, 0.21], 2),  # ... at 210 ms
        (25.0, [0.3], 8),  # 7.5 needed
        (1000.0, [0.05], AUTO_WORKERS),  # never more than 8 unasked
        (None, [0.05], AUTO_WORKERS),  # no cap at all
        (None, [], 1),  # nothing measured
    ],
)
def test_the_default_keeps_the_pace_at_the_round_trip(
    pace: float | None, trips: list[float], chosen: int
) -> None:
    assert auto_workers(pace, trips) == chosen


SLOW_SETUP_S = 0.05


def _slow_at_first(app: Any, first: int) -> Any:
    """``app`` answering its first ``first`` requests (preflight, setup) late."""
    count = {"n": 0}

    async def front(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and count["n"] < first:
            count["n"] += 1
            await asyncio.sleep(SLOW_SETUP_S)
        await app(scope, receive, send)

    front.state = app.state  # type: ignore[attr-defined]
    return front


def test_a_slow_target_gets_several_in_flight_and_the_same_verdicts(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
    pools: list[int],
) -> None:
    """Setup measured 50 ms round trips: at 1,000 requests a second that is 50 in
    flight, so the run chooses its most (8) and says so; it finds what one at a
    time finds, and asks the target the same number of questions."""
    # Only preflight and setup are slow: the whole run at 50 ms a request would be
    # long. A fresh app for each run, so their state agrees.
    target = ("--openapi", str(problem.OPENAPI), "--convention", "rfc9457")
    fast = ("--rate-limit", "none", "--max-rps", "1000")
    base, app = served(_slow_at_first(problem.create_app(rate_limit=None), 12))
    export_fixtures(app.state.fixtures)
    chosen = run_cli("run", *target, "--base-url", base, *fast)
    note = [n for n in chosen.results["notes"] if "in flight at once" in n]
    assert note, chosen.results["notes"]
    assert note[0].startswith(f"{AUTO_WORKERS} coverage examples in flight"), note
    assert AUTO_WORKERS in pools
    base, app = served(_slow_at_first(problem.create_app(rate_limit=None), 12))
    export_fixtures(app.state.fixtures)
    one = run_cli("run", *target, "--base-url", base, *fast, "--workers", "1")
    assert chosen.code == one.code == 0, chosen.out[-2000:]
    assert _cells(chosen) == _cells(one)
    assert chosen.results["requests"] == one.results["requests"]


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
