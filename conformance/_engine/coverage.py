"""The coverage phase: every defect kind of a clause, on every operation it names.

Before Hypothesis fuzzes a targeted clause, this phase builds the clause's strategy
restricted to one operation and one kind at a time (``Family.restricted``), draws one
example of it from a seed fixed by clause, operation and kind (never ``--seed``, so
every profile and seed sends the same probes), sends it and judges it like any fuzz
example. Every (operation, kind) pair ends up either sent or skipped with the reason
(the kind does not apply there, read-only, no value, budget spent, target silent).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from errcontract._engine.drawing import Drawing, cells_of, drawn
from errcontract._engine.sender import Budget, ClauseSender, Ready
from errcontract._engine.tally import CoverageRecord, Outcome, Sent
from errcontract._http.exchange import Exchange
from errcontract.results import Violation
from errcontract.strategies import Family, Scenario

T = TypeVar("T")

REQUESTS_PER_CASE = 4
"""The coverage budget of a clause: this many requests per (operation, kind)."""

_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def _shareable(scenario: Scenario) -> bool:
    """Whether an example may be in flight beside others: one request of a safe
    method that writes nothing (RFC 9110 9.2.1), so no other example can see it."""
    return len(scenario) == 1 and scenario[0].method in _SAFE and not scenario[0].writes


@dataclass(frozen=True)
class _Cell:
    """A coverage cell on its way: its example, and its exchanges to come (or why
    it was not sent)."""

    op: str
    kind: str | None
    scenario: Scenario
    sent: Future[list[Exchange] | None] | str
    found_before: int


class _Peeking(Iterator[T]):
    """Items in order, the next one seen before it is reached."""

    def __init__(self, items: Iterable[T]) -> None:
        self._items = iter(items)
        self._held: list[T] = []

    def __next__(self) -> T:
        return self._held.pop() if self._held else next(self._items)

    def peek(self) -> T | None:
        """The next item (``None`` after the last), still to be reached."""
        if not self._held:
            try:
                self._held.append(next(self._items))
            except StopIteration:
                return None
        return self._held[0]


def run_coverage(
    sender: ClauseSender,
    family: Family,
    params: dict[str, Any],
    operations: Sequence[str],
) -> CoverageRecord:
    """Send every kind of ``family`` on every operation once; the record of it."""
    session, clause, tally = sender.session, sender.clause, sender.tally
    kinds = family.coverage_kinds(params)
    record = CoverageRecord(kinds=kinds, operations=tuple(operations))
    tally.coverage = record
    allow_writes = not session.settings.read_only
    budget = Budget(REQUESTS_PER_CASE * len(operations) * len(kinds or (None,)))
    silenced = 0

    cells = cells_of(family, params, operations)
    # A clause judged over every response is judged as each exchange is logged:
    # one example at a time, so each cell's outcome is its own.
    workers = session.workers if sender.judges else 1
    # A target's state must not change under an example: a write, a non-safe method
    # or a scenario of several requests (read, refused write, read) goes alone.
    alone = workers == 1
    waiting: deque[_Cell] = deque()

    def finish(cell: _Cell) -> None:
        """Judge and record the oldest cell in flight, in the order drawn."""
        found_before = cell.found_before
        if alone:
            # Its exchanges are logged and judged now (one cell behind the wire).
            found_before = tally.found
            session.holding.flush()
        if isinstance(cell.sent, str):
            record.skip(cell.op, cell.kind, cell.sent)
            return
        exchanges = cell.sent.result()
        if exchanges is None:
            why = "target silent" if sender.silent else "request budget spent"
            record.skip(cell.op, cell.kind, f"not sent: the clause's {why}")
            return
        trial = sender.conclude(exchanges)
        outcome: Outcome = (
            "throttled"
            if trial.throttled
            else "unanswered"
            if trial.unanswered
            else "held"
        )
        try:
            if sender.check(trial) is not None:
                outcome = "inapplicable"
        except Violation as violation:
            tally.add_violation(violation)
            outcome = "broken"
        # A scope clause judged it as logged (one example at a time: found_before
        # was read just before its exchanges were).
        if not sender.judges and tally.found > found_before:
            outcome = "broken"
        first = trial.judged[0].probe if trial.judged else cell.scenario[-1]
        record.sent.append(
            Sent(cell.op, cell.kind, len(trial.judged), first.defect or "", outcome)
        )

    readied: list[Ready] = []

    def meanwhile(behind: list[_Cell], upcoming: _Peeking[Any]) -> None:
        """While an example is on the wire (the target's time): judge the ones
        before it, and make the next one's request."""
        for cell in behind:
            finish(cell)
        _, scenario = upcoming.peek() or (None, "")
        if not isinstance(scenario, str):
            readied[:] = [sender.ready(scenario[0])]

    # One example at a time (``alone``): each is logged and judged while the next
    # one is on the wire (the suite's work beside the target's), in the order drawn.
    with (
        session.holding.block() if alone else nullcontext(),
        drawn(
            session.drawer,
            Drawing(session.ctx, family, params, clause.id, allow_writes),
            cells,
        ) as ahead,
        ThreadPoolExecutor(workers, thread_name_prefix="coverage") as pool,
    ):
        stream = _Peeking(ahead)
        try:
            for at, ((op, kind), prepared) in enumerate(stream):
                # Held back, the cells before are judged while this one is sent.
                while len(waiting) >= workers and not alone:
                    finish(waiting.popleft())
                if sender.silent:
                    while waiting:
                        finish(waiting.popleft())
                    # The rest is not drawn either: each cell is listed as not sent.
                    for left_op, left_kind in cells[at:]:
                        silenced += 1
                        record.skip(
                            left_op, left_kind, "not sent: the target had gone silent"
                        )
                    break
                if isinstance(prepared, str):
                    waiting.append(_Cell(op, kind, (), prepared, tally.found))
                    continue
                solo = alone or not _shareable(prepared)
                if solo and not alone:
                    while waiting:
                        finish(waiting.popleft())
                found_before = tally.found
                if solo:
                    sent: Future[list[Exchange] | None] = Future()
                    behind = list(waiting)
                    waiting.clear()
                    first = readied.pop() if readied else None
                    with session.client.meanwhile(partial(meanwhile, behind, stream)):
                        sent.set_result(sender.transmit(prepared, budget, first))
                else:
                    sent = pool.submit(sender.transmit, prepared, budget)
                waiting.append(_Cell(op, kind, prepared, sent, found_before))
            while waiting:
                finish(waiting.popleft())
        finally:
            for cell in waiting:  # stopped early (the run's cap): nothing more sent
                if not isinstance(cell.sent, str):
                    cell.sent.cancel()
    unanswered = sum(1 for s in record.sent if s.outcome == "unanswered")
    if silenced or unanswered:
        parts = []
        if silenced:
            parts.append(f"{silenced} not sent (the target had stopped answering)")
        if unanswered:
            why = "; ".join(f"{w} ({n})" for w, n in tally.unanswered.most_common())
            parts.append(f"{unanswered} sent but not answered: {why}")
        # A clause is judged on all its cells or not at all: a pass over a few of
        # them would hide what the rest would have shown.
        tally.incomplete = (
            f"coverage incomplete: of {len(cells)} kind(s) x operation(s), "
            + " and ".join(parts)
        )
    return record
