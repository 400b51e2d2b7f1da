"""The surface of an API, read from its OpenAPI document, and valid requests over it.

Strategies start from a valid request and break one thing; this module says what a
valid request is: the credential, the tenant header, path and query values, and a body
from the operation's example with ``${name}`` placeholders filled.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from errcontract._http.probe import (
    Credential,
    Probe,
    json_body,
    placeholders,
    substitute,
)
from errcontract._input.refs import Local
from errcontract.exceptions import MissingValue

UNIQUE_DIGITS = "unique_digits"


@dataclass(frozen=True)
class Parameter:
    """A path, query or header parameter of an operation."""

    name: str
    location: str
    required: bool
    schema: Mapping[str, Any]
    var: str | None = None


@dataclass(frozen=True)
class Operation:
    """One documented operation, as the suite needs it."""

    id: str
    method: str
    path: str
    summary: str = ""
    parameters: tuple[Parameter, ...] = ()
    body_schema: Mapping[str, Any] | None = None
    body_example: Any = None
    body_media_type: str = "application/json"
    """The JSON media type the body is declared in (``json_media_type``): a valid
    request's ``Content-Type``."""
    accept: str | None = None
    """The ``Accept`` a valid request sends: the ``+json`` media type the
    operation's successes are declared in where none is ``application/json`` (a
    JSON:API server may refuse the client's default ``application/json`` with
    406); ``None``, the client's default, otherwise."""
    writes: bool = False
    cleanup: Mapping[str, Any] | None = None
    statuses: tuple[str, ...] = ()
    document: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    """The OpenAPI document the operation is read from, for Schemathesis to load."""

    def params(self, location: str) -> tuple[Parameter, ...]:
        """Parameters in ``location`` (path, query, header)."""
        return tuple(p for p in self.parameters if p.location == location)

    def needs_header(self, name: str) -> bool:
        """Whether a required header parameter ``name`` is declared."""
        lowered = name.lower()
        return any(
            p.required and p.name.lower() == lowered for p in self.params("header")
        )

    def needed_vars(self) -> set[str]:
        """Discovered values a valid request to this operation needs."""
        found = {p.var for p in self.parameters if p.var and p.required}
        if self.body_example is not None:
            found |= placeholders(self.body_example)
        found.discard(UNIQUE_DIGITS)
        return {v for v in found if v}


_METHODS = ("get", "post", "put", "patch", "delete")


HTTP_METHODS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE")
"""The methods a path item may declare (OpenAPI 3.0 and 3.1 fixed fields), as they
go on the wire."""


def served_methods(document: Mapping[str, Any], template: str) -> frozenset[str]:
    """The methods the document declares for path ``template`` (upper case); empty
    for a path it does not have."""
    item = (document.get("paths") or {}).get(template)
    if isinstance(item, Mapping) and "$ref" in item:
        item = Local(document).inline(item)
    if not isinstance(item, Mapping):
        return frozenset()
    return frozenset(
        m for m in HTTP_METHODS if isinstance(item.get(m.lower()), Mapping)
    )


@functools.lru_cache(maxsize=1024)
def _template_pattern(template: str) -> re.Pattern[str]:
    # re.split with a group alternates literal text and parameters (odd indices).
    parts = re.split(r"(\{[^{}/]*\})", template)
    return re.compile(
        "".join("[^/]+" if i % 2 else re.escape(p) for i, p in enumerate(parts))
    )


def route_of(document: Mapping[str, Any], path: str) -> str | None:
    """The path of the document that routes the request path ``path`` (no query), or
    ``None``: a path without templating wins over one with (OpenAPI 3.1, Paths
    Object), then the one with more literal characters."""
    found = [
        t
        for t in (document.get("paths") or {})
        if isinstance(t, str) and _template_pattern(t).fullmatch(path)
    ]
    if not found:
        return None
    return max(found, key=lambda t: ("{" not in t, len(re.sub(r"\{[^}]*\}", "", t))))


