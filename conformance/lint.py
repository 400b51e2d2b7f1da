"""The profile linter: every mistake in a profile's files, one line each, before any
request is sent.

``conformance check-profile DIR`` prints them all; every run checks the same at start
and stops with the first (exit 2). A profile mistake must never look like a broken
contract, nor turn into a clause that passes because its check could not run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from errcontract.checks import REGISTRY
from errcontract.clauses import Clause
from errcontract.document import checked, invalid, without_value
from errcontract.exceptions import ConfigError, ProfileError
from errcontract.folder import Folder
from errcontract.near import near_miss
from errcontract.profile import (
    Profile,
    load_profile_at,
    meta_schema,
)
from errcontract.refs import pointer_tokens
from errcontract.strategies import FAMILIES

# Parameters that name a body member of the profile's error shapes.
_FIELD_PARAMS = {"field", "body_field"}
_SCOPES_NEEDING = {"scenario": "probes", "burst": "probes", "run": "scope"}


@dataclass(frozen=True)
class Problem:
    """One mistake: the file, the place in it, what is wrong (with the near miss)."""

    file: Path
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}"


def _read(
    folder: Folder, relative: str, *, json_only: bool = False
) -> tuple[Any, Problem | None]:
    try:
        return folder.load(relative, fail=ConfigError, json_only=json_only), None
    except ConfigError as exc:
        return None, Problem(folder.path(relative), "(file)", str(exc))


def _schema_errors(data: Any, schema: Mapping[str, Any], path: Path) -> list[Problem]:
    validator = jsonschema.Draft202012Validator(schema)
    found = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(top)"
        found.append(Problem(path, where, _explain(err)))
    return found


def _explain(err: jsonschema.ValidationError) -> str:
    """A validation error, with the near miss for a misspelt member name."""
    schema = err.schema if isinstance(err.schema, Mapping) else {}
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        known = list((schema.get("properties") or {}).keys())
        extra = [k for k in err.instance if k not in known]
        if extra:
            names = ", ".join(f"{k!r}{near_miss(k, known)}" for k in extra)
            return f"unknown member {names}; known: {', '.join(known) or 'none'}"
    return err.message


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
    meta, problem = _read(folder, "profile.yaml")
    if problem is not None:
        return [problem]
    problems = _schema_errors(meta, meta_schema("profile.schema.json"), meta_path)
    if not isinstance(meta, Mapping):
        return problems
    catalog_name = str(meta.get("catalog", "clauses.yaml"))
    catalog_path = folder.path(catalog_name)
    catalog, problem = _read(folder, catalog_name)
    if problem is not None:
        problems.append(problem)
    else:
        problems += _schema_errors(
            catalog, meta_schema("catalog.schema.json"), catalog_path
        )
    broken = list(_schema_files(folder))
    problems += broken
    openapi_name = str(meta.get("openapi", "openapi.yaml"))
    document, problem = _read(folder, openapi_name)
    if problem is not None:
        problems.append(problem)
    elif not broken:  # the document's $ref to a broken schema would say it twice
        problems += _openapi(document, folder, openapi_name)
    if problems:
        return problems
    try:
        profile = (
            load_profile_at(folder.root) if folder.root is not None else Profile(folder)
        )
        return list(_clauses(profile, catalog_path)) + list(
            _surface(profile, meta_path)
        )
    except ProfileError as exc:
        return [Problem(folder.path(""), "(profile)", str(exc))]


def _schema_files(folder: Folder) -> Iterator[Problem]:
    """Every ``*.schema.json`` of the profile: JSON, and a valid JSON Schema."""
    for name in folder.glob("*.schema.json"):
        contents, problem = _read(folder, name, json_only=True)
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


def _openapi(document: Any, folder: Folder, relative: str) -> list[Problem]:
    from errcontract.refs import LOCAL, Origin

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


@cache
def _member_names(folder: Folder) -> frozenset[str]:
    """Every property name any error-shape schema of the profile declares."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            names.update((node.get("properties") or {}).keys())
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for name in folder.glob("*.schema.json"):
        walk(folder.load(name, json_only=True, fail=_profile_error(folder.path(name))))
    return frozenset(names)


def _profile_error(path: Path) -> Callable[[str], ProfileError]:
    return lambda problem: ProfileError(f"{path} {problem}")


