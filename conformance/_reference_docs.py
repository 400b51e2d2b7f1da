"""The reference documentation, ``docs/reference.md``, generated from the registries.

The profile files' members come from the meta-schemas (``schemas/meta/``), the checks
from ``conformance.checks.REGISTRY`` (name, scope, docstring, parameter schema), the
strategy families from ``strategies.FAMILIES`` (docstring, keyword parameters, kinds).
Each member's description is the ``description`` of its node in the meta-schema,
so the schema a profile is validated against (and an editor shows) and this
reference say the same thing; a test makes every member carry one. Only what no
registry holds is written by hand: the scopes here, the OpenAPI extensions, the
placeholders and the other files in ``_reference_text``. A test keeps
``docs/reference.md`` equal to :func:`reference_markdown`::

    python -m errcontract._reference_docs > docs/reference.md
"""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, get_args

from errcontract._contract.profile import meta_schema
from errcontract._reference_text import EXTENSIONS, OTHER_FILES, PLACEHOLDERS
from errcontract.checks import REGISTRY
from errcontract.checks._registry import Scope
from errcontract.strategies import FAMILIES, Family

REGENERATE = "python -m errcontract._reference_docs > docs/reference.md"

META_SCHEMAS: Mapping[str, str] = {
    "profile.yaml": "profile.schema.json",
    "clauses.yaml": "catalog.schema.json",
}
"""Profile file -> the meta-schema that defines its format."""

SCOPES: Mapping[str, str] = {
    "exchange": "one exchange (request and response); raises a violation or returns",
    "scenario": "the exchanges of one scenario (a pair to compare)",
    "run": "every exchange of the run, at its end (e.g. duplicate ids)",
    "burst": "the rate-limit burst and its recovery request",
}


def _cell(text: str) -> str:
    """``text`` safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _code(text: str) -> str:
    """``text`` as a Markdown code span."""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(head: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    lines = [_row(*head), _row(*("---" for _ in head))]
    lines += [_row(*(_cell(c) for c in r)) for r in rows]
    return lines


def full_docstring(obj: Any) -> str:
    """All of ``obj``'s docstring in Markdown: each paragraph on one line, the
    reST-ish ````code```` spans as Markdown code spans (a family's whole behaviour is
    stated there, so the reference prints all of it, not its first line)."""
    doc = inspect.getdoc(obj) or ""
    paragraphs = [" ".join(p.split()) for p in doc.split("\n\n") if p.strip()]
    return "\n\n".join(p.replace("``", "`") for p in paragraphs)


def schema_type(schema: Mapping[str, Any]) -> str:
    """A short reading of a JSON Schema's type."""
    if "enum" in schema:
        return "one of " + ", ".join(_code(json.dumps(v)) for v in schema["enum"])
    kind = schema.get("type")
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if kind is None and isinstance(alternatives, list):
        return " or ".join(schema_type(alt) for alt in alternatives)
    if isinstance(kind, list):
        return " or ".join(str(k) for k in kind)
    if kind == "array":
        items = schema.get("items")
        return f"array of {schema_type(items)}" if isinstance(items, Mapping) else kind
    if kind == "object" and isinstance(schema.get("additionalProperties"), Mapping):
        return f"object of {schema_type(schema['additionalProperties'])}"
    return str(kind) if kind else "any"


def constraints(schema: Mapping[str, Any]) -> str:
    """The schema's keywords beyond its type, compactly (empty if none)."""
    rest = {k: v for k, v in schema.items() if k not in ("type", "description")}
    if schema.get("type") == "array" and isinstance(rest.get("items"), Mapping):
        items = {k: v for k, v in rest["items"].items() if k != "type"}
        rest = {k: v for k, v in rest.items() if k != "items"}
        if items:
            rest["items"] = items
    return _code(json.dumps(rest, ensure_ascii=False)) if rest else ""


ALTERNATIVES = ("allOf", "anyOf", "oneOf")
"""Keywords whose subschemas may declare members of their own (a convention's
clause is either an ``include`` or a template: a ``oneOf`` of two objects)."""


