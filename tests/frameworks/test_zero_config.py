"""Zero-config on APIs nobody on this project wrote: each framework app, checked with
``--convention rfc9457`` from its OpenAPI document and the credentials only.

What is judged: the run ends in 0 or 1 (never 4); every clause the document supports
is judged, or not run for a reason that names what to give; behaviour RFC 9457, RFC
9110 and the app's document allow is never flagged; and each framework's real defect
is caught on the right clause (tests/apps/frameworks/README.md lists them).

The tokens are random per test, as real credentials are: a token that is also a word
of an error body (``read-only-token`` as a problem ``type``) would be redacted out of
the evidence the checks judge.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from apps.frameworks._model import Tokens
from apps.frameworks._serve import PrismServer

from .conftest import CONNEXION_OPENAPI

if TYPE_CHECKING:
    from conftest import CliRun

ORGS_RFC9457 = CONNEXION_OPENAPI.parent.parent / "orgs_rfc9457" / "openapi.yaml"
FAST = ("--rate-limit", "none", "--max-rps", "1000")
ROLES = ("PD-TENANT-1", "PD-ROLE-1")


def _tokens() -> Tokens:
    return Tokens(
        token=f"tk-{secrets.token_hex(12)}",
        other_account_token=f"tk-{secrets.token_hex(12)}",
        read_only_token=f"tk-{secrets.token_hex(12)}",
    )


@pytest.fixture
def zero_config(
    run_cli: Callable[..., CliRun],
    serve_framework: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., CliRun]:
    """``conformance run --openapi DOC --convention rfc9457`` against a fresh app
    (``fetch``: the document the framework serves itself at /openapi.json)."""

    def run(app: str, document: str, *, roles: bool = True) -> CliRun:
        tokens = _tokens()
        base = serve_framework(app, tokens)
        monkeypatch.setenv("CONFORMANCE_API_KEY", tokens.token)
        if roles:
            monkeypatch.setenv("CONFORMANCE_OTHER_API_KEY", tokens.other_account_token)
            monkeypatch.setenv("CONFORMANCE_READ_ONLY_API_KEY", tokens.read_only_token)
        where = f"{base}/openapi.json" if document == "fetch" else document
        run = run_cli(
            "run",
            *("--openapi", where, "--convention", "rfc9457", "--base-url", base),
            *FAST,
        )
        # Whatever the verdict, no credential in any output, in any encoding.
        secrets_ = (tokens.token, tokens.other_account_token, tokens.read_only_token)
        assert not run.leaks(*secrets_)
        return run

    return run


def _statuses(run: CliRun) -> dict[str, str]:
    return {c["id"]: c["status"] for c in run.results["clauses"]}


def _defects(run: CliRun, clause: str) -> list[str]:
    return [
        ex["defect"] for v in run.clause(clause)["violations"] for ex in v["exchanges"]
    ]


FASTAPI_OPTIONS = {
    "405 with Allow 'GET': missing POST",
    "405 with Allow 'GET': missing DELETE",
}
"""FastAPI's 405 to OPTIONS, as to any method a path does not take."""

LENIENT = (
    "numeric-string",
    "boolean-string",
    "object-for-array",
    "one-item-array",
    "zero-for-boolean",
)


def _coerces_and_names_the_rest(run: CliRun) -> None:
    """Pydantic's lax mode takes a digit string for an integer (a wrong type by the
    document, answered with a success): PD-VAL-1 breaks through the lenient-parser
    kinds only, and every other kind is answered 422 naming the field (no false alarm
    on `loc` naming)."""
    clause = run.clause("PD-VAL-1")
    defects = _defects(run, "PD-VAL-1")
    assert defects, clause
    assert all(any(f"({kind})" in d for kind in LENIENT) for d in defects), defects
    actual = [v["actual"] for v in clause["violations"]]
    assert not any("naming" in a for a in actual), actual


def _allow_evidence(run: CliRun) -> list[str]:
    """What PD-METHOD-1 saw: each violation's answer, with its Allow."""
    return [v["actual"] for v in run.clause("PD-METHOD-1")["violations"]]


def _incomplete_allow(run: CliRun, listed: set[str]) -> None:
    """PD-METHOD-1 fails because each 405's Allow lists ``listed`` only (any order),
    leaving out a method the path declares; the status itself was the 405."""
    evidence = _allow_evidence(run)
    assert evidence, run.clause("PD-METHOD-1")
    for actual in evidence:
        allow, _, missing = actual.removeprefix("405 with Allow ").partition(": ")
        assert {m.strip() for m in allow.strip("'").split(",")} == listed, actual
        assert missing in ("missing POST", "missing DELETE"), actual


