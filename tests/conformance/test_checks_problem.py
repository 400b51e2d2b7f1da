"""Checks that RFC 9457 problem-details APIs need: the exact media type.

No shipped profile binds ``exact_media_type`` (both answer ``application/json``), so
the clause is made here, on the Cardda profile, with the parameters a problem-details
profile gives it.
"""

from __future__ import annotations

import pytest

from conformance.checks import REGISTRY, CheckContext
from conformance.exceptions import Violation
from conformance.profile import Clause, load_profile

PROBLEM = {"type": "about:blank", "title": "Not Found", "status": 404}


def _ctx(types: list[str]) -> CheckContext:
    clause = Clause(
        id="PD-HDR-1",
        text="error responses are labelled application/problem+json",
        kind="documented",
        family="headers",
        check="exact_media_type",
        params={"types": types},
    )
    return CheckContext(clause=clause, profile=load_profile("cardda"))


def _judge(exchange, types=("application/problem+json",)):
    return REGISTRY.get("exact_media_type").fn(_ctx(list(types)), exchange)


@pytest.mark.parametrize(
    "value",
    [
        "application/problem+json",
        "application/problem+json; charset=utf-8",
        "Application/Problem+JSON",
        "application/problem+json ;charset=UTF-8",
    ],
)
def test_the_exact_type_passes_with_parameters_and_any_case(make_exchange, value):
    assert _judge(make_exchange(404, PROBLEM, [("Content-Type", value)])) is None


@pytest.mark.parametrize(
    ("headers", "says"),
    [
        ([("Content-Type", "application/json")], "'application/json'"),
        ([("Content-Type", "text/html")], "'text/html'"),
        ([], "no Content-Type"),
        (
            [
                ("Content-Type", "application/problem+json"),
                ("Content-Type", "application/json"),
            ],
            " and ",
        ),
    ],
    ids=["plain-json", "html", "none", "two"],
)
def test_another_type_none_or_two_fail(make_exchange, headers, says):
    exchange = make_exchange(404, PROBLEM, headers)
    with pytest.raises(Violation) as info:
        _judge(exchange)
    assert info.value.clause == "PD-HDR-1"
    assert says in info.value.actual
    assert "application/problem+json" in info.value.expected
    assert info.value.exchanges == (exchange,)


def test_any_of_several_types_may_be_allowed(make_exchange):
    exchange = make_exchange(400, PROBLEM, [("Content-Type", "application/json")])
    assert _judge(exchange, ("application/problem+json", "application/json")) is None
