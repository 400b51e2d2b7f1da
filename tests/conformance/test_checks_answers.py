"""Answer checks with the catalogs' documented answers: the expected answer to a
probe, pairs that must not differ, and no 5xx for bad input."""

from __future__ import annotations

from dataclasses import replace

import pytest

from errcontract._contract.profile import load_profile
from errcontract._http.probe import Probe
from errcontract.results import Violation

CARDCLAN_BODY = {
    "error": "Unauthorized",
    "message": "Authorization header with Bearer token required",
    "statusCode": 401,
    "timestamp": "2024-01-15T10:30:00.000Z",
}
CARD_NOT_FOUND = {
    "error": "Not Found",
    "message": "Card not found or you do not have access to this card",
    "statusCode": 404,
    "timestamp": "2024-01-15T10:30:00.000Z",
}


def probe_for(
    api: str,
    clause_id: str,
    defect_kind: str = "credential",
    *,
    field: str | None = None,
    role: str = "probe",
    defect: str = "",
) -> Probe:
    """A probe carrying the catalog's documented answers for ``clause_id``."""
    clause = load_profile(api).clause(clause_id)
    probe = Probe(
        operation="createRecipient",
        method="POST",
        path="/v1/banking/bank_recipients",
        defect=defect or defect_kind,
        defect_kind=defect_kind,  # type: ignore[arg-type]
        field=field,
        role=role,  # type: ignore[arg-type]
    )
    return probe.with_expectation(clause_id, clause.answers(defect_kind))


# -- expected_answer ------------------------------------------------------------------


def test_documented_status_and_code_pass(judge, make_exchange):
    probe = probe_for("cardda", "CD-AUTH-1")
    exchange = make_exchange(401, {"error": "unauthenticated"}, probe=probe)
    assert judge("cardda", "CD-AUTH-1", exchange) is None


@pytest.mark.parametrize(
    ("status", "body", "actual"),
    [
        (403, {"error": "unauthenticated"}, "403 with error 'unauthenticated'"),
        (401, {"error": "unauthorized"}, "401 with error 'unauthorized'"),
        (401, {"message": "no key"}, "401 with message 'no key'"),
        (
            401,
            [{"error": "unauthenticated"}],
            """401 with body '[{"error": "unauthenticated"}]'""",
        ),
        (401, b"unauthenticated", "401 with body 'unauthenticated'"),
    ],
    ids=["wrong-status", "wrong-code", "code-missing", "array-body", "not-json"],
)
def test_other_status_or_code_fails(judge, make_exchange, status, body, actual):
    probe = probe_for("cardda", "CD-AUTH-1")
    exchange = make_exchange(status, body, probe=probe)
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-AUTH-1", exchange)
    assert info.value.clause == "CD-AUTH-1"
    assert info.value.expected == "401 with error 'unauthenticated'"
    assert info.value.actual == actual
    assert info.value.exchanges == (exchange,)


def test_no_response_fails_with_the_transport_failure(judge, make_exchange):
    probe = probe_for("cardda", "CD-AUTH-1")
    exchange = make_exchange(None, probe=probe, failure="no answer within 10 s")
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-AUTH-1", exchange)
    assert info.value.actual == "no response (no answer within 10 s)"


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_a_2xx_family_answer_accepts_any_success(judge, make_exchange, status):
    probe = probe_for("cardda", "CD-TENANT-4", "tenant")
    exchange = make_exchange(status, b"", [], probe=probe)
    assert judge("cardda", "CD-TENANT-4", exchange) is None


@pytest.mark.parametrize("status", [199, 301, 401, 404, 500])
def test_a_2xx_family_answer_rejects_other_families(judge, make_exchange, status):
    probe = probe_for("cardda", "CD-TENANT-4", "tenant")
    with pytest.raises(Violation):
        judge("cardda", "CD-TENANT-4", make_exchange(status, b"[]", probe=probe))


@pytest.mark.parametrize(
    "message",
    [
        "Authorization header with Bearer token required",
        "  Authorization header with Bearer token required\n",
    ],
)
def test_message_matches_exactly_after_trimming(judge, make_exchange, message):
    probe = probe_for("cardclan", "CC-AUTH-1")
    body = {**CARDCLAN_BODY, "message": message}
    assert judge("cardclan", "CC-AUTH-1", make_exchange(401, body, probe=probe)) is None


