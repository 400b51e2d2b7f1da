"""Where each path parameter's value comes from: the document's resource graph.

A valid request to ``GET /orgs/{orgId}/repos`` needs an ``orgId`` that exists, and
an API gives one only through its own operations. For every path variable this
module lists the operations that produce one, best first: an OpenAPI ``links``
object naming it; the collection's listing (``GET /orgs``), or a listing of the
same noun elsewhere (``/repos/{repoId}`` whose items are listed at
``/orgs/{orgId}/repos``); a create on the collection whose answer carries the new
id in its body or names it in ``Location``; a listing whose items carry a member of
the variable's name. Producers are chained: a producer needing another variable
comes after the step that gives it. The result is the profile's ``setup`` steps
(``or:`` alternatives tried in order at run time: a listing may be empty, a create
is not sent in read-only runs), and every variable nothing produces, for a note
naming the ``--fixture`` to give.

A parameter name that means different things on different paths (``{id}`` of
``/orgs/{id}`` and of ``/repos/{id}``) gets one variable per collection
(``orgs_id``, ``repos_id``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from errcontract.refs import Local
from errcontract.surface import Operation

_VARIABLE = re.compile(r"\{([^}/]+)\}")
_LINK_BODY = re.compile(r"^\$response\.body#(/.*)?$")
_LINK_HEADER = re.compile(r"^\$response\.header\.([A-Za-z0-9!#$%&'*+.^_`|~-]+)$")
HEADER_PICK = "header:"
"""A pick that reads a response header (``header:Location``): the value is the last
path segment of the URL it names."""


@dataclass(frozen=True)
class Producer:
    """One way to get a variable's value: send ``operation``, read ``pick``."""

    operation: str
    pick: str
    kind: str
    """``link``, ``listing``, ``create`` or ``member`` (how it was found)."""
    writes: bool

    def step(self) -> dict[str, str]:
        return {"operation": self.operation, "pick": self.pick}


@dataclass
class Graph:
    """The variables of a document's paths and what produces each."""

    variables: dict[tuple[str, str], str] = field(default_factory=dict)
    """(path, parameter name) -> the variable a valid request puts there."""
    producers: dict[str, list[Producer]] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)
    """The setup steps, in an order that gives each its inputs first."""
    missing: dict[str, str] = field(default_factory=dict)
    """Variable -> why nothing produces it."""


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def collection(path: str, name: str) -> str:
    """The path before ``/{name}`` (``/orgs`` for ``/orgs/{orgId}/repos``)."""
    index = path.find("{" + name + "}")
    return path[:index].rstrip("/") if index > 0 else ""


def noun(path: str) -> str:
    """The last literal segment of a path (``repos`` of ``/orgs/{orgId}/repos``)."""
    literal = [s for s in _segments(path) if not _VARIABLE.fullmatch(s)]
    return literal[-1].lower() if literal else ""


def _variable_names(operations: Mapping[str, Operation]) -> dict[tuple[str, str], str]:
    nouns: dict[str, set[str]] = {}
    for op in operations.values():
        for param in op.params("path"):
            owner = noun(collection(op.path, param.name))
            nouns.setdefault(param.name, set()).add(owner)
    out: dict[tuple[str, str], str] = {}
    for op in operations.values():
        for param in op.params("path"):
            if param.var:
                out[(op.path, param.name)] = param.var
                continue
            owner = noun(collection(op.path, param.name))
            if len(nouns[param.name]) <= 1 or not owner:
                out[(op.path, param.name)] = param.name
            else:
                slug = re.sub(r"[^A-Za-z0-9]+", "_", owner).strip("_") or "item"
                out[(op.path, param.name)] = f"{slug}_{param.name}"
    return out


class _Reader:
    """The parts of a document the producers are read from."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.local = Local(document)

    def responses(self, spec: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        raw = self.local.deref(spec.get("responses")) or {}
        return {
            str(status): self.local.deref(response) or {}
            for status, response in raw.items()
            if isinstance(raw, Mapping)
        }

    def success(self, spec: Mapping[str, Any]) -> Mapping[str, Any]:
        found = self.responses(spec)
        for status in ("201", "200", "202", "2XX"):
            if isinstance(found.get(status), Mapping):
                return found[status]
        return {}

    def body_schema(self, response: Mapping[str, Any]) -> Any:
        content = response.get("content") or {}
        for media_type, media in (
            content.items() if isinstance(content, Mapping) else ()
        ):
            if "json" in str(media_type).lower() and isinstance(media, Mapping):
                return self.local.deref(media.get("schema"))
        return None

    def members(self, schema: Any) -> list[str]:
        schema = self.local.deref(schema)
        if not isinstance(schema, Mapping):
            return []
        found = list((schema.get("properties") or {}).keys())
        for part in schema.get("allOf") or []:
            found += self.members(part)
        return found

    def item_pointer(self, schema: Any, wanted: Iterable[str]) -> str | None:
        """Where the first item's id sits in a listing (``/0/id``, ``/data/0/id``)."""
        schema = self.local.deref(schema)
        if not isinstance(schema, Mapping):
            return None
        prefix = ""
        if schema.get("type") != "array" and "items" not in schema:
            arrays = [
                name
                for name, sub in (schema.get("properties") or {}).items()
                if isinstance(self.local.deref(sub), Mapping)
                and self.local.deref(sub).get("type") == "array"
            ]
            if len(arrays) != 1:
                return None
            prefix = "/" + arrays[0].replace("~", "~0").replace("/", "~1")
            schema = self.local.deref(schema["properties"][arrays[0]])
        members = self.members(schema.get("items"))
        member = _id_member(members, wanted)
        return None if member is None else f"{prefix}/0/{member}"

    def headers(self, response: Mapping[str, Any]) -> list[str]:
        raw = response.get("headers") or {}
        return [str(name) for name in raw] if isinstance(raw, Mapping) else []


