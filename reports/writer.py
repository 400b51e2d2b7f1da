"""Write every report file of a run into the report directory."""

from __future__ import annotations

from pathlib import Path

from conformance.results import RunResult
from reports.html import write_html
from reports.json_report import write_json
from reports.junit import write_junit


def write_reports(result: RunResult, directory: Path) -> list[Path]:
    """Write ``results.json``, ``junit.xml`` and ``report.html``; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    return [
        write_json(result, directory / "results.json"),
        write_junit(result, directory / "junit.xml"),
        write_html(result, directory / "report.html"),
    ]
