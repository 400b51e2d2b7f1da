"""The JSON:API kinds: `jsonapi-parameter` of unsupported_media_types (the valid
JSON:API body labelled application/vnd.api+json with a parameter JSON:API does not
define) and of unacceptable_accepts (an Accept whose only JSON:API media type
carries one); and the `+json` request bodies a JSON:API document declares."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errcontract._contract.document import load_document
from errcontract._contract.surface import (
    ProbeContext,
    json_media_type,
    parse_operations,
)
from errcontract.reference import jsonapi, problem
from errcontract.reference.jsonapi._contract import SEEDED
from errcontract.strategies import (
    FAMILIES,
    NothingToProbe,
    malformed_bodies,
    unacceptable_accepts,
    unsupported_media_types,
)
from errcontract.strategies._internal.bodies import FOREIGN_PARAMETERS

SETTINGS = settings(max_examples=20, deadline=None, database=None)
WRITES = ["createArticle", "updateArticle"]
ALL = ["listArticles", "createArticle", "getArticle", "updateArticle"]


def _ctx(document: dict[str, Any]) -> ProbeContext:
    return ProbeContext(
        operations=parse_operations(document),
        credential="api_key",
        values={"articleId": SEEDED, "projectId": SEEDED},
        secret_fixtures=frozenset({"api_key"}),
    )


@pytest.fixture(scope="module")
def articles() -> ProbeContext:
    return _ctx(load_document(jsonapi.OPENAPI))


@pytest.fixture(scope="module")
def projects() -> ProbeContext:
    document = load_document(problem.OPENAPI)
    media = document["paths"]["/projects"]["post"]["requestBody"]["content"]
    media["application/json"]["example"] = {"name": "probe-${unique_digits}"}
    return _ctx(document)


def test_a_plus_json_request_body_is_a_json_body(projects: ProbeContext) -> None:
    # A document whose successes are application/json: the client's own Accept.
    assert projects.valid_probe("createProject").header("Accept") is None
    assert json_media_type({"application/vnd.api+json": {}}) == (
        "application/vnd.api+json"
    )
    both = {"application/merge-patch+json": {}, "application/json; charset=utf-8": {}}
    assert json_media_type(both) == "application/json"
    assert json_media_type({"text/plain": {}, "application/xml": {}}) is None


def test_the_valid_request_and_malformed_bodies_keep_the_declared_label(
    articles: ProbeContext,
) -> None:
    valid = articles.valid_probe("updateArticle", unique=7)
    assert valid.header("Content-Type") == "application/vnd.api+json"
    # Its successes are declared in the JSON:API media type only: asked for it.
    assert valid.header("Accept") == "application/vnd.api+json"
    assert json.loads(valid.body or b"")["data"]["id"] == SEEDED

    @SETTINGS
    @given(malformed_bodies(articles, WRITES))
    def check(scenario: Any) -> None:
        (probe,) = scenario
        assert probe.header("Content-Type") == "application/vnd.api+json"

    check()


@SETTINGS
@given(data=st.data())
def test_unsupported_media_types_sends_a_foreign_jsonapi_parameter(
    data: st.DataObject, articles: ProbeContext
) -> None:
    (probe,) = data.draw(
        unsupported_media_types(articles, WRITES, kinds=["jsonapi-parameter"])
    )
    media, _, parameter = probe.header("Content-Type").partition("; ")
    assert media == "application/vnd.api+json"
    assert parameter in FOREIGN_PARAMETERS
    assert parameter.split("=")[0] not in ("ext", "profile")
    valid = articles.valid_probe(probe.operation)
    assert json.loads(probe.body or b"").keys() == json.loads(valid.body or b"").keys()
    assert (probe.defect_kind, probe.writes) == ("body", False)
    assert probe.defect.startswith("jsonapi-parameter: ")


def test_the_jsonapi_kinds_are_opt_in_and_apply_to_jsonapi_documents_only(
    articles: ProbeContext, projects: ProbeContext
) -> None:
    assert "jsonapi-parameter" in FAMILIES["unsupported_media_types"].opt_in
    assert "jsonapi-parameter" in FAMILIES["unacceptable_accepts"].opt_in

    @SETTINGS
    @given(
        unsupported_media_types(articles, WRITES), unacceptable_accepts(articles, ALL)
    )
    def default_kinds(media: Any, accept: Any) -> None:
        assert "vnd.api" not in media[0].header("Content-Type")
        assert "vnd.api" not in accept[1].header("Accept")

    default_kinds()
    with pytest.raises(NothingToProbe, match="jsonapi-parameter"):
        unsupported_media_types(
            projects, ["createProject"], kinds=["jsonapi-parameter"]
        )
    with pytest.raises(NothingToProbe, match="jsonapi-parameter"):
        unacceptable_accepts(projects, ["listProjects"], kinds=["jsonapi-parameter"])


@SETTINGS
@given(data=st.data())
def test_unacceptable_accepts_names_jsonapi_only_with_a_foreign_parameter(
    data: st.DataObject, articles: ProbeContext
) -> None:
    usual, probe = data.draw(
        unacceptable_accepts(articles, ALL, kinds=["jsonapi-parameter"])
    )
    assert usual.role == "setup"
    assert usual.header("Accept") == "application/vnd.api+json"  # its successes
    media, _, parameter = probe.header("Accept").partition("; ")
    assert media == "application/vnd.api+json"
    assert parameter in FOREIGN_PARAMETERS
    assert "," not in probe.header("Accept")  # the only instance: all are modified
    assert probe.defect_kind == "accept"
    valid = articles.valid_probe(probe.operation)
    rest = [h for h in probe.headers if h[0].lower() != "accept"]
    assert rest == [h for h in valid.headers if h[0].lower() != "accept"]
