"""What a document says that the clause templates and the profile are made from.

Every part of a derived profile asks the same questions of the document: which
operations are secured and by which scheme, which declare a status or a header,
which a template's ``select`` picks. They are answered here, once, so the catalog
(``catalog.py``), the hints (``hints.py``) and ``profile.yaml`` (``meta.py``) read
one account of the document rather than each its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from errcontract._contract.document import deref
from errcontract._contract.surface import parse_operations
from errcontract._derive import error_shapes
from errcontract.strategies._internal.bodies import JSONAPI
from errcontract.strategies._internal.negotiation import response_media_types

REQUEST_ID = re.compile(r"^(x-)?(request|correlation|trace)[-_]?id$", re.IGNORECASE)
"""Response headers taken for a request id when the document declares one."""

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
"""Methods that change what they act on: hinted ``x-conformance-writes`` in the
document, and the secured ones probed as writes."""


class Facts:
    """What the templates need to know of a document and of the run."""

    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        request_id_header: str | None,
        rate_limit: float | None,
    ) -> None:
        self.document = document
        self.operations = parse_operations(document)
        self.specs: dict[str, dict[str, Any]] = {}
        for path, item in (document.get("paths") or {}).items():
            item = deref(document, item)
            for method in ("get", "post", "put", "patch", "delete"):
                if isinstance(item.get(method), Mapping):
                    spec = item[method]
                    op_id = spec.get("operationId") or f"{method.upper()} {path}"
                    self.specs[op_id] = spec
        self.schemes = deref(
            document, (document.get("components") or {}).get("securitySchemes") or {}
        )
        self.rate_limit = rate_limit
        self.setup: list[dict[str, Any]] = []
        self.missing: dict[str, str] = {}
        self.naming = error_shapes.Naming(None, None, judged=True)
        self.request_id_header = request_id_header or self._declared_request_id()

    def security(self, op_id: str) -> list[Mapping[str, Any]]:
        spec = self.specs[op_id]
        req = spec.get("security", self.document.get("security", []))
        return list(req or [])

    def secured(self, op_id: str) -> bool:
        requirements = self.security(op_id)
        # An empty requirement ({}) makes the credential optional: not secured.
        return bool(requirements) and all(requirements)

    def scheme(self) -> tuple[str, Mapping[str, Any]] | None:
        """The security scheme most secured operations name first."""
        counts: dict[str, int] = {}
        for op_id in self.operations:
            if self.secured(op_id):
                first = next(iter(self.security(op_id)[0]), None)
                if first is not None and first in self.schemes:
                    counts[first] = counts.get(first, 0) + 1
        if not counts:
            return None
        name = max(sorted(counts), key=lambda n: counts[n])
        return name, deref(self.document, self.schemes[name])

    def responses(self, op_id: str) -> dict[str, Mapping[str, Any]]:
        raw = self.specs[op_id].get("responses") or {}
        return {str(s): deref(self.document, r) for s, r in raw.items()}

    def headers(self, op_id: str, status: str) -> dict[str, Mapping[str, Any]]:
        response = self.responses(op_id).get(status) or {}
        raw = response.get("headers") or {}
        return {str(n): deref(self.document, h) for n, h in raw.items()}

    def _declared_request_id(self) -> str | None:
        counts: dict[str, int] = {}
        for op_id in self.operations:
            for status in self.responses(op_id):
                for name in self.headers(op_id, status):
                    if REQUEST_ID.match(name):
                        counts[name] = counts.get(name, 0) + 1
        return max(sorted(counts), key=lambda n: counts[n]) if counts else None

    def declares(self, op_id: str, status: str) -> bool:
        return status in self.operations[op_id].statuses

    def selection(self, name: str, bodies: Sequence[str]) -> list[str]:
        ops = self.operations
        if name == "secured":
            return [o for o in ops if self.secured(o)]
        if name == "json_bodies":
            return list(bodies)
        if name == "required_queries":
            return [o for o in ops if any(p.required for p in ops[o].params("query"))]
        if name == "constrained_queries":
            return [
                o
                for o in ops
                if any(_constrained(p.schema) for p in ops[o].params("query"))
            ]
        if name == "declares_415":
            return [o for o in bodies if self.declares(o, "415")]
        if name == "declares_409":
            return [
                o for o in bodies if ops[o].method == "POST" and self.declares(o, "409")
            ]
        if name == "items":
            return [
                o
                for o in ops
                if ops[o].params("path") and ops[o].method in ("GET", "DELETE")
            ]
        if name == "refusable_writes":
            # A write with a JSON body to an item the document also reads (GET on
            # the same path): the item can be read back around a refused write.
            read = {op.path for op in ops.values() if op.method == "GET"}
            return [
                o
                for o in bodies
                if ops[o].method in ("PUT", "PATCH", "POST")
                and ops[o].params("path")
                and ops[o].path.endswith("}")
                and ops[o].path in read
            ]
        if name == "rate_limited":
            if self.rate_limit is None:
                return []
            plain = [o for o in self.listings() if self.declares(o, "429")]
            return plain[:1]
        if name == "owned_items":
            return [
                o
                for o in ops
                if self.secured(o)
                and ops[o].params("path")
                and ops[o].path.endswith("}")
            ]
        if name == "secured_writes":
            return [o for o in ops if self.secured(o) and ops[o].method in WRITES]
        if name == "paths":
            return self.per_path()
        if name == "routes":
            # One listing for an unknown path under the base (more would send the
            # same probe again) and each item path for a segment after it.
            by_path = self.per_path()
            flat = [o for o in by_path if not ops[o].params("path")][:1]
            items = [
                o
                for o in by_path
                if ops[o].params("path") and ops[o].path.endswith("}")
            ]
            return [*flat, *items]
        if name == "negotiable":
            return [o for o in ops if self.negotiable(o)]
        if name == "jsonapi_bodies":
            return [o for o in bodies if ops[o].body_media_type == JSONAPI]
        if name == "jsonapi_negotiable":
            return [
                o
                for o in ops
                if self.negotiable(o) and JSONAPI in response_media_types(ops[o])
            ]
        if name == "ignorable":
            # A read, a PUT, an item's DELETE (to an id naming nothing) or a write
            # with a body; the family sends a POST or PATCH only where its body
            # draws a fresh ${unique_digits} (a repeat that cannot conflict).
            return [
                o
                for o in ops
                if ops[o].method in ("GET", "PUT")
                or (ops[o].method == "DELETE" and ops[o].params("path"))
                or o in bodies
            ]
        if name == "robustness":
            queried = [o for o in self.listings() if ops[o].params("query")]
            return _ordered([*bodies, *self.selection("items", bodies), *queried])
        raise ValueError(f"unknown selection {name!r}")

    def per_path(self) -> list[str]:
        """One operation per path of the document, in its order: the GET where
        there is one (a read stands for its path), else the first declared."""
        ops = self.operations
        chosen: dict[str, str] = {}
        for op_id, op in ops.items():
            current = chosen.get(op.path)
            if current is None or (op.method == "GET" and ops[current].method != "GET"):
                chosen[op.path] = op_id
        return list(chosen.values())

    def negotiable(self, op_id: str) -> bool:
        """Whether ``op_id`` is probed with an ``Accept`` it cannot satisfy: every
        operation but a DELETE, whose valid request would remove what the run's
        other probes use (and whose success rarely has content to negotiate)."""
        return self.operations[op_id].method != "DELETE"

    def listings(self) -> list[str]:
        """GET operations a valid request needs nothing discovered for."""
        return [
            o
            for o, op in self.operations.items()
            if op.method == "GET"
            and not op.params("path")
            and not any(p.required for p in op.params("query"))
        ]


_CONSTRAINTS = frozenset(
    {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum", "const"}
    | {"pattern", "minLength", "maxLength", "format", "multipleOf"}
)


def _constrained(schema: Mapping[str, Any]) -> bool:
    """Whether a parameter's schema refuses some string a query can carry."""
    kind = schema.get("type")
    return bool(_CONSTRAINTS & set(schema)) or (kind not in (None, "string"))


