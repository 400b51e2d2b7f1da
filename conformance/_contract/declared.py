"""The error contract an OpenAPI document declares itself: which schema each
operation gives each error status, which one most of them share, in which media type.

The ``document`` convention (``schemas/conventions/document/``) judges an API by
these alone; the derivation (``_derive``) names them in the clauses it writes and
the checks (``checks/declared.py``) read them from the profile's document at run
time, both through this one reading. A document here is self-contained
(``refs.bundle``): every schema is named by a local JSON Pointer, the suite's one
resolver's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from errcontract._contract.surface import route_of
from errcontract._input.refs import BUNDLE, BUNDLE_FROM, Local

ERROR_STATUS = re.compile(r"^([45]([0-9]{2}|XX)|default)$", re.IGNORECASE)
"""A response key that declares an error: a 4xx or 5xx code, a family, ``default``."""
_ROW = re.compile(r"^/\$defs/([1-5]([0-9]{2}|XX)|default)$", re.IGNORECASE)
"""A ``$defs`` row of a schema file keyed by a status, as error-shape files write
them (``shape-a.schema.json#/$defs/404``)."""
MAX_REACH = 64
"""Schemas followed from one (``$ref`` and ``allOf`` chains): a bound, not a depth
a real document reaches."""
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def escape(token: str) -> str:
    """``token`` as one JSON Pointer segment (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Declared:
    """One error response the document declares: where its schema is."""

    operation: str
    status: str
    media_type: str
    schema: str
    """The schema's local JSON Pointer (its ``$ref``, else where it is written)."""


@dataclass
class ErrorContract:
    """Every error schema of a document, and the one most of them share."""

    declared: list[Declared] = field(default_factory=list)
    shared: str | None = None
    media_type: str | None = None
    others: list[str] = field(default_factory=list)
    """Declared error schemas that neither are nor build on ``shared``."""


def _response(local: Local, responses: Mapping[str, Any], status: int) -> Any:
    """The response declared for ``status``: the code, its family, ``default``
    (OpenAPI 3.x, Responses Object: the code wins over the range)."""
    for key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
        if key in responses:
            return key, local.deref(responses[key])
    return None, None


def _schema_at(
    local: Local, response: Any, where: str, media_type: str | None = None
) -> tuple[str, str] | None:
    """(media type, schema pointer) of a response's JSON content (or of
    ``media_type``'s), or ``None``."""
    if not isinstance(response, Mapping):
        return None
    content = response.get("content")
    if not isinstance(content, Mapping):
        return None
    chosen = [m for m in content if media_type and _base(m) == _base(media_type)]
    chosen = chosen or [m for m in content if "json" in str(m).lower()] or []
    for name in chosen:
        media = content[name]
        schema = media.get("schema") if isinstance(media, Mapping) else None
        if not isinstance(schema, Mapping):
            continue
        ref = schema.get("$ref")
        pointer = (
            ref if isinstance(ref, str) else f"{where}/content/{escape(name)}/schema"
        )
        return str(name), pointer
    return None


def _base(media_type: str) -> str:
    return media_type.split(";")[0].strip().lower()


def _responses_of(
    local: Local, document: Mapping[str, Any], path: str, method: str
) -> tuple[Mapping[str, Any], str] | None:
    item = local.deref((document.get("paths") or {}).get(path))
    spec = item.get(method) if isinstance(item, Mapping) else None
    if not isinstance(spec, Mapping):
        return None
    where = f"#/paths/{escape(path)}/{method}/responses"
    responses = spec.get("responses")
    if isinstance(responses, Mapping) and isinstance(responses.get("$ref"), str):
        where, responses = responses["$ref"], local.deref(responses)
    return (responses, where) if isinstance(responses, Mapping) else None


def _located(local: Local, raw: Any, where: str) -> tuple[Any, str]:
    """A response and the pointer its members are at (its ``$ref``'s, if any)."""
    if isinstance(raw, Mapping) and isinstance(raw.get("$ref"), str):
        return local.deref(raw), str(raw["$ref"])
    return raw, where


def answer_schema(
    document: Mapping[str, Any],
    method: str,
    path: str,
    status: int,
    media_type: str | None = None,
) -> tuple[str, str | None] | None:
    """What the document declares for ``status`` of the operation ``method`` on the
    request path ``path``: (the response key, the schema pointer or ``None`` for a
    response without one); ``None`` when the path and method are no operation of
    the document or it declares nothing for the status."""
    local = Local(document)
    template = route_of(document, path)
    if template is None:
        return None
    found = _responses_of(local, document, template, method.lower())
    if found is None:
        return None
    responses, where = found
    for key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
        if key in responses:
            response, at = _located(local, responses[key], f"{where}/{escape(key)}")
            schema = _schema_at(local, response, at, media_type)
            return key, schema[1] if schema else None
    return None


def is_operation(document: Mapping[str, Any], method: str, path: str) -> bool:
    """Whether ``method`` on the request path ``path`` is a declared operation."""
    template = route_of(document, path)
    return (
        template is not None
        and _responses_of(Local(document), document, template, method.lower())
        is not None
    )


def reach(document: Mapping[str, Any], pointer: str) -> list[str]:
    """The schemas ``pointer``'s is or builds on: itself, what its ``$ref`` and its
    ``allOf`` members name, transitively; and, for a status row of a schema file
    copied in by the resolver (``shape-a.schema.json#/$defs/404``), that file's
    root where the document holds it too: an error-shape file refined per status
    is one shape (the reading the ``document`` convention states)."""
    local = Local(document)
    came_from = document.get(BUNDLE_FROM) or {}
    roots = {v.partition("#")[0]: k for k, v in came_from.items() if v.endswith("#")}
    seen: list[str] = []
    stack = [pointer]
    while stack and len(seen) < MAX_REACH:
        current = stack.pop()
        if current in seen:
            continue
        seen.append(current)
        try:
            node = local.target(current)
        except KeyError:
            continue
        parts = [node, *(node.get("allOf") or [])] if isinstance(node, Mapping) else []
        stack.extend(
            str(p["$ref"])
            for p in parts
            if isinstance(p, Mapping) and isinstance(p.get("$ref"), str)
        )
        prefix = f"#/{BUNDLE}/"
        if current.startswith(prefix):
            origin = str(
                came_from.get(
                    current[len(prefix) :].replace("~1", "/").replace("~0", "~"), ""
                )
            )
            name, _, fragment = origin.partition("#")
            if _ROW.match(fragment) and name in roots:
                stack.append(f"{prefix}{escape(roots[name])}")
    return seen


def error_contract(document: Mapping[str, Any]) -> ErrorContract:
    """Every error schema ``document`` declares, the one most share, and the
    media type most of them are declared in."""
    local = Local(document)
    out = ErrorContract()
    media: dict[str, int] = {}
    for path in document.get("paths") or {}:
        for method in _METHODS:
            found = _responses_of(local, document, str(path), method)
            if found is None:
                continue
            responses, where = found
            spec = local.deref(document["paths"][path])[method]
            op_id = str(spec.get("operationId") or f"{method.upper()} {path}")
            for status, raw in responses.items():
                if not ERROR_STATUS.match(str(status)):
                    continue
                response, at = _located(local, raw, f"{where}/{escape(str(status))}")
                schema = _schema_at(local, response, at)
                if schema is None:
                    continue
                media[schema[0]] = media.get(schema[0], 0) + 1
                out.declared.append(Declared(op_id, str(status), schema[0], schema[1]))
    if not out.declared:
        return out
    out.media_type = max(sorted(media), key=lambda m: media[m])
    reached = {d.schema: reach(document, d.schema) for d in out.declared}
    counts: dict[str, int] = {}
    for d in out.declared:
        for pointer in reached[d.schema]:
            counts[pointer] = counts.get(pointer, 0) + 1
    top = max(counts.values())
    candidates = [p for p, n in counts.items() if n == top]
    # Of schemas every one of those responses reaches, the one the others build on.
    out.shared = min(sorted(candidates), key=lambda p: len(reach(document, p)))
    out.others = sorted({p for p, r in reached.items() if out.shared not in r})
    return out
