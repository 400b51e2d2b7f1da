"""The linter's finding, and the reading and schema validation every part of it shares:
each mistake becomes one ``Problem`` line naming its file and place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from errcontract._http.probe import STATUS_PATTERN, status_hint
from errcontract._input.folder import Folder
from errcontract._near import near_miss
from errcontract.exceptions import ConfigError


@dataclass(frozen=True)
class Problem:
    """One mistake: the file, the place in it, what is wrong (with the near miss)."""

    file: Path
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}"


def read(
    folder: Folder, relative: str, *, json_only: bool = False
) -> tuple[Any, Problem | None]:
    """A file of the profile, or the problem that kept it from being read."""
    try:
        return folder.load(relative, fail=ConfigError, json_only=json_only), None
    except ConfigError as exc:
        return None, Problem(folder.path(relative), "(file)", str(exc))


def schema_errors(data: Any, schema: Mapping[str, Any], path: Path) -> list[Problem]:
    """Every way ``data`` breaks ``schema``, in document order."""
    validator = jsonschema.Draft202012Validator(schema)
    found = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(top)"
        found.append(Problem(path, where, _explain(err)))
    return found


def _explain(err: jsonschema.ValidationError) -> str:
    """A validation error, with the near miss for a misspelt member name or status;
    of alternatives (``oneOf``), the one the value came nearest to."""
    schema = err.schema if isinstance(err.schema, Mapping) else {}
    if err.validator in ("oneOf", "anyOf") and err.context:
        # The alternative of the value's own type (a list, where a code or a list
        # of codes is taken), at the deepest place it went wrong.
        typed = [e for e in err.context if e.validator != "type" or e.path]
        if not typed:
            return _explain(jsonschema.exceptions.best_match(err.context))
        return _explain(max(typed, key=lambda e: len(e.path)))
    if schema.get("pattern") == STATUS_PATTERN and err.validator in (
        "pattern",
        "minimum",
        "maximum",
    ):
        return status_hint(err.instance)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        known = list((schema.get("properties") or {}).keys())
        extra = [k for k in err.instance if k not in known]
        if extra:
            names = ", ".join(f"{k!r}{near_miss(k, known)}" for k in extra)
            return f"unknown member {names}; known: {', '.join(known) or 'none'}"
    return err.message
