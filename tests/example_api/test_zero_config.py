"""Zero-config on an API the package has never seen: the Widgets app, checked from its
OpenAPI document and the rfc9457 convention alone (no catalog, no profile.yaml).

Every fault switch of the app breaks a promise of its own hand-written catalog; here
each is mapped to the derived clause that must catch it, or to ``None`` where the
promise is the API's own and not the convention's (so the zero-config run rightly
passes it). Every RFC 9457 variation the app can show passes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from apps.widgets import FAULTS, PROFILE, TOLERANCES, create_app

if TYPE_CHECKING:
    from conftest import CliRun

DOCUMENT = PROFILE / "openapi.yaml"
ZERO_CONFIG = (
    "--openapi",
    str(DOCUMENT),
    "--convention",
    "rfc9457",
    "--request-id-header",
    "X-Request-Id",
    "--rate-limit",
    "none",
    "--max-rps",
    "1000",
)

CAUGHT_BY: dict[str, str | None] = {
    "EX-5XX-1": "PD-5XX-1",
    "EX-AUTH-1": "PD-AUTH-1",
    "EX-AUTH-2": "PD-AUTH-2",
    "EX-BODY-1": "PD-BODY-1",
    "EX-BODY-2": "PD-BODY-2",
    # The app's own promise (every field error has a `detail`): RFC 9457 shows
    # `errors` only as an example extension, so the convention does not require it.
    "EX-BODY-3": None,
    "EX-CONFLICT-1": "PD-CONFLICT-1",
    "EX-HDR-1": "PD-HDR-1",
    "EX-HDR-2": "PD-HDR-2",
    "EX-HDR-3": "PD-HDR-3",
    "EX-LEAK-1": "PD-LEAK-1",
    # JSON that is not an object answers 422: the app's own catalog promises 400,
    # but its document declares 422 and RFC 9110 section 15.5.21 fits 422 to
    # well-formed content the server cannot process, so the convention allows it.
    "EX-REQ-1": None,
    "EX-RES-1": "PD-RES-1",
    # Another account's widget answering 403 where an unknown id answers 404 tells
    # which ids exist: the other account's key (other_api_key) shows it.
    "EX-RES-2": "PD-TENANT-1",
    "EX-VAL-1": "PD-VAL-1",
    # Naming every field of a several-field body is the app's promise, not RFC 9457's.
    "EX-VAL-1:first-field-only": None,
}


@pytest.fixture
def zero_config(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
) -> Callable[..., tuple[CliRun, dict[str, str]]]:
    def run(
        faults: tuple[str, ...] = (), tolerances: tuple[str, ...] = ()
    ) -> tuple[CliRun, dict[str, str]]:
        base, app = served(create_app(faults=faults, tolerances=tolerances))
        export_fixtures(app.state.fixtures)
        return run_cli("run", *ZERO_CONFIG, "--base-url", base), app.state.fixtures

    return run


ALSO_BREAKS = {
    # Another account's widget must answer as an id nobody has: a 204 for deleting
    # an unknown widget tells the two apart as well.
    "EX-RES-1": {"PD-TENANT-1"},
    # A request without a key served is a request with the key elsewhere served.
    "EX-AUTH-1": {"PD-AUTH-4"},
}


def _all_pass_but_the_read_only_role(run: CliRun) -> None:
    """Every clause passes; the app has no read-only key, and the role clause says
    which fixture it needs."""
    for clause in run.results["clauses"]:
        if clause["id"] == "PD-ROLE-1":
            assert clause["status"] == "not-run", clause
            assert "--fixture read_only_api_key=" in clause["reason"], clause
        else:
            assert clause["status"] == "pass", clause


def test_every_fault_is_mapped() -> None:
    assert set(CAUGHT_BY) == set(FAULTS)


def test_the_conforming_app_passes(
    zero_config: Callable[..., tuple[CliRun, dict[str, str]]],
) -> None:
    run, fixtures = zero_config()
    assert run.code == 0, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    expected = {c for c in CAUGHT_BY.values() if c}
    assert expected <= set(statuses), sorted(expected - set(statuses))
    _all_pass_but_the_read_only_role(run)
    assert fixtures["api_key"] not in run.everything()


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_broken_promise_fails_its_derived_clause(
    fault: str, zero_config: Callable[..., tuple[CliRun, dict[str, str]]]
) -> None:
    run, fixtures = zero_config(faults=(fault,))
    clause = CAUGHT_BY[fault]
    if clause is None:
        assert run.code == 0, run.out[-3000:]
        assert run.failing() == set()
        return
    assert run.code == 1, run.out[-2000:]
    assert run.failing() == {clause, *ALSO_BREAKS.get(fault, ())}
    violation = run.clause(clause)["violations"][0]
    assert violation["expected"]
    assert violation["actual"]
    assert violation["exchanges"][0]["curl"].startswith("curl ")
    assert fixtures["api_key"] not in run.everything()


def test_every_rfc9457_variation_passes(
    zero_config: Callable[..., tuple[CliRun, dict[str, str]]],
) -> None:
    assert TOLERANCES
    run, _ = zero_config(tolerances=tuple(sorted(TOLERANCES)))
    assert run.code == 0, run.out[-3000:]
    _all_pass_but_the_read_only_role(run)
