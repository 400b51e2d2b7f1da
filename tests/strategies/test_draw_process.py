"""The drawing process draws, for every family, kind and operation, the very example
the drawing thread draws, and raises where the thread raises."""

from __future__ import annotations

import itertools
import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from errcontract._contract.surface import ProbeContext
from errcontract._engine import drawing
from errcontract._engine.drawing import Drawer, Drawing, drawn
from errcontract._engine.prefetch import Ahead
from errcontract.strategies import FAMILIES, restart_serial
from errcontract.strategies._internal import common

Outcome = list[object]


@pytest.fixture
def drawer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Drawer]:
    monkeypatch.setattr(drawing, "_cpus", lambda: 2)  # whatever this machine has
    monkeypatch.setattr(common, "_SERIAL", itertools.count(11))
    started = Drawer()
    started.start()
    assert started.ready(60.0), started.failed
    yield started
    started.close()


def _draw_all(
    drawer: Drawer | None, ctx: ProbeContext
) -> tuple[dict[str, Outcome], int]:
    """Per family, what each of its cells drew (or the error that stopped it), and
    how many families the process drew."""
    out: dict[str, Outcome] = {}
    remote = 0
    for name, family in sorted(FAMILIES.items()):
        if family.required:
            continue
        cells = [
            (op, kind)
            for op in sorted(ctx.operations)
            for kind in family.coverage_kinds({}) or (None,)
        ]
        got: Outcome = []
        with drawn(drawer, Drawing(ctx, family, {}, "T-1", True), cells) as ahead:
            remote += not isinstance(ahead, Ahead)
            try:
                got.extend(ahead)
            except Exception as exc:  # a catalog error, raised at its cell
                got.append((type(exc).__name__, str(exc)))
        out[name] = got
    return out, remote


def _fresh_apart(drawn: dict[str, Outcome]) -> str:
    """``drawn`` as text, each value of ``${unique_digits}`` (twelve digits, from a
    serial started at 500,012) as ``U``."""
    return re.sub(r"50\d{10}", "U", repr(drawn))


@pytest.mark.parametrize("fixture", ["cardda", "synthetic"])
def test_the_process_draws_what_the_thread_draws(
    fixture: str, request: pytest.FixtureRequest, drawer: Drawer
) -> None:
    ctx: ProbeContext = request.getfixturevalue(fixture)
    far, remote = _draw_all(drawer, ctx)
    # The thread, with the serial of the fresh digits where the process started it.
    restart_serial(drawer.serial)
    near, local = _draw_all(None, ctx)

    assert local == 0
    assert remote == len(far) > 10
    assert sum(len(v) for v in far.values()) > 200
    sent = [m for v in far.values() for _, m in v if isinstance(m, tuple)]
    assert len(sent) > 100  # examples, not only reasons
    # Equal but for the fresh digits: how many a draw takes from the serial is
    # not part of its example (they are fresh by design).
    assert _fresh_apart(far) == _fresh_apart(near)


def test_a_process_that_dies_leaves_the_rest_to_the_thread(
    cardda: ProbeContext, drawer: Drawer, monkeypatch: pytest.MonkeyPatch
) -> None:
    family = FAMILIES["invalid_bodies"]
    cells = [
        (op, kind)
        for op in sorted(cardda.operations)
        for kind in family.coverage_kinds({}) or (None,)
    ]
    assert len(cells) > 4 * drawing.CHUNK
    asked = 0
    draw = drawer.draw

    def dying(*args: object, **kwargs: object) -> object:
        nonlocal asked
        asked += 1
        if asked == 3:
            assert drawer._proc is not None
            drawer._proc.kill()
        return draw(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(drawer, "draw", dying)
    restart_serial(drawer.serial)
    with drawn(drawer, Drawing(cardda, family, {}, "T-2", True), cells) as ahead:
        got = [cell for cell, _ in ahead]

    assert got == cells  # every cell, in order
    assert drawer.failed is not None
    assert asked >= 3
    assert not drawer.usable(family)


def test_the_process_imports_nothing_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``hypothesis.py`` planted where the run is started is not the drawing
    process's Hypothesis (the run's own path, isolated mode)."""
    marker = tmp_path / "imported"
    (tmp_path / "hypothesis.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nraise SystemExit(3)\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(drawing, "_cpus", lambda: 2)
    started = Drawer()
    started.start()
    try:
        assert started.ready(60.0), started.failed
    finally:
        started.close()
    assert not marker.exists()


def test_a_process_left_no_cpu_leaves_the_rest_to_the_thread(
    cardda: ProbeContext, drawer: Drawer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At idle priority the process may get no CPU on a busy machine: stopped here,
    # it answers nothing, and the run draws the rest itself after STARVED_S.
    monkeypatch.setattr(drawing, "STARVED_S", 0.5)
    family = FAMILIES["malformed_credentials"]
    cells = [
        (op, kind)
        for op in sorted(cardda.operations)
        for kind in family.coverage_kinds({}) or (None,)
    ]
    assert drawer._proc is not None
    os.kill(drawer._proc.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        with drawn(drawer, Drawing(cardda, family, {}, "T-3", True), cells) as ahead:
            got = [cell for cell, _ in ahead]
        waited = time.monotonic() - started
    finally:
        os.kill(drawer._proc.pid, signal.SIGCONT)
    assert got == cells  # every cell, in order
    assert drawer.failed is not None
    assert "fell behind" in drawer.failed
    assert not drawer.usable(family)
    assert 0.5 <= waited < 10.0


def test_the_process_draws_at_idle_priority_once_imported(drawer: Drawer) -> None:
    assert drawer._proc is not None
    policy = os.sched_getscheduler(drawer._proc.pid)
    assert policy == os.SCHED_IDLE


def test_a_spare_started_early_is_the_runs_drawer_or_ends_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ``conformance run`` starts one before its settings are read; a large run
    # takes it (up by its first clause), a small one ends it without waiting.
    monkeypatch.setattr(drawing, "_cpus", lambda: 2)
    drawing.start_spare()
    taken = drawing.take_spare()
    try:
        assert taken._proc is not None
        assert drawing.take_spare()._proc is None  # one spare, taken once
        assert taken.ready(60.0), taken.failed
    finally:
        taken.close()
    drawing.start_spare()
    spare = drawing._spare[0]
    proc = spare._proc
    assert proc is not None
    started = time.monotonic()
    drawing.close_spare()  # still importing, most likely: killed, not waited for
    assert time.monotonic() - started < 1.5
    assert proc.poll() is not None
    assert drawing._spare == []


def test_no_spare_on_a_single_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drawing, "_cpus", lambda: 1)
    drawing.start_spare()
    assert drawing._spare == []
    assert drawing.take_spare()._proc is None


def test_a_plan_goes_to_a_process_already_up_at_once(
    drawer: Drawer, cardda: ProbeContext
) -> None:
    # Up before the run's setup ended (a spare), it draws ahead from then on.
    family = FAMILIES["absent_credentials"]
    cells = [(op, None) for op in sorted(cardda.operations)]
    drawer.set_plan([(Drawing(cardda, family, {}, "T-1", True), cells)])
    assert drawer._plan is None  # sent
    assert drawer._ctx is cardda
    with drawn(drawer, Drawing(cardda, family, {}, "T-1", True), cells) as ahead:
        got = list(ahead)
    assert [cell for cell, _ in got] == cells
