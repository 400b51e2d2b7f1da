"""unserved_methods, unknown_routes and head_and_options: the valid request with one
thing changed, the method its path does not serve, a path no path of the document
matches, or HEAD or OPTIONS."""

from __future__ import annotations

import copy
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errcontract._contract.document import load_document
from errcontract._contract.surface import (
    ProbeContext,
    parse_operations,
    route_of,
    served_methods,
)
from errcontract._engine.examples import draw_one
from errcontract.reference import problem
from errcontract.strategies import (
    METHOD_PROBES,
    NothingToProbe,
    head_and_options,
    unknown_routes,
    unserved_methods,
)
from errcontract.strategies._internal.routes import (
    NOT_PROBED,
    UNSERVED_METHODS,
    WRITES,
    schemathesis_methods,
)

SETTINGS = settings(max_examples=40, deadline=None, database=None)
DOCUMENT = load_document(problem.OPENAPI)
PROJECT = str(uuid.UUID(int=0x9A))
OPS = ["listProjects", "getProject"]


def _ctx(document: dict[str, object] = DOCUMENT) -> ProbeContext:
    return ProbeContext(
        operations=parse_operations(document),
        credential="api_key",
        values={"projectId": PROJECT},
        secret_fixtures=frozenset({"api_key"}),
    )


def test_the_methods_are_schemathesis_unexpected_ones_less_those_not_probed():
    """A Schemathesis upgrade that changes its list fails here, not silently."""
    assert set(UNSERVED_METHODS) == schemathesis_methods() - NOT_PROBED
    assert not NOT_PROBED - schemathesis_methods(), "only its own are left out"


@SETTINGS
@given(data=st.data())
def test_an_unserved_method_keeps_the_rest_of_the_valid_request(data):
    ctx = _ctx()
    (probe,) = data.draw(unserved_methods(ctx, OPS))
    template = probe.operation.partition(" ")[2]
    valid = ctx.valid_probe(next(o for o in OPS if ctx.operation(o).path == template))
    assert probe.method == probe.operation.partition(" ")[0]
    assert probe.method not in served_methods(DOCUMENT, template)
    assert probe.method in UNSERVED_METHODS
    assert (probe.path, probe.credential) == (valid.path, valid.credential)
    assert probe.body is None
    assert probe.header("Content-Type") is None
    assert probe.defect_kind == "method"
    assert probe.writes == (probe.method in WRITES)
    assert route_of(DOCUMENT, probe.path) == template


def test_every_unserved_method_of_a_path_is_a_kind_of_its_own():
    ctx = _ctx()
    for method in ("DELETE", "PATCH", "PUT"):
        strategy = unserved_methods(ctx, ["listProjects"], kinds=[method])
        (probe,) = draw_one(strategy, at=1) or ()
        assert (probe.method, probe.path) == (method, "/projects")
    with pytest.raises(NothingToProbe, match="/projects serves GET, POST"):
        unserved_methods(ctx, ["listProjects"], kinds=["POST"])


def test_a_read_only_run_sends_no_unserved_write():
    """Every path of the Projects API serves GET: nothing is left to send."""
    with pytest.raises(NothingToProbe, match="read-only"):
        unserved_methods(_ctx(), OPS, allow_writes=False)


@SETTINGS
@given(data=st.data())
def test_an_unknown_route_matches_no_path_of_the_document(data):
    ctx = _ctx()
    (probe,) = data.draw(unknown_routes(ctx, OPS))
    assert route_of(DOCUMENT, probe.path) is None
    assert (probe.method, probe.body, probe.query) == ("GET", None, ())
    assert probe.credential == ctx.valid_probe("listProjects").credential
    assert (probe.defect_kind, probe.writes) == ("route", False)
    head, _, word = probe.path.rpartition("/")
    assert word.isalpha()
    assert word.islower()
    assert len(word) >= 10
    assert head in ("", f"/projects/{PROJECT}")
    assert probe.defect.startswith("unknown-path" if head == "" else "extra-segment")


def test_a_document_that_routes_every_segment_has_no_unknown_path():
    document = copy.deepcopy(DOCUMENT)
    document["paths"]["/{slug}"] = {
        "get": {**document["paths"]["/projects"]["get"], "operationId": "bySlug"}
    }
    ctx = _ctx(document)
    with pytest.raises(NothingToProbe, match="apply to none of listProjects"):
        unknown_routes(ctx, ["listProjects"], kinds=["unknown-path"])
    (probe,) = draw_one(unknown_routes(ctx, ["getProject"]), at=1) or ()
    assert probe.path.startswith(f"/projects/{PROJECT}/")


def test_route_of_prefers_a_literal_path_over_a_template():
    document = {
        "paths": {"/projects/{id}": {}, "/projects/mine": {}, "/a/{b}.json": {}}
    }
    assert route_of(document, "/projects/mine") == "/projects/mine"
    assert route_of(document, "/projects/7") == "/projects/{id}"
    assert route_of(document, "/a/x.json") == "/a/{b}.json"
    assert route_of(document, "/a/x.yaml") is None
    assert route_of(document, "/projects/7/more") is None
    assert route_of(document, "/projects/") is None


@SETTINGS
@given(data=st.data())
def test_head_follows_the_valid_get_and_options_is_the_valid_request(data):
    ctx = _ctx()
    scenario = data.draw(head_and_options(ctx, OPS))
    probe = scenario[-1]
    method, _, template = probe.operation.partition(" ")
    valid = ctx.valid_probe(next(o for o in OPS if ctx.operation(o).path == template))
    assert probe.method == method
    assert (probe.path, probe.query, probe.credential) == (
        valid.path,
        valid.query,
        valid.credential,
    )
    assert (probe.body, probe.writes, probe.role) == (None, False, "probe")
    assert probe.defect_kind == method.lower()
    assert probe.defect.startswith(f"{method.lower()}: ")
    assert not probe.defective
    if method == "HEAD":
        (get,) = scenario[:-1]
        assert (get.method, get.path, get.role) == ("GET", valid.path, "setup")
        assert get.credential == valid.credential
    else:
        assert len(scenario) == 1


def test_each_kind_is_sent_where_it_applies():
    """HEAD where the document declares GET (from the GET's valid request); OPTIONS
    on any operation, a write's path included."""
    ctx = _ctx()
    assert METHOD_PROBES == ("head", "options")
    for op_id in OPS:
        for kind in METHOD_PROBES:
            strategy = head_and_options(ctx, [op_id], kinds=[kind])
            scenario = draw_one(strategy, at=1) or ()
            assert scenario[-1].method == kind.upper()
    (probe,) = draw_one(head_and_options(ctx, ["createProject"]), at=1) or ()
    assert (probe.method, probe.path, probe.body) == ("OPTIONS", "/projects", None)
    assert probe.header("Content-Type") is None
    with pytest.raises(NothingToProbe, match="head is sent on a GET operation only"):
        head_and_options(ctx, ["createProject"], kinds=["head"])


def test_a_read_only_run_sends_head_and_options():
    """Both are safe methods (RFC 9110 section 9.2.1)."""
    ctx = _ctx()
    scenario = draw_one(head_and_options(ctx, OPS, allow_writes=False), at=3)
    assert scenario
    assert not any(p.writes for p in scenario)
