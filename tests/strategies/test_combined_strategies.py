"""combined_defects: two families' defects in one request, each a difference from
the same valid request; two that change one part of it are refused."""

from __future__ import annotations

import copy
import json
import re
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from errcontract._contract.document import load_document
from errcontract._contract.surface import ProbeContext, parse_operations
from errcontract._engine.examples import draw_one
from errcontract.reference import problem
from errcontract.strategies import (
    FAMILIES,
    BadArgument,
    NothingToProbe,
    combined_defects,
)

SETTINGS = settings(max_examples=30, deadline=None, database=None)
PROJECT = str(uuid.UUID(int=0x9A))
EXAMPLE = {"name": "probe-${unique_digits}", "priority": 4}
UUID = re.compile(r"^/projects/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-")
READ_ONLY = {
    "strategy": "fixture_credentials",
    "with": {"fixture": "read_only_api_key"},
}
UNKNOWN_ID = {"strategy": "unknown_resources"}


def _document() -> dict[str, Any]:
    document = copy.deepcopy(load_document(problem.OPENAPI))
    patch = document["paths"]["/projects/{projectId}"]["patch"]
    patch["requestBody"]["content"]["application/json"]["example"] = EXAMPLE
    patch["x-conformance-writes"] = True
    return document


DOCUMENT = _document()
UPDATE_SCHEMA = DOCUMENT["components"]["schemas"]["ProjectUpdate"]
CTX = ProbeContext(
    operations=parse_operations(DOCUMENT),
    credential="api_key",
    values={"projectId": PROJECT},
    secret_fixtures=frozenset({"api_key", "read_only_api_key"}),
)
# Built outside the Hypothesis tests: invalid_bodies asks Schemathesis, which runs
# Hypothesis itself.
ROLE_AND_ID = combined_defects(
    CTX, ["updateProject", "deleteProject"], defects=[READ_ONLY, UNKNOWN_ID]
)
NO_KEY_AND_INVALID = combined_defects(
    CTX,
    ["updateProject"],
    defects=[{"strategy": "absent_credentials"}, {"strategy": "invalid_bodies"}],
)


def _valid_but_digits(body: bytes | None) -> bool:
    """Whether ``body`` is the PATCH example with some 12-digit unique number."""
    data = json.loads(body or b"")
    return (
        set(data) == {"name", "priority"}
        and data["priority"] == 4
        and re.fullmatch(r"probe-\d{12}", data["name"]) is not None
    )


def test_the_family_is_registered_without_kinds() -> None:
    """The coverage phase sends one combined probe per operation."""
    family = FAMILIES["combined_defects"]
    assert family.kinds is None
    assert family.params == ("defects",)
    assert family.required == ("defects",)


@SETTINGS
@given(data=st.data())
def test_a_read_only_key_and_an_unknown_id_in_one_request(data: st.DataObject) -> None:
    (probe,) = data.draw(ROLE_AND_ID)
    op = CTX.operation(probe.operation)
    assert probe.method == op.method
    assert probe.credential.fixture == "read_only_api_key"
    assert UUID.match(probe.path)
    assert PROJECT not in probe.path
    assert probe.field == "projectId"
    if probe.method == "PATCH":
        assert _valid_but_digits(probe.body)
        assert probe.header("Content-Type") == "application/json"
    else:
        assert probe.body is None
        assert probe.headers == ()
    assert probe.defect.startswith("fixture_credentials: credential of fixture ")
    assert " + unknown_resources: path 'projectId' = " in probe.defect
    assert probe.defect_kind == "credential"  # the first defect's kind
    # The read-only key's write would change state if its role were ignored.
    assert probe.writes is op.writes


@SETTINGS
@given(data=st.data())
def test_no_credential_and_an_invalid_body(data: st.DataObject) -> None:
    (probe,) = data.draw(NO_KEY_AND_INVALID)
    assert probe.credential.absent
    assert probe.path == f"/projects/{PROJECT}"
    body = json.loads(probe.body or b"")
    assert not Draft202012Validator(UPDATE_SCHEMA).is_valid(body)
    assert probe.field in UPDATE_SCHEMA["properties"]
    assert probe.defect.startswith("absent_credentials: ")
    assert " + invalid_bodies: " in probe.defect


