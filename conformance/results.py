"""The result model every renderer reads: violations, clause verdicts, run facts.

Renderers (terminal, JUnit, JSON, HTML) format these objects; none of them re-derives a
verdict or parses a message string.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from errcontract.exceptions import Violation

Status = Literal["pass", "fail", "not-run"]


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
    def known(self) -> bool:
        """A failure the baseline covers entirely (nothing new)."""
        return self.status == "fail" and self.excused

    @property
    def blocking(self) -> bool:
        """Whether this clause fails the gate (the exit status)."""
        return self.status == "fail" and self.gates and not self.excused

    def to_dict(self, limit: int = 4096) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "id": self.id,
            "text": self.text,
            "kind": self.kind,
            "family": self.family,
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


@dataclass
class ApiResult:
    """Everything one profile's run found."""

    api: str
    title: str
    base_url: str
    clauses: list[ClauseResult] = field(default_factory=list)
    requests: int = 0
    notes: list[str] = field(default_factory=list)
    coverage: list[dict[str, Any]] = field(default_factory=list)

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
            "coverage": list(self.coverage),
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

    def to_dict(self, limit: int = 4096) -> dict[str, Any]:
        """The ``results.json`` document.

        With a single profile its fields sit at the top level too (``api``,
        ``base_url``, ``clauses``), so the common case reads flat.
        """
        doc: dict[str, Any] = {
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
            flat = ("api", "title", "base_url", "clauses", "coverage", "broken")
            doc.update({k: only[k] for k in flat})
            doc["notes"] = only["notes"]
        else:
            doc["api"] = "all"
            doc["base_url"] = {a.api: a.base_url for a in self.apis}
            doc["clauses"] = [c for a in doc["apis"] for c in a["clauses"]]
            doc["broken"] = [c for a in doc["apis"] for c in a["broken"]]
        return doc
