"""Coverage examples drawn ahead: on a thread, or in a process of their own.

Drawing a coverage example is pure Python. On a thread (``Ahead``) it overlaps the
target's time, but takes the interpreter's lock from the thread that sends and
judges: at 300 operations about a third of the run's busy time was drawing. Where
the machine has a second CPU and a run is large, a drawing process takes that work
off the lock: it is given the run's ``ProbeContext`` once, the run's coverage draws
in order (``coverage_plan``: it draws them ahead, ``draw_serve``), then a clause's
cells in chunks, and hands back each cell's example, or why it has none, in order.

The examples are those the thread would draw: each cell's seed is fixed by clause,
operation and kind, and the same code draws it (:meth:`Drawing.prepare`). One value
differs: ``${unique_digits}``, whose per-process serial starts half a million apart
in the drawing process, so what it creates never collides with the fuzz phase's.
A family outside the registry, a process that cannot start or dies, or a small run
draws on the thread, as before.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import IO, Any

from hypothesis.errors import HypothesisException

from errcontract._contract.clauses import Clause, Probes
from errcontract._contract.surface import ProbeContext
from errcontract._engine.examples import coverage_seed, draw_one
from errcontract._engine.prefetch import Ahead
from errcontract.exceptions import BadArgument, NothingToProbe
from errcontract.strategies import (
    FAMILIES,
    Family,
    Scenario,
    first_example_only,
    serial_now,
)

Cell = tuple[str, str | None]
Prepared = Scenario | str
Drawn = tuple[Prepared | None, BaseException | None]
"""A cell's example or why it has none, or the error to raise when it is reached."""

APART_FROM_CELLS = 2000
"""A run draws in a process of its own from this many coverage cells: below it,
starting the process (an interpreter and the suite's imports, about a second of
CPU) costs more than drawing on the thread."""
CHUNK = 8
"""Cells per request to the drawing process: few enough that the first examples
come back at once, enough that a round trip is a small part of each."""
SERIAL_APART = 500_000
WORKER = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[2]); "
    "from errcontract._engine.draw_worker import main; main()"
)
"""The drawing process's program: ``python -I -c WORKER SERIAL PATH``."""


@dataclass(frozen=True)
class Drawing:
    """What a clause's cells are drawn from: its family and parameters, the run's
    context, and whether its probes may write."""

    ctx: ProbeContext
    family: Family
    params: Mapping[str, Any]
    clause_id: str
    allow_writes: bool

    def prepare(self, cell: Cell) -> Prepared:
        """One cell's example, or why it has none (a catalog error raises)."""
        op, kind = cell
        family = self.family
        try:
            with first_example_only():
                strategy = family(
                    self.ctx,
                    [op],
                    allow_writes=self.allow_writes,
                    **family.restricted(self.params, kind),
                )
        except NothingToProbe as exc:
            return str(exc)
        except BadArgument as exc:
            if kind is None:
                raise  # the clause's own call is wrong: a catalog error
            return f"does not apply: {exc}"
        try:
            scenario = draw_one(strategy, coverage_seed(self.clause_id, op, kind))
        except HypothesisException as exc:
            return f"no example: {type(exc).__name__}: {exc}"
        return "no example could be drawn" if scenario is None else scenario


# -- in the run -----------------------------------------------------------------------


def cells_of(
    family: Family, params: Mapping[str, Any], operations: Sequence[str]
) -> list[Cell]:
    """A clause's coverage cells: each of its operations with each kind, in order."""
    kinds = family.coverage_kinds(dict(params))
    return [(op, kind) for op in operations for kind in kinds or (None,)]


def coverage_plan(
    ctx: ProbeContext, clauses: Sequence[Clause], allow_writes: bool
) -> list[tuple[Drawing, list[Cell]]]:
    """What the targeted ``clauses`` draw in their coverage phases, in order."""
    plan = []
    for clause, probes, family in _targeted(clauses):
        params = dict(probes.params)
        drawing = Drawing(ctx, family, params, clause.id, allow_writes)
        plan.append((drawing, cells_of(family, params, probes.operations)))
    return plan


def _targeted(clauses: Sequence[Clause]) -> Iterator[tuple[Clause, Probes, Family]]:
    """The clauses whose probes a registered family draws, with both."""
    for clause in clauses:
        probes = clause.probes
        family = FAMILIES.get(probes.strategy or "") if probes is not None else None
        if probes is not None and family is not None:
            yield clause, probes, family


