"""The checks on the catalog's clauses against everything they name: registered
checks and their parameters, schema files and pointers, leak patterns, fixtures,
operations and probe strategies."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from errcontract._config.lint.calls import call_problems, probe_context
from errcontract._config.lint.finding import Problem, schema_errors
from errcontract._contract.clauses import Clause
from errcontract._contract.profile import Profile
from errcontract._input.folder import Folder
from errcontract._input.refs import Local, pointer_tokens
from errcontract._near import near_miss
from errcontract.checks import REGISTRY
from errcontract.checks.headers import header_pattern
from errcontract.exceptions import ProfileError
from errcontract.strategies import FAMILIES

# Parameters that name a body member of the profile's error shapes.
_FIELD_PARAMS = {"field", "body_field"}
_SCOPES_NEEDING = {"scenario": "probes", "burst": "probes", "run": "scope"}


def clause_problems(profile: Profile, path: Path) -> Iterator[Problem]:
    """Every problem of the clauses of ``profile``, its catalog at ``path``."""
    checks = sorted(REGISTRY.names())
    # A profile derived in memory (zero-config) holds the suite's own clauses, each
    # selected by a fact of the document: what a family would refuse there is said
    # by the run as not-run, and calling every family on every operation of a large
    # document cost hundreds of MB (tests/hostile: 40,000 schemas).
    derived = profile.folder.root is None
    ctx = None if derived else probe_context(profile)
    for clause in profile.clauses:
        at = f"clause {clause.id}"
        found: list[Problem] = []
        if clause.check not in REGISTRY.names():
            found.append(
                Problem(
                    path,
                    at,
                    f"unknown check {clause.check!r}{near_miss(clause.check, checks)}",
                )
            )
        else:
            found += _check_params(profile, clause, path, at)
        found += _probes(profile, clause, path, at)
        found += _error_body_reads(profile, clause, path, at)
        # The run's own calls, once what the catalog names is known to exist.
        if found or ctx is None:
            yield from found
        else:
            yield from call_problems(ctx, clause, path, at)


@cache
def member_names(folder: Folder) -> frozenset[str]:
    """Every property name any error-shape schema of the profile declares."""
    names: set[str] = set()
    for name in folder.glob("*.schema.json"):
        schema = folder.load(
            name, json_only=True, fail=_profile_error(folder.path(name))
        )
        names |= declared_members(schema)
    return frozenset(names)


def declared_members(node: Any) -> set[str]:
    """Every name a ``properties`` keyword anywhere in ``node`` declares (no
    recursion: a document may nest deep)."""
    names: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            properties = item.get("properties")
            if isinstance(properties, dict):
                names.update(str(k) for k in properties)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return names


def _profile_error(path: Path) -> Callable[[str], ProfileError]:
    return lambda problem: ProfileError(f"{path} {problem}")


def _check_params(
    profile: Profile, clause: Clause, path: Path, at: str
) -> Iterator[Problem]:
    spec = REGISTRY.get(clause.check)
    needs = _SCOPES_NEEDING.get(spec.scope)
    if needs == "probes" and clause.probes is None:
        yield Problem(path, at, f"check {spec.name} judges probes: give 'probes'")
    if needs == "scope" and clause.scope is None:
        yield Problem(path, at, f"check {spec.name} judges the whole run: give 'scope'")
    errors = list(schema_errors(dict(clause.params), spec.params, path))
    for err in errors:
        yield Problem(path, f"{at}: with/{err.where}", f"{spec.name}: {err.message}")
    if errors:
        return
    params = clause.params
    if spec.name == "header_value":
        try:
            header_pattern(str(params["pattern"]))
        except re.error as exc:
            yield Problem(
                path,
                f"{at}: with/pattern",
                f"{params['pattern']!r} is no regular expression: {exc}",
            )
    if spec.name == "declared_body" and "schema" in params:
        yield from _document_pointer(profile, str(params["schema"]), path, at)
    elif "schema" in params:
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
    members = member_names(profile.folder)
    for name in _FIELD_PARAMS & set(params):
        value = str(params[name])
        # A JSON Pointer (`/error/code`): each member on its way is one.
        names = pointer_tokens(value) if value.startswith("/") else [value]
        missing = next((n for n in names if n not in members), None)
        if members and missing is not None:
            value = missing
            yield Problem(
                path,
                f"{at}: with/{name}",
                f"{value!r} is a member of no error shape of the profile"
                f"{near_miss(value, members)}",
            )


def _error_body_reads(
    profile: Profile, clause: Clause, path: Path, at: str
) -> Iterator[Problem]:
    """A code or message the clause names needs the member ``error_body`` says holds
    it: without ``code_field`` an ``expect`` code never matches (every answer fails)
    and ``rate_limited``'s ``error`` is never judged (the clause cannot fail on it)."""
    fields = profile.error_body
    hint = " (an RFC 9457 problem: code_field: type, its type URI the code)"
    named = clause.check == "rate_limited" and clause.params.get("error")
    if named and not fields.get("code_field"):
        yield Problem(
            path,
            f"{at}: with/error",
            f"rate_limited names a code, but profile.yaml's error_body has no "
            f"code_field to read it from{hint}",
        )
    for index, answer in enumerate(clause.expect):
        for key, member in (("error", "code_field"), ("message", "message_field")):
            if answer.get(key) is not None and not fields.get(member):
                yield Problem(
                    path,
                    f"{at}: expect/{index}/{key}",
                    f"an answer's {key} is read from error_body.{member}, which "
                    f"profile.yaml does not give{hint if key == 'error' else ''}",
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


def _document_pointer(
    profile: Profile, pointer: str, path: Path, at: str
) -> Iterator[Problem]:
    """``declared_body``'s ``schema``: a schema of the profile's OpenAPI document."""
    try:
        Local(profile.openapi).target(pointer)
    except KeyError:
        yield Problem(
            path,
            f"{at}: with/schema",
            f"{pointer!r} points at nothing in the profile's OpenAPI document",
        )


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
    yield from _family_problems(
        profile, strategy, dict(probes.params), path, f"{at}: probes"
    )
    defects = probes.params.get("defects")
    if strategy == "combined_defects" and isinstance(defects, list):
        # Each combined defect is checked as the family alone would be.
        for i, entry in enumerate(defects):
            if isinstance(entry, dict) and isinstance(entry.get("strategy"), str):
                yield from _family_problems(
                    profile,
                    entry["strategy"],
                    dict(entry.get("with") or {}),
                    path,
                    f"{at}: probes/with/defects/{i}",
                )


def _family_problems(
    profile: Profile, strategy: str, given: dict[str, Any], path: Path, at: str
) -> Iterator[Problem]:
    """What is wrong with ``strategy`` called with ``given`` (``at`` says where the
    two are: a clause's ``probes``, or one entry of its combined defects)."""
    if strategy not in FAMILIES:
        yield Problem(
            path,
            f"{at}/strategy",
            f"unknown strategy {strategy!r}{near_miss(strategy, sorted(FAMILIES))}",
        )
        return
    family = FAMILIES[strategy]
    for key in given:
        if key not in family.params:
            takes = ", ".join(family.params) or "no parameters"
            yield Problem(
                path,
                f"{at}/with/{key}",
                f"{strategy} takes no {key!r}{near_miss(key, family.params)}; it takes "
                f"{takes}",
            )
    for key in family.required:
        if key not in given:
            yield Problem(path, f"{at}/with", f"{strategy} needs {key!r}")
    kinds = given.get("kinds")
    declared = family.accepted_kinds
    if isinstance(kinds, list) and declared:
        for kind in kinds:
            if kind not in declared:
                yield Problem(
                    path,
                    f"{at}/with/kinds",
                    f"{strategy} has no kind {kind!r}{near_miss(kind, declared)}; "
                    f"it has {', '.join(declared)}",
                )
    fixture = given.get("fixture")
    names = [f.name for f in profile.fixtures]
    if isinstance(fixture, str) and fixture not in names:
        yield Problem(
            path,
            f"{at}/with/fixture",
            f"unknown fixture {fixture!r}{near_miss(fixture, names)}",
        )
