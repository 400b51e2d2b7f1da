"""Write every report file of a run into the report directory."""

from __future__ import annotations

from pathlib import Path

from errcontract.reports.html import write_html
from errcontract.reports.json_report import write_json
from errcontract.reports.junit import write_junit
from errcontract.results import RunResult


def write_reports(result: RunResult, directory: Path) -> list[Path]:
    """Write ``results.json``, ``junit.xml`` and ``report.html``; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    return [
        write_json(result, directory / "results.json"),
        write_junit(result, directory / "junit.xml"),
        write_html(result, directory / "report.html"),
    ]
