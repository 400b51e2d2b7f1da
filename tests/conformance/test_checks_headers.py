"""Header checks as the catalogs bind them: X-Request-Id present and unique (Cardda),
a JSON content type on error responses (both APIs)."""

from __future__ import annotations

import pytest

from errcontract.results import Violation

NOT_FOUND = {"error": "not_found"}


def _json_with(*headers: tuple[str, str]) -> list[tuple[str, str]]:
    return [("Content-Type", "application/json"), *headers]


# -- CD-HDR-1: X-Request-Id present ---------------------------------------------------


@pytest.mark.parametrize("name", ["X-Request-Id", "x-request-id", "X-REQUEST-ID"])
def test_request_id_is_found_whatever_the_header_name_case(judge, make_exchange, name):
    exchange = make_exchange(404, NOT_FOUND, _json_with((name, "req-1")))
    assert judge("cardda", "CD-HDR-1", exchange) is None


def test_request_id_is_required_on_success_too(judge, make_exchange):
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-HDR-1", make_exchange(200, {"data": []}))
    assert info.value.clause == "CD-HDR-1"
    assert info.value.actual == "200 without it"


def test_missing_request_id_fails(judge, make_exchange):
    exchange = make_exchange(404, NOT_FOUND, _json_with(("X-Trace-Id", "req-1")))
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-HDR-1", exchange)
    assert info.value.actual == "404 without it"
    assert info.value.exchanges == (exchange,)


@pytest.mark.parametrize("value", ["", "   ", "\t"])
def test_blank_request_id_fails(judge, make_exchange, value):
    exchange = make_exchange(404, NOT_FOUND, _json_with(("X-Request-Id", value)))
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-HDR-1", exchange)
    assert info.value.actual == "404 with an empty value"


# -- CD-HDR-2: X-Request-Id unique across the run -------------------------------------


def test_distinct_request_ids_yield_no_violation(judge, make_exchange):
    exchanges = [
        make_exchange(404, NOT_FOUND, _json_with(("X-Request-Id", f"req-{i}")))
        for i in range(4)
    ]
    assert judge("cardda", "CD-HDR-2", exchanges) == []


def test_a_shared_request_id_is_flagged_with_both_exchanges(judge, make_exchange):
    first = make_exchange(404, NOT_FOUND, _json_with(("X-Request-Id", "req-1")))
    other = make_exchange(401, NOT_FOUND, _json_with(("X-Request-Id", "req-2")))
    again = make_exchange(400, NOT_FOUND, _json_with(("x-request-id", " req-1 ")))
    violations = judge("cardda", "CD-HDR-2", [first, other, again])
    assert len(violations) == 1
    (violation,) = violations
    assert isinstance(violation, Violation)
    assert violation.clause == "CD-HDR-2"
    assert violation.exchanges == (first, again)
    assert f"#{first.seq}" in violation.actual
    assert f"#{again.seq}" in violation.actual


def test_each_repeat_of_one_request_id_is_its_own_violation(judge, make_exchange):
    exchanges = [
        make_exchange(404, NOT_FOUND, _json_with(("X-Request-Id", "same")))
        for _ in range(3)
    ]
    violations = judge("cardda", "CD-HDR-2", exchanges)
    assert [v.exchanges for v in violations] == [
        (exchanges[0], exchanges[1]),
        (exchanges[0], exchanges[2]),
    ]


def test_missing_or_blank_request_ids_are_not_duplicates(judge, make_exchange):
    exchanges = [
        make_exchange(404, NOT_FOUND),
        make_exchange(404, NOT_FOUND),
        make_exchange(404, NOT_FOUND, _json_with(("X-Request-Id", " "))),
        make_exchange(404, NOT_FOUND, _json_with(("X-Request-Id", " "))),
        make_exchange(None, failure="connection refused"),
        make_exchange(None, failure="connection refused"),
    ]
    assert judge("cardda", "CD-HDR-2", exchanges) == []


def test_a_cache_replay_of_one_exchange_is_not_a_duplicate(judge, make_exchange):
    """The check's own promise: a response replayed from the suite's cache (the same
    exchange, same sequence number) is one response, not two."""
    exchange = make_exchange(404, NOT_FOUND, _json_with(("X-Request-Id", "req-9")))
    assert judge("cardda", "CD-HDR-2", [exchange, exchange]) == []


# -- CD-HDR-3 / CC-HDR-1: a JSON content type -----------------------------------------

JSON_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "application/json;charset=UTF-8",
    "application/problem+json",
    "application/vnd.api+json",
    "Application/JSON",
    " application/json ",
]
NOT_JSON_TYPES = [
    "text/html",
    "text/html; charset=utf-8",
    "text/plain",
    "application/xml",
    "application/json-seq",
    "application/jsonp",
    "text/json",
    "json",
    "",
]


@pytest.mark.parametrize("clause", [("cardda", "CD-HDR-3"), ("cardclan", "CC-HDR-1")])
@pytest.mark.parametrize("content_type", JSON_TYPES)
def test_json_media_types_pass(judge, make_exchange, clause, content_type):
    exchange = make_exchange(400, NOT_FOUND, [("Content-Type", content_type)])
    assert judge(*clause, exchange) is None


@pytest.mark.parametrize("clause", [("cardda", "CD-HDR-3"), ("cardclan", "CC-HDR-1")])
@pytest.mark.parametrize("content_type", NOT_JSON_TYPES)
def test_other_media_types_fail(judge, make_exchange, clause, content_type):
    exchange = make_exchange(400, NOT_FOUND, [("Content-Type", content_type)])
    with pytest.raises(Violation) as info:
        judge(*clause, exchange)
    assert info.value.clause == clause[1]
    assert info.value.actual == f"400 with {content_type!r}"


def test_a_missing_content_type_fails(judge, make_exchange):
    exchange = make_exchange(404, NOT_FOUND, [("X-Request-Id", "r")])
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-HDR-3", exchange)
    assert info.value.actual == "404 with no Content-Type"


@pytest.mark.parametrize(
    "values",
    [
        ("application/json", "text/html"),
        ("application/json", "application/json"),
    ],
)
def test_two_content_type_headers_fail(judge, make_exchange, values):
    headers = [("Content-Type", values[0]), ("content-type", values[1])]
    with pytest.raises(Violation) as info:
        judge("cardclan", "CC-HDR-1", make_exchange(400, NOT_FOUND, headers))
    assert " and " in info.value.actual


def test_content_type_name_is_case_insensitive(judge, make_exchange):
    exchange = make_exchange(400, NOT_FOUND, [("CONTENT-TYPE", "application/json")])
    assert judge("cardda", "CD-HDR-3", exchange) is None
