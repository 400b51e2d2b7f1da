"""Combined defects declared in a clause (issue 20, item 5): the Projects API's
document says a read-only token's writes are refused (403) "before anything else",
so its write to a project nobody has is 403, not 404. No convention derives that
precedence; the clause (tests/conformance/profiles/projects_precedence.yaml) is
added to the profile ``conformance init`` writes from the document, and fails on
the server whose lookup comes first (PD-ROLE-2), passes on the conforming one and
on every tolerance. The linter checks each combined defect as the family alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from _projects import projects_profile

from errcontract._config.lint import check_profile
from errcontract.reference import problem
from errcontract.reference.problem._contract import API_KEY

if TYPE_CHECKING:
    from conftest import CliRun

CLAUSES = Path(__file__).parent / "profiles" / "projects_precedence.yaml"
CLAUSE = "PD-ROLE-2"


@pytest.fixture
def precedence(tmp_path: Path) -> Path:
    """The Projects API's profile from ``init``, its catalog the precedence clause
    alone (a few requests), run against the embedded reference server."""
    target = tmp_path / "projects"
    projects_profile(target)
    _catalog(target, yaml.safe_load(CLAUSES.read_text(encoding="utf-8"))["clauses"])
    return target


def _catalog(target: Path, clauses: list[dict[str, Any]]) -> None:
    catalog = {"api": "projects-api", "clauses": clauses}
    (target / "clauses.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))


def test_the_precedence_clause_lints_clean(precedence: Path) -> None:
    assert [str(p) for p in check_profile(precedence)] == []


def test_the_role_wins_on_the_conforming_server(
    precedence: Path, run_cli: Callable[..., CliRun]
) -> None:
    run = run_cli("run", "--profile-dir", str(precedence))
    assert run.code == 0, run.out[-3000:]
    clause = run.clause(CLAUSE)
    assert clause["status"] == "pass"
    sent = clause["coverage"]["sent"]
    assert {row["operation"] for row in sent} == {"updateProject", "deleteProject"}
    assert run.results["requests"] <= 20


def test_a_lookup_before_the_role_fails_it(
    precedence: Path, run_cli: Callable[..., CliRun]
) -> None:
    run = run_cli("run", "--profile-dir", str(precedence), "--fault", CLAUSE)
    assert run.code == 1, run.out[-3000:]
    assert run.failing() == {CLAUSE}
    violation = run.clause(CLAUSE)["violations"][0]
    assert violation["expected"] == "403"
    assert violation["actual"].startswith("404")
    (exchange,) = violation["exchanges"]
    assert exchange["defect"].startswith(
        "fixture_credentials: credential of fixture 'read_only_api_key' + "
        "unknown_resources: path 'projectId' = "
    )
    assert "$CONFORMANCE_READ_ONLY_API_KEY" in exchange["curl"]
    assert API_KEY not in run.everything()


@pytest.mark.parametrize("tolerance", sorted(problem.TOLERANCES))
def test_every_tolerance_passes_it(
    tolerance: str, precedence: Path, run_cli: Callable[..., CliRun]
) -> None:
    run = run_cli("run", "--profile-dir", str(precedence), "--tolerance", tolerance)
    assert run.code == 0, run.out[-3000:]


# -- the linter: each combined defect checked as its family alone -----------------

ROLE = {"strategy": "fixture_credentials", "with": {"fixture": "read_only_api_key"}}


def _with_defects(target: Path, *defects: dict[str, Any]) -> list[str]:
    clause = yaml.safe_load(CLAUSES.read_text(encoding="utf-8"))["clauses"][0]
    clause["probes"]["with"]["defects"] = list(defects)
    _catalog(target, [clause])
    return [str(p) for p in check_profile(target)]


@pytest.mark.parametrize(
    ("defects", "says"),
    [
        (
            [ROLE, {"strategy": "unknown_resource"}],
            "probes/with/defects/1/strategy: unknown strategy 'unknown_resource' "
            "(did you mean 'unknown_resources'?)",
        ),
        (
            [ROLE, {"strategy": "unknown_resources", "with": {"feild": "x"}}],
            "probes/with/defects/1/with/feild: unknown_resources takes no 'feild' "
            "(did you mean 'field'?); it takes field, foreign",
        ),
        (
            [
                {
                    "strategy": "fixture_credentials",
                    "with": {"fixture": "read_only_key"},
                },
                {"strategy": "unknown_resources"},
            ],
            "probes/with/defects/0/with/fixture: unknown fixture 'read_only_key' "
            "(did you mean 'read_only_api_key'?)",
        ),
        (
            [ROLE, {"strategy": "absent_credentials"}],
            "probes/with/defects/0: combined_defects refuses it on updateProject, "
            "deleteProject: combined_defects: defects[0] (fixture_credentials) and "
            "defects[1] (absent_credentials) both change the credential",
        ),
    ],
)
def test_a_broken_combination_is_named(
    defects: list[dict[str, Any]], says: str, precedence: Path
) -> None:
    problems = _with_defects(precedence, *defects)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{precedence / 'clauses.yaml'}: clause {CLAUSE}: ")
    assert says in problems[0]


def test_one_defect_is_no_combination(precedence: Path) -> None:
    """The catalog's meta-schema: two defects at least."""
    (problem_line,) = _with_defects(precedence, ROLE)
    assert problem_line.startswith(
        f"{precedence / 'clauses.yaml'}: clauses/0/probes/with/defects: "
    )
    assert problem_line.endswith("is too short")


def test_check_profile_exits_2_with_one_sentence(
    precedence: Path, run_cli: Callable[..., CliRun]
) -> None:
    _with_defects(precedence, ROLE, {"strategy": "refused_writes"})
    check = run_cli("check-profile", str(precedence))
    assert check.code == 2
    assert check.out.strip() == (
        f"{precedence / 'clauses.yaml'}: clause {CLAUSE}: probes/with/defects/1: "
        "combined_defects refuses it on updateProject, deleteProject: "
        "combined_defects: defects[1]: refused_writes does not combine: it reads the "
        "item before and after its write; these do: absent_credentials, "
        "malformed_credentials, fixture_credentials, absent_tenants, unknown_tenants, "
        "unknown_resources, missing_parameters, invalid_parameters, malformed_bodies, "
        "invalid_bodies, oversized_bodies, unsupported_media_types, robustness_probes"
    )
