"""One outcome, every renderer: a clause's outcome is decided once on its result, and
the terminal, junit.xml, results.json and report.html each show exactly that outcome;
JUnit's counts agree with the gate (only a gating failure is a ``failure``, only the
suite's own crash an ``error``)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from errcontract._contract.baseline import Baseline, Entry, apply_gate
from errcontract.reports import summary_lines, write_html, write_json, write_junit
from errcontract.results import OUTCOMES, ApiResult, ClauseResult, RunResult, Violation

FAIL_ON = frozenset({"documented"})
BASELINE = Baseline("baseline.yaml", (Entry("X-KNOWN", "listThings", "TICKET-1"),))


def _clause(cid: str, *, kind: str = "documented", **kwargs) -> ClauseResult:
    clause = ClauseResult(id=cid, text=f"promise {cid}", kind=kind, family="body")
    for key, value in kwargs.items():
        setattr(clause, key, value)
    return clause


def _failed(cid: str, *, kind: str = "documented") -> ClauseResult:
    violation = Violation(
        cid, "answer differs", expected="a 404", actual="a 500", exchanges=()
    )
    return _clause(
        cid,
        kind=kind,
        status="fail",
        reason="1 violation(s)",
        violations=[violation],
        violated_operations=["listThings"],
        new_operations=["listThings"],
        exchanges=3,
    )


def _one_of_each() -> dict[str, ClauseResult]:
    """A clause per outcome, each made the way a run makes it, through the gate."""
    clauses = {
        "pass": _clause("X-PASS", status="pass", reason="3 response(s) judged"),
        "fail": _failed("X-FAIL"),
        "known": _failed("X-KNOWN"),
        "not-gating": _failed("X-NOGATE", kind="reading"),
        "not-run": _clause("X-NOTRUN", reason="needs fixture other_key"),
        "error": _clause(
            "X-ERROR",
            internal_error=True,
            reason="the suite failed while judging this clause (KeyError: 'x')",
        ),
    }
    for clause in clauses.values():
        apply_gate(clause, BASELINE, FAIL_ON, today=date(2026, 1, 1))
    return clauses


def _run(clauses: list[ClauseResult]) -> RunResult:
    api = ApiResult(
        api="things", title="Things API", base_url="https://things.example", requests=9
    )
    api.clauses = clauses
    return RunResult(
        apis=[api],
        started_at="2026-01-01T00:00:00+00:00",
        duration_s=1.0,
        seed=1,
        version="0.1.0",
        baseline=BASELINE.source,
    )


@pytest.fixture
def each() -> dict[str, ClauseResult]:
    return _one_of_each()


def test_each_outcome_is_decided_on_the_result(each):
    assert {outcome: c.outcome for outcome, c in each.items()} == {
        o: o for o in OUTCOMES
    }
    assert [c.id for c in each.values() if c.blocking] == ["X-FAIL"]


def test_the_terminal_marks_each_outcome(each):
    lines = summary_lines(_run(list(each.values())), evidence=False)
    marks = {line.split()[1]: line.split()[0] for line in lines if line[:2] == "  "}
    assert marks == {
        "X-PASS": "PASS",
        "X-FAIL": "FAIL",
        "X-KNOWN": "KNOWN",
        "X-NOGATE": "NO-GATE",
        "X-NOTRUN": "NOT-RUN",
        "X-ERROR": "ERROR",
    }
    assert lines[-1].startswith(
        "verdict: FAIL: 1 passed, 1 failed, 1 known, 1 not gating, 1 internal error, "
        "1 not run; "
    )


def _junit(clauses: list[ClauseResult], tmp_path) -> ET.Element:
    return ET.parse(write_junit(_run(clauses), tmp_path / "junit.xml")).getroot()


def test_junit_gives_each_outcome_its_element_and_counts_agree(each, tmp_path):
    root = _junit(list(each.values()), tmp_path)
    (suite,) = root.findall("testsuite")
    counts = ("tests", "failures", "errors", "skipped")
    assert [suite.get(k) for k in counts] == ["6", "1", "1", "1"]
    assert [root.get(k) for k in counts] == ["6", "1", "1", "1"]
    children = {}
    for case in suite.findall("testcase"):
        (out,) = case.findall("system-out")
        outcome = out.text.splitlines()[0].removeprefix("outcome: ")
        verdicts = [e.tag for e in case if e.tag in ("failure", "error", "skipped")]
        children[case.get("name")] = (outcome, verdicts)
    assert children == {
        "X-PASS": ("pass", []),
        "X-FAIL": ("fail", ["failure"]),
        "X-KNOWN": ("known", []),
        "X-NOGATE": ("not-gating", []),
        "X-NOTRUN": ("not-run", ["skipped"]),
        "X-ERROR": ("error", ["error"]),
    }
    # The attributes count exactly the children a CI server sees.
    for tag, attribute in (
        ("failure", "failures"),
        ("error", "errors"),
        ("skipped", "skipped"),
    ):
        assert len(suite.findall(f"testcase/{tag}")) == int(suite.get(attribute))


def test_junit_says_why_each_excused_or_unjudged_clause_is_so(each, tmp_path):
    root = _junit(list(each.values()), tmp_path)

    def case(name: str) -> ET.Element:
        return root.find(f".//testcase[@name='{name}']")

    known = case("X-KNOWN").find("system-out").text
    assert "known (baseline: TICKET-1) on listThings" in known
    assert "expected: a 404" in known  # the evidence stays with the clause
    nogate = case("X-NOGATE").find("system-out").text
    assert "reading clauses do not gate this run" in nogate
    skipped = case("X-NOTRUN").find("skipped")
    assert skipped.get("message") == "needs fixture other_key"
    error = case("X-ERROR").find("error")
    assert "KeyError" in error.get("message")
    assert case("X-FAIL").find("failure").get("type") == "ContractViolation"


def test_a_run_whose_only_failures_are_known_or_not_gating_is_green_in_junit(
    each, tmp_path
):
    run = [each["pass"], each["known"], each["not-gating"]]
    assert _run(run).verdict == "pass"
    (suite,) = _junit(run, tmp_path).findall("testsuite")
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
        "0",
        "0",
        "0",
    )
    assert suite.findall("testcase/failure") == []


def test_results_json_carries_each_outcome_next_to_the_status(each, tmp_path):
    document = json.loads(
        write_json(_run(list(each.values())), tmp_path / "r.json").read_text()
    )
    found = {c["id"]: (c["outcome"], c["status"]) for c in document["clauses"]}
    assert found == {
        "X-PASS": ("pass", "pass"),
        "X-FAIL": ("fail", "fail"),
        "X-KNOWN": ("known", "fail"),
        "X-NOGATE": ("not-gating", "fail"),
        "X-NOTRUN": ("not-run", "not-run"),
        "X-ERROR": ("error", "not-run"),
    }


def test_the_html_report_shows_each_outcome(each, tmp_path):
    page = write_html(_run(list(each.values())), tmp_path / "r.html").read_text()
    rows = re.findall(
        r'<tr class="clause s-row-([a-z-]+)" id="clause-([A-Z-]+)" '
        r'data-status="([a-z-]+)"[^>]*>\s*'
        r'<td><span class="badge s-([a-z-]+)">([A-Z ]+)<',
        page,
    )
    shown = {cid: (row, status, badge, text) for row, cid, status, badge, text in rows}
    labels = {
        "pass": "PASS",
        "fail": "FAIL",
        "known": "KNOWN",
        "not-gating": "NOT GATING",
        "not-run": "NOT RUN",
        "error": "ERROR",
    }
    assert shown == {
        c.id: (outcome, outcome, outcome, labels[outcome])
        for outcome, c in each.items()
    }
    # Each filter exists and counts its one clause.
    for outcome in OUTCOMES:
        assert re.search(
            rf'<label for="st-{outcome}" class="s-{outcome}">{labels[outcome]} '
            r'<span class="n">1</span></label>',
            page,
        ), outcome


@pytest.mark.parametrize(
    ("kind", "excused", "internal_error", "outcome"),
    [
        ("documented", False, True, "fail"),
        ("documented", True, True, "error"),
        ("reading", False, True, "error"),
        ("reading", True, False, "known"),
    ],
    ids=["gating-beats-crash", "crash-beats-known", "crash-beats-not-gating", "known"],
)
def test_one_outcome_when_several_apply(kind, excused, internal_error, outcome):
    """In the exit status's order: a gating failure (1), the suite's crash (4), then
    what the gate excuses, the baseline before --fail-on."""
    clause = _failed("X-BOTH", kind=kind)
    clause.internal_error = internal_error
    clause.gates = kind in FAIL_ON
    clause.excused = excused
    assert clause.outcome == outcome
    assert clause.blocking == (outcome == "fail")


def test_the_html_banner_counts_each_outcome(each, tmp_path):
    page = write_html(_run(list(each.values())), tmp_path / "r.html").read_text()
    (counts,) = re.findall(r'<p class="counts">(.*?)</p>', page, re.S)
    said = " ".join(re.sub(r"<[^>]+>", " ", counts).split())
    assert said == (
        "1 failed 1 internal error 1 not gating 1 known 1 not run 1 passed of 6 clauses"
    )
