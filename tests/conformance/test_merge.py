"""``conformance merge``: separate runs as one report, JUnit file and exit status.

The runs are the embedded servers on 127.0.0.1, made quick (one example a clause).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from errcontract.cli import main

if TYPE_CHECKING:
    from conftest import CliRun

QUICK = ("--rate-limit", "50", "--max-rps", "1000", "--examples", "1", "--quiet")


def _verdicts(results: Path) -> dict[str, str]:
    data = json.loads(results.read_text(encoding="utf-8"))
    return {a["api"]: a["verdict"] for a in data["apis"]}


def test_three_runs_merge_into_their_verdicts_and_the_worst_exit_status(
    run_cli: Callable[..., CliRun],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    runs = [
        run_cli("run", "--api", "cardda", *QUICK),
        run_cli("run", "--api", "cardclan", *QUICK),
        run_cli("run", "--api", "cardclan", *QUICK, "--fault", "CC-AUTH-1"),
    ]
    assert [r.code for r in runs] == [0, 0, 1]
    out = tmp_path / "merged"
    code = main(["merge", *(str(r.report_dir) for r in runs), "-o", str(out)])
    printed = capsys.readouterr().out
    assert code == 1, printed
    merged = _verdicts(out / "results.json")
    separate = [_verdicts(r.report_dir / "results.json") for r in runs]
    assert list(merged.values()) == [v for s in separate for v in s.values()]
    assert list(merged.values()) == ["pass", "pass", "fail"]
    html = (out / "report.html").read_text(encoding="utf-8")
    junit = (out / "junit.xml").read_text(encoding="utf-8")
    for api in merged:
        assert api in html
        assert f'name="{api}' in junit or api.split(" ")[0] in junit
    assert "CC-AUTH-1" in html
    assert 'failures="0"' not in junit.split("<testsuites", 1)[1].split(">", 1)[0]
    # Without the broken run the merge passes.
    code = main(["merge", *(str(r.report_dir) for r in runs[:2]), "-o", str(out)])
    assert code == 0


def test_a_stopped_run_outranks_a_broken_one(tmp_path: Path) -> None:
    from errcontract.cli_results import worst

    assert worst([0, 1, 4]) == 1
    assert worst([4, 0]) == 4
    assert worst([1, 3, 0]) == 3


def _write(path: Path, text: str) -> Path:
    path.mkdir(parents=True)
    (path / "results.json").write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("{not json", "a results.json"),
        ('{"clauses": []}', "is not a results.json of this suite"),
        ("[1, 2]", "not a JSON object"),
    ],
)
def test_a_foreign_file_is_exit_2_in_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, said: str
) -> None:
    bad = _write(tmp_path / "bad", text)
    code = main(["merge", str(bad), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert said in err
    assert str(bad / "results.json") in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_a_directory_without_results_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["merge", str(tmp_path / "empty")]) == 2
    assert "holds no results.json" in capsys.readouterr().err


def test_another_results_format_is_refused(
    run_cli: Callable[..., CliRun], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli("run", "--api", "cardda", *QUICK)
    data = json.loads((run.report_dir / "results.json").read_text(encoding="utf-8"))
    data["format"] = 2
    other = _write(tmp_path / "other", json.dumps(data))
    code = main(["merge", str(run.report_dir), str(other), "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "is a results.json of format 2" in err
    assert len(err.strip().splitlines()) == 1


def test_runs_of_one_api_in_folders_of_one_name_stay_apart(tmp_path: Path) -> None:
    """One API's runs against three deployments, each job's reports in a folder
    named ``out``: each keeps its own name (the folder's, else the path, else a
    number), so its own section and JUnit test suite."""
    from errcontract.cli_results import merged
    from errcontract.results import ApiResult, RunResult

    runs = []
    for job in ("staging", "production", "canary"):
        api = ApiResult(api="cardda", title="Cardda", base_url=f"https://{job}.test")
        run = RunResult(
            apis=[api],
            started_at="2024-01-01T00:00:00Z",
            duration_s=1.0,
            seed=1,
            version="0",
        )
        runs.append((tmp_path / job / "out" / "results.json", run))
    apis = merged(runs).apis
    assert [api.api for api in apis] == [
        "cardda",
        "cardda (out)",
        f"cardda ({tmp_path / 'canary' / 'out'})",
    ]
    assert [api.base_url for api in apis] == [
        f"https://{job}.test" for job in ("staging", "production", "canary")
    ]
