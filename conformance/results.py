"""The result model every renderer reads: violations, clause verdicts, run facts.

Renderers (terminal, JUnit, JSON, HTML) format these objects; none of them re-derives a
verdict or parses a message string. Each clause's ``outcome`` is decided here, once,
and every renderer only maps it to its own vocabulary.

``Violation`` and ``ClauseFailed`` are verdicts, not errors of the suite (those are in
``errcontract.exceptions``): ``AssertionError``s because Hypothesis shrinks on them and
pytest reports them as failures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    from errcontract._http.exchange import Exchange

Status = Literal["pass", "fail", "not-run"]
Outcome = Literal["pass", "fail", "known", "not-gating", "not-run", "error"]
"""What a clause's result means for the run, the one word every renderer shows:
``fail`` fails the gate, ``known`` (the baseline covers it) and ``not-gating`` (its
kind is not in --fail-on) are failures the gate excuses, ``error`` is the suite's own
crash (exit 4, no verdict on the target)."""

OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)

RESULTS_FORMAT = 1
"""The version of ``results.json``'s shape (``schemas/meta/results.schema.json``):
``conformance merge`` joins only files of the format it reads."""


class Violation(AssertionError):
    """A clause broken by one exchange (or a set of them), with its evidence.

    An ``AssertionError`` so a check can raise it inside a Hypothesis test and
    Hypothesis shrinks towards the smallest request that still breaks the clause.
    """

    def __init__(
        self,
        clause: str,
        title: str,
        *,
        expected: str,
        actual: str,
        exchanges: tuple[Exchange, ...] = (),
    ) -> None:
        super().__init__(f"[{clause}] {title}: expected {expected}; got {actual}")
        self.clause = clause
        self.title = title
        self.expected = expected
        self.actual = actual
        self.exchanges = exchanges
        # Set by the CI gate when a baseline entry lists this (clause, operation).
        self.known = False
        self.known_note = ""
        # Other clauses the same exchange breaks (one 500 under the no-5xx clause
        # and the expected-answer one is one defect, said once per clause).
        self.also: tuple[str, ...] = ()

    @property
    def operation(self) -> str | None:
        """The operation of the first exchange (what a baseline entry keys on)."""
        return self.exchanges[0].probe.operation if self.exchanges else None

    def to_dict(self, limit: int = 4096) -> dict[str, Any]:
        """A JSON-ready view with the redacted requests, responses and curl lines."""
        return {
            "clause": self.clause,
            "title": self.title,
            "expected": self.expected,
            "actual": self.actual,
            "operation": self.operation,
            "known": self.known,
            "known_note": self.known_note,
            "also_breaks": list(self.also),
            "exchanges": [e.to_dict(limit) for e in self.exchanges],
        }

    def render(self) -> str:
        """Plain-text evidence: the line a person reads first, then request and curl."""
        lines = [f"{self.clause}: {self.title}", f"  expected: {self.expected}"]
        lines.append(f"  actual:   {self.actual}")
        for ex in self.exchanges:
            req = ex.request
            lines.append(f"  request:  {req.method} {req.url}")
            if ex.probe.defect:
                lines.append(f"  defect:   {ex.probe.defect}")
            if ex.response is not None:
                body = ex.response.text
                if len(body) > 400:
                    body = body[:400] + "…"
                lines.append(f"  response: {ex.response.status} {body}")
            elif ex.failure:
                lines.append(f"  response: none ({ex.failure})")
            lines.append(f"  curl:     {ex.curl}")
        if self.also:
            lines.append(f"  the same exchange also breaks {', '.join(self.also)}")
        return "\n".join(lines)


@dataclass
class ClauseResult:
    """The verdict on one clause."""

    id: str
    text: str
    kind: str
    family: str
    status: Status = "not-run"
    reason: str = ""
    violations: list[Violation] = field(default_factory=list)
    exchanges: int = 0
    notes: list[str] = field(default_factory=list)
    # Every operation with a violation (the evidence list is capped, this is not).
    violated_operations: list[str] = field(default_factory=list)
    # Every exchange (by seq) that broke the clause, evidence or not.
    violating: list[int] = field(default_factory=list)
    # The CI gate: which of those are not in the baseline, and whether this clause's
    # kind gates the exit status at all (--fail-on).
    new_operations: list[str] = field(default_factory=list)
    excused: bool = False
    gates: bool = True
    gate_notes: list[str] = field(default_factory=list)
    # The clause's check raised (a suite or profile bug): never a pass; exit 4.
    internal_error: bool = False
    # Requests sent while this clause was judged (checks over every response: 0).
    requests: int = 0
    duration_s: float = 0.0
    # A targeted clause: kinds x operations its coverage phase sent, skipped pairs
    # (with why) and the fuzz phase's judged requests per operation. Else None.
    coverage: dict[str, Any] | None = None

    @property
    def outcome(self) -> Outcome:
        """The one outcome every renderer shows, from the status and the gate.

        In the exit status's order: a failure the gate counts (exit 1) before the
        suite's own crash (exit 4), before failures the gate excuses (the baseline's
        first: a known failure of a non-gating kind is still known).
        """
        if self.status == "fail" and self.gates and not self.excused:
            return "fail"
        if self.internal_error:
            return "error"
        if self.status == "fail":
            return "known" if self.excused else "not-gating"
        return self.status

    @property
    def known(self) -> bool:
        """A failure the baseline covers entirely (nothing new)."""
        return self.status == "fail" and self.excused

    @property
    def blocking(self) -> bool:
        """Whether this clause fails the gate (the exit status)."""
        return self.outcome == "fail"

    def to_dict(self, limit: int = 4096) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "id": self.id,
            "text": self.text,
            "kind": self.kind,
            "family": self.family,
            "outcome": self.outcome,
            "status": self.status,
            "reason": self.reason,
            "blocking": self.blocking,
            "known": self.known,
            "gates": self.gates,
            "violated_operations": list(self.violated_operations),
            "violating_exchanges": len(self.violating),
            "new_operations": list(self.new_operations),
            "gate_notes": list(self.gate_notes),
            "internal_error": self.internal_error,
            "exchanges": self.exchanges,
            "requests": self.requests,
            "duration_s": round(self.duration_s, 3),
            "coverage": self.coverage,
            "notes": list(self.notes),
            "violations": [v.to_dict(limit) for v in self.violations],
        }


class ClauseFailed(AssertionError):
    """A clause failed; carries its result so the report shows evidence, not a trace."""

    def __init__(self, result: ClauseResult) -> None:
        super().__init__(f"{result.id} failed: {result.reason}")
        self.result = result

    def render(self) -> str:
        """The clause, its reason, and the evidence of each violation kept."""
        lines = [f"{self.result.id}: {self.result.text}", self.result.reason, ""]
        lines += [v.render() + "\n" for v in self.result.violations]
        lines += [f"note: {n}" for n in self.result.notes]
        return "\n".join(lines)


@dataclass
class ApiResult:
    """Everything one profile's run found."""

    api: str
    title: str
    base_url: str
    clauses: list[ClauseResult] = field(default_factory=list)
    requests: int = 0
    notes: list[str] = field(default_factory=list)
    # Operation x status: documented or not, provoked how often, with violations.
    status_matrix: list[dict[str, Any]] = field(default_factory=list)

    @property
    def verdict(self) -> Literal["pass", "fail"]:
        """``fail`` when a clause fails the gate (with no baseline: any failure)."""
        return "fail" if any(c.blocking for c in self.clauses) else "pass"

    @property
    def broken(self) -> list[ClauseResult]:
        """Every failing clause, gating or not."""
        return [c for c in self.clauses if c.status == "fail"]

    def to_dict(self, limit: int = 4096) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "api": self.api,
            "title": self.title,
            "base_url": self.base_url,
            "verdict": self.verdict,
            "broken": [c.id for c in self.broken],
            "requests": self.requests,
            "notes": list(self.notes),
            "clauses": [c.to_dict(limit) for c in self.clauses],
            "status_matrix": list(self.status_matrix),
        }


