"""The two seed APIs' error shapes as conventions, for a third API shaped like them:
``cardclan-style`` run zero-config against the CardClan reference server (from its
document alone) and ``cardda-style`` derived and its shapes judged. The two shipped
profiles are untouched: their own tests keep their verdicts. And ``google`` (AIP-193)
and ``microsoft`` run zero-config against their embedded Shelves and Gadgets APIs:
each fault fails the derived clause it is named after, each tolerated variation
passes."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from errcontract._contract import conventions
from errcontract._contract.document import load_document
from errcontract._contract.profile import load_profile_at, schemas_root
from errcontract._derive import derive
from errcontract.reference import cardclan, cardda, google, jsonapi, microsoft
from errcontract.results import Violation

if TYPE_CHECKING:
    from conftest import CliRun

CARDCLAN_DOCUMENT = schemas_root() / "cardclan" / "openapi.yaml"
CARDDA_DOCUMENT = schemas_root() / "cardda" / "openapi.yaml"


def test_every_convention_loads_and_derives() -> None:
    names = conventions.available_conventions()
    assert {"rfc9457", "cardda-style", "cardclan-style", "google", "microsoft"} <= set(
        names
    )
    document = load_document(CARDDA_DOCUMENT)
    for name in names:
        convention = conventions.load_convention(name)
        prefix = convention.data["prefix"]
        result = derive.derive(convention, copy.deepcopy(document))
        ids = [c["id"] for c in result.clauses]
        assert ids, name
        assert all(i.startswith(f"{prefix}-") for i in ids), ids
        assert f"{prefix}-AUTH-1" in ids, "the shared templates are included"


def _zero_config(
    fixtures: tuple[Callable[..., CliRun], Callable[..., tuple[str, Any]], Any],
    module: Any,
    document: Path,
    convention: str,
    overrides: Path,
    *extra: str,
) -> Callable[..., CliRun]:
    """A zero-config run of ``convention`` against ``module``'s reference server."""
    run_cli, served, export_fixtures = fixtures

    def run(*faults: str) -> CliRun:
        base, app = served(
            module.create_app(faults=faults, tolerances=(), rate_limit=None)
        )
        export_fixtures(app.state.fixtures)
        return run_cli(
            "run",
            *("--openapi", str(document), "--convention", convention),
            *("--overrides", str(overrides), "--base-url", base, *extra),
            *("--rate-limit", "none", "--max-rps", "1000"),
        )

    return run


CARDCLAN_OVERRIDES = {
    "clauses": {
        "CL-AUTH-2": {"expect": [{"status": 401}, {"status": 404}]},
        "CL-METHOD-1": {"expect": [{"status": 404}]},
        "CL-METHOD-2": {"expect": [{"status": 404, "when": "options"}]},
    }
}


@pytest.fixture
def cardclan_style(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
    tmp_path: Path,
) -> Callable[..., CliRun]:
    # CardClan documents a 404 for an unknown token (its seed), not RFC 9110's 401,
    # and its router (NestJS's) answers a method a path does not serve as an
    # unknown route, 404: the overrides file is how a team says so.
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text(yaml.safe_dump(CARDCLAN_OVERRIDES), encoding="utf-8")
    fixtures = (run_cli, served, export_fixtures)
    return _zero_config(
        fixtures, cardclan, CARDCLAN_DOCUMENT, "cardclan-style", overrides
    )


def test_cardclan_style_passes_the_cardclan_reference(
    cardclan_style: Callable[..., CliRun],
) -> None:
    run = cardclan_style()
    assert run.code == 0, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    shape = {"CL-BODY-1", "CL-BODY-2", "CL-BODY-3", "CL-TS-1", "CL-TS-2", "CL-HDR-1"}
    assert shape <= set(statuses)
    assert {statuses[i] for i in shape} == {"pass"}, statuses


