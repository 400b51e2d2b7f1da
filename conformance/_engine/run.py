"""A run over one or more profiles: start, probe clause by clause, finish, report.

The pytest plugin and the CLI both drive this object; it holds no pytest types.
"""

from __future__ import annotations

import statistics
import time
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from errcontract import __version__
from errcontract._config.embedded import embedded_targets
from errcontract._config.settings import Settings
from errcontract._contract.baseline import apply_gate
from errcontract._contract.clauses import Clause
from errcontract._engine.drawing import (
    APART_FROM_CELLS,
    coverage_cells,
    coverage_plan,
)
from errcontract._engine.events import (
    ClauseFinished,
    ClauseStarted,
    Events,
    RunFinished,
    RunStarted,
)
from errcontract._engine.execute import run_clause
from errcontract._engine.heap import settled_heap
from errcontract._engine.session import ApiSession
from errcontract._http.pacing import auto_workers
from errcontract.exceptions import ConfigError, TargetUnreachable
from errcontract.reports import write_reports
from errcontract.reports.screenshot import find_browser, screenshot
from errcontract.results import ApiResult, ClauseResult, RunResult, Violation


def clause_order(clauses: tuple[Clause, ...]) -> list[Clause]:
    """Targeted clauses first, the rate-limit burst next, checks over all responses
    last (they judge everything the run sent); among those, the ones that also send
    probes of their own (robustness) come first, so every other one judges them too."""

    return sorted(clauses, key=lambda clause: clause.mode.order)


