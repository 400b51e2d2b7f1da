"""A profile outside the installed package: ``--profile-dir`` (and its variable)
runs it without reinstalling; its mistakes are exit 2 naming the file.

The outside profile here is CardClan's, copied and renamed ``teamapi`` with no
reference server, run against a CardClan reference app served on 127.0.0.1.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from errcontract._contract.profile import schemas_root
from errcontract.reference import cardclan

if TYPE_CHECKING:
    from conftest import CliRun

FAST = ("--rate-limit", "50", "--max-rps", "1000")


@pytest.fixture
def team_profile(tmp_path: Path) -> Path:
    """An API that is neither shipped profile, in a folder of the team's own."""
    root = tmp_path / "team-profiles"
    target = root / "teamapi"
    shutil.copytree(schemas_root() / "cardclan", target)
    shutil.copytree(schemas_root() / "common", root / "common")
    meta = yaml.safe_load((target / "profile.yaml").read_text())
    meta["api"] = "teamapi"
    meta["title"] = "Team API"
    del meta["reference_app"]
    (target / "profile.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    return target


def test_an_outside_profile_runs_with_its_directory_and_a_base_url(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
    team_profile: Path,
) -> None:
    base, app = served(cardclan.create_app(rate_limit=None))
    export_fixtures(app.state.fixtures)
    run = run_cli("run", "--profile-dir", str(team_profile), "--base-url", base, *FAST)
    assert run.code == 0, run.err + run.out[-2000:]
    assert run.results["api"] == "teamapi"
    passed = [c["id"] for c in run.results["clauses"] if c["status"] == "pass"]
    assert len(passed) >= 15


def test_the_profile_path_variable_works_like_the_flag(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
    team_profile: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, app = served(cardclan.create_app(rate_limit=None, faults=["CC-AUTH-4"]))
    export_fixtures(app.state.fixtures)
    monkeypatch.setenv("CONFORMANCE_PROFILE_PATH", str(team_profile.parent))
    run = run_cli("run", "--api", "teamapi", "--base-url", base, *FAST)
    assert run.code == 1
    assert run.failing() == {"CC-AUTH-4"}


@pytest.mark.parametrize("api", [[], ["--api", "teamapi"], ["--api", "all"]])
def test_a_profile_without_a_reference_server_needs_a_base_url(
    run_cli: Callable[..., CliRun], team_profile: Path, api: list[str]
) -> None:
    run = run_cli("run", "--profile-dir", str(team_profile), *api)
    assert run.code == 2
    assert "profile teamapi" in run.err
    assert "ships no reference server" in run.err
    assert "--base-url" in run.err
    assert run.err.count("\n") == 1


def test_an_unknown_api_lists_the_outside_profiles_too(
    run_cli: Callable[..., CliRun], team_profile: Path
) -> None:
    run = run_cli("run", "--profile-dir", str(team_profile), "--api", "teamap")
    assert run.code == 2
    assert "did you mean 'teamapi'?" in run.err


def test_a_missing_profile_directory_names_the_flag(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    run = run_cli("run", "--profile-dir", str(tmp_path / "nope"), "--api", "cardda")
    assert run.code == 2
    assert "does not exist (from --profile-dir)" in run.err


def test_a_directory_without_a_profile_says_so(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    run = run_cli("run", "--profile-dir", str(tmp_path), "--api", "cardda")
    assert run.code == 2
    assert "holds no profile.yaml" in run.err


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda d: (d / "profile.yaml").write_text("api: [teamapi\n"), "profile.yaml"),
        (lambda d: (d / "openapi.yaml").unlink(), "openapi.yaml"),
        (
            lambda d: (d / "clauses.yaml").write_text("api: teamapi\nclauses: 3\n"),
            "clauses.yaml",
        ),
    ],
    ids=["bad-yaml", "no-openapi", "catalog-shape"],
)
def test_a_profile_mistake_is_exit_2_naming_the_file(
    run_cli: Callable[..., CliRun],
    team_profile: Path,
    damage: Callable[[Path], Any],
    says: str,
) -> None:
    damage(team_profile)
    run = run_cli(
        "run", "--profile-dir", str(team_profile), "--base-url", "http://127.0.0.1:9"
    )
    assert run.code == 2, run.err
    assert says in run.err
    assert "Traceback" not in run.err + run.out


def test_two_profiles_with_one_name_are_an_error(
    run_cli: Callable[..., CliRun], team_profile: Path, tmp_path: Path
) -> None:
    twin = tmp_path / "elsewhere" / "teamapi"
    shutil.copytree(team_profile, twin)
    run = run_cli(
        "run",
        "--profile-dir",
        str(team_profile),
        "--profile-dir",
        str(twin),
        "--api",
        "teamapi",
    )
    assert run.code == 2
    assert "two profiles are named 'teamapi'" in run.err
