"""Hostile and difficult OpenAPI documents, built from the Projects API's own.

Each builder returns bytes (a document as it would arrive) or a document derived
from ``errcontract.reference.problem.OPENAPI``, so that a run against the embedded
Projects API has a target that answers every operation plausibly.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from errcontract.reference import problem

Document = dict[str, Any]


@cache
def _problem() -> Document:
    loaded: Document = yaml.safe_load(problem.OPENAPI.read_text(encoding="utf-8"))
    return loaded


def problem_document() -> Document:
    """A fresh copy of the Projects API's document."""
    return copy.deepcopy(_problem())


def dump(document: Document) -> bytes:
    return yaml.safe_dump(document, sort_keys=False).encode("utf-8")


def write(path: Path, document: Document | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(document if isinstance(document, bytes) else dump(document))
    return path


def with_ref(ref: str) -> Document:
    """The Projects API's document with a schema that is only ``$ref: ref``, used by
    an optional property of the create body (so the reference is reached)."""
    document = problem_document()
    schemas = document["components"]["schemas"]
    schemas["Outside"] = {"$ref": ref}
    schemas["ProjectCreate"]["properties"]["outside"] = {
        "$ref": "#/components/schemas/Outside"
    }
    return document


# -- refused: each must end in exit 2 with one line ---------------------------------


def alias_bomb() -> bytes:
    """The "billion laughs": nine levels of nine aliases, 9**9 strings expanded."""
    lines = ['openapi: 3.1.0\nlol0: &lol0 "lol"\n']
    for level in range(1, 10):
        refs = ", ".join([f"*lol{level - 1}"] * 9)
        lines.append(f"lol{level}: &lol{level} [{refs}]\n")
    lines.append("paths: {}\n")
    return "".join(lines).encode()


def recursive_alias() -> bytes:
    return b"openapi: 3.1.0\npaths: &loop {a: *loop}\n"


def deep_flow_yaml(levels: int = 100_000) -> bytes:
    return b"openapi: 3.1.0\npaths: {}\nx-deep: " + b"[" * levels + b"]" * levels


def deep_block_yaml(levels: int = 100_000) -> bytes:
    """Block sequences nested on one line (``- - - - x``): no indentation cost."""
    return b"openapi: 3.1.0\npaths: {}\nx-deep:\n  " + b"- " * levels + b"x\n"


def deep_json(levels: int = 100_000) -> bytes:
    inner = b'{"a":' * levels + b"1" + b"}" * levels
    return b'{"openapi": "3.1.0", "paths": {}, "x-deep": ' + inner + b"}"


def latin1() -> bytes:
    text = dump(problem_document()).decode("utf-8")
    return text.replace("Projects API", "Projets Élysée API").encode("latin-1")


def utf16() -> bytes:
    return dump(problem_document()).decode("utf-8").encode("utf-16")


def swagger2() -> bytes:
    document = {
        "swagger": "2.0",
        "info": {"title": "Projects", "version": "1"},
        "host": "127.0.0.1",
        "paths": {"/projects": {"get": {"responses": {"200": {"description": "ok"}}}}},
    }
    return dump(document)


def too_large(size: int = 25 << 20) -> bytes:
    """A valid document padded past the 20 MB default cap with many schemas."""
    document = problem_document()
    schemas = document["components"]["schemas"]
    pad = "x" * 500
    for index in range(size // 560 + 1):
        schemas[f"Pad{index:06d}"] = {"type": "string", "description": pad}
    return json.dumps(document).encode()


REFUSED: dict[str, tuple[Callable[[], bytes], tuple[str, ...]]] = {
    "alias bomb": (alias_bomb, ("alias",)),
    "recursive alias": (recursive_alias, ("recursive", "alias")),
    "100,000 levels (YAML flow)": (deep_flow_yaml, ("deep", "nesting")),
    "100,000 levels (YAML block)": (deep_block_yaml, ("deep", "nesting")),
    "100,000 levels (JSON)": (deep_json, ("deep", "nesting")),
    "not UTF-8 (Latin-1)": (latin1, ("UTF-8",)),
    "not UTF-8 (UTF-16)": (utf16, ("UTF-8",)),
    "Swagger 2.0": (swagger2, ("convert it first",)),
    "25 MB": (too_large, ("larger than",)),
}
"""Documents a run must refuse: builder, and words one of which the line says."""


DANGLING = {
    "~1 to a missing path": "#/paths/~1nowhere/get/responses/200",
    "~1 to a missing key": "#/paths/~1projects/get/nope",
    "a missing schema": "#/components/schemas/Nope",
    "an invalid ~ escape": "#/components/schemas/Pro~2ject~",
}
"""Local references that point at nothing (the issue's KeyError was one)."""


# -- difficult but valid: each must run to a verdict --------------------------------


def recursive_schema() -> Document:
    """``Node.children: [Node]``, in a request body and in a response."""
    document = problem_document()
    schemas = document["components"]["schemas"]
    node = {"$ref": "#/components/schemas/Node"}
    schemas["Node"] = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "children": {"type": "array", "items": node},
        },
    }
    schemas["ProjectCreate"]["properties"]["tree"] = dict(node)
    schemas["Project"]["properties"]["tree"] = dict(node)
    return document