def test_cardclan_style_finds_the_nestjs_404_for_an_unserved_method(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
    tmp_path: Path,
) -> None:
    """Without the team's word for it, the router's `404 Cannot DELETE /path` for a
    method the path does not serve breaks RFC 9110's 405 (CL-METHOD-1), and its `404
    Cannot OPTIONS /path` the 2xx or 405 OPTIONS is answered (CL-METHOD-2); HEAD is
    served with GET (no HEAD violation)."""
    overrides = tmp_path / "overrides.yaml"
    clauses = {"CL-AUTH-2": CARDCLAN_OVERRIDES["clauses"]["CL-AUTH-2"]}
    overrides.write_text(yaml.safe_dump({"clauses": clauses}), encoding="utf-8")
    fixtures = (run_cli, served, export_fixtures)
    run = _zero_config(
        fixtures, cardclan, CARDCLAN_DOCUMENT, "cardclan-style", overrides
    )()
    assert run.code == 1, run.out[-3000:]
    assert run.failing() == {"CL-METHOD-1", "CL-METHOD-2"}, run.failing()
    violation = run.clause("CL-METHOD-1")["violations"][0]
    assert violation["expected"] == "405"
    assert violation["actual"].startswith("404 with message 'Cannot "), violation
    for violation in run.clause("CL-METHOD-2")["violations"]:
        assert violation["expected"] == "2XX or 405 or 501", violation
        assert violation["actual"].startswith("404 with message 'Cannot OPTIONS ")
    sent = run.clause("CL-METHOD-2")["coverage"]["sent"]
    assert {s["outcome"] for s in sent if s["kind"] == "head"} == {"held"}, sent


@pytest.mark.parametrize(
    ("fault", "clause"),
    [
        ("CC-BODY-1", "CL-BODY-1"),
        ("CC-BODY-2", "CL-BODY-2"),
        ("CC-BODY-3", "CL-BODY-3"),
        ("CC-TS-1", "CL-TS-1"),
        ("CC-TS-2", "CL-TS-2"),
        ("CC-HDR-1", "CL-HDR-1"),
    ],
)
def test_cardclan_style_catches_the_shape_faults(
    fault: str, clause: str, cardclan_style: Callable[..., CliRun]
) -> None:
    run = cardclan_style(fault)
    assert run.code == 1, run.out[-3000:]
    assert clause in run.failing()
    assert not {c for c in run.failing() if c.startswith("CL-AUTH")}


@pytest.fixture
def cardda_style(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
    tmp_path: Path,
) -> Callable[..., CliRun]:
    # Cardda's contract sends no WWW-Authenticate on its 401s (RFC 9110 says it
    # should), and states no body limit (its reference server stores a 1 MiB
    # recipient: DA-SIZE-1's reading, pinned below): the team's overrides file says
    # so. The request id is named, as the document declares no response headers.
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text("skip: [DA-AUTH-3, DA-SIZE-1]\n", encoding="utf-8")
    fixtures = (run_cli, served, export_fixtures)
    return _zero_config(
        fixtures,
        cardda,
        CARDDA_DOCUMENT,
        "cardda-style",
        overrides,
        *("--request-id-header", "X-Request-Id"),
    )


def test_cardda_style_passes_the_cardda_reference(
    cardda_style: Callable[..., CliRun],
) -> None:
    """The company-id header most operations require is taken as the tenant."""
    run = cardda_style()
    assert run.code == 0, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    judged = {"DA-BODY-A", "DA-HDR-1", "DA-HDR-2", "DA-AUTH-1", "DA-RES-1"}
    assert {statuses[i] for i in judged} == {"pass"}, statuses


def test_cardda_style_finds_no_body_limit_on_the_cardda_reference(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
    tmp_path: Path,
) -> None:
    """Without the team's word for it, a 1 MiB valid body (padded by a member no
    keyword bounds) is stored: DA-SIZE-1's reading (OWASP API4) fails it; a body
    grown through maxLength is still refused for its value, and nothing is a 5xx."""
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text("skip: [DA-AUTH-3]\n", encoding="utf-8")
    fixtures = (run_cli, served, export_fixtures)
    run = _zero_config(
        fixtures,
        cardda,
        CARDDA_DOCUMENT,
        "cardda-style",
        overrides,
        *("--request-id-header", "X-Request-Id"),
    )()
    assert run.code == 1, run.out[-3000:]
    assert run.failing() == {"DA-SIZE-1"}, run.failing()
    sent = run.clause("DA-SIZE-1")["coverage"]["sent"]
    broken = {row["kind"] for row in sent if row["outcome"] == "broken"}
    assert broken == {"over-limit"}, sent
    for violation in run.clause("DA-SIZE-1")["violations"]:
        assert violation["actual"].startswith("20"), violation
        (exchange,) = violation["exchanges"]
        assert exchange["curl"].endswith("-byte body, not shown")
        assert len(exchange["request"]["body"]) < 70_000


