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

The finders of producers are in ``producers.py``; this module ranks what they find
and chains it into setup steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from errcontract._contract.surface import Operation
from errcontract._derive import producers
from errcontract._derive.paths import collection, variable_names
from errcontract._derive.producers import Producer
from errcontract._derive.responses import Reader
from errcontract._input.refs import Local


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
    graph = Graph(variables=variable_names(operations))
    reader = Reader(document)
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
        found += producers.links(var, graph.variables, operations, specs, reader)
        for path, name in sorted(places):
            base = collection(path, name)
            names = (name, var)
            found += producers.listings(base, names, by_path, specs, reader, operations)
            found += producers.creates(base, names, by_path, specs, reader)
        found += producers.named(var, by_path, specs, reader, operations)
        found += producers.members(var, operations, specs, reader)
        unique: dict[tuple[str, str], Producer] = {}
        for producer in found:
            unique.setdefault((producer.operation, producer.pick), producer)
        order = {"link": 0, "listing": 1, "member": 2, "create": 3}
        graph.producers[var] = sorted(
            unique.values(), key=lambda p: (p.writes, order[p.kind])
        )
    _order(graph, operations)
    return graph


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