@pytest.mark.parametrize(
    "message",
    [
        "authorization header with bearer token required",
        "Authorization header with Bearer token required.",
        "Authorization header with  Bearer token required",
        "Unauthorized",
        None,
        401,
    ],
)
def test_message_differing_in_anything_but_surrounding_space_fails(
    judge, make_exchange, message
):
    probe = probe_for("cardclan", "CC-AUTH-1")
    body = {**CARDCLAN_BODY, "message": message}
    with pytest.raises(Violation) as info:
        judge("cardclan", "CC-AUTH-1", make_exchange(401, body, probe=probe))
    assert "Authorization header with Bearer token required" in info.value.expected


def test_message_answer_needs_the_documented_status_too(judge, make_exchange):
    probe = probe_for("cardclan", "CC-AUTH-4")
    body = {**CARDCLAN_BODY, "message": "Invalid bearer token - user not found"}
    with pytest.raises(Violation):
        judge("cardclan", "CC-AUTH-4", make_exchange(401, body, probe=probe))
    body["statusCode"] = 404
    assert judge("cardclan", "CC-AUTH-4", make_exchange(404, body, probe=probe)) is None


def test_validation_answer_must_name_the_probed_field(judge, make_exchange):
    probe = probe_for("cardda", "CD-VAL-1", "missing", field="rut")
    named = make_exchange(422, {"errors": {"rut": ["can't be blank"]}}, probe=probe)
    assert judge("cardda", "CD-VAL-1", named) is None
    other = make_exchange(422, {"errors": {"name": ["can't be blank"]}}, probe=probe)
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-VAL-1", other)
    assert "naming field 'rut'" in info.value.expected
    assert "naming ['name']" in info.value.actual


@pytest.mark.parametrize(
    "body", [{"errors": ["rut"]}, {"error": "unprocessable_entity"}, b"rut"]
)
def test_validation_answer_without_a_field_map_fails(judge, make_exchange, body):
    probe = probe_for("cardda", "CD-VAL-1", "invalid", field="rut")
    with pytest.raises(Violation):
        judge("cardda", "CD-VAL-1", make_exchange(422, body, probe=probe))


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (422, {"errors": {"amount": ["must be an integer"]}}),
        (400, {"error": "bad_request"}),
    ],
    ids=["shape-b", "bad-request"],
)
def test_any_of_the_alternatives_passes(judge, make_exchange, status, body):
    probe = probe_for("cardda", "CD-VAL-1", "wrong-type", field="amount")
    assert judge("cardda", "CD-VAL-1", make_exchange(status, body, probe=probe)) is None


def test_none_of_the_alternatives_fails_listing_them_all(judge, make_exchange):
    probe = probe_for("cardda", "CD-VAL-1", "wrong-type", field="amount")
    with pytest.raises(Violation) as info:
        judge(
            "cardda", "CD-VAL-1", make_exchange(409, {"error": "conflict"}, probe=probe)
        )
    assert " or " in info.value.expected
    assert "'bad_request'" in info.value.expected


def test_an_alternative_limited_to_another_defect_does_not_pass(judge, make_exchange):
    """`when: wrong-type` keeps the 400 answer away from a missing field."""
    probe = probe_for("cardda", "CD-VAL-1", "missing", field="rut")
    with pytest.raises(Violation):
        judge(
            "cardda",
            "CD-VAL-1",
            make_exchange(400, {"error": "bad_request"}, probe=probe),
        )


# -- indistinguishable ---------------------------------------------------------------


def _tenant_pair(make_exchange, first, second):
    probe = probe_for("cardda", "CD-TENANT-3", "tenant")
    return [
        make_exchange(
            first[0], first[1], probe=replace(probe, defect="foreign company")
        ),
        make_exchange(
            second[0], second[1], probe=replace(probe, defect="no such company")
        ),
    ]


def test_same_status_and_body_are_indistinguishable(judge, make_exchange):
    body = {"error": "not_found", "message": "Company not found"}
    pair = _tenant_pair(make_exchange, (404, body), (404, body))
    assert judge("cardda", "CD-TENANT-3", pair) is None