def tilde_refs() -> Document:
    """References whose JSON Pointers need ``~1`` (a ``/`` in a key) and
    percent-encoding (``{`` and ``}`` in a path)."""
    document = problem_document()
    item = document["paths"]["/projects/{projectId}"]
    item["get"]["parameters"] = [
        {"$ref": "#/paths/~1projects~1%7BprojectId%7D/parameters/0"}
    ]
    schemas = document["components"]["schemas"]
    schemas["ProjectList"]["properties"]["data"]["items"] = {
        "$ref": "#/paths/~1projects/post/responses/201/content/application~1json/schema"
    }
    return document


def min_items() -> Document:
    """A required array with ``minItems: 10**12``: no valid body can be built."""
    document = problem_document()
    create = document["components"]["schemas"]["ProjectCreate"]
    create["required"] = ["name", "tags"]
    create["properties"]["tags"] = {
        "type": "array",
        "minItems": 10**12,
        "items": {"type": "string"},
    }
    return document


def min_length() -> Document:
    """A required string with ``minLength: 2 * 10**9``."""
    document = problem_document()
    create = document["components"]["schemas"]["ProjectCreate"]
    create["properties"]["name"] = {"type": "string", "minLength": 2 * 10**9}
    return document


def fan_out(where: str, levels: int = 32) -> Document:
    """``F0`` has two properties that are both ``F1``, and so on ``levels`` deep:
    2**levels paths if every reference is expanded, ``levels`` schemas if not."""
    document = problem_document()
    schemas = document["components"]["schemas"]
    for level in range(levels):
        below: Document = (
            {"$ref": f"#/components/schemas/F{level + 1}"}
            if level + 1 < levels
            else {"type": "string"}
        )
        schemas[f"F{level}"] = {
            "type": "object",
            "properties": {"left": below, "right": below},
        }
    schema = {"$ref": "#/components/schemas/F0"}
    if where == "request body":
        schemas["ProjectCreate"]["properties"]["fan"] = schema
    else:
        schemas["Project"]["properties"]["fan"] = schema
    return document


def many_schemas(count: int = 40_000, size: int = 15 << 20) -> bytes:
    """About ``size`` bytes of JSON: the Projects API plus ``count`` schemas that no
    operation uses (a large generated document's components)."""
    document = problem_document()
    schemas = document["components"]["schemas"]
    pad = "x" * max(0, size // count - 250)
    for index in range(count):
        schemas[f"Model{index:05d}"] = {
            "type": "object",
            "description": pad,
            "required": ["id"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "name": {"type": "string", "maxLength": 80},
                "count": {"type": "integer", "minimum": 0},
            },
        }
    return json.dumps(document).encode()
