"""unacceptable_accepts: the valid request with an Accept naming a media type the
document declares for no response, and nothing else changed."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errcontract._contract.document import load_document
from errcontract._contract.surface import ProbeContext, parse_operations
from errcontract.reference import problem
from errcontract.strategies import NothingToProbe, unacceptable_accepts
from errcontract.strategies._internal.negotiation import UNAVAILABLE, unavailable_type

SETTINGS = settings(max_examples=20, deadline=None, database=None)
PROJECT = str(uuid.UUID(int=0x9A))


def _document() -> dict[str, Any]:
    document: dict[str, Any] = copy.deepcopy(load_document(problem.OPENAPI))
    media = document["paths"]["/projects"]["post"]["requestBody"]["content"]
    media["application/json"]["example"] = {"name": "probe-${unique_digits}"}
    return document


def _ctx(document: dict[str, Any]) -> ProbeContext:
    return ProbeContext(
        operations=parse_operations(document),
        credential="api_key",
        values={"projectId": PROJECT},
        secret_fixtures=frozenset({"api_key"}),
    )


@SETTINGS
@given(data=st.data())
def test_only_accept_changes_in_the_valid_request(data: st.DataObject) -> None:
    ctx = _ctx(_document())
    ops = ["listProjects", "createProject", "getProject"]
    usual, probe = data.draw(unacceptable_accepts(ctx, ops))
    assert usual.role == "setup"
    assert usual.header("Accept") is None
    assert (usual.operation, usual.path) == (probe.operation, probe.path)
    if probe.body is not None:  # each create names its own project
        assert usual.body != probe.body
    assert probe.header("Accept") == "image/png"
    assert [k.lower() for k, _ in probe.headers].count("accept") == 1
    assert probe.defect_kind == "accept"
    valid = ctx.valid_probe(probe.operation)
    same = ("operation", "method", "path", "query", "credential", "writes", "role")
    assert [getattr(probe, a) for a in same] == [getattr(valid, a) for a in same]
    rest = [h for h in probe.headers if h[0].lower() != "accept"]
    assert rest == list(valid.headers)
    assert (probe.body is None) == (valid.body is None)


def test_a_type_the_document_declares_is_never_sent() -> None:
    document = _document()
    assert unavailable_type(document) == UNAVAILABLE[0]
    ok = document["paths"]["/projects"]["get"]["responses"]["200"]["content"]
    ok["image/png"] = {"schema": {"type": "string"}}
    assert unavailable_type(document) == UNAVAILABLE[1]
    ok["application/*"] = {"schema": {"type": "string"}}
    assert unavailable_type(document) == UNAVAILABLE[2]
    ok["*/*"] = {"schema": {"type": "string"}}
    assert unavailable_type(document) is None
    with pytest.raises(NothingToProbe, match="declares every media type"):
        unacceptable_accepts(_ctx(document), ["listProjects"])


def test_read_only_runs_leave_the_create_out() -> None:
    document = _document()
    document["paths"]["/projects"]["post"]["x-conformance-writes"] = True
    ctx = _ctx(document)
    with pytest.raises(NothingToProbe, match="read-only"):
        unacceptable_accepts(ctx, ["createProject"], allow_writes=False)
    unacceptable_accepts(ctx, ["listProjects"], allow_writes=False)