def _clauses(profile: Profile, path: Path) -> Iterator[Problem]:
    checks = sorted(REGISTRY.names())
    for clause in profile.clauses:
        at = f"clause {clause.id}"
        if clause.check not in REGISTRY.names():
            yield Problem(
                path,
                at,
                f"unknown check {clause.check!r}{near_miss(clause.check, checks)}",
            )
        else:
            yield from _check_params(profile, clause, path, at)
        yield from _probes(profile, clause, path, at)


def _check_params(
    profile: Profile, clause: Clause, path: Path, at: str
) -> Iterator[Problem]:
    spec = REGISTRY.get(clause.check)
    needs = _SCOPES_NEEDING.get(spec.scope)
    if needs == "probes" and clause.probes is None:
        yield Problem(path, at, f"check {spec.name} judges probes: give 'probes'")
    if needs == "scope" and clause.scope is None:
        yield Problem(path, at, f"check {spec.name} judges the whole run: give 'scope'")
    errors = list(_schema_errors(dict(clause.params), spec.params, path))
    for err in errors:
        yield Problem(path, f"{at}: with/{err.where}", f"{spec.name}: {err.message}")
    if errors:
        return
    params = clause.params
    if "schema" in params:
        yield from _schema_reference(profile, str(params["schema"]), path, at)
    if "patterns" in params:
        try:
            target = profile.data_path(str(params["patterns"]))
        except ProfileError as exc:
            yield Problem(path, f"{at}: with/patterns", str(exc))
            return
        if profile.folder.exists(str(params["patterns"])):
            yield from _patterns(profile, str(params["patterns"]), path, at)
        else:
            yield Problem(
                path,
                f"{at}: with/patterns",
                f"no file {params['patterns']!r} ({target})",
            )
    members = _member_names(profile.folder)
    for name in _FIELD_PARAMS & set(params):
        value = str(params[name])
        if members and value not in members:
            yield Problem(
                path,
                f"{at}: with/{name}",
                f"{value!r} is a member of no error shape of the profile"
                f"{near_miss(value, members)}",
            )


def _patterns(
    profile: Profile, relative: str, path: Path, at: str
) -> Iterator[Problem]:
    """A patterns file, as ``no_internals`` reads it: JSON, ``{"patterns": [{"name",
    "regex"}, ...]}``, each regex a valid Python regular expression."""
    where = f"{at}: with/patterns"
    try:
        data = profile.data_file(relative)
    except ProfileError as exc:
        yield Problem(path, where, str(exc))
        return
    found = data.get("patterns") if isinstance(data, Mapping) else None
    if not isinstance(found, list) or not found:
        yield Problem(path, where, f"{relative} has no list under 'patterns'")
        return
    for index, item in enumerate(found):
        if not isinstance(item, Mapping) or not all(
            isinstance(item.get(k), str) for k in ("name", "regex")
        ):
            yield Problem(
                path, where, f"{relative} pattern {index}: needs a name and a regex"
            )
            continue
        try:
            re.compile(item["regex"])
        except re.error as exc:
            yield Problem(path, where, f"{relative} pattern {index}: {exc}")


def _schema_reference(
    profile: Profile, reference: str, path: Path, at: str
) -> Iterator[Problem]:
    name, _, pointer = reference.partition("#")
    files = profile.folder.glob("*.schema.json")
    if name not in files:
        yield Problem(
            path,
            f"{at}: with/schema",
            f"no schema file {name!r}{near_miss(name, files)}",
        )
        return
    if pointer:
        node: Any = profile.schema_registry.contents(name)
        for part in pointer_tokens(pointer):
            if not isinstance(node, dict) or part not in node:
                known = list(node) if isinstance(node, dict) else []
                yield Problem(
                    path,
                    f"{at}: with/schema",
                    f"{reference!r}: no {part!r} in {name}{near_miss(part, known)}",
                )
                return
            node = node[part]


