"""A fleet over pytest-xdist, and the clause lines pytest shows as clauses finish.

Three profiles (cardda, cardclan with its CC-AUTH-1 fault, and the Projects API's
profile written by ``conformance init``) run side by side with ``pytest -n 2`` give
the verdicts of three separate runs, one exit status and one report; ``conformance
merge`` of the separate runs gives the same. Loopback only (the embedded servers),
each run bounded by a subprocess time limit and made quick (one example a clause).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from _outcomes import outcomes, probed_alike
from _projects import projects_profile

from errcontract.cli import main

LIMIT_S = 400.0
QUICK = (
    "--conformance-rate-limit",
    "200",
    "--conformance-max-rps",
    "100000",
    "--conformance-examples",
    "1",
    "-p",
    "no:randomly",
    "-p",
    "no:cacheprovider",
)
FAULT = "CC-AUTH-1"


def _pytest(cwd: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env.pop("PYTEST_ADDOPTS", None)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "errcontract.suite", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=LIMIT_S,
        check=False,
    )
    return done, time.perf_counter() - started


def _verdicts(report_dir: Path) -> dict[str, str]:
    data = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    return {api["api"]: api["verdict"] for api in data["apis"]}


@pytest.fixture(scope="module")
def profiles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the Projects API's profile from ``init``, served by its
    embedded reference server (the shipped cardda and cardclan come with --api all)."""
    root = tmp_path_factory.mktemp("profiles")
    projects_profile(root / "projects")
    return root


def test_a_fleet_gives_the_verdicts_of_separate_runs_and_of_their_merge(
    profiles: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ("--conformance-profile-dir", str(profiles), *QUICK)
    separate: dict[str, Any] = {}
    for api in ("cardda", "cardclan", "projects-api"):
        fault = ("--conformance-fault", FAULT) if api == "cardclan" else ()
        report = tmp_path / api
        done, took = _pytest(
            tmp_path,
            "--conformance-api",
            api,
            *fault,
            "--conformance-report-dir",
            str(report),
            *common,
        )
        separate[api] = (done.returncode, took, report)
    fleet_dir = tmp_path / "fleet"
    done, fleet_s = _pytest(
        tmp_path,
        "-n",
        "2",
        "--conformance-api",
        "all",
        "--conformance-fault",
        FAULT,
        "--conformance-report-dir",
        str(fleet_dir),
        *common,
    )
    out = done.stdout
    assert [code for code, _, _ in separate.values()] == [0, 1, 0]
    assert done.returncode == 1, out[-3000:] + done.stderr[-2000:]

    # Every clause of every API judged on one worker, as alone.
    fleet = outcomes(fleet_dir)
    alone = {api: outcomes(report)[api] for api, (_, _, report) in separate.items()}
    compared, expected = probed_alike(fleet, alone)
    assert sum(map(len, compared.values())) > 40, compared
    assert compared == expected
    assert FAULT in [c for c, v in fleet["cardclan"].items() if v == "fail"]
    assert not [c for c, v in fleet["cardda"].items() if v == "fail"]
    # One report for all, and the workers' clause lines reached the screen.
    html = (fleet_dir / "report.html").read_text(encoding="utf-8")
    assert all(api in html for api in alone)
    assert (fleet_dir / "junit.xml").is_file()
    for api in alone:
        assert f"\n{api} " in out
    assert f"cardclan {FAULT} fail (" in out
    assert "verdict: FAIL" in out

    # conformance merge of the separate runs: the same verdicts and exit status.
    merged = tmp_path / "merged"
    reports = [str(report) for _, _, report in separate.values()]
    code = main(["merge", *reports, "-o", str(merged)])
    capsys.readouterr()
    assert code == done.returncode
    assert _verdicts(merged) == _verdicts(fleet_dir)
    assert outcomes(merged) == fleet
    with capsys.disabled():
        times = ", ".join(f"{api} {t:.1f} s" for api, (_, t, _) in separate.items())
        print(f"\nfleet -n 2: {fleet_s:.1f} s; separate: {times}")


def test_a_schedule_that_splits_an_api_is_refused_in_one_sentence(
    tmp_path: Path,
) -> None:
    done, _ = _pytest(
        tmp_path, "-n", "2", "--dist", "worksteal", "--conformance-api", "all"
    )
    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    assert "hands out whole APIs: drop --dist worksteal" in done.stderr
    assert not (tmp_path / "conformance-report").exists()


CLAUSES = ("CC-AUTH-1", "CC-AUTH-2", "CC-VAL-1")


@pytest.mark.parametrize(
    ("extra", "shown"),
    [((), True), (("-q",), False), (("--conformance-quiet",), False)],
    ids=["default", "-q", "--conformance-quiet"],
)
def test_pytest_shows_a_line_per_clause_as_it_finishes(
    tmp_path: Path, extra: tuple[str, ...], shown: bool
) -> None:
    done, _ = _pytest(
        tmp_path,
        "--conformance-api",
        "cardclan",
        "--conformance-fault",
        "CC-AUTH-2",
        "-k",
        " or ".join(CLAUSES),
        *QUICK,
        *extra,
    )
    assert done.returncode == 1, done.stdout[-3000:]
    results = outcomes(tmp_path / "conformance-report")["cardclan"]
    lines = [line for line in done.stdout.splitlines() if line.startswith("cardclan ")]
    if not shown:
        assert lines == []
        return
    assert [line.split(" (")[0] for line in lines] == [
        f"cardclan {cid} {results[cid]}" for cid in CLAUSES
    ]
    assert results["CC-AUTH-2"] == "fail"
    # Nothing of it enters the reports.
    junit = (tmp_path / "conformance-report" / "junit.xml").read_text(encoding="utf-8")
    assert "requests, " not in junit
