"""docs/conventions/google.md's overrides file for an API that answers a missing key
as Google's front ends do (403 PERMISSION_DENIED): the block is run as written, so
the page cannot drift from what ``--overrides`` takes."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

if TYPE_CHECKING:
    from conftest import CliRun

PAGE = Path(__file__).resolve().parents[2] / "docs" / "conventions" / "google.md"
GOOGLE = ("--convention", "google", "--max-rps", "1000")
FAULT = "GA-AUTH-1:missing-key-403"


@pytest.fixture
def overrides(tmp_path: Path) -> tuple[str, str]:
    """The page's overrides block, written to a file, as ``--overrides FILE``."""
    blocks = re.findall(r"```yaml\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    (block,) = [b for b in blocks if "GA-AUTH-1" in b]
    refused = {"expect": [{"status": 403}]}
    assert yaml.safe_load(block) == {
        "clauses": {"GA-AUTH-1": refused, "GA-AUTH-4": refused}
    }
    path = tmp_path / "overrides.yaml"
    path.write_text(block, encoding="utf-8")
    return ("--overrides", str(path))


def test_the_overrides_block_passes_an_api_answering_403(
    overrides: tuple[str, str], run_cli: Callable[..., CliRun]
) -> None:
    run = run_cli("run", *GOOGLE, *overrides, "--fault", FAULT)
    assert run.code == 0, run.out[-3000:]
    assert run.status("GA-AUTH-1") == "pass"
    assert run.status("GA-AUTH-4") == "pass"
    assert run.status("GA-BODY-3") == "pass"


def test_without_it_the_403_fails_and_with_it_the_401_does(
    overrides: tuple[str, str], run_cli: Callable[..., CliRun]
) -> None:
    run = run_cli("run", *GOOGLE, "--fault", FAULT)
    assert run.code == 1, run.out[-3000:]
    assert run.failing() == {"GA-AUTH-1", "GA-AUTH-4"}, run.failing()
    assert run.clause("GA-AUTH-1")["violations"][0]["actual"].startswith("403")
    run = run_cli("run", *GOOGLE, *overrides)
    assert run.code == 1, run.out[-3000:]
    assert run.failing() == {"GA-AUTH-1", "GA-AUTH-4"}, run.failing()
    violation = run.clause("GA-AUTH-1")["violations"][0]
    assert violation["expected"] == "403", violation
    assert violation["actual"].startswith("401"), violation
