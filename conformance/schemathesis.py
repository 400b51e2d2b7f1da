"""The error contract inside Schemathesis runs: a hooks module.

Teams that already run Schemathesis (``st run`` or its pytest integration) add the
suite's clauses to that run instead of adopting a second runner::

    # schemathesis.toml
    hooks = "conformance.schemathesis"

    [checks.ErrorContract]
    convention = "rfc9457"          # or: api = "cardda", or: profile_dir = "./contract"

``ErrorContract`` judges every response Schemathesis gets by the clauses of the profile
that look at every response (``scope:`` in a catalog: error body shape, media type,
``status`` equal to the HTTP status, the error code catalog, timestamps and clock
skew, request-id headers, no internals, no 5xx for bad input), and, once the run is
over, the run-level ones (request ids unique). The checks are the suite's own
(``conformance/checks``), called on an ``Exchange`` built from Schemathesis' case and
response: nothing is implemented twice. The clauses that send probes of their own
(``expected_answer``, pairs, bursts) stay with ``conformance run``. Each failure is
titled with the clause id and says what the contract expects.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import schemathesis
from schemathesis.core.failures import Failure, FailureGroup, Severity

from conformance.checks import REGISTRY
from conformance.checks._registry import CheckContext
from conformance.exceptions import ConformanceError, Violation
from conformance.exchange import Exchange, Received, SentRequest
from conformance.probe import Probe
from conformance.profile import Clause, Profile, load_profile, load_profile_at
from conformance.session import in_scope

if TYPE_CHECKING:
    from schemathesis import Case, Response
    from schemathesis.checks import CheckContext as StCheckContext

_SENSITIVE = frozenset({"authorization", "cookie", "proxy-authorization", "x-api-key"})
MAX_KEPT = 10_000
"""Responses kept for the run-level clauses (their headers only matter): a bound on
memory over a long run; the uniqueness of request ids is judged over these."""


class ClauseBroken(Failure):
    """A response broke a clause of the error contract."""

    code = "EC001"
    kind_title = "Error contract clause broken"


def _failure(violation: Violation, clause: Clause, operation: str | None) -> Failure:
    return ClauseBroken(
        operation=operation,
        title=f"{clause.id}: {violation.title}",
        message=(
            f"{clause.text}\n\nExpected: {violation.expected}\n"
            f"Actual: {violation.actual}"
        ),
        severity=Severity.MEDIUM,
    )


def _derived(convention: str, document: Mapping[str, Any], **options: Any) -> Profile:
    from conformance import conventions, derive

    profile = derive.derive(
        conventions.load_convention(convention, "[checks.ErrorContract] convention"),
        document,
        request_id_header=options.get("request_id_header"),
        overrides=options.get("overrides") or {},
        overrides_source="[checks.ErrorContract] overrides",
    )
    return load_profile_at(derive.temporary(profile))


@schemathesis.check
class ErrorContract:
    """The suite's clauses over every response of a Schemathesis run."""

    def __init__(
        self,
        api: str | None = None,
        convention: str | None = None,
        profile_dir: str | None = None,
        request_id_header: str | None = None,
        clock_skew: float = 300.0,
        skip: list[str] | None = None,
    ) -> None:
        chosen = [n for n, v in (("api", api), ("convention", convention),
                                 ("profile_dir", profile_dir)) if v]  # fmt: skip
        if len(chosen) != 1:
            raise ValueError(
                "[checks.ErrorContract] needs exactly one of api, convention or "
                f"profile_dir (got {', '.join(chosen) or 'none'})"
            )
        self._api, self._convention, self._dir = api, convention, profile_dir
        self._request_id_header = request_id_header
        self._skew = float(clock_skew)
        self._skip = frozenset(skip or ())
        self._profile: Profile | None = None
        self._judges: dict[str, list[tuple[Clause, Any, CheckContext]]] = {}
        self._lock = threading.Lock()
        self._seen: list[Exchange] = []
        if convention is not None:
            from conformance import conventions

            conventions.load_convention(convention, "[checks.ErrorContract] convention")
        else:
            self._load(None)  # a wrong name or directory fails at start-up

    def _load(self, document: Mapping[str, Any] | None) -> Profile:
        if self._profile is not None:
            return self._profile
        try:
            if self._convention is not None:
                assert document is not None
                profile = _derived(
                    self._convention,
                    document,
                    request_id_header=self._request_id_header,
                )
            elif self._api is not None:
                profile = load_profile(self._api)
            else:
                from conformance.profile import profiles_in

                found = profiles_in(Path(str(self._dir)).expanduser().resolve())
                if not found:
                    raise ValueError(
                        f"[checks.ErrorContract] profile_dir {self._dir!r} holds no "
                        "profile.yaml"
                    )
                profile = load_profile_at(found[0])
        except ConformanceError as exc:
            raise ValueError(f"[checks.ErrorContract]: {exc}") from None
        unknown = sorted(self._skip - {c.id for c in profile.clauses})
        if unknown:
            raise ValueError(
                f"[checks.ErrorContract] skip names no clause of {profile.api}: "
                f"{', '.join(unknown)}"
            )
        self._profile = profile
        # Which clause judges what, bound once: the per-response path is hot.
        for clause in profile.clauses:
            spec = REGISTRY.get(clause.check)
            if clause.on is not None and clause.id not in self._skip:
                check = CheckContext(
                    clause=clause, profile=profile, clock_skew_s=self._skew
                )
                self._judges.setdefault(spec.scope, []).append((clause, spec.fn, check))
        return profile

    def after_response(
        self, ctx: StCheckContext, response: Response, case: Case[Any]
    ) -> bool | None:
        with self._lock:
            self._load(case.operation.schema.raw_schema)
            exchange = _exchange(case, response, len(self._seen))
            if len(self._seen) < MAX_KEPT:
                self._seen.append(exchange)
        failures = []
        for clause, judge, check in self._judges.get("exchange", ()):
            if clause.on is None or not in_scope(clause.on, exchange):
                continue
            try:
                judge(check, exchange)
            except Violation as violation:
                failures.append(_failure(violation, clause, case.operation.label))
        if failures:
            raise FailureGroup(failures)
        return None

    def after_run(self, ctx: StCheckContext) -> None:
        if self._profile is None:
            return  # no response was judged
        failures = []
        for clause, judge, check in self._judges.get("run", ()):
            scoped = [e for e in self._seen if clause.on and in_scope(clause.on, e)]
            for violation in judge(check, scoped):
                failures.append(_failure(violation, clause, None))
        if failures:
            raise FailureGroup(failures)