def json_media_type(content: Mapping[str, Any]) -> str | None:
    """The JSON media type a request body is declared in: ``application/json``
    first, else the first ``+json`` structured syntax suffix (RFC 6839 section 3.1:
    ``application/vnd.api+json``, ``application/merge-patch+json``), without its
    parameters; ``None`` when it is declared in no JSON media type."""
    names = [str(m).split(";")[0].strip().lower() for m in content]
    if "application/json" in names:
        return "application/json"
    return next(
        (n for n in names if n.startswith("application/") and n.endswith("+json")),
        None,
    )


def json_media(content: Mapping[str, Any]) -> Mapping[str, Any]:
    """The JSON media type object of a request body (``application/json``, else a
    ``+json`` type, with or without parameters such as ``charset``), or an empty
    one."""
    wanted = json_media_type(content)
    for media_type, media in content.items():
        if media_type.split(";")[0].strip().lower() == wanted:
            return media if isinstance(media, Mapping) else {}
    return {}


def _accept(responses: Mapping[str, Any]) -> str | None:
    """``Operation.accept`` for an operation's (inlined) responses."""
    content: dict[str, Any] = {}
    for status, response in responses.items():
        if str(status).startswith("2") and isinstance(response, Mapping):
            content.update(response.get("content") or {})
    found = json_media_type(content)
    return None if found in (None, "application/json") else found


def parse_operations(document: Mapping[str, Any]) -> dict[str, Operation]:
    """Operations of a self-contained OpenAPI 3.0 or 3.1 document (``refs.bundle``),
    keyed by operationId; references inlined, recursive schemas cut open."""
    operations: dict[str, Operation] = {}
    local = Local(document)
    for path, item in (document.get("paths") or {}).items():
        item = local.inline(item)
        if not isinstance(item, Mapping):
            continue
        shared = item.get("parameters", [])
        for method in _METHODS:
            spec = item.get(method)
            if spec is None:
                continue
            op_id = spec.get("operationId") or f"{method.upper()} {path}"
            params = tuple(
                Parameter(
                    name=p["name"],
                    location=p["in"],
                    required=bool(p.get("required", p["in"] == "path")),
                    schema=p.get("schema", {}),
                    var=p.get("x-conformance-var"),
                )
                for p in [*shared, *spec.get("parameters", [])]
            )
            content = (spec.get("requestBody") or {}).get("content") or {}
            media = json_media(content)
            operations[op_id] = Operation(
                id=op_id,
                method=method.upper(),
                path=path,
                summary=spec.get("summary", ""),
                parameters=params,
                body_schema=media.get("schema"),
                body_example=media.get("example"),
                body_media_type=json_media_type(content) or "application/json",
                accept=_accept(spec.get("responses") or {}),
                writes=bool(spec.get("x-conformance-writes", False)),
                cleanup=spec.get("x-conformance-cleanup"),
                statuses=tuple(str(s) for s in spec.get("responses", {})),
                document=document,
            )
    return operations


