"""accept_answer (PD-ACCEPT-1, derived for the Projects API): an Accept the API cannot
satisfy answers 406, or what the same request answers without it; never a 5xx."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from errcontract._contract import conventions
from errcontract._contract.document import load_document
from errcontract._contract.profile import Profile, load_profile_at
from errcontract._derive import derive
from errcontract._http.exchange import Exchange
from errcontract._http.probe import Probe
from errcontract.checks import REGISTRY
from errcontract.checks._registry import CheckContext
from errcontract.reference import problem
from errcontract.results import Violation

PROBE = Probe(
    operation="listProjects",
    method="GET",
    path="/projects",
    headers=(("Accept", "image/png"),),
    defect_kind="accept",
)


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
) -> Callable[[int | None, int], object]:
    clause = profile.clause("PD-ACCEPT-1")
    ctx = CheckContext(clause, profile)
    probe = PROBE.with_expectation(clause.id, clause.answers("accept", ("200",)))

    def run(usual: int | None, status: int) -> object:
        scenario = []
        if usual is not None:
            setup = replace(PROBE, headers=(), defect_kind="", role="setup")
            scenario.append(make_exchange(usual, {"data": []}, probe=setup))
        problem_json = [("Content-Type", "application/problem+json")]
        scenario.append(make_exchange(status, {"title": "x"}, problem_json, probe))
        return REGISTRY.get(clause.check).fn(ctx, tuple(scenario))

    return run


@pytest.mark.parametrize(
    ("usual", "status"),
    [
        (200, 406),  # honoured (RFC 9110 section 12.5.1)
        (200, 200),  # disregarded
        (201, 200),  # any success: which one is not this clause's business
        (404, 404),  # disregarded, where the run's valid request is not a success
        (None, 406),
        (None, 204),
    ],
)
def test_406_or_the_answer_without_accept_passes(judge, usual, status):
    assert judge(usual, status) is None


@pytest.mark.parametrize(
    ("usual", "status"),
    [
        (200, 415),  # Accept read as the body's label
        (200, 400),
        (200, 401),  # the valid credential refused
        (200, 500),
        (500, 500),  # a 5xx is never an answer, even the usual one
        (None, 404),
    ],
)
def test_anything_else_fails_naming_both_answers(judge, usual, status):
    with pytest.raises(Violation) as info:
        judge(usual, status)
    assert info.value.actual.startswith(str(status))
    assert info.value.expected.startswith("406 or 2XX")
    if usual is not None and usual < 500:
        assert info.value.expected.endswith(f"or {usual}, as without it")
