"""Error conventions: a convention's shape and clause templates, from
``schemas/conventions/<name>/convention.yaml`` (format
``schemas/meta/convention.schema.json``), with its ``include`` files expanded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from errcontract._contract.profile import meta_schema, schemas_root
from errcontract._input.loading import load_data
from errcontract._near import near_miss
from errcontract.exceptions import ConfigError


@dataclass(frozen=True)
class Convention:
    """An error convention: its shape and its clause templates."""

    name: str
    directory: Path
    data: Mapping[str, Any]

    def may_derive(self, clause_id: str) -> bool:
        """Whether a document could give a clause ``clause_id`` (an ``each``
        template gives ``<id>-<HEADER>`` ones)."""
        for template in self.data["clauses"]:
            cid = str(template["id"])
            if clause_id == cid or (
                template.get("each") and clause_id.startswith(f"{cid}-")
            ):
                return True
        return False

    def template_ids(self) -> list[str]:
        """The ids of the templates (``<id>-*`` for one clause per header)."""
        return [
            f"{t['id']}-*" if t.get("each") else str(t["id"])
            for t in self.data["clauses"]
        ]

    @property
    def reference_app(self) -> str | None:
        """The module of the convention's embedded reference server."""
        app = self.data.get("reference_app")
        return str(app) if app else None


def conventions_root() -> Path:
    """Where the shipped conventions live."""
    return schemas_root() / "conventions"


def available_conventions() -> list[str]:
    """Names of the shipped conventions."""
    root = conventions_root()
    return sorted(p.parent.name for p in root.glob("*/convention.yaml"))


def load_convention(name: str, source: str = "--convention") -> Convention:
    """The convention ``name``, or a ``ConfigError`` naming the near miss."""
    known = available_conventions()
    if name not in known:
        hint = near_miss(name, known)
        raise ConfigError(
            f"unknown convention {name!r} from {source}{hint}; known: "
            f"{', '.join(known)}"
        )
    return _read(name)


@cache
def _read(name: str) -> Convention:
    """A shipped convention, read and checked once per process."""
    directory = conventions_root() / name
    data = load_data(directory / "convention.yaml")
    schema = meta_schema("convention.schema.json")
    templates = _templates(directory, data)
    expanded = {**data, "clauses": templates}
    for what in (data, expanded):  # the file as written, and with its includes
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(what))
        if errors:  # a shipped file: a bug of the suite, not of the user
            where = "/".join(str(p) for p in errors[0].absolute_path)
            raise RuntimeError(
                f"{directory / 'convention.yaml'} at {where}: {errors[0].message}"
            )
    return Convention(name, directory, expanded)


def _templates(directory: Path, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The convention's templates, each ``include`` expanded in place with the
    convention's prefix before the included ids."""
    out: list[dict[str, Any]] = []
    for item in data["clauses"]:
        if "include" not in item:
            out.append(dict(item))
            continue
        shared = load_data(directory / item["include"])
        for template in shared["clauses"]:
            out.append({**template, "id": f"{data['prefix']}-{template['id']}"})
    return out
