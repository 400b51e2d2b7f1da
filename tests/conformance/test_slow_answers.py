"""A slow answer is the target's slowness, not a broken contract: a probe that times
out is asked once more before it counts, and one that never answers in time is
reported as slowness on its own clause (never as a wrong documented answer).

The target is the embedded Projects API behind a front that holds back its answers to
requests without a credential (what PD-AUTH-1 sends): once, or every time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from errcontract.reference import problem

if TYPE_CHECKING:
    from conftest import CliRun

TIMEOUT_S = 1.0
FAST = ("--rate-limit", "none", "--max-rps", "1000", "--timeout", str(TIMEOUT_S))


def _slow_front(app: Any, times: int) -> Any:
    held = {"count": 0}

    async def front(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            names = {name for name, _ in scope["headers"]}
            if b"authorization" not in names and held["count"] < times:
                held["count"] += 1
                await asyncio.sleep(TIMEOUT_S * 2.5)
        await app(scope, receive, send)

    front.state = app.state  # type: ignore[attr-defined]
    return front


@pytest.mark.parametrize("times", [1, 10_000], ids=["once", "always"])
def test_slow_answers(
    times: int,
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
) -> None:
    base, app = served(_slow_front(problem.create_app(), times))
    export_fixtures(app.state.fixtures)
    run = run_cli(
        "run",
        *("--openapi", str(problem.OPENAPI), "--convention", "rfc9457"),
        *("--base-url", base),
        *FAST,
    )
    clause = run.clause("PD-AUTH-1")
    if times == 1:
        # Asked twice: the second answer, in time, is judged and holds.
        assert run.code == 0, run.out[-3000:]
        assert clause["status"] == "pass", clause
        return
    assert clause["status"] == "fail", clause
    violation = clause["violations"][0]
    assert violation["title"] == "no answer in time (the target's slowness)"
    assert "within" in violation["actual"]
    # Every other clause is judged on what it got, not on PD-AUTH-1's silence; a
    # key sent where the API does not read it (PD-AUTH-4) is no credential to the
    # slow front either.
    assert run.failing() == {"PD-AUTH-1", "PD-AUTH-4"}, run.failing()
