"""Checks that RFC 9457 problem-details APIs need: the exact media type, and field
naming read from an array of objects (``invalid-params``, ``errors``).

No shipped profile binds ``exact_media_type`` (both answer ``application/json``), so
the clause is made here, on the Cardda profile, with the parameters a problem-details
profile gives it.
"""

from __future__ import annotations

import pytest

from errcontract._contract.clauses import Clause
from errcontract._contract.profile import load_profile
from errcontract._http.probe import Answer, Probe
from errcontract.checks import REGISTRY, CheckContext
from errcontract.checks.answers import answer_matches, named_fields
from errcontract.results import Violation

PROBLEM = {"type": "about:blank", "title": "Not Found", "status": 404}


def _ctx(types: list[str]) -> CheckContext:
    clause = Clause.read(
        {
            "id": "PD-HDR-1",
            "text": "error responses are labelled application/problem+json",
            "kind": "documented",
            "family": "headers",
            "check": "exact_media_type",
            "with": {"types": types},
        }
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


# -- field naming from an array of objects (RFC 9457 invalid-params, errors arrays) ----

PROBLEM_FIELDS = {"fields_field": "errors"}


@pytest.mark.parametrize(
    ("errors", "named"),
    [
        ({"name": ["blank"], "rut": ["invalid"]}, {"name", "rut"}),
        ([{"name": "name", "reason": "blank"}, {"name": "rut"}], {"name", "rut"}),
        ([{"pointer": "#/name", "detail": "blank"}], {"name"}),
        ([{"pointer": "/mergeTags/0/email"}], {"mergeTags"}),
        ([{"field": "a~1b"}], {"a~1b"}),
        ([{"pointer": "/a~1b"}], {"a/b"}),
        ([{"detail": "no name here"}], set()),
    ],
    ids=["object", "names", "hash-pointer", "pointer", "field", "escaped", "none"],
)
def test_named_fields_read_objects_and_arrays_of_objects(errors, named):
    assert named_fields(errors, PROBLEM_FIELDS) == named


@pytest.mark.parametrize("value", ["name", 3, None, ["name"], [{"name": "a"}, "b"]])
def test_a_value_that_names_no_fields_is_none(value):
    assert named_fields(value, PROBLEM_FIELDS) is None


def test_a_profile_may_say_which_member_names_the_field():
    errors = [{"name": "ignored", "loc": "rut"}]
    assert named_fields(errors, {"field_member": "loc"}) == {"rut"}


def test_an_array_answer_must_name_every_broken_field(make_exchange):
    """``name_field`` judges an RFC 9457 answer as it judges an object keyed by
    field: every broken field named passes, one left out fails."""
    probe = Probe(
        operation="createRecipient",
        method="POST",
        path="/v1/banking/bank_recipients",
        defect="2 fields broken at once",
        defect_kind="invalid",
        field="name",
        fields=("name", "rut"),
    )
    answer = Answer(status="422", name_field=True)
    both = [{"name": "name"}, {"pointer": "#/rut"}]
    assert answer_matches(
        answer, make_exchange(422, {"errors": both}, probe=probe), PROBLEM_FIELDS
    )
    one = [{"name": "name"}]
    assert not answer_matches(
        answer, make_exchange(422, {"errors": one}, probe=probe), PROBLEM_FIELDS
    )
