"""A third party's OpenAPI document, as zero-config reads it: fetched or read within
bounds, made self-contained by the suite's resolver (``conformance/_input/refs.py``),
checked to be valid OpenAPI (naming the user's file, not a derived copy), and a
valid value for a schema where the document gives no example.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from errcontract._contract.profile import schemas_root
from errcontract._contract.surface import UNIQUE_DIGITS
from errcontract._input.fetch import FetchPolicy, fetch
from errcontract._input.loading import load_data, load_text
from errcontract._input.refs import Local, Origin, bundle
from errcontract.exceptions import ConfigError

SUPPORTED = ("3.0", "3.1")
"""OpenAPI versions the suite reads (Schemathesis' and the validator's common
ground)."""


def read_document(
    where: str, source: str, policy: FetchPolicy | None = None
) -> dict[str, Any]:
    """The OpenAPI document at a path or an http(s) URL: read within bounds, its
    references bundled by the suite's one resolver, and checked to be valid
    OpenAPI 3.0 or 3.1.

    A URL goes through the bounded fetch (a total deadline, a size cap, no redirect
    to another host, no proxy unless one is given, no credential).
    """
    policy = policy or FetchPolicy()
    if re.match(r"^https?://", where, re.IGNORECASE):
        origin = Origin.of_url(where, policy)
        what = f"the OpenAPI document (from {source})"
        data = fetch(where, policy=policy, what=what)
        document = load_text(data, name=origin.name, fail=_failing(origin, source))
    else:
        path = Path(where).expanduser()
        origin = Origin.of_file(path, policy)
        document = load_data(
            path, limit=policy.max_bytes, fail=_failing(origin, source)
        )
    return checked(document, origin, source)


def _failing(origin: Origin, source: str) -> Callable[[str], ConfigError]:
    return lambda problem: ConfigError(
        f"the OpenAPI document {origin.name} (from {source}) {problem}"
    )


def checked(document: Any, origin: Origin, source: str) -> dict[str, Any]:
    """A parsed document made self-contained and checked: an OpenAPI 3.0 or 3.1
    document with paths, valid, every reference inside it."""
    name = f"{origin.name} (from {source})"
    if not isinstance(document, dict):
        raise ConfigError(f"{name} is not an OpenAPI document: it is not a mapping")
    if "swagger" in document:
        raise ConfigError(
            f"{name} is a Swagger {document.get('swagger')} document; the suite reads "
            "OpenAPI 3.0 and 3.1: convert it first (for example with swagger2openapi)"
        )
    version = document.get("openapi")
    if version is None:
        raise ConfigError(
            f"{name} is not an OpenAPI document: it declares no `openapi` version"
        )
    if not isinstance(version, str) or not version.startswith(
        tuple(v + "." for v in SUPPORTED)
    ):
        raise ConfigError(
            f"{name} declares openapi {version!r}; the suite reads OpenAPI "
            f"{' and '.join(SUPPORTED)}"
        )
    if not isinstance(document.get("paths"), dict):
        raise ConfigError(f"{name} is not an OpenAPI document: it has no `paths`")
    bundled: dict[str, Any] = bundle(document, origin)
    problems = invalid(bundled)
    if problems:
        where, message = problems[0]
        raise ConfigError(f"{name} at {where}: {message}")
    return bundled


def invalid(document: Any) -> list[tuple[str, str]]:
    """Why ``document`` (self-contained: ``refs.bundle`` made it so) is not a valid
    OpenAPI document, as (where, message): nothing, or its first problem.

    The OpenAPI Initiative's own schema of the version (``schemas/meta/oas/``), by
    ``jsonschema_rs`` offline (a 20 MB document in well under a second; the
    validator reaches nothing outside the document), then what the suite relies on
    that a schema cannot say: every path template variable declared, operation ids
    unique.
    """
    version = str(document.get("openapi", "")) if isinstance(document, dict) else ""
    try:
        validator = _oas_validator(version[:3])
    except KeyError:
        return [("openapi", f"unsupported OpenAPI version {version!r}")]
    error = next(iter(validator.iter_errors(document)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.instance_path) or "(top)"
        message = without_value(error)
        return [(where, f"not a valid OpenAPI document: {message}")]
    return list(_semantics(document))[:1]


@cache
def _oas_validator(version: str) -> Any:
    import jsonschema_rs

    name = {"3.0": "openapi-3.0.json", "3.1": "openapi-3.1.json"}[version]
    schema = load_data(schemas_root() / "meta" / "oas" / name, json_only=True)
    return jsonschema_rs.validator_for(schema, offline=True)


def _semantics(document: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    seen: dict[str, str] = {}
    local = Local(document)
    for template, item in (document.get("paths") or {}).items():
        item = local.deref(item)
        if not isinstance(item, Mapping):
            continue
        shared = _path_names(local, item.get("parameters"))
        for method in ("get", "put", "post", "delete", "options", "head", "patch"):
            operation = item.get(method)
            if not isinstance(operation, Mapping):
                continue
            at = f"paths/{template}/{method}"
            names = shared | _path_names(local, operation.get("parameters"))
            for variable in re.findall(r"\{([^}/]+)\}", template):
                if variable not in names:
                    yield (
                        at,
                        "not a valid OpenAPI document: path template variable "
                        f"{variable!r} is not declared as a path parameter",
                    )
            op_id = operation.get("operationId")
            if isinstance(op_id, str):
                if op_id in seen:
                    yield (
                        at,
                        f"not a valid OpenAPI document: operationId {op_id!r} is "
                        f"also {seen[op_id]}'s",
                    )
                seen.setdefault(op_id, at)


def _path_names(local: Local, parameters: Any) -> set[str]:
    names = set()
    for parameter in parameters if isinstance(parameters, list) else []:
        parameter = local.deref(parameter)
        if isinstance(parameter, Mapping) and parameter.get("in") == "path":
            names.add(str(parameter.get("name")))
    return names


def without_value(exc: Any) -> str:
    """The validator's message without the value it judged: a document's value can
    be anything (a file's content, a secret), and the message only needs its kind."""
    message = str(getattr(exc, "message", exc)).splitlines()[0]
    instance = getattr(exc, "instance", None)
    if isinstance(instance, dict | list | str) and len(repr(instance)) > 2:
        kind = {dict: "an object", list: "an array", str: "a string"}[type(instance)]
        compact = json.dumps(instance, default=str, separators=(",", ":"))
        for shown in (repr(instance), json.dumps(instance, default=str), compact):
            message = message.replace(shown, f"<{kind}>")
    if len(message) > 300:
        message = message[:300] + "…"
    return message


def load_document(path: Path) -> dict[str, Any]:
    """A local document as every reader of the suite sees it (tests, tools)."""
    return read_document(str(path), str(path))


def deref(document: Mapping[str, Any], node: Any) -> Any:
    """The node a local ``$ref`` points at (the node itself otherwise)."""
    return Local(document).deref(node)


class NoExample(Exception):
    pass


_FORMATS = {
    "date-time": "2030-01-01T00:00:00Z",
    "date": "2030-01-01",
    "time": "00:00:00Z",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "email": "probe@example.com",
    "uri": "https://example.com/probe",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
}


def example_of(schema: Any, document: Mapping[str, Any], depth: int = 0) -> Any:
    """A value that keeps ``schema``: its own example, else the simplest one."""
    schema = deref(document, schema)
    if not isinstance(schema, Mapping) or depth > 8:
        raise NoExample
    for key in ("const", "default", "example"):
        if key in schema:
            return copy.deepcopy(schema[key])
    if schema.get("examples"):
        return copy.deepcopy(schema["examples"][0])
    if schema.get("enum"):
        return copy.deepcopy(schema["enum"][0])
    for key in ("allOf",):
        if schema.get(key):
            merged: dict[str, Any] = {"type": "object", "properties": {}}
            merged["required"] = []
            for part in schema[key]:
                part = deref(document, part)
                merged["properties"].update(part.get("properties", {}))
                merged["required"] += part.get("required", [])
            return example_of(merged, document, depth + 1)
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return example_of(schema[key][0], document, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or (kind is None and "properties" in schema):
        properties = schema.get("properties", {})
        return {
            name: example_of(properties.get(name, {}), document, depth + 1)
            for name in schema.get("required", [])
        }
    if kind == "array":
        count = _count(schema, "minItems", 0, MAX_EXAMPLE_ITEMS)
        return [example_of(schema.get("items", {}), document, depth + 1)] * count
    if kind in ("integer", "number"):
        low = _number(schema.get("minimum", schema.get("exclusiveMinimum", 0)))
        value = low + 1 if "exclusiveMinimum" in schema else max(low, 1)
        if "maximum" in schema and value > _number(schema["maximum"]):
            value = _number(schema["maximum"])
        step = _number(schema.get("multipleOf") or 0)
        if step > 0:
            value = -(-value // step) * step
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    if kind == "string" or kind is None:
        if schema.get("format") in _FORMATS:
            return _FORMATS[schema["format"]]
        pattern = schema.get("pattern")
        low = _count(schema, "minLength", 1, MAX_EXAMPLE_LENGTH)
        high = schema.get("maxLength")
        for candidate in ("probe", "a", "A", "0", "a1", "probe-1"):
            text = candidate.ljust(low, "x")
            if high is not None:
                text = text[: _count(schema, "maxLength", 0, 1 << 62)]
            try:
                if pattern is None or re.search(str(pattern), text):
                    return text
            except re.error:
                raise NoExample from None
    raise NoExample


MAX_EXAMPLE_ITEMS = 100
MAX_EXAMPLE_LENGTH = 10_000
"""Past these, a schema's minimum asks for a body the suite will not build: the
operation is noted as not probed (``minItems: 1e12`` is a document's bomb)."""


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise NoExample
    if isinstance(value, float) and not math.isfinite(value):
        raise NoExample
    return value


def _count(schema: Mapping[str, Any], key: str, default: int, cap: int) -> int:
    value = _number(schema.get(key, default))
    if value < 0 or value > cap:
        raise NoExample
    return int(value)


def with_unique(example: Any, schema: Mapping[str, Any]) -> Any:
    """``example`` with a fresh digit string in one free-text field, so that two
    valid creates do not collide (and a repeated one collides on purpose)."""
    if not isinstance(example, dict):
        return example
    properties = schema.get("properties", {})
    for name, value in example.items():
        sub = properties.get(name, {})
        free = not ({"enum", "const", "pattern", "format"} & set(sub))
        room = sub.get("maxLength", 64) >= 18
        if isinstance(value, str) and free and room:
            example[name] = "probe-${" + UNIQUE_DIGITS + "}"
            return example
    return example


def keeps(schema: Mapping[str, Any], example: Any) -> bool:
    filled = json.loads(
        json.dumps(example).replace("${" + UNIQUE_DIGITS + "}", "0" * 12)
    )
    try:
        return jsonschema.Draft202012Validator(schema).is_valid(filled)
    except (re.error, jsonschema.exceptions.SchemaError, RecursionError):
        return False
