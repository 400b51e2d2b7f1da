"""The check registry and the context every check receives."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from errcontract._http.exchange import Exchange
from errcontract._near import near_miss
from errcontract.results import Violation

if TYPE_CHECKING:
    # Only named in annotations: the checks sit below the profile, which reads each
    # clause's mode from this registry.
    from errcontract._contract.clauses import Clause
    from errcontract._contract.profile import Profile

Scope = Literal["exchange", "scenario", "run", "burst"]


@dataclass(frozen=True)
class CheckContext:
    """What a check knows besides the exchanges: its clause, the profile, settings."""

    clause: Clause
    profile: Profile
    clock_skew_s: float = 300.0

    @property
    def params(self) -> Mapping[str, Any]:
        """The clause's ``with`` parameters."""
        return self.clause.params

    def violation(
        self, title: str, *, expected: str, actual: str, exchanges: tuple[Exchange, ...]
    ) -> Violation:
        """A violation of this check's clause."""
        return Violation(
            self.clause.id, title, expected=expected, actual=actual, exchanges=exchanges
        )


@dataclass(frozen=True)
class Inapplicable:
    """What a check over every response returns when the response does not meet the
    clause's premise ("`status`, when present, equals the HTTP status": a body
    without `status`). It is not judged; a clause whose premise never held is
    not-run with the reason, never a pass that judged nothing."""

    reason: str


NO_PARAMS: Mapping[str, Any] = {"type": "object", "additionalProperties": False}


@dataclass(frozen=True)
class CheckSpec:
    """A registered check: its name, scope, function and the JSON Schema of the
    parameters a clause gives it under ``with`` (checked before any run)."""

    name: str
    scope: Scope
    fn: Callable[..., Any]
    params: Mapping[str, Any] = field(default_factory=lambda: dict(NO_PARAMS))
    content: bool = False
    """Whether the check judges the response's content (its body or the media type
    labelling it): a response to HEAD has none (RFC 9110 section 9.3.2), so such a
    check does not judge it."""
    stream: Callable[[CheckContext], Any] | None = None
    """A run check judged as the run goes: called once per run, it returns an
    object whose ``see(exchange)`` gives the violation that exchange completes (or
    ``None``), so the run need not keep every exchange to judge them at its end."""


class Registry:
    """Checks by name; one instance, filled by the check modules at import."""

    def __init__(self) -> None:
        self._checks: dict[str, CheckSpec] = {}

    def register(
        self,
        name: str,
        scope: Scope,
        *,
        params: Mapping[str, Any] | None = None,
        content: bool = False,
        stream: Callable[[CheckContext], Any] | None = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register the decorated function as check ``name``.

        ``params`` maps each parameter to its JSON Schema, with ``required: True`` on
        those a clause must give; ``content`` marks a check of the response's content;
        ``stream`` judges a run check as the run goes (``CheckSpec.stream``).
        """

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            if name in self._checks:
                raise ValueError(f"check {name!r} registered twice")
            schema = dict(NO_PARAMS)
            if params:
                required = [k for k, v in params.items() if v.get("required") is True]
                schema["properties"] = {
                    k: {key: val for key, val in v.items() if key != "required"}
                    for k, v in params.items()
                }
                if required:
                    schema["required"] = required
            self._checks[name] = CheckSpec(name, scope, fn, schema, content, stream)
            return fn

        return decorate

    def get(self, name: str) -> CheckSpec:
        """The check ``name``, or a ``KeyError`` suggesting the near miss."""
        try:
            return self._checks[name]
        except KeyError:
            hint = near_miss(name, self._checks)
            raise KeyError(f"no check named {name!r}{hint}") from None

    def scope_of(self, name: str) -> Scope | None:
        """What check ``name`` is given (``None`` for no such check: the linter
        names it)."""
        spec = self._checks.get(name)
        return None if spec is None else spec.scope

    def names(self) -> frozenset[str]:
        """Every registered check name."""
        return frozenset(self._checks)


REGISTRY = Registry()
