"""A generated API of N operations, for the scale benchmark: its profile and its app.

``write_profile(directory, n)`` writes a profile directory in the public profile format
only (``profile.yaml`` without ``reference_app``, ``clauses.yaml``, ``openapi.yaml``
3.1, error-shape JSON Schemas and the leak patterns), in Cardda's style: an
``Authorization: Bearer <key>`` credential, ``{error, message}`` error bodies, 422
``{errors: {field: [...]}}`` and ``X-Request-Id`` on every response.

``create_app(n, api_key=...)`` is a small Starlette app that keeps that contract for
the same N operations. Operation ``i`` belongs to resource ``i // 2``: even ones are
``POST /r{k}`` (``createR{k}``, a JSON body), odd ones ``GET /r{k}/{id}``
(``getR{k}``). The profile's setup creates one thing per resource and picks its id,
so every get has a valid id to start from.
"""

from __future__ import annotations

import hmac
import json
import math
import shutil
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from errcontract._contract.profile import schemas_root

API = "genapi"
PREFIX = "GN"
REQUEST_ID = "X-Request-Id"

BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "code", "kind"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "code": {"type": "string", "pattern": "^[0-9]+$"},
        "kind": {"type": "string", "enum": ["alpha", "beta", "gamma"]},
        "count": {"type": "integer", "minimum": 1},
        "note": {"type": ["string", "null"]},
    },
    "additionalProperties": True,
    "$comment": "name, code and kind required; count and note optional (note null).",
}
BODY_EXAMPLE: dict[str, Any] = {
    "name": "conformance probe",
    "code": "${unique_digits}",
    "kind": "alpha",
    "count": 3,
    "note": "generated",
}

CODES = {
    400: "bad_request",
    401: "unauthenticated",
    404: "not_found",
    405: "method_not_allowed",
    500: "internal_error",
}
"""The documented machine code of each error status (shape A)."""

MESSAGES = {
    "required": "can't be blank",
    "type": "is the wrong type",
    "enum": "is not included in the list",
    "pattern": "is invalid",
    "minLength": "is too short",
    "minimum": "must be at least 1",
}
"""Field messages by the JSON Schema keyword a value breaks (never the value)."""


# -- the operations ----------------------------------------------------------------


def operations(n: int) -> list[tuple[str, str, str, int]]:
    """(operationId, method, path, resource) of the N operations, in order."""
    out = []
    for i in range(n):
        k = i // 2
        if i % 2 == 0:
            out.append((f"createR{k}", "POST", f"/r{k}", k))
        else:
            out.append((f"getR{k}", "GET", f"/r{k}/{{id}}", k))
    return out


def resources(n: int) -> int:
    """How many resources N operations span."""
    return math.ceil(n / 2)


# -- the profile -------------------------------------------------------------------


def _shape_a() -> dict[str, Any]:
    defs: dict[str, Any] = {
        str(status): {"properties": {"error": {"const": code}}}
        for status, code in CODES.items()
    }
    defs["5XX"] = {"properties": {"error": {"type": "string"}}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://errcontract.invalid/schemas/{API}/shape-a.schema.json",
        "title": "Generated API error body, shape A",
        "description": "Every non-422 error: a snake_case machine code, a hint.",
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string", "pattern": "^[a-z][a-z0-9]*(_[a-z0-9]+)*$"},
            "message": {"type": "string"},
        },
        "additionalProperties": True,
        "$defs": defs,
    }


def _shape_b() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://errcontract.invalid/schemas/{API}/shape-b.schema.json",
        "title": "Generated API error body, shape B (validation, 422)",
        "type": "object",
        "required": ["errors"],
        "properties": {
            "errors": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string"},
                },
            }
        },
        "additionalProperties": True,
    }


