"""allow_header (PD-METHOD-1, derived for the Projects API): a method a path does not
serve answers 405, and its Allow lists exactly the path's declared methods;
head_and_options (PD-METHOD-2): HEAD answers its GET's status without content,
OPTIONS a 2xx or 405 with that Allow (or 501), neither a 401 nor another 5xx."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from errcontract._contract import conventions
from errcontract._contract.document import load_document
from errcontract._contract.profile import Profile, load_profile_at
from errcontract._derive import derive
from errcontract._engine.judge import NO_CONTENT, ResponseJudge
from errcontract._http.exchange import Exchange
from errcontract._http.probe import Answer, Credential, Probe
from errcontract.checks import REGISTRY
from errcontract.checks._registry import CheckContext
from errcontract.checks.methods import allowed
from errcontract.reference import problem
from errcontract.results import Violation

PROBLEM = {"title": "Method not allowed", "status": 405}
ITEM = "/projects/0b7c9d1e-7f43-4f38-9d3a-1f7d1c2b9e11"


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Profile:
    convention = conventions.load_convention("rfc9457")
    result = derive.derive(convention, load_document(problem.OPENAPI))
    where: Path = tmp_path_factory.mktemp("projects")
    derive.write(result, where)
    return load_profile_at(where)


@pytest.fixture
def judge(
    profile: Profile, make_exchange: Callable[..., Exchange]
) -> Callable[..., object]:
    ctx = CheckContext(profile.clause("PD-METHOD-1"), profile)

    def run(status: int, *allow: str, path: str = "/projects") -> object:
        probe = Probe(
            operation=f"PUT {path}",
            method="PUT",
            path=path,
            defect_kind="method",
            expect=(Answer("405"),),
        )
        headers = [("Content-Type", "application/problem+json")]
        headers += [("Allow", line) for line in allow]
        exchange = make_exchange(status, PROBLEM, headers, probe)
        return REGISTRY.get(ctx.clause.check).fn(ctx, exchange)

    return run


@pytest.mark.parametrize(
    "allow",
    [
        ("GET, POST",),
        ("POST, HEAD, GET",),  # HEAD with GET: served by any general-purpose server
        ("GET, POST, OPTIONS",),  # OPTIONS: a server may serve it anywhere
        ("get, post",),  # letter case aside (a lenient reading)
        ("GET", "POST"),  # two field lines are one list (RFC 9110 section 5.3)
        (" GET ,, POST ",),  # empty members and spaces are not methods
    ],
)
def test_an_exact_allow_passes(judge, allow):
    assert judge(405, *allow) is None


def test_an_item_path_is_judged_by_its_template(judge):
    assert judge(405, "DELETE, GET, HEAD, PATCH", path=ITEM) is None
    with pytest.raises(Violation) as info:
        judge(405, "GET, HEAD, PATCH", path=ITEM)
    assert info.value.actual == "405 with Allow 'GET, HEAD, PATCH': missing DELETE"
    assert "/projects/{projectId}" in info.value.expected


def test_an_incomplete_allow_fails_naming_what_is_missing(judge):
    with pytest.raises(Violation) as info:
        judge(405, "GET")
    assert info.value.clause == "PD-METHOD-1"
    assert info.value.title == "Allow does not list the path's methods"
    assert info.value.actual == "405 with Allow 'GET': missing POST"
    assert info.value.expected.startswith("Allow listing GET, POST, the methods")


def test_listing_the_refused_method_fails(judge):
    with pytest.raises(Violation) as info:
        judge(405, "GET, POST, PUT")
    assert info.value.actual.endswith("listing PUT, which the document does not")


@pytest.mark.parametrize(
    ("allow", "actual"),
    [((), "405 without Allow"), (("",), "405 with an empty Allow ['']")],
)
def test_a_405_without_allow_fails(judge, allow, actual):
    with pytest.raises(Violation) as info:
        judge(405, *allow)
    assert info.value.title == "405 without Allow"
    assert info.value.actual == actual


def test_another_status_than_405_fails_as_an_undocumented_answer(judge):
    with pytest.raises(Violation) as info:
        judge(404, "GET, POST")
    assert info.value.expected == "405"


def test_allow_lines_are_combined_in_order():
    assert allowed(["get, Post", "HEAD", " , "]) == ["GET", "POST", "HEAD"]


KEY = Credential.of("api_key")


@pytest.fixture
def scenario(
    profile: Profile, make_exchange: Callable[..., Exchange]
) -> Callable[..., object]:
    """``scenario(kind, status, *allow, get=200, body=b"")``: PD-METHOD-2's check on
    a HEAD (after its GET, answered ``get``) or an OPTIONS to ``/projects``."""
    ctx = CheckContext(profile.clause("PD-METHOD-2"), profile)

    def run(
        kind: str,
        status: int,
        *allow: str,
        get: int = 200,
        body: bytes = b"",
        credential: Credential = KEY,
    ) -> object:
        method = kind.upper()
        probe = Probe(
            operation=f"{method} /projects",
            method=method,
            path="/projects",
            credential=credential,
            defect_kind="head" if kind == "head" else "options",
        )
        answers = ctx.clause.answers(probe.defect_kind)
        probe = probe.with_expectation(ctx.clause.id, answers)
        headers = [("Content-Type", "application/json")]
        headers += [("Allow", line) for line in allow]
        exchanges = [make_exchange(status, body, headers, probe)]
        if kind == "head":
            valid = Probe("listProjects", "GET", "/projects", credential=KEY)
            valid = replace(valid, role="setup")
            exchanges.insert(0, make_exchange(get, [], None, valid))
        return REGISTRY.get(ctx.clause.check).fn(ctx, exchanges)

    return run


@pytest.mark.parametrize(
    ("kind", "status", "allow", "get"),
    [
        ("head", 200, (), 200),
        ("head", 404, (), 404),  # whatever the GET answered, HEAD answers the same
        ("options", 200, ("GET, POST",), 200),
        ("options", 204, ("GET", "HEAD", "OPTIONS", "POST"), 200),
        ("options", 405, ("POST, GET, HEAD",), 200),  # OPTIONS not served
        ("options", 501, (), 200),  # OPTIONS implemented for no resource (9.1)
    ],
)
def test_what_rfc_9110_allows_passes(scenario, kind, status, allow, get):
    assert scenario(kind, status, *allow, get=get) is None


@pytest.mark.parametrize(
    ("kind", "status", "allow", "title"),
    [
        ("head", 405, (), "HEAD answers another status than GET"),
        ("head", 204, (), "HEAD answers another status than GET"),
        ("head", 401, (), "HEAD refused the valid credential"),
        ("head", 500, (), "HEAD answered with a server error"),
        ("options", 204, (), "204 without Allow"),
        ("options", 200, ("GET",), "Allow does not list the path's methods"),
        ("options", 405, (), "405 without Allow"),
        ("options", 401, (), "OPTIONS refused the valid credential"),
        ("options", 500, (), "OPTIONS answered with a server error"),
        ("options", 404, ("GET, POST",), "answer differs from the documented one"),
    ],
)
def test_what_it_does_not_allow_fails(scenario, kind, status, allow, title):
    with pytest.raises(Violation) as info:
        scenario(kind, status, *allow)
    assert info.value.clause == "PD-METHOD-2"
    assert info.value.title == title, info.value


def test_a_head_with_content_fails(scenario):
    """No HTTP client this suite uses can see it (h11 reads no content after a
    HEAD, uvicorn sends none), but a transport that did would be judged."""
    with pytest.raises(Violation) as info:
        scenario("head", 200, body=b"{}")
    assert info.value.title == "HEAD answered with content"
    assert info.value.actual == "200 with 2 bytes of content"


def test_the_head_evidence_shows_the_get_it_was_compared_with(scenario):
    with pytest.raises(Violation) as info:
        scenario("head", 405)
    assert info.value.expected == "200, the status of the same GET"
    assert [e.probe.method for e in info.value.exchanges] == ["GET", "HEAD"]


def test_head_and_options_probes_carry_no_defect():
    """They are valid requests: the no-5xx clause over defective requests leaves them
    to PD-METHOD-2, which tolerates a 501 to OPTIONS."""
    assert not Probe("x", "HEAD", "/", defect_kind="head").defective
    assert not Probe("x", "OPTIONS", "/", defect_kind="options").defective
    assert Probe("x", "PUT", "/", defect_kind="method").defective


def test_no_check_of_content_judges_a_response_to_head(profile, make_exchange):
    """A HEAD answer has no content (RFC 9110 section 9.3.2): the shape and media-type
    clauses say so (not judged) rather than fail its empty body; the header clauses
    still judge it."""
    judge = ResponseJudge(profile)
    probe = Probe("HEAD /projects", "HEAD", "/projects", credential=KEY)
    exchange = make_exchange(405, b"", [("Allow", "GET")], probe)
    verdicts = {c.id: v for c, v in judge.judge(exchange)}
    for clause in ("PD-BODY-1", "PD-HDR-1", "PD-LEAK-1"):
        assert verdicts[clause] == NO_CONTENT, verdicts
    assert isinstance(verdicts["PD-HDR-2"], Violation)  # no Request-Id: still judged
    as_get = make_exchange(405, b"", [("Allow", "GET")], Probe("x", "GET", "/projects"))
    verdicts = {c.id: v for c, v in judge.judge(as_get)}
    assert isinstance(verdicts["PD-BODY-1"], Violation)
    assert isinstance(verdicts["PD-HDR-1"], Violation)