def _allow_sorted(actual: str) -> str:
    """``actual`` with the methods of its quoted Allow in one order: a framework may
    list them in any (Connexion's order varies from run to run)."""
    return re.sub(
        r"Allow '([^']*)'",
        lambda m: (
            "Allow '"
            + ", ".join(sorted(x.strip() for x in m.group(1).split(",")))
            + "'"
        ),
        actual,
    )


def _head_and_options(run: CliRun, head: str | None, options: set[str]) -> None:
    """PD-METHOD-2 fails, each violation shown on its kind: HEAD answered ``head``
    (``None``: no HEAD broke) where the same GET answered 200; OPTIONS one of the
    ``options`` answers."""
    seen: dict[str, set[str]] = {"head": set(), "options": set()}
    for violation in run.clause("PD-METHOD-2")["violations"]:
        kind = violation["exchanges"][-1]["defect"].partition(":")[0]
        seen[kind].add(_allow_sorted(violation["actual"]))
    assert seen["options"] == {_allow_sorted(o) for o in options}, seen
    assert seen["head"] == (set() if head is None else {head}), seen
    sent = run.clause("PD-METHOD-2")["coverage"]["sent"]
    held = {s["kind"] for s in sent if s["outcome"] == "held"}
    assert ("head" in held) == (head is None), sent


def _no_body_limit(run: CliRun) -> None:
    """PD-SIZE-1 fails only because a valid 1 MiB body padded by a member no keyword
    bounds is taken (a 2xx: no request-body limit by default); a body grown through
    maxLength is still refused for its value, the echo of it read whole."""
    sent = run.clause("PD-SIZE-1")["coverage"]["sent"]
    assert {r["kind"] for r in sent if r["outcome"] == "broken"} == {"over-limit"}
    assert {r["outcome"] for r in sent if r["kind"] == "over-max-length"} == {"held"}
    for violation in run.clause("PD-SIZE-1")["violations"]:
        assert violation["actual"].startswith("20"), violation


def _accept_disregarded_or_406(run: CliRun) -> None:
    """PD-ACCEPT-1 holds on every operation (RFC 9110 section 12.5.1)."""
    sent = run.clause("PD-ACCEPT-1")["coverage"]["sent"]
    assert sent, run.clause("PD-ACCEPT-1")
    assert {r["outcome"] for r in sent} == {"held"}, sent


IGNORED = {"unknown-query", "unknown-member", "body-on-get", "body-on-delete"}
"""What every framework app is sent and ignores: none of their documents marks a
member readOnly or declares a request-id header (so no PD-IGNORE-2)."""


def _ignores_what_it_must(run: CliRun) -> None:
    """PD-IGNORE-1 holds on every kind its document allows: an unknown query
    parameter, an unknown member, content on GET and on an unknown item's DELETE."""
    sent = run.clause("PD-IGNORE-1")["coverage"]["sent"]
    assert {r["kind"] for r in sent} == IGNORED, sent
    assert {r["outcome"] for r in sent} == {"held"}, sent
    assert "PD-IGNORE-2" not in {c["id"] for c in run.results["clauses"]}


def _judged_or_said_why(run: CliRun) -> None:
    """Every clause ran, or says why not; a missing id is never the reason."""
    for clause in run.results["clauses"]:
        if clause["status"] == "not-run":
            reason = clause["reason"]
            assert "which this run does not have" not in reason, clause
            assert "premise never held" in reason or "needs fixture" in reason, clause


def test_the_careful_rfc9457_api_passes_every_clause(
    zero_config: Callable[..., CliRun],
) -> None:
    """Nested resources whose ids only list and create give, an ignored body:
    every clause the document supports is judged, and held."""
    run = zero_config("rfc9457", str(ORGS_RFC9457))
    assert run.code == 0, run.out[-3000:]
    statuses = _statuses(run)
    assert set(statuses.values()) == {"pass"}, statuses
    for clause in ("PD-RES-1", "PD-VAL-1", "PD-AUTH-3", "PD-METHOD-1", *ROLES):
        assert statuses[clause] == "pass"
    # Every path was sent a method it does not serve, every unknown route kind, HEAD
    # on each GET and OPTIONS on each path, the unacceptable Accept and the big body.
    for clause, least in (
        *(("PD-METHOD-1", 4), ("PD-ROUTE-1", 2), ("PD-METHOD-2", 9)),
        *(("PD-ACCEPT-1", 7), ("PD-SIZE-1", 5), ("PD-IGNORE-1", 14)),
    ):
        sent = run.clause(clause)["coverage"]["sent"]
        assert len(sent) >= least, run.clause(clause)
        assert {s["outcome"] for s in sent} == {"held"}, sent
    # The item paths were reached with ids the run discovered or created.
    assert run.clause("PD-RES-1")["coverage"]["sent"], run.clause("PD-RES-1")


