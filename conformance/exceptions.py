"""Every exception the suite raises, in one place (the way httpx keeps its own).

Which one is raised decides the exit status, so the tree is the contract between the
layers and the front doors::

    ConformanceError
    ├── ConfigError            a setting or a profile is wrong: exit 2
    │   └── ProfileError       a profile's files are missing or inconsistent
    ├── ClientError            the target could not be talked to
    │   ├── BudgetExhausted    the request cap or time budget is spent (clause stops)
    │   └── TargetUnreachable  the preflight got no answer: exit 3
    ├── MissingValue           a valid request needs a value the run does not have
    └── NothingToProbe         nothing is left to probe (clause not-run, with why)
    BadArgument                a strategy argument that can never work (also
                               Hypothesis' ``InvalidArgument`` and ``ValueError``)
    Stalled                    an answer missed its deadline (an ``httpx`` timeout)

    AssertionError
    ├── Violation              a clause broken by an exchange, with the evidence
    └── ClauseFailed           a clause's verdict raised as a pytest failure

``Violation`` and ``ClauseFailed`` are ``AssertionError``s because Hypothesis shrinks on
them and pytest reports them as failures; ``Stalled`` is an ``httpx`` timeout so the
client's timeout handling takes it like any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
from hypothesis.errors import InvalidArgument

if TYPE_CHECKING:
    from errcontract.exchange import Exchange
    from errcontract.results import ClauseResult


class ConformanceError(Exception):
    """Base of the suite's own errors (not of verdicts: see ``Violation``)."""


class ConfigError(ConformanceError, ValueError):
    """A setting is missing or malformed: the run cannot start (exit status 2)."""


class ProfileError(ConfigError):
    """A profile's files are missing or inconsistent (a profile bug, not the run's)."""


class ClientError(ConformanceError):
    """The target could not be talked to."""


class BudgetExhausted(ClientError):
    """The run's request cap or time budget is spent."""


class TargetUnreachable(ClientError):
    """The preflight request got no answer: exit status 3."""


class MissingValue(ConformanceError, LookupError):
    """A valid request needs a value the run does not have (a fixture or discovery)."""

    def __init__(self, operation: str, name: str) -> None:
        super().__init__(f"{operation} needs {name!r}, which this run does not have")
        self.operation = operation
        self.name = name


class NothingToProbe(ConformanceError):
    """Nothing is left to probe in this run; the clause is reported not-run."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BadArgument(InvalidArgument, ValueError):
    """A strategy argument that can never work; caught as either base class."""


class Stalled(httpx.TimeoutException):
    """The answer did not complete within the whole-request deadline."""


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
