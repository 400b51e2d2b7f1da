"""The run's cleanup says nothing about what the profile deleted itself (issue 20,
item 8): a clause whose probe DELETEs the run's scratch resource leaves no "delete it
by hand" line, while a resource the cleanup could not delete is still reported. Both
run an ``init`` profile of the Projects API against its embedded server (loopback)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from errcontract.reference import problem

if TYPE_CHECKING:
    from conftest import CliRun

FAST = ("--rate-limit", "none", "--max-rps", "1000", "--examples", "3")
BY_HAND = "delete it by hand"

DELETE_TWICE = {
    "id": "MY-GONE-1",
    "text": "deleting a project twice answers 404 the second time",
    "kind": "documented",
    "family": "tenant",
    "check": "expected_answer",
    "probes": {"strategy": "repeated_actions", "operations": ["deleteProject"]},
    "expect": [{"status": 404}],
}
UNKNOWN_ID = {
    "id": "MY-RES-1",
    "text": "an id that names no resource answers 404",
    "kind": "documented",
    "family": "tenant",
    "check": "expected_answer",
    "probes": {"strategy": "unknown_resources", "operations": ["getProject"]},
    "expect": [{"status": 404}],
}


def _profile(
    run_cli: Callable[..., CliRun], tmp_path: Path, clause: dict[str, Any]
) -> Path:
    """An ``init`` profile of the Projects API with ``clause`` alone, whose
    ``projectId`` the setup creates (so the run's cleanup owns it), run against the
    embedded server."""
    target = tmp_path / "contract"
    document = str(problem.OPENAPI)
    init = ("init", str(target), "--openapi", document)
    done = run_cli(*init, "--convention", "rfc9457")
    assert done.code == 0, done.err
    meta = yaml.safe_load((target / "profile.yaml").read_text())
    meta["reference_app"] = "errcontract.reference.problem"
    meta["setup"] = [{"var": "projectId", "operation": "createProject", "pick": "/id"}]
    (target / "profile.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    catalog = {"api": meta["api"], "clauses": [clause]}
    (target / "clauses.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    return target


def _cleanup_lines(run: CliRun) -> list[str]:
    notes = [n for api in run.results["apis"] for n in api["notes"]]
    return [n for n in notes if BY_HAND in n] + [
        line for line in run.out.splitlines() if BY_HAND in line
    ]


def test_a_resource_the_profile_deleted_itself_is_not_reported(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    directory = _profile(run_cli, tmp_path, DELETE_TWICE)
    run = run_cli("run", "--profile-dir", str(directory), *FAST)
    assert run.code == 0, run.out[-3000:]
    assert run.status("MY-GONE-1") == "pass"
    assert _cleanup_lines(run) == []


def test_a_resource_left_behind_is_reported(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    directory = _profile(run_cli, tmp_path, UNKNOWN_ID)
    # The cleanup names a DELETE on the collection, which the server does not serve
    # (405): the created project stays, and the run must say so.
    document = yaml.safe_load((directory / "openapi.yaml").read_text())
    collection = document["paths"]["/projects"]
    collection["post"]["x-conformance-cleanup"]["operation"] = "deleteAllProjects"
    collection["delete"] = {
        "operationId": "deleteAllProjects",
        "responses": {"204": {"description": "Deleted."}},
        "x-conformance-writes": True,
    }
    (directory / "openapi.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    run = run_cli("run", "--profile-dir", str(directory), *FAST)
    assert run.code == 0, run.out[-3000:]
    lines = _cleanup_lines(run)
    assert lines, run.out[-3000:]
    assert all("DELETE /projects answered 405" in line for line in lines), lines
