"""The profile linter: every mistake in a profile's files, one line each, before any
request is sent.

``conformance check-profile DIR`` prints them all; every run checks the same at start
and stops with the first (exit 2). A profile mistake must never look like a broken
contract, nor turn into a clause that passes because its check could not run.

This module holds the entry points and the order of the checks: the files one by one
(``files``), then, once they read as a profile, its clauses (``clauses``) and what
``profile.yaml`` names (``surface``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from errcontract._config.lint.clauses import clause_problems
from errcontract._config.lint.files import openapi_document, schema_files
from errcontract._config.lint.finding import Problem, read, schema_errors
from errcontract._config.lint.surface import surface_problems
from errcontract._contract.profile import (
    Profile,
    load_profile_at,
    meta_schema,
)
from errcontract._input.folder import Folder
from errcontract.exceptions import ProfileError

__all__ = ["Problem", "check_profile", "refuse_unsound"]


def refuse_unsound(profile: Profile | Path) -> None:
    """Raise ``ProfileError`` with the first problem of the profile, if it has any:
    every run checks its profiles before it sends anything."""
    folder = _folder(profile)
    problems = check_profile(folder)
    if problems:
        more = len(problems) - 1
        rest = (
            f" (and {more} more: conformance check-profile {folder.label})"
            if more
            else ""
        )
        raise ProfileError(f"{problems[0]}{rest}")


def _folder(where: Profile | Path | Folder) -> Folder:
    if isinstance(where, Profile):
        return where.folder
    if isinstance(where, Folder):
        return where
    return _on_disk(where)


@cache
def _on_disk(directory: Path) -> Folder:
    # One folder object per directory, so the linter's cache keys on it.
    return Folder.on_disk(directory)


def check_profile(where: Path | Folder) -> tuple[Problem, ...]:
    """Every problem of the profile in ``where`` (empty when it is sound); read
    once per process, like the profile itself."""
    return _check(_folder(where))


@cache
def _check(folder: Folder) -> tuple[Problem, ...]:
    return tuple(_problems(folder))


def _problems(folder: Folder) -> list[Problem]:
    meta_path = folder.path("profile.yaml")
    meta, problem = read(folder, "profile.yaml")
    if problem is not None:
        return [problem]
    problems = schema_errors(meta, meta_schema("profile.schema.json"), meta_path)
    if not isinstance(meta, Mapping):
        return problems
    catalog_name = str(meta.get("catalog", "clauses.yaml"))
    catalog_path = folder.path(catalog_name)
    catalog, problem = read(folder, catalog_name)
    if problem is not None:
        problems.append(problem)
    else:
        problems += schema_errors(
            catalog, meta_schema("catalog.schema.json"), catalog_path
        )
    broken = list(schema_files(folder))
    problems += broken
    openapi_name = str(meta.get("openapi", "openapi.yaml"))
    document, problem = read(folder, openapi_name)
    if problem is not None:
        problems.append(problem)
    elif not broken:  # the document's $ref to a broken schema would say it twice
        problems += openapi_document(document, folder, openapi_name)
    if problems:
        return problems
    try:
        profile = (
            load_profile_at(folder.root) if folder.root is not None else Profile(folder)
        )
        return list(clause_problems(profile, catalog_path)) + list(
            surface_problems(profile, meta_path)
        )
    except ProfileError as exc:
        return [Problem(folder.path(""), "(profile)", str(exc))]