def coverage_cells(clauses: Sequence[Clause]) -> int:
    """How many coverage cells the targeted ``clauses`` have (operation x kind)."""
    return sum(
        len(cells_of(family, probes.params, probes.operations))
        for _, probes, family in _targeted(clauses)
    )


class DrawerGone(RuntimeError):
    """The drawing process ended, or its answer could not be read."""


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


Answer = list[Drawn]


class Drawer:
    """A run's drawing process: started where the run is large enough to gain and
    the machine has a CPU for it; a request is answered through a ``Future``."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._pending: deque[Future[Answer]] = deque()
        self._ctx: ProbeContext | None = None
        self._token = 0
        self._plan: tuple[ProbeContext, list[Any]] | None = None
        self.failed: str | None = None
        self.serial = 0
        """Where the process's serial of ``${unique_digits}`` started."""
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        """Start the process; it imports while the run starts."""
        if self._proc is not None or self.failed or _cpus() < 2:
            return
        # The drawing process needs no secret (a context only names them). It is
        # isolated (-I: no PYTHON* variables, no user site, not the working
        # directory first) and imports from this interpreter's path, nowhere else.
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE")}
        path = [p or os.getcwd() for p in sys.path]
        self.serial = serial_now() + SERIAL_APART
        try:
            self._proc = subprocess.Popen(
                [
                    sys.executable,
                    "-I",
                    "-c",
                    WORKER,
                    str(self.serial),
                    json.dumps(path),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        except OSError as exc:
            self.failed = f"it could not start ({exc})"
            return
        answers = self._proc.stdout
        assert answers is not None
        self._reader = threading.Thread(
            target=self._read, args=(answers,), name="draw-answers", daemon=True
        )
        self._reader.start()

    def _read(self, answers: IO[bytes]) -> None:
        try:
            while True:
                message = pickle.load(answers)
                if message == ("ready",):
                    self._ready.set()
                    continue
                with self._lock:
                    waiting = self._pending.popleft()
                waiting.set_result(message)
        except Exception as exc:  # EOF, a broken pipe, a garbled answer
            self._end(f"it ended ({type(exc).__name__})")

    def give_up(self, why: str) -> None:
        """Draw nothing more here (the process is left to ``close``)."""
        self._end(why)

    def _end(self, why: str) -> None:
        with self._lock:
            self.failed = self.failed or why
            waiting, self._pending = list(self._pending), deque()
        for future in waiting:
            if not future.done():
                future.set_exception(DrawerGone(why))

    def ready(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for the process to be up (not at all
        for one not started)."""
        if self._proc is None:
            return False
        return self._ready.wait(timeout) and not self.failed

    def usable(self, family: Family) -> bool:
        """Whether the process is up (not still starting) and can draw ``family``."""
        return (
            self._proc is not None
            and self._ready.is_set()
            and not self.failed
            and FAMILIES.get(family.name) is family
        )

    def _send(self, message: tuple[Any, ...]) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or self.failed:
            raise DrawerGone(self.failed or "not started")
        try:
            pickle.dump(message, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.flush()
        except (OSError, ValueError) as exc:
            self._end(f"it stopped reading ({type(exc).__name__})")
            raise DrawerGone(self.failed or "gone") from exc

    def set_plan(self, plan: Sequence[tuple[Drawing, Sequence[Cell]]]) -> None:
        """The run's coverage draws in order (``coverage_plan``), for the process to
        draw ahead of what it is asked (``draw_serve``); told with the first draw."""
        entries = [
            (d.family.name, dict(d.params), d.clause_id, d.allow_writes, list(cells))
            for d, cells in plan
            if FAMILIES.get(d.family.name) is d.family and cells
        ]
        self._plan = (plan[0][0].ctx, entries) if entries else None
        if self._plan is not None and self._ready.is_set() and not self.failed:
            # Up already (started early: ``start_spare``): it draws ahead from now.
            with contextlib.suppress(DrawerGone):
                self._told(self._plan[0])

    def _told(self, ctx: ProbeContext) -> None:
        """The process has ``ctx``, and the plan drawn from it if one waits."""
        if self._ctx is not ctx:
            self._token += 1
            self._send(("context", self._token, pickle.dumps(ctx)))
            self._ctx = ctx
        if self._plan is not None and self._plan[0] is ctx:
            # Sent once the process reads its pipe: a plan may be more than a pipe
            # holds, and a write must not wait on imports.
            self._send(("plan", self._token, self._plan[1]))
            self._plan = None

    def draw(self, what: Drawing, cells: Sequence[Cell]) -> Future[Answer]:
        """``cells`` asked to be drawn; their answer to come."""
        self._told(what.ctx)
        future: Future[Answer] = Future()
        with self._lock:
            self._pending.append(future)
        message = ("draw", self._token, what.family.name, dict(what.params))
        self._send((*message, what.clause_id, what.allow_writes, list(cells)))
        return future

    def discard(self) -> None:
        """End a process no run has used, without waiting for it to read its pipe."""
        if self._proc is not None and not self._ctx:
            with contextlib.suppress(OSError):
                self._proc.kill()
        self.close()

    def close(self) -> None:
        """End the process (closing its pipe ends it; a stuck one is killed)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        self.failed = self.failed or "closed"
        with contextlib.suppress(OSError, ValueError):
            assert proc.stdin is not None
            proc.stdin.close()
        try:
            proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=2.0)
        if self._reader is not None:
            self._reader.join(timeout=2.0)  # it has read the end of the pipe
        if proc.stdout is not None and not (self._reader and self._reader.is_alive()):
            proc.stdout.close()
        self._end("closed")


_spare: list[Drawer] = []


def start_spare() -> None:
    """Start a drawing process before the run's settings are read, so its imports
    overlap theirs (the run's first clauses then find it up, and it draws ahead
    from the end of setup); the run takes it (``take_spare``) where it draws apart,
    else it is closed (``close_spare``)."""
    if not _spare:
        drawer = Drawer()
        drawer.start()
        if drawer._proc is not None:
            _spare.append(drawer)


def take_spare() -> Drawer:
    """The drawing process started early, else a new one (not started)."""
    return _spare.pop() if _spare else Drawer()


def close_spare() -> None:
    """End a drawing process started early that no run took (at once: it may be
    importing still, and nothing it holds is wanted)."""
    while _spare:
        _spare.pop().discard()


STARVED_S = 20.0
"""A chunk the process has not answered within this is drawn on the run's thread,
and so is the rest of the run: the process draws at idle priority
(``draw_worker``), and a machine busy with other work may leave it none."""
WINDOW = 32
"""Chunks asked ahead of the one being sent: the process keeps drawing while the
run sends, and the pipe never fills (a write never waits for the drawing)."""


class _Remote:
    """Cells drawn by the process, handed back in order; where it breaks down,
    the rest is drawn on a thread."""

    def __init__(self, drawer: Drawer, what: Drawing, cells: Sequence[Cell]) -> None:
        self._drawer = drawer
        self._what = what
        self._cells = cells
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> _Remote:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def __iter__(self) -> Iterator[tuple[Cell, Prepared]]:
        cells = self._cells
        chunks = [cells[at : at + CHUNK] for at in range(0, len(cells), CHUNK)]
        asked: deque[Future[Answer]] = deque()
        at = 0
        try:
            for chunk in chunks[:WINDOW]:
                asked.append(self._drawer.draw(self._what, chunk))
            for index in range(len(chunks)):
                try:
                    drawn = asked.popleft().result(timeout=STARVED_S)
                except FutureTimeout:
                    why = f"it fell behind (no examples within {STARVED_S:g} s)"
                    self._drawer.give_up(why)
                    raise DrawerGone(why) from None
                if index + WINDOW < len(chunks):
                    asked.append(self._drawer.draw(self._what, chunks[index + WINDOW]))
                for made, error in drawn:
                    if error is not None:
                        raise error
                    assert made is not None
                    yield cells[at], made
                    at += 1
        except DrawerGone:
            rest = cells[at:]
            yield from self._stack.enter_context(Ahead(rest, self._what.prepare))


def drawn(drawer: Drawer | None, what: Drawing, cells: Sequence[Cell]) -> Any:
    """``(cell, its example or why none)`` for each of ``cells``, in order, drawn
    ahead by the process where it can, else on a thread; a context manager."""
    if drawer is not None and cells and drawer.usable(what.family):
        return _Remote(drawer, what, cells)
    return Ahead(cells, what.prepare)
