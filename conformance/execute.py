"""Running one clause: Hypothesis drives its probes, its check judges the answers.

A targeted clause runs one small Hypothesis test per operation it names, so every
operation is probed at least once and shrinking hands back the smallest request that
still breaks the clause. Requests are bounded per clause; replays while shrinking come
from the client's cache and cost nothing.
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from hypothesis import HealthCheck, Phase, Verbosity, given, reject, seed, settings
from hypothesis.errors import HypothesisException

from conformance.checks import REGISTRY
from conformance.checks.rate import Burst, retry_after_seconds
from conformance.exceptions import BudgetExhausted, Violation
from conformance.exchange import Exchange
from conformance.probe import Probe
from conformance.profile import Clause
from conformance.redact import ENV_PREFIX
from conformance.results import ClauseResult
from conformance.session import ApiSession
from strategies import FAMILIES, NothingToProbe

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
MAX_RECOVERY_WAIT_S = 30.0
BURST_TIME_S = 10.0
MAX_BURST = 1000


def run_clause(session: ApiSession, clause: Clause) -> ClauseResult:
    """The verdict on ``clause`` for this session's target."""
    if clause.on is not None:
        return session.universal_result(clause)
    result = session.new_result(clause)
    missing = [n for n in clause.needs if n not in session.target.fixtures]
    if missing:
        name = missing[0]
        env = session.target.env_names.get(name, ENV_PREFIX + name.upper())
        result.reason = (
            f"needs fixture {name}, which was not given (--fixture {name}=… or {env})"
        )
        return result
    probes = clause.probes or {}
    try:
        if "scenario" in probes:
            _run_burst_clause(session, clause, result)
        else:
            _run_strategy_clause(session, clause, result)
    except BudgetExhausted as exc:
        result.notes.append(f"stopped early: {exc}")
        result.reason = f"stopped early: {exc}"
    return session.finish_result(result, clause)


def _examples(session: ApiSession, clause: Clause, n_ops: int) -> int:
    total = session.settings.examples
    if total is None:
        base = DEFAULT_EXAMPLES[session.settings.hypothesis_profile]
        total = int((clause.probes or {}).get("examples", base))
    return max(1, math.ceil(total / max(n_ops, 1)))


def _seed_for(session: ApiSession, clause: Clause, op: str) -> int:
    base = session.settings.seed
    if base is None and session.settings.hypothesis_profile == "thorough":
        base = int(time.time_ns() & 0xFFFFFFFF)
    return zlib.crc32(f"{clause.id}:{op}".encode()) ^ (base or 0)