def test_without_other_credentials_the_role_clauses_say_what_to_give(
    zero_config: Callable[..., CliRun],
) -> None:
    run = zero_config("rfc9457", str(ORGS_RFC9457), roles=False)
    assert run.code == 0, run.out[-3000:]
    for clause, fixture in zip(
        ROLES, ("other_api_key", "read_only_api_key"), strict=True
    ):
        found = run.clause(clause)
        assert found["status"] == "not-run"
        assert f"--fixture {fixture}=" in found["reason"], found["reason"]


def test_connexion_s_defects_are_found_on_their_clauses(
    zero_config: Callable[..., CliRun],
) -> None:
    run = zero_config("connexion", str(CONNEXION_OPENAPI))
    assert run.code == 1, run.out[-3000:]
    _judged_or_said_why(run)
    assert run.failing() == {
        *("PD-AUTH-3", "PD-REQ-1", "PD-5XX-1", "PD-METHOD-1", "PD-METHOD-2"),
        "PD-SIZE-1",
    }, run.failing()
    _no_body_limit(run)
    _accept_disregarded_or_406(run)
    _ignores_what_it_must(run)
    # 405 with `Allow: HEAD, GET` where the path also takes POST or DELETE (RFC 9110
    # section 15.5.6: Allow lists the resource's methods); OPTIONS, which it does not
    # serve, gets the same 405. HEAD is served as GET (Starlette's routing).
    _incomplete_allow(run, {"HEAD", "GET"})
    _head_and_options(
        run,
        None,
        {
            "405 with Allow 'HEAD, GET': missing POST",
            "405 with Allow 'HEAD, GET': missing DELETE",
        },
    )
    # No WWW-Authenticate on its 401s (RFC 9110 section 11.6.1).
    missing = run.clause("PD-AUTH-3")["violations"]
    assert all(v["actual"] == "401 without it" for v in missing)
    # A 500 for an invalid UTF-8 byte in a JSON body: one exchange, two clauses; and
    # for a body nested 1,000 or 10,000 levels (its parser's RecursionError escapes).
    assert all(d.startswith("invalid-utf8") for d in _defects(run, "PD-REQ-1"))
    found = {d.split(":")[0] for d in _defects(run, "PD-5XX-1")}
    assert found == {"invalid-utf8", "deep-nesting", "deeper-nesting"}, found
    five = run.clause("PD-5XX-1")["violations"][0]
    assert five["also_breaks"] == ["PD-REQ-1"], five
    # What RFC 9457 and its document allow passes: a 400 for a bad field, 404s,
    # another account and a read-only token refused.
    statuses = _statuses(run)
    for clause in ("PD-VAL-1", "PD-RES-1", "PD-AUTH-1", "PD-AUTH-2", *ROLES):
        assert statuses[clause] == "pass", (clause, statuses)


def test_fastapi_problem_is_judged_by_the_naming_its_document_declares(
    zero_config: Callable[..., CliRun],
) -> None:
    """Its 422 names fields in `errors[].loc`, as its document says: no false
    alarm on the naming; its real defects: a 500 for NaN and 1e400, a 422 for
    malformed JSON."""
    run = zero_config("fastapi_problem", "fetch")
    assert run.code == 1, run.out[-3000:]
    _judged_or_said_why(run)
    _coerces_and_names_the_rest(run)
    assert run.failing() == {
        *("PD-REQ-1", "PD-5XX-1", "PD-METHOD-1", "PD-METHOD-2", "PD-VAL-1"),
        "PD-SIZE-1",
    }, run.failing()
    _no_body_limit(run)
    _accept_disregarded_or_406(run)
    _ignores_what_it_must(run)
    # 405 with `Allow: GET` where the path also takes POST or DELETE; HEAD is not
    # routed with GET (FastAPI's APIRoute takes the declared methods only: RFC 9110
    # section 9.1 makes HEAD a MUST), and OPTIONS gets the same incomplete 405.
    _incomplete_allow(run, {"GET"})
    _head_and_options(run, "405", FASTAPI_OPTIONS)
    # A 500 for NaN, and for 1e400: pydantic reads it as inf, refuses it, and the
    # 422 echoing the value as `input` cannot be written as JSON.
    found = {d.split(":")[0] for d in _defects(run, "PD-5XX-1")}
    assert found == {"non-finite", "huge-exponent"}, found
    # Malformed syntax is 400 (RFC 9110 15.5.1); a well-formed non-object may be its
    # declared 422 (15.5.21): only the former are violations.
    defects = _defects(run, "PD-REQ-1")
    assert defects
    assert not any(d.split(":")[0] in ("bare-scalar", "array") for d in defects)


