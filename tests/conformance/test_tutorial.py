"""docs/tutorial.md's commands work: every ```sh block after a
``<!-- tutorial: run -->`` marker runs with bash, in order, in one fresh directory,
with a CardClan reference server on 127.0.0.1 with CC-AUTH-4 broken (the copied
profile's practice target; the ``init`` profile's is the embedded Projects API).
A marker may say the exit status the block must end with
(``<!-- tutorial: run, exit 1 -->``; default 0)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from errcontract.reference import cardclan
from errcontract.reference._serve import serve

TUTORIAL = Path(__file__).resolve().parents[2] / "docs" / "tutorial.md"
BLOCK = re.compile(
    r"^<!-- tutorial: run(?:, exit (?P<exit>\d+))? -->\n```sh\n(?P<body>.*?)^```$",
    flags=re.MULTILINE | re.DOTALL,
)
BLOCK_TIMEOUT_S = 120
FAULT = "CC-AUTH-4"


@dataclass(frozen=True)
class Block:
    """One runnable block of the tutorial."""

    line: int
    script: str
    exit: int


def tutorial_blocks(text: str) -> list[Block]:
    """The blocks marked for running, in order."""
    return [
        Block(
            line=text.count("\n", 0, m.start()) + 1,
            script=m.group("body"),
            exit=int(m.group("exit") or 0),
        )
        for m in BLOCK.finditer(text)
    ]


@pytest.fixture
def practice_target() -> Iterator[tuple[str, dict[str, str]]]:
    """The tutorial's practice server: its base URL and its fixtures."""
    app = cardclan.create_app(rate_limit=None, faults=[FAULT])
    with serve(app) as base:
        yield base + getattr(app.state, "base_path", ""), dict(app.state.fixtures)


def _environment(base_url: str, fixtures: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env["BASE_URL"] = base_url
    env.update({f"CONFORMANCE_{k.upper()}": v for k, v in fixtures.items()})
    return env


def test_the_tutorial_marks_its_blocks() -> None:
    blocks = tutorial_blocks(TUTORIAL.read_text(encoding="utf-8"))
    commands = "\n".join(b.script for b in blocks)
    assert len(blocks) >= 6
    steps = ("conformance init", "check-profile", "conformance run", "--profile-dir")
    for step in (*steps, "baseline"):
        assert step in commands, step
    assert {b.exit for b in blocks} >= {0, 1}


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_tutorial_s_commands_run(
    tmp_path: Path, practice_target: tuple[str, dict[str, str]]
) -> None:
    base_url, fixtures = practice_target
    key = fixtures["api_key"]
    env = _environment(base_url, fixtures)
    for block in tutorial_blocks(TUTORIAL.read_text(encoding="utf-8")):
        where = f"docs/tutorial.md line {block.line}"
        try:
            done = subprocess.run(
                ["bash", "-eu", "-o", "pipefail", "-c", block.script],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=BLOCK_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"{where}: still running after {BLOCK_TIMEOUT_S} s")
        output = done.stdout + done.stderr
        assert done.returncode == block.exit, (
            f"{where}: exit {done.returncode}, the tutorial says {block.exit}\n"
            f"{block.script}\n--- output ---\n{output[-4000:]}"
        )
        assert key not in output, f"{where}: the API key appears in the output"
    assert (tmp_path / "conformance-baseline.yaml").is_file()
    for report in ("run1", "run2"):
        for path in (tmp_path / report).iterdir():
            assert key not in path.read_text(encoding="utf-8"), path
