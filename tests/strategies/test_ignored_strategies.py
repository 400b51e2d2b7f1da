"""ignored_inputs: the valid request, then the same with one input a server must
ignore, and nothing else changed; each kind only where it is the server's to
ignore."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errcontract._contract.document import load_document
from errcontract._contract.surface import ProbeContext, parse_operations
from errcontract.reference import problem
from errcontract.strategies import BadArgument, NothingToProbe, ignored_inputs
from errcontract.strategies._internal.ignored import (
    IGNORED_CONTENT,
    UNKNOWN_NAME,
    closed,
    plausible,
)

SETTINGS = settings(max_examples=30, deadline=None, database=None)
PROJECT = str(uuid.UUID(int=0x9A))
OPS = ["listProjects", "createProject", "getProject", "deleteProject"]
SAME = ("operation", "method", "credential", "writes")


def _document() -> dict[str, Any]:
    document: dict[str, Any] = copy.deepcopy(load_document(problem.OPENAPI))
    media = document["paths"]["/projects"]["post"]["requestBody"]["content"]
    media["application/json"]["example"] = {"name": "probe-${unique_digits}"}
    document["paths"]["/projects"]["post"]["x-conformance-writes"] = True
    document["paths"]["/projects/{projectId}"]["delete"]["x-conformance-writes"] = True
    return document


def _ctx(document: dict[str, Any] | None = None) -> ProbeContext:
    return ProbeContext(
        operations=parse_operations(document or _document()),
        credential="api_key",
        values={"projectId": PROJECT},
        secret_fixtures=frozenset({"api_key"}),
    )


def _body(probe: Any) -> Any:
    return None if probe.body is None else json.loads(probe.body)


@SETTINGS
@given(data=st.data())
def test_the_probe_is_the_valid_request_plus_one_input(data: st.DataObject) -> None:
    ctx = _ctx()
    usual, probe = data.draw(ignored_inputs(ctx, OPS, header="Request-Id", kinds=None))
    assert usual.role == "setup"
    assert probe.role == "probe"
    assert [getattr(usual, a) for a in SAME] == [getattr(probe, a) for a in SAME]
    assert probe.defect.startswith(probe.defect_kind + ": ")
    kind = probe.defect_kind
    if kind == "unknown-query":
        assert probe.query == (*usual.query, (UNKNOWN_NAME, "1"))
        assert probe.operation != "deleteProject"
    elif kind == "unknown-member":
        body = _body(probe)
        assert body.pop(UNKNOWN_NAME) == "1"
        assert set(body) == set(_body(usual))
    elif kind == "read-only-member":
        assert probe.field == "id"
        assert _body(probe)["id"].startswith("00000000-0000-4000-8000-")
        assert "id" not in _body(usual)
    elif kind in ("body-on-get", "body-on-delete"):
        assert usual.body is None
        assert _body(probe) == IGNORED_CONTENT
        assert probe.header("Content-Type") == "application/json"
        assert probe.method == kind.rpartition("-")[2].upper()
    else:
        pytest.fail(f"kind {kind!r} was not asked for")
    if kind == "body-on-delete":
        # An id that names nothing: the valid DELETE would remove the run's project.
        assert usual.path == probe.path != f"/projects/{PROJECT}"
    else:
        assert usual.path == probe.path
        assert probe.header("Request-Id") is None


@SETTINGS
@given(data=st.data())
def test_the_client_request_id_is_opt_in_and_recognisable(data: st.DataObject) -> None:
    strategy = ignored_inputs(
        _ctx(), OPS, kinds=["client-request-id"], header="Request-Id"
    )
    usual, probe = data.draw(strategy)
    assert probe.defect_kind == "client-request-id"
    assert usual.header("Request-Id") is None
    assert probe.header("Request-Id").startswith("errcontract-client-")
    assert probe.operation != "deleteProject"
    with pytest.raises(BadArgument, match="needs header="):
        ignored_inputs(_ctx(), OPS, kinds=["client-request-id"])


def test_a_closed_schema_gets_no_unknown_member() -> None:
    document = _document()
    schemas = document["components"]["schemas"]
    assert not closed(schemas["ProjectCreate"])
    schemas["ProjectCreate"]["additionalProperties"] = False
    assert closed(schemas["ProjectCreate"])
    with pytest.raises(NothingToProbe, match="no case applies"):
        ignored_inputs(_ctx(document), ["createProject"], kinds=["unknown-member"])
    ignored_inputs(_ctx(document), ["createProject"], kinds=["unknown-query"])


def test_a_post_without_fresh_digits_is_not_asked_twice() -> None:
    document = _document()
    media = document["paths"]["/projects"]["post"]["requestBody"]["content"]
    media["application/json"]["example"] = {"name": "always the same"}
    with pytest.raises(NothingToProbe, match="no case applies"):
        ignored_inputs(_ctx(document), ["createProject"])


def test_read_only_runs_leave_the_creates_out_but_not_the_unknown_delete() -> None:
    ctx = _ctx()
    with pytest.raises(NothingToProbe, match="read-only"):
        ignored_inputs(ctx, ["createProject"], allow_writes=False)
    ignored_inputs(ctx, ["listProjects"], allow_writes=False)

    @SETTINGS
    @given(ignored_inputs(ctx, ["deleteProject"], allow_writes=False))
    def check(scenario: Any) -> None:
        assert [p.writes for p in scenario] == [False, False]
        assert scenario[-1].defect_kind == "body-on-delete"

    check()


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"type": "string", "format": "uuid"}, "00000000-0000-4000-8000-000000000042"),
        ({"type": "string", "format": "date-time"}, "2001-02-03T04:05:06Z"),
        ({"type": "integer"}, 900_000_042),
        ({"type": "integer", "maximum": 10}, None),  # nothing plausible fits
        ({"type": "string", "enum": ["a", "b"]}, None),  # may be the server's own
        ({"type": "boolean"}, None),
    ],
)
def test_a_read_only_value_is_one_no_server_chooses(
    schema: dict[str, Any], value: Any
) -> None:
    assert plausible(schema, 42) == value


def test_invalid_bodies_never_break_a_read_only_member() -> None:
    """A server may ignore a readOnly member whatever its value (IGNORE-1 probes
    it), so no value of one is a VAL-1 defect: the suite built `["a"]` for `id` and
    the conforming Projects API rightly answered 201."""
    from errcontract.strategies._internal import invalid, lenient

    op = _ctx().operation("createProject")
    assert "id" in (op.body_schema or {})["properties"]
    schema = invalid._schema(op)
    assert "id" not in schema["properties"]
    assert set(schema["properties"]) == {
        "name",
        "priority",
        "visibility",
        "tags",
        "archived",
    }
    built = lenient.built(op.id, schema, {"name": "n"}, [], lenient.LENIENT)
    assert built
    assert "id" not in {d.field for d in built}
