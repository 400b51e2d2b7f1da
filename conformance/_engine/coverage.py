"""The coverage phase: every defect kind of a clause, on every operation it names.

Before Hypothesis fuzzes a targeted clause, this phase builds the clause's strategy
restricted to one operation and one kind at a time (``Family.restricted``), draws one
example of it from a seed fixed by clause, operation and kind (never ``--seed``, so
every profile and seed sends the same probes), sends it and judges it like any fuzz
example. Every (operation, kind) pair ends up either sent or skipped with the reason
(the kind does not apply there, read-only, no value, budget spent, target silent).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException

from errcontract._engine.sender import Budget, ClauseSender
from errcontract._engine.tally import CoverageRecord, Outcome, Sent
from errcontract.exceptions import BadArgument, NothingToProbe
from errcontract.results import Violation
from errcontract.strategies import Family, Scenario

REQUESTS_PER_CASE = 4
"""The coverage budget of a clause: this many requests per (operation, kind)."""

COVERAGE_SETTINGS = settings(
    max_examples=1,
    database=None,
    deadline=None,
    derandomize=False,
    phases=(Phase.generate,),
    suppress_health_check=list(HealthCheck),
    verbosity=Verbosity.quiet,
    print_blob=False,
)
"""One example, generated (Hypothesis starts from the simplest), never shrunk."""


def keyless(test: Callable[[], None]) -> Callable[[], None]:
    """``test`` (a ``@given`` test) with no example-database key.

    The suite keeps no example database, yet Hypothesis derives the key from the
    test function's source text (``inspect.getsource``) on every call unless the
    test names one: at one small test per coverage cell that was a tenth of a
    run's time. ``None`` is what Hypothesis itself uses when a seed is forced.
    """
    test._hypothesis_internal_database_key = None  # type: ignore[attr-defined]
    return test


def coverage_seed(clause_id: str, operation: str, kind: str | None) -> int:
    """The fixed seed of one coverage example."""
    return zlib.crc32(f"coverage:{clause_id}:{operation}:{kind or '*'}".encode())


def draw_one(strategy: st.SearchStrategy[Scenario], at: int) -> Scenario | None:
    """One example of ``strategy`` from seed ``at``; ``None`` if none could be drawn."""
    found: list[Scenario] = []

    def keep(scenario: Scenario) -> None:
        if not found:
            found.append(scenario)

    test = keyless(COVERAGE_SETTINGS(seed(at)(given(strategy)(keep))))
    test()
    return found[0] if found else None


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
    for op in operations:
        for kind in kinds or (None,):
            if sender.silent:
                silenced += 1
                record.skip(op, kind, "not sent: the target had gone silent")
                continue
            try:
                strategy = family(
                    session.ctx,
                    [op],
                    allow_writes=allow_writes,
                    **family.restricted(params, kind),
                )
            except NothingToProbe as exc:
                record.skip(op, kind, str(exc))
                continue
            except BadArgument as exc:
                if kind is None:
                    raise  # the clause's own call is wrong: a catalog error
                record.skip(op, kind, f"does not apply: {exc}")
                continue
            try:
                scenario = draw_one(strategy, coverage_seed(clause.id, op, kind))
            except HypothesisException as exc:
                record.skip(op, kind, f"no example: {type(exc).__name__}: {exc}")
                continue
            if scenario is None:
                record.skip(op, kind, "no example could be drawn")
                continue
            found_before = tally.found
            trial = sender.send_all(scenario, budget)
            if trial is None:
                why = "target silent" if sender.silent else "request budget spent"
                record.skip(op, kind, f"not sent: the clause's {why}")
                continue
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
            if tally.found > found_before:  # a scope clause judged it as logged
                outcome = "broken"
            first = trial.judged[0].probe if trial.judged else scenario[-1]
            record.sent.append(
                Sent(op, kind, len(trial.judged), first.defect or "", outcome)
            )
    unanswered = sum(1 for s in record.sent if s.outcome == "unanswered")
    if silenced or unanswered:
        cells = len(operations) * len(kinds or (None,))
        parts = []
        if silenced:
            parts.append(f"{silenced} not sent (the target had stopped answering)")
        if unanswered:
            why = "; ".join(f"{w} ({n})" for w, n in tally.unanswered.most_common())
            parts.append(f"{unanswered} sent but not answered: {why}")
        # A clause is judged on all its cells or not at all: a pass over a few of
        # them would hide what the rest would have shown.
        tally.incomplete = (
            f"coverage incomplete: of {cells} kind(s) x operation(s), "
            + " and ".join(parts)
        )
    return record
