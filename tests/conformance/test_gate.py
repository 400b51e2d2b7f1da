"""The CI gate: baselines of known violations, --fail-on, and diffs between runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from errcontract._contract.baseline import (
    Baseline,
    Entry,
    apply_gate,
    baseline_from_results,
    diff_results,
    load_baseline,
    write_baseline,
)
from errcontract.exceptions import ConfigError
from errcontract.results import ClauseResult

if TYPE_CHECKING:
    from conftest import CliRun

FAST = ("--rate-limit", "50", "--max-rps", "1000")
THREE = ("--fault", "CD-HDR-1", "--fault", "CD-AUTH-2", "--fault", "CD-CONFLICT-2")


def test_baseline_excuses_known_violations_and_catches_a_new_one(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    first = run_cli("run", "--api", "cardda", *THREE, *FAST)
    assert first.code == 1
    baseline = tmp_path / "baseline.yaml"
    made = run_cli(
        "baseline",
        "--from",
        str(first.report_dir / "results.json"),
        "-o",
        str(baseline),
        "--note",
        "TICKET-1",
    )
    assert made.code == 0
    entries = yaml.safe_load(baseline.read_text())["entries"]
    assert {e["clause"] for e in entries} == {"CD-HDR-1", "CD-AUTH-2", "CD-CONFLICT-2"}

    known = run_cli(
        "run", "--api", "cardda", *THREE, *FAST, "--baseline", str(baseline)
    )
    assert known.code == 0, known.out[-2000:]
    assert known.results["verdict"] == "pass"
    assert {c["id"] for c in known.results["clauses"] if c["known"]} == {
        "CD-HDR-1",
        "CD-AUTH-2",
        "CD-CONFLICT-2",
    }
    assert "KNOWN" in known.out
    _assert_green_in_junit(known, {"CD-HDR-1", "CD-AUTH-2", "CD-CONFLICT-2"}, "known")

    fourth = run_cli(
        "run",
        "--api",
        "cardda",
        *THREE,
        "--fault",
        "CD-LEAK-1",
        *FAST,
        "--baseline",
        str(baseline),
    )
    assert fourth.code == 1
    blocking = {c["id"] for c in fourth.results["clauses"] if c["blocking"]}
    assert blocking == {"CD-LEAK-1"}
    failures = [
        tc for tc in fourth.junit.iter("testcase") if tc.find("failure") is not None
    ]
    assert [tc.get("name") for tc in failures] == ["CD-LEAK-1"]


def _assert_green_in_junit(run: CliRun, excused: set[str], outcome: str) -> None:
    """The gate passed the run, so a CI server reading junit.xml must too: no
    failure nor error anywhere, the excused clauses passed test cases saying why."""
    root = run.junit
    for suite in [root, *root.iter("testsuite")]:
        assert (suite.get("failures"), suite.get("errors")) == ("0", "0")
    assert [e.tag for e in root.iter() if e.tag in ("failure", "error")] == []
    for case in root.iter("testcase"):
        if case.get("name") in excused:
            assert case.find("skipped") is None
            out = case.find("system-out")
            assert out is not None
            assert out.text.startswith(f"outcome: {outcome}\n")


def _failing(clause: str = "CD-HDR-1") -> ClauseResult:
    return ClauseResult(
        id=clause,
        text="t",
        kind="documented",
        family="headers",
        status="fail",
        violated_operations=["listBanks"],
        new_operations=["listBanks"],
    )


def test_an_expired_entry_fails_again() -> None:
    result = _failing()
    baseline = Baseline(
        "b.yaml", (Entry("CD-HDR-1", "listBanks", "", date(2026, 1, 1)),)
    )
    apply_gate(result, baseline, frozenset({"documented"}), today=date(2026, 1, 2))
    assert result.blocking
    assert "expired" in result.gate_notes[0]
    fresh = _failing()
    apply_gate(fresh, baseline, frozenset({"documented"}), today=date(2026, 1, 1))
    assert not fresh.blocking
    assert fresh.known


def test_fail_on_documented_does_not_gate_profile_readings(
    run_cli: Callable[..., CliRun],
) -> None:
    reading = run_cli(
        "run",
        "--api",
        "cardda",
        "--fault",
        "CD-HDR-2",
        "--fail-on",
        "documented",
        *FAST,
    )
    assert reading.code == 0
    assert reading.clause("CD-HDR-2")["status"] == "fail"
    assert reading.clause("CD-HDR-2")["gates"] is False
    assert reading.clause("CD-HDR-2")["outcome"] == "not-gating"
    assert "NO-GATE" in reading.out
    _assert_green_in_junit(reading, {"CD-HDR-2"}, "not-gating")
    documented = run_cli(
        "run",
        "--api",
        "cardda",
        "--fault",
        "CD-HDR-1",
        "--fail-on",
        "documented",
        *FAST,
    )
    assert documented.code == 1


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, ["the baseline file", "cannot be read"]),
        ("entries: [\n", ["not valid YAML"]),
        ("- just a list\n", ["must be a mapping"]),
        ("entries:\n  - clause: CD-HDR-1\n    expires: soon\n", ["expiry", "'soon'"]),
        ("entries:\n  - clause: CD-HDR-1\n    api: [a, b]\n", ["'api'", "['a', 'b']"]),
    ],
    ids=["missing", "bad-yaml", "not-mapping", "bad-date", "bad-api"],
)
def test_a_bad_baseline_is_a_usage_error(
    tmp_path: Path,
    run_cli: Callable[..., CliRun],
    content: str | None,
    words: list[str],
) -> None:
    path = tmp_path / "baseline.yaml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_baseline(path)
    for word in words:
        assert word in str(info.value)
    run = run_cli("run", "--api", "cardda", "--baseline", str(path))
    assert run.code == 2
    assert str(path) in run.err


def test_an_entry_naming_an_api_excuses_that_api_only() -> None:
    """A fleet may run one profile twice (staging, production): staging's known
    violation must not hide the same clause breaking in production."""
    staging = Baseline("b.yaml", (Entry("CD-HDR-1", "listBanks", api="staging"),))
    gates = frozenset({"documented"})
    on_staging, on_production, alone = _failing(), _failing(), _failing()

    apply_gate(on_staging, staging, gates, api="staging")
    apply_gate(on_production, staging, gates, api="production")
    apply_gate(alone, staging, gates)

    assert on_staging.known
    assert not on_staging.blocking
    assert on_production.blocking
    assert not on_production.known
    assert not alone.blocking  # a run that names no API: as before
    # An entry naming no API excuses the clause on every API, as baselines did.
    anywhere = Baseline("b.yaml", (Entry("CD-HDR-1", "listBanks"),))
    for api in ("staging", "production"):
        result = _failing()
        apply_gate(result, anywhere, gates, api=api)
        assert result.known, api


def test_a_fleet_baseline_names_each_entry_api_and_a_single_one_does_not(
    tmp_path: Path,
) -> None:
    clauses = [{"id": "CD-HDR-1", "status": "fail", "violated_operations": ["op"]}]
    fleet = {
        "apis": [
            {"api": "staging", "clauses": clauses},
            {"api": "production", "clauses": [{**clauses[0], "status": "pass"}]},
        ],
        "clauses": clauses,
    }
    made = baseline_from_results(fleet)
    assert made["entries"] == [
        {"clause": "CD-HDR-1", "operation": "op", "api": "staging"}
    ]
    single = baseline_from_results({"apis": [{"api": "cardda", "clauses": clauses}]})
    assert single["entries"] == [{"clause": "CD-HDR-1", "operation": "op"}]
    # Written and read back, the API goes with the entry.
    path = tmp_path / "baseline.yaml"
    write_baseline(made, path)
    (entry,) = load_baseline(path).entries
    assert (entry.clause, entry.operation, entry.api) == ("CD-HDR-1", "op", "staging")


def test_fail_on_rejects_unknown_kinds(run_cli: Callable[..., CliRun]) -> None:
    run = run_cli("run", "--api", "cardda", "--fail-on", "docs")
    assert run.code == 2
    assert "--fail-on" in run.err


def _results(**statuses: tuple[str, list[str]]) -> dict[str, object]:
    return {
        "clauses": [
            {"id": cid.replace("_", "-"), "status": s, "violated_operations": ops}
            for cid, (s, ops) in statuses.items()
        ]
    }


def test_diff_names_what_broke_and_what_was_fixed(
    tmp_path: Path, run_cli: Callable[..., CliRun]
) -> None:
    old = _results(
        CD_HDR_1=("fail", ["a"]), CD_AUTH_1=("pass", []), CD_VAL_1=("fail", ["x", "y"])
    )
    new = _results(
        CD_HDR_1=("pass", []), CD_AUTH_1=("fail", ["b"]), CD_VAL_1=("fail", ["x"])
    )
    changes = {c.clause: c.kind for c in diff_results(old, new)}
    assert changes == {
        "CD-HDR-1": "fixed",
        "CD-AUTH-1": "broke",
        "CD-VAL-1": "improved",
    }

    import json

    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    run = run_cli("diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"))
    assert run.code == 1
    assert "broke    CD-AUTH-1: pass -> fail on b" in run.out
    assert "1 broke, 1 fixed" in run.out
    same = run_cli("diff", str(tmp_path / "old.json"), str(tmp_path / "old.json"))
    assert same.code == 0
    missing = run_cli("diff", str(tmp_path / "nope.json"), str(tmp_path / "old.json"))
    assert missing.code == 2
