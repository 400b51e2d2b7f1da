"""``--convention document`` zero-config on the framework apps: each judged by the
error contract its own OpenAPI document declares (FastAPI's generated one, with its
422 ``HTTPValidationError``; Connexion's and the careful app's hand-written
``Problem``; fastapi-problem's problem schemas), nothing else given.

What is pinned: the careful app passes every clause; each framework fails exactly the
clauses of its real defects (the same ones ``rfc9457`` finds, test_zero_config.py),
and the declared shape clauses (``DC-BODY-1``, ``DC-BODY-2``, ``DC-HDR-1``,
``DC-STATUS-1``) pass wherever the framework answers as its document says. Stock
FastAPI's unhandled-exception 500, Starlette's ``text/plain`` "Internal Server Error",
is the one answer no document of theirs declares: ``DC-BODY-2`` and ``DC-HDR-1``
name it. What each reports is in docs/conventions/document.md ("Framework apps").
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from apps.frameworks._serve import PrismServer

from .conftest import CONNEXION_OPENAPI
from .test_zero_config import FAST, ORGS_RFC9457, _statuses, _tokens

if TYPE_CHECKING:
    from conftest import CliRun

SHAPE = {"DC-BODY-1", "DC-BODY-2", "DC-HDR-1", "DC-STATUS-1"}
"""The clauses the document convention adds to the shared templates."""

ROUTING = {"DC-METHOD-1", "DC-METHOD-2", "DC-SIZE-1"}
"""Every framework app's: an incomplete Allow on its 405s (and FastAPI's 405 to
HEAD), OPTIONS not served, no request-body limit."""


@pytest.fixture
def document_run(
    run_cli: Callable[..., CliRun],
    serve_framework: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., CliRun]:
    """``conformance run --openapi DOC --convention document`` against a fresh app
    (``fetch``: the document the framework serves itself at /openapi.json)."""

    def run(app: str, document: str) -> CliRun:
        tokens = _tokens()
        base = serve_framework(app, tokens)
        monkeypatch.setenv("CONFORMANCE_API_KEY", tokens.token)
        monkeypatch.setenv("CONFORMANCE_OTHER_API_KEY", tokens.other_account_token)
        monkeypatch.setenv("CONFORMANCE_READ_ONLY_API_KEY", tokens.read_only_token)
        where = f"{base}/openapi.json" if document == "fetch" else document
        done = run_cli(
            "run",
            *("--openapi", where, "--convention", "document", "--base-url", base),
            *FAST,
        )
        secrets_ = (tokens.token, tokens.other_account_token, tokens.read_only_token)
        assert not done.leaks(*secrets_)
        return done

    return run


def _shape_passes(run: CliRun) -> None:
    statuses = _statuses(run)
    assert {statuses[c] for c in SHAPE} == {"pass"}, statuses


def test_the_careful_app_passes_every_document_clause(
    document_run: Callable[..., CliRun],
) -> None:
    run = document_run("rfc9457", str(ORGS_RFC9457))
    assert run.code == 0, run.out[-3000:]
    assert set(_statuses(run).values()) == {"pass"}, _statuses(run)


def test_connexion_answers_as_its_document_declares(
    document_run: Callable[..., CliRun],
) -> None:
    """Its problem bodies match the document's Problem, in application/problem+json,
    on declared and undeclared answers (unknown routes, 405s, its 500s); its 500 for
    invalid UTF-8 is no DC-STATUS-1 alarm (a body that is no JSON is RFC 9110's
    business, DC-REQ-1 and DC-5XX-1 say what broke)."""
    run = document_run("connexion", str(CONNEXION_OPENAPI))
    assert run.code == 1, run.out[-3000:]
    _shape_passes(run)
    assert run.failing() == {
        *("DC-AUTH-3", "DC-REQ-1", "DC-5XX-1"),
        *ROUTING,
    }, run.failing()


def test_fastapi_problem_answers_as_its_document_declares(
    document_run: Callable[..., CliRun],
) -> None:
    """Its 422 is judged by the `HTTPValidationError` its document declares for 422
    (the package's RequestValidationError shape), every other error by its
    Problem: no shape alarm; its real defects as with rfc9457."""
    run = document_run("fastapi_problem", "fetch")
    assert run.code == 1, run.out[-3000:]
    _shape_passes(run)
    assert run.failing() == {
        *("DC-VAL-1", "DC-REQ-1", "DC-5XX-1"),
        *ROUTING,
    }, run.failing()


def test_stock_fastapi_s_plain_text_500_is_the_answer_its_document_misses(
    document_run: Callable[..., CliRun],
) -> None:
    """Stock FastAPI is judged by its own document: `{"detail": "..."}` from
    HTTPException and from the router (unknown routes, 405s) matches the `Message`
    its 401s, 403s and 404s declare, the 422 its `HTTPValidationError`, and a 400
    for an undecodable body is RFC 9110's (no DC-STATUS-1 alarm). What breaks the
    declaration is Starlette's unhandled-exception answer: `500 text/plain`
    "Internal Server Error" for NaN and 1e400."""
    run = document_run("fastapi", "fetch")
    assert run.code == 1, run.out[-3000:]
    assert run.failing() == {
        *("DC-BODY-2", "DC-HDR-1", "DC-VAL-1", "DC-REQ-1", "DC-5XX-1"),
        *ROUTING,
    }, run.failing()
    statuses = _statuses(run)
    assert statuses["DC-BODY-1"] == statuses["DC-STATUS-1"] == "pass", statuses
    body = run.clause("DC-BODY-2")
    assert "`#/components/schemas/Message`" in body["text"], body["text"]
    for clause in ("DC-BODY-2", "DC-HDR-1"):
        for violation in run.clause(clause)["violations"]:
            assert violation["actual"].startswith("500 with "), violation
            assert "Internal Server Error" in violation["actual"] or (
                "text/plain" in violation["actual"]
            ), violation
            (exchange,) = violation["exchanges"]
            assert exchange["defect"].split(":")[0] in ("non-finite", "huge-exponent")


def test_prism_s_own_400_for_unparsable_json_is_not_the_declared_problem(
    run_cli: Callable[..., CliRun],
    prism_mock: PrismServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Prism answers its examples, so what its document declares passes; a body it
    cannot parse gets Prism's own `400 {"error": {"code": "invalid_json", ...}}` in
    application/json, not the Problem in application/problem+json the document
    declares for 400: DC-BODY-1, DC-BODY-2 and DC-HDR-1 name it. Its other defects
    are rfc9457's (any token taken, no WWW-Authenticate, an unknown id's 200)."""
    monkeypatch.setenv("CONFORMANCE_API_KEY", f"tk-{secrets.token_hex(12)}")
    run = run_cli(
        "run",
        *("--openapi", str(CONNEXION_OPENAPI), "--convention", "document"),
        *("--base-url", prism_mock.base_url),
        *FAST,
    )
    assert run.code in (1, 3), run.out[-3000:]
    assert {
        *("DC-BODY-1", "DC-BODY-2", "DC-HDR-1"),
        *("DC-AUTH-2", "DC-AUTH-3", "DC-RES-1", "DC-METHOD-1", "DC-METHOD-2"),
    } <= run.failing(), run.failing()
    assert _statuses(run)["DC-STATUS-1"] == "pass"
    for clause in ("DC-BODY-1", "DC-BODY-2"):
        for violation in run.clause(clause)["violations"]:
            assert violation["actual"] == (
                "400: at (body): 'status' is a required property"
            ), violation
            (exchange,) = violation["exchanges"]
            assert '"invalid_json"' in exchange["response"]["body"], exchange
    for violation in run.clause("DC-HDR-1")["violations"]:
        assert violation["actual"].startswith("400 with 'application/json"), violation
    assert "Traceback" not in run.out + run.err
