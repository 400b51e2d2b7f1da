"""The renderers read one hand-built ``RunResult``: junit.xml, results.json and the
terminal summary each show every clause, the evidence of failures and the verdict."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from errcontract._http.exchange import Exchange, Received, SentRequest
from errcontract._http.probe import Credential, Probe
from errcontract._http.redact import curl_line
from errcontract.reports import summary_lines, write_json, write_junit, write_reports
from errcontract.results import ApiResult, ClauseResult, RunResult, Violation

URL = "https://api.cardda.example/v1/companies"


def _exchange(body: bytes = b'{"error":"unauthorized"}') -> Exchange:
    probe = Probe(
        operation="listCompanies",
        method="GET",
        path="/v1/companies",
        credential=Credential.none(),
        defect="no Authorization header",
        defect_kind="credential",
    )
    return Exchange(
        seq=7,
        probe=probe,
        request=SentRequest("GET", URL, (("company-id", "c1"),), None),
        curl=curl_line("GET", URL, [("company-id", "c1")], None),
        response=Received(
            status=401,
            headers=(("Content-Type", "application/json"),),
            body=body,
            truncated=False,
            received_at=datetime(2024, 1, 15, 10, 30, tzinfo=UTC),
            elapsed_s=0.012,
        ),
    )


def _api(api: str = "cardda", body: bytes = b'{"error":"unauthorized"}') -> ApiResult:
    exchange = _exchange(body)
    violation = Violation(
        "CD-AUTH-1",
        "answer differs from the documented one",
        expected="401 with error 'unauthenticated'",
        actual="401 with error 'unauthorized'",
        exchanges=(exchange,),
    )
    return ApiResult(
        api=api,
        title="Cardda API" if api == "cardda" else "CardClan Integration API",
        base_url="https://api.cardda.example" if api == "cardda" else "embedded",
        requests=12,
        clauses=[
            ClauseResult(
                id="CD-HDR-1" if api == "cardda" else "CC-HDR-1",
                text="every response carries a non-empty X-Request-Id",
                kind="documented",
                family="headers",
                status="pass",
                reason="12 response(s) judged",
                exchanges=12,
            ),
            ClauseResult(
                id="CD-AUTH-1" if api == "cardda" else "CC-AUTH-1",
                text="no Authorization header answers 401 unauthenticated",
                kind="documented",
                family="auth",
                status="fail",
                reason="1 of 12 probes",
                violations=[violation],
                exchanges=12,
            ),
            ClauseResult(
                id="CD-AUTH-3" if api == "cardda" else "CC-AUTH-3",
                text="an unverified key answers 401 email_not_verified",
                kind="documented",
                family="auth",
                status="not-run",
                reason="needs fixture unverified_api_key",
            ),
        ],
    )


def _run(*apis: ApiResult) -> RunResult:
    return RunResult(
        apis=list(apis or [_api()]),
        started_at="2024-01-15T10:30:00Z",
        duration_s=3.4,
        seed=1234,
        version="0.1.0",
        settings={"read_only": False},
    )


# -- junit.xml -------------------------------------------------------------------------


@pytest.fixture
def junit(tmp_path):
    return ET.parse(write_junit(_run(), tmp_path / "junit.xml")).getroot()


def test_junit_has_one_testcase_per_clause_named_by_id(junit):
    (suite,) = junit.findall("testsuite")
    assert suite.get("name") == "cardda"
    names = [case.get("name") for case in suite.findall("testcase")]
    assert names == ["CD-HDR-1", "CD-AUTH-1", "CD-AUTH-3"]
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == (
        "3",
        "1",
        "1",
    )


def test_junit_passing_clause_has_no_outcome_element(junit):
    case = junit.find(".//testcase[@name='CD-HDR-1']")
    assert case.find("failure") is None
    assert case.find("skipped") is None


def test_junit_failure_carries_the_evidence_and_curl_line(junit):
    case = junit.find(".//testcase[@name='CD-AUTH-1']")
    failure = case.find("failure")
    assert failure is not None
    assert "expected 401 with error 'unauthenticated'" in failure.get("message")
    text = failure.text
    assert "actual:   401 with error 'unauthorized'" in text
    assert f"curl:     curl -i -X GET {URL}" in text
    assert "-H 'company-id: c1'" in text
    assert "defect:   no Authorization header" in text
    assert '{"error":"unauthorized"}' in text


def test_junit_not_run_clause_is_skipped_with_its_reason(junit):
    skipped = junit.find(".//testcase[@name='CD-AUTH-3']/skipped")
    assert skipped is not None
    assert skipped.get("message") == "needs fixture unverified_api_key"


def test_junit_carries_the_run_facts_as_properties(junit):
    props = {p.get("name"): p.get("value") for p in junit.iter("property")}
    assert props == {
        "base_url": "https://api.cardda.example",
        "requests": "12",
        "seed": "1234",
    }


@pytest.mark.parametrize(
    "body",
    [
        b'{"error":"un\x1bauthorized\x00"}',
        '{"error":"\ufffe\uffff"}'.encode(),
    ],
    ids=["control-bytes", "noncharacters"],
)
def test_junit_parses_whatever_bytes_the_target_sent(tmp_path, body):
    path = write_junit(_run(_api(body=body)), tmp_path / "junit.xml")
    case = ET.parse(path).getroot().find(".//testcase[@name='CD-AUTH-1']")
    assert "curl:" in case.find("failure").text


# -- results.json ----------------------------------------------------------------------


@pytest.fixture
def document(tmp_path):
    return json.loads(write_json(_run(), tmp_path / "results.json").read_text("utf-8"))


def test_json_has_the_run_facts_at_the_top(document):
    assert document["api"] == "cardda"
    assert document["base_url"] == "https://api.cardda.example"
    assert document["verdict"] == "fail"
    assert document["requests"] == 12
    assert document["duration_s"] == 3.4
    assert document["seed"] == 1234


def test_json_has_every_clause_with_status_and_reason(document):
    clauses = {c["id"]: c for c in document["clauses"]}
    assert list(clauses) == ["CD-HDR-1", "CD-AUTH-1", "CD-AUTH-3"]
    assert {k: (c["status"], c["reason"]) for k, c in clauses.items()} == {
        "CD-HDR-1": ("pass", "12 response(s) judged"),
        "CD-AUTH-1": ("fail", "1 of 12 probes"),
        "CD-AUTH-3": ("not-run", "needs fixture unverified_api_key"),
    }
    assert clauses["CD-HDR-1"]["violations"] == []


def test_json_violation_carries_request_response_and_curl(document):
    (clause,) = [c for c in document["clauses"] if c["id"] == "CD-AUTH-1"]
    (violation,) = clause["violations"]
    assert violation["clause"] == "CD-AUTH-1"
    assert violation["expected"] == "401 with error 'unauthenticated'"
    assert violation["operation"] == "listCompanies"
    (exchange,) = violation["exchanges"]
    assert exchange["request"] == {
        "method": "GET",
        "url": URL,
        "headers": [["company-id", "c1"]],
        "body": None,
    }
    assert exchange["response"]["status"] == 401
    assert exchange["response"]["body"] == '{"error":"unauthorized"}'
    assert exchange["curl"] == _exchange().curl


def test_a_passing_run_has_a_passing_verdict(tmp_path):
    api = _api()
    api.clauses = [c for c in api.clauses if c.status != "fail"]
    document = json.loads(write_json(_run(api), tmp_path / "r.json").read_text())
    assert document["verdict"] == "pass"


def test_json_for_two_apis_carries_both(tmp_path):
    run = _run(_api("cardda"), _api("cardclan"))
    document = json.loads(write_json(run, tmp_path / "results.json").read_text())
    assert document["api"] == "all"
    assert [a["api"] for a in document["apis"]] == ["cardda", "cardclan"]
    assert document["base_url"] == {
        "cardda": "https://api.cardda.example",
        "cardclan": "embedded",
    }
    assert document["requests"] == 24
    assert len(document["clauses"]) == 6
    assert all(a["verdict"] == "fail" for a in document["apis"])


def test_write_reports_writes_every_file(tmp_path):
    paths = write_reports(_run(), tmp_path / "out")
    assert sorted(p.name for p in paths) == ["junit.xml", "report.html", "results.json"]
    assert all(p.is_file() for p in paths)


# -- terminal summary ------------------------------------------------------------------


def test_summary_has_one_line_per_clause_and_the_verdict():
    lines = summary_lines(_run(), evidence=False)
    clause_lines = [line for line in lines if line.startswith("  ")]
    assert [line.split()[:2] for line in clause_lines] == [
        ["PASS", "CD-HDR-1"],
        ["FAIL", "CD-AUTH-1"],
        ["NOT-RUN", "CD-AUTH-3"],
    ]
    assert lines[0] == "Cardda API (cardda) at https://api.cardda.example: FAIL"
    assert lines[-1] == (
        "verdict: FAIL: 1 passed, 1 failed, 1 not run; 12 requests in 3.4 s"
    )


def test_summary_shows_the_reason_of_clauses_that_did_not_pass():
    lines = summary_lines(_run(), evidence=False)
    (not_run,) = [line for line in lines if "CD-AUTH-3" in line]
    assert not_run.endswith("[needs fixture unverified_api_key]")
    (passed,) = [line for line in lines if "CD-HDR-1" in line]
    assert "[" not in passed


def test_summary_evidence_follows_with_the_curl_line():
    lines = summary_lines(_run())
    assert "CD-AUTH-1: answer differs from the documented one" in lines
    assert any(line.startswith("  curl:     curl -i -X GET") for line in lines)
    assert lines[-1].startswith("verdict: FAIL")


def test_summary_for_two_apis_heads_each_and_counts_both():
    lines = summary_lines(_run(_api("cardda"), _api("cardclan")), evidence=False)
    heads = [line for line in lines if not line.startswith(" ") and " at " in line]
    assert len(heads) == 2
    assert lines[-1].startswith("verdict: FAIL: 2 passed, 2 failed, 2 not run; 24")


def test_json_lays_out_members_and_entries_a_line_each(tmp_path):
    run = _run(_api("cardda"), _api("cardclan"))
    text = write_json(run, tmp_path / "results.json").read_text()
    document = json.loads(text)
    assert document == json.loads(json.dumps(run.to_dict()))
    lines = text.splitlines()
    assert lines[0] == "{"
    assert lines[-1] == "}"
    assert '  "verdict": "fail",' in lines
    # Each clause's entry is one line of its own, parsed back whole.
    entries = [line for line in lines if line.startswith('    {"id": ')]
    assert len(entries) == len(document["clauses"]) == 6
    assert json.loads(entries[0].rstrip(",")) == document["clauses"][0]


@pytest.mark.parametrize(
    "value", [{}, [], {"a": []}, [1, {"b": {"c": [1, 2]}}], "x", {"é": "ü"}, None]
)
def test_laid_out_json_reads_back_as_written(value):
    from errcontract.reports.json_report import laid_out

    assert json.loads(laid_out(value)) == value
