"""The clauses over every response, judged in one place.

The session judges each exchange as it logs it, and the Schemathesis hooks each
response Schemathesis gets: both through a ``ResponseJudge``, which binds a profile's
clauses over every response to their checks once and says, per exchange, what each
clause in scope made of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from errcontract._contract.clauses import Clause, Mode
from errcontract._contract.profile import Profile
from errcontract._http.exchange import Exchange
from errcontract.checks import REGISTRY, CheckContext, Inapplicable
from errcontract.results import Violation


@dataclass(frozen=True)
class Crash:
    """The clause's own check raised: a suite or profile bug, never a verdict."""

    error: Exception


Verdict = Violation | Inapplicable | Crash | None
"""What a check made of one exchange: broken, not its premise, crashed, or held."""


NO_CONTENT = Inapplicable(
    "a response to HEAD has no content to judge (RFC 9110 section 9.3.2)"
)


@dataclass(frozen=True)
class _Bound:
    clause: Clause
    fn: Callable[..., Any]
    context: CheckContext
    content: bool = False
    stream: Callable[[CheckContext], Any] | None = None


class ResponseJudge:
    """A profile's clauses over every response, bound to their checks once."""

    def __init__(
        self,
        profile: Profile,
        *,
        clock_skew_s: float = 300.0,
        skip: Iterable[str] = (),
        stream: bool = False,
    ) -> None:
        left_out = frozenset(skip)
        bound = [
            _Bound(
                clause,
                REGISTRY.get(clause.check).fn,
                CheckContext(clause=clause, profile=profile, clock_skew_s=clock_skew_s),
                REGISTRY.get(clause.check).content,
                REGISTRY.get(clause.check).stream,
            )
            for clause in profile.clauses
            if clause.mode.over_responses and clause.id not in left_out
        ]
        self._each = [b for b in bound if b.clause.mode is not Mode.RUN]
        self._at_end = [b for b in bound if b.clause.mode is Mode.RUN]
        # With ``stream``, run-level clauses whose check can are judged as the run
        # goes (``judge``), one state each; the others wait for ``judge_run``.
        self._streams = [
            (b, b.stream(b.context))
            for b in self._at_end
            if stream and b.stream is not None
        ]

    @property
    def clauses(self) -> list[Clause]:
        """Every clause this judge judges."""
        return [b.clause for b in (*self._each, *self._at_end)]

    def judge(self, exchange: Exchange) -> Iterator[tuple[Clause, Verdict]]:
        """Each clause whose scope holds ``exchange``, and its verdict on it."""
        for bound in self._each:
            scope = bound.clause.scope
            if scope is None or not scope.holds(exchange):
                continue
            verdict: Verdict
            if bound.content and exchange.probe.method == "HEAD":
                yield bound.clause, NO_CONTENT
                continue
            try:
                verdict = bound.fn(bound.context, exchange)
            except Violation as violation:
                verdict = violation
            except Exception as exc:  # this clause's bug, not the exchange's
                verdict = Crash(exc)
            yield bound.clause, verdict
        for bound, state in self._streams:
            scope = bound.clause.scope
            if scope is None or not scope.holds(exchange):
                continue
            try:
                verdict = state.see(exchange)
            except Exception as exc:  # this clause's bug, not the exchange's
                verdict = Crash(exc)
            yield bound.clause, verdict

    def streamed(self, clause: Clause) -> bool:
        """Whether ``judge`` judges run-level ``clause`` as the run goes (so its
        verdict needs no log of the run's exchanges)."""
        return any(b.clause.id == clause.id for b, _ in self._streams)

    def judge_run(
        self, exchanges: Sequence[Exchange]
    ) -> Iterator[tuple[Clause, int, list[Violation] | Crash]]:
        """Each run-level clause: how many exchanges were in its scope, and its
        violations over them (the Schemathesis hooks; a session's run judges them
        as it goes)."""
        for bound in self._at_end:
            scope = bound.clause.scope
            scoped = [e for e in exchanges if scope is not None and scope.holds(e)]
            try:
                found: list[Violation] | Crash = list(bound.fn(bound.context, scoped))
            except Exception as exc:
                found = Crash(exc)
            yield bound.clause, len(scoped), found
