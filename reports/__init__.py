"""Renderers: the terminal summary, ``junit.xml``, ``results.json`` (and later HTML).

Every renderer reads the same ``RunResult``; none re-derives a verdict.
"""

from __future__ import annotations

from reports.json_report import write_json
from reports.junit import write_junit
from reports.terminal import summary_lines
from reports.writer import write_reports

__all__ = ["summary_lines", "write_json", "write_junit", "write_reports"]