@pytest.mark.parametrize(
    ("fault", "clause"),
    [
        ("CD-BODY-A", "DA-BODY-A"),
        ("CD-HDR-1", "DA-HDR-2"),
        ("CD-HDR-3", "DA-HDR-1"),
        ("CD-LEAK-1", "DA-LEAK-1"),
    ],
)
def test_cardda_style_catches_the_shape_faults(
    fault: str, clause: str, cardda_style: Callable[..., CliRun]
) -> None:
    run = cardda_style(fault)
    assert run.code == 1, run.out[-3000:]
    assert clause in run.failing()


def test_cardda_style_judges_the_cardda_shapes(tmp_path: Path) -> None:
    from errcontract._http.exchange import Exchange, Received, SentRequest
    from errcontract._http.probe import Probe
    from errcontract.checks import REGISTRY
    from errcontract.checks._registry import CheckContext

    document = load_document(CARDDA_DOCUMENT)
    result = derive.derive(conventions.load_convention("cardda-style"), document)
    derive.write(result, tmp_path)
    profile = load_profile_at(tmp_path)

    def judge(clause_id: str, status: int, body: bytes) -> None:
        from datetime import UTC, datetime

        clause = profile.clause(clause_id)
        exchange = Exchange(
            seq=0,
            probe=Probe(operation="x", method="GET", path="/"),
            request=SentRequest("GET", "http://127.0.0.1/", (), None),
            curl="",
            response=Received(
                status,
                (("Content-Type", "application/json"),),
                body,
                False,
                datetime.now(UTC),
                0.0,
            ),
        )
        REGISTRY.get(clause.check).fn(CheckContext(clause, profile), exchange)

    judge("DA-BODY-A", 401, b'{"error": "unauthorized"}')
    judge("DA-BODY-A", 404, b'{"error": "not_found", "message": "no such recipient"}')
    judge("DA-BODY-B", 422, b'{"errors": {"rut": ["can\'t be blank"]}}')
    with pytest.raises(Violation):
        judge("DA-BODY-A", 404, b'{"error": "Not Found"}')
    with pytest.raises(Violation):
        judge("DA-BODY-B", 422, b'{"errors": {}}')


# The `document` convention run on the seeds' own documents: their errors judged by
# the schemas those documents declare (CardClan's error.schema.json, Cardda's shape A
# per status and shape B for 422), no convention named for them. The overrides are
# the same team's words as for their -style conventions (CardClan's 404 for an
# unknown token and for an unserved method; Cardda's missing WWW-Authenticate and
# body limit).
DOCUMENT_OVERRIDES = {
    "cardclan": {
        "clauses": {
            k.replace("CL-", "DC-"): v for k, v in CARDCLAN_OVERRIDES["clauses"].items()
        },
    },
    "cardda": {"skip": ["DC-AUTH-3", "DC-SIZE-1"]},
}


@pytest.fixture(params=["cardclan", "cardda"])
def seed_document(
    request: pytest.FixtureRequest,
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
    tmp_path: Path,
) -> tuple[str, Callable[..., CliRun]]:
    """A zero-config `document` run against one seed's reference server."""
    seed = str(request.param)
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text(yaml.safe_dump(DOCUMENT_OVERRIDES[seed]), encoding="utf-8")
    module, document = {
        "cardclan": (cardclan, CARDCLAN_DOCUMENT),
        "cardda": (cardda, CARDDA_DOCUMENT),
    }[seed]
    extra = ("--request-id-header", "X-Request-Id") if seed == "cardda" else ()
    fixtures = (run_cli, served, export_fixtures)
    return seed, _zero_config(fixtures, module, document, "document", overrides, *extra)


DOCUMENT_SHAPE = {"DC-BODY-1", "DC-BODY-2", "DC-HDR-1", "DC-STATUS-1"}


def test_document_convention_passes_the_seed_references(
    seed_document: tuple[str, Callable[..., CliRun]],
) -> None:
    _, run = seed_document
    done = run()
    assert done.code == 0, done.out[-3000:]
    statuses = {c["id"]: c["status"] for c in done.results["clauses"]}
    assert {statuses[i] for i in DOCUMENT_SHAPE} == {"pass"}, statuses


