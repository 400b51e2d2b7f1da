"""The error contract inside Schemathesis runs: a hooks module.

Teams that already run Schemathesis (``st run`` or its pytest integration) add the
suite's clauses to that run instead of adopting a second runner::

    # schemathesis.toml
    hooks = "errcontract.schemathesis"

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

import inspect
import math
import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import schemathesis
from schemathesis.core.failures import Failure, FailureGroup, Severity

from errcontract._contract.clauses import Clause
from errcontract._contract.profile import Profile, load_profile, load_profile_at
from errcontract._engine.judge import Crash, ResponseJudge
from errcontract._http.exchange import Exchange, Received
from errcontract._http.probe import Probe
from errcontract._http.redact import ENV_PREFIX, Redactor
from errcontract._near import near_miss
from errcontract.exceptions import ConformanceError
from errcontract.results import Violation

if TYPE_CHECKING:
    from schemathesis import Case, Response
    from schemathesis.checks import CheckContext as StCheckContext

_WHERE = "[checks.ErrorContract]"
MAX_KEPT = 10_000
"""Responses kept for the run-level clauses (their headers only matter): a bound on
memory over a long run; the uniqueness of request ids is judged over these."""


class SettingError(ValueError):
    """A wrong ``[checks.ErrorContract]`` setting (one line, before any request)."""


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
            raise SettingError(
                f"{_WHERE} needs exactly one of api, convention or profile_dir (got "
                f"{', '.join(chosen) or 'none'})"
            )
        self._api, self._convention, self._dir = api, convention, profile_dir
        self._request_id_header = request_id_header
        self._skew = _skew(clock_skew)
        self._skip = _skip_ids(skip)
        self._profile: Profile | None = None
        self._judge: ResponseJudge
        self._lock = threading.Lock()
        self._seen: list[Exchange] = []
        self._secrets: set[str] = set()
        self._redactor_now: Redactor | None = None
        if convention is not None:
            from errcontract._contract import conventions

            try:
                known = conventions.load_convention(convention, f"{_WHERE} convention")
            except ConformanceError as exc:
                raise SettingError(str(exc)) from None
            unknown = [c for c in sorted(self._skip) if not known.may_derive(c)]
            if unknown:
                hint = near_miss(unknown[0], known.template_ids())
                raise SettingError(
                    f"{_WHERE} skip names no clause of convention {convention}: "
                    f"{', '.join(unknown)}{hint}; "
                    f"its clauses: {', '.join(known.template_ids())}"
                )
        else:
            self._load(None)  # a wrong name or directory fails at start-up

    def _load(self, document: Mapping[str, Any] | None) -> Profile:
        if self._profile is not None:
            return self._profile
        try:
            if self._convention is not None:
                assert document is not None
                from errcontract._config import zero_config as zeroconfig

                profile = zeroconfig.for_hooks(
                    self._convention,
                    document,
                    request_id_header=self._request_id_header,
                    source=f"{_WHERE} convention",
                )
            elif self._api is not None:
                profile = load_profile(self._api)
            else:
                from errcontract._contract.profile import profiles_in

                found = profiles_in(Path(str(self._dir)).expanduser().resolve())
                if not found:
                    raise SettingError(
                        f"{_WHERE} profile_dir {self._dir!r} holds no profile.yaml"
                    )
                profile = load_profile_at(found[0])
        except ConformanceError as exc:
            raise SettingError(f"{_WHERE}: {exc}") from None
        ids = [c.id for c in profile.clauses]
        unknown = sorted(self._skip - set(ids))
        if unknown and self._convention is None:
            raise SettingError(
                f"{_WHERE} skip names no clause of {profile.api}: "
                f"{', '.join(unknown)}{near_miss(unknown[0], ids)}"
            )
        self._profile = profile
        # The session's own judge of the clauses over every response, bound once:
        # the per-response path is hot.
        self._judge = ResponseJudge(profile, clock_skew_s=self._skew, skip=self._skip)
        return profile

    def after_response(
        self, ctx: StCheckContext, response: Response, case: Case[Any]
    ) -> bool | None:
        with self._lock:
            profile = self._load(case.operation.schema.raw_schema)
            exchange = _exchange(
                case, response, len(self._seen), self._redactor(profile, response)
            )
            if len(self._seen) < MAX_KEPT:
                self._seen.append(exchange)
        failures = []
        for clause, verdict in self._judge.judge(exchange):
            if isinstance(verdict, Crash):
                raise verdict.error  # the suite's bug: Schemathesis reports it
            if isinstance(verdict, Violation):
                failures.append(_failure(verdict, clause, case.operation.label))
        if failures:
            raise FailureGroup(failures)
        return None

    def _redactor(self, profile: Profile, response: Response) -> Redactor:
        """The suite's redactor, over every secret the run has carried so far (the
        credential headers and query of each request, and those the environment
        holds): a target that echoes a key into every answer, an unauthenticated
        probe's included, must not get it into any evidence."""
        header, query, _ = profile.credential_placement
        found: set[str] = set()
        redactor = self._redactor_now or Redactor((), headers=[header])
        for name, value in response.request.headers.items():
            if redactor.sensitive(name):
                found.add(str(value))
                found.add(str(value).strip().partition(" ")[2])
        if query:
            url = httpx.URL(str(response.request.url))
            found.update(url.params.get_list(query))
        for fixture in profile.secret_fixtures:
            held = os.environ.get(f"{ENV_PREFIX}{fixture.upper()}")
            if held:
                found.add(held)
        fresh = {s for s in found if s.strip()} - self._secrets
        if fresh or self._redactor_now is None:
            self._secrets |= fresh
            self._redactor_now = Redactor(sorted(self._secrets), headers=[header])
        return self._redactor_now

    def after_run(self, ctx: StCheckContext) -> None:
        if self._profile is None:
            return  # no response was judged
        failures = [
            _failure(violation, clause, None)
            for clause, _, verdict in self._judge.judge_run(self._seen)
            if not isinstance(verdict, Crash)
            for violation in verdict
        ]
        if failures:
            raise FailureGroup(failures)


