"""A run whose coverage examples a drawing process draws judges as one that draws
them on a thread: the same requests, outcomes and status matrix; so does one whose
drawing process dies halfway."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from errcontract._engine import drawing, run

if TYPE_CHECKING:
    from conftest import CliRun

FAST = ("--api", "cardda", "--rate-limit", "50", "--max-rps", "1000", "--seed", "3")
SECRET_ENV = "CONFORMANCE_API_KEY"


def _verdicts(ran: CliRun) -> tuple[Any, ...]:
    results = ran.results
    clauses = {
        c["id"]: (c["status"], len(c.get("violations") or []), c["requests"])
        for c in results["clauses"]
    }
    matrix = {
        (r["operation"], r["status"]): r["provoked"] for r in results["status_matrix"]
    }
    return ran.code, results["requests"], clauses, matrix


def _alike(one: tuple[Any, ...], other: tuple[Any, ...]) -> None:
    """Equal, but for how a rate-limit burst split between 200 and 429: that
    depends on how busy the machine is, not on the examples drawn."""
    burst = {
        op
        for matrix in (one[3], other[3])
        for (op, status), provoked in matrix.items()
        if status == "429" and provoked
    }
    assert burst
    assert one[:3] == other[:3]

    def kept(matrix: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
        return {k: v for k, v in matrix.items() if k[0] not in burst}

    assert len(kept(one[3])) > 20
    assert kept(one[3]) == kept(other[3])


@pytest.fixture
def apart(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Every run draws in a process (whatever its size and this machine's CPUs),
    waited for until it is up; what the process was asked and given is kept."""
    seen: dict[str, Any] = {"draws": 0, "env": None}
    monkeypatch.setattr(run, "APART_FROM_CELLS", 0)
    monkeypatch.setattr(drawing, "_cpus", lambda: 2)
    usable = drawing.Drawer.usable

    def waited(self: drawing.Drawer, family: Any) -> bool:
        self.ready(60.0)
        return usable(self, family)

    draw = drawing.Drawer.draw

    def counted(self: drawing.Drawer, *args: Any) -> Any:
        seen["draws"] += 1
        return draw(self, *args)

    popen = subprocess.Popen

    def kept(*args: Any, **kwargs: Any) -> Any:
        seen["env"] = kwargs.get("env")
        return popen(*args, **kwargs)

    monkeypatch.setattr(drawing.Drawer, "usable", waited)
    monkeypatch.setattr(drawing.Drawer, "draw", counted)
    monkeypatch.setattr(drawing.subprocess, "Popen", kept)
    return seen


def test_a_run_drawn_in_a_process_judges_as_one_drawn_on_a_thread(
    run_cli: Callable[..., CliRun],
    apart: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SECRET_ENV, "cd_live_k3y_n0t_f0r_th3_dr4w3r")
    far = run_cli("run", *FAST)
    assert apart["draws"] > 20
    env = apart["env"]
    assert env is not None
    assert not [k for k in env if k.startswith("CONFORMANCE")]
    monkeypatch.setattr(run, "APART_FROM_CELLS", 10**9)
    draws = apart["draws"]
    near = run_cli("run", *FAST)
    assert apart["draws"] == draws  # no process this time

    _alike(_verdicts(far), _verdicts(near))
    assert far.code == 0


def test_a_run_whose_drawing_process_dies_judges_the_same(
    run_cli: Callable[..., CliRun],
    apart: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    draw = drawing.Drawer.draw  # the counting one

    def dying(self: drawing.Drawer, *args: Any) -> Any:
        if apart["draws"] == 10 and self._proc is not None:
            self._proc.kill()
        return draw(self, *args)

    monkeypatch.setattr(drawing.Drawer, "draw", dying)
    far = run_cli("run", *FAST, "--fault", "CD-HDR-1")
    assert apart["draws"] >= 10
    monkeypatch.setattr(run, "APART_FROM_CELLS", 10**9)
    near = run_cli("run", *FAST, "--fault", "CD-HDR-1")

    assert far.code == 1
    _alike(_verdicts(far), _verdicts(near))
