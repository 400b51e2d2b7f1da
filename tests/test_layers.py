"""The house keeps its shape: no import cycle, and no module imports a layer above
its own. The layers, lowest first, are the picture in ARCHITECTURE.md; a module-level
import (not one under ``TYPE_CHECKING``, not one inside a function) is an arrow.

Run as a script to print the arrows: ``python tests/test_layers.py``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {
    "conformance": "errcontract",
    "strategies": "errcontract.strategies",
    "reports": "errcontract.reports",
}

# Lowest first. A module belongs to the longest prefix listed.
LAYERS: tuple[tuple[str, ...], ...] = (
    # The package itself (its public names load lazily), the result model, the
    # suite's errors, and what every layer may use.
    (
        "errcontract",
        "errcontract.results",
        "errcontract.exceptions",
        "errcontract._near",
    ),
    # What is sent and how; what is kept of it.
    ("errcontract._http",),
    # Untrusted input, bounded.
    ("errcontract._input",),
    # The contract model: operations, clauses, profiles, conventions, baseline.
    ("errcontract._contract",),
    # Judging and generating: the registered checks and the strategies.
    ("errcontract.checks", "errcontract.strategies"),
    # Zero-config: a profile derived from a document.
    ("errcontract._derive",),
    # Settings: options, resolution, the linter, the embedded servers.
    ("errcontract._config",),
    # The engine and the renderers.
    ("errcontract._engine", "errcontract.reports"),
    # The front doors.
    (
        "errcontract.cli",
        "errcontract.cli_results",
        "errcontract.cli_profiles",
        "errcontract.cli_fleet",
        "errcontract.plugin",
        "errcontract.plugin_live",
        "errcontract.fleet",
        "errcontract.schemathesis",
        "errcontract.suite",
        "errcontract._reference_docs",
        "errcontract._reference_text",
    ),
)


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the product (the reference servers are apps, not layers)."""
    found = {}
    for folder, package in FOLDERS.items():
        for path in (root / folder).rglob("*.py"):
            parts = path.relative_to(root / folder).with_suffix("").parts
            if folder == "conformance" and parts[0] == "reference":
                continue
            found[".".join((package, *parts)).removesuffix(".__init__")] = path
    return found


def arrows(name: str, path: Path, known: Mapping[str, Path]) -> set[str]:
    """The modules ``name`` imports at module level."""
    out: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.Import):
                out.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = name.split(".")
                    if path.name != "__init__.py":
                        parts = parts[:-1]
                    parts = parts[: len(parts) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                out.add(base)
                out.update(f"{base}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If | ast.Try):
                visit(node.body)
                visit(node.orelse)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return {m for m in out if m in known and m != name}


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    known = modules(root)
    return {name: arrows(name, path, known) for name, path in known.items()}


def layer_of(module: str) -> int:
    best, rank = -1, -1
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            # The package's own name is its __init__ only, not a prefix of all.
            inside = prefix != "errcontract" and module.startswith(prefix + ".")
            if (module == prefix or inside) and len(prefix) > best:
                best, rank = len(prefix), i
    return rank


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    state: dict[str, int] = {}
    found: list[list[str]] = []

    def walk(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            walk(node, [])
    return found


def upward(edges: Mapping[str, set[str]]) -> list[str]:
    return [
        f"{a} -> {b}"
        for a, targets in sorted(edges.items())
        for b in sorted(targets)
        if layer_of(b) > layer_of(a)
    ]


def test_every_module_has_a_layer() -> None:
    edges = graph()
    assert len(edges) > 50, "the product's modules were not found"
    assert [m for m in edges if layer_of(m) < 0] == []


def test_no_import_cycle() -> None:
    edges = graph()
    assert sum(map(len, edges.values())) > 100, "no arrows found"
    assert cycles(edges) == []


def test_no_module_imports_a_layer_above_its_own() -> None:
    edges = graph()
    assert sum(map(len, edges.values())) > 100, "no arrows found"
    assert upward(edges) == []


def test_the_checks_catch_a_cycle_and_an_upward_arrow(tmp_path: Path) -> None:
    """The two tests above can fail: on a tree with a cycle and an arrow going up."""
    http = tmp_path / "conformance" / "_http"
    http.mkdir(parents=True)
    (http / "__init__.py").write_text("")
    (http / "a.py").write_text("from errcontract._http import b\n")
    (http / "b.py").write_text("import errcontract._http.a\n")
    (http / "c.py").write_text("from errcontract._engine.run import go\n")
    engine = tmp_path / "conformance" / "_engine"
    engine.mkdir()
    (engine / "__init__.py").write_text("")
    (engine / "run.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from errcontract._http import c\n"
    )
    edges = graph(tmp_path)
    assert cycles(edges) == [
        ["errcontract._http.a", "errcontract._http.b", "errcontract._http.a"]
    ]
    assert upward(edges) == ["errcontract._http.c -> errcontract._engine.run"]
    assert edges["errcontract._engine.run"] == set()


if __name__ == "__main__":
    for module, targets in sorted(graph().items()):
        print(f"{module} [{layer_of(module)}] -> {', '.join(sorted(targets))}")
    sys.exit(0)