def test_a_different_status_tells_the_cases_apart(judge, make_exchange):
    pair = _tenant_pair(
        make_exchange, (403, {"error": "forbidden"}), (404, {"error": "not_found"})
    )
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-TENANT-3", pair)
    assert info.value.title == "answers tell the cases apart"
    assert info.value.exchanges == tuple(pair)
    assert "foreign company and no such company" in info.value.expected


def test_a_different_code_with_the_same_status_tells_the_cases_apart(
    judge, make_exchange
):
    pair = _tenant_pair(
        make_exchange, (404, {"error": "not_member"}), (404, {"error": "not_found"})
    )
    with pytest.raises(Violation):
        judge("cardda", "CD-TENANT-3", pair)


def test_a_message_outside_compare_may_differ(judge, make_exchange):
    pair = _tenant_pair(
        make_exchange,
        (404, {"error": "not_found", "message": "You are not a member of Acme"}),
        (404, {"error": "not_found", "message": "Company not found"}),
    )
    assert judge("cardda", "CD-TENANT-3", pair) is None


def test_a_compared_field_that_differs_tells_the_cases_apart(judge, make_exchange):
    probe = probe_for("cardclan", "CC-RES-1", "resource")
    pair = [
        make_exchange(404, CARD_NOT_FOUND, probe=probe),
        make_exchange(404, {**CARD_NOT_FOUND, "statusCode": 403}, probe=probe),
    ]
    with pytest.raises(Violation) as info:
        judge("cardclan", "CC-RES-1", pair)
    assert info.value.title == "answers tell the cases apart"


def test_extra_fields_such_as_request_ids_may_differ(judge, make_exchange):
    probe = probe_for("cardclan", "CC-RES-1", "resource")
    pair = [
        make_exchange(404, {**CARD_NOT_FOUND, "requestId": "a1"}, probe=probe),
        make_exchange(404, {**CARD_NOT_FOUND, "requestId": "b2"}, probe=probe),
    ]
    assert judge("cardclan", "CC-RES-1", pair) is None


def test_timestamps_are_ignored_when_comparing(judge, make_exchange):
    probe = probe_for("cardclan", "CC-RES-1", "resource")
    pair = [
        make_exchange(404, CARD_NOT_FOUND, probe=probe),
        make_exchange(
            404,
            {**CARD_NOT_FOUND, "timestamp": "2024-01-15T10:30:07.512Z"},
            probe=probe,
        ),
    ]
    assert judge("cardclan", "CC-RES-1", pair) is None


def test_each_probe_is_also_held_to_the_documented_answer(judge, make_exchange):
    probe = probe_for("cardclan", "CC-RES-1", "resource")
    wrong = {**CARD_NOT_FOUND, "message": "Card not found"}
    pair = [
        make_exchange(404, wrong, probe=probe),
        make_exchange(404, wrong, probe=probe),
    ]
    with pytest.raises(Violation) as info:
        judge("cardclan", "CC-RES-1", pair)
    assert info.value.title == "answer differs from the documented one"


def test_setup_exchanges_are_not_compared(judge, make_exchange):
    body = {"error": "not_found"}
    pair = _tenant_pair(make_exchange, (404, body), (404, body))
    setup = make_exchange(
        200, {"data": []}, probe=replace(pair[0].probe, role="setup", expect=())
    )
    assert judge("cardda", "CD-TENANT-3", [setup, *pair]) is None


def test_no_response_differs_from_a_response(judge, make_exchange):
    probe = probe_for("cardda", "CD-TENANT-3", "tenant")
    pair = [
        make_exchange(404, {"error": "not_found"}, probe=probe),
        make_exchange(None, probe=probe, failure="connection reset"),
    ]
    with pytest.raises(Violation):
        judge("cardda", "CD-TENANT-3", pair)


# Whole bodies: every member but the catalog's volatile ones.


def test_the_catalogs_name_volatile_members_not_compared_ones():
    """What is set aside is data (the catalog), and nothing is compared by a list."""
    for api, clause_id in [("cardda", "CD-TENANT-3"), ("cardclan", "CC-RES-1")]:
        params = load_profile(api).clause(clause_id).params
        assert "compare" not in params
        assert "timestamp" in params["volatile"]
    cardda = load_profile("cardda").clause("CD-TENANT-3").params["volatile"]
    cardclan = load_profile("cardclan").clause("CC-RES-1").params["volatile"]
    assert "message" in cardda
    assert "message" not in cardclan


