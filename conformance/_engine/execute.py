"""Running one clause: a coverage phase, then Hypothesis; its check judges the answers.

A targeted clause first goes through the coverage phase (``coverage``):
every defect kind of its family on every operation it names, once, the same probes
whatever the seed. Then it runs one small Hypothesis test per operation, drawing more
examples for depth, and shrinking hands back the smallest request that still breaks
the clause. Requests are bounded per clause and phase; replays while shrinking come
from the client's cache and cost nothing. The clause's verdict is its ``ClauseTally``.
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Callable, Sequence

from hypothesis import HealthCheck, Phase, Verbosity, given, reject, seed, settings
from hypothesis.errors import HypothesisException

from errcontract._contract.clauses import Clause, Mode
from errcontract._engine.burst import run_burst_clause
from errcontract._engine.coverage import run_coverage
from errcontract._engine.examples import keyless
from errcontract._engine.sender import Budget, ClauseSender
from errcontract._engine.session import ApiSession
from errcontract._engine.tally import ClauseTally, CoverageRecord
from errcontract._http.probe import Probe
from errcontract._http.redact import ENV_PREFIX
from errcontract.exceptions import BudgetExhausted
from errcontract.results import ClauseResult, Violation
from errcontract.strategies import FAMILIES, NothingToProbe

DEFAULT_EXAMPLES = {"ci": 8, "thorough": 60}

# The suite's Hypothesis settings profiles. Both send every example over the network,
# so: no example database (a run is replayed with --seed), no deadline, no health
# checks about slow data, one failure reported per test, quiet (the evidence is ours).
for _name, _count in DEFAULT_EXAMPLES.items():
    settings.register_profile(
        f"conformance-{_name}",
        max_examples=_count,
        database=None,
        deadline=None,
        derandomize=False,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
REQUESTS_PER_EXAMPLE = 4  # room for shrinking: the clause's request budget per example


def run_clause(session: ApiSession, clause: Clause) -> ClauseResult:
    """The verdict on ``clause`` for this session's target, as its mode says."""
    if clause.mode.over_responses:
        if clause.mode is Mode.EVERY_RESPONSE_PROBED:
            # Judged over every response in scope, and sends probes of its own.
            _measured(session, session.scope_tallies[clause.id], clause)
        return session.over_responses_result(clause)
    tally = ClauseTally(clause)
    missing = [n for n in clause.needs if n not in session.target.fixtures]
    if missing:
        name = missing[0]
        env = session.target.env_names.get(name, ENV_PREFIX + name.upper())
        tally.reason = (
            f"needs fixture {name}, which was not given (--fixture {name}=… or {env})"
        )
        return tally.result()
    _measured(session, tally, clause)
    return tally.result(empty_reason=session.scope_reason(clause))


def _measured(session: ApiSession, tally: ClauseTally, clause: Clause) -> None:
    """Probe ``clause`` into ``tally``, counting its requests and time."""
    sent_before, started = session.client.sent, time.monotonic()
    try:
        if clause.mode is Mode.BURST:
            session.phase("burst")
            run_burst_clause(session, clause, tally)
        else:
            _run_strategy_clause(session, clause, tally)
    except BudgetExhausted as exc:
        tally.note(f"stopped early: {exc}")
        tally.reason = f"stopped early: {exc}"
        if tally.coverage is None or not tally.coverage.done:
            # Its own probes did not all go out (a burst cut short, a coverage
            # phase not finished or not started: a clause judged over every
            # response whose probes come last): what it judged is no verdict.
            record = tally.coverage
            tally.incomplete = f"stopped early: {exc}" + (
                ""
                if record is None
                else f" ({len(record.sent)} of {record.cells} kind x operation "
                "cell(s) sent)"
            )
    finally:
        tally.requests = session.client.sent - sent_before
        tally.duration_s = time.monotonic() - started


def _examples(session: ApiSession, clause: Clause, n_ops: int) -> int:
    total = session.settings.examples
    if total is None:
        base = DEFAULT_EXAMPLES[session.settings.depth]
        given = clause.probes.examples if clause.probes else None
        total = base if given is None else given
    return max(1, math.ceil(total / max(n_ops, 1)))


def _seed_for(session: ApiSession, clause: Clause, op: str) -> int:
    base = session.settings.seed
    if base is None and session.settings.depth == "thorough":
        base = int(time.time_ns() & 0xFFFFFFFF)
    return zlib.crc32(f"{clause.id}:{op}".encode()) ^ (base or 0)


