"""Every clause fails on its violation and every allowed variation passes.

One parametrized run per fault switch of each reference server: the run exits 1 and the
clause the switch breaks is reported failed. Where a fault cannot help breaking a
neighbouring clause too, the overlap is declared here, so a fault that starts breaking
something else is caught.

A switch is named by the clause it breaks; a clause covering several defect kinds has
more than one, named ``<clause id>:<variant>`` (``CD-5XX-1:long-name``): the part
before the colon is the clause.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from errcontract._contract.profile import load_profile
from errcontract.checks import REGISTRY
from errcontract.reference import cardclan, cardda

# Raised limits (server and suite alike): a full run takes seconds. The documented
# limit has its own test.
FAST = ("--rate-limit", "50", "--max-rps", "1000")
if TYPE_CHECKING:
    from conftest import CliRun

REFERENCE = {"cardda": cardda, "cardclan": cardclan}


def clause_of(fault: str) -> str:
    """The clause a fault switch breaks: its name up to the first colon."""
    return fault.partition(":")[0]


# Clauses a fault breaks besides its own, and why.
OVERLAP = {
    # A request without Authorization answered as the fault answers it: the key
    # elsewhere and no Authorization header is that request too.
    "CD-AUTH-1": {"CD-AUTH-4"},
    "CC-AUTH-1": {"CC-AUTH-5"},
    # 403 answers "access_denied": the policy clause expects "forbidden" too.
    "CD-CODE-1": {"CD-POLICY-1"},
    # Deep nesting and NaN get a 500: that is also not the documented 400.
    "CD-5XX-1": {"CD-REQ-1"},
    # A non-array mergeTags gets a 500: also not the documented 400 and message.
    "CC-5XX-1": {"CC-VAL-3"},
    # OPTIONS, which no route takes, is an unserved method: the router's 405 answers
    # it, with the Allow those faults bend.
    "CD-METHOD-1": {"CD-METHOD-2"},
    "CD-METHOD-1:no-allow": {"CD-METHOD-2"},
    "CC-METHOD-1:no-allow": {"CC-METHOD-2"},
    # The companies read refuses its valid request (no company-id) with a 401: the
    # HEAD of that request, which CD-METHOD-2 sends, is refused too.
    "CD-TENANT-4": {"CD-METHOD-2"},
    # A 500 for the unacceptable Accept is a 5xx to a probe (CD-5XX-1's scope).
    "CD-ACCEPT-1": {"CD-5XX-1"},
    # A 406 without a JSON body is labelled with the Accept's type or as HTML: the
    # media-type clause refuses it with the shape clause.
    "CD-BODY-A:accept": {"CD-HDR-3"},
    "CC-BODY-1:accept": {"CC-HDR-1"},
}

# Faults only one defect kind of their clause can reveal, and that kind: a lenient
# comparison of keys takes only a key built from the valid one for it.
BROKEN_KINDS = {
    "CD-AUTH-2:case-insensitive": {"case-changed"},
    "CD-AUTH-2:prefix-match": {"truncated"},
    "CD-AUTH-2:extra-ignored": {"extended"},
    "CC-AUTH-4:case-insensitive": {"case-changed"},
    # Only the query parameter is read besides the header.
    "CD-AUTH-4": {"query"},
    "CC-AUTH-5": {"query"},
    # Past 500 levels: only the nesting kinds reach it (they used to stop at 300).
    "CD-5XX-1:deep-nesting": {"deep-nesting", "deeper-nesting"},
    "CC-5XX-1:deep-nesting": {"deep-nesting", "deeper-nesting"},
    # HEAD and OPTIONS are kinds of one clause: each fault is seen by its own.
    "CD-METHOD-2": {"head"},
    "CD-METHOD-2:options": {"options"},
    "CC-METHOD-2": {"head"},
    "CC-METHOD-2:options": {"options"},
    # Only a body that parses has valid fields to write before the 422.
    "CD-ATOMIC-1": {"invalid-body"},
}

# Faults of a shape clause that only the router's own answers show (a method a path
# does not serve, a path nothing serves): the shape clauses judge those probes too.
ROUTER_ONLY = {"CD-BODY-A:router", "CC-BODY-1:router"}

# Faults of shape clauses that only the answers to an unacceptable Accept show, and
# the Accept clause, which allows those answers' 406.
ACCEPT_ONLY = {"CD-BODY-A:accept": "CD-ACCEPT-1", "CC-BODY-1:accept": "CC-ACCEPT-1"}

# The framework clauses of each profile (an unserved method, an unknown path, HEAD
# and OPTIONS, an unacceptable Accept).
FRAMEWORK_CLAUSES = {
    "cardda": ("CD-METHOD-1", "CD-ROUTE-1", "CD-METHOD-2", "CD-ACCEPT-1"),
    "cardclan": ("CC-METHOD-1", "CC-ROUTE-1", "CC-METHOD-2", "CC-ACCEPT-1"),
}

FAULT_CASES = [
    pytest.param(api, fault, id=fault)
    for api, module in REFERENCE.items()
    for fault in sorted(module.FAULTS)
]
TOLERANCE_CASES = [
    pytest.param(api, tolerance, id=f"{api}-{tolerance}")
    for api, module in REFERENCE.items()
    for tolerance in sorted(module.TOLERANCES)
]


@pytest.mark.parametrize("api", sorted(REFERENCE))
def test_catalog_checks_and_fault_switches_are_one_set(api: str) -> None:
    """Clause ids in the catalog, the checks bound to them and the fault switches of
    the reference server are the same set."""
    profile = load_profile(api)
    catalog = {c.id for c in profile.clauses}
    bound = {c.id for c in profile.clauses if c.check in REGISTRY.names()}
    faults = {clause_of(f) for f in REFERENCE[api].FAULTS}
    assert catalog == bound, f"clauses without a registered check: {catalog - bound}"
    assert catalog == faults, (
        f"in the catalog only: {sorted(catalog - faults)}; "
        f"fault switches only: {sorted(faults - catalog)}"
    )


@pytest.mark.parametrize(("api", "fault"), FAULT_CASES)
def test_fault_fails_its_clause(
    api: str, fault: str, run_cli: Callable[..., CliRun]
) -> None:
    """With one fault on, the run exits 1 and that clause (and only the declared
    neighbours) fails, with evidence."""
    run = run_cli("run", "--api", api, "--fault", fault, *FAST)
    assert run.code == 1, run.out[-2000:]
    assert run.failing() == {clause_of(fault)} | OVERLAP.get(fault, set())
    violation = run.clause(clause_of(fault))["violations"][0]
    exchange = violation["exchanges"][0]
    assert exchange["curl"].startswith("curl ")
    assert violation["expected"]
    assert violation["actual"]
    if fault in BROKEN_KINDS:
        sent = run.clause(clause_of(fault))["coverage"]["sent"]
        broken = {row["kind"] for row in sent if row["outcome"] == "broken"}
        assert broken == BROKEN_KINDS[fault], sent
    if fault in ROUTER_ONLY:
        # Every violating request is a router probe ("DELETE /path", "GET /{unknown}"),
        # never one of the document's operations.
        operations = run.clause(clause_of(fault))["violated_operations"]
        assert operations, violation
        assert all(" /" in op for op in operations), operations
    if fault in ACCEPT_ONLY:
        # The 406 is allowed; every answer the shape and media-type clauses refuse
        # is one to the unacceptable Accept.
        assert run.clause(ACCEPT_ONLY[fault])["status"] == "pass"
        for clause_id in run.failing():
            for violation in run.clause(clause_id)["violations"]:
                (sent,) = violation["exchanges"]
                headers = {k.lower(): v for k, v in sent["request"]["headers"]}
                assert headers["accept"] == "image/png", sent
                assert sent["response"]["status"] == 406, sent


def _every_cell_judged(run: CliRun, clause_id: str) -> None:
    """The clause passed, judging every cell its coverage phase sent: an answer the
    document allows counts as judged, whichever of them it is."""
    clause = run.clause(clause_id)
    sent = clause["coverage"]["sent"]
    assert clause["status"] == "pass", clause["reason"]
    assert sent, clause
    assert {row["outcome"] for row in sent} == {"held"}, sent
    assert clause["exchanges"] >= len(sent), clause


@pytest.mark.parametrize("api", sorted(REFERENCE))
def test_the_conforming_servers_keep_the_framework_clauses(
    api: str, run_cli: Callable[..., CliRun]
) -> None:
    """CardClan's router answers every unserved method 404 (NestJS's), Cardda's 405
    with Allow, and both disregard an unacceptable Accept: answers their documents
    allow, judged, not set aside."""
    run = run_cli("run", "--api", api, *FAST)
    assert run.code == 0, run.out[-3000:]
    for clause_id in FRAMEWORK_CLAUSES[api]:
        _every_cell_judged(run, clause_id)


@pytest.mark.parametrize(("api", "tolerance"), TOLERANCE_CASES)
def test_tolerated_variation_passes(
    api: str, tolerance: str, run_cli: Callable[..., CliRun]
) -> None:
    """A target that differs only in allowed ways keeps every clause."""
    run = run_cli("run", "--api", api, "--tolerance", tolerance, *FAST)
    assert run.code == 0, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    assert set(statuses.values()) == {"pass"}, statuses
    for clause_id in FRAMEWORK_CLAUSES[api]:
        _every_cell_judged(run, clause_id)


# Faults and tolerances of defect kinds a small random draw can miss (odd values in one
# field, one extra member): the deeper profile must see them as well as the default.
THOROUGH_FAULTS = [
    pytest.param("cardda", "CD-5XX-1:long-name", id="CD-5XX-1:long-name"),
    pytest.param("cardda", "CD-TENANT-3:reason-member", id="CD-TENANT-3:reason-member"),
    pytest.param("cardclan", "CC-5XX-1:astral-id", id="CC-5XX-1:astral-id"),
    pytest.param("cardclan", "CC-RES-1:reason-member", id="CC-RES-1:reason-member"),
    # Only a several-field probe can tell "the first broken field" from "every".
    pytest.param("cardda", "CD-VAL-1:first-field-only", id="CD-VAL-1:first-field-only"),
]


@pytest.mark.parametrize(("api", "fault"), THOROUGH_FAULTS)
def test_fault_fails_its_clause_under_thorough(
    api: str, fault: str, run_cli: Callable[..., CliRun]
) -> None:
    """The same faults fail the same clause (and only it) in ``--depth thorough``."""
    assert fault in REFERENCE[api].FAULTS
    run = run_cli(
        "run",
        "--api",
        api,
        "--fault",
        fault,
        "--depth",
        "thorough",
        "--seed",
        "1",
        *FAST,
    )
    assert run.code == 1, run.out[-2000:]
    assert run.failing() == {clause_of(fault)} | OVERLAP.get(fault, set())


def test_a_transaction_without_description_is_no_false_alarm_under_thorough(
    run_cli: Callable[..., CliRun],
) -> None:
    """The contract marks no field of createTransaction required: a deployment that
    accepts one without a description keeps every clause, even in the deep profile."""
    assert "optional-description" in cardda.TOLERANCES
    run = run_cli(
        "run",
        "--api",
        "cardda",
        "--tolerance",
        "optional-description",
        "--depth",
        "thorough",
        "--seed",
        "1",
        *FAST,
    )
    assert run.code == 0, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    assert set(statuses.values()) == {"pass"}, statuses


@pytest.mark.parametrize("seed", ["2"])
def test_every_tolerance_at_once_is_no_false_alarm_under_thorough(
    run_cli: Callable[..., CliRun], seed: str
) -> None:
    """CI's slice of benchmarks/soak_thorough.py: both profiles, the deep profile, and
    every allowed variation of both reference servers switched on together."""
    switches = sorted(set(cardda.TOLERANCES) | set(cardclan.TOLERANCES))
    assert len(switches) >= 9
    args = [arg for name in switches for arg in ("--tolerance", name)]
    run = run_cli(
        "run", "--api", "all", "--depth", "thorough", "--seed", seed, *args, *FAST
    )
    assert run.code == 0, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    assert len(statuses) == sum(
        len(load_profile(a).clauses) for a in ("cardda", "cardclan")
    )
    assert set(statuses.values()) == {"pass"}, statuses
