"""docs/promises.md's clauses are valid as written: every ```yaml block after a
``<!-- promise: clause -->`` marker is a list of clauses, loaded through the profile
linter into an ``init`` profile of the Projects API (the page's document), and every
``<!-- promise: profile -->`` block is merged into that profile's ``profile.yaml``
and linted the same way. A check, strategy family or kind a block names must be
registered."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from errcontract._config.lint import check_profile
from errcontract.checks import REGISTRY
from errcontract.cli import main
from errcontract.reference import problem
from errcontract.strategies import FAMILIES

PAGE = Path(__file__).resolve().parents[2] / "docs" / "promises.md"
BLOCK = re.compile(
    r"^<!-- promise: (?P<what>clause|profile) -->\n```yaml\n(?P<body>.*?)^```$",
    flags=re.MULTILINE | re.DOTALL,
)


def _blocks(what: str) -> list[Any]:
    text = PAGE.read_text(encoding="utf-8")
    return [
        yaml.safe_load(m.group("body"))
        for m in BLOCK.finditer(text)
        if m.group("what") == what
    ]


def _kinds() -> set[str]:
    return {
        kind
        for family in FAMILIES.values()
        for kind in (*(family.kinds or ()), *family.opt_in)
    }


def _names(clause: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(sort, name) of every check, family and kind ``clause`` names."""
    yield "check", clause["check"]
    probes = clause.get("probes") or {}
    if "strategy" in probes:
        yield "strategy", probes["strategy"]
    args = probes.get("with") or {}
    for kind in args.get("kinds") or ():
        yield "kind", kind
    for defect in args.get("defects") or ():
        yield "strategy", defect["strategy"]


def _registered(sort: str, name: str) -> bool:
    if sort == "check":
        return name in REGISTRY.names()
    if sort == "strategy":
        return name in FAMILIES
    return name in _kinds()


def _unregistered(clause: dict[str, Any]) -> set[str]:
    """The check, family and kind names ``clause`` uses that are not registered."""
    return {n for s, n in _names(clause) if not _registered(s, n)}


@pytest.fixture(scope="module")
def projects_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("promises") / "contract"
    document = str(problem.OPENAPI)
    code = main(["init", str(target), "--openapi", document, "--convention", "rfc9457"])
    assert code == 0
    return target


def _lint(directory: Path, clauses: list[Any], meta: dict[str, Any]) -> list[str]:
    """The linter's lines for ``clauses`` under ``meta`` (a copy of the profile)."""
    (directory / "profile.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    catalog = {"api": meta["api"], "clauses": clauses}
    (directory / "clauses.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    return [str(p) for p in check_profile(directory)]


@pytest.fixture
def profile_copy(projects_profile: Path, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """A fresh copy of the Projects API profile and its ``profile.yaml``."""
    import shutil

    target = tmp_path / "contract"
    shutil.copytree(projects_profile, target)
    return target, yaml.safe_load((target / "profile.yaml").read_text())


def test_the_page_has_clauses_of_every_kind_of_promise() -> None:
    clauses = [c for block in _blocks("clause") for c in block]
    assert len(clauses) >= 25
    ids = [c["id"] for c in clauses]
    assert len(ids) == len(set(ids)), "two examples share an id"
    assert _blocks("profile"), "the per-status field member example is gone"


def test_every_name_a_clause_uses_is_registered() -> None:
    clauses = [c for block in _blocks("clause") for c in block]
    assert clauses
    unknown = {(c["id"], name) for c in clauses for name in _unregistered(c)}
    assert not unknown, unknown


def test_every_clause_on_the_page_passes_the_linter(
    profile_copy: tuple[Path, dict[str, Any]],
) -> None:
    directory, meta = profile_copy
    clauses = [c for block in _blocks("clause") for c in block]
    assert _lint(directory, clauses, meta) == []


def test_every_profile_block_passes_the_linter(
    profile_copy: tuple[Path, dict[str, Any]],
) -> None:
    directory, meta = profile_copy
    clauses = _blocks("clause")[0]
    for block in _blocks("profile"):
        assert _lint(directory, clauses, {**meta, **block}) == [], block


def test_a_wrong_clause_would_be_caught(
    profile_copy: tuple[Path, dict[str, Any]],
) -> None:
    """The linter is really asked: a typo in a page clause is reported."""
    directory, meta = profile_copy
    clause = dict(_blocks("clause")[0][0], check="body_shema")
    assert any("body_shema" in line for line in _lint(directory, [clause], meta))