def test_an_extra_member_in_one_answer_tells_the_cases_apart(judge, make_exchange):
    """The not-member answer reveals the company exists: it fails, naming the member."""
    plain = {"error": "not_found"}
    revealing = {"error": "not_found", "reason": "not_a_member"}
    pair = _tenant_pair(make_exchange, (404, revealing), (404, plain))
    assert pair[0].response.json() != pair[1].response.json()
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-TENANT-3", pair)
    assert info.value.title == "answers tell the cases apart"
    assert "'reason' only in the first" in info.value.actual


def test_a_member_value_that_differs_tells_the_cases_apart(judge, make_exchange):
    pair = _tenant_pair(
        make_exchange,
        (404, {"error": "not_found", "detail": {"member": False}}),
        (404, {"error": "not_found", "detail": {"member": None}}),
    )
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-TENANT-3", pair)
    assert "'detail' differs" in info.value.actual


def test_json_values_are_compared_by_type(judge, make_exchange):
    """``true`` and ``1`` are different answers, although Python calls them equal."""
    pair = _tenant_pair(
        make_exchange,
        (404, {"error": "not_found", "known": True}),
        (404, {"error": "not_found", "known": 1}),
    )
    with pytest.raises(Violation):
        judge("cardda", "CD-TENANT-3", pair)


def test_only_volatile_members_differ_and_the_answers_pass(judge, make_exchange):
    """Message wording, request and trace ids and timestamps may differ, and may be
    present in one answer only; nested ones too."""
    first = {
        "error": "not_found",
        "message": "You are not a member of Acme",
        "request_id": "r-1",
        "meta": {"traceId": "t-1", "timestamp": "2024-01-15T10:30:00Z"},
    }
    second = {"error": "not_found", "request_id": "r-2", "meta": {"traceId": "t-2"}}
    pair = _tenant_pair(make_exchange, (404, first), (404, second))
    assert pair[0].response.json() != pair[1].response.json()
    assert judge("cardda", "CD-TENANT-3", pair) is None


def test_extra_members_in_both_answers_and_an_omitted_message_pass(
    judge, make_exchange
):
    """The tolerances: extra fields present in both, a bare body without message."""
    body = {"error": "not_found", "docs_url": "https://docs.example/errors"}
    pair = _tenant_pair(make_exchange, (404, body), (404, dict(body)))
    assert judge("cardda", "CD-TENANT-3", pair) is None


def test_an_extra_member_in_one_cardclan_answer_tells_the_cases_apart(
    judge, make_exchange
):
    probe = probe_for("cardclan", "CC-RES-1", "resource")
    pair = [
        make_exchange(404, {**CARD_NOT_FOUND, "reason": "no_access"}, probe=probe),
        make_exchange(404, CARD_NOT_FOUND, probe=probe),
    ]
    with pytest.raises(Violation) as info:
        judge("cardclan", "CC-RES-1", pair)
    assert info.value.title == "answers tell the cases apart"
    assert "'reason'" in info.value.actual


def test_a_cardclan_message_is_not_volatile(judge, make_exchange):
    """Both messages may be documented texts of some answer; they still must match."""
    probe = replace(probe_for("cardclan", "CC-RES-1", "resource"), expect=())
    pair = [
        make_exchange(404, CARD_NOT_FOUND, probe=probe),
        make_exchange(404, {**CARD_NOT_FOUND, "message": "No such card"}, probe=probe),
    ]
    with pytest.raises(Violation):
        judge("cardclan", "CC-RES-1", pair)


# -- no_server_error -----------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504, 599])
def test_a_5xx_to_bad_input_fails(judge, make_exchange, status):
    exchange = make_exchange(status, {"error": "internal_error"})
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-5XX-1", exchange)
    assert info.value.clause == "CD-5XX-1"
    assert info.value.actual.startswith(str(status))


@pytest.mark.parametrize("status", [400, 401, 404, 409, 422, 429, 499])
def test_a_4xx_to_bad_input_passes(judge, make_exchange, status):
    assert judge("cardclan", "CC-5XX-1", make_exchange(status, {"error": "x"})) is None


def test_no_response_is_not_a_server_error(judge, make_exchange):
    exchange = make_exchange(None, failure="connection refused")
    assert judge("cardclan", "CC-5XX-1", exchange) is None