def _probes(profile: Profile, clause: Clause, path: Path, at: str) -> Iterator[Problem]:
    probes = clause.probes
    fixtures = [f.name for f in profile.fixtures]
    for need in clause.needs:
        if need not in fixtures:
            yield Problem(
                path,
                f"{at}: needs",
                f"unknown fixture {need!r}{near_miss(need, fixtures)}",
            )
    operations = sorted(profile.operations)
    scoped = clause.scope.operations if clause.scope else None
    for where, named in (
        ("probes/operations", probes.operations if probes else ()),
        ("scope/operations", sorted(scoped or ())),
    ):
        for op in named:
            if op not in profile.operations:
                yield Problem(
                    path,
                    f"{at}: {where}",
                    f"unknown operation {op!r}{near_miss(op, operations)}",
                )
    strategy = probes.strategy if probes else None
    if probes is None or strategy is None:
        return
    if strategy not in FAMILIES:
        yield Problem(
            path,
            f"{at}: probes/strategy",
            f"unknown strategy {strategy!r}{near_miss(strategy, sorted(FAMILIES))}",
        )
        return
    family = FAMILIES[strategy]
    given = dict(probes.params)
    for key in given:
        if key not in family.params:
            takes = ", ".join(family.params) or "no parameters"
            yield Problem(
                path,
                f"{at}: probes/with/{key}",
                f"{strategy} takes no {key!r}{near_miss(key, family.params)}; it takes "
                f"{takes}",
            )
    for key in family.required:
        if key not in given:
            yield Problem(path, f"{at}: probes/with", f"{strategy} needs {key!r}")
    kinds = given.get("kinds")
    declared = family.accepted_kinds
    if isinstance(kinds, list) and declared:
        for kind in kinds:
            if kind not in declared:
                yield Problem(
                    path,
                    f"{at}: probes/with/kinds",
                    f"{strategy} has no kind {kind!r}{near_miss(kind, declared)}; "
                    f"it has {', '.join(declared)}",
                )
    fixture = given.get("fixture")
    names = [f.name for f in profile.fixtures]
    if isinstance(fixture, str) and fixture not in names:
        yield Problem(
            path,
            f"{at}: probes/with/fixture",
            f"unknown fixture {fixture!r}{near_miss(fixture, names)}",
        )


_POINTER = re.compile(r"^(/([^~/]|~[01])*)*$")
_HEADER_PICK = re.compile(r"^header:[A-Za-z0-9!#$%&'*+.^_`|~-]+$")


def _surface(profile: Profile, path: Path) -> Iterator[Problem]:
    operations = sorted(profile.operations)
    fixtures = {f.name: f for f in profile.fixtures}
    meta = profile.meta
    credential = meta.get("credential")
    if credential not in fixtures:
        yield Problem(
            path,
            "credential",
            f"names no fixture: {credential!r}{near_miss(credential, fixtures)}",
        )
    elif not fixtures[str(credential)].secret:
        yield Problem(path, "credential", f"fixture {credential!r} must be secret")
    tenant = profile.tenant or {}
    holder = tenant.get("fixture")
    if holder and holder not in fixtures:
        yield Problem(
            path,
            "tenant/fixture",
            f"names no fixture: {holder!r}{near_miss(holder, fixtures)}",
        )
    preflight = meta.get("preflight")
    if preflight is not None and preflight not in profile.operations:
        yield Problem(
            path,
            "preflight",
            f"unknown operation {preflight!r}{near_miss(preflight, operations)}",
        )
    produced = {name for name, f in fixtures.items() if not f.secret}
    for index, step in enumerate(profile.setup):
        where = f"setup/{index} ({step.get('var')})"
        for op in [step.get("operation"), *_lookups(step)]:
            if op not in profile.operations:
                yield Problem(
                    path, where, f"unknown operation {op!r}{near_miss(op, operations)}"
                )
        for pointer in [step.get("pick"), *_picks(step)]:
            if not isinstance(pointer, str) or not (
                _POINTER.match(pointer) or _HEADER_PICK.match(pointer)
            ):
                yield Problem(
                    path,
                    where,
                    f"pick {pointer!r} is not a JSON Pointer nor header:NAME",
                )
        produced.add(str(step.get("var")))
    openapi = profile.folder.path(str(meta.get("openapi", "openapi.yaml")))
    for op_id in operations:
        for name in sorted(profile.operations[op_id].needed_vars() - produced):
            yield Problem(
                openapi,
                f"operation {op_id}",
                f"needs value {name!r} (a ${{{name}}} placeholder or "
                f"x-conformance-var), which no setup step or fixture provides"
                f"{near_miss(name, produced)}",
            )


def _ways(step: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [*(step.get("on_status") or {}).values(), *(step.get("or") or [])]


def _lookups(step: Mapping[str, Any]) -> list[Any]:
    return [spec.get("operation") for spec in _ways(step)]


def _picks(step: Mapping[str, Any]) -> list[Any]:
    return [spec.get("pick") for spec in _ways(step)]
