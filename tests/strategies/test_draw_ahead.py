"""The drawing process draws the run's plan ahead (``draw_serve.Lookahead``): what it
hands back is what it would have drawn when asked, it is bounded, and a cell asked
that it has not reached is left to the caller."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest

from errcontract._contract.surface import ProbeContext
from errcontract._engine import draw_serve
from errcontract._engine.draw_serve import Key, Lookahead, _drawn
from errcontract._engine.drawing import Cell, Drawing, cells_of
from errcontract.strategies import FAMILIES

FAMILY = "invalid_bodies"
KEY: Key = (FAMILY, {}, "T-1", True)


def _plan(ctx: ProbeContext, clause_id: str = "T-1") -> tuple[Any, list[Cell]]:
    family = FAMILIES[FAMILY]
    cells = cells_of(family, {}, sorted(ctx.operations))
    return (FAMILY, {}, clause_id, True, cells), cells


def _drawn_up_to(ahead: Lookahead, count: int) -> int:
    """Wait (at most 30 s) until the thread has drawn ``count`` cells or stopped."""
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline:
        with ahead._cond:
            if ahead._next >= count and ahead._busy is None:
                return ahead._next
            if not ahead._room() and ahead._busy is None:
                return ahead._next
        time.sleep(0.01)
    raise AssertionError("the lookahead thread did not get there in 30 s")


def _fresh_apart(value: object) -> str:
    return re.sub(r"\d{12}", "U", repr(value))


def test_what_is_drawn_ahead_is_what_would_be_drawn(
    cardda: ProbeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry, cells = _plan(cardda)
    assert len(cells) > 20
    ahead = Lookahead(cardda, [entry])
    try:
        assert _drawn_up_to(ahead, len(cells)) == len(cells)
        drew: list[Cell] = []

        def counted(what: Drawing, cell: Cell) -> Any:
            drew.append(cell)
            return _drawn(what, cell)

        monkeypatch.setattr(draw_serve, "_drawn", counted)
        taken = [ahead.take(KEY, cell) for cell in cells]
    finally:
        ahead.stop()

    assert drew == []  # every cell came from the thread, none drawn when asked
    assert all(t is not None for t in taken)
    what = Drawing(cardda, FAMILIES[FAMILY], {}, "T-1", True)
    asked = [_drawn(what, cell) for cell in cells]
    assert sum(1 for made, _ in asked if isinstance(made, tuple)) >= 10
    assert _fresh_apart(taken) == _fresh_apart(asked)


def test_a_cell_asked_for_another_draw_is_not_taken(cardda: ProbeContext) -> None:
    entry, cells = _plan(cardda)
    ahead = Lookahead(cardda, [entry])
    try:
        _drawn_up_to(ahead, 4)
        assert (
            ahead.take((FAMILY, {"kinds": ["missing"]}, "T-1", True), cells[0]) is None
        )
        assert ahead.take((FAMILY, {}, "T-9", True), cells[0]) is None
        assert ahead.take((FAMILY, {}, "T-1", True), cells[0]) is not None
    finally:
        ahead.stop()


def test_the_thread_stays_within_its_bound_of_the_furthest_asked(
    cardda: ProbeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(draw_serve, "AHEAD_CELLS", 5)
    entry, cells = _plan(cardda)
    assert len(cells) > 12
    ahead = Lookahead(cardda, [entry])
    try:
        assert _drawn_up_to(ahead, 5) == 5  # and no further while nothing is asked
        time.sleep(0.2)
        assert ahead._next == 5
        assert ahead.take(KEY, cells[2]) is not None
        assert _drawn_up_to(ahead, 8) == 8  # the bound moved with the cell asked
        # A cell past what was drawn is the caller's, and the thread skips it.
        assert ahead.take(KEY, cells[11]) is None
        assert ahead._next >= 12
        assert all(i > 11 for i in ahead._done)  # the cells passed over are dropped
    finally:
        ahead.stop()


class _Stop(BaseException):
    """Not an Exception: what a draw must never leave a cell waited for."""


def test_a_draw_that_raises_past_exception_stops_the_thread_not_the_run(
    cardda: ProbeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry, cells = _plan(cardda)

    def stopping(what: Drawing, cell: Cell) -> Any:
        raise _Stop

    monkeypatch.setattr(draw_serve, "_drawn", stopping)
    ahead = Lookahead(cardda, [entry])
    taken: list[object] = []
    asker = threading.Thread(
        target=lambda: taken.append(ahead.take(KEY, cells[0])),
        daemon=True,
    )
    try:
        asker.start()
        asker.join(10.0)
        assert not asker.is_alive(), "take() waited for a cell nobody will draw"
    finally:
        ahead.stop()
    assert taken == [None]  # left to the caller, which meets the error itself
    assert ahead._stopped


def test_two_threads_never_draw_at_once() -> None:
    # The lookahead's thread and the one answering the run both draw: one at a
    # time (Hypothesis is not made for two threads).
    active: list[int] = []
    most: list[int] = []
    lock = threading.Lock()

    class Slow:
        def prepare(self, cell: Cell) -> Any:
            with lock:
                active.append(1)
                most.append(len(active))
            time.sleep(0.05)
            with lock:
                active.pop()
            return ()

    threads = [
        threading.Thread(target=_drawn, args=(Slow(), ("op", None)), daemon=True)
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5.0)
    assert len(most) == 3
    assert max(most) == 1
