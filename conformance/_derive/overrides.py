"""A team's overrides file: derived clauses dropped or changed without a fork.

A derived profile is re-derived when the document changes, so edits to it are
lost; an overrides file (``--overrides``) keeps a team's corrections apart and
applies them to each derivation, checked as strictly as a hand-written catalog.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema

from errcontract._contract.profile import meta_schema
from errcontract._input.loading import load_data
from errcontract._near import near_miss
from errcontract.exceptions import ConfigError


def overridden(
    clauses: list[dict[str, Any]], overrides: Mapping[Any, Any], source: str
) -> list[dict[str, Any]]:
    """The clauses with an overrides file applied: ``skip`` ids dropped, ``clauses``
    members merged over the derived ones (each result checked as a catalog entry)."""
    if any(isinstance(k, bool) for k in overrides):
        raise ConfigError(
            f"{source}: a key reads as a boolean (YAML takes off, no, on, yes for "
            "true or false): write `skip:` for the clause ids to drop"
        )
    unknown_keys = sorted(str(k) for k in set(overrides) - {"skip", "clauses"})
    if unknown_keys:
        raise ConfigError(
            f"{source}: unknown key {unknown_keys[0]!r}; an overrides file has `skip` "
            "(clause ids to drop) and `clauses` (id -> members to replace)"
        )
    ids = [str(c["id"]) for c in clauses]
    skip = overrides.get("skip") or []
    changes = overrides.get("clauses") or {}
    if not isinstance(skip, list) or not isinstance(changes, Mapping):
        raise ConfigError(
            f"{source}: `skip` must be a list of clause ids and `clauses` a mapping"
        )
    for cid in [*skip, *changes]:
        if cid not in ids:
            hint = near_miss(str(cid), ids)
            raise ConfigError(
                f"{source}: no derived clause {cid!r}{hint}; derived: {', '.join(ids)}"
            )
    entry = meta_schema("catalog.schema.json")["properties"]["clauses"]["items"]
    out = []
    for clause in clauses:
        if clause["id"] in skip:
            continue
        change = changes.get(clause["id"])
        if change is not None:
            if not isinstance(change, Mapping) or "id" in change:
                raise ConfigError(
                    f"{source}: clauses/{clause['id']} must be a mapping of members "
                    "to replace (not the id)"
                )
            clause = {**clause, **change}
            errors = list(jsonschema.Draft202012Validator(entry).iter_errors(clause))
            if errors:
                where = "/".join(str(p) for p in errors[0].absolute_path) or "(top)"
                raise ConfigError(
                    f"{source}: clauses/{clause['id']} at {where}: {errors[0].message}"
                )
        out.append(clause)
    return out


def read_overrides(where: str, source: str) -> Mapping[str, Any]:
    """The overrides file, parsed, or a ``ConfigError`` naming it."""
    path = Path(where).expanduser()
    data = load_data(
        path,
        fail=lambda problem: ConfigError(
            f"the overrides file {path} (from {source}) {problem}"
        ),
    )
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"the overrides file {path} (from {source}) is not a mapping")
    return data