def members(schema: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
    """(path, schema, required) of every member a meta-schema declares, in order.

    The walk follows ``properties``, ``items`` (``name[]``), ``additionalProperties``
    (``name.<key>``) and the alternatives of :data:`ALTERNATIVES`, so a member
    nested anywhere a profile can put it gets a row and is held to having a
    ``description``. A path declared twice (an alternative that only adds a
    constraint to a member) is listed once, at its first declaration, which is the
    one that carries the member's description.
    """
    seen: set[str] = set()
    for path, sub, needed in _members(schema, ""):
        if path not in seen:
            seen.add(path)
            yield path, sub, needed


def _members(
    schema: Mapping[str, Any], prefix: str
) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
    required = set(schema.get("required", ()))
    for name, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}{name}"
        yield path, sub, name in required
        yield from _nested(sub, path)
    for alternative in _alternatives(schema):
        yield from _members(alternative, prefix)


def _nested(
    schema: Mapping[str, Any], path: str
) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
    """The members under the node of member ``path``."""
    if "properties" in schema:
        yield from _members(schema, f"{path}.")
    items = schema.get("items")
    if isinstance(items, Mapping):
        yield from _nested(items, f"{path}[]")
    extra = schema.get("additionalProperties")
    if isinstance(extra, Mapping):
        yield from _nested(extra, f"{path}.<key>")
    if "properties" not in schema:  # else _members walked them with the properties
        for alternative in _alternatives(schema):
            yield from _nested(alternative, path)


