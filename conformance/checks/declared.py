"""The error contract the OpenAPI document declares: each answer's body against the
schema its operation declares for its status, every error against the shape most of
them share, and the statuses an operation declares at all.

Schemathesis validates a body only where the document declares one for that status
and operation; these checks also judge what no operation declares (a framework's
default, an unknown route, a 405, a gateway's answer) against the shared shape. The
document is the profile's own (``openapi.yaml``), self-contained by the suite's one
resolver, and read through ``errcontract._contract.declared``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from errcontract._contract.declared import answer_schema, is_operation, reach
from errcontract._http.exchange import Exchange
from errcontract._input.refs import BUNDLE, LOCAL
from errcontract.checks._registry import REGISTRY, CheckContext, Inapplicable
from errcontract.checks.body import _json_or_fail, first_error


class _Document:
    """A document's schemas as one 2020-12 resource (an OpenAPI 3.0 document's
    converted as Schemathesis converts them: ``nullable``, boolean exclusive
    bounds), validators built once per schema."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        contents: Any = document
        if str(document.get("openapi", "")).startswith("3.0"):
            contents = _converted(document)
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(LOCAL, resource)
        self._validators: dict[str, Any] = {}

    def validator(self, pointer: str) -> Any:
        if pointer not in self._validators:
            self._validators[pointer] = jsonschema.Draft202012Validator(
                {"$ref": f"{LOCAL}{pointer}"},
                registry=self.registry,
                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
            )
        return self._validators[pointer]


def _converted(document: Mapping[str, Any]) -> Any:
    """An OpenAPI 3.0 document's schemas as JSON Schema, converted as Schemathesis
    converts a response schema (``nullable``, boolean exclusive bounds): each one
    under a ``schema`` member, in ``components/schemas`` and in the bundle."""
    from schemathesis.specs.openapi.converter import to_json_schema

    def convert(schema: Any) -> Any:
        if not isinstance(schema, Mapping):
            return schema
        return to_json_schema(
            dict(schema),
            nullable_keyword="nullable",
            is_response_schema=True,
            upgrade_legacy_exclusive_bounds=True,
        )

    def walk(node: Any, key: str = "") -> Any:
        if isinstance(node, list):
            return [walk(v) for v in node]
        if not isinstance(node, Mapping):
            return node
        if key == "schema":
            return convert(node)
        if key in ("schemas", BUNDLE):
            return {k: convert(v) for k, v in node.items()}
        return {k: walk(v, str(k)) for k, v in node.items()}

    return walk(document)


@cache
def _document(profile: Any) -> _Document:
    return _Document(profile.openapi)


def _request_path(exchange: Exchange) -> str:
    return urlsplit(exchange.probe.path).path


@REGISTRY.register(
    "declared_body",
    "exchange",
    params={
        "schema": {
            "type": "string",
            "pattern": "^#/",
            "description": "a schema of the profile's OpenAPI document, as a local "
            "JSON Pointer (`#/components/schemas/Error`): every response in scope "
            "is judged against it, except one whose operation declares for its "
            "status a schema that neither is nor builds on it (`$ref`, `allOf`): "
            "that one is the declared schema's. Without it, each response is "
            "judged against the schema its own operation declares for its status "
            "(the code, its `4XX` family, `default`), and one with none declared "
            "is not judged",
        },
    },
    content=True,
)
def declared_body(ctx: CheckContext, exchange: Exchange) -> Inapplicable | None:
    """The body matches the schema the OpenAPI document declares: the one the
    request's operation (its path matched to the document's, its method) declares
    for the status, in the response's media type where the document declares
    several; or, with ``schema``, that one schema, the shape most error responses
    share, on every response in scope, declared or not. References resolve inside
    the profile's document (the suite's one resolver made it self-contained)."""
    response = exchange.response
    assert response is not None
    document = ctx.profile.openapi
    status = response.status
    declared = answer_schema(
        document,
        exchange.probe.method,
        _request_path(exchange),
        status,
        response.header("content-type"),
    )
    own = declared[1] if declared else None
    pointer = ctx.params.get("schema")
    if pointer is None:
        if own is None:
            return Inapplicable(f"the operation declares no schema for {status}")
        pointer = own
    elif own is not None and pointer not in reach(document, own):
        return Inapplicable(
            f"the operation declares its own schema for {status} ({own}), "
            "judged as declared"
        )
    body = _json_or_fail(ctx, exchange)
    complaint = first_error(_document(ctx.profile).validator(pointer), body)
    if complaint:
        raise ctx.violation(
            "error body does not match the schema the document declares",
            expected=f"a body matching {pointer}",
            actual=f"{status}: {complaint}",
            exchanges=(exchange,),
        )
    return None


@REGISTRY.register(
    "declared_status",
    "exchange",
    params={
        "except_kinds": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "description": "probes of these defect kinds (a probe's "
            "`defect_kind`: `accept`, `size`, `body-on-get`, ...) are not "
            "judged: a request "
            "the operation's declaration does not describe (content on a GET, an "
            "`Accept` it declares for no response, a body over its size) may get "
            "the answer RFC 9110 gives it whether the document lists it or not",
        },
    },
)
def declared_status(ctx: CheckContext, exchange: Exchange) -> Inapplicable | None:
    """The status is one the request's operation declares: the code itself, its
    family (``4XX``) or ``default`` (OpenAPI 3.x, Responses Object). A request to
    a path or method the document has no operation for (an unknown route, a 405,
    HEAD) is not judged: it reached no operation whose list could hold it; nor is
    a probe of a kind ``except_kinds`` names."""
    response = exchange.response
    assert response is not None
    kind = exchange.probe.defect_kind
    if kind and kind in ctx.params.get("except_kinds", ()):
        return Inapplicable(f"a {kind} probe, outside what the operation declares")
    document = ctx.profile.openapi
    path = _request_path(exchange)
    method = exchange.probe.method
    if not is_operation(document, method, path):
        return Inapplicable(f"{method} {path} is no operation of the document")
    if answer_schema(document, method, path, response.status) is None:
        raise ctx.violation(
            f"{response.status} is not declared for the operation",
            expected="a status the operation declares (a code, its family or default)",
            actual=f"{response.status} to {method} {path}",
            exchanges=(exchange,),
        )
    return None
