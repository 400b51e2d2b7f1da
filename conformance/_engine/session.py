"""One profile's run against one target: setup, the exchange log, cleanup, the result.

The session owns the exchange log (compact: ``log.py``). Every fresh exchange passes
once through the checks that judge every response in their scope (body shape, headers,
leaks, and run-level ones such as unique request ids, as the run goes), whose verdicts
the session keeps; a targeted clause's verdict is its own ``ClauseTally``
(``conformance/_engine/execute.py``). The result gathers both.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import unquote, urlsplit

from errcontract._config.settings import Settings, Target
from errcontract._contract.clauses import Clause, Mode
from errcontract._contract.profile import Profile
from errcontract._contract.surface import ProbeContext
from errcontract._derive.producers import HEADER_PICK
from errcontract._engine.drawing import take_spare
from errcontract._engine.events import Events, Phase, PhaseStarted, RequestSent
from errcontract._engine.judge import Crash, ResponseJudge
from errcontract._engine.log import ExchangeLog, Holding
from errcontract._engine.tally import ClauseTally
from errcontract._http import derived
from errcontract._http.client import Client, ClientSettings
from errcontract._http.exchange import Exchange, Received
from errcontract._http.pacing import ROUND_TRIPS
from errcontract._http.probe import Probe
from errcontract._input.refs import pick
from errcontract.checks import CheckContext, Inapplicable
from errcontract.checks.rate import Burst
from errcontract.exceptions import BudgetExhausted, MissingValue
from errcontract.results import ApiResult, ClauseResult


def picked(response: Received, body: Any, where: str) -> Any:
    """A setup step's value: at a JSON Pointer of the body, or ``header:NAME`` (the
    last path segment of the URL a ``Location`` names)."""
    if where.startswith(HEADER_PICK):
        raw = response.header(where[len(HEADER_PICK) :])
        if not raw:
            return None
        segment = urlsplit(raw.strip()).path.rstrip("/").rpartition("/")[2]
        return unquote(segment) or None
    value = pick(body, where)
    return value if isinstance(value, str | int) and value != "" else None


class ApiSession:
    """State of one profile's run: client, values, the exchange log, and the verdicts
    of the checks over every response."""

    def __init__(
        self, target: Target, settings: Settings, events: Events | None = None
    ) -> None:
        self.target = target
        self.profile: Profile = target.profile
        self.settings = settings
        self.events = events or Events()
        assert target.base_url is not None
        rate = self.rate_limit
        header, query, template = self.profile.credential_placement
        self.client = Client(
            ClientSettings(
                base_url=target.base_url,
                timeout_s=settings.timeout_s,
                max_requests=settings.max_requests,
                max_duration_s=settings.max_duration_s,
                rate_limit=rate,
                max_rps=max(settings.max_rps, 0.0),
                buckets=tuple(
                    (self.profile.rate_limit or {}).get("buckets", ["client"])
                ),
                credential_header=header,
                credential_query=query,
                retry_header=self.retry_header,
            ),
            target.secrets(),
            env_names=target.env_names,
            on_exchange=self.record,
        )
        # Whole exchanges are kept only as evidence (a violation holds its own).
        self.log = ExchangeLog()
        self.notes: list[str] = []
        self.setup_reasons: dict[str, str] = {}
        self.cleanups: list[Probe] = []
        # The burst is a measurement of the target shared by the rate-limit clauses
        # (each judges it with its own tally): sent once per operation, kept here.
        self.bursts: dict[str, Burst] = {}
        self._lock = threading.Lock()
        # Coverage examples drawn in a process of their own, where a run gains.
        self.drawer = take_spare()
        self.random = random.Random(settings.seed if settings.seed is not None else 0)
        tenant = self.profile.tenant or {}
        non_secret = {
            k: v
            for k, v in target.fixtures.items()
            if k not in self.profile.secret_fixtures
        }
        credential = self.profile.meta["credential"]
        self.ctx = ProbeContext(
            operations=self._operations(),
            credential=credential,
            credential_template=template,
            values=non_secret,
            tenant_header=tenant.get("header"),
            tenant_fixture=tenant.get("fixture"),
            secret_fixtures=self.profile.secret_fixtures,
            underivable=derived.reasons(target.secrets().get(credential, "")),
            credential_query=query,
            credential_header=header,
        )
        # The verdicts of the checks over every response (scope), one tally each.
        self.judge = ResponseJudge(
            self.profile, clock_skew_s=settings.clock_skew_s, stream=True
        )
        # A run-level clause whose check cannot be judged as the run goes gets the
        # exchanges in its scope kept for its end (no catalog check today).
        self._for_end: list[Exchange] | None = (
            []
            if any(
                c.mode is Mode.RUN and not self.judge.streamed(c)
                for c in self.judge.clauses
            )
            else None
        )
        self.scope_tallies = {c.id: ClauseTally(c) for c in self.judge.clauses}
        # The first round trips of requests sent alone (preflight, setup), and the
        # coverage examples in flight at once chosen from them after setup (``Run``).
        self.round_trips: list[float] = []
        self.workers = 1
        self.holding = Holding(self._logged)

    @property
    def retry_header(self) -> str:
        """The header a 429 names its delay in (``Retry-After`` unless documented)."""
        return str((self.profile.rate_limit or {}).get("retry_header", "Retry-After"))

    @property
    def rate_limit(self) -> float | None:
        """The limit the suite paces below: the given one, else the documented one."""
        if self.settings.rate_limit_given:
            return self.settings.rate_limit
        return (self.profile.rate_limit or {}).get("per_second")

    @property
    def pace(self) -> float | None:
        """Requests per second the client sends at most: the limit it paces below
        and ``--max-rps``, the lower; ``None`` when neither holds it back."""
        rates = [self.settings.max_rps] if self.settings.max_rps > 0 else []
        if self.rate_limit:
            rates.append(self.rate_limit * self.client.settings.pace_fraction)
        return min(rates) if rates else None

    def phase(self, name: Phase) -> None:
        """Tell the run's observers a phase begins."""
        self.events.emit(PhaseStarted(self.profile.api, name))

    def _operations(self) -> dict[str, Any]:
        ops = dict(self.profile.operations)
        for op_id, path in self.target.paths.items():
            if op_id in ops:
                ops[op_id] = replace(ops[op_id], path=path)
        return ops

    def check_context(self, clause: Clause) -> CheckContext:
        """The context a check of ``clause`` receives."""
        return CheckContext(
            clause=clause, profile=self.profile, clock_skew_s=self.settings.clock_skew_s
        )

    # -- the exchange log -------------------------------------------------------------

    def record(self, exchange: Exchange) -> None:
        """Log a fresh exchange and judge it by every check in whose scope it falls
        (unless ``holding`` holds it back for now)."""
        if not self.holding.take(exchange):
            self._logged(exchange)

    def _logged(self, exchange: Exchange) -> None:
        with self._lock:
            self._record(exchange)
        # The one place every request of the run passes: what progress counts.
        self.events.emit(RequestSent(self.profile.api, self.client.sent))

    def _record(self, exchange: Exchange) -> None:
        self.log.add(exchange)
        response = exchange.response
        if (
            response is not None
            and exchange.probe.role == "setup"
            and len(self.round_trips) < ROUND_TRIPS
        ):
            self.round_trips.append(response.elapsed_s)
        if self._for_end is not None:
            self._for_end.append(exchange)
        self._track_cleanup(exchange)
        for clause, verdict in self.judge.judge(exchange):
            tally = self.scope_tallies[clause.id]
            if isinstance(verdict, Crash):  # its bug, not the sending clause's
                tally.crashed(self._why(verdict.error))
            elif isinstance(verdict, Inapplicable):
                tally.inapplicable(verdict.reason)
            else:
                tally.count()
                if verdict is not None:
                    tally.add_violation(verdict)

    def _track_cleanup(self, exchange: Exchange) -> None:
        op = self.ctx.operations.get(exchange.probe.operation)
        response = exchange.response
        if op is None or not op.cleanup or response is None:
            return
        if not 200 <= response.status < 300 or not response.is_json:
            return
        value = pick(response.json(), op.cleanup.get("pick", "/id"))
        if value is None:
            return
        var = op.cleanup["var"]
        try:
            probe = self.ctx.with_values(**{var: value}).valid_probe(
                op.cleanup["operation"]
            )
        except (MissingValue, KeyError):
            return
        self.cleanups.append(replace(probe, role="setup"))

    # -- before and after probing -----------------------------------------------------

    def setup(self) -> None:
        """Discover and create the values valid requests need (profile ``setup``).

        A value the user gave (a fixture of the variable's name) wins: its step is
        not sent. Otherwise each way to the value (``operation``, then its ``or``
        alternatives) is tried in order until one gives it.
        """
        for step in self.profile.setup:
            var = step["var"]
            if var in self.ctx.values:
                continue
            reasons = []
            value = None
            for way in [step, *(step.get("or") or [])]:
                try:
                    value = self._run_step(way["operation"], way["pick"], var)
                except MissingValue as exc:
                    self.setup_reasons[var] = f"{exc}"
                except BudgetExhausted as exc:
                    self.setup_reasons[var] = f"not discovered: {exc}"
                    break
                if value is not None:
                    break
                reasons.append(self.setup_reasons.get(var, f"{way['operation']}"))
            if value is None:
                if len(reasons) > 1:
                    self.setup_reasons[var] = "; ".join(dict.fromkeys(reasons))
                continue
            self.setup_reasons.pop(var, None)
            self.ctx = self.ctx.with_values(**{var: value})

    def _run_step(self, op_id: str, pointer: str, var: str) -> Any:
        op = self.ctx.operation(op_id)
        if op.writes and self.settings.read_only:
            # A step with a read-only way to the same value (a lookup on 409) takes
            # that way instead.
            for way in (self._fallbacks(op_id) or {}).values():
                if not self.ctx.operation(way["operation"]).writes:
                    return self._run_step(way["operation"], way["pick"], var)
            self.setup_reasons[var] = f"read-only mode: {op_id} was not sent"
            return None
        probe = replace(
            self.ctx.valid_probe(op_id, unique=self.random.randrange(10**11)),
            role="setup",
        )
        exchange = self.client.send(probe, cache=False)
        response = exchange.response
        if response is None:
            self.setup_reasons[var] = f"{op_id} got no answer ({exchange.failure})"
            return None
        body = response.json() if response.is_json else None
        if 200 <= response.status < 300:
            value = picked(response, body, pointer)
            if value is None:
                self.setup_reasons[var] = (
                    f"{op_id} answered {response.status} without a value at {pointer}"
                )
            return value
        fallback = self._fallback(op_id, response.status)
        if fallback is not None:
            return self._run_step(fallback["operation"], fallback["pick"], var)
        self.setup_reasons[var] = f"{op_id} answered {response.status}"
        return None

    def _fallbacks(self, op_id: str) -> Mapping[str, Mapping[str, Any]] | None:
        for step in self.profile.setup:
            if step["operation"] == op_id:
                found: Mapping[str, Mapping[str, Any]] = step.get("on_status") or {}
                return found
        return None

    def _fallback(self, op_id: str, status: int) -> Mapping[str, Any] | None:
        return (self._fallbacks(op_id) or {}).get(str(status))

    def cleanup(self) -> None:
        """Delete what the run created (bounded: one request per resource), the
        last created first (a child before its parent); what the run deleted itself
        is left alone, and a 404 or 410 means it is gone already."""
        seen = set(self.log.deleted)
        for probe in reversed(self.cleanups):
            if probe.path in seen:
                continue
            seen.add(probe.path)
            try:
                # Cleanup runs even when the budget is spent: one request per
                # resource the run created, each bounded by the timeout.
                exchange = self.client.send(probe, cache=False, budget=False)
            except Exception as exc:  # cleanup must never hide the verdict
                self.notes.append(f"cleanup stopped: {type(exc).__name__}: {exc}")
                return
            status = exchange.status
            if status is None or (status >= 300 and status not in (404, 410)):
                self.notes.append(
                    f"cleanup: {probe.method} {probe.path} answered "
                    f"{status or exchange.failure}; delete it by hand"
                )

    # -- the verdict ------------------------------------------------------------------

    def over_responses_result(self, clause: Clause) -> ClauseResult:
        """The verdict of a clause over every response, from what the run has seen
        (a run-level one judges it all now)."""
        if (
            clause.mode is Mode.RUN
            and self._for_end is not None
            and not self.judge.streamed(clause)
        ):
            for found, scoped, verdict in self.judge.judge_run(self._for_end):
                if found.id != clause.id:
                    continue
                tally = self.scope_tallies[clause.id] = self.scope_tallies[
                    clause.id
                ].fresh()
                tally.count(scoped)
                if isinstance(verdict, Crash):
                    tally.crashed(self._why(verdict.error))
                else:
                    for violation in verdict:
                        tally.add_violation(violation)
        return self.scope_tallies[clause.id].result(
            empty_reason=self.scope_reason(clause)
        )

    def _why(self, exc: Exception) -> str:
        """An exception as one redacted line."""
        return self.client.redactor.text(f"{type(exc).__name__}: {exc}")

    def new_result(self, clause: Clause) -> ClauseResult:
        """An empty result for ``clause``."""
        return ClauseResult(
            id=clause.id, text=clause.text, kind=clause.kind, family=clause.family
        )

    @staticmethod
    def scope_reason(clause: Clause) -> str:
        """Why a check over every response judged nothing."""
        return clause.scope.nothing_seen() if clause.scope else "nothing was judged"

    def api_result(self, clauses: list[ClauseResult]) -> ApiResult:
        """The profile's result, with its operation x status matrix; a violation's
        exchange that breaks other clauses too says which."""
        breaks: dict[int, list[str]] = {}
        for clause in clauses:
            for seq in clause.violating:
                breaks.setdefault(seq, []).append(clause.id)
        for clause in clauses:
            for violation in clause.violations:
                others = {
                    cid
                    for ex in violation.exchanges
                    for cid in breaks.get(ex.seq, ())
                    if cid != clause.id
                }
                violation.also = tuple(sorted(others))
        derived = [str(n) for n in self.profile.meta.get("notes") or []]
        return ApiResult(
            api=self.profile.api,
            title=self.profile.title,
            base_url=self.target.base_url or "",
            clauses=clauses,
            requests=self.client.sent,
            notes=[*derived, *self.notes, *dict.fromkeys(self.client.notes)],
            status_matrix=self.status_matrix(clauses),
        )

    def status_matrix(self, clauses: list[ClauseResult]) -> list[dict[str, Any]]:
        """Operation x status: documented or not, provoked how often, violations."""
        provoked = self.log.provoked()
        broken = self.log.among({seq for c in clauses for seq in c.violating})
        rows = []
        for op in self.ctx.operations.values():
            statuses = {s for s in op.statuses}
            statuses |= {s for (o, s) in provoked if o == op.id}
            for status in sorted(statuses):
                rows.append(
                    {
                        "operation": op.id,
                        "method": op.method,
                        "path": op.path,
                        "status": status,
                        "documented": status in op.statuses,
                        "provoked": provoked[(op.id, status)],
                        "violations": broken[(op.id, status)],
                    }
                )
        return rows
