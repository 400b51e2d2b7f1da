"""A profile written from the docs alone (issue 20, "How it is judged": a profile
written only from the docs can state every promise listed above).

tests/conformance/profiles/docs_only/ was written, as a new user would, from the
README, docs/tutorial.md, docs/promises.md and docs/reference.md only, for the
embedded Projects API: a refused update changes nothing (its body refused, or a
read-only key's), where a credential must
not be accepted, the scheme's and the token's case, WWW-Authenticate, Allow and an
exact Content-Type, inputs that must be ignored, a combined defect, a status family
in scope, a list of accepted codes and a field member per status. It lints clean,
passes on the conforming server and on every tolerance but the two its page
promises against, and each fault fails exactly the clause stating what it breaks.
Every run is the embedded server on 127.0.0.1, its budget bounded (``--max-requests``).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import yaml

from errcontract._config.embedded import convention_app
from errcontract._config.lint import check_profile
from errcontract.reference import problem

if TYPE_CHECKING:
    from conftest import CliRun

PROFILE = Path(__file__).parent / "profiles" / "docs_only"
# The profile's rate limit (50/s) paces the run; the rest is bounded by these.
QUICK = ("--max-rps", "1000", "--max-requests", "600", "--quiet")
WITHOUT_BURST = ("--rate-limit", "none")

FAULTS: dict[str, set[str]] = {
    "PD-ATOMIC-1": {"PJ-ATOMIC-1"},
    "PD-ATOMIC-1:forbidden": {"PJ-ATOMIC-2"},
    "PD-AUTH-1": {"PJ-AUTH-0", "PJ-AUTH-1"},  # no credential and a misplaced one
    "PD-AUTH-4": {"PJ-AUTH-1"},
    "PD-AUTH-4:cookie": {"PJ-AUTH-1"},
    "PD-AUTH-4:other-header": {"PJ-AUTH-1"},
    "PD-AUTH-5": {"PJ-AUTH-2"},
    "PD-AUTH-2:case-insensitive": {"PJ-AUTH-3"},
    "PD-AUTH-6": {"PJ-AUTH-4"},
    "PD-AUTH-6:error-without-credential": {"PJ-AUTH-4"},
    "PD-HDR-1": {"PJ-HDR-1"},
    "PD-METHOD-1": {"PJ-METHOD-1"},
    "PD-IGNORE-1": {"PJ-IGNORE-1"},
    "PD-IGNORE-1:read-only": {"PJ-IGNORE-1"},
    "PD-IGNORE-2": {"PJ-IGNORE-2"},
    "PD-ROLE-2": {"PJ-ROLE-2"},
    "PD-BODY-1": {"PJ-BODY-1"},
    "PD-VAL-1:unnamed-field": {"PJ-VAL-1"},
}
"""Fault -> the clauses stating what it breaks (run without the burst)."""

STRICTER = {"body-on-get-400", "read-only-422"}
"""Tolerances the team's page promises against (PJ-IGNORE-1: a body on GET and a
read-only member are ignored, not refused)."""


def test_the_docs_only_profile_lints_clean() -> None:
    assert [str(p) for p in check_profile(PROFILE)] == []


def test_every_promise_holds_on_the_conforming_server(
    run_cli: Callable[..., CliRun],
) -> None:
    done = run_cli("run", "--profile-dir", str(PROFILE), *QUICK)
    assert done.code == 0, done.out
    statuses = {c["id"]: c["status"] for c in done.results["clauses"]}
    assert set(statuses.values()) == {"pass"}, statuses
    assert len(statuses) == 16


def test_the_tolerances_pass_but_those_the_page_promises_against(
    run_cli: Callable[..., CliRun],
) -> None:
    allowed = sorted(set(problem.TOLERANCES) - STRICTER)
    switches = [arg for name in allowed for arg in ("--tolerance", name)]
    done = run_cli("run", "--profile-dir", str(PROFILE), *QUICK, *switches)
    assert done.code == 0, done.out
    for name in sorted(STRICTER):
        stricter = run_cli(
            "run", "--profile-dir", str(PROFILE), *QUICK, *WITHOUT_BURST,
            "--tolerance", name,
        )  # fmt: skip
        assert (stricter.code, stricter.failing()) == (1, {"PJ-IGNORE-1"}), name


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_fails_the_clause_that_states_it(
    fault: str, run_cli: Callable[..., CliRun]
) -> None:
    done = run_cli(
        "run", "--profile-dir", str(PROFILE), *QUICK, *WITHOUT_BURST, "--fault", fault
    )
    assert (done.code, done.failing()) == (1, FAULTS[fault]), done.out


def test_a_write_not_refused_is_not_judged_and_the_reason_says_so(
    run_cli: Callable[..., CliRun],
) -> None:
    """PD-ROLE-1 lets the read-only key write: the role clauses fail, and the
    atomicity clause has no refused write to read around (not-run, with why; it
    said "every probe was throttled (429)" when nothing was)."""
    done = run_cli(
        "run", "--profile-dir", str(PROFILE), *QUICK, *WITHOUT_BURST,
        "--fault", "PD-ROLE-1",
    )  # fmt: skip
    assert (done.code, done.failing()) == (1, {"PJ-ROLE-1", "PJ-ROLE-2"}), done.out
    atomic = done.clause("PJ-ATOMIC-2")
    assert atomic["status"] == "not-run"
    assert "premise never held" in atomic["reason"], atomic["reason"]
    assert "not refused" in atomic["reason"]


def test_a_burst_without_a_limit_fails_the_rate_clause(
    run_cli: Callable[..., CliRun],
) -> None:
    done = run_cli("run", "--profile-dir", str(PROFILE), *QUICK, "--fault", "PD-RATE-1")
    assert (done.code, done.failing()) == (1, {"PJ-RATE-1"}), done.out


def test_a_code_without_code_field_is_reported_not_skipped(tmp_path: Path) -> None:
    """Before: with no ``error_body.code_field`` (as ``init`` writes an RFC 9457
    profile) check-profile said "no problems", then ``rate_limited``'s ``error``
    was never judged (a wrong code passed) and an ``expect`` code failed every
    answer."""
    target = tmp_path / "docs_only"
    shutil.copytree(PROFILE, target)
    meta = yaml.safe_load((target / "profile.yaml").read_text(encoding="utf-8"))
    del meta["error_body"]["code_field"]
    (target / "profile.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    catalog = yaml.safe_load((target / "clauses.yaml").read_text(encoding="utf-8"))
    role = next(c for c in catalog["clauses"] if c["id"] == "PJ-ROLE-1")
    role["expect"] = [{"status": 403, "error": "https://projects.example/forbidden"}]
    (target / "clauses.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    problems = [str(p) for p in check_profile(target)]
    at = f"{target / 'clauses.yaml'}: clause"
    assert [p.partition(": with")[0].partition(": expect")[0] for p in problems] == [
        f"{at} PJ-ROLE-1",
        f"{at} PJ-RATE-1",
    ], problems
    assert (
        "expect/0/error: an answer's error is read from error_body.code_field"
        in (problems[0])
    )
    assert "with/error: rate_limited names a code" in problems[1]


def test_the_projects_api_is_served_alone_as_the_docs_say(
    run_cli: Callable[..., CliRun], served: Callable[..., tuple[str, Any]]
) -> None:
    """``conformance serve --convention rfc9457`` (the tutorial's way to try the
    Projects API by hand; before, ``serve`` knew only cardda and cardclan): the
    same app ``run --convention rfc9457`` starts, its switches checked first."""
    title, app = convention_app("rfc9457", ["PD-AUTH-4"], [], None)
    assert "errcontract.reference.problem" in title
    base, _ = served(app)
    key = app.state.fixtures["api_key"]
    with httpx.Client(base_url=base, timeout=5, trust_env=False) as client:
        assert client.get("/projects", params={"access_token": key}).status_code == 200
    wrong = run_cli("serve", "--convention", "rfc9457", "--fault", "PD-ATOMIC-9")
    assert wrong.code == 2
    assert "unknown fault 'PD-ATOMIC-9' from --fault (did you mean" in wrong.err
    none = run_cli("serve", "--convention", "cardda-style")
    assert (none.code, none.err.strip()) == (
        2,
        "conformance: error: convention cardda-style ships no reference server",
    )