def _openapi(n: int) -> dict[str, Any]:
    responses = {
        f"E{status}": {
            "description": code,
            "content": {
                "application/json": {
                    "schema": {"$ref": f"shape-a.schema.json#/$defs/{status}"}
                }
            },
        }
        for status, code in CODES.items()
        if status in (400, 401, 404)
    }
    responses["E422"] = {
        "description": "validation failed (shape B)",
        "content": {"application/json": {"schema": {"$ref": "shape-b.schema.json"}}},
    }

    def ref(status: int) -> dict[str, str]:
        return {"$ref": f"#/components/responses/E{status}"}

    paths: dict[str, Any] = {}
    for op_id, method, path, k in operations(n):
        if method == "POST":
            spec: dict[str, Any] = {
                "operationId": op_id,
                "summary": f"create a thing of resource {k}",
                "x-conformance-writes": True,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ThingCreate"},
                            "example": BODY_EXAMPLE,
                        }
                    },
                },
                "responses": {
                    "201": {"description": "the thing, with its id"},
                    "400": ref(400),
                    "401": ref(401),
                    "422": ref(422),
                },
            }
        else:
            spec = {
                "operationId": op_id,
                "summary": f"one thing of resource {k}",
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "format": "uuid"},
                        "x-conformance-var": f"r{k}_id",
                    }
                ],
                "responses": {
                    "200": {"description": "the thing"},
                    "401": ref(401),
                    "404": ref(404),
                },
            }
        paths.setdefault(path, {})[method.lower()] = spec
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"Generated API ({n} operations)",
            "version": "1",
            "description": "Generated for the scale benchmark (benchmarks/).",
        },
        "servers": [{"url": "http://127.0.0.1"}],
        "security": [{"bearerAuth": []}],
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Authorization: Bearer <API key>",
                }
            },
            "responses": responses,
            "schemas": {"ThingCreate": BODY_SCHEMA},
        },
        "paths": paths,
    }


