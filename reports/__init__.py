"""Renderers: the terminal summary, ``junit.xml``, ``results.json``, ``report.html``
(and its screenshot).

Every renderer reads the same ``RunResult``; none re-derives a verdict.
"""

from __future__ import annotations

from reports.html import write_html
from reports.json_report import write_json
from reports.junit import write_junit
from reports.screenshot import screenshot
from reports.terminal import summary_lines
from reports.writer import write_reports

__all__ = [
    "screenshot",
    "summary_lines",
    "write_html",
    "write_json",
    "write_junit",
    "write_reports",
]