def _operation_id(case: Case[Any]) -> str:
    raw = case.operation.definition.raw
    op_id = raw.get("operationId") if isinstance(raw, Mapping) else None
    return str(op_id or case.operation.label)


def _exchange(case: Case[Any], response: Response, seq: int) -> Exchange:
    """Schemathesis' case and response as the suite's evidence (secrets redacted)."""
    from schemathesis.generation import GenerationMode

    negative = case.meta is not None and (
        case.meta.generation.mode == GenerationMode.NEGATIVE
    )
    request = response.request
    headers = tuple(
        (k, "[redacted]" if k.lower() in _SENSITIVE else str(v))
        for k, v in request.headers.items()
    )
    body = request.body
    text = (
        body.decode("utf-8", "replace")
        if isinstance(body, bytes)
        else body
        if isinstance(body, str)
        else None
    )
    probe = Probe(
        operation=_operation_id(case),
        method=str(request.method),
        path=case.formatted_path,
        defect="Schemathesis negative case" if negative else "",
        defect_kind="invalid" if negative else "",
    )
    received = Received(
        status=response.status_code,
        headers=tuple(
            (name, value)
            for name, values in response.headers.items()
            for value in values
        ),
        body=response.content or b"",
        truncated=False,
        received_at=datetime.now(UTC),
        elapsed_s=float(response.elapsed),
    )
    return Exchange(
        seq=seq,
        probe=probe,
        request=SentRequest(str(request.method), str(request.url), headers, text),
        curl="",
        response=received,
    )
