"""``report.html`` read without a browser: the verdict banner names what broke, the
clause and status matrices say what held, evidence carries a curl line, and nothing
the target sent (or a secret) can get into the page as markup."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import time
from datetime import UTC, datetime
from html.parser import HTMLParser

from errcontract._http.exchange import Exchange, Received, SentRequest
from errcontract._http.probe import Credential, Probe
from errcontract._http.redact import curl_line
from errcontract.reports import write_html, write_reports
from errcontract.reports.html import FAMILY_ORDER, TIMES
from errcontract.results import ApiResult, ClauseResult, RunResult, Violation

URL = "https://api.cardda.example/v1/companies"
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def _exchange(
    body: bytes = b'{"error":"unauthorized"}',
    *,
    operation: str = "listCompanies",
    request_body: bytes | None = None,
    seq: int = 7,
) -> Exchange:
    probe = Probe(
        operation=operation,
        method="POST" if request_body is not None else "GET",
        path="/v1/companies",
        credential=Credential.none(),
        defect="no Authorization header",
        defect_kind="credential",
    )
    method = probe.method
    headers = (("company-id", "c1"),)
    return Exchange(
        seq=seq,
        probe=probe,
        request=SentRequest(
            method,
            URL,
            headers,
            None if request_body is None else request_body.decode(),
        ),
        curl=curl_line(method, URL, list(headers), request_body),
        response=Received(
            status=401,
            headers=(("Content-Type", "application/json"),),
            body=body,
            truncated=False,
            received_at=datetime(2024, 1, 15, 10, 30, tzinfo=UTC),
            elapsed_s=0.012,
        ),
    )


def _violation(clause: str = "CD-AUTH-1", **kwargs) -> Violation:
    return Violation(
        clause,
        "answer differs from the documented one",
        expected="401 with error 'unauthenticated'",
        actual="401 with error 'unauthorized'",
        exchanges=(_exchange(**kwargs),),
    )


def _clause(cid: str, family: str, status: str = "pass", **kwargs) -> ClauseResult:
    defaults = {
        "text": f"the promise of {cid}",
        "kind": "documented",
        "reason": "12 response(s) judged",
        "exchanges": 12,
    }
    clause = ClauseResult(id=cid, family=family, status=status, **defaults | kwargs)
    if status == "fail":
        ops = [v.operation or "(run)" for v in clause.violations]
        clause.violated_operations = list(dict.fromkeys(ops))
        clause.new_operations = list(clause.violated_operations)
    return clause


def _api(api: str = "cardda") -> ApiResult:
    prefix = "CD" if api == "cardda" else "CC"
    return ApiResult(
        api=api,
        title="Cardda API" if api == "cardda" else "CardClan Integration API",
        base_url=f"https://api.{api}.example",
        requests=12,
        clauses=[
            _clause(f"{prefix}-HDR-1", "headers", text="every response has `X-Id`"),
            _clause(
                f"{prefix}-AUTH-1",
                "auth",
                "fail",
                reason="1 violation(s)",
                violations=[_violation(f"{prefix}-AUTH-1")],
            ),
            _clause(
                f"{prefix}-AUTH-3",
                "auth",
                "not-run",
                reason="needs fixture unverified_api_key",
            ),
            _clause(f"{prefix}-BODY-1", "body", kind="reading"),
            _clause(f"{prefix}-RATE-1", "rate limit"),
        ],
        status_matrix=[
            _row("listCompanies", "401", provoked=3, violations=1),
            _row("listCompanies", "404", provoked=2),
            _row("listCompanies", "429", provoked=0),
            _row("listCompanies", "500", provoked=1, documented=False),
            _row("createCompany", "401", provoked=4),
        ],
    )


def _row(op, status, *, provoked, violations=0, documented=True):
    return {
        "operation": op,
        "method": "GET",
        "path": f"/v1/{op}",
        "status": status,
        "documented": documented,
        "provoked": provoked,
        "violations": violations,
    }


def _run(*apis: ApiResult, baseline: str | None = None) -> RunResult:
    return RunResult(
        apis=list(apis or [_api()]),
        started_at="2024-01-15T10:30:00+00:00",
        duration_s=3.4,
        seed=1234,
        version="0.1.0",
        settings={"read_only": False},
        baseline=baseline,
    )


class _Page(HTMLParser):
    """Text of the elements the tests look at, found by ``#id`` or ``tag.class``."""

    VOID = frozenset({"meta", "br", "input", "col", "link", "img", "hr"})
    INLINE = frozenset({"a", "b", "code", "em", "span", "strong"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.texts: dict[str, list[str]] = {}
        self.open: list[tuple[int, str]] = []
        self.attrs: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        found = {k: v or "" for k, v in attrs}
        self.attrs.append((tag, found))
        if tag not in self.INLINE:
            self._boundary()
        if tag in self.VOID:
            return
        self.depth += 1
        keys = [f"#{found['id']}"] if "id" in found else []
        keys += [f"{tag}.{c}" for c in found.get("class", "").split()]
        for key in keys:
            self.texts.setdefault(key, []).append("")
            self.open.append((self.depth, key))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        while self.open and self.open[-1][0] >= self.depth:
            self.open.pop()
        self.depth -= 1
        if tag not in self.INLINE:
            self._boundary()

    def handle_data(self, data):
        for _, key in self.open:
            self.texts[key][-1] += data

    def _boundary(self):
        # Tags separate words in ``text`` (normalised); ``all`` keeps the text as is.
        for _, key in self.open:
            self.texts[key][-1] += "\x00"

    def text(self, key: str) -> str:
        """Every element's text under ``key``, whitespace normalised."""
        raw = self.texts.get(key, [])
        return " ".join(" ".join(t.replace("\x00", " ").split()) for t in raw)

    def all(self, key: str) -> list[str]:
        """The exact text of each element under ``key``."""
        return [t.replace("\x00", "") for t in self.texts.get(key, [])]


def _page(result: RunResult, tmp_path, **kwargs) -> tuple[str, _Page]:
    source = write_html(result, tmp_path / "report.html", **kwargs).read_text("utf-8")
    page = _Page()
    page.feed(source)
    return source, page


# -- the banner --------------------------------------------------------------------


def test_banner_states_the_verdict_and_names_every_failing_clause(tmp_path):
    _, page = _page(_run(_api("cardda"), _api("cardclan")), tmp_path)
    banner = page.text("#top")
    assert page.text("#verdict").startswith("FAIL The run failed: 2 clauses broke")
    assert "CD-AUTH-1" in page.text("ol.broken")
    assert "CC-AUTH-1" in page.text("ol.broken")
    for passing in ("CD-HDR-1", "CD-AUTH-3", "CC-HDR-1"):
        assert passing not in banner


def test_banner_has_the_run_facts(tmp_path):
    _, page = _page(_run(baseline="ci/conformance-baseline.yaml"), tmp_path)
    facts = page.text("dl.facts")
    for fact in (
        "Cardda API (cardda)",
        "https://api.cardda.example",
        "2024-01-15 10:30:00 UTC",
        "3.4 s",
        "Requests 12",
        "Seed 1234",
        "Version 0.1.0",
        "Baseline conformance-baseline.yaml",
    ):
        assert fact in facts
    counts = page.text("p.counts")
    assert counts == "1 failed 0 known 1 not run 3 passed of 5 clauses"


def test_a_passing_run_says_so(tmp_path):
    api = _api()
    api.clauses = [c for c in api.clauses if c.status != "fail"]
    _, page = _page(_run(api), tmp_path)
    assert page.text("#verdict") == ("PASS The run passed: every clause that ran held.")
    assert page.all("ol.broken") == []
    assert "No clause failed" in page.text("#evidence")


# -- the clause matrix ---------------------------------------------------------------


def test_clause_matrix_groups_clauses_by_family_in_the_issue_order(tmp_path):
    source, _ = _page(_run(), tmp_path)
    shown = re.findall(r'<tbody class="fam" data-family="([a-z-]+)"', source)
    expected = [f.replace(" ", "-") for f in FAMILY_ORDER]
    assert shown == [f for f in expected if f in shown]
    assert shown == ["body", "headers", "auth", "rate-limit"]


def test_clause_rows_carry_status_label_kind_and_not_run_reason(tmp_path):
    _, page = _page(_run(), tmp_path)
    assert page.text("#clause-CD-HDR-1").startswith("PASS CD-HDR-1")
    assert "documented" in page.text("#clause-CD-HDR-1")
    assert "profile reading" in page.text("#clause-CD-BODY-1")
    not_run = page.text("#clause-CD-AUTH-3")
    assert not_run.startswith("NOT RUN CD-AUTH-3")
    assert not_run.endswith("needs fixture unverified_api_key")


def test_clause_text_backticks_become_code_and_stay_escaped(tmp_path):
    api = _api()
    api.clauses[0].text = "carries `X-Id` and `<b>`"
    source, _ = _page(_run(api), tmp_path)
    assert "carries <code>X-Id</code> and <code>&lt;b&gt;</code>" in source


def test_every_clause_row_links_to_an_anchor_that_exists(tmp_path):
    source, page = _page(_run(_api("cardda"), _api("cardclan")), tmp_path)
    ids = {a["id"] for _, a in page.attrs if "id" in a}
    links = re.findall(r'<a class="cid" href="#([^"]+)"', source)
    assert len(links) == 10
    assert all(link in ids for link in links)
    assert 'href="#ev-CD-AUTH-1"' in source
    assert "ev-CD-AUTH-1" in ids


# -- evidence ------------------------------------------------------------------------


def test_evidence_has_expected_actual_request_response_and_curl(tmp_path):
    _, page = _page(_run(), tmp_path)
    evidence = page.text("#ev-CD-AUTH-1")
    assert "expected 401 with error 'unauthenticated'" in evidence
    assert "actual 401 with error 'unauthorized'" in evidence
    assert f"GET {URL}" in evidence
    assert "company-id: c1" in evidence
    assert "response 401" in evidence
    (curl,) = page.all("pre.curl")
    assert curl == _exchange().curl
    assert curl.startswith(f"curl -i -X GET {URL} -H 'company-id: c1'")


def test_json_bodies_are_pretty_printed(tmp_path):
    api = _api()
    api.clauses[1].violations = [_violation(body=b'{"error":"x","errors":{"a":[1]}}')]
    _, page = _page(_run(api), tmp_path)
    (response,) = [t for t in page.all("div.resp")]
    assert '{\n  "error": "x",\n  "errors": {\n    "a": [\n      1\n' in response
    assert "body pretty-printed" in response


def test_long_bodies_are_cut_with_a_visible_count_of_what_is_left_out(tmp_path):
    body = ("x" * 5000).encode()
    api = _api()
    api.clauses[1].violations = [_violation(body=body)]
    source, page = _page(_run(api), tmp_path, body_limit=100)
    (response,) = page.all("div.resp")
    assert "x" * 100 + " … (4900 more characters)" in response
    assert "x" * 101 not in source


def test_known_violations_are_marked_known_and_new_ones_new(tmp_path):
    known = _violation(operation="listCompanies", seq=1)
    known.known, known.known_note = True, "tracked in API-123"
    new = _violation(operation="createCompany", seq=2)
    api = _api()
    clause = api.clauses[1]
    clause.violations = [known, new]
    clause.violated_operations = ["listCompanies", "createCompany"]
    clause.new_operations = ["createCompany"]
    _, page = _page(_run(api, baseline="baseline.yaml"), tmp_path)
    summaries = [" ".join(s.split()) for s in page.all("details.violation")]
    assert "KNOWN" in summaries[0]
    assert "tracked in API-123" in summaries[0]
    assert "NEW" in summaries[1]
    assert "KNOWN" not in summaries[1]
    assert "new on createCompany" in page.text("ol.broken")


def test_a_clause_the_baseline_covers_is_known_and_does_not_fail_the_run(tmp_path):
    api = _api()
    clause = api.clauses[1]
    clause.new_operations, clause.excused = [], True
    clause.violations[0].known = True
    _, page = _page(_run(api, baseline="baseline.yaml"), tmp_path)
    assert page.text("#verdict").startswith("PASS The run passed: nothing new broke")
    assert page.text("ol.broken").startswith("KNOWN CD-AUTH-1")
    assert page.text("#clause-CD-AUTH-1").startswith("KNOWN CD-AUTH-1")
    assert "1 known" in page.text("p.counts")


# -- the status matrix -----------------------------------------------------------------


def test_status_matrix_has_operations_by_status_with_labelled_cells(tmp_path):
    _, page = _page(_run(), tmp_path)
    table = page.text("#status-matrix")
    assert "401 404 429 500" in table
    row = "listCompanies GET /v1/listCompanies broke x1 held x2 not reached seen x1"
    assert row.replace(" x", " " + TIMES) in table
    row = "createCompany GET /v1/createCompany held x4 — — —"
    assert row.replace(" x", " " + TIMES) in table
    assert "3 of 4 documented error statuses provoked" in table


# -- safety --------------------------------------------------------------------------


def test_hostile_strings_from_the_target_are_escaped_everywhere(tmp_path):
    exchange = _exchange(HOSTILE.encode(), request_body=HOSTILE.encode())
    exchange = Exchange(
        seq=exchange.seq,
        probe=exchange.probe,
        request=SentRequest(
            "POST", URL + "?q=" + HOSTILE, (("x-h", HOSTILE),), HOSTILE
        ),
        curl=exchange.curl,
        response=Received(
            status=400,
            headers=(("X-Evil", HOSTILE),),
            body=HOSTILE.encode(),
            truncated=False,
            received_at=datetime(2024, 1, 15, tzinfo=UTC),
            elapsed_s=0.001,
        ),
    )
    violation = Violation(
        "CD-AUTH-1", HOSTILE, expected=HOSTILE, actual=HOSTILE, exchanges=(exchange,)
    )
    api = _api()
    api.clauses[1].violations = [violation]
    api.clauses[1].text = HOSTILE
    api.notes = [HOSTILE]
    source, page = _page(_run(api), tmp_path)
    assert "alert" in source  # the text is there, shown ...
    assert "<script>alert" not in source  # ... but never as markup
    assert "<img" not in source
    assert source.count("<script>") == 1  # the page's own
    assert not any(tag == "img" for tag, _ in page.attrs)
    assert not any(k.startswith("on") for _, a in page.attrs for k in a)
    assert HOSTILE in page.text("#ev-CD-AUTH-1")


def test_nothing_is_fetched_from_elsewhere(tmp_path):
    api = _api()
    api.base_url = "https://evil.example/x"
    source, page = _page(_run(api), tmp_path)
    refs = [v for _, a in page.attrs for k, v in a.items() if k in ("src", "href")]
    refs += re.findall(r"url\(\s*['\"]?([^'\")]*)", source)
    assert refs, "the page has in-page links"
    assert all(r.startswith(("#", "data:")) for r in refs), refs
    assert "@import" not in source
    assert not any(
        tag in ("link", "iframe", "object", "embed") for tag, _ in page.attrs
    )


def test_the_policy_forbids_fetches_and_allows_only_the_page_own_code(tmp_path):
    source, page = _page(_run(), tmp_path)
    (csp,) = [
        a["content"]
        for tag, a in page.attrs
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert "default-src 'none'" in csp
    for tag in ("style", "script"):
        (body,) = re.findall(rf"<{tag}>(.*?)</{tag}>", source, re.S)
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in csp


def test_control_characters_are_shown_not_swallowed(tmp_path):
    api = _api()
    api.clauses[1].violations = [_violation(body=b"bad\x1b[31m\x00end")]
    _, page = _page(_run(api), tmp_path)
    assert "bad\u241b[31m\u2400end" in page.text("div.resp")


def test_print_styles_expand_everything_and_hide_the_filters(tmp_path):
    source, _ = _page(_run(), tmp_path)
    (print_css,) = re.findall(r"@media print \{(.*?)\n\}", source, re.S)
    assert re.search(r"\.filters[^{]*\{ display: none; \}", print_css)
    assert "details::details-content" in print_css
    # The filter rules apply on screen only, so a printout shows every clause.
    (screen_css,) = re.findall(r"@media screen \{(.*?)\n\}", source, re.S)
    assert "#st-fail:checked" in screen_css
    assert "#st-fail:checked" not in source.replace(screen_css, "")


# -- size ----------------------------------------------------------------------------


def test_43_clauses_with_5_violations_of_1_mib_bodies_stay_under_2_mb(tmp_path):
    mib = json.dumps({"error": "bad_request", "message": "é" + "a" * (1 << 20)})
    exchanges = [
        _exchange(mib.encode(), request_body=mib.encode(), operation=f"op{j}", seq=j)
        for j in range(5)
    ]
    clauses = []
    for i in range(43):
        cid = f"CD-X-{i}"
        violations = [
            Violation(cid, "title", expected="e", actual="a", exchanges=(ex,))
            for ex in exchanges
        ]
        clauses.append(_clause(cid, FAMILY_ORDER[i % 8], "fail", violations=violations))
    api = _api()
    api.clauses = clauses
    started = time.monotonic()
    path = write_html(_run(api), tmp_path / "report.html")
    elapsed = time.monotonic() - started
    size = path.stat().st_size
    assert size < 2_000_000, f"{size} bytes"
    assert elapsed < 10, f"rendered in {elapsed:.1f} s"
    source = path.read_text("utf-8")
    assert source.count('<details class="violation"') == 43 * 5
    assert f"({len(mib) - 2000} more characters)" in source


def test_write_reports_writes_the_html_report_too(tmp_path):
    paths = write_reports(_run(), tmp_path / "out")
    assert "report.html" in {p.name for p in paths}
    assert (tmp_path / "out" / "report.html").stat().st_size > 0


# -- secrets, end to end -------------------------------------------------------------


def test_no_credential_reaches_the_report(served, run_cli):
    from errcontract._contract.profile import load_profile
    from errcontract.reference.cardda import create_app

    base, app = served(create_app(faults=["CD-AUTH-2"], rate_limit=50))
    fixtures = dict(app.state.fixtures)
    secrets = [fixtures[n] for n in load_profile("cardda").secret_fixtures]
    assert len(secrets) >= 3
    flags = [
        f for name, value in fixtures.items() for f in ("--fixture", f"{name}={value}")
    ]
    run = run_cli(
        "run",
        "--api",
        "cardda",
        "--base-url",
        base,
        *flags,
        "--rate-limit",
        "50",
        "--max-rps",
        "1000",
    )
    assert run.code == 1, run.err
    page = (run.report_dir / "report.html").read_text("utf-8")
    assert "CD-AUTH-2" in page
    assert "[redacted]" in page  # credentials were sent, and shown masked
    for secret in secrets:
        assert secret not in page
        assert html.escape(secret) not in page


# -- the coverage phase, per clause ---------------------------------------------------


def test_a_targeted_clause_shows_its_kinds_by_operation(tmp_path):
    """The clause row carries the coverage phase: one column per kind, one row per
    operation; held, broke, and a skipped pair with its reason as the cell's title."""
    api = _api()
    clause = _clause(
        "CD-AUTH-2",
        "auth",
        coverage={
            "kinds": ["bare-key", "random-token"],
            "operations": ["listCompanies", "createRecipient"],
            "sent": [
                {
                    "operation": "listCompanies",
                    "kind": "bare-key",
                    "count": 1,
                    "defect": "bare-key: key without scheme",
                    "outcome": "held",
                },
                {
                    "operation": "listCompanies",
                    "kind": "random-token",
                    "count": 1,
                    "defect": "random-token: random token (1 chars)",
                    "outcome": "broken",
                },
                {
                    "operation": "createRecipient",
                    "kind": "random-token",
                    "count": 1,
                    "defect": "random-token: random token (1 chars)",
                    "outcome": "held",
                },
            ],
            "skipped": [
                {
                    "operation": "createRecipient",
                    "kind": "bare-key",
                    "reason": "createRecipient would change state and this run is "
                    "read-only",
                },
            ],
            "fuzz": [{"operation": "listCompanies", "count": 2}],
        },
    )
    api.clauses.append(clause)
    source, _ = _page(_run(api), tmp_path)
    start = source.index('id="clause-CD-AUTH-2"')
    row = source[start : source.index("</details>", start)]
    summary = f"coverage: 3 of 4 kinds {TIMES} operations sent, then 2 fuzzed"
    assert summary in html.unescape(row)
    head, _, body = row.partition("<tbody>")
    assert "<code>bare-key</code>" in head
    assert "<code>random-token</code>" in head
    lines = [line for line in body.splitlines() if "<tr>" in line]
    assert len(lines) == 2
    assert "<code>listCompanies</code>" in lines[0]
    assert 'class="cov-held" title="bare-key: key without scheme">held<' in lines[0]
    assert (
        'class="cov-broke" title="random-token: random token (1 chars)">broke<'
        in (lines[0])
    )
    assert 'class="cov-none" title="createRecipient would change state' in lines[1]
    assert 'class="cov-held"' in lines[1]


def test_an_untargeted_clause_shows_no_kind_matrix(tmp_path):
    """Clauses without a coverage record (checks over every response) get none."""
    source, _ = _page(_run(_api()), tmp_path)
    assert "kinds-matrix" in source  # the style sheet names it
    assert '<table class="kinds-matrix">' not in source