def _alternatives(schema: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for keyword in ALTERNATIVES:
        for alternative in schema.get(keyword) or ():
            if isinstance(alternative, Mapping):
                yield alternative


def undescribed(schema: Mapping[str, Any]) -> list[str]:
    """The paths of ``schema``'s members without a ``description``: each would be a
    blank row in the reference and no help in an editor (a test keeps it empty)."""
    return [path for path, sub, _ in members(schema) if not _description(sub)]


def _description(schema: Mapping[str, Any]) -> str:
    text = schema.get("description")
    return text.strip() if isinstance(text, str) else ""


def _profile_files() -> list[str]:
    out = ["## Profile files", ""]
    out += [
        "A profile is a directory (`--profile-dir DIR`). `conformance check-profile "
        "DIR` checks all of it; every run does the same first.",
        "",
    ]
    for filename, schema_name in META_SCHEMAS.items():
        schema = meta_schema(schema_name)
        out += [f"### `{filename}`", ""]
        about = schema.get("description", "")
        out += [f"{about} Meta-schema: `schemas/meta/{schema_name}`.", ""]
        rows = [
            (
                _code(path),
                schema_type(sub),
                "yes" if needed else "",
                _description(sub),
            )
            for path, sub, needed in members(schema)
        ]
        out += _table(("member", "type", "required", "description"), rows)
        for where, comment in _comments(schema):
            out += ["", f"{where}: {comment}"]
        out.append("")
    for title, text in OTHER_FILES:
        out += [f"### {title}", "", text, ""]
    return out


def _fleet_file() -> list[str]:
    """The fleet file's members, from its meta-schema as the profile files'."""
    schema = meta_schema("fleet.schema.json")
    out = ["## Fleet file", ""]
    out += [f"{schema['description']} Meta-schema: `schemas/meta/fleet.schema.json`."]
    rows = [
        (_code(path), schema_type(sub), "yes" if needed else "", _description(sub))
        for path, sub, needed in members(schema)
    ]
    out += ["", *_table(("member", "type", "required", "description"), rows)]
    for where, comment in _comments(schema):
        out += ["", f"{where}: {comment}"]
    return [*out, ""]


def _comments(schema: Mapping[str, Any], path: str = "") -> Iterator[tuple[str, str]]:
    """The meta-schema's ``$comment``s, with the member they sit on."""
    if "$comment" in schema:
        yield (f"Note on {_code(path)}" if path else "Note"), str(schema["$comment"])
    for name, sub in (schema.get("properties") or {}).items():
        yield from _comments(sub, f"{path}.{name}" if path else name)
    items = schema.get("items")
    if isinstance(items, Mapping):
        yield from _comments(items, f"{path}[]")


def _checks() -> list[str]:
    out = ["## Checks", ""]
    out += [
        "A clause names its check (`check: NAME`) and gives its parameters under "
        "`with:`, validated against the schema below before any run. A check's "
        "scope says what it is given:",
        "",
    ]
    out += _table(
        ("scope", "a check is given"),
        [(_code(s), SCOPES[s]) for s in get_args(Scope)],
    )
    out.append("")
    for name in sorted(REGISTRY.names()):
        spec = REGISTRY.get(name)
        out += [f"### `{name}`", ""]
        out += [f"Scope `{spec.scope}` · `{spec.fn.__module__}`", ""]
        out += [full_docstring(spec.fn), ""]
        properties: Mapping[str, Any] = spec.params.get("properties") or {}
        if not properties:
            out += ["No parameters.", ""]
            continue
        required = set(spec.params.get("required", ()))
        rows = [
            (
                _code(param),
                schema_type(sub),
                "yes" if param in required else "",
                constraints(sub),
                _description(sub),
            )
            for param, sub in properties.items()
        ]
        head = ("parameter", "type", "required", "constraints", "description")
        out += [*_table(head, rows), ""]
    return out


def _family_params(family: Family) -> list[tuple[str, ...]]:
    signature = inspect.signature(family.build).parameters
    rows: list[tuple[str, ...]] = []
    for name in family.params:
        p = signature[name]
        annotation = p.annotation
        if not isinstance(annotation, str):
            annotation = inspect.formatannotation(annotation)
        default = "" if p.default is inspect.Parameter.empty else repr(p.default)
        rows.append(
            (
                _code(name),
                _code(annotation),
                "yes" if name in family.required else "",
                _code(default) if default else "",
            )
        )
    return rows


def _families() -> list[str]:
    out = ["## Strategy families", ""]
    out += [
        "A targeted clause names a family (`probes: {strategy: NAME, operations: "
        "[…], with: {…}}`). Each probe is a valid request with one defect. The "
        "coverage phase sends every kind of the family on every operation (a "
        "clause's `with: {kinds: […]}` limits them); opt-in kinds are sent only "
        "when a clause lists them.",
        "",
    ]
    for name in sorted(FAMILIES):
        family = FAMILIES[name]
        out += [f"### `{name}`", ""]
        out += [f"`{family.build.__module__}`", ""]
        out += [full_docstring(family.build), ""]
        rows = _family_params(family)
        if rows:
            head = ("parameter", "type", "required", "default")
            out += [*_table(head, rows), ""]
        else:
            out += ["No parameters.", ""]
        if family.kinds:
            out += ["Kinds: " + ", ".join(_code(k) for k in family.kinds) + ".", ""]
        else:
            out += ["No kinds: one coverage example per operation.", ""]
        if family.opt_in:
            opt_in = ", ".join(_code(k) for k in family.opt_in)
            out += [f"Opt-in kinds: {opt_in}.", ""]
    return out


def _extensions() -> list[str]:
    out = ["## OpenAPI extensions", ""]
    out += ["What the suite reads in a profile's `openapi.yaml` besides OpenAPI:", ""]
    rows = [(_code(n), where, value, what) for n, where, value, what in EXTENSIONS]
    out += _table(("extension", "on", "value", "meaning"), rows)
    out += ["", "## Placeholders", ""]
    out += [
        "Request-body `example`s (and so every valid request) may hold placeholders, "
        "filled when a request is built; an operation whose placeholder has no value "
        "is not probed, and the clause says which value is missing.",
        "",
    ]
    out += _table(
        ("placeholder", "filled with"), [(_code(p), w) for p, w in PLACEHOLDERS]
    )
    out.append("")
    return out


def reference_markdown() -> str:
    """The whole of ``docs/reference.md``."""
    lines = [
        "# Reference",
        "",
        "<!-- generated by conformance/_reference_docs.py; do not edit. Regenerate: "
        f"{REGENERATE} -->",
        "",
        "The profile format, the checks, the strategy families, the OpenAPI "
        "extensions and the placeholders. A walk-through: "
        "[Check your own API](tutorial.md); the clause for each kind of promise: "
        "[From a promise to a clause](promises.md).",
        "",
        "- [Profile files](#profile-files)",
        "- [Fleet file](#fleet-file)",
        "- [Checks](#checks)",
        "- [Strategy families](#strategy-families)",
        "- [OpenAPI extensions](#openapi-extensions)",
        "- [Placeholders](#placeholders)",
        "",
        *_profile_files(),
        *_fleet_file(),
        *_checks(),
        *_families(),
        *_extensions(),
    ]
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(reference_markdown())