@dataclass(frozen=True)
class ProbeContext:
    """What strategies build from: the operations and the values a valid request uses.

    ``values`` holds non-secret fixtures and discovered values; secrets are only ever
    named (``credential``), never held. ``underivable`` says, by derivation
    (``swapcase``), why this run's key derives no other key: a fact about the key.
    ``credential_query`` names the query parameter that carries the key, where the
    profile puts it there (``None``: a header, ``credential_header``; ``Cookie``
    where the key is a cookie, its name in the template). ``checking`` marks the
    linter's context (``check-profile``): its values are stand-ins and nothing is
    drawn from what a family builds, so a family may stop once its arguments are
    checked, before work whose only use is drawing (Schemathesis' cases).
    """

    operations: Mapping[str, Operation]
    credential: str
    values: Mapping[str, Any] = field(default_factory=dict)
    tenant_header: str | None = None
    tenant_fixture: str | None = None
    secret_fixtures: frozenset[str] = frozenset()
    credential_template: str = "Bearer {token}"
    underivable: Mapping[str, str] = field(default_factory=dict)
    credential_query: str | None = None
    credential_header: str = "Authorization"
    checking: bool = False

    def operation(self, op_id: str) -> Operation:
        """The operation ``op_id``, with a clear error for a catalog typo."""
        try:
            return self.operations[op_id]
        except KeyError:
            known = ", ".join(sorted(self.operations))
            raise KeyError(f"unknown operation {op_id!r}; known: {known}") from None

    def tenant_scoped(self, op_id: str) -> bool:
        """Whether ``op_id`` requires the tenant header."""
        header = self.tenant_header
        return bool(header) and self.operation(op_id).needs_header(header or "")

    def can_build(self, op_id: str) -> bool:
        """Whether every value a valid request to ``op_id`` needs is known."""
        return self.operation(op_id).needed_vars() <= set(self.values)

    def with_values(self, **values: Any) -> ProbeContext:
        """A copy with more known values."""
        return replace(self, values={**self.values, **values})

    def valid_body(self, op_id: str, unique: int = 0) -> Any:
        """The operation's example body with placeholders filled (``None`` if none)."""
        op = self.operation(op_id)
        if op.body_example is None:
            return None
        values = {**self.values, UNIQUE_DIGITS: f"{unique:012d}"}
        try:
            return substitute(op.body_example, values)
        except KeyError as exc:
            raise MissingValue(op_id, str(exc.args[0])) from None

    def valid_probe(self, op_id: str, *, unique: int = 0) -> Probe:
        """A request to ``op_id`` that keeps every rule: the start of every probe."""
        op = self.operation(op_id)
        path = op.path
        query: list[tuple[str, str]] = []
        for param in op.params("path"):
            value = self._param_value(op, param)
            path = path.replace("{" + param.name + "}", str(value))
        for param in op.params("query"):
            if param.required:
                query.append((param.name, str(self._param_value(op, param))))
        headers: list[tuple[str, str]] = []
        if self.tenant_scoped(op_id) and self.tenant_header:
            headers.append((self.tenant_header, str(self._value(op, self._tenant()))))
        if op.accept is not None:
            headers.append(("Accept", op.accept))
        body = self.valid_body(op_id, unique)
        if body is not None:
            headers.append(("Content-Type", op.body_media_type))
        return Probe(
            operation=op_id,
            method=op.method,
            path=path,
            query=tuple(query),
            headers=tuple(headers),
            credential=Credential.of(self.credential, self.credential_template),
            body=None if body is None else json_body(body),
            writes=op.writes,
        )

    def _tenant(self) -> str:
        return self.tenant_fixture or ""

    def _param_value(self, op: Operation, param: Parameter) -> Any:
        name = param.var or param.name
        if name not in self.values and param.location == "query":
            given = documented_value(param.schema)
            if given is not None:
                return given
        return self._value(op, name)

    def _value(self, op: Operation, name: str) -> Any:
        if name in self.secret_fixtures:
            raise ValueError(f"{op.id}: secret {name!r} may only be a credential")
        if name not in self.values:
            raise MissingValue(op.id, name)
        return self.values[name]


def documented_value(schema: Mapping[str, Any]) -> Any:
    """The one value the document gives a query parameter, where the run has none:
    its schema's ``const``, ``default``, only ``enum`` value, or ``example`` (or first
    of ``examples``); ``None`` when it gives none. An API that versions every request
    with a required query parameter (Azure's ``api-version``) is probed with the
    version its document speaks, as a client reading that document would send it."""
    if not isinstance(schema, Mapping):
        return None
    for key in ("const", "default"):
        if schema.get(key) is not None:
            return schema[key]
    enum = schema.get("enum")
    if isinstance(enum, list) and len(enum) == 1:
        return enum[0]
    if schema.get("example") is not None:
        return schema["example"]
    examples = schema.get("examples")
    if isinstance(examples, list) and examples and examples[0] is not None:
        return examples[0]
    return None
