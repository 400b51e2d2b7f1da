"""What a contract promises per status, said in a profile (issue 20, item 6): status
families in ``scope.status`` (``"4XX"``, read as ``expect`` reads it), a list of
accepted codes in ``rate_limited``'s ``error``, and a ``field_member`` per status
(``pointer`` on 422, ``parameter`` on 400). Each is judged on a conforming and a
violating exchange through a profile that uses it, and the linter accepts the form
and refuses a wrong one with the near miss."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from errcontract._config.lint import check_profile
from errcontract._contract.profile import Profile, schemas_root
from errcontract._engine.judge import ResponseJudge
from errcontract._http.probe import Probe
from errcontract.checks import REGISTRY
from errcontract.checks._registry import CheckContext
from errcontract.checks.rate import Burst
from errcontract.results import Violation

FIELD_ERRORS = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"pointer": {"type": "string"}, "parameter": {}},
            },
        }
    },
}


def _profile(
    tmp_path: Path, clause: dict[str, Any], error_body: dict[str, Any] | None = None
) -> Path:
    """A copy of the Cardda profile whose catalog is ``clause`` alone."""
    target = tmp_path / "profiles" / "teamapi"
    shutil.copytree(schemas_root() / "cardda", target)
    shutil.copytree(schemas_root() / "common", tmp_path / "profiles" / "common")
    (target / "field-errors.schema.json").write_text(json.dumps(FIELD_ERRORS))
    meta = yaml.safe_load((target / "profile.yaml").read_text())
    meta["api"] = "teamapi"
    if error_body is not None:
        meta["error_body"] = error_body
    (target / "profile.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    catalog = {"api": "teamapi", "clauses": [{"kind": "documented", **clause}]}
    (target / "clauses.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    return target


def _lines(directory: Path) -> list[str]:
    return [str(p) for p in check_profile(directory)]


# -- scope.status with status families -----------------------------------------------

SHAPE_OVER_4XX = {
    "id": "LT-BODY-1",
    "text": "every 4xx but the 422 has shape A",
    "family": "body",
    "check": "body_schema",
    "with": {"schema": "shape-a.schema.json"},
    "scope": {"responses": "all", "status": ["4XX"], "except_status": [422]},
}


def test_a_status_family_in_scope_judges_every_status_of_it(
    tmp_path: Path, make_exchange: Any
) -> None:
    directory = _profile(tmp_path, SHAPE_OVER_4XX)
    assert _lines(directory) == []
    judge = ResponseJudge(Profile(directory))

    def verdicts(status: int, body: Any) -> list[Any]:
        return [v for _, v in judge.judge(make_exchange(status, body))]

    assert verdicts(404, {"error": "not_found"}) == [None]
    assert verdicts(409, {"error": "conflict"}) == [None]
    broken = verdicts(403, {"message": "Forbidden"})
    assert len(broken) == 1
    assert isinstance(broken[0], Violation)
    # Outside the family, or excepted from it: not this clause's to judge.
    assert verdicts(500, {"message": "Forbidden"}) == []
    assert verdicts(422, {"message": "Forbidden"}) == []
    assert verdicts(200, {"message": "Forbidden"}) == []


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (
            "4xx",
            "'4xx' is neither a status (404) nor a status family (\"4XX\") (did "
            "you mean '4XX'?)",
        ),
        ("40X", "'40X' is neither a status (404) nor a status family (\"4XX\")"),
        (4040, '4040 is neither a status (404) nor a status family ("4XX")'),
    ],
)
def test_a_wrong_status_in_scope_is_refused_with_the_near_miss(
    tmp_path: Path, status: Any, says: str
) -> None:
    clause = {**SHAPE_OVER_4XX, "scope": {"responses": "all", "status": [status]}}
    lines = _lines(_profile(tmp_path, clause))
    assert lines == [
        f"{tmp_path / 'profiles/teamapi/clauses.yaml'}: "
        f"clauses/0/scope/status/0: {says}"
    ]


# -- rate_limited with a list of accepted codes --------------------------------------

RATE = {
    "id": "LT-RATE-1",
    "text": "a burst gets a 429 with one of the documented codes",
    "family": "rate limit",
    "check": "rate_limited",
    "with": {"error": ["rate_limit_exceeded", "too_many_requests"]},
    "probes": {"scenario": "burst", "operations": ["listBanks"]},
}


def _limited(make_exchange: Any, code: str) -> Burst:
    limited = make_exchange(
        429,
        {"error": code},
        [("Content-Type", "application/json"), ("Retry-After", "1")],
    )
    return Burst(exchanges=(limited,), limit_per_s=10, duration_s=1.0, limited=limited)


def test_any_of_the_accepted_codes_passes_and_no_other(
    tmp_path: Path, make_exchange: Any
) -> None:
    directory = _profile(tmp_path, RATE)
    assert _lines(directory) == []
    profile = Profile(directory)
    ctx = CheckContext(clause=profile.clause("LT-RATE-1"), profile=profile)
    check = REGISTRY.get("rate_limited").fn
    for code in ("rate_limit_exceeded", "too_many_requests"):
        assert check(ctx, _limited(make_exchange, code)) is None
    with pytest.raises(Violation) as info:
        check(ctx, _limited(make_exchange, "throttled"))
    assert info.value.expected == "error 'rate_limit_exceeded' or 'too_many_requests'"
    assert info.value.actual == "'throttled'"


@pytest.mark.parametrize(
    ("error", "says"),
    [
        ([], "should be non-empty"),
        (["rate_limit_exceeded", 429], "429 is not of type 'string'"),
        ("", "should be non-empty"),
    ],
)
def test_a_wrong_code_list_is_refused(tmp_path: Path, error: Any, says: str) -> None:
    lines = _lines(_profile(tmp_path, {**RATE, "with": {"error": error}}))
    assert len(lines) == 1
    assert lines[0].startswith(
        f"{tmp_path / 'profiles/teamapi/clauses.yaml'}: clause LT-RATE-1: with/error"
    )
    assert says in lines[0]


# -- a field member per status --------------------------------------------------------

NAMING = {
    "id": "LT-VAL-1",
    "text": "a validation answer names the broken field",
    "family": "validation",
    "check": "expected_answer",
    "probes": {"strategy": "invalid_bodies", "operations": ["createRecipient"]},
    "expect": [
        {"status": 422, "name_field": True},
        {"status": 400, "name_field": True},
    ],
}
PER_STATUS = {
    "code_field": "error",
    "fields_field": "errors",
    "field_member": {"422": "pointer", "4XX": "parameter"},
}


def test_each_status_names_its_field_in_its_own_member(
    tmp_path: Path, make_exchange: Any
) -> None:
    directory = _profile(tmp_path, NAMING, PER_STATUS)
    assert _lines(directory) == []
    profile = Profile(directory)
    clause = profile.clause("LT-VAL-1")
    ctx = CheckContext(clause=clause, profile=profile)
    probe = Probe(
        operation="createRecipient",
        method="POST",
        path="/v1/banking/bank_recipients",
        defect="missing",
        defect_kind="missing",
        field="rut",
    ).with_expectation("LT-VAL-1", clause.answers("missing"))
    check = REGISTRY.get("expected_answer").fn

    def answer(status: int, pointer: str, parameter: str) -> Any:
        item = {"pointer": pointer, "parameter": parameter}
        return check(ctx, make_exchange(status, {"errors": [item]}, probe=probe))

    # 422 names its fields in `pointer`, 400 (the 4XX family) in `parameter`.
    assert answer(422, "/rut", "name") is None
    assert answer(400, "/name", "rut") is None
    for status, pointer, parameter in ((422, "/name", "rut"), (400, "/rut", "name")):
        with pytest.raises(Violation) as info:
            answer(status, pointer, parameter)
        assert "naming ['name']" in info.value.actual


@pytest.mark.parametrize(
    ("member", "where", "says"),
    [
        (
            {"4xx": "pointer"},
            "error_body/field_member",
            "'4xx' is neither a status (404) nor a status family (\"4XX\") (did you "
            "mean '4XX'?)",
        ),
        (
            {"422": "pointr"},
            "error_body/field_member/422",
            "'pointr' is a member of no error shape of the profile (did you mean "
            "'pointer'?)",
        ),
        ({}, "error_body/field_member", "should be non-empty"),
    ],
)
def test_a_wrong_field_member_is_refused_with_the_near_miss(
    tmp_path: Path, member: Any, where: str, says: str
) -> None:
    error_body = {**PER_STATUS, "field_member": member}
    lines = _lines(_profile(tmp_path, NAMING, error_body))
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{tmp_path / 'profiles/teamapi/profile.yaml'}: {where}")
    assert says in lines[0]
