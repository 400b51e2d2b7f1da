"""A fleet: several APIs side by side over pytest-xdist workers, each API whole on one.

``pytest -n auto --pyargs errcontract.suite --conformance-api all`` distributes by
API, never by clause: an API is judged as one whole (one rate-limit budget and
pacing, request ids unique across its run, checks over every response judging what
its targeted clauses sent), so the controller hands out whole APIs: its scheduler
(xdist's scope scheduling, the scope of a clause test being its API) sends every
clause test of an API to one worker, in judging order. (xdist's own ``loadgroup``
marks cannot do it under pytest 9, whose test ids xdist 3.8 no longer rewrites.) On a
worker each API is a run of its own (:class:`Fleet`), started when its first clause
arrives and written to its own directory; the controller (:class:`FleetController`)
joins those ``results.json`` with ``conformance merge``'s code into one report, one
summary and one exit status, the same as one process would give.

A fleet file (``--fleet``) gives each API settings of its own (its deployment,
fixtures, pacing), so its APIs run this way in one process too: each its own run,
joined by the same controller. Two of its entries may judge the same clauses (one
profile, deployed to staging and to production): a clause test's id is then
qualified by its API (``test_clause[staging/CD-AUTH-1]``, :func:`clause_keys`), and
everything else was already per API (each run's directory, the joined report's
sections, JUnit's test suites, ``results.json``'s ``apis``).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from errcontract._config.embedded import split_switches
from errcontract._config.settings import Settings, Target
from errcontract._engine.run import Run, clause_order
from errcontract.results import ClauseResult

PLUGIN = "errcontract-fleet"
"""The name the controller is registered under."""

WORKER_KEY = "errcontract_fleet_dir"
"""The ``workerinput`` key naming the directory where workers write each API."""

SCHEDULES = ("load", "loadgroup")
"""xdist schedules a fleet accepts (``load`` is ``-n``'s default), both replaced by
one API per worker. ``each`` would judge every API once per worker, ``worksteal``
would split an API, ``loadscope``/``loadfile`` would put every API on one worker."""

CLAUSE_TEST = re.compile(r"::test_clause\[(?P<clause>[^\]]+)\]$")
"""A clause test's id, as the suite's module parametrizes it."""


def clause_keys(targets: tuple[Target, ...]) -> dict[str, tuple[str, str]]:
    """Each clause test's key (its test id) -> its API and clause id, in judging
    order within each API. A clause id is its own key, as in a run of one API,
    unless its API shares a clause id with another (the same profile or convention
    prefix, deployed twice): every clause of such an API is then keyed
    ``API/CLAUSE``, so each deployment's clauses are told apart, and are selected
    together (``-k staging``). An API's name is a fleet entry's name, or a profile's
    (a word: no ``/`` or ``]``)."""
    owners: dict[str, set[str]] = {}
    for target in targets:
        for clause in target.profile.clauses:
            owners.setdefault(clause.id, set()).add(target.profile.api)
    shared = {api for apis in owners.values() if len(apis) > 1 for api in apis}
    keys: dict[str, tuple[str, str]] = {}
    for target in targets:
        api = target.profile.api
        for clause in clause_order(target.profile.clauses):
            key = f"{api}/{clause.id}" if api in shared else clause.id
            keys[key] = (api, clause.id)
    return keys


def distributing(config: pytest.Config) -> bool:
    """Whether this process is an xdist controller about to hand out tests."""
    if hasattr(config, "workerinput"):
        return False
    return bool(config.getoption("numprocesses", None)) and config.getoption(
        "dist", "no"
    ) not in (None, "no")


def worker_directory(config: pytest.Config) -> Path | None:
    """On an xdist worker of a fleet, where its APIs' runs are written; in one
    process, where a fleet file's APIs are (each its own run, as on a worker)."""
    found = getattr(config, "workerinput", {}).get(WORKER_KEY)
    if found is not None:
        return Path(found)
    controller = config.pluginmanager.get_plugin(PLUGIN)
    if isinstance(controller, FleetController) and not distributing(config):
        return controller.directory
    return None


def refuse_splitting(config: pytest.Config) -> None:
    """Refuse, before anything is read or written, a schedule that splits an API."""
    dist = config.getoption("dist", "no")
    if dist not in SCHEDULES:
        raise pytest.UsageError(
            "the conformance suite judges each API as one whole (one rate-limit "
            "budget, request ids unique across its run), so pytest-xdist hands out "
            f"whole APIs: drop --dist {dist} (the suite schedules one API per "
            "worker) or add -p no:xdist for this run"
        )


def distribute(config: pytest.Config, settings: Settings) -> None:
    """Make the API the unit of distribution: workers write where the controller
    reads, and the controller schedules by API."""
    directory = Path(tempfile.mkdtemp(prefix="conformance-fleet-"))
    config.pluginmanager.register(FleetController(settings, directory), PLUGIN)


