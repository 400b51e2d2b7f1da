"""Live progress: one line per clause as it finishes on a pipe, a display that
moves every second on a terminal, nothing with --quiet, nothing in the reports.

Every run is the embedded Cardda server on 127.0.0.1, made quick (one example per
clause, a high rate limit); every read of a child's output is bounded in time.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from rich.console import Console

from errcontract._engine.events import ClauseFinished, RunStarted
from errcontract.reports.progress import Progress
from errcontract.results import ClauseResult

if TYPE_CHECKING:
    from conftest import CliRun

QUICK = ("--rate-limit", "50", "--max-rps", "1000", "--examples", "1")
LIMIT_S = 240.0  # no child runs longer than this
LINE = re.compile(r"^cardda (\S+) (pass|fail|known|not-gating|not-run|error) \(\d+ ")


def _command(report_dir: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "errcontract.cli",
        "run",
        "--api",
        "cardda",
        *QUICK,
        "--report-dir",
        str(report_dir),
        *extra,
    ]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
    return env | extra


def _clauses(report_dir: Path) -> dict[str, str]:
    data = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    return {c["id"]: c["outcome"] for c in data["clauses"]}


def test_a_pipe_gets_one_plain_line_per_clause_as_it_finishes(tmp_path: Path) -> None:
    child = subprocess.Popen(
        _command(tmp_path / "r"),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_env(),
    )
    assert child.stdout is not None
    arrived: list[tuple[float, str]] = []
    deadline = time.monotonic() + LIMIT_S
    while time.monotonic() < deadline:
        raw = child.stdout.readline()
        if not raw:
            break
        arrived.append((time.monotonic(), raw.decode("utf-8", "replace").rstrip()))
    child.stdout.close()
    child.wait(timeout=30)
    ended = time.monotonic()
    assert child.returncode == 0
    seen = {m[1]: (at, m[2]) for at, text in arrived if (m := LINE.match(text))}
    assert seen
    assert {k: v[1] for k, v in seen.items()} == _clauses(tmp_path / "r")
    assert not any("\x1b[" in text for _, text in arrived)  # no animation, no color
    first = min(at for at, _ in seen.values())
    # The first clause's line came while the run went on, not at its end.
    assert ended - first > 2.0, (ended - first, arrived[:3])


def test_a_terminal_shows_progress_within_2_s_and_redraws_every_second(
    tmp_path: Path,
) -> None:
    master, slave = pty.openpty()
    started = time.monotonic()
    child = subprocess.Popen(
        _command(tmp_path / "r"),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=_env(TERM="xterm-256color", COLUMNS="160"),
        close_fds=True,
    )
    os.close(slave)
    chunks: list[tuple[float, str]] = []
    deadline = started + LIMIT_S
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if child.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append((time.monotonic(), data.decode("utf-8", "replace")))
    finally:
        child.wait(timeout=30)
        os.close(master)
    assert child.returncode == 0
    shown = [(at, text) for at, text in chunks if "requests" in text]
    assert shown
    assert shown[0][0] - started < 2.0, chunks[:3]
    # While the run goes (up to its last clause line), the display is redrawn at
    # least once a second, and its elapsed clock moves.
    last = max(at for at, text in chunks if "CD-LEAK-1" in text)
    times = [at for at, _ in shown if at <= last]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert last - times[0] > 2.0
    assert max(gaps) < 1.0, max(gaps)
    clocks = set(re.findall(r"(\d+:\d\d) elapsed", "".join(t for _, t in shown)))
    assert len(clocks) >= 2, clocks
    assert all(cid in "".join(t for _, t in chunks) for cid in _clauses(tmp_path / "r"))


def test_quiet_prints_no_progress_and_the_reports_carry_none(
    run_cli: Callable[..., CliRun],
) -> None:
    loud = run_cli("run", "--api", "cardda", *QUICK)
    quiet = run_cli("run", "--api", "cardda", *QUICK, "--quiet")
    assert loud.code == quiet.code == 0
    outcomes = _clauses(loud.report_dir)
    lines = [line for line in loud.out.splitlines() if LINE.match(line)]
    assert len(lines) == len(outcomes)
    assert not [line for line in quiet.out.splitlines() if LINE.match(line)]
    assert "verdict: PASS" in quiet.out
    assert not re.search(r"^[.sF]+$", quiet.out, re.MULTILINE)  # nor pytest's dots
    for name in ("results.json", "junit.xml"):
        text = (loud.report_dir / name).read_text(encoding="utf-8")
        assert "req/s" not in text
        assert " elapsed" not in text
        assert not any(line in text for line in lines), name


def _finished(console: Console, outcome: str) -> None:
    shown = Progress(console)
    shown(RunStarted("cardda", budget=100, rate=9.5, clauses=1))
    status = "fail" if outcome == "fail" else "pass"
    result = ClauseResult("CD-X", "t", "documented", "f", status)
    shown(ClauseFinished("cardda", result))
    shown.close()


def test_no_color_is_respected(monkeypatch: pytest.MonkeyPatch) -> None:
    colored, plain = io.StringIO(), io.StringIO()
    monkeypatch.delenv("NO_COLOR", raising=False)
    _finished(Console(file=colored, force_terminal=True), "fail")
    monkeypatch.setenv("NO_COLOR", "1")
    _finished(Console(file=plain, force_terminal=True), "fail")
    assert "\x1b[1;31mfail" in colored.getvalue()
    # Without color, its emphasis stays (NO_COLOR is about color only).
    assert "cardda CD-X \x1b[1mfail" in plain.getvalue()
    assert not re.search(r"\x1b\[[0-9;]*3[0-7]m", plain.getvalue())


def test_the_display_moves_while_no_event_comes() -> None:
    """A single slow request (no event for seconds) still redraws the clock."""
    out = io.StringIO()
    shown = Progress(Console(file=out, force_terminal=True, width=160))
    shown(RunStarted("cardda", budget=100, rate=9.5, clauses=1))
    time.sleep(2.2)
    shown.close()
    clocks = set(re.findall(r"(\d+:\d\d) elapsed", out.getvalue()))
    assert {"0:00", "0:01", "0:02"} <= clocks, clocks
    assert "at most ~0:10 left (budget at 9.5 req/s)" in out.getvalue()