def _id_member(members: list[str], wanted: Iterable[str]) -> str | None:
    for candidate in (*wanted, "id"):
        if candidate in members:
            return candidate
    lowered = {m.lower(): m for m in members}
    for candidate in wanted:
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    return None


def _specs(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    local = Local(document)
    specs: dict[str, Mapping[str, Any]] = {}
    for path, item in (document.get("paths") or {}).items():
        item = local.deref(item)
        if not isinstance(item, Mapping):
            continue
        for method in ("get", "post", "put", "patch", "delete"):
            spec = item.get(method)
            if isinstance(spec, Mapping):
                specs[spec.get("operationId") or f"{method.upper()} {path}"] = spec
    return specs


def discover(document: Mapping[str, Any], operations: Mapping[str, Operation]) -> Graph:
    """The resource graph of ``document``: variables, producers, setup steps."""
    graph = Graph(variables=_variable_names(operations))
    reader = _Reader(document)
    specs = _specs(document)
    by_path: dict[tuple[str, str], Operation] = {
        (op.path, op.method): op for op in operations.values()
    }
    wanted: dict[str, set[tuple[str, str]]] = {}
    for (path, name), var in graph.variables.items():
        wanted.setdefault(var, set()).add((path, name))
    for op in operations.values():
        # Values a valid body or query takes (``${bank_id}``): no collection of
        # their own in a path, found by name only.
        for var in op.needed_vars():
            wanted.setdefault(var, set())
    for var, places in sorted(wanted.items()):
        found: list[Producer] = []
        found += _links(var, graph, operations, specs, reader)
        for path, name in sorted(places):
            base = collection(path, name)
            names = (name, var)
            found += _listings(base, names, by_path, specs, reader, operations)
            found += _creates(base, names, by_path, specs, reader)
        found += _named(var, by_path, specs, reader, operations)
        found += _members(var, operations, specs, reader)
        unique: dict[tuple[str, str], Producer] = {}
        for producer in found:
            unique.setdefault((producer.operation, producer.pick), producer)
        order = {"link": 0, "listing": 1, "member": 2, "create": 3}
        graph.producers[var] = sorted(
            unique.values(), key=lambda p: (p.writes, order[p.kind])
        )
    _order(graph, operations)
    return graph


def _links(
    var: str,
    graph: Graph,
    operations: Mapping[str, Operation],
    specs: Mapping[str, Mapping[str, Any]],
    reader: _Reader,
) -> list[Producer]:
    out = []
    for op_id, spec in specs.items():
        for response in reader.responses(spec).values():
            for link in (response.get("links") or {}).values():
                link = reader.local.deref(link)
                if not isinstance(link, Mapping):
                    continue
                target = operations.get(str(link.get("operationId")))
                if target is None:
                    continue
                for name, expression in (link.get("parameters") or {}).items():
                    name = str(name).rpartition(".")[2]  # "path.orgId" -> "orgId"
                    if graph.variables.get((target.path, name)) != var:
                        continue
                    pick = _link_pick(str(expression))
                    if pick is not None and op_id in operations:
                        out.append(
                            Producer(op_id, pick, "link", operations[op_id].writes)
                        )
    return out


def _link_pick(expression: str) -> str | None:
    body = _LINK_BODY.match(expression.strip())
    if body:
        return body.group(1) or ""
    header = _LINK_HEADER.match(expression.strip())
    if header:
        return HEADER_PICK + header.group(1)
    return None


def _listings(
    base: str,
    names: tuple[str, ...],
    by_path: Mapping[tuple[str, str], Operation],
    specs: Mapping[str, Mapping[str, Any]],
    reader: _Reader,
    operations: Mapping[str, Operation],
) -> list[Producer]:
    """GET on the collection, then GETs of collections with the same last noun."""
    out = []
    others = {op.path for op in operations.values() if op.method == "GET"} - {base}
    same = [base, *sorted(others, key=len)]
    for path in same:
        if path != base and (not noun(base) or noun(path) != noun(base)):
            continue
        if _VARIABLE.fullmatch(_segments(path)[-1] if _segments(path) else ""):
            continue  # an item, not a collection
        op = by_path.get((path, "GET"))
        if op is None:
            continue
        schema = reader.body_schema(reader.success(specs[op.id]))
        pointer = reader.item_pointer(schema, names)
        if pointer is None and schema is None:
            # The document declares no body: the most common listing shape, tried
            # (a body without it only makes the step give nothing, and say so).
            pointer = "/0/id"
        if pointer is not None:
            out.append(Producer(op.id, pointer, "listing", False))
    return out


def _creates(
    base: str,
    names: tuple[str, ...],
    by_path: Mapping[tuple[str, str], Operation],
    specs: Mapping[str, Mapping[str, Any]],
    reader: _Reader,
) -> list[Producer]:
    """POST on the collection (or a collection of the same noun) answering the id."""
    out = []
    others = {path for path, method in by_path if method == "POST"} - {base}
    candidates = [base, *sorted(others, key=len)]
    for path in candidates:
        if path != base and (not noun(base) or noun(path) != noun(base)):
            continue
        op = by_path.get((path, "POST"))
        if op is None or (op.body_example is None and op.body_schema is not None):
            continue
        success = reader.success(specs[op.id])
        schema = reader.body_schema(success)
        member = _id_member(reader.members(schema), names)
        if member is not None:
            out.append(Producer(op.id, f"/{member}", "create", True))
        elif any(h.lower() == "location" for h in reader.headers(success)):
            out.append(Producer(op.id, HEADER_PICK + "Location", "create", True))
        elif schema is None:
            out.append(Producer(op.id, "/id", "create", True))
    return out


def stem(var: str) -> str:
    """What a variable names (``repo`` of ``repoId``, ``bank`` of ``bank_id``)."""
    match = re.fullmatch(r"(.+?)[_-]?(?:id|Id|ID|uuid|Uuid|UUID)", var)
    return re.sub(r"[^a-z0-9]", "", match.group(1).lower()) if match else ""


def _plain(noun_: str) -> str:
    return re.sub(r"[^a-z0-9]", "", noun_)


def _named(
    var: str,
    by_path: Mapping[tuple[str, str], Operation],
    specs: Mapping[str, Mapping[str, Any]],
    reader: _Reader,
    operations: Mapping[str, Operation],
) -> list[Producer]:
    """A collection named after the variable (``bank_id``: ``/banking/banks``;
    ``recipient_id``: ``/bank_recipients``), listed or created."""
    thing = stem(var)
    if not thing:
        return []
    out = []
    for path, method in sorted(by_path):
        last = _segments(path)[-1] if _segments(path) else ""
        if _VARIABLE.fullmatch(last) or method not in ("GET", "POST"):
            continue
        plain = _plain(noun(path))
        if not any(plain.endswith(thing + s) for s in ("", "s", "es")):
            continue
        if method == "GET":
            out += _listings(path, (var,), by_path, specs, reader, operations)
        else:
            out += _creates(path, (var,), by_path, specs, reader)
    return out


def _members(
    var: str,
    operations: Mapping[str, Operation],
    specs: Mapping[str, Mapping[str, Any]],
    reader: _Reader,
) -> list[Producer]:
    """A listing whose items carry a member named after the variable itself."""
    out = []
    for op in operations.values():
        if op.method != "GET" or var == "id":
            continue
        schema = reader.body_schema(reader.success(specs[op.id]))
        pointer = reader.item_pointer(schema, (var,))
        if pointer is not None and pointer.endswith(f"/{var}"):
            out.append(Producer(op.id, pointer, "member", False))
    return out


def _order(graph: Graph, operations: Mapping[str, Operation]) -> None:
    """Steps in dependency order; a producer whose inputs nothing gives is dropped."""
    state: dict[str, str] = {}

    def needs(producer: Producer) -> set[str]:
        op = operations[producer.operation]
        found = {
            graph.variables.get((op.path, p.name), p.name) for p in op.params("path")
        }
        return found | (op.needed_vars() - {p.name for p in op.params("path")})

    def visit(var: str) -> bool:
        if state.get(var) == "done":
            return True
        if state.get(var) in ("visiting", "missing"):
            return False
        state[var] = "visiting"
        usable = []
        for producer in graph.producers.get(var, []):
            inputs = needs(producer) - {var}
            if all(visit(v) for v in sorted(inputs)):
                usable.append(producer)
        if not usable:
            state[var] = "missing"
            graph.missing[var] = (
                "nothing in the document produces it"
                if not graph.producers.get(var)
                else "its producers ("
                + ", ".join(p.operation for p in graph.producers[var])
                + ") need values nothing produces"
            )
            return False
        first, *rest = usable
        step: dict[str, Any] = {"var": var, **first.step()}
        if rest:
            step["or"] = [p.step() for p in rest]
        graph.steps.append(step)
        state[var] = "done"
        return True

    for var in sorted(graph.producers):
        visit(var)