# Each seed's faults that break its error shape, and the document clause that
# catches them: CardClan's body without `timestamp` (CC-BODY-1) and NestJS's
# default body on the router's answers; Cardda's array `message` (CD-BODY-A), its
# router's `{message}` 404s and 405s, and its empty image/png 406.
SEED_SHAPE_FAULTS = {
    "cardclan": [
        ("CC-BODY-1", {"DC-BODY-1", "DC-BODY-2"}),
        ("CC-BODY-1:router", {"DC-BODY-2"}),
    ],
    "cardda": [
        ("CD-BODY-A", {"DC-BODY-2"}),
        ("CD-BODY-A:router", {"DC-BODY-2"}),
        ("CD-BODY-A:accept", {"DC-BODY-2", "DC-HDR-1"}),
        ("CD-BODY-B", {"DC-BODY-1"}),
    ],
}


def test_document_convention_fails_the_seed_shape_faults(
    seed_document: tuple[str, Callable[..., CliRun]],
) -> None:
    seed, run = seed_document
    for fault, clauses in SEED_SHAPE_FAULTS[seed]:
        done = run(fault)
        assert done.code == 1, (fault, done.out[-3000:])
        assert clauses <= done.failing(), (fault, done.failing())


# The google convention, zero-config: `conformance run --convention google` alone
# derives its clauses from the embedded Shelves API's own document.
GOOGLE = ("--convention", "google", "--max-rps", "1000")
# Clauses a fault breaks besides its own, and why.
GOOGLE_OVERLAP = {
    # Another account's shelf answers as one nobody has, so an unknown id's 403 is
    # also another account's 403, which getShelf does not declare.
    "GA-RES-1": {"GA-TENANT-1"},
    # OPTIONS, which the server does not serve, is answered by the same 405 without
    # Allow: one router answer, broken for both clauses.
    "GA-METHOD-1": {"GA-METHOD-2"},
    # A server that serves a request without a key serves it with the key elsewhere.
    "GA-AUTH-1": {"GA-AUTH-4"},
    "GA-AUTH-1:missing-key-403": {"GA-AUTH-4"},
}
# Faults only some defect kinds of their clause can reveal, and those kinds.
GOOGLE_KINDS = {
    "GA-5XX-1": {"deep-nesting", "deeper-nesting"},
    "GA-SIZE-1": {"over-limit"},
    "GA-IGNORE-1": {"unknown-query"},
    "GA-AUTH-4": {"query"},
}


def test_google_embedded_run_derives_a_clause_for_every_fault(
    run_cli: Callable[..., CliRun],
) -> None:
    run = run_cli("run", *GOOGLE)
    assert run.code == 0, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    assert {f.partition(":")[0] for f in google.FAULTS} == set(statuses)
    assert set(statuses.values()) == {"pass"}, statuses
    assert google.create_app().state.fixtures["api_key"] not in run.everything()


@pytest.mark.parametrize("fault", sorted(google.FAULTS))
def test_google_fault_fails_its_derived_clause(
    fault: str, run_cli: Callable[..., CliRun]
) -> None:
    run = run_cli("run", *GOOGLE, "--fault", fault)
    assert run.code == 1, run.out[-3000:]
    clause = fault.partition(":")[0]
    assert run.failing() == {clause, *GOOGLE_OVERLAP.get(fault, ())}
    violation = run.clause(clause)["violations"][0]
    assert violation["expected"]
    assert violation["actual"]
    assert violation["exchanges"][0]["curl"].startswith("curl ")
    if fault in GOOGLE_KINDS:
        sent = run.clause(clause)["coverage"]["sent"]
        broken = {row["kind"] for row in sent if row["outcome"] == "broken"}
        assert broken == GOOGLE_KINDS[fault], sent


def test_google_names_the_field_a_bad_request_leaves_out(
    run_cli: Callable[..., CliRun],
) -> None:
    """GA-VAL-1 reads the BadRequest payload inside `details`: a 400 whose field
    violations name a field nobody sent fails, and the evidence says what it named."""
    run = run_cli("run", *GOOGLE, "--fault", "GA-VAL-1:unnamed")
    violation = run.clause("GA-VAL-1")["violations"][0]
    assert violation["actual"].startswith("400 with error.message "), violation
    assert "naming ['request']" in violation["actual"], violation


