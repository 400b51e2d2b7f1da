"""The microsoft convention's own clauses as it binds them, judged on hand-made
exchanges: ``x-ms-error-code`` present once (MS-CODE-1, ``header_present``) and
identical to ``error.code`` (MS-CODE-2, ``header_matches_member``, the check added for
it), and the ErrorResponse shape to any depth (MS-BODY-1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from errcontract._contract import conventions
from errcontract._contract.document import load_document
from errcontract._contract.profile import Profile, load_profile_at
from errcontract._derive import derive
from errcontract._http.exchange import Exchange
from errcontract.checks import REGISTRY, CheckContext, Inapplicable
from errcontract.reference import microsoft
from errcontract.results import Violation

NOT_FOUND = {"error": {"code": "NotFound", "message": "No gadget has this id."}}


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Profile:
    directory = tmp_path_factory.mktemp("microsoft")
    document = load_document(microsoft.OPENAPI)
    result = derive.derive(conventions.load_convention("microsoft"), document)
    derive.write(result, directory)
    return load_profile_at(directory)


@pytest.fixture
def judge(profile: Profile) -> Callable[[str, Exchange], Any]:
    def run(clause_id: str, exchange: Exchange) -> Any:
        clause = profile.clause(clause_id)
        ctx = CheckContext(clause=clause, profile=profile)
        return REGISTRY.get(clause.check).fn(ctx, exchange)

    return run


def _headers(*extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [("Content-Type", "application/json"), *extra]


@pytest.mark.parametrize("name", ["x-ms-error-code", "X-MS-Error-Code"])
@pytest.mark.parametrize("value", ["NotFound", " NotFound\t"])
def test_an_identical_code_passes(judge, make_exchange, name, value) -> None:
    """Header names are case-insensitive; the whitespace around a field value is
    not part of it (RFC 9110 sections 5.1, 5.5)."""
    exchange = make_exchange(404, NOT_FOUND, _headers((name, value)))
    assert judge("MS-CODE-2", exchange) is None
    assert judge("MS-CODE-1", exchange) is None


@pytest.mark.parametrize("value", ["notFound", "NOTFOUND", "ResourceNotFound", ""])
def test_a_different_code_fails(judge, make_exchange, value) -> None:
    """Identical means identical: another letter case is another code."""
    exchange = make_exchange(404, NOT_FOUND, _headers(("x-ms-error-code", value)))
    with pytest.raises(Violation) as info:
        judge("MS-CODE-2", exchange)
    assert info.value.clause == "MS-CODE-2"
    assert info.value.expected == "x-ms-error-code: 'NotFound' (the body's /error/code)"
    assert info.value.actual == f"x-ms-error-code: {value!r}"
    assert info.value.exchanges == (exchange,)


def test_every_line_of_the_header_must_match(judge, make_exchange) -> None:
    lines = (("x-ms-error-code", "NotFound"), ("x-ms-error-code", "Gone"))
    exchange = make_exchange(404, NOT_FOUND, _headers(*lines))
    with pytest.raises(Violation):
        judge("MS-CODE-2", exchange)
    with pytest.raises(Violation) as info:  # and the presence clause says twice
        judge("MS-CODE-1", exchange)
    assert info.value.expected == "one x-ms-error-code header"


def test_a_missing_header_fails_code_1_and_is_not_judged_by_code_2(
    judge, make_exchange
) -> None:
    """The guidelines' DO: every error carries the header (MS-CODE-1); MS-CODE-2
    judges the value only where there is one, so one defect fails one clause."""
    exchange = make_exchange(401, NOT_FOUND, _headers())
    with pytest.raises(Violation) as info:
        judge("MS-CODE-1", exchange)
    assert info.value.actual == "401 without it"
    assert isinstance(judge("MS-CODE-2", exchange), Inapplicable)


@pytest.mark.parametrize(
    "body",
    [b"<html>oops</html>", {"error": "NotFound"}, {"error": {"code": 404}}, {}],
)
def test_a_body_without_a_string_code_is_not_judged_by_code_2(
    judge, make_exchange, body
) -> None:
    exchange = make_exchange(404, body, _headers(("x-ms-error-code", "NotFound")))
    result = judge("MS-CODE-2", exchange)
    assert isinstance(result, Inapplicable)
    assert result.reason == "no body held a string at /error/code"


NESTED = {
    "error": {
        "code": "ValidationError",
        "message": "The gadget is not valid.",
        "target": "body",
        "details": [
            {
                "code": "InvalidPropertyValue",
                "message": "name is too long.",
                "target": "name",
                "details": [{"code": "TooLong", "message": "64 at most."}],
            }
        ],
        "innererror": {"code": "TooLong", "innererror": {"minLength": 1}},
        "maximumLength": 64,
    },
    "@odata.context": "$metadata#error",
}


def test_the_shape_is_judged_to_any_depth(judge, make_exchange) -> None:
    assert judge("MS-BODY-1", make_exchange(400, NESTED)) is None
    assert judge("MS-BODY-1", make_exchange(404, NOT_FOUND)) is None
    nested_detail = NESTED["error"]["details"][0]["details"][0]
    for broken in (
        {**NESTED, "error": {**NESTED["error"], "message": None}},
        {"error": {**NESTED["error"], "innererror": "TooLong"}},
        {"error": {**NESTED["error"], "details": {"code": "x", "message": "y"}}},
        {"error": {**NESTED["error"], "target": ["name"]}},
        {"error": {**NESTED["error"], "innererror": {"innererror": {"code": 7}}}},
    ):
        with pytest.raises(Violation):
            judge("MS-BODY-1", make_exchange(400, broken))
    del nested_detail["code"]  # a detail's detail without its code
    try:
        with pytest.raises(Violation):
            judge("MS-BODY-1", make_exchange(400, NESTED))
    finally:
        nested_detail["code"] = "TooLong"


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"type": "string", "enum": ["2024-06-01"]}, "2024-06-01"),
        ({"type": "string", "const": "v1"}, "v1"),
        ({"type": "string", "default": "2023-01-01", "enum": ["a", "b"]}, "2023-01-01"),
        ({"type": "string", "examples": ["2022-02-02"]}, "2022-02-02"),
        ({"type": "string", "enum": ["a", "b"]}, None),  # which one: the team's call
        ({"type": "string"}, None),
        ({"$ref": "#/components/schemas/Version"}, None),
    ],
)
def test_a_required_query_parameter_takes_the_one_value_its_document_gives(
    schema: dict[str, Any], value: Any
) -> None:
    """Azure's `api-version`: a valid request sends the version the document speaks
    (no value, no valid request: the probes that need one say so)."""
    from errcontract._contract.surface import documented_value

    assert documented_value(schema) == value
