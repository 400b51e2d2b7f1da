"""The checks on the profile's files taken one by one, before they are read as a
profile: every ``*.schema.json`` a valid JSON Schema, the document valid OpenAPI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema

from errcontract._config.lint.finding import Problem, read
from errcontract._contract.document import checked, invalid, without_value
from errcontract._input.folder import Folder
from errcontract.exceptions import ConfigError


def schema_files(folder: Folder) -> Iterator[Problem]:
    """Every ``*.schema.json`` of the profile: JSON, and a valid JSON Schema."""
    for name in folder.glob("*.schema.json"):
        contents, problem = read(folder, name, json_only=True)
        if problem is not None:
            yield problem
            continue
        try:
            jsonschema.Draft202012Validator.check_schema(contents)
        except jsonschema.SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "(top)"
            message = without_value(exc)
            yield Problem(
                folder.path(name), where, f"not a valid JSON Schema: {message}"
            )


def openapi_document(document: Any, folder: Folder, relative: str) -> list[Problem]:
    """The profile's OpenAPI document, its references bundled, then validated."""
    from errcontract._input.refs import LOCAL, Origin

    path = folder.path(relative)
    where = (
        Origin.of_file(folder.root / relative)
        if folder.root is not None
        else Origin(uri=LOCAL, name=str(path))
    )
    try:
        bundled = checked(document, where, "the profile")
    except ConfigError as exc:
        return [Problem(path, "(document)", str(exc))]
    return openapi_problems(bundled, path)


def openapi_problems(document: Any, path: Path) -> list[Problem]:
    """Why ``document`` is not a valid OpenAPI document: no problem, or its first."""
    return [Problem(path, where, message) for where, message in invalid(document)]
