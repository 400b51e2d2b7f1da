"""One clause's verdict in the making: what was judged, what broke, what was sent.

A ``ClauseTally`` is the only owner of a clause's verdict. The code that probes the
clause (coverage phase, fuzz phase, burst) or the session (for checks over every
response) adds to it; ``result()`` settles it into the ``ClauseResult`` renderers read.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from errcontract._contract.clauses import Clause
from errcontract._http.exchange import Exchange
from errcontract.results import ClauseResult, Violation

MAX_EVIDENCE = 5

Outcome = Literal["held", "broken", "throttled", "unanswered", "inapplicable"]


@dataclass
class Sent:
    """One coverage example: a kind sent on an operation, and how it was answered."""

    operation: str
    kind: str | None
    count: int
    defect: str
    outcome: Outcome

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "operation": self.operation,
            "kind": self.kind,
            "count": self.count,
            "defect": self.defect,
            "outcome": self.outcome,
        }


@dataclass
class CoverageRecord:
    """What a targeted clause sent: kinds x operations of the coverage phase, and how
    many judged requests the fuzz phase added per operation."""

    kinds: tuple[str, ...] | None
    operations: tuple[str, ...]
    sent: list[Sent] = field(default_factory=list)
    skipped: list[tuple[str, str | None, str]] = field(default_factory=list)
    fuzz: Counter[str] = field(default_factory=Counter)

    def skip(self, operation: str, kind: str | None, reason: str) -> None:
        """Record that ``kind`` was not sent on ``operation``, and why."""
        self.skipped.append((operation, kind, reason))

    @property
    def cells(self) -> int:
        """How many (operation, kind) cells the coverage phase has to settle."""
        return len(self.operations) * len(self.kinds or (None,))

    @property
    def done(self) -> bool:
        """Whether every (operation, kind) cell was sent or skipped with its reason."""
        return len(self.sent) + len(self.skipped) >= self.cells

    def to_dict(self) -> dict[str, Any]:
        """The ``coverage`` member of a clause in ``results.json``."""
        return {
            "kinds": None if self.kinds is None else list(self.kinds),
            "operations": list(self.operations),
            "sent": [s.to_dict() for s in self.sent],
            "skipped": [
                {"operation": op, "kind": kind, "reason": reason}
                for op, kind, reason in self.skipped
            ],
            "fuzz": [
                {"operation": op, "count": self.fuzz[op]}
                for op in self.operations
                if self.fuzz[op]
            ],
        }


class ClauseTally:
    """Judged exchanges, violations, notes and coverage of one clause."""

    def __init__(self, clause: Clause) -> None:
        self.clause = clause
        self.judged = 0
        self._seen: set[int] = set()
        self.violations: list[Violation] = []
        self.found = 0
        self.violated_operations: list[str] = []
        self.notes: list[str] = []
        self.reason = ""
        self.throttled = 0
        self.requests = 0
        self.duration_s = 0.0
        self.coverage: CoverageRecord | None = None
        # Responses in scope that did not meet the clause's premise, by why.
        self.missed: Counter[str] = Counter()
        # Every exchange that broke the clause (the evidence list is capped).
        self.violating: set[int] = set()
        # Examples not judged because a request got no answer, by why.
        self.unanswered: Counter[str] = Counter()
        # Set when the coverage phase could not send every cell: never a pass.
        self.incomplete = ""
        # Set when the clause's own check raised (a suite or profile bug): the clause
        # can then never pass, and the run ends with exit 4.
        self.crash = ""
        self._lock = threading.Lock()

    def fresh(self) -> ClauseTally:
        """A tally with nothing judged yet, keeping what was sent and noted."""
        other = ClauseTally(self.clause)
        other.notes = list(self.notes)
        other.requests, other.duration_s = self.requests, self.duration_s
        other.coverage, other.throttled = self.coverage, self.throttled
        other.missed = Counter(self.missed)
        other.unanswered = Counter(self.unanswered)
        other.incomplete = self.incomplete
        return other

    def count(self, n: int = 1) -> None:
        """``n`` more responses were judged."""
        with self._lock:
            self.judged += n

    def judge(self, exchanges: Iterable[Exchange]) -> int:
        """Count ``exchanges`` as judged (each once, replays aside); the new ones."""
        with self._lock:
            new = {e.seq for e in exchanges} - self._seen
            self._seen |= new
            self.judged += len(new)
        return len(new)

    def unanswered_by(self, exchange: Exchange) -> None:
        """An example went unanswered (slow or down): not judged, reported."""
        failure = exchange.failure or "no answer"
        # The wire's own words: "no answer within 2 s (timeout)", "... refused".
        why = failure if "within" in failure else failure.rpartition(": ")[2]
        with self._lock:
            self.unanswered[why] += 1

    def inapplicable(self, why: str) -> None:
        """A response in scope did not meet the clause's premise: not judged."""
        with self._lock:
            self.missed[why] += 1

    def not_judged(self, exchanges: Iterable[Exchange], why: str) -> None:
        """A sent example whose premise did not hold (a scenario check's
        ``Inapplicable``): its exchanges no longer count as judged; ``why`` is kept."""
        with self._lock:
            taken = {e.seq for e in exchanges} & self._seen
            self._seen -= taken
            self.judged -= len(taken)
            self.missed[why] += 1

    def add_violation(self, violation: Violation) -> None:
        """Keep a violation as evidence (the first few; all are counted), once per
        exchange: a replay of the same request (Hypothesis shrinking, the cache) is
        the same violation."""
        with self._lock:
            seqs = frozenset(e.seq for e in violation.exchanges)
            if seqs and seqs <= self.violating:
                return
            self.violating |= seqs
            self.found += 1
            op = violation.operation or "(run)"
            if op not in self.violated_operations:
                self.violated_operations.append(op)
            if len(self.violations) < MAX_EVIDENCE:
                self.violations.append(violation)

    def note(self, text: str) -> None:
        """A note shown with the verdict."""
        self.notes.append(text)

    def crashed(self, why: str) -> None:
        """The clause's check raised on a response (the first such error is kept)."""
        with self._lock:
            self.crash = self.crash or why

    def _missed(self) -> str:
        return "; ".join(f"{why} ({n})" for why, n in self.missed.most_common())

    def result(self, empty_reason: str = "") -> ClauseResult:
        """The settled verdict: fail with evidence, pass, or not-run with the reason
        (``empty_reason`` when nothing was judged and no reason was given)."""
        clause = self.clause
        result = ClauseResult(
            id=clause.id,
            text=clause.text,
            kind=clause.kind,
            family=clause.family,
            reason=self.reason,
            notes=list(self.notes),
            exchanges=self.judged,
            violations=list(self.violations),
            violated_operations=list(self.violated_operations),
            new_operations=list(self.violated_operations),
            violating=sorted(self.violating),
            requests=self.requests,
            duration_s=self.duration_s,
            coverage=None if self.coverage is None else self.coverage.to_dict(),
        )
        if self.crash:
            result.internal_error = True
            result.notes.append(f"the check raised on a response: {self.crash}")
        if self.unanswered:
            result.notes.append(
                f"{sum(self.unanswered.values())} example(s) got no answer and were "
                "not judged (the target's slowness or outage, not a wrong answer): "
                + "; ".join(f"{w} ({n})" for w, n in self.unanswered.most_common())
            )
        if self.found:
            result.status = "fail"
            shown = len(result.violations)
            result.reason = f"{self.found} violation(s)" + (
                f", first {shown} shown" if self.found > shown else ""
            )
        elif self.crash:
            result.reason = (
                f"the suite failed while judging this clause ({self.crash}); "
                "it is not a verdict on the target"
            )
        elif self.incomplete:
            result.reason = self.incomplete
        elif result.exchanges:
            result.status = "pass"
            result.reason = result.reason or f"{result.exchanges} response(s) judged"
            if self.missed:
                result.reason += (
                    f" (of {result.exchanges + sum(self.missed.values())} in scope; "
                    f"the others met not its premise: {self._missed()})"
                )
        elif self.missed:
            # Nothing met the premise: a pass here would have judged nothing.
            result.reason = result.reason or (
                f"its premise never held: {sum(self.missed.values())} response(s) in "
                f"scope, and {self._missed()}"
            )
        else:
            result.reason = result.reason or empty_reason
        return result