def _fuzz_test(
    sender: ClauseSender,
    record: CoverageRecord,
    op: str,
    budget: Budget,
    seen: list[Violation],
    spent: list[BudgetExhausted],
) -> Callable[[tuple[Probe, ...]], None]:
    """The body of one operation's Hypothesis test: send, count, judge. Every
    violation is also kept in ``seen``, last (most shrunk) at the end: a replay that
    cannot be sent (the budget spent) must not lose what was found.

    The run's own cap (``BudgetExhausted``) is kept in ``spent`` and the example
    rejected, never raised into Hypothesis: it would take the cap for a failure of
    the example, replay it, find the replay rejected and report the run's limit as a
    flaky test (an internal error) instead of "stopped early"."""

    def probe_test(scenario: tuple[Probe, ...]) -> None:
        if spent:
            reject()
        try:
            trial = sender.send_all(scenario, budget)
        except BudgetExhausted as exc:
            spent.append(exc)
            reject()
        if trial is None:
            # Spent, or the target answers nothing: shrinking stops here and the
            # smallest failing request so far stands.
            reject()
        try:
            verdict = sender.check(trial)
        except Violation as violation:
            record.fuzz[op] += trial.new
            seen.append(violation)
            raise
        if verdict is None:  # an example whose premise did not hold is not judged
            record.fuzz[op] += trial.new

    return probe_test


def _run_strategy_clause(
    session: ApiSession, clause: Clause, tally: ClauseTally
) -> None:
    probes = clause.probes
    assert probes is not None
    assert probes.strategy is not None
    factory = FAMILIES[probes.strategy]
    params = dict(probes.params)
    reasons: list[str] = []
    operations: Sequence[str] = probes.operations
    sender = ClauseSender(session, clause, tally)
    session.phase("coverage")
    record = run_coverage(sender, factory, params, operations)
    session.phase("fuzz")
    per_op = _examples(session, clause, len(operations))
    # One example per operation is the family's simplest, which the coverage phase
    # sent where it sent anything (test_simplest_draw): building a strategy and an
    # engine per operation to draw it again sent nothing new, at a third of a large
    # run's time. An operation it sent nothing for still goes, for the reason.
    covered = {sent.operation for sent in record.sent} if per_op == 1 else set()
    for op in (op for op in operations if op not in covered):
        if sender.silent:
            tally.note(
                f"{op}: not probed: the target answered none of the last "
                f"{session.client.silent_streak} requests"
            )
            continue
        try:
            strategy = factory(
                session.ctx, [op], allow_writes=not session.settings.read_only, **params
            )
        except NothingToProbe as exc:
            reasons.append(str(exc))
            continue
        seen: list[Violation] = []
        spent: list[BudgetExhausted] = []
        probe_test = _fuzz_test(
            sender, record, op, Budget(per_op * REQUESTS_PER_EXAMPLE * 2), seen, spent
        )
        profile = settings.get_profile(f"conformance-{session.settings.depth}")
        test = keyless(
            settings(profile, max_examples=per_op)(
                seed(_seed_for(session, clause, op))(given(strategy)(probe_test))
            )
        )
        try:
            test()
        except Violation as violation:
            tally.add_violation(violation)
        except BaseExceptionGroup as group:  # a flaky failure wraps what it saw
            found = group.subgroup(Violation)
            if found is not None:
                tally.add_violation(found.exceptions[0])  # type: ignore[arg-type]
            elif seen:
                # The replay of the smallest example could not be sent (budget spent,
                # or the target stopped answering): what it showed before stands.
                tally.add_violation(seen[-1])
            elif not spent:
                raise
        except HypothesisException as exc:
            if seen:
                tally.add_violation(seen[-1])
            if not spent:
                tally.note(f"{op}: {type(exc).__name__}: {exc}")
        if spent:
            raise spent[0]
    if tally.throttled:
        tally.note(
            f"{tally.throttled} example(s) answered 429 and were not judged by this "
            "clause"
        )
    if not tally.judged and reasons:
        tally.reason = "; ".join(dict.fromkeys(reasons))
        # Say why a value is missing, down to the first cause (a setup step that was
        # skipped or refused, and what that step itself lacked).
        explained: set[str] = set()
        for _ in range(len(session.setup_reasons)):
            for var, why in session.setup_reasons.items():
                if var not in explained and f"'{var}'" in tally.reason:
                    explained.add(var)
                    tally.reason += f" ({var}: {why})"
    elif not tally.judged and tally.throttled:
        # Else the tally says why: no premise held (a write not refused), or nothing
        # was sent.
        tally.reason = "every probe of this clause was throttled (429)"
