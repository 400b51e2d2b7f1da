"""``conformance run --screenshot`` keeps a picture of the report's first screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from errcontract.reports.screenshot import find_browser

if TYPE_CHECKING:
    from conftest import CliRun


@pytest.mark.skipif(
    find_browser() is None,
    reason="no Chromium executable on PATH: apt-get install chromium to run this",
)
def test_screenshot_flag_writes_report_png(run_cli: Callable[..., CliRun]) -> None:
    run = run_cli(
        "run",
        "--api",
        "cardclan",
        "--fault",
        "CC-AUTH-1",
        "--screenshot",
        "--rate-limit",
        "50",
        "--max-rps",
        "1000",
    )
    assert run.code == 1
    png = run.report_dir / "report.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000  # a rendered page, not an empty image


def test_screenshot_without_a_browser_is_a_note_not_a_failure(
    run_cli: Callable[..., CliRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    run = run_cli(
        "run",
        "--api",
        "cardclan",
        "--screenshot",
        "--rate-limit",
        "50",
        "--max-rps",
        "1000",
    )
    assert run.code == 0
    assert "no screenshot of the report: no Chromium found" in run.out
    assert not (run.report_dir / "report.png").exists()
