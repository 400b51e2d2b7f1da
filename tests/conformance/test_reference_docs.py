"""docs/reference.md is generated from the registries and the meta-schemas; a test
keeps the committed file equal to what the generator writes."""

from __future__ import annotations

import difflib
import inspect
import re
from pathlib import Path

from errcontract._contract.profile import meta_schema, schemas_root
from errcontract._contract.surface import UNIQUE_DIGITS
from errcontract._reference_docs import (
    EXTENSIONS,
    META_SCHEMAS,
    PLACEHOLDERS,
    REGENERATE,
    full_docstring,
    members,
    reference_markdown,
    undescribed,
)
from errcontract.checks import REGISTRY
from errcontract.strategies import FAMILIES

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference.md"


def test_docs_reference_md_is_the_generated_text() -> None:
    generated = reference_markdown()
    committed = REFERENCE.read_text(encoding="utf-8")
    if committed != generated:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                generated.splitlines(keepends=True),
                "docs/reference.md (committed)",
                "docs/reference.md (generated)",
                n=1,
            )
        )
        raise AssertionError(
            f"docs/reference.md is out of date; regenerate it: {REGENERATE}\n{diff}"
        )


def test_it_names_every_check_and_every_family() -> None:
    text = reference_markdown()
    checks, families = sorted(REGISTRY.names()), sorted(FAMILIES)
    assert checks, "no check is registered"
    assert families, "no strategy family is registered"
    headings = set(re.findall(r"^### `([^`]+)`$", text, flags=re.MULTILINE))
    assert set(checks) <= headings, set(checks) - headings
    assert set(families) <= headings, set(families) - headings
    for name in families:
        for kind in (*(FAMILIES[name].kinds or ()), *FAMILIES[name].opt_in):
            assert f"`{kind}`" in text, (name, kind)


def test_every_check_parameter_is_documented() -> None:
    text = reference_markdown()
    for name in REGISTRY.names():
        section = text.split(f"### `{name}`\n", 1)[1].split("\n### ", 1)[0]
        for param in REGISTRY.get(name).params.get("properties") or {}:
            assert f"| `{param}` |" in section, (name, param)


def test_every_meta_schema_member_is_listed() -> None:
    text = reference_markdown()
    for schema_name in META_SCHEMAS.values():
        paths = {path for path, _, _ in members(meta_schema(schema_name))}
        assert paths
        for path in paths:
            assert f"| `{path}` |" in text, (schema_name, path)


def test_every_member_of_every_meta_schema_has_a_description() -> None:
    # The reference's member descriptions are the meta-schemas' own: a member
    # without one would be a blank row here and no help in an editor.
    names = sorted(p.name for p in (schemas_root() / "meta").glob("*.schema.json"))
    assert set(META_SCHEMAS.values()) <= set(names), names
    for name in names:
        schema = meta_schema(name)
        assert list(members(schema)), name
        missing = undescribed(schema)
        assert not missing, (
            f"schemas/meta/{name}: members without a description: {missing}"
        )


def test_the_member_walk_reaches_nested_members_and_finds_the_undescribed() -> None:
    said = {"type": "string", "description": "said"}
    schema = {
        "required": ["a"],
        "properties": {
            "a": {"description": "said", "items": {"properties": {"b": {}}}},
            "c": {
                "description": "said",
                "additionalProperties": {"properties": {"d": said}},
            },
            "e": {
                "description": "said",
                "oneOf": [
                    {"properties": {"f": said}},
                    {"properties": {"g": {"description": " "}}},
                ],
            },
        },
        "anyOf": [{"properties": {"a": {"minItems": 1}, "h": said}}],
    }
    walked = [(path, needed) for path, _, needed in members(schema)]
    assert walked == [
        ("a", True),
        ("a[].b", False),
        ("c", False),
        ("c.<key>.d", False),
        ("e", False),
        ("e.f", False),
        ("e.g", False),
        ("h", False),
    ]
    assert undescribed(schema) == ["a[].b", "e.g"]


def test_every_extension_and_the_built_in_placeholder_are_documented() -> None:
    text = reference_markdown()
    used = set(re.findall(r"x-conformance-[a-z]+(?:-[a-z]+)*", "\n".join(_sources())))
    assert used, "no x-conformance-* extension found in the sources"
    documented = {name for name, *_ in EXTENSIONS}
    assert used <= documented, used - documented
    for name in documented:
        assert f"`{name}`" in text
    assert f"${{{UNIQUE_DIGITS}}}" in {p for p, _ in PLACEHOLDERS}


def _sources() -> list[str]:
    found = []
    for package in ("conformance", "strategies"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name != "reference_docs.py":
                found.append(path.read_text(encoding="utf-8"))
    return found


def test_every_family_states_its_behaviour_where_it_is_registered() -> None:
    """A family's factory docstring is its reference entry (printed whole): more than
    a one-line summary, and each of its parameters named as ``name``, so a family
    added without saying what it sends, what it judges and what each parameter
    means fails here rather than being learnt by trial."""
    missing: list[str] = []
    for name, family in sorted(FAMILIES.items()):
        doc = inspect.getdoc(family.build) or ""
        paragraphs = [p for p in doc.split("\n\n") if p.strip()]
        if len(paragraphs) < 2:
            missing.append(f"{name}: only a summary line")
        for param in family.params:
            if f"``{param}``" not in doc:
                missing.append(f"{name}: parameter {param!r} not explained")
        assert full_docstring(family.build) in reference_markdown(), name
    assert not missing, "\n".join(missing)


def test_every_check_docstring_is_printed_whole() -> None:
    text = reference_markdown()
    for name in REGISTRY.names():
        assert full_docstring(REGISTRY.get(name).fn) in text, name


def test_a_docstring_becomes_markdown_paragraphs() -> None:
    def sample() -> None:
        """First line
        goes on.

        Second uses ``code`` and ``a `tick```."""

    assert full_docstring(sample) == (
        "First line goes on.\n\nSecond uses `code` and `a `tick``."
    )
