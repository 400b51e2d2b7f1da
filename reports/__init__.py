"""Renderers: the terminal summary, ``junit.xml``, ``results.json``, ``report.html``
(and its screenshot).

Every renderer reads the same ``RunResult``; none re-derives a verdict.
"""

from __future__ import annotations

from errcontract.reports.html import write_html
from errcontract.reports.json_report import write_json
from errcontract.reports.junit import write_junit
from errcontract.reports.screenshot import screenshot
from errcontract.reports.terminal import summary_lines
from errcontract.reports.writer import write_reports

__all__ = [
    "screenshot",
    "summary_lines",
    "write_html",
    "write_json",
    "write_junit",
    "write_reports",
]
