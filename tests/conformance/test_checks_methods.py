"""allow_header (PD-METHOD-1, derived for the Projects API): a method a path does not
serve answers 405, and its Allow lists exactly the path's declared methods."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from errcontract._contract import conventions
from errcontract._contract.document import load_document
from errcontract._contract.profile import Profile, load_profile_at
from errcontract._derive import derive
from errcontract._http.exchange import Exchange
from errcontract._http.probe import Answer, Probe
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
    assert judge(405, "DELETE, GET, HEAD", path=ITEM) is None
    with pytest.raises(Violation) as info:
        judge(405, "GET, HEAD", path=ITEM)
    assert info.value.actual == "405 with Allow 'GET, HEAD': missing DELETE"
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
