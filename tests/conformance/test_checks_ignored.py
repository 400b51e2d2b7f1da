"""ignored_input (PD-IGNORE-1 and PD-IGNORE-2, derived for the Projects API): an
input the server must ignore gets the answer the same request got without it, or a
refusal the clause allows for it; never a 5xx, a stored read-only value or an echoed
client request id."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from errcontract._contract import conventions
from errcontract._contract.document import load_document
from errcontract._contract.profile import Profile, load_profile_at
from errcontract._derive import derive
from errcontract._http.exchange import Exchange
from errcontract._http.probe import Probe, json_body
from errcontract.checks import REGISTRY
from errcontract.checks._registry import CheckContext
from errcontract.reference import problem
from errcontract.results import Violation

SENT_ID = "00000000-0000-4000-8000-000000000042"
CLIENT_ID = "errcontract-client-000000000042"
VALID = Probe(operation="listProjects", method="GET", path="/projects")
PROBES = {
    "unknown-query": replace(VALID, query=(("errcontract_ignored", "1"),)),
    "body-on-get": replace(VALID, body=json_body({"errcontract_ignored": True})),
    "read-only-member": replace(
        VALID,
        operation="createProject",
        method="POST",
        body=json_body({"name": "p", "id": SENT_ID}),
        field="id",
    ),
    "client-request-id": replace(VALID, headers=(("Request-Id", CLIENT_ID),)),
}


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
    def run(
        kind: str,
        usual: int | None,
        status: int,
        body: Any = None,
        request_id: str = "4c7e0a40-0d1b-4e8a-9f0e-1a2b3c4d5e6f",
    ) -> object:
        clause = profile.clause(
            "PD-IGNORE-2" if kind == "client-request-id" else "PD-IGNORE-1"
        )
        probe = replace(PROBES[kind], defect=kind, defect_kind=kind)  # type: ignore[arg-type]
        probe = probe.with_expectation(clause.id, clause.answers(kind, None))
        scenario = []
        if usual is not None:
            setup = replace(PROBES[kind], role="setup")
            scenario.append(make_exchange(usual, {"data": []}, probe=setup))
        media = "application/problem+json" if status >= 400 else "application/json"
        headers = [("Content-Type", media), ("Request-Id", request_id)]
        answer = body if body is not None else {"title": "x"}
        scenario.append(make_exchange(status, answer, headers, probe))
        return REGISTRY.get(clause.check).fn(CheckContext(clause, profile), scenario)

    return run


@pytest.mark.parametrize(
    ("kind", "usual", "status"),
    [
        ("unknown-query", 200, 200),
        ("unknown-query", 404, 404),  # the run's valid request is refused: same
        ("body-on-get", 200, 200),
        ("body-on-get", 200, 400),  # RFC 9110 section 9.3.1: may be rejected
        ("body-on-get", 200, 413),
        ("body-on-get", 200, 415),
        ("read-only-member", 201, 201),
        ("read-only-member", 201, 422),  # refused rather than ignored
        ("read-only-member", 201, 400),
        ("client-request-id", 200, 200),
    ],
)
def test_the_answer_without_it_or_an_allowed_refusal_passes(
    judge: Callable[..., object], kind: str, usual: int, status: int
) -> None:
    assert judge(kind, usual, status) is None


@pytest.mark.parametrize(
    ("kind", "usual", "status"),
    [
        ("unknown-query", 200, 400),  # a strict query reader
        ("unknown-query", 200, 500),
        ("unknown-query", 500, 500),  # a 5xx is never an answer, even the usual one
        ("body-on-get", 200, 422),
        ("read-only-member", 201, 409),
        ("client-request-id", 200, 400),
    ],
)
def test_anything_else_fails_naming_the_answer_without_it(
    judge: Callable[..., object], kind: str, usual: int, status: int
) -> None:
    with pytest.raises(Violation) as info:
        judge(kind, usual, status)
    assert info.value.actual.startswith(str(status))
    if usual < 500:
        assert info.value.expected.startswith(f"{usual}, as without it")


def test_a_stored_read_only_value_fails_and_the_servers_own_passes(
    judge: Callable[..., object],
) -> None:
    own = {"id": "9bbc2947-2445-48fd-a2f1-2b7e53908914", "name": "p"}
    assert judge("read-only-member", 201, 201, own) is None
    with pytest.raises(Violation, match="was stored") as info:
        judge("read-only-member", 201, 201, {**own, "id": SENT_ID})
    assert SENT_ID in info.value.actual


@pytest.mark.parametrize("echoed", [CLIENT_ID, f"{CLIENT_ID}, 4c7e0a40"])
def test_an_echoed_client_request_id_fails(
    judge: Callable[..., object], echoed: str
) -> None:
    with pytest.raises(Violation, match="echoed") as info:
        judge("client-request-id", 200, 200, request_id=echoed)
    assert CLIENT_ID in info.value.expected


@pytest.mark.parametrize("sent_as", ["Request-Id", "X-Request-Id"])
def test_the_id_is_read_from_the_header_the_client_sent_it_in(
    profile: Profile, make_exchange: Callable[..., Exchange], sent_as: str
) -> None:
    """Sent as ``X-Request-Id`` (the probe names it in ``field``) and adopted as the
    answer's ``Request-Id``: echoed. Without the check's ``header`` the sent one is
    judged, so a clause naming the header only for the strategy still judges."""
    clause = profile.clause("PD-IGNORE-2")
    kind = "client-request-id"
    probe = Probe(
        operation="listProjects",
        method="GET",
        path="/projects",
        headers=((sent_as, CLIENT_ID),),
        defect=kind,
        defect_kind=kind,
        field=sent_as,
    )
    setup = make_exchange(200, {"data": []}, probe=replace(probe, role="setup"))
    answer = make_exchange(200, {"data": []}, [(sent_as, CLIENT_ID)], probe)
    check = REGISTRY.get(clause.check).fn
    for params in ({"header": sent_as}, {}):
        ctx = CheckContext(replace(clause, params=params), profile)
        with pytest.raises(Violation, match="echoed"):
            check(ctx, [setup, answer])
    adopted = make_exchange(200, {"data": []}, [("Request-Id", CLIENT_ID)], probe)
    ctx = CheckContext(replace(clause, params={"header": "Request-Id"}), profile)
    with pytest.raises(Violation, match="echoed"):
        check(ctx, [setup, adopted])
    own = make_exchange(200, {"data": []}, [("Request-Id", "server-own")], probe)
    assert check(ctx, [setup, own]) is None


def test_without_the_valid_answer_nothing_is_judged(
    judge: Callable[..., object],
) -> None:
    assert "no answer" in str(judge("unknown-query", None, 400))


def test_the_derived_clauses_allow_refusals_only_where_a_reading_does(
    profile: Profile,
) -> None:
    clause = profile.clause("PD-IGNORE-1")
    statuses = {
        kind: sorted(a.status for a in clause.answers(kind, None))
        for kind in ("unknown-query", "unknown-member", "body-on-get", "body-on-delete")
    }
    assert statuses["unknown-query"] == statuses["unknown-member"] == []
    assert (
        statuses["body-on-get"] == statuses["body-on-delete"] == ["400", "413", "415"]
    )
    read_only = sorted(a.status for a in clause.answers("read-only-member", None))
    assert read_only == ["400", "422"]
    assert json.loads(json.dumps(profile.clause("PD-IGNORE-2").params)) == {
        "header": "Request-Id"
    }
