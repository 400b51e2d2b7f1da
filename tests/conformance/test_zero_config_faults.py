"""The rfc9457 convention's fault matrix: ``conformance run --convention rfc9457`` (no
document, no base URL) derives its clauses from the embedded Projects API's own
document, and each fault switch of that server fails exactly the derived clause it is
named after; every RFC 9457 variation the server can show passes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from errcontract.reference import problem
from errcontract.reference.problem._contract import API_KEY

if TYPE_CHECKING:
    from conftest import CliRun

# A raised limit, documented to the run: the 429 clauses are derived and a run takes
# seconds (the server enforces what the run is told).
ZERO_CONFIG = ("--convention", "rfc9457", "--rate-limit", "50", "--max-rps", "1000")


def clause_of(fault: str) -> str:
    return fault.partition(":")[0]


# Clauses a fault breaks besides its own, and why.
OVERLAP = {
    # A request with no Authorization served is one with the key elsewhere, too.
    "PD-AUTH-1": {"PD-AUTH-4"},
    # The framework's plain-text 404 is neither labelled nor shaped as a problem.
    "PD-HDR-1:framework-default": {"PD-BODY-1"},
    # Another account's project answers as an id nobody has (the no-leak promise),
    # so an unknown id's 403 is also another account's 403, which getProject does
    # not declare.
    "PD-RES-1": {"PD-TENANT-1"},
    # OPTIONS, which the server does not serve, is answered by the same 405 with its
    # faulty Allow: one router answer, broken for both clauses.
    "PD-METHOD-1": {"PD-METHOD-2"},
    "PD-METHOD-1:no-allow": {"PD-METHOD-2"},
    # A crash for a body above the limit is a 5xx for a defective request too.
    "PD-SIZE-1": {"PD-5XX-1"},
}
# Faults whose answer the clause they are named after allows, and the clauses that
# judge it instead: a framework's HTML 406 page is an allowed status (RFC 9110
# section 12.5.1) in the wrong media type and shape.
JUDGED_BY = {"PD-ACCEPT-1:html": {"PD-HDR-1", "PD-BODY-1"}}
# Faults only one defect kind of their clause can reveal, and that kind: a lenient
# comparison of keys takes only a key built from the valid one for it.
BROKEN_KINDS = {
    "PD-AUTH-2:case-insensitive": {"case-changed"},
    "PD-AUTH-2:prefix-match": {"truncated"},
    "PD-AUTH-2:extra-ignored": {"extended"},
    # A key read from one more place is seen by the kind that puts it there.
    "PD-AUTH-4": {"query"},
    "PD-AUTH-4:cookie": {"cookie"},
    "PD-AUTH-4:other-header": {"other-header"},
    # A digit string read as the integer it spells: only the lenient-parser kind
    # sends one (Schemathesis' wrong type for an integer is "AAA").
    "PD-VAL-1:coerces": {"numeric-string"},
    # HEAD and OPTIONS are kinds of one clause: each fault is seen by its own.
    "PD-METHOD-2": {"head"},
    "PD-METHOD-2:options": {"options"},
    "PD-VAL-1:coerces-boolean": {"boolean-string"},
    # Schemathesis' own 0 for a boolean, named.
    "PD-VAL-1:zero-for-boolean": {"zero-for-boolean"},
    "PD-VAL-1:object-as-array": {"object-for-array"},
    "PD-VAL-1:unwraps": {"one-item-array"},
    # What only the robustness kinds sent as JSON text carry: the 200 to 300 levels
    # probes used to send crashed neither nesting fault.
    "PD-5XX-1:deep-nesting": {"deep-nesting", "deeper-nesting"},
    "PD-5XX-1:deeper-nesting": {"deeper-nesting"},
    "PD-5XX-1:overflow": {"huge-exponent"},
    "PD-5XX-1:negative-zero": {"negative-zero"},
    "PD-5XX-1:duplicate-keys": {"duplicate-keys"},
    # Without a limit, a body grown through maxLength or maxItems is still refused
    # (422) for its value: only the padding member no keyword bounds gets through.
    "PD-SIZE-1:accepts": {"over-limit"},
    # An ignored input is seen by the kind that sends it: a strict query reader by
    # the unknown parameter, a stored id by the read-only member.
    "PD-IGNORE-1": {"unknown-query"},
    "PD-IGNORE-1:read-only": {"read-only-member"},
    # Only a body that parses has valid fields to write before the 422: a malformed
    # or mislabelled one is refused before anything is read.
    "PD-ATOMIC-1": {"invalid-body"},
}
# Faults no derived clause can see, and the profile clause that does: which of two
# refusals wins is the contract's word (a document's prose), never a convention's.
PROFILE_ONLY = {
    # tests/conformance/test_combined_defects.py: a read-only key's write to an
    # unknown id, 403 "before anything else" (PD-ROLE-2 of a profile written by init)
    "PD-ROLE-2",
    # tests/conformance/test_docs_only_profile.py: a read-only key's refused update
    # read back (refused_writes' opt-in kind forbidden needs that key named)
    "PD-ATOMIC-1:forbidden",
}
DERIVED_FAULTS = sorted(problem.FAULTS - PROFILE_ONLY)
# One keyword of one optional field among four: the coverage phase sends one example
# of each defect kind per operation, so this one is the fuzz phase's to find.
THOROUGH_ONLY = {"PD-VAL-1:out-of-range"}
THOROUGH = ("--depth", "thorough", "--seed", "1")


def test_the_embedded_run_derives_a_clause_for_every_fault(
    run_cli: Callable[..., CliRun],
) -> None:
    run = run_cli("run", *ZERO_CONFIG)
    assert run.code == 0, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    assert {clause_of(f) for f in DERIVED_FAULTS} == set(statuses)
    assert set(statuses.values()) == {"pass"}, statuses
    assert API_KEY not in run.everything()


@pytest.mark.parametrize("fault", DERIVED_FAULTS)
def test_fault_fails_its_derived_clause(
    fault: str, run_cli: Callable[..., CliRun]
) -> None:
    extra = THOROUGH if fault in THOROUGH_ONLY else ()
    run = run_cli("run", *ZERO_CONFIG, *extra, "--fault", fault)
    assert run.code == 1, run.out[-3000:]
    failing = JUDGED_BY.get(fault, {clause_of(fault), *OVERLAP.get(fault, ())})
    assert run.failing() == failing
    judged_by = sorted(failing)[0] if fault in JUDGED_BY else clause_of(fault)
    violation = run.clause(judged_by)["violations"][0]
    assert violation["expected"]
    assert violation["actual"]
    assert violation["exchanges"][0]["curl"].startswith("curl ")
    assert API_KEY not in run.everything()
    if fault in BROKEN_KINDS:
        sent = run.clause(clause_of(fault))["coverage"]["sent"]
        broken = {row["kind"] for row in sent if row["outcome"] == "broken"}
        assert broken == BROKEN_KINDS[fault], sent


def test_an_html_406_passes_accept_1_and_fails_the_media_type_and_shape(
    run_cli: Callable[..., CliRun],
) -> None:
    """PD-ACCEPT-1 allows the 406; PD-HDR-1 and PD-BODY-1 refuse its HTML page, and
    every answer they refuse is one to the unacceptable Accept."""
    run = run_cli("run", *ZERO_CONFIG, "--fault", "PD-ACCEPT-1:html")
    assert run.clause("PD-ACCEPT-1")["status"] == "pass"
    for clause in JUDGED_BY["PD-ACCEPT-1:html"]:
        violations = run.clause(clause)["violations"]
        assert violations, clause
        for violation in violations:
            (exchange,) = violation["exchanges"]
            headers = {k.lower(): v for k, v in exchange["request"]["headers"]}
            assert headers["accept"] == "image/png", exchange
            assert exchange["response"]["status"] == 406


# A variation that takes away a clause's premise leaves it with nothing to judge:
# not-run, saying so (never a pass over nothing).
PREMISE = {"no-status": "PD-BODY-2"}


def _all_pass_but_premises(run: CliRun, *tolerances: str) -> None:
    unjudged = {PREMISE[t] for t in tolerances if t in PREMISE}
    for clause in run.results["clauses"]:
        if clause["id"] in unjudged:
            assert clause["status"] == "not-run", clause
            assert "premise never held" in clause["reason"], clause
        else:
            assert clause["status"] == "pass", clause


@pytest.mark.parametrize("tolerance", sorted(problem.TOLERANCES))
def test_tolerated_variation_passes(
    tolerance: str, run_cli: Callable[..., CliRun]
) -> None:
    run = run_cli("run", *ZERO_CONFIG, "--tolerance", tolerance)
    assert run.code == 0, run.out[-3000:]
    _all_pass_but_premises(run, tolerance)


def test_every_variation_at_once_passes_under_thorough(
    run_cli: Callable[..., CliRun],
) -> None:
    tolerances = [a for t in sorted(problem.TOLERANCES) for a in ("--tolerance", t)]
    run = run_cli("run", *ZERO_CONFIG, *tolerances, *THOROUGH)
    assert run.code == 0, run.out[-3000:]
    _all_pass_but_premises(run, *problem.TOLERANCES)


def test_a_write_the_server_takes_is_not_judged_for_atomicity(
    run_cli: Callable[..., CliRun],
) -> None:
    """PD-REQ-2 parses a mislabelled body and takes the update (200): ATOMIC-1's
    premise (a refused write) does not hold there, so that cell is not judged, says
    why, and the refused kinds still pass."""
    run = run_cli("run", *ZERO_CONFIG, "--fault", "PD-REQ-2")
    atomic = run.clause("PD-ATOMIC-1")
    assert atomic["status"] == "pass", atomic
    outcomes = {row["kind"]: row["outcome"] for row in atomic["coverage"]["sent"]}
    assert outcomes == {
        "invalid-body": "held",
        "malformed-body": "held",
        "media-type": "inapplicable",
    }
    assert "not refused with a 4xx" in atomic["reason"], atomic["reason"]