def _clauses(n: int) -> dict[str, Any]:
    ops = operations(n)
    every = [op_id for op_id, *_ in ops]
    creates = [op_id for op_id, method, *_ in ops if method == "POST"]
    gets = [op_id for op_id, method, *_ in ops if method == "GET"]
    unauthenticated = [{"status": 401, "error": "unauthenticated"}]
    clauses: list[dict[str, Any]] = [
        {
            "id": f"{PREFIX}-BODY-A",
            "text": "every non-422 error body is a JSON object with a string `error`",
            "kind": "documented",
            "family": "body",
            "check": "body_schema",
            "with": {"schema": "shape-a.schema.json"},
            "scope": {"responses": "errors", "except_status": [422]},
        },
        {
            "id": f"{PREFIX}-BODY-B",
            "text": "every 422 body is shape B, naming at least one field",
            "kind": "documented",
            "family": "body",
            "check": "body_schema",
            "with": {"schema": "shape-b.schema.json"},
            "scope": {"responses": "errors", "status": [422]},
        },
        {
            "id": f"{PREFIX}-CODE-1",
            "text": "`error` is a documented code for the status",
            "kind": "documented",
            "family": "body",
            "check": "body_schema",
            "with": {"schema": "shape-a.schema.json", "by_status": True},
            "scope": {"responses": "errors", "except_status": [422]},
        },
        {
            "id": f"{PREFIX}-HDR-1",
            "text": "every response carries exactly one non-empty `X-Request-Id`",
            "kind": "documented",
            "family": "headers",
            "check": "header_present",
            "with": {"header": REQUEST_ID, "single": True},
            "scope": {"responses": "all"},
        },
        {
            "id": f"{PREFIX}-HDR-2",
            "text": "no two responses carry the same `X-Request-Id`",
            "kind": "reading",
            "family": "headers",
            "check": "header_unique",
            "with": {"header": REQUEST_ID},
            "scope": {"responses": "all"},
        },
        {
            "id": f"{PREFIX}-HDR-3",
            "text": "error responses carry a JSON content type",
            "kind": "documented",
            "family": "headers",
            "check": "json_content_type",
            "scope": {"responses": "errors"},
        },
        {
            "id": f"{PREFIX}-AUTH-1",
            "text": "no `Authorization` header answers 401 `unauthenticated`",
            "kind": "documented",
            "family": "auth",
            "check": "expected_answer",
            "probes": {"strategy": "absent_credentials", "operations": every},
            "expect": unauthenticated,
        },
        {
            "id": f"{PREFIX}-AUTH-2",
            "text": "an invalid or malformed key answers 401 `unauthenticated`",
            "kind": "documented",
            "family": "auth",
            "check": "expected_answer",
            "probes": {"strategy": "malformed_credentials", "operations": every},
            "expect": unauthenticated,
        },
        {
            "id": f"{PREFIX}-RES-1",
            "text": "an unknown id answers 404 `not_found`",
            "kind": "documented",
            "family": "tenant",
            "check": "expected_answer",
            "probes": {"strategy": "unknown_resources", "operations": gets},
            "expect": [{"status": 404, "error": "not_found"}],
        },
        {
            "id": f"{PREFIX}-REQ-1",
            "text": "a body that is not JSON, or not an object, answers 400 "
            "`bad_request`",
            "kind": "documented",
            "family": "validation",
            "check": "expected_answer",
            "probes": {"strategy": "malformed_bodies", "operations": creates},
            "expect": [{"status": 400, "error": "bad_request"}],
        },
        {
            "id": f"{PREFIX}-VAL-1",
            "text": "a body with missing or invalid fields answers 422 shape B naming "
            "every broken field (a wrong JSON type may answer 400 `bad_request`)",
            "kind": "documented",
            "family": "validation",
            "check": "expected_answer",
            "probes": {
                "strategy": "invalid_bodies",
                "operations": creates,
                "with": {
                    "kinds": [
                        "missing",
                        "invalid",
                        "wrong-type",
                        "numeric-string",
                        "several",
                    ]
                },
            },
            "expect": [
                {"status": 422, "name_field": True},
                {"status": 400, "error": "bad_request", "when": "wrong-type"},
            ],
        },
        {
            "id": f"{PREFIX}-5XX-1",
            "text": "no defective request gets a 5xx",
            "kind": "reading",
            "family": "robustness",
            "check": "no_server_error",
            "scope": {"responses": "defective"},
            "probes": {"strategy": "robustness_probes", "operations": every},
        },
        {
            "id": f"{PREFIX}-LEAK-1",
            "text": "no error body shows internals",
            "kind": "reading",
            "family": "robustness",
            "check": "no_internals",
            "with": {"patterns": "leak-patterns.json"},
            "scope": {"responses": "errors"},
        },
    ]
    if not gets:
        clauses = [c for c in clauses if c["id"] != f"{PREFIX}-RES-1"]
    return {"api": API, "clauses": clauses}


def _profile(n: int) -> dict[str, Any]:
    return {
        "api": API,
        "title": f"Generated API ({n} operations)",
        "openapi": "openapi.yaml",
        "catalog": "clauses.yaml",
        "error_body": {
            "code_field": "error",
            "message_field": "message",
            "fields_field": "errors",
        },
        "fixtures": [
            {
                "name": "api_key",
                "required": True,
                "secret": True,
                "description": "a valid API key",
            }
        ],
        "credential": "api_key",
        "setup": [
            {"var": f"r{k}_id", "operation": f"createR{k}", "pick": "/id"}
            for k in range(resources(n))
        ],
    }


def write_profile(directory: Path, n: int) -> dict[str, int]:
    """Write the profile of the N-operation API into ``directory``; its size."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    directory.mkdir(parents=True, exist_ok=True)

    def dump_yaml(name: str, data: Any) -> None:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        (directory / name).write_text(text, encoding="utf-8")

    def dump_json(name: str, data: Any) -> None:
        (directory / name).write_text(json.dumps(data, indent=2) + "\n", "utf-8")

    catalog = _clauses(n)
    dump_yaml("profile.yaml", _profile(n))
    dump_yaml("clauses.yaml", catalog)
    dump_yaml("openapi.yaml", _openapi(n))
    dump_json("shape-a.schema.json", _shape_a())
    dump_json("shape-b.schema.json", _shape_b())
    # The suite's shared patterns, copied: the profile stands alone.
    shared = schemas_root() / "common" / "leak-patterns.json"
    shutil.copyfile(shared, directory / "leak-patterns.json")
    return {"operations": n, "clauses": len(catalog["clauses"])}


# -- the app -----------------------------------------------------------------------


class _Refused(Exception):
    """An error answer: status and body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _problem(status: int, message: str) -> _Refused:
    return _Refused(status, {"error": CODES[status], "message": message})


