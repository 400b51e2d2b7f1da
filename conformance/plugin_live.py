"""A line per clause as it finishes, under pytest too.

pytest captures a test's output, so the engine's events cannot print while a clause
runs; the line is written instead by pytest's own terminal reporter when the clause's
report arrives, between tests, in place of its dot. Under pytest-xdist the report
travels from the worker to the controller carrying the line (an attribute of the
report, which xdist serializes with it; JUnit writes no unknown attribute), so a
fleet shows every API's clauses as their workers finish them. Shown at pytest's
default verbosity only: ``-q`` shows none, ``-v`` has pytest's own line per clause,
and ``--conformance-quiet`` (or ``conformance run``, with its own display) none.
"""

from __future__ import annotations

from typing import Any

import pytest

LINE = "conformance_line"
"""The report attribute that carries a finished clause's line."""


def attach(report: pytest.TestReport, run: Any, clause_id: str) -> None:
    """Give a clause's call report its line (on the process that judged it)."""
    from errcontract.reports.progress import clause_line

    result = run.results.get(clause_id)
    if result is not None and report.when == "call":
        setattr(report, LINE, clause_line(run.api_of(clause_id), result))


class LiveLines:
    """Writes each clause's line through the terminal reporter as it arrives."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self._after: Any = None  # the reporter's file path right after our line

    def _reporter(self) -> Any:
        return self.config.pluginmanager.get_plugin("terminalreporter")

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: Any) -> tuple[str, str, str] | None:
        """No dot for a clause whose line is shown (the line says it)."""
        if getattr(report, LINE, None) is None:
            return None
        category, _, word = self._status(report)
        return category, "", word

    def _status(self, report: Any) -> tuple[str, str, str]:
        if hasattr(report, "wasxfail"):
            return "xfailed" if report.skipped else "xpassed", "", "XFAIL"
        return report.outcome, "", report.outcome.upper()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        line = getattr(report, LINE, None)
        reporter = self._reporter()
        if line is None or reporter is None:
            return
        if reporter.currentfspath is not self._after or self._after is None:
            # Something was written since our last line (the file's name first).
            reporter.ensure_newline()
        reporter._tw.line(line)
        reporter._tw.flush()
        # The reporter writes the file's name again only when it changes: keep it
        # from repeating it before every line.
        self._after = reporter.currentfspath = (
            self.config.rootpath / (report.nodeid.split("::")[0])
        )


def register(config: pytest.Config, quiet: bool) -> None:
    """Show the lines when the verbosity and the settings allow them."""
    if quiet or hasattr(config, "workerinput"):
        return
    if config.get_verbosity() != 0:
        return
    config.pluginmanager.register(LiveLines(config), "errcontract-live")