def test_stock_fastapi_is_no_rfc9457_api_but_its_422s_are_not_false_alarms(
    zero_config: Callable[..., CliRun],
) -> None:
    run = zero_config("fastapi", "fetch")
    assert run.code == 1, run.out[-3000:]
    _judged_or_said_why(run)
    # Not problem details at all: the shape clauses say so.
    assert {"PD-BODY-1", "PD-HDR-1", "PD-5XX-1", "PD-METHOD-1"} <= run.failing()
    _incomplete_allow(run, {"GET"})
    assert "PD-METHOD-2" in run.failing()
    _head_and_options(run, "405", FASTAPI_OPTIONS)
    _no_body_limit(run)
    _accept_disregarded_or_406(run)
    _ignores_what_it_must(run)
    # A 500 for NaN, and for 1e400: pydantic reads it as inf, refuses it, and the
    # 422 echoing the value as `input` cannot be written as JSON.
    found = {d.split(":")[0] for d in _defects(run, "PD-5XX-1")}
    assert found == {"non-finite", "huge-exponent"}, found
    defects = _defects(run, "PD-REQ-1")
    assert not any(d.split(":")[0] in ("bare-scalar", "array") for d in defects)
    # `detail[].loc` is how its document names fields: no naming alarm.
    _coerces_and_names_the_rest(run)


def test_prism_s_mock_is_judged_as_any_api(
    run_cli: Callable[..., CliRun],
    prism_mock: PrismServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Prism answers any token, no WWW-Authenticate, and a 200 from its examples for
    an id that exists nowhere: each on its clause."""
    monkeypatch.setenv("CONFORMANCE_API_KEY", f"tk-{secrets.token_hex(12)}")
    run = run_cli(
        "run",
        *("--openapi", str(CONNEXION_OPENAPI), "--convention", "rfc9457"),
        *("--base-url", prism_mock.base_url),
        *FAST,
    )
    assert run.code in (1, 3), run.out[-3000:]
    assert {
        *("PD-AUTH-2", "PD-AUTH-3", "PD-RES-1", "PD-METHOD-1", "PD-METHOD-2")
    } <= run.failing()
    # A mock has no body limit: a padded 1 MiB create is answered from its examples.
    assert "PD-SIZE-1" in run.failing()
    _no_body_limit(run)
    _accept_disregarded_or_406(run)  # it answers 406
    _ignores_what_it_must(run)
    # Its 405s carry no Allow at all; it routes the declared methods only, so HEAD
    # and OPTIONS get one too.
    assert set(_allow_evidence(run)) == {"405 without Allow"}
    _head_and_options(run, "405", {"405 without Allow"})
    assert "Traceback" not in run.out + run.err


def test_a_given_id_wins_over_discovery(
    run_cli: Callable[..., CliRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--fixture orgId=…`` names the organisation every valid request uses: the
    listing's first one is never touched."""
    import httpx

    from apps.frameworks.orgs_rfc9457 import create_app
    from errcontract.reference._serve import serve

    tokens = _tokens()
    app = create_app(tokens)
    seen: list[str] = []

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            seen.append(scope["path"])
        await app(scope, receive, send)

    with serve(recording) as base:
        auth = {"Authorization": f"Bearer {tokens.token}"}
        first, given = (
            httpx.post(f"{base}/orgs", json={"name": name}, headers=auth).json()["id"]
            for name in ("listed-first", "given")
        )
        monkeypatch.setenv("CONFORMANCE_API_KEY", tokens.token)
        run = run_cli(
            "run",
            *("--openapi", str(ORGS_RFC9457), "--convention", "rfc9457"),
            *("--base-url", base, "--fixture", f"orgId={given}"),
            *FAST,
        )
    assert run.code == 0, run.out[-3000:]
    assert any(f"/orgs/{given}" in path for path in seen)
    assert not any(f"/orgs/{first}" in path for path in seen), "discovery overrode it"
