"""The document as Schemathesis generates from it: every request schema bounded.

Schemathesis follows a document's references as it generates, and its coverage phase
enumerates cases over the whole schema: a body whose schema fans out (``F0`` with two
members of ``F1``, each with two of ``F2``, thirty levels down), asks for
``minLength: 2e9`` or ``minItems: 1e12``, or recurses, costs it minutes and gigabytes.
The copy it is given has each request body and parameter schema inlined (references
followed by the suite's resolver, recursion cut open), cut at a nesting depth and a
node budget (an open schema, any value, below), and its size bounds clamped. Probes
break one top-level field of a body, so nothing below the cut is ever needed; the
valid parts of a probe come from the suite's own examples, never from this copy.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

from errcontract._input.refs import Local

MAX_NESTING = 6
"""Object and array levels kept below a request body (deeper: any value)."""
MAX_NODES = 5_000
"""Schema nodes kept per request body or parameter."""
CLAMPS = {
    "minLength": 10_000,
    "maxLength": 10_000,
    "minItems": 100,
    "maxItems": 100,
    "minProperties": 100,
    "maxProperties": 100,
}
"""Size keywords and the most generation is asked for."""
_NESTED = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)
_ONE = frozenset(
    {"items", "additionalProperties", "contains", "propertyNames", "not"}
    | {"unevaluatedItems", "unevaluatedProperties", "if", "then", "else"}
)
_MANY = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_NODES


def bounded(schema: Any, depth: int = 0, budget: _Budget | None = None) -> Any:
    """A copy of an inlined ``schema`` within the bounds above."""
    budget = budget or _Budget()
    if not isinstance(schema, Mapping):
        return schema
    budget.left -= 1
    if depth > MAX_NESTING or budget.left <= 0:
        return {}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if (
            key in CLAMPS
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        ):
            if not math.isfinite(value) or value < 0:
                continue
            out[key] = int(min(value, CLAMPS[key]))
        elif isinstance(value, float) and not math.isfinite(value):
            continue
        elif key in _NESTED and isinstance(value, Mapping):
            out[key] = {k: bounded(v, depth + 1, budget) for k, v in value.items()}
        elif key in _ONE and isinstance(value, Mapping):
            out[key] = bounded(value, depth + 1, budget)
        elif key in _MANY and isinstance(value, list):
            out[key] = [bounded(v, depth + 1, budget) for v in value]
        else:
            out[key] = value
    return out


def bounded_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` with every request body and parameter schema bounded."""
    out = copy.deepcopy(dict(document))
    local = Local(out)
    for item in (out.get("paths") or {}).values():
        if not isinstance(item, dict):
            continue
        _parameters(local, item)
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            _parameters(local, operation)
            body = local.deref(operation.get("requestBody"))
            if not isinstance(body, Mapping):
                continue
            content = {}
            for media_type, media in (body.get("content") or {}).items():
                media = dict(media or {})
                if "schema" in media:
                    media["schema"] = bounded(local.inline(media["schema"]))
                content[media_type] = media
            operation["requestBody"] = {**body, "content": content}
    return out


def _parameters(local: Local, holder: dict[str, Any]) -> None:
    found = holder.get("parameters")
    if not isinstance(found, list):
        return
    params = []
    for param in found:
        param = local.deref(param)
        if isinstance(param, Mapping) and "schema" in param:
            param = {**param, "schema": bounded(local.inline(param["schema"]))}
        params.append(param)
    holder["parameters"] = params