def _ordered(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


SELECTIONS: Mapping[str, str] = {
    "secured": "is secured by a security scheme",
    "json_bodies": "takes a JSON object body the suite can build",
    "required_queries": "has a required query parameter",
    "constrained_queries": "has a query parameter whose schema refuses some value",
    "declares_415": "takes a JSON body and declares 415",
    "declares_409": "creates (POST, JSON body) and declares 409",
    "items": "reads or deletes one item by id (GET or DELETE with a path parameter)",
    "refusable_writes": "writes a JSON body to an item the document also reads "
    "(PUT, PATCH or POST on a path ending in an id that has a GET)",
    "rate_limited": "is a listing GET that declares 429",
    "owned_items": "acts on one secured resource by id (its path ends in one)",
    "secured_writes": "is a secured write (POST, PUT, PATCH or DELETE)",
    "robustness": "takes a body, an id or a query",
    "paths": "stands for its path (its GET, else its first operation)",
    "routes": "is a listing or an item read whose path ends in an id",
    "negotiable": "is not a DELETE",
    "jsonapi_bodies": "takes a JSON body declared in application/vnd.api+json",
    "jsonapi_negotiable": "is not a DELETE and declares application/vnd.api+json "
    "responses",
    "ignorable": "is a read, a PUT, an item's DELETE or a write with a JSON body",
}
"""What each template ``select`` picks, as the notes say it."""