@dataclass
class RunResult:
    """One run over one or more profiles: what every renderer is given."""

    apis: list[ApiResult]
    started_at: str
    duration_s: float
    seed: int | None
    version: str
    settings: dict[str, Any] = field(default_factory=dict)
    baseline: str | None = None
    stopped: list[str] = field(default_factory=list)
    """Why a target stopped answering mid-run (the run's exit status is then 3)."""

    @property
    def verdict(self) -> Literal["pass", "fail"]:
        """``fail`` when any profile failed."""
        return "fail" if any(a.verdict == "fail" for a in self.apis) else "pass"

    @property
    def requests(self) -> int:
        """Requests sent over the whole run."""
        return sum(a.requests for a in self.apis)

    def shared_clause_ids(self) -> set[str]:
        """Clause ids judged in more than one API (one profile deployed twice, or
        runs of one API merged): where a clause is named, its API is named too."""
        seen: dict[str, int] = {}
        for api in self.apis:
            for clause_id in {c.id for c in api.clauses}:
                seen[clause_id] = seen.get(clause_id, 0) + 1
        return {clause_id for clause_id, count in seen.items() if count > 1}

    def to_dict(self, limit: int = 4096) -> dict[str, Any]:
        """The ``results.json`` document.

        With a single profile its fields sit at the top level too (``api``,
        ``base_url``, ``clauses``), so the common case reads flat.
        """
        doc: dict[str, Any] = {
            "format": RESULTS_FORMAT,
            "verdict": self.verdict,
            "requests": self.requests,
            "duration_s": round(self.duration_s, 3),
            "started_at": self.started_at,
            "seed": self.seed,
            "version": self.version,
            "baseline": self.baseline,
            "stopped": list(self.stopped),
            "settings": self.settings,
            "apis": [a.to_dict(limit) for a in self.apis],
        }
        if len(self.apis) == 1:
            only = doc["apis"][0]
            flat = ("api", "title", "base_url", "clauses", "status_matrix", "broken")
            doc.update({k: only[k] for k in flat})
            doc["notes"] = only["notes"]
        else:
            doc["api"] = "all"
            doc["base_url"] = {a.api: a.base_url for a in self.apis}
            doc["clauses"] = [c for a in doc["apis"] for c in a["clauses"]]
            doc["broken"] = [c for a in doc["apis"] for c in a["broken"]]
        return doc
