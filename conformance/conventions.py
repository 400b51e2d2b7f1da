"""Error conventions: a convention's shape and clause templates, from
``schemas/conventions/<name>/convention.yaml`` (format
``schemas/meta/convention.schema.json``), with its ``include`` files expanded.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from conformance.exceptions import ConfigError
from conformance.profile import meta_schema, schemas_root


@dataclass(frozen=True)
class Convention:
    """An error convention: its shape and its clause templates."""

    name: str
    directory: Path
    data: Mapping[str, Any]

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
        near = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise ConfigError(
            f"unknown convention {name!r} from {source}{hint}; known: "
            f"{', '.join(known)}"
        )
    return _read(name)


@cache
def _read(name: str) -> Convention:
    """A shipped convention, read and checked once per process."""
    directory = conventions_root() / name
    data = yaml.safe_load((directory / "convention.yaml").read_text(encoding="utf-8"))
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
        shared = yaml.safe_load(
            (directory / item["include"]).read_text(encoding="utf-8")
        )
        for template in shared["clauses"]:
            out.append({**template, "id": f"{data['prefix']}-{template['id']}"})
    return out
