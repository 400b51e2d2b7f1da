"""The drawing process's side of coverage drawing (``drawing.Drawer`` is the run's).

It is given the run's ``ProbeContext`` once, then the run's coverage draws in order
(a plan), then chunks of cells, each answered in order with each cell's example or
why it has none.

The plan is drawn ahead on a thread (``Lookahead``). Asked one chunk at a time, the
process drew nothing between chunks, and the first draw of some families (the
invalid bodies' Schemathesis cases: most of a second at 300 operations) made the
run wait while the clause before it still had examples to send. Drawn ahead, that
draw overlaps the sending of the clause before. Bounded: at most ``AHEAD_CELLS``
cells, and ``AHEAD_BYTES`` of request bodies (an oversized-body probe is megabytes),
beyond the furthest cell asked.
"""

from __future__ import annotations

import contextlib
import pickle
import threading
from collections.abc import Sequence
from typing import IO, Any

from errcontract._contract.surface import ProbeContext
from errcontract._engine.drawing import Cell, Drawing, Drawn
from errcontract.strategies import FAMILIES, restart_serial

AHEAD_CELLS = 4096
AHEAD_BYTES = 32 << 20

Key = tuple[str, Any, str, bool]
"""What a draw is asked as: family name, parameters, clause id, writes allowed."""


_ONE_AT_A_TIME = threading.Lock()
"""Held while a cell is drawn: the lookahead's thread and the one answering the run
(drawing a cell not reached ahead) never draw at once. Hypothesis is not made for
two threads: Schemathesis' cases, drawn beside another example, failed with
Hypothesis' ``FlakyFailure``."""


def _drawn(what: Drawing, cell: Cell) -> Drawn:
    with _ONE_AT_A_TIME:
        try:
            return what.prepare(cell), None
        except Exception as exc:  # raised in the run when its cell is reached
            return None, _picklable(exc)


def _picklable(exc: Exception) -> Exception:
    try:
        pickle.dumps(exc)
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _size(drawn: Drawn) -> int:
    made = drawn[0]
    if made is None or isinstance(made, str):
        return 0
    return sum(len(probe.body or b"") for probe in made)


class Lookahead:
    """The plan's cells drawn in order on a thread, ahead of what is asked."""

    def __init__(self, ctx: ProbeContext, entries: Sequence[Any]) -> None:
        self._order: list[tuple[Key, Drawing, Cell]] = []
        for name, params, clause_id, allow_writes, cells in entries:
            what = Drawing(ctx, FAMILIES[name], params, clause_id, allow_writes)
            key = (name, params, clause_id, allow_writes)
            self._order += [(key, what, (op, kind)) for op, kind in cells]
        self._at = {(k[2], c): i for i, (k, _, c) in enumerate(self._order)}
        self._cond = threading.Condition()
        self._next = 0
        """The next cell the thread draws."""
        self._asked = 0
        """One past the furthest cell asked."""
        self._busy: int | None = None
        self._done: dict[int, tuple[Drawn, int]] = {}
        self._bytes = 0
        self._stopped = False
        self._thread = threading.Thread(
            target=self._run, name="draw-ahead", daemon=True
        )
        self._thread.start()

    def _room(self) -> bool:
        at = self._next
        return (
            at < len(self._order)
            and at < self._asked + AHEAD_CELLS
            and self._bytes < AHEAD_BYTES
        )

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and not self._room():
                    self._cond.wait()
                if self._stopped:
                    return
                at, self._busy = self._next, self._next
                self._next += 1
            _, what, cell = self._order[at]
            drawn: Drawn | None = None
            # Not an Exception (those are the cell's answer): the thread stops, and
            # the serving thread draws this cell and the rest, and meets it itself.
            with contextlib.suppress(BaseException):
                drawn = _drawn(what, cell)
            with self._cond:
                self._busy = None
                if drawn is None:
                    self._stopped = True
                elif at + 1 >= self._asked:  # still to be asked, or waited for
                    size = _size(drawn)
                    self._done[at] = (drawn, size)
                    self._bytes += size
                self._cond.notify_all()

    def take(self, key: Key, cell: Cell) -> Drawn | None:
        """The cell as drawn ahead (waiting for it if it is being drawn), or
        ``None``: not in the plan as asked, or not reached, and then never drawn
        ahead (the caller draws it)."""
        at = self._at.get((key[2], cell))
        if at is None or self._order[at][0] != key:
            return None
        with self._cond:
            if at >= self._asked:
                self._asked = at + 1
                for passed in [i for i in self._done if i < at]:  # never asked
                    self._bytes -= self._done.pop(passed)[1]
            while self._busy == at:
                self._cond.wait()
            self._next = max(self._next, at + 1)
            got = self._done.pop(at, None)
            if got is not None:
                self._bytes -= got[1]
            self._cond.notify_all()
        return None if got is None else got[0]

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()


def serve(requests: IO[bytes], answers: IO[bytes], serial: int) -> None:
    """Draw what the run asks until it closes the pipe: a context (kept by token),
    a plan (drawn ahead), or a chunk of cells (answered, in order, with each one's
    example or error). ``${unique_digits}`` count from ``serial``, apart from the
    run's own."""
    restart_serial(serial)
    contexts: dict[int, ProbeContext] = {}
    ahead: Lookahead | None = None
    pickle.dump(("ready",), answers)
    answers.flush()
    try:
        while True:
            try:
                message = pickle.load(requests)
            except EOFError:
                return
            if message[0] == "context":
                _, token, data = message
                contexts.clear()  # one context at a time
                contexts[token] = pickle.loads(data)
                if ahead is not None:
                    ahead.stop()
                    ahead = None
                continue
            if message[0] == "plan":
                _, token, entries = message
                if ahead is not None:
                    ahead.stop()
                ahead = Lookahead(contexts[token], entries)
                continue
            _, token, name, params, clause_id, allow_writes, cells = message
            what = Drawing(
                contexts[token], FAMILIES[name], params, clause_id, allow_writes
            )
            key = (name, params, clause_id, allow_writes)
            out: list[Drawn] = []
            for cell in cells:
                early = ahead.take(key, cell) if ahead is not None else None
                out.append(early if early is not None else _drawn(what, cell))
            pickle.dump(out, answers, protocol=pickle.HIGHEST_PROTOCOL)
            answers.flush()
    finally:
        if ahead is not None:
            ahead.stop()
