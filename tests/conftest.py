"""Shared fixtures of the project's own tests: run the CLI in-process, serve apps."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from errcontract.cli import main


@dataclass
class CliRun:
    """What one ``conformance`` invocation did."""

    code: int
    out: str
    err: str
    report_dir: Path

    @property
    def results(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            (self.report_dir / "results.json").read_text(encoding="utf-8")
        )
        return data

    def status(self, clause_id: str) -> str:
        return self.clause(clause_id)["status"]

    def clause(self, clause_id: str) -> dict[str, Any]:
        for clause in self.results["clauses"]:
            if clause["id"] == clause_id:
                return clause  # type: ignore[no-any-return]
        raise KeyError(clause_id)

    def failing(self) -> set[str]:
        return {c["id"] for c in self.results["clauses"] if c["status"] == "fail"}

    @property
    def junit(self) -> ET.Element:
        return ET.parse(self.report_dir / "junit.xml").getroot()

    def everything(self) -> str:
        """Every output a person or a CI system could read."""
        parts = [self.out, self.err]
        for path in self.report_dir.glob("*"):
            if path.is_file():
                parts.append(path.read_text(encoding="utf-8", errors="replace"))
        return "\n".join(parts)

    def leaks(self, *secrets: str) -> list[str]:
        """Where any form of ``secrets`` (raw, URL-encoded, Base64, escaped) shows in
        stdout, stderr or a report file; each hit described without the secret, so
        ``assert not run.leaks(key)`` fails without printing it (tests/leaks.py)."""
        import leaks

        return leaks.scan_run(self.out, self.err, self.report_dir, secrets)


@pytest.fixture(autouse=True)
def _no_conformance_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start from a clean environment: no CONFORMANCE_* from the developer."""
    for name in list(os.environ):
        if name.startswith("CONFORMANCE_"):
            monkeypatch.delenv(name)


@pytest.fixture
def export_fixtures(
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[Mapping[str, str]], None]:
    """Give a target's fixtures the way a CI job would: CONFORMANCE_<NAME> variables."""

    def export(fixtures: Mapping[str, str]) -> None:
        for name, value in fixtures.items():
            monkeypatch.setenv(f"CONFORMANCE_{name.upper()}", value)

    return export


@pytest.fixture
def run_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Callable[..., CliRun]:
    """Run ``conformance`` in-process; the report directory is a fresh temp dir."""
    counter = iter(range(1000))

    def run(*args: str) -> CliRun:
        report_dir = tmp_path / f"report-{next(counter)}"
        argv = list(args)
        if argv and argv[0] == "run" and "--report-dir" not in argv:
            argv += ["--report-dir", str(report_dir)]
        capsys.readouterr()
        code = main(argv)
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err, report_dir)

    return run


@pytest.fixture
def served() -> Iterator[Callable[..., tuple[str, Any]]]:
    """Serve reference apps on 127.0.0.1 for the test; stopped afterwards."""
    from contextlib import ExitStack

    from errcontract.reference._serve import serve

    with ExitStack() as stack:

        def start(app: Any) -> tuple[str, Any]:
            base = stack.enter_context(serve(app))
            return base + getattr(app.state, "base_path", ""), app

        yield start
