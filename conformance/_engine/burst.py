"""The rate-limit burst: a bounded burst above the limit in one bucket, then a wait
and one retry, shared by the clauses that judge it (``scenario: burst``).
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from errcontract._contract.clauses import Clause
from errcontract._engine.session import ApiSession
from errcontract._engine.tally import ClauseTally
from errcontract._http.exchange import Exchange
from errcontract._http.retries import retry_after_seconds
from errcontract.checks import REGISTRY
from errcontract.checks.rate import Burst
from errcontract.results import Violation

MAX_RECOVERY_WAIT_S = 30.0
BURST_TIME_S = 10.0
MAX_BURST = 1000
WAVES = 3
"""Waves a burst sends at most: two go past a fixed window, the third past a token
bucket holding a second's worth when the client outpaces the limit by half."""


def admitted_at_most(limit: float, seconds: float) -> float:
    """The most requests a limiter of ``limit`` per second may admit in ``seconds``:
    a fixed window admits ``limit`` in each calendar second the burst touches, a
    token bucket holding one second's worth ``limit`` at once and ``limit`` a second
    after. Only a burst above this has exceeded the limit whatever the algorithm."""
    return limit * (math.ceil(seconds) + 1)


def burst(session: ApiSession, op_id: str) -> Burst:
    """Send a bounded burst above the limit in one bucket; then wait and retry once.

    Memoized per operation: the rate-limit clauses share one burst.
    """
    cached = session.bursts.get(op_id)
    if cached is not None:
        return cached
    limit = session.rate_limit or 0.0
    probe = replace(session.ctx.valid_probe(op_id), role="probe")
    # Waves one above the limit, sent concurrently so latency cannot hide the burst,
    # until a 429 or until more were sent than any limiter of that rate admits
    # (``admitted_at_most``): three waves at most (a guest's burst), never more than
    # MAX_BURST requests or BURST_TIME_S.
    wave = max(2, math.ceil(limit) + 2)
    n_max = min(WAVES * wave, MAX_BURST)
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
            elapsed = time.monotonic() - started
            if limited is not None or len(exchanges) > admitted_at_most(limit, elapsed):
                break
    duration = time.monotonic() - started
    recovery = None
    waited = 0.0
    no_recovery = ""
    if limited is not None and limited.response is not None:
        raw = limited.response.header(session.retry_header)
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


def run_burst_clause(session: ApiSession, clause: Clause, tally: ClauseTally) -> None:
    """Judge a rate-limit clause over the (shared) burst on its operation."""
    if not session.rate_limit:
        tally.reason = "no rate limit is configured for this target (--rate-limit N)"
        return
    assert clause.probes is not None
    op = clause.probes.operations[0]
    if not session.ctx.can_build(op):
        tally.reason = f"cannot build a valid request to {op}"
        return
    spec = REGISTRY.get(clause.check)
    if session.rate_limit >= MAX_BURST:
        tally.reason = (
            f"a burst is at most {MAX_BURST} requests, which cannot exceed a limit "
            f"of {session.rate_limit:g}/s: the limit was not probed"
        )
        return
    if session.client.silent:
        tally.reason = (
            "not probed: the target answered none of the last "
            f"{session.client.silent_streak} requests"
        )
        return
    outcome = burst(session, op)
    sent = len(outcome.exchanges)
    if outcome.exchanges and all(e.response is None for e in outcome.exchanges):
        # Not one answer, the first requests (within the limit) included: the
        # target was down or unreachable, which says nothing of its rate limit.
        tally.reason = (
            f"the target answered none of the burst's {sent} requests "
            f"({outcome.exchanges[-1].failure}), so the limit was not probed"
        )
        return
    most = admitted_at_most(outcome.limit_per_s, outcome.duration_s)
    if outcome.limited is None and sent <= most:
        # The suite could not send more than a limiter of that rate may admit (slow
        # target or link, a token bucket's burst): no 429 is owed, so no verdict.
        tally.reason = (
            f"the burst sent {sent} requests in {outcome.duration_s:.2f} s, not more "
            f"than a limit of {outcome.limit_per_s:g}/s may admit in that time "
            f"({most:g}, a fixed window or a token bucket), so the limit was not probed"
        )
        return
    if spec.name == "rate_recovers":
        if outcome.limited is None:
            tally.reason = "the burst provoked no 429, so there was nothing to recover"
            return
        if outcome.recovery is None:
            tally.reason = outcome.no_recovery or "recovery was not tried"
            return
        tally.count(1)
    else:
        tally.count(len(outcome.exchanges))
    try:
        spec.fn(session.check_context(clause), outcome)
    except Violation as violation:
        tally.add_violation(violation)
