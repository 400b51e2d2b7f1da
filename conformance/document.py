"""A third party's OpenAPI document, as zero-config reads it: fetched or read,
checked to be valid OpenAPI (naming the user's file, not a derived copy), its local
``$ref`` followed, the files its relative ``$ref`` name, and a valid value for a
schema where the document gives no example.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from conformance.exceptions import ConfigError
from conformance.surface import UNIQUE_DIGITS


def document_base(where: str) -> Path | None:
    """The directory a local document's relative ``$ref`` resolve from."""
    if re.match(r"^https?://", where, re.IGNORECASE):
        return None
    return Path(where).expanduser().resolve().parent


def read_document(where: str, source: str, timeout_s: float = 10.0) -> Any:
    """The OpenAPI document at a path or an http(s) URL, parsed (YAML or JSON) and
    checked to be valid OpenAPI.

    A URL is fetched once, without credentials and without following redirects.
    """
    if re.match(r"^https?://", where, re.IGNORECASE):
        import httpx

        try:
            response = httpx.get(where, timeout=timeout_s, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise ConfigError(
                f"cannot fetch the OpenAPI document {where} (from {source}): {exc}"
            ) from None
        if response.status_code != 200:
            raise ConfigError(
                f"the OpenAPI document {where} (from {source}) answered "
                f"{response.status_code}, not 200"
            )
        text = response.text
    else:
        path = Path(where).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"cannot read the OpenAPI document {path} (from {source}): "
                f"{exc.strerror or exc}"
            ) from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(
            f"the OpenAPI document {where} (from {source}) is not YAML or JSON{at}"
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise ConfigError(
            f"{where} (from {source}) is not an OpenAPI document: it has no `paths`"
        )
    check_document(document, where, source)
    return document


def check_document(document: Any, where: str, source: str) -> None:
    """Refuse a document that is not valid OpenAPI, naming the user's file (the
    derived copy would name a temporary one)."""
    from conformance.lint import openapi_problems

    remote = re.match(r"^https?://", where, re.IGNORECASE)
    path = Path(where).expanduser()
    base = where if remote else path.resolve().as_uri()
    problems = openapi_problems(document, base, path)
    if problems:
        first = problems[0]
        raise ConfigError(f"{where} (from {source}) at {first.where}: {first.message}")


def external_files(document: Any, base: Path | None) -> dict[str, str]:
    """The files the document's relative ``$ref`` name, to copy next to it."""
    found: dict[str, str] = {}
    if base is None:
        return found

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                name = ref.partition("#")[0]
                parts = Path(name).parts
                inside = not Path(name).is_absolute() and ".." not in parts
                if name and inside and "://" not in name and name not in found:
                    target = (base / name).resolve()
                    if target.is_file():
                        found[name] = target.read_text(encoding="utf-8")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return found


def deref(document: Mapping[str, Any], node: Any) -> Any:
    """The node a local ``$ref`` points at (the node itself otherwise)."""
    seen = set()
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            return node
        seen.add(ref)
        target: Any = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, Mapping) or part not in target:
                return node
            target = target[part]
        node = target
    return node


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
        count = int(schema.get("minItems", 0))
        return [example_of(schema.get("items", {}), document, depth + 1)] * count
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        value = low + 1 if "exclusiveMinimum" in schema else max(low, 1)
        if "maximum" in schema and value > schema["maximum"]:
            value = schema["maximum"]
        step = schema.get("multipleOf")
        if step:
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
        low, high = int(schema.get("minLength", 1)), schema.get("maxLength")
        for candidate in ("probe", "a", "A", "0", "a1", "probe-1"):
            text = candidate.ljust(low, "x")
            if high is not None:
                text = text[: int(high)]
            if pattern is None or re.search(pattern, text):
                return text
    raise NoExample


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
    return jsonschema.Draft202012Validator(schema).is_valid(filled)
