"""refused_writes: the document's GET on an item, a defective write to it (one of
another family's probes), and the same GET again, all sent fresh."""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errcontract._contract.document import load_document
from errcontract._contract.surface import ProbeContext, parse_operations
from errcontract._engine.examples import draw_one
from errcontract.reference import problem
from errcontract.strategies import (
    FAMILIES,
    REFUSAL_KINDS,
    BadArgument,
    NothingToProbe,
    refused_writes,
)

SETTINGS = settings(max_examples=30, deadline=None, database=None)
PROJECT = str(uuid.UUID(int=0x9A))
EXAMPLE = {"name": "probe-${unique_digits}", "priority": 4}


def _document(example: Any = EXAMPLE) -> dict[str, Any]:
    document = copy.deepcopy(load_document(problem.OPENAPI))
    patch = document["paths"]["/projects/{projectId}"]["patch"]
    patch["requestBody"]["content"]["application/json"]["example"] = example
    return document


def _ctx(document: dict[str, Any] | None = None) -> ProbeContext:
    return ProbeContext(
        operations=parse_operations(document or _document()),
        credential="api_key",
        values={"projectId": PROJECT},
        secret_fixtures=frozenset({"api_key"}),
    )


# Built outside the Hypothesis tests: invalid_bodies asks Schemathesis, which runs
# Hypothesis itself (a nested @given).
CTX = _ctx()
EVERY_KIND = refused_writes(CTX, ["updateProject"])
INVALID = refused_writes(CTX, ["updateProject"], kinds=["invalid-body"])


def test_the_family_is_registered_with_its_kinds() -> None:
    assert FAMILIES["refused_writes"].kinds == REFUSAL_KINDS


@SETTINGS
@given(data=st.data())
def test_a_write_between_two_fresh_reads_of_its_item(data: st.DataObject) -> None:
    before, write, after = data.draw(EVERY_KIND)
    read = CTX.valid_probe("getProject")
    assert before == replace(after, role="setup")
    assert after.role == "probe"  # setup probes come first
    assert (before.method, before.path, before.body) == ("GET", read.path, None)
    assert (before.role, before.fresh) == ("setup", True)
    assert (write.method, write.path, write.role) == ("PATCH", read.path, "probe")
    assert write.fresh
    assert write.defective
    assert write.defect.split(":")[0] in REFUSAL_KINDS


@pytest.mark.parametrize(
    ("kind", "label", "defect_kind"),
    [
        ("malformed-body", "application/json", "body"),
        ("media-type", "text/plain", "body"),
    ],
)
def test_the_write_is_the_other_familys_probe(
    kind: str, label: str, defect_kind: str
) -> None:
    found = draw_one(refused_writes(_ctx(), ["updateProject"], kinds=[kind]), at=1)
    assert found is not None
    write = found[1]
    assert write.header("Content-Type") == label
    assert write.defect_kind == defect_kind
    assert write.defect.startswith(f"{kind}: ")


@SETTINGS
@given(data=st.data())
def test_an_invalid_body_keeps_the_fresh_member_valid(data: st.DataObject) -> None:
    """A server writing the valid members first then shows a name never seen."""
    _, write, _ = data.draw(INVALID)
    body = json.loads(write.body or b"")
    assert write.field != "name"
    assert isinstance(body["name"], str)
    assert body["name"].startswith("probe-")


def test_a_body_with_only_the_fresh_member_breaks_it() -> None:
    ctx = _ctx(_document({"name": "probe-${unique_digits}"}))
    found = draw_one(refused_writes(ctx, ["updateProject"], kinds=["invalid-body"]), 1)
    assert found is not None


@pytest.mark.parametrize(
    ("op", "why"),
    [
        ("deleteProject", "without a JSON body"),
        ("getProject", "without a JSON body"),
        ("createProject", "no GET on /projects "),
    ],
)
def test_only_a_body_write_to_an_item_it_can_read(op: str, why: str) -> None:
    document = _document()
    del document["paths"]["/projects"]["get"]
    with pytest.raises(BadArgument, match=why):
        refused_writes(_ctx(document), [op])


def test_a_read_that_cannot_be_built_is_nothing_to_probe() -> None:
    ctx = ProbeContext(
        operations=parse_operations(_document()),
        credential="api_key",
        secret_fixtures=frozenset({"api_key"}),
    )
    with pytest.raises(NothingToProbe, match="projectId"):
        refused_writes(ctx, ["updateProject"])