def _json(body: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    # ASCII-escaped, so no stored string (controls, astral characters) can break it.
    raw = json.dumps(body, ensure_ascii=True, separators=(",", ":"))
    return Response(raw, status, headers=headers, media_type="application/json")


class RequestIds:
    """Pure ASGI middleware: a fresh ``X-Request-Id`` on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = uuid.uuid4().hex.encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() != b"x-request-id"
                ]
                message = {**message, "headers": [*kept, (b"x-request-id", rid)]}
            await send(message)

        await self.app(scope, receive, send_with_id)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_object(raw: bytes) -> dict[str, Any]:
    """The JSON object in ``raw``, or 400 ``bad_request``."""
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # also UnicodeDecodeError, a leading BOM
        raise _problem(400, "the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise _problem(400, "the body must be a JSON object")
    return value


_VALIDATOR = Draft202012Validator(BODY_SCHEMA)


def field_errors(body: dict[str, Any]) -> dict[str, list[str]]:
    """Every broken field of ``body`` with its messages (empty when valid)."""
    errors: dict[str, list[str]] = {}
    for err in _VALIDATOR.iter_errors(body):
        if err.absolute_path:
            names = [str(err.absolute_path[0])]
        elif err.validator == "required":
            names = [n for n in BODY_SCHEMA["required"] if n not in body]
        else:
            names = ["body"]
        for name in names:
            message = MESSAGES.get(str(err.validator), "is invalid")
            if message not in errors.setdefault(name, []):
                errors[name].append(message)
    return errors


Endpoint = Callable[[Request], Awaitable[Response]]


def create_app(n: int, *, api_key: str) -> Starlette:
    """A conformant app of the N operations, accepting ``api_key``."""
    store: list[dict[str, dict[str, Any]]] = [{} for _ in range(resources(n))]
    expected = f"Bearer {api_key}".encode()

    def authenticate(request: Request) -> None:
        header = request.headers.get("authorization")
        if header is None:
            raise _problem(401, "an Authorization header is required")
        if not hmac.compare_digest(header.encode("utf-8", "replace"), expected):
            raise _problem(401, "the API key is invalid")

    def guarded(handler: Endpoint) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except _Refused as refused:
                return _json(refused.body, refused.status)
            except Exception:  # never a traceback in a body
                return _json(
                    {"error": "internal_error", "message": "something went wrong"},
                    500,
                )

        return endpoint

    def create(k: int) -> Endpoint:
        async def handler(request: Request) -> Response:
            authenticate(request)
            body = parse_object(await request.body())
            errors = field_errors(body)
            if errors:
                return _json({"errors": errors}, 422)
            record = {"id": str(uuid.uuid4()), **body}
            store[k][record["id"]] = record
            return _json(record, 201)

        return guarded(handler)

    def show(k: int) -> Endpoint:
        async def handler(request: Request) -> Response:
            authenticate(request)
            record = store[k].get(request.path_params["id"])
            if record is None:
                raise _problem(404, "no such thing")
            return _json(record, 200)

        return guarded(handler)

    routes = []
    for op_id, method, path, k in operations(n):
        handler = create(k) if method == "POST" else show(k)
        routes.append(Route(path, handler, methods=[method], name=op_id))

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        status = exc.status_code if exc.status_code in CODES else 400
        headers = dict(exc.headers or {})
        return _json(
            {"error": CODES[status], "message": "no such route or method"},
            status,
            headers,
        )

    app = Starlette(
        routes=routes,
        middleware=[Middleware(RequestIds)],
        exception_handlers={HTTPException: on_http_error},
    )
    app.state.fixtures = {"api_key": api_key}
    return app