class Run:
    """Sessions for every target, their clause results, and the reports."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sessions: dict[str, ApiSession] = {}
        self.results: dict[str, ClauseResult] = {}
        self.started_at = datetime.now(UTC)
        self._t0 = time.monotonic()
        self._stack = ExitStack()
        self.started = False
        self.result: RunResult | None = None
        self.internal_errors = 0
        self.write_notes: list[str] = []
        # Why a target stopped answering mid-run (exit 3 once the reports are out).
        self.stopped: list[str] = []
        # Who watches the run (live progress): told, never asked.
        self.events = Events()

    def clause_ids(self) -> list[str]:
        """Every clause id of the run, in the order they are judged."""
        ids = []
        for target in self.settings.targets:
            ids += [c.id for c in clause_order(target.profile.clauses)]
        return ids

    def start(self) -> None:
        """Start embedded servers, check each target answers, run setup steps."""
        if self.started:
            return
        self.started = True
        try:
            targets = self._stack.enter_context(embedded_targets(self.settings))
            for target in targets:
                session = ApiSession(target, self.settings, self.events)
                self._stack.callback(session.client.close)
                if coverage_cells(target.profile.clauses) >= APART_FROM_CELLS:
                    # Imports while the run starts (or started before its settings
                    # were read: ``start_spare``): ready by its first clauses.
                    session.drawer.start()
                    self._stack.callback(session.drawer.close)
                else:
                    session.drawer.discard()  # a spare this run has no use for
                self.sessions[target.profile.api] = session
                self.events.emit(
                    RunStarted(
                        target.profile.api,
                        budget=self.settings.max_requests,
                        rate=session.pace,
                        clauses=len(target.profile.clauses),
                    )
                )
                session.phase("preflight")
                self.preflight(session)
                session.phase("setup")
                session.setup()
                self._chose_workers(session)
                clauses = clause_order(target.profile.clauses)
                allow_writes = not self.settings.read_only
                session.drawer.set_plan(
                    coverage_plan(session.ctx, clauses, allow_writes)
                )
            # What the run started with lives to its end: out of the collector's way.
            self._stack.enter_context(settled_heap())
        except BaseException:
            # A run that cannot start (refused key, unreachable target) releases its
            # servers and connections now: no caller finishes it.
            self._stack.close()
            raise

    def _chose_workers(self, session: ApiSession) -> None:
        """Coverage examples in flight at once: ``--workers``, else as many as keep
        the pace at the round trip of preflight and setup (``auto_workers``), and
        one where one does: requests in flight together leave the order of the
        target's log to chance, and which one took a target down is then a guess.
        Said where the run chose more than one itself."""
        given = self.settings.workers
        session.workers = given or auto_workers(session.pace, session.round_trips)
        if given or session.workers < 2:
            return
        pace = session.pace
        trip = statistics.median(session.round_trips) * 1000
        session.notes.append(
            f"{session.workers} coverage examples in flight at once, chosen from "
            + ("no pace cap" if pace is None else f"a pace of {pace:g}/s")
            + f" and the {trip:.0f} ms round trip of setup (--workers to choose)"
        )

    def preflight(self, session: ApiSession) -> None:
        """One bounded request that must succeed with the target's own fixtures."""
        op = session.profile.meta.get("preflight")
        if not op:
            return
        probe = replace(session.ctx.valid_probe(op), role="setup")
        exchange = session.client.send(probe, paced=True, cache=False)
        where = f"{probe.method} {exchange.request.url}"
        response = exchange.response
        if response is None:
            raise TargetUnreachable(
                f"target unreachable: {where} got no answer ({exchange.failure})"
            )
        if 300 <= response.status < 400:
            location = response.header("location") or "elsewhere"
            raise ConfigError(
                f"the base URL redirects ({response.status} to {location}) and the "
                "suite does not follow redirects with credentials: give the final URL "
                "as --base-url"
            )
        if response.status in (401, 403):
            raise ConfigError(
                f"the target refused fixture {session.profile.meta['credential']} "
                f"({response.status} on {where}); check the key you gave"
            )
        if response.status == 404:
            raise ConfigError(
                f"preflight {where} answered 404: is the base URL the API root?"
            )

    def session_for(self, clause_id: str) -> tuple[ApiSession, Clause]:
        """The session and clause for ``clause_id``."""
        for session in self.sessions.values():
            for clause in session.profile.clauses:
                if clause.id == clause_id:
                    return session, clause
        raise KeyError(clause_id)

    def api_of(self, clause_id: str) -> str:
        """The API whose profile holds ``clause_id``."""
        for target in self.settings.targets:
            if any(clause.id == clause_id for clause in target.profile.clauses):
                return target.profile.api
        raise KeyError(clause_id)

    def execute(self, clause_id: str) -> ClauseResult:
        """Judge one clause (once; a second call returns the first verdict)."""
        self.start()
        if clause_id not in self.results:
            session, clause = self.session_for(clause_id)
            self.events.emit(ClauseStarted(session.profile.api, clause_id))
            try:
                result = run_clause(session, clause)
            except Exception as exc:  # a suite bug must not hide the other verdicts
                result = session.new_result(clause)
                result.internal_error = True
                result.reason = (
                    f"the suite failed while judging this clause "
                    f"({type(exc).__name__}: {session.client.redactor.text(str(exc))})"
                )
            if result.internal_error:
                self.internal_errors += 1
                session.notes.append(f"internal error in {clause.id}: {result.reason}")
            apply_gate(
                result,
                self.settings.baseline,
                self.settings.fail_on,
                api=session.profile.api,
            )
            self.results[clause_id] = result
            self.events.emit(ClauseFinished(session.profile.api, result))
        return self.results[clause_id]

    def finish(self) -> RunResult:
        """Clean up, stop servers, and assemble the result (clauses never judged are
        reported not-run)."""
        if self.result is not None:
            return self.result
        apis: list[ApiResult] = []
        try:
            for session in self.sessions.values():
                session.phase("cleanup")
                session.cleanup()
        finally:
            self._stack.close()
        for target in self.settings.targets:
            found_session = self.sessions.get(target.profile.api)
            if found_session is None:
                continue
            session = found_session
            clauses = []
            for clause in target.profile.clauses:
                found = self.results.get(clause.id)
                if found is None:
                    found = session.new_result(clause)
                    found.reason = "not selected in this run"
                clauses.append(found)
            down = session.client.stopped_answering()
            if down is not None:
                self.stopped.append(f"{session.profile.api}: {down}")
                session.notes.append(down)
                self._took_down(session, clauses)
            apis.append(session.api_result(clauses))
        self.result = self._run_result(apis)
        self.result.stopped = list(self.stopped)
        self.events.emit(RunFinished(self.result))
        return self.result

    def _took_down(self, session: ApiSession, clauses: list[ClauseResult]) -> None:
        """A bad request after which the target answered nothing more broke the
        no-5xx promise the hardest way: it is that clause's violation."""
        killer = session.client.last_before_silence()
        if killer is None or not killer.probe.defective or killer.probe.writes:
            return
        if killer.status is not None and killer.status < 500:
            return  # it answered properly, then the target went: no blame
        if killer.response is None:
            actual = f"no answer, nor to any request after it ({killer.failure})"
        else:
            actual = f"{killer.status}, then no answer to any request after it"
        for result in clauses:
            clause = session.profile.clause(result.id)
            if clause.check != "no_server_error":
                continue
            violation = Violation(
                clause.id,
                "a request took the server down",
                expected="an answer (a 4xx) to a request with a defect",
                actual=actual,
                exchanges=(killer,),
            )
            result.violations.insert(0, violation)
            result.violating = sorted({*result.violating, killer.seq})
            if killer.probe.operation not in result.violated_operations:
                result.violated_operations.append(killer.probe.operation)
                result.new_operations.append(killer.probe.operation)
            result.status = "fail"
            found = len(result.violating)
            result.reason = f"{found} violation(s): the target went down"
            apply_gate(
                result,
                self.settings.baseline,
                self.settings.fail_on,
                api=session.profile.api,
            )

    def _run_result(self, apis: list[ApiResult]) -> RunResult:
        baseline = self.settings.baseline
        return RunResult(
            apis=apis,
            started_at=self.started_at.isoformat(timespec="seconds"),
            duration_s=time.monotonic() - self._t0,
            seed=self.settings.seed,
            version=__version__,
            settings=self.settings.describe(),
            baseline=None if baseline is None else baseline.source,
        )

    def abandon(self, reason: str) -> RunResult:
        """The result of a run that could not start: every clause not-run, with why.

        Written like any other result, so a CI job still finds its reports when the
        target was unreachable from the start.
        """
        self._stack.close()
        apis = []
        for target in self.settings.targets:
            session = self.sessions.get(target.profile.api)
            clauses = [
                ClauseResult(
                    id=c.id,
                    text=c.text,
                    kind=c.kind,
                    family=c.family,
                    reason=reason,
                )
                for c in target.profile.clauses
            ]
            apis.append(
                ApiResult(
                    api=target.profile.api,
                    title=target.profile.title,
                    base_url=target.base_url or "embedded reference server",
                    clauses=clauses,
                    requests=session.client.sent if session else 0,
                    notes=[reason],
                )
            )
        self.result = self._run_result(apis)
        # Exit 3, as a target that stops answering mid-run: said in results.json so
        # that ``conformance merge`` gives it again.
        self.result.stopped = [reason]
        return self.result

    def write(self, directory: Path | None = None) -> list[Path]:
        """Write the report files (after ``finish``); a screenshot when asked."""
        target = directory or self.settings.report_dir
        if target is None or self.result is None:
            return []
        paths = write_reports(self.result, target)
        if self.settings.screenshot:
            png = screenshot(target / "report.html", target / "report.png")
            if png is None:
                why = "no Chromium found" if find_browser() is None else "it failed"
                self.write_notes.append(f"no screenshot of the report: {why}")
            else:
                paths.append(png)
        return paths