@pytest.mark.parametrize("tolerance", sorted(google.TOLERANCES))
def test_google_tolerated_variation_passes(
    tolerance: str, run_cli: Callable[..., CliRun]
) -> None:
    run = run_cli("run", *GOOGLE, "--tolerance", tolerance)
    assert run.code == 0, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    assert set(statuses.values()) == {"pass"}, statuses


def test_google_every_variation_at_once_passes_under_thorough(
    run_cli: Callable[..., CliRun],
) -> None:
    tolerances = [a for t in sorted(google.TOLERANCES) for a in ("--tolerance", t)]
    thorough = ("--depth", "thorough", "--seed", "1")
    run = run_cli("run", *GOOGLE, *tolerances, *thorough)
    assert run.code == 0, run.out[-3000:]


# The microsoft convention alone: derived from the embedded Gadgets API's document.
MICROSOFT = ("--convention", "microsoft", "--max-rps", "1000")
# Clauses a fault breaks besides its own, and why: OPTIONS, which the server does not
# serve, is answered by the same 405 with its faulty Allow.
MICROSOFT_OVERLAP = {
    "MS-METHOD-1": {"MS-METHOD-2"},
    # A server that serves a request without a key serves it with the key elsewhere.
    "MS-AUTH-1": {"MS-AUTH-4"},
}
# Faults only one defect kind reveals: a body past the limit padded by a member no
# keyword bounds (one grown through maxLength is still refused for its value), and
# the nesting crash, which only the deep robustness kinds carry.
MICROSOFT_KINDS = {
    "MS-SIZE-1": {"over-limit"},
    "MS-5XX-1": {"deep-nesting", "deeper-nesting"},
    "MS-AUTH-4": {"other-header"},
}


def test_microsoft_embedded_run_derives_a_clause_for_every_fault(
    run_cli: Callable[..., CliRun],
) -> None:
    run = run_cli("run", *MICROSOFT)
    assert run.code == 0, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    assert {f.partition(":")[0] for f in microsoft.FAULTS} == set(statuses)
    assert set(statuses.values()) == {"pass"}, statuses
    assert run.results["requests"] <= 250, run.results["requests"]
    assert microsoft._contract.API_KEY not in run.everything()


@pytest.mark.parametrize("fault", sorted(microsoft.FAULTS))
def test_microsoft_fault_fails_its_derived_clause(
    fault: str, run_cli: Callable[..., CliRun]
) -> None:
    run = run_cli("run", *MICROSOFT, "--fault", fault)
    assert run.code == 1, run.out[-3000:]
    clause = fault.partition(":")[0]
    assert run.failing() == {clause, *MICROSOFT_OVERLAP.get(fault, ())}
    violation = run.clause(clause)["violations"][0]
    assert violation["expected"]
    assert violation["actual"]
    assert violation["exchanges"][0]["curl"].startswith("curl ")
    if fault in MICROSOFT_KINDS:
        sent = run.clause(clause)["coverage"]["sent"]
        broken = {row["kind"] for row in sent if row["outcome"] == "broken"}
        assert broken == MICROSOFT_KINDS[fault], sent


def test_microsoft_code_2_quotes_both_codes(run_cli: Callable[..., CliRun]) -> None:
    """The header's own spelling of a 404's code is shown against the body's."""
    run = run_cli("run", *MICROSOFT, "--fault", "MS-CODE-2")
    violation = run.clause("MS-CODE-2")["violations"][0]
    expected = "x-ms-error-code: 'NotFound' (the body's /error/code)"
    assert violation["expected"] == expected
    assert violation["actual"] == "x-ms-error-code: 'notFound'"


@pytest.mark.parametrize("tolerance", sorted(microsoft.TOLERANCES))
def test_microsoft_tolerated_variation_passes(
    tolerance: str, run_cli: Callable[..., CliRun]
) -> None:
    run = run_cli("run", *MICROSOFT, "--tolerance", tolerance)
    assert run.code == 0, run.out[-3000:]
    assert {c["status"] for c in run.results["clauses"]} == {"pass"}


