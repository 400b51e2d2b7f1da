"""Sending one example of a targeted clause and judging it, for both phases.

The coverage phase and the fuzz phase send their examples the same way: each probe
tagged with the clause's expected answers, replays answered from the client's cache
(or, for unanswered requests, from the clause's own), within a request budget, and
not at all once the target has gone silent. A judged example goes to the clause's
check; its violations go to the clause's tally.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

from errcontract._contract.clauses import Clause
from errcontract._engine.session import ApiSession
from errcontract._engine.tally import ClauseTally
from errcontract._http.client import Outgoing
from errcontract._http.exchange import Exchange
from errcontract._http.probe import Probe
from errcontract._http.retries import connection_refused
from errcontract.checks import REGISTRY, Inapplicable


@dataclass
class Budget:
    """Requests one phase may still send for a clause (replays are free)."""

    left: int


@dataclass(frozen=True)
class Trial:
    """One example as sent: its exchanges, the judged ones, whether it was throttled
    or went unanswered (neither is judged: a 429 is the rate limit's business, no
    answer the target's slowness or outage, not a wrong documented answer)."""

    exchanges: tuple[Exchange, ...]
    judged: tuple[Exchange, ...]
    new: int
    throttled: bool
    unanswered: bool = False

    @property
    def skipped(self) -> bool:
        """Whether the example is not judged."""
        return self.throttled or self.unanswered


def _slow(exchange: Exchange) -> bool:
    """Whether the request went unanswered for time (a timeout, a stall)."""
    return "within" in (exchange.failure or "")


def _unanswered(exchange: Exchange) -> bool:
    """Whether the target was not taking connections (down, restarting): no
    verdict on the request at all. A request that got no answer in time is the
    target's slowness, judged as such (once asked twice); an answer cut short, a
    reset or a malformed one is the target's answer, and is judged."""
    failure = exchange.failure or ""
    return exchange.response is None and (
        connection_refused(failure) or "refused" in failure.lower()
    )


@dataclass(frozen=True)
class Ready:
    """A drawn probe as the clause sends it (with its expectation) and its outgoing
    request, made ahead (``ClauseSender.ready``)."""

    drawn: Probe
    probe: Probe
    out: Outgoing


class ClauseSender:
    """Sends a clause's examples and hands them to its check.

    A clause judged over every response in its scope that also sends probes of its
    own (``scope`` and ``probes``) is judged by the session as each exchange is
    logged: its sender only sends, and reads the verdict off the tally.
    """

    def __init__(self, session: ApiSession, clause: Clause, tally: ClauseTally) -> None:
        self.session = session
        self.clause = clause
        self.tally = tally
        self.spec = REGISTRY.get(clause.check)
        self.ctx = session.check_context(clause)
        self.unanswered: dict[bytes, Exchange] = {}
        self.judges = not clause.mode.over_responses
        self._seen: set[int] = set()
        # The coverage phase may send several examples at once (``--workers``):
        # the budget and the clause's unanswered requests are shared between them.
        self._lock = threading.Lock()

    @property
    def silent(self) -> bool:
        """The target answered none of the last requests, this clause's among them."""
        return self.session.client.silent and bool(self.unanswered)

    def ready(self, drawn: Probe) -> Ready:
        """``drawn`` as this clause sends it, and its request: made while the example
        before it is on the wire, where the coverage phase sends one at a time."""
        op = self.session.ctx.operations.get(drawn.operation)
        probe = drawn.with_expectation(
            self.clause.id,
            self.clause.answers(drawn.defect_kind, None if op is None else op.statuses),
        )
        return Ready(drawn, probe, self.session.client.outgoing(probe))

    def send(
        self, drawn: Probe, budget: Budget, ready: Ready | None = None
    ) -> Exchange | None:
        """The exchange of ``drawn``; ``None`` when the budget is spent or the target
        is silent (nothing was sent). ``ready``: made ahead, if of ``drawn``."""
        client = self.session.client
        if ready is None or ready.drawn is not drawn:
            ready = self.ready(drawn)
        probe, out = ready.probe, ready.out
        cached = client.cached(probe, out)
        if cached is not None:
            return cached
        key = out.key
        if not self._spend(key, budget):
            hit = self.unanswered.get(key)
            # Replayed while shrinking: no second wait.
            return None if hit is None else replace(hit, probe=probe)
        exchange = client.send(probe, out=out)
        if (
            exchange.response is None
            and _slow(exchange)
            and not probe.writes
            and not client.silent
            and self._spend(key, budget)
        ):
            # One slow answer is not a broken contract: an idempotent probe is
            # asked once more before its silence counts.
            exchange = client.send(probe, out=out)
        if exchange.response is None:
            with self._lock:
                self.unanswered[key] = exchange
        return exchange

    def _spend(self, key: bytes, budget: Budget) -> bool:
        """Take one request from ``budget``; ``False`` (nothing taken) when it is
        spent, the target is silent or ``key`` is one already left unanswered."""
        with self._lock:
            if key in self.unanswered or budget.left <= 0 or self.silent:
                return False
            budget.left -= 1
            return True

    def send_all(self, scenario: Sequence[Probe], budget: Budget) -> Trial | None:
        """Send a scenario's probes in order; ``None`` when one could not be sent."""
        exchanges = self.transmit(scenario, budget)
        return None if exchanges is None else self.conclude(exchanges)

    def transmit(
        self, scenario: Sequence[Probe], budget: Budget, first: Ready | None = None
    ) -> list[Exchange] | None:
        """Send a scenario's probes in order (safe on several threads at once);
        ``None`` when one could not be sent. ``first``: its first probe made ahead."""
        exchanges = []
        for at, probe in enumerate(scenario):
            exchange = self.send(probe, budget, None if at else first)
            if exchange is None:
                return None
            exchanges.append(exchange)
        return exchanges

    def conclude(self, exchanges: Sequence[Exchange]) -> Trial:
        """The trial of a sent scenario, counted in the clause's tally (one thread,
        in the order the examples were drawn)."""
        judged = tuple(e for e in exchanges if e.probe.role == "probe")
        silent = next((e for e in exchanges if _unanswered(e)), None)
        if silent is not None:
            self.tally.unanswered_by(silent)
            return Trial(tuple(exchanges), judged, 0, False, unanswered=True)
        if any(e.status == 429 for e in judged):
            # Honoured by the client and noted; not this clause's business.
            self.tally.throttled += 1
            return Trial(tuple(exchanges), judged, 0, True)
        if self.judges:
            return Trial(tuple(exchanges), judged, self.tally.judge(judged), False)
        new = {e.seq for e in judged} - self._seen
        self._seen |= new
        return Trial(tuple(exchanges), judged, len(new), False)

    def check(self, trial: Trial) -> Inapplicable | None:
        """Judge a sent example with the clause's check (raises its ``Violation``);
        a scope clause's examples were judged as they were logged. A scenario whose
        premise did not hold (its check says ``Inapplicable``) is not judged: its
        exchanges are taken back from the count and the reason kept."""
        if trial.skipped or not self.judges:
            return None
        slow = next((e for e in trial.judged if e.response is None and _slow(e)), None)
        if slow is not None:
            # Asked twice and unanswered both times: reported as what it is, the
            # target's slowness on this request, not a wrong documented answer.
            raise self.ctx.violation(
                "no answer in time (the target's slowness)",
                expected=f"an answer within {self.session.settings.timeout_s:g} s "
                "(asked twice)",
                actual=slow.failure or "no answer",
                exchanges=(slow,),
            )
        if self.spec.scope == "scenario":
            verdict = self.spec.fn(self.ctx, list(trial.exchanges))
            if isinstance(verdict, Inapplicable):
                self.tally.not_judged(trial.judged, verdict.reason)
                return verdict
            return None
        for exchange in trial.judged:
            self.spec.fn(self.ctx, exchange)
        return None
