"""The vocabulary of paths: collections, nouns and the variables in them.

The resource graph (``resources.py``) matches operations to the ids they give by
their paths alone where the document says nothing else: ``/orgs`` lists what
``/orgs/{orgId}`` takes, ``bank_id`` names ``/banking/banks``. These are the words
it matches by, and the variable each path parameter is given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from errcontract._contract.surface import Operation

VARIABLE = re.compile(r"\{([^}/]+)\}")


def segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def collection(path: str, name: str) -> str:
    """The path before ``/{name}`` (``/orgs`` for ``/orgs/{orgId}/repos``)."""
    index = path.find("{" + name + "}")
    return path[:index].rstrip("/") if index > 0 else ""


def noun(path: str) -> str:
    """The last literal segment of a path (``repos`` of ``/orgs/{orgId}/repos``)."""
    literal = [s for s in segments(path) if not VARIABLE.fullmatch(s)]
    return literal[-1].lower() if literal else ""


def variable_names(operations: Mapping[str, Operation]) -> dict[tuple[str, str], str]:
    """(path, parameter name) -> variable: the parameter's own name, or one per
    collection where the name means different things on different paths."""
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


def stem(var: str) -> str:
    """What a variable names (``repo`` of ``repoId``, ``bank`` of ``bank_id``)."""
    match = re.fullmatch(r"(.+?)[_-]?(?:id|Id|ID|uuid|Uuid|UUID)", var)
    return re.sub(r"[^a-z0-9]", "", match.group(1).lower()) if match else ""