def test_a_header_and_a_path_change_are_both_applied() -> None:
    strategy = combined_defects(
        CTX,
        ["updateProject"],
        defects=[
            {"strategy": "unsupported_media_types", "with": {"kinds": ["text-plain"]}},
            UNKNOWN_ID,
        ],
    )
    found = draw_one(strategy, at=1)
    assert found is not None
    (probe,) = found
    assert probe.header("Content-Type") == "text/plain"
    assert [k.lower() for k, _ in probe.headers] == ["content-type"]
    assert UUID.match(probe.path)
    assert PROJECT not in probe.path
    assert _valid_but_digits(probe.body)
    assert probe.credential.fixture == "api_key"
    # The coverage phase's example is the same for the same seed (but the fresh
    # number each draw takes, per process).
    again = draw_one(strategy, at=1)
    assert again is not None
    assert (again[0].path, again[0].defect) == (probe.path, probe.defect)


@pytest.mark.parametrize(
    ("defects", "message"),
    [
        (
            [{"strategy": "invalid_bodies"}, {"strategy": "malformed_bodies"}],
            r"defects\[0\] \(invalid_bodies\) and defects\[1\] \(malformed_bodies\) "
            "both change the body",
        ),
        (
            [{"strategy": "absent_credentials"}, READ_ONLY],
            r"defects\[0\] \(absent_credentials\) and defects\[1\] "
            r"\(fixture_credentials\) both change the credential",
        ),
        (
            [UNKNOWN_ID, {"strategy": "robustness_probes"}],
            "both change the path",
        ),
    ],
)
def test_two_defects_of_one_part_are_refused(
    defects: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(BadArgument, match=message):
        combined_defects(CTX, ["updateProject"], defects=defects)


@pytest.mark.parametrize(
    ("defects", "message"),
    [
        ([READ_ONLY], "must be a list of at least two"),
        (
            [READ_ONLY, {"strategy": "unknown_resource"}],
            r"defects\[1\]: unknown strategy 'unknown_resource' \(did you mean "
            "'unknown_resources'\\?\\)",
        ),
        (
            [READ_ONLY, {"strategy": "ignored_inputs"}],
            r"defects\[1\]: ignored_inputs does not combine: it sends the valid "
            "request first",
        ),
        (
            [READ_ONLY, {"strategy": "unknown_resources", "with": {"foreign": "x"}}],
            "with foreign= it sends two probes",
        ),
        (
            [READ_ONLY, {"strategy": "combined_defects"}],
            "combined_defects does not combine: it is this family",
        ),
    ],
)
def test_what_cannot_combine_is_refused(
    defects: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(BadArgument, match=message):
        combined_defects(CTX, ["updateProject"], defects=defects)


@pytest.mark.parametrize(
    "entry",
    [
        {"strategy": "fixture_credentials", "with": {"fixture": "api_key"}},
        {"strategy": "fixture_credentials", "with": {"fixtur": "x"}},
        {"strategy": "unknown_resources", "with": {"field": "idd"}},
    ],
)
def test_a_defect_is_refused_in_the_familys_own_words(entry: dict[str, Any]) -> None:
    with pytest.raises(BadArgument) as alone:
        FAMILIES[entry["strategy"]](CTX, ["updateProject"], **entry.get("with", {}))
    with pytest.raises(BadArgument) as combined:
        combined_defects(CTX, ["updateProject"], defects=[UNKNOWN_ID, entry])
    assert str(combined.value) == f"combined_defects: defects[1]: {alone.value}"


def test_only_operations_every_family_probes() -> None:
    """A read-only run leaves the key's writes out: only the read is combined."""
    strategy = combined_defects(
        CTX,
        ["getProject", "updateProject"],
        allow_writes=False,
        defects=[READ_ONLY, UNKNOWN_ID],
    )
    found = draw_one(strategy, at=2)
    assert found is not None
    assert found[0].operation == "getProject"
    with pytest.raises(NothingToProbe, match="read-only"):
        combined_defects(
            CTX, ["updateProject"], allow_writes=False, defects=[READ_ONLY, UNKNOWN_ID]
        )