def _run_strategy_clause(
    session: ApiSession, clause: Clause, result: ClauseResult
) -> None:
    probes = clause.probes or {}
    factory = FAMILIES[probes["strategy"]]
    params = dict(probes.get("with", {}))
    spec = REGISTRY.get(clause.check)
    ctx = session.check_context(clause)
    reasons: list[str] = []
    operations: Sequence[str] = probes["operations"]
    per_op = _examples(session, clause, len(operations))
    judged: set[int] = set()
    unanswered: dict[tuple[object, ...], Exchange] = {}
    throttled = 0
    for op in operations:
        if session.client.silent and unanswered:
            result.notes.append(
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
        budget = {"left": per_op * REQUESTS_PER_EXAMPLE * 2}

        def send(probe: Probe, budget: dict[str, int] = budget) -> Exchange:
            probe = probe.with_expectation(clause.id, clause.answers(probe.defect_kind))
            cached = session.client.cached(probe)
            if cached is not None:
                return cached
            key = session.client.key(probe)
            if key in unanswered:  # replayed while shrinking: no second wait
                return replace(unanswered[key], probe=probe)
            if budget["left"] <= 0 or (session.client.silent and unanswered):
                # Spent, or the target answers nothing: shrinking stops here and
                # the smallest failing request so far stands.
                reject()
            budget["left"] -= 1
            exchange = session.client.send(probe)
            if exchange.response is None:
                unanswered[key] = exchange
            return exchange

        def probe_test(scenario: tuple[Probe, ...]) -> None:
            nonlocal throttled
            exchanges = [send(p) for p in scenario]
            judged_now = [e for e in exchanges if e.probe.role == "probe"]
            if any(e.status == 429 for e in judged_now):
                throttled += 1
                return  # honoured by the client and noted; not this clause's business
            judged.update(e.seq for e in judged_now)
            if spec.scope == "scenario":
                spec.fn(ctx, exchanges)
            else:
                for exchange in judged_now:
                    spec.fn(ctx, exchange)

        profile = settings.get_profile(
            f"conformance-{session.settings.hypothesis_profile}"
        )
        test = settings(profile, max_examples=per_op)(
            seed(_seed_for(session, clause, op))(given(strategy)(probe_test))
        )
        try:
            test()
        except Violation as violation:
            session.add_violation(violation)
        except BaseExceptionGroup as group:  # a flaky failure wraps what it saw
            found = group.subgroup(Violation)
            if found is None:
                raise
            session.add_violation(found.exceptions[0])  # type: ignore[arg-type]
        except HypothesisException as exc:
            result.notes.append(f"{op}: {type(exc).__name__}: {exc}")
    session.judged[clause.id] += len(judged)
    if throttled:
        result.notes.append(
            f"{throttled} example(s) answered 429 and were not judged by this clause"
        )
    if not judged and reasons:
        result.reason = "; ".join(dict.fromkeys(reasons))
        # Say why a value is missing, down to the first cause (a setup step that was
        # skipped or refused, and what that step itself lacked).
        explained: set[str] = set()
        for _ in range(len(session.setup_reasons)):
            for var, why in session.setup_reasons.items():
                if var not in explained and f"'{var}'" in result.reason:
                    explained.add(var)
                    result.reason += f" ({var}: {why})"
    elif not judged:
        result.reason = "every probe of this clause was throttled (429)"


def burst(session: ApiSession, op_id: str) -> Burst:
    """Send a bounded burst above the limit in one bucket; then wait and retry once.

    Memoized per operation: the rate-limit clauses share one burst.
    """
    cached = session.bursts.get(op_id)
    if cached is not None:
        return cached
    limit = session.rate_limit or 0.0
    probe = replace(session.ctx.valid_probe(op_id), role="probe")
    # Waves one above the limit, sent concurrently so latency cannot hide the burst;
    # two waves at most (and never more than MAX_BURST requests).
    wave = max(2, math.ceil(limit) + 2)
    n_max = min(2 * wave, MAX_BURST)
    exchanges: list[Exchange] = []
    limited: Exchange | None = None
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=min(wave, 32)) as pool:
        while len(exchanges) < n_max and time.monotonic() - started < BURST_TIME_S:
            size = min(wave, n_max - len(exchanges))
            batch = list(
                pool.map(
                    lambda _: session.client.send(probe, paced=False, cache=False),
                    range(size),
                )
            )
            exchanges.extend(batch)
            limited = next((e for e in batch if e.status == 429), None)
            if limited is not None:
                break
    duration = time.monotonic() - started
    recovery = None
    waited = 0.0
    no_recovery = ""
    if limited is not None and limited.response is not None:
        raw = limited.response.header("Retry-After")
        seconds = retry_after_seconds(raw)
        if seconds is not None and seconds <= MAX_RECOVERY_WAIT_S:
            waited = seconds + 0.25
            time.sleep(waited)
            recovery = session.client.send(probe, paced=False, cache=False)
        elif seconds is not None:
            no_recovery = (
                f"Retry-After of {seconds} s is longer than the suite waits "
                f"({MAX_RECOVERY_WAIT_S:g} s); recovery not tried"
            )
        else:
            no_recovery = f"the 429 gave no usable Retry-After to wait for ({raw!r})"
    result = Burst(
        exchanges=tuple(exchanges),
        limit_per_s=limit,
        duration_s=duration,
        limited=limited,
        recovery=recovery,
        waited_s=waited,
        no_recovery=no_recovery,
    )
    session.bursts[op_id] = result
    return result


def _run_burst_clause(
    session: ApiSession, clause: Clause, result: ClauseResult
) -> None:
    if not session.rate_limit:
        result.reason = "no rate limit is configured for this target (--rate-limit N)"
        return
    operations = (clause.probes or {})["operations"]
    op = operations[0]
    if not session.ctx.can_build(op):
        result.reason = f"cannot build a valid request to {op}"
        return
    spec = REGISTRY.get(clause.check)
    outcome = burst(session, op)
    if outcome.limited is None and outcome.achieved_per_s < outcome.limit_per_s:
        # The suite could not exceed the limit (slow target or link): no verdict.
        result.reason = (
            f"the burst reached only {outcome.achieved_per_s:.0f} requests/s, below "
            f"the limit of {outcome.limit_per_s:g}/s, so the limit was not probed"
        )
        return
    if spec.name == "rate_recovers":
        if outcome.limited is None:
            result.reason = "the burst provoked no 429, so there was nothing to recover"
            return
        if outcome.recovery is None:
            result.reason = outcome.no_recovery or "recovery was not tried"
            return
        session.judged[clause.id] += 1
    else:
        session.judged[clause.id] += len(outcome.exchanges)
    try:
        spec.fn(session.check_context(clause), outcome)
    except Violation as violation:
        session.add_violation(violation)
