"""A clause as the engine runs it: typed, its mode decided once, when it is read.

A catalog entry says what a promise is (``scope``: which responses it judges;
``probes``: which requests it sends); how the engine runs it follows from that and
from its check, and is decided here, once, into ``Clause.mode``:

========================  ======================================================
``targeted``              sends its family's probes; its check judges each answer
``every-response``        judges every response in its ``scope`` as it is logged
``every-response-probed`` the same, and sends probes of its own (robustness)
``burst``                 the rate-limit burst on one operation
``run``                   judges the whole run's exchanges at its end
========================  ======================================================

``Scope`` and ``Probes`` carry what the raw mappings carried, with the questions
asked of them (``Scope.holds``, ``Scope.nothing_seen``) answered in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal

from errcontract._http.probe import Answer, status_matches

if TYPE_CHECKING:
    from errcontract._http.exchange import Exchange


class Mode(Enum):
    """How the engine runs a clause."""

    TARGETED = "targeted"
    EVERY_RESPONSE = "every-response"
    EVERY_RESPONSE_PROBED = "every-response-probed"
    BURST = "burst"
    RUN = "run"

    @property
    def order(self) -> int:
        """Judging order: targeted probes first, the burst next, checks over every
        response last (they judge what the others sent), those sending probes of
        their own first among them (so every other one judges their probes too)."""
        return _ORDER[self]

    @property
    def over_responses(self) -> bool:
        """Whether the clause is judged on the exchanges the session logs."""
        return self in (Mode.EVERY_RESPONSE, Mode.EVERY_RESPONSE_PROBED, Mode.RUN)


_ORDER = {
    Mode.TARGETED: 0,
    Mode.BURST: 1,
    Mode.EVERY_RESPONSE_PROBED: 2,
    Mode.EVERY_RESPONSE: 3,
    Mode.RUN: 3,
}

Responses = Literal["all", "errors", "defective"]
_SEEN = {
    "all": "no response",
    "errors": "no error response",
    "defective": "no answer to a defective request",
}


@dataclass(frozen=True)
class Scope:
    """Which responses a clause over every response judges.

    ``status`` and ``except_status`` hold statuses as the catalog writes them, codes
    (``"422"``) or families (``"4XX"``), read as ``expect`` reads them
    (``status_matches``)."""

    responses: Responses = "all"
    status: frozenset[str] | None = None
    except_status: frozenset[str] = frozenset()
    operations: frozenset[str] | None = None

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> Scope:
        """A catalog entry's ``scope`` (already checked by the meta-schema)."""
        status = raw.get("status")
        operations = raw.get("operations")
        return cls(
            responses=raw.get("responses", "all"),
            status=None if status is None else frozenset(str(s) for s in status),
            except_status=frozenset(str(s) for s in raw.get("except_status", ())),
            operations=None if operations is None else frozenset(operations),
        )

    def holds(self, exchange: Exchange) -> bool:
        """Whether ``exchange`` is one of the responses this scope judges."""
        response = exchange.response
        if response is None:
            return False
        if self.responses == "errors" and response.status < 400:
            return False
        if self.responses == "defective" and not exchange.probe.defective:
            return False
        if self.status is not None and not any(
            status_matches(s, response.status) for s in self.status
        ):
            return False
        if self.operations is not None and (
            exchange.probe.operation not in self.operations
        ):
            return False
        return not any(status_matches(s, response.status) for s in self.except_status)

    def nothing_seen(self) -> str:
        """Why a clause with this scope judged nothing."""
        what = _SEEN[self.responses]
        if self.status is not None:
            what += f" with status {'/'.join(sorted(self.status))}"
        return f"{what} was seen in this run"


@dataclass(frozen=True)
class Probes:
    """What a clause sends: a strategy family's probes, or the burst."""

    strategy: str | None
    scenario: str | None
    operations: tuple[str, ...]
    params: Mapping[str, Any] = field(default_factory=dict)
    examples: int | None = None

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> Probes:
        """A catalog entry's ``probes``."""
        examples = raw.get("examples")
        return cls(
            strategy=raw.get("strategy"),
            scenario=raw.get("scenario"),
            operations=tuple(raw.get("operations", ())),
            params=dict(raw.get("with") or {}),
            examples=None if examples is None else int(examples),
        )


def _when(when: Any, defect_kind: str) -> bool:
    if when is None:
        return True
    return defect_kind in ([when] if isinstance(when, str) else list(when))


def _declares(declared: tuple[str, ...] | None, status: Any) -> bool:
    """Whether an operation declaring ``declared`` declares ``status`` (its family
    ``4XX`` counts: it names every status of its own)."""
    if declared is None:
        return True
    code = str(status)
    family = code[0] + "XX"
    return any(d in (code, family, family.lower()) for d in declared)


@dataclass(frozen=True)
class Clause:
    """One checkable promise with a stable id, bound to the check that judges it."""

    id: str
    text: str
    kind: str
    family: str
    check: str
    mode: Mode
    params: Mapping[str, Any] = field(default_factory=dict)
    scope: Scope | None = None
    probes: Probes | None = None
    expect: tuple[Mapping[str, Any], ...] = ()
    needs: tuple[str, ...] = ()

    @classmethod
    def read(cls, entry: Mapping[str, Any]) -> Clause:
        """A catalog entry (already checked by the meta-schema), its mode decided
        from its scope, its probes and its check."""
        from errcontract.checks import REGISTRY

        scope = Scope.read(entry["scope"]) if "scope" in entry else None
        probes = Probes.read(entry["probes"]) if "probes" in entry else None
        return cls(
            id=entry["id"],
            text=entry["text"],
            kind=entry["kind"],
            family=entry["family"],
            check=entry["check"],
            mode=_mode(scope, probes, REGISTRY.scope_of(entry["check"])),
            params=dict(entry.get("with") or {}),
            scope=scope,
            probes=probes,
            expect=tuple(entry.get("expect", ())),
            needs=tuple(entry.get("needs", ())),
        )

    def answers(
        self, defect_kind: str, declared: tuple[str, ...] | None = None
    ) -> tuple[Answer, ...]:
        """The documented answers for a probe carrying ``defect_kind``, to an
        operation that declares ``declared`` statuses.

        An answer marked ``declared`` applies only where the operation declares its
        status; where that leaves no answer at all (the operation declares none of
        them), the document says nothing and every marked one applies.
        """
        specs = [s for s in self.expect if _when(s.get("when"), defect_kind)]
        kept = [
            s
            for s in specs
            if not s.get("declared") or _declares(declared, s["status"])
        ]
        return tuple(
            Answer(
                status=str(spec["status"]),
                error=spec.get("error"),
                message=spec.get("message"),
                name_field=spec.get("name_field", False),
            )
            for spec in kept or specs
        )


def _mode(scope: Scope | None, probes: Probes | None, check_scope: str | None) -> Mode:
    if probes is not None and probes.scenario == "burst":
        return Mode.BURST
    if scope is not None:
        if check_scope == "run":
            return Mode.RUN
        if probes is not None and probes.strategy:
            return Mode.EVERY_RESPONSE_PROBED
        return Mode.EVERY_RESPONSE
    return Mode.TARGETED
