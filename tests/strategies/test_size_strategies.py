"""oversized_bodies: the valid body grown just past the operation's size limit, through
a field with maxLength, an array with maxItems or a member nothing bounds, and
nothing else broken."""

from __future__ import annotations

import copy
import json
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
    SIZE_KINDS,
    BadArgument,
    NothingToProbe,
    oversized_bodies,
)
from errcontract.strategies._internal.sizes import (
    DEFAULT_LIMIT,
    EXTENSION,
    LIMIT_RANGE,
    MARGIN,
    PADDING,
)

SETTINGS = settings(max_examples=15, deadline=None, database=None)
CREATE = ["createProject"]
ALLOWED = {"over-max-length": {"maxLength"}, "over-max-items": {"maxItems"}}
"""The one keyword each kind may break besides the size (none for over-limit)."""


def _document(*, root: int | None = None, op: int | None = None) -> dict[str, Any]:
    """The Projects document with a create example, its own limit removed or set."""
    document: dict[str, Any] = copy.deepcopy(load_document(problem.OPENAPI))
    post = document["paths"]["/projects"]["post"]
    post.pop(EXTENSION, None)
    post["x-conformance-writes"] = True
    if op is not None:
        post[EXTENSION] = op
    if root is not None:
        document[EXTENSION] = root
    media = post["requestBody"]["content"]["application/json"]
    media["example"] = {"name": "probe-${unique_digits}"}
    return document


def _ctx(document: dict[str, Any]) -> ProbeContext:
    return ProbeContext(
        operations=parse_operations(document),
        credential="api_key",
        secret_fixtures=frozenset({"api_key"}),
    )


def _broken_keywords(ctx: ProbeContext, body: bytes) -> set[str]:
    schema = ctx.operation("createProject").body_schema or {}
    errors = Draft202012Validator(schema).iter_errors(json.loads(body))
    return {str(e.validator) for e in errors}


def test_the_embedded_document_states_the_server_s_limit() -> None:
    post = load_document(problem.OPENAPI)["paths"]["/projects"]["post"]
    from errcontract.reference.problem._contract import BODY_LIMIT

    assert post[EXTENSION] == BODY_LIMIT


@SETTINGS
@given(data=st.data())
@pytest.mark.parametrize("kind", SIZE_KINDS)
def test_each_kind_is_valid_json_just_past_the_limit_breaking_only_its_keyword(
    kind: str, data: st.DataObject
) -> None:
    ctx = _ctx(_document(op=4096))
    (probe,) = data.draw(oversized_bodies(ctx, CREATE, kinds=[kind]))
    assert probe.body is not None
    assert 4096 + MARGIN <= len(probe.body) <= 4096 + MARGIN + 16
    assert _broken_keywords(ctx, probe.body) <= ALLOWED.get(kind, set())
    assert probe.defect.startswith(f"{kind}: ")
    assert probe.defect_kind == "size"
    assert probe.writes  # a create: read-only runs leave it out
    valid = ctx.valid_probe("createProject")
    same = ("method", "path", "query", "headers", "credential")
    assert [getattr(probe, a) for a in same] == [getattr(valid, a) for a in same]
    grown = json.loads(probe.body)
    if kind == "over-limit":
        assert PADDING in grown
    if kind == "over-max-items":
        assert len(grown["tags"]) > 10


@pytest.mark.parametrize(
    ("root", "op", "param", "expected"),
    [
        (None, None, None, DEFAULT_LIMIT),
        (None, None, 2048, 2048),
        (8192, None, 2048, 8192),
        (8192, 3000, 2048, 3000),
    ],
)
def test_the_limit_is_the_operation_s_then_the_document_s_then_the_parameter(
    root: int | None, op: int | None, param: int | None, expected: int
) -> None:
    ctx = _ctx(_document(root=root, op=op))
    family = oversized_bodies(ctx, CREATE, kinds=["over-limit"], limit=param)
    scenario = draw_one(family, 0)
    assert scenario is not None
    body = scenario[0].body or b""
    assert len(body) == expected + MARGIN
    assert f"above the limit of {expected:,}" in scenario[0].defect


@pytest.mark.parametrize("bad", [0, LIMIT_RANGE[1] + 1, "1MB", True, 1.5])
def test_a_limit_outside_the_bounds_is_refused(bad: object) -> None:
    with pytest.raises(BadArgument, match="whole number of bytes"):
        oversized_bodies(_ctx(_document()), CREATE, limit=bad)  # type: ignore[arg-type]
    with pytest.raises(BadArgument, match=EXTENSION):
        oversized_bodies(_ctx(_document(op=bad)), CREATE)  # type: ignore[arg-type]


def test_read_only_runs_send_no_oversized_create() -> None:
    with pytest.raises(NothingToProbe, match="read-only"):
        oversized_bodies(_ctx(_document()), CREATE, allow_writes=False)


def test_a_closed_schema_pads_a_string_nothing_bounds_or_leaves_the_kind_out() -> None:
    document = _document(op=2048)
    schema = document["components"]["schemas"]["ProjectCreate"]
    schema["additionalProperties"] = False
    # No member without a bound: over-limit does not apply.
    with pytest.raises(NothingToProbe):
        oversized_bodies(_ctx(document), CREATE, kinds=["over-limit"])
    schema["properties"]["note"] = {"type": "string"}
    ctx = _ctx(document)
    scenario = draw_one(oversized_bodies(ctx, CREATE, kinds=["over-limit"]), 0)
    assert scenario is not None
    body = scenario[0].body or b""
    assert set(json.loads(body)) == {"name", "note"}
    assert not _broken_keywords(ctx, body)


def test_the_default_limit_sends_a_bounded_mebibyte() -> None:
    ctx = _ctx(_document())
    for kind in SIZE_KINDS:
        scenario = draw_one(oversized_bodies(ctx, CREATE, kinds=[kind]), 1)
        assert scenario is not None
        size = len(scenario[0].body or b"")
        assert DEFAULT_LIMIT < size <= DEFAULT_LIMIT + MARGIN + 16, (kind, size)


def test_an_operation_without_a_body_is_a_bad_argument() -> None:
    with pytest.raises(BadArgument, match="no JSON body"):
        oversized_bodies(_ctx(_document()), ["listProjects"])