def scheduler(config: pytest.Config, log: Any, api_of: dict[str, str]) -> Any:
    """xdist's scope scheduling with the API as the scope of a clause test (any
    other test is a scope of its own, as under ``--dist load``)."""
    from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

    class ByApi(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            found = CLAUSE_TEST.search(nodeid)
            if found is None or found["clause"] not in api_of:
                return nodeid
            return f"conformance api {api_of[found['clause']]}"

    return ByApi(config, log)


class Fleet:
    """On a worker: one run per API it is handed, each with its own settings (its
    target, its reference server's switches, its report directory)."""

    def __init__(self, settings: Settings, directory: Path) -> None:
        self.settings = settings
        self.directory = directory
        self.runs: dict[str, Run] = {}
        self.started = False
        self.result = None
        self.write_notes: list[str] = []
        self._keys = clause_keys(settings.targets)
        embedded = [t.profile for t in settings.targets if t.embedded]
        self._switches = split_switches(embedded, settings.faults, settings.tolerances)

    def clause_ids(self) -> list[str]:
        """Every clause test's key (:func:`clause_keys`), in judging order within
        its API."""
        return list(self._keys)

    def api_of(self, key: str) -> str:
        """The API a clause test's key judges."""
        return self._keys[key][0]

    def start(self) -> None:
        """Nothing yet: each API's run starts with its first clause."""

    def _run(self, api: str) -> Run:
        if api not in self.runs:
            target = next(t for t in self.settings.targets if t.profile.api == api)
            faults, tolerances = self._switches.get(api, ((), ()))
            own = replace(
                self.settings.of(target),
                faults=tuple(faults),
                tolerances=tuple(tolerances),
                report_dir=self.directory / api,
                screenshot=False,
            )
            self.runs[api] = Run(own)
        return self.runs[api]

    def execute(self, key: str) -> ClauseResult:
        """Judge one clause in its API's run; an API that cannot start is
        abandoned (every clause not-run, exit 3 in the merged result)."""
        from errcontract.exceptions import ClientError, ConfigError

        self.started = True
        api, clause_id = self._keys[key]
        run = self._run(api)
        if run.result is None:
            try:
                return run.execute(clause_id)
            except (ClientError, ConfigError) as exc:
                run.abandon(str(exc))
        assert run.result is not None
        return next(
            c for api in run.result.apis for c in api.clauses if c.id == clause_id
        )

    @property
    def results(self) -> dict[str, ClauseResult]:
        """Every clause judged so far, of every API, by its clause test's key."""
        return {
            key: self.runs[api].results[clause_id]
            for key, (api, clause_id) in self._keys.items()
            if api in self.runs and clause_id in self.runs[api].results
        }

    @property
    def stopped(self) -> list[str]:
        return [why for run in self.runs.values() for why in run.stopped]

    @property
    def internal_errors(self) -> int:
        return sum(run.internal_errors for run in self.runs.values())

    def finish(self) -> None:
        """Finish every API's run (cleanup, servers stopped)."""
        for run in self.runs.values():
            run.finish()

    def write(self) -> list[Path]:
        """Each API's reports, in its own directory, for the controller."""
        return [path for run in self.runs.values() for path in run.write()]


class FleetController:
    """On the controller: tells workers where to write, then joins their runs."""

    def __init__(self, settings: Settings, directory: Path) -> None:
        self.settings = settings
        self.directory = directory
        self.started = time.monotonic()
        self.result: Any = None
        self.notes: list[str] = []

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[WORKER_KEY] = str(self.directory)

    @pytest.hookimpl(optionalhook=True, tryfirst=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        keys = clause_keys(self.settings.targets)
        api_of = {key: api for key, (api, _) in keys.items()}
        return scheduler(config, log, api_of)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """One result of every API, one exit status by ``conformance run``'s rules
        (last: in one process, the plugin's hook writes each API's run first)."""
        from errcontract.cli_results import exit_status, merged, worst
        from errcontract.exceptions import ConfigError
        from errcontract.reports import write_reports
        from errcontract.reports.read import read_run

        try:
            runs = []
            for target in self.settings.targets:
                path = self.directory / target.profile.api / "results.json"
                if path.is_file():
                    runs.append((path, read_run(path)))
            if not runs:
                return
            result = merged(runs)
            result.settings = self.settings.describe()
            result.duration_s = time.monotonic() - self.started
            self.result = result
            status = worst([exit_status(run) for _, run in runs])
            if status == 3:
                session.exitstatus = 3
            elif status == 4 and session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = 4
            if self.settings.report_dir is not None:
                write_reports(result, self.settings.report_dir)
        except (ConfigError, OSError) as exc:
            self.notes.append(f"the workers' results could not be joined: {exc}")
            session.exitstatus = 4
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """One line per clause of every API, the verdict, where the reports are."""
        from errcontract.reports import summary_lines

        if self.result is None and not self.notes:
            return
        terminalreporter.section("error-contract conformance")
        if self.result is not None:
            evidence = terminalreporter.config.getoption("tbstyle", "auto") == "no"
            for line in summary_lines(self.result, evidence=evidence):
                terminalreporter.write_line(line)
            for why in self.result.stopped:
                terminalreporter.write_line(f"conformance: {why} (exit status 3)")
        for note in self.notes:
            terminalreporter.write_line(f"note: {note}")
        if self.result is not None and self.settings.report_dir is not None:
            terminalreporter.write_line(f"reports: {self.settings.report_dir}/")