@schemathesis.hook
def after_load_schema(context: Any, schema: Any) -> None:
    """Check ``[checks.ErrorContract]`` as soon as the schema loads: Schemathesis'
    pytest plugin builds its checks only when the first response is judged, after
    requests were sent. ``st run`` builds them before any request and says a wrong
    setting in one line itself (a hook's error would come with a traceback)."""
    entry = Path(sys.argv[0] if sys.argv else "")
    if {entry.name, entry.parent.name} & {"st", "schemathesis"}:
        return
    try:
        settings = schema.config.checks_config_for().custom_kwargs.get("ErrorContract")
    except Exception:  # no configuration to check: nothing to say
        return
    if settings:
        known = set(inspect.signature(ErrorContract).parameters)
        ErrorContract(**{k: v for k, v in settings.items() if k in known})


def _operation_id(case: Case[Any]) -> str:
    raw = case.operation.definition.raw
    op_id = raw.get("operationId") if isinstance(raw, Mapping) else None
    return str(op_id or case.operation.label)


def _exchange(
    case: Case[Any], response: Response, seq: int, redactor: Redactor
) -> Exchange:
    """Schemathesis' case and response as the suite's evidence: the raw parts handed
    to ``Received.redacted`` and ``Exchange.redacted``, as the client does, so the
    hooks keep no redaction of their own."""
    from schemathesis.generation import GenerationMode

    negative = case.meta is not None and (
        case.meta.generation.mode == GenerationMode.NEGATIVE
    )
    request = response.request
    body = request.body
    raw = body.encode("utf-8") if isinstance(body, str) else body
    method = _text(request.method)
    probe = Probe(
        operation=_operation_id(case),
        method=method,
        path=case.formatted_path,
        defect="Schemathesis negative case" if negative else "",
        defect_kind="invalid" if negative else "",
    )
    received = Received.redacted(
        redactor,
        status=response.status_code,
        headers=[
            (name, value)
            for name, values in response.headers.items()
            for value in values
        ],
        body=response.content or b"",
        # Schemathesis may keep only the leading bytes of a long body.
        truncated=response.is_truncated,
        elapsed_s=float(response.elapsed),
    )
    return Exchange.redacted(
        redactor,
        seq=seq,
        probe=probe,
        method=method,
        url=_text(request.url),
        headers=[(_text(k), _text(v)) for k, v in request.headers.items()],
        body=raw if isinstance(raw, bytes) else None,
        response=received,
    )


def _text(value: object) -> str:
    """A request part as text: requests may keep a header value as bytes, and
    ``str(b"...")`` would record ``b'...'`` with non-ASCII bytes escaped, where the
    redactor's patterns (and the reader) expect the value as sent."""
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return "" if value is None else str(value)


def _skew(value: Any) -> float:
    try:
        skew = float(value)
    except (TypeError, ValueError):
        skew = math.nan
    if not math.isfinite(skew) or skew < 0:
        raise SettingError(
            f"{_WHERE} clock_skew must be a number of seconds (0 or more), got "
            f"{value!r}"
        )
    return skew


def _skip_ids(skip: Any) -> frozenset[str]:
    if skip is None:
        return frozenset()
    if isinstance(skip, str) or not isinstance(skip, list | tuple):
        raise SettingError(
            f'{_WHERE} skip must be a list of clause ids (skip = ["PD-HDR-3"]), got '
            f"{skip!r}"
        )
    bad = [s for s in skip if not isinstance(s, str) or not s]
    if bad:
        raise SettingError(f"{_WHERE} skip holds {bad[0]!r}, which is no clause id")
    return frozenset(skip)
