"""A third API, in neither seed's style, through the public profile format alone.

Widgets (``app.py``) answers RFC 9457 problem details, takes its key in ``X-API-Key``
and puts ``X-Request-Id`` on every response; its profile (``profile/``) names no
reference app and runs with ``--profile-dir`` and ``--base-url`` only, against the app
served on 127.0.0.1. The fault matrix and the tolerance runs are the ones the shipped
profiles get (``tests/conformance/test_faults.py``): each fault switch fails its clause
and no other, each allowed variation passes every clause. Nothing in ``strategies/``,
``conformance/checks/`` or ``reports/`` knows this API.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from apps.widgets import FAULTS, PROFILE, TOLERANCES, create_app
from errcontract._contract.profile import schemas_root

if TYPE_CHECKING:
    from conftest import CliRun


# Unthrottled, both ways: a full run takes a few seconds.
FAST = ("--rate-limit", "none", "--max-rps", "1000")


def clause_of(fault: str) -> str:
    """The clause a fault switch breaks: its name up to the first colon."""
    return fault.partition(":")[0]


def catalog_ids() -> set[str]:
    catalog = yaml.safe_load((PROFILE / "clauses.yaml").read_text(encoding="utf-8"))
    return {clause["id"] for clause in catalog["clauses"]}


@pytest.fixture
def run_widgets(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
) -> Callable[..., tuple[CliRun, dict[str, str]]]:
    """Serve the app with the given switches and run the profile against it."""

    def run(
        faults: tuple[str, ...] = (),
        tolerances: tuple[str, ...] = (),
        extra: tuple[str, ...] = (),
    ) -> tuple[CliRun, dict[str, str]]:
        base, app = served(create_app(faults=faults, tolerances=tolerances))
        export_fixtures(app.state.fixtures)
        args = ("--profile-dir", str(PROFILE), "--base-url", base, *FAST, *extra)
        return run_cli("run", *args), app.state.fixtures

    return run


def test_the_profile_checks_clean(run_cli: Callable[..., CliRun]) -> None:
    check = run_cli("check-profile", str(PROFILE))
    assert check.code == 0, check.out + check.err
    assert "no problems" in check.out


def test_the_profile_is_the_public_format_only() -> None:
    """No reference app named, the key in X-API-Key, the leak patterns a copy of the
    shared ones (so they cannot drift apart unnoticed)."""
    meta = yaml.safe_load((PROFILE / "profile.yaml").read_text(encoding="utf-8"))
    assert "reference_app" not in meta
    assert meta["credential_header"] == "X-API-Key: {token}"
    ours = json.loads((PROFILE / "leak-patterns.json").read_text(encoding="utf-8"))
    shared = schemas_root() / "common" / "leak-patterns.json"
    assert ours == json.loads(shared.read_text(encoding="utf-8"))


def test_catalog_and_fault_switches_are_one_set() -> None:
    ids = catalog_ids()
    faults = {clause_of(f) for f in FAULTS}
    assert ids == faults, (
        f"in the catalog only: {sorted(ids - faults)}; "
        f"fault switches only: {sorted(faults - ids)}"
    )


def test_the_conforming_app_passes_every_clause(
    run_widgets: Callable[..., tuple[CliRun, dict[str, str]]],
) -> None:
    run, fixtures = run_widgets()
    assert run.code == 0, run.out[-3000:]
    assert run.results["api"] == "widgets"
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    assert set(statuses) == catalog_ids()
    assert set(statuses.values()) == {"pass"}, statuses
    assert fixtures["api_key"] not in run.everything()


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_fails_its_clause(
    fault: str, run_widgets: Callable[..., tuple[CliRun, dict[str, str]]]
) -> None:
    """One fault on: exit 1, that clause and no other fails, with evidence."""
    run, fixtures = run_widgets(faults=(fault,))
    assert run.code == 1, run.out[-2000:]
    assert run.failing() == {clause_of(fault)}
    violation = run.clause(clause_of(fault))["violations"][0]
    assert violation["expected"]
    assert violation["actual"]
    exchange = violation["exchanges"][0]
    assert exchange["curl"].startswith("curl ")
    assert fixtures["api_key"] not in run.everything()


@pytest.mark.parametrize("tolerance", sorted(TOLERANCES))
def test_tolerated_variation_passes(
    tolerance: str, run_widgets: Callable[..., tuple[CliRun, dict[str, str]]]
) -> None:
    """A variation RFC 9457 allows keeps every clause."""
    run, _ = run_widgets(tolerances=(tolerance,))
    assert run.code == 0, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    assert set(statuses.values()) == {"pass"}, statuses


def test_every_tolerance_at_once_passes(
    run_widgets: Callable[..., tuple[CliRun, dict[str, str]]],
) -> None:
    run, _ = run_widgets(tolerances=tuple(sorted(TOLERANCES)))
    assert run.code == 0, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    assert set(statuses.values()) == {"pass"}, statuses


THOROUGH = ("--depth", "thorough", "--seed", "1")


def test_every_tolerance_at_once_passes_under_thorough(
    run_widgets: Callable[..., tuple[CliRun, dict[str, str]]],
) -> None:
    """No false alarm under the deep fuzz either."""
    run, _ = run_widgets(tolerances=tuple(sorted(TOLERANCES)), extra=THOROUGH)
    assert run.code == 0, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    assert set(statuses.values()) == {"pass"}, statuses


@pytest.mark.parametrize("fault", ["EX-VAL-1:first-field-only", "EX-5XX-1"])
def test_fault_fails_its_clause_under_thorough(
    fault: str, run_widgets: Callable[..., tuple[CliRun, dict[str, str]]]
) -> None:
    run, _ = run_widgets(faults=(fault,), extra=THOROUGH)
    assert run.code == 1, run.out[-2000:]
    assert run.failing() == {clause_of(fault)}
