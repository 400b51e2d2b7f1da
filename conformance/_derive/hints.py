"""The suite's ``x-conformance-*`` hints, written into the derived document.

The derived profile runs against its own copy of the document, and what the suite
needs to build valid requests is put there as hints an engineer can read and edit:
which operations write, a body example where the document gives none, each path
variable's name and a create's cleanup. The resource graph (``resources.py``) says
where ids come from; this module records it in the document.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from errcontract._contract.document import (
    NoExample,
    deref,
    example_of,
    keeps,
    with_unique,
)
from errcontract._contract.surface import json_media, parse_operations
from errcontract._derive import resources
from errcontract._derive.facts import WRITES, Facts
from errcontract._input.refs import Local


def add_hints(facts: Facts, notes: list[str]) -> list[str]:
    """Add the suite's ``x-conformance-*`` hints and body examples to the document;
    the operations whose JSON body can be probed."""
    document = facts.document
    bodies = []
    for op_id, op in facts.operations.items():
        spec = facts.specs[op_id]
        if op.method in WRITES:
            spec.setdefault("x-conformance-writes", True)
        media = _json_media(document, spec)
        if media is None:
            continue
        schema = deref(document, media.get("schema"))
        if not isinstance(schema, Mapping) or not (
            schema.get("type") == "object" or "properties" in schema
        ):
            continue
        resolved = op.body_schema or {}
        if media.get("example") is None:
            try:
                example = example_of(resolved, document)
            except NoExample:
                notes.append(
                    f"{op_id}: no valid body could be made from its schema: give its "
                    "request body an `example` to probe it"
                )
                continue
            if not keeps(resolved, example):
                notes.append(
                    f"{op_id}: the body made from its schema does not keep it: give "
                    "its request body an `example` to probe it"
                )
                continue
            media["example"] = with_unique(example, resolved)
        bodies.append(op_id)
    facts.operations = parse_operations(document)
    graph = resources.discover(document, facts.operations)
    _add_variables(facts, graph)
    facts.setup = graph.steps
    facts.missing = graph.missing
    _add_cleanup(facts, graph)
    facts.operations = parse_operations(document)
    return bodies


def _json_media(document: Mapping[str, Any], spec: Mapping[str, Any]) -> Any:
    body = deref(document, spec.get("requestBody"))
    if not isinstance(body, Mapping):
        return None
    return json_media(body.get("content") or {}) or None


def _add_variables(facts: Facts, graph: resources.Graph) -> None:
    """Name each path parameter's variable (``x-conformance-var``), so valid requests
    and fixtures use it: the parameter's name, or one per collection where the name
    means different things (``orgs_id`` for ``{id}`` of ``/orgs/{id}``)."""
    local = Local(facts.document)
    for path, item in (facts.document.get("paths") or {}).items():
        item = local.deref(item)
        if not isinstance(item, Mapping):
            continue
        lists = [item.get("parameters") or []] + [
            (item.get(m) or {}).get("parameters") or []
            for m in ("get", "post", "put", "patch", "delete")
        ]
        for params in lists:
            for index, param in enumerate(params):
                target = local.deref(param)
                if not isinstance(target, dict) or target.get("in") != "path":
                    continue
                var = graph.variables.get((path, str(target.get("name"))))
                if var is None or target.get("x-conformance-var") == var:
                    continue
                if target is not param and var != target.get("name"):
                    # A shared component: give this path its own copy to name.
                    target = params[index] = copy.deepcopy(target)
                target.setdefault("x-conformance-var", var)


def _add_cleanup(facts: Facts, graph: resources.Graph) -> None:
    """A create whose item path has a DELETE deletes what it made."""
    deletes = {
        graph.variables.get((op.path, op.params("path")[-1].name)): op
        for op in facts.operations.values()
        if op.method == "DELETE" and op.params("path") and op.path.endswith("}")
    }
    for producers in graph.producers.values():
        for producer in producers:
            if producer.kind != "create":
                continue
            var = next((v for v, ps in graph.producers.items() if producer in ps), None)
            delete = deletes.get(var)
            if delete is None:
                continue
            facts.specs[producer.operation].setdefault(
                "x-conformance-cleanup",
                {"operation": delete.id, "var": var, "pick": producer.pick},
            )
