"""The ways one variable's value can be got: links, listings, creates, members.

Each finder proposes producers for a variable, an operation to send and where in its
answer the id sits; the resource graph (``resources.py``) ranks them and orders the
setup steps. Kept apart so each heuristic reads on its own, with the evidence it
trusts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from errcontract._contract.surface import Operation
from errcontract._derive.paths import VARIABLE, noun, segments, stem
from errcontract._derive.responses import Reader, id_member

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


def links(
    var: str,
    variables: Mapping[tuple[str, str], str],
    operations: Mapping[str, Operation],
    specs: Mapping[str, Mapping[str, Any]],
    reader: Reader,
) -> list[Producer]:
    """Operations whose OpenAPI ``links`` hand the variable to another operation."""
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
                    if variables.get((target.path, name)) != var:
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


def listings(
    base: str,
    names: tuple[str, ...],
    by_path: Mapping[tuple[str, str], Operation],
    specs: Mapping[str, Mapping[str, Any]],
    reader: Reader,
    operations: Mapping[str, Operation],
) -> list[Producer]:
    """GET on the collection, then GETs of collections with the same last noun."""
    out = []
    others = {op.path for op in operations.values() if op.method == "GET"} - {base}
    same = [base, *sorted(others, key=len)]
    for path in same:
        if path != base and (not noun(base) or noun(path) != noun(base)):
            continue
        if VARIABLE.fullmatch(segments(path)[-1] if segments(path) else ""):
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


def creates(
    base: str,
    names: tuple[str, ...],
    by_path: Mapping[tuple[str, str], Operation],
    specs: Mapping[str, Mapping[str, Any]],
    reader: Reader,
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
        member = id_member(reader.members(schema), names)
        if member is not None:
            out.append(Producer(op.id, f"/{member}", "create", True))
        elif any(h.lower() == "location" for h in reader.headers(success)):
            out.append(Producer(op.id, HEADER_PICK + "Location", "create", True))
        elif schema is None:
            out.append(Producer(op.id, "/id", "create", True))
    return out


def _plain(noun_: str) -> str:
    return re.sub(r"[^a-z0-9]", "", noun_)


def named(
    var: str,
    by_path: Mapping[tuple[str, str], Operation],
    specs: Mapping[str, Mapping[str, Any]],
    reader: Reader,
    operations: Mapping[str, Operation],
) -> list[Producer]:
    """A collection named after the variable (``bank_id``: ``/banking/banks``;
    ``recipient_id``: ``/bank_recipients``), listed or created."""
    thing = stem(var)
    if not thing:
        return []
    out = []
    for path, method in sorted(by_path):
        last = segments(path)[-1] if segments(path) else ""
        if VARIABLE.fullmatch(last) or method not in ("GET", "POST"):
            continue
        plain = _plain(noun(path))
        if not any(plain.endswith(thing + s) for s in ("", "s", "es")):
            continue
        if method == "GET":
            out += listings(path, (var,), by_path, specs, reader, operations)
        else:
            out += creates(path, (var,), by_path, specs, reader)
    return out


def members(
    var: str,
    operations: Mapping[str, Operation],
    specs: Mapping[str, Mapping[str, Any]],
    reader: Reader,
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