def test_microsoft_every_variation_at_once_passes_under_thorough(
    run_cli: Callable[..., CliRun],
) -> None:
    tolerances = [a for t in sorted(microsoft.TOLERANCES) for a in ("--tolerance", t)]
    run = run_cli("run", *MICROSOFT, *tolerances, "--depth", "thorough", "--seed", "1")
    assert run.code == 0, run.out[-3000:]


def test_microsoft_derives_from_a_document(
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
    tmp_path: Path,
) -> None:
    """``--openapi X --convention microsoft`` against a served deployment: the same
    clauses, and a fault found there too."""
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text("{}\n", encoding="utf-8")
    fixtures = (run_cli, served, export_fixtures)
    run = _zero_config(fixtures, microsoft, microsoft.OPENAPI, "microsoft", overrides)
    clean = run()
    assert clean.code == 0, clean.out[-3000:]
    assert {c["id"] for c in clean.results["clauses"]} == {
        f.partition(":")[0] for f in microsoft.FAULTS
    }
    broken = run("MS-CODE-1")
    assert broken.code == 1, broken.out[-3000:]
    assert broken.failing() == {"MS-CODE-1"}


# The jsonapi convention alone, against its embedded Articles API: the reference
# passes, every tolerance JSON:API 1.1 allows passes (all at once: optional members
# absent, extra `meta`, `links` and `jsonapi`, several errors under the most
# generally applicable status, member order, media type case, charset and profile
# parameters on answers, a root pointer for a missing `data`, a disregarded
# Accept, OPTIONS refused with 405), and each fault fails the clause it is named
# after (its part before `:`), in a run kept to that clause and the probes that
# provoke errors (unknown ids, routes and methods).
JSONAPI_RUN = ("--convention", "jsonapi", "--rate-limit", "none", "--max-rps", "1000")
JSONAPI_PROVOKING = {"JA-RES-1", "JA-ROUTE-1", "JA-METHOD-1"}


def _jsonapi_clauses() -> list[str]:
    document = load_document(jsonapi.OPENAPI)
    result = derive.derive(conventions.load_convention("jsonapi"), document)
    return [c["id"] for c in result.clauses]


def test_jsonapi_passes_its_reference_and_every_tolerance(
    run_cli: Callable[..., CliRun],
) -> None:
    done = run_cli("run", *JSONAPI_RUN)
    assert done.code == 0, done.out[-3000:]
    ids = set(_jsonapi_clauses())
    assert {c["id"] for c in done.results["clauses"]} == ids
    assert {c["status"] for c in done.results["clauses"]} == {"pass"}
    tolerances = sorted(jsonapi.TOLERANCES - {"no-status"})
    flags = [f for t in tolerances for f in ("--tolerance", t)]
    done = run_cli("run", *JSONAPI_RUN, *flags)
    assert done.code == 0, done.out[-3000:]
    assert {c["status"] for c in done.results["clauses"]} == {"pass"}
    # No error says a status (it SHOULD be provided): JA-BODY-2 judges nothing.
    done = run_cli("run", *JSONAPI_RUN, "--tolerance", "no-status")
    assert done.code == 0, done.out[-3000:]
    statuses = {c["id"]: c["status"] for c in done.results["clauses"]}
    assert statuses.pop("JA-BODY-2") == "not-run"
    assert set(statuses.values()) == {"pass"}


def test_every_jsonapi_fault_is_named_after_a_derived_clause() -> None:
    ids = set(_jsonapi_clauses())
    assert {f.split(":")[0] for f in jsonapi.FAULTS} == ids


@pytest.mark.parametrize("fault", sorted(jsonapi.FAULTS))
def test_jsonapi_fails_each_fault_naming_its_clause(
    fault: str, run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    clause = fault.split(":")[0]
    keep = {clause, *JSONAPI_PROVOKING}
    skip = [i for i in _jsonapi_clauses() if i not in keep]
    overrides = tmp_path / "focus.yaml"
    overrides.write_text(yaml.safe_dump({"skip": skip}), encoding="utf-8")
    done = run_cli("run", *JSONAPI_RUN, "--overrides", str(overrides), "--fault", fault)
    assert done.code == 1, done.out[-3000:]
    assert clause in done.failing(), (fault, done.failing())
