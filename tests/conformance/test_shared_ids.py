"""``--api all`` over APIs that share clause ids, in one process.

Two profiles made by ``conformance init`` from one convention share every clause id
(``PD-AUTH-1`` in both). One run keyed by clause id judged the first API's clauses
and reported its verdicts for the second as well; each API now runs on its own (as
a fleet file's do), and its clause tests are qualified by its name.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _outcomes import outcomes
from _projects import projects_profile

from errcontract.cli import main

LIMIT_S = 300.0
FAST = ("--rate-limit", "200", "--max-rps", "100000", "--examples", "1")
APIS = ("alpha", "beta")


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of two profiles from one convention, each served by its own
    embedded Projects API."""
    root = tmp_path_factory.mktemp("twins")
    for name in APIS:
        projects_profile(root / name, name)
    return root


def _each_judged_on_its_own(report: Path) -> dict[str, dict[str, str]]:
    """Both APIs' outcomes, after checking each was judged by requests of its own."""
    found = outcomes(report)
    assert set(APIS) <= set(found)
    alpha, beta = (found[name] for name in APIS)
    assert len(alpha) > 10
    assert set(alpha) == set(beta)
    data = json.loads((report / "results.json").read_text(encoding="utf-8"))
    sent = {api["api"]: api["requests"] for api in data["apis"]}
    # Each sent its own coverage, not a preflight beside the other's verdicts.
    assert sent["alpha"] > 100, sent
    assert sent["beta"] > 100, sent
    for name in APIS:
        failing = [c for c, v in found[name].items() if v == "fail"]
        assert not failing, (name, failing)
    return found


def test_pytest_judges_each_of_two_apis_sharing_clause_ids(
    twins: Path, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env.pop("PYTEST_ADDOPTS", None)
    report = tmp_path / "report"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "errcontract.suite",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            "-v",
            "--conformance-api",
            "all",
            "--conformance-profile-dir",
            str(twins),
            "--conformance-report-dir",
            str(report),
            *(f"--conformance-{f[2:]}" if f.startswith("--") else f for f in FAST),
            # The shipped profiles' clauses are left out: each API's run starts
            # with its first clause, so theirs never do.
            "-k",
            "alpha or beta",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=LIMIT_S,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    for name in APIS:
        assert f"test_clause[{name}/PD-AUTH-1] PASSED" in done.stdout
    _each_judged_on_its_own(report)


def test_conformance_run_judges_each_of_two_apis_sharing_clause_ids(
    twins: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report"
    code = main(
        [
            "run",
            "--api",
            "all",
            "--profile-dir",
            str(twins),
            *FAST,
            "--report-dir",
            str(report),
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    found = _each_judged_on_its_own(report)
    assert {"cardda", "cardclan"} <= set(found)
