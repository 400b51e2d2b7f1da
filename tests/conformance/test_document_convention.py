"""The ``document`` convention: an API judged by the error contract its own OpenAPI
document declares. Alone (``conformance run --convention document``) it runs against
the embedded Projects API, whose document declares its problem schemas; its fault
switches break the declared shapes and statuses. A document that declares no error
schema is a settings mistake (exit 2). The seeds' documents are judged in
``test_seed_conventions.py``."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from errcontract._contract import conventions
from errcontract._contract.declared import error_contract
from errcontract._contract.document import load_document
from errcontract._contract.profile import derived_profile, schemas_root
from errcontract._derive import derive
from errcontract._http.exchange import Exchange, Received, SentRequest
from errcontract._http.probe import Probe
from errcontract.checks import REGISTRY
from errcontract.checks._registry import CheckContext, Inapplicable
from errcontract.reference import problem
from errcontract.reference._serve import serve
from errcontract.results import Violation

if TYPE_CHECKING:
    from conftest import CliRun

ZERO_CONFIG = ("--convention", "document", "--rate-limit", "50", "--max-rps", "1000")
DOCUMENT_CLAUSES = ("DC-BODY-1", "DC-BODY-2", "DC-STATUS-1", "DC-HDR-1")


def test_the_shared_schema_of_each_shipped_document() -> None:
    """The schema most error responses share: the Projects API's Problem (its
    ValidationProblem builds on it), CardClan's one error file, Cardda's shape A
    (its status rows count toward the file's root); Cardda's shape B for 422 is
    its own."""
    found = {}
    for name, path in (
        ("problem", Path(problem.OPENAPI)),
        ("cardclan", schemas_root() / "cardclan" / "openapi.yaml"),
        ("cardda", schemas_root() / "cardda" / "openapi.yaml"),
    ):
        contract = error_contract(load_document(path))
        found[name] = (contract.shared, contract.media_type, contract.others)
    assert found["problem"] == (
        "#/components/schemas/Problem",
        "application/problem+json",
        [],
    )
    assert found["cardclan"][0].endswith("error.schema.json")
    assert found["cardda"][0].endswith("shape-a.schema.json")
    assert [o.rsplit("-", 1)[-1] for o in found["cardda"][2]] == ["b.schema.json"]


NO_ERRORS = {
    "openapi": "3.1.0",
    "info": {"title": "Bare", "version": "1"},
    "paths": {
        "/things": {
            "get": {
                "operationId": "listThings",
                "responses": {
                    "200": {"description": "ok"},
                    "404": {"description": "no"},
                },
            }
        }
    },
}


def test_a_document_without_an_error_schema_is_exit_2(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    document = tmp_path / "openapi.yaml"
    document.write_text(yaml.safe_dump(NO_ERRORS), encoding="utf-8")
    run = run_cli(
        "run",
        *("--openapi", str(document), "--convention", "document"),
        *("--base-url", "http://127.0.0.1:9"),
    )
    assert run.code == 2, run.out + run.err
    assert "declares none" in run.err
    assert "Traceback" not in run.err
    assert len(run.err.strip().splitlines()) == 1, run.err


def _profile(document: dict[str, Any]) -> Any:
    result = derive.derive(conventions.load_convention("document"), document)
    return derived_profile("test", result.files)


def _judge(
    profile: Any,
    clause_id: str,
    method: str,
    path: str,
    status: int,
    body: bytes,
    media: str = "application/json",
) -> Any:
    exchange = Exchange(
        seq=0,
        probe=Probe(operation="x", method=method, path=path),
        request=SentRequest(method, f"http://127.0.0.1{path}", (), None),
        curl="",
        response=Received(
            status, (("Content-Type", media),), body, False, datetime.now(UTC), 0.0
        ),
    )
    clause = profile.clause(clause_id)
    return REGISTRY.get(clause.check).fn(CheckContext(clause, profile), exchange)


OWN = {
    "openapi": "3.0.3",
    "info": {"title": "Own", "version": "1"},
    "paths": {
        "/things/{id}": {
            "get": {
                "operationId": "getThing",
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": {"description": "ok"},
                    "404": {"$ref": "#/components/responses/Error"},
                    "422": {
                        "description": "invalid",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["fields"],
                                    "properties": {"fields": {"type": "array"}},
                                }
                            }
                        },
                    },
                    "default": {"$ref": "#/components/responses/Error"},
                },
            }
        }
    },
    "components": {
        "responses": {
            "Error": {
                "description": "an error",
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"}
                    }
                },
            }
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["code"],
                "properties": {
                    "code": {"type": "string"},
                    "hint": {"type": "string", "nullable": True},
                },
            }
        },
    },
}


def test_declared_body_judges_the_declared_and_the_shared_schema() -> None:
    """An OpenAPI 3.0 document: `nullable` read as 3.0 means it, the code's schema
    before `default`'s, an inline 422 schema its own (not the shared one's)."""
    profile = _profile(OWN)
    assert profile.clause("DC-BODY-2").params["schema"] == "#/components/schemas/Error"
    ok = b'{"code": "gone", "hint": null}'
    assert _judge(profile, "DC-BODY-1", "GET", "/things/1", 404, ok) is None
    assert _judge(profile, "DC-BODY-1", "GET", "/things/1", 500, ok) is None
    assert (
        _judge(profile, "DC-BODY-1", "GET", "/things/1", 422, b'{"fields": []}') is None
    )
    assert isinstance(
        _judge(profile, "DC-BODY-2", "GET", "/things/1", 422, b'{"fields": []}'),
        Inapplicable,
    )
    # Undeclared: an unknown route, a method no operation has.
    assert _judge(profile, "DC-BODY-2", "GET", "/nothing", 404, ok) is None
    assert isinstance(
        _judge(profile, "DC-BODY-1", "DELETE", "/things/1", 405, ok), Inapplicable
    )
    for clause, method, path, status, body in (
        ("DC-BODY-1", "GET", "/things/1", 404, b'{"message": "gone"}'),
        ("DC-BODY-1", "GET", "/things/1", 422, b'{"code": "invalid"}'),
        ("DC-BODY-2", "GET", "/nothing", 404, b"Not Found"),
        ("DC-BODY-2", "DELETE", "/things/1", 405, b'{"code": 405}'),
    ):
        with pytest.raises(Violation):
            _judge(profile, clause, method, path, status, body)


def test_declared_status_judges_only_the_documents_operations() -> None:
    get = OWN["paths"]["/things/{id}"]["get"]
    responses = {k: v for k, v in get["responses"].items() if k != "default"}
    paths = {"/things/{id}": {"get": {**get, "responses": responses}}}
    document = {**OWN, "paths": paths}
    profile = _profile(document)
    assert profile.clause("DC-STATUS-1").kind == "reading"
    assert _judge(profile, "DC-STATUS-1", "GET", "/things/1", 404, b"{}") is None
    assert isinstance(
        _judge(profile, "DC-STATUS-1", "POST", "/things/1", 405, b"{}"), Inapplicable
    )
    assert isinstance(
        _judge(profile, "DC-STATUS-1", "GET", "/other", 404, b"{}"), Inapplicable
    )
    with pytest.raises(Violation):
        _judge(profile, "DC-STATUS-1", "GET", "/things/1", 409, b"{}")


def _focused(tmp_path: Path, keep: tuple[str, ...]) -> tuple[str, ...]:
    """An overrides file leaving only ``keep`` and the probes that provoke errors
    (unknown ids and routes, unserved methods, Accept): a fault run in seconds."""
    result = derive.derive(
        conventions.load_convention("document"), load_document(Path(problem.OPENAPI))
    )
    provoking = {"DC-RES-1", "DC-ROUTE-1", "DC-METHOD-1", "DC-ACCEPT-1", "DC-AUTH-1"}
    skip = [c["id"] for c in result.clauses if c["id"] not in {*keep, *provoking}]
    overrides = tmp_path / "focus.yaml"
    overrides.write_text(yaml.safe_dump({"skip": skip}), encoding="utf-8")
    return ("--overrides", str(overrides))


def test_alone_it_passes_the_embedded_projects_api_and_its_tolerances(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    run = run_cli("run", *ZERO_CONFIG)
    assert run.code == 0, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    assert {statuses[c] for c in DOCUMENT_CLAUSES} == {"pass"}, statuses
    # Every variation the document's Problem allows, at once, and the statuses
    # RFC 9110 gives requests no operation describes (406, a 400 for content on
    # a GET, 400 for a body over the limit), which DC-STATUS-1 leaves alone.
    tolerances = ("extra-members", "no-detail", "no-status", "no-type", "charset")
    tolerances += ("about-blank", "relative-type", "header-case", "accept-406")
    tolerances += ("body-on-get-400", "size-400", "read-only-422", "options-501")
    flags = [f for t in tolerances for f in ("--tolerance", t)]
    run = run_cli("run", *ZERO_CONFIG, *flags)
    assert run.code == 0, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    assert {statuses[c] for c in DOCUMENT_CLAUSES} == {"pass"}, statuses


# (fault, the document clauses it breaks): a 404 problem without `title`, both the
# declared and the shared schema's; the framework's plain-text 404 for an unknown
# project; a 406 as an HTML page, which no operation declares; an unknown id's 403,
# a status getProject does not declare (and the 404 clauses' own).
FAULTS = [
    ("PD-BODY-1", {"DC-BODY-1", "DC-BODY-2"}),
    ("PD-HDR-1:framework-default", {"DC-BODY-1", "DC-BODY-2", "DC-HDR-1"}),
    ("PD-ACCEPT-1:html", {"DC-BODY-2", "DC-HDR-1"}),
    ("PD-RES-1", {"DC-STATUS-1", "DC-RES-1"}),
]


THOROUGH = ("--depth", "thorough", "--seed", "1")


@pytest.mark.parametrize("depth", [(), THOROUGH], ids=["ci", "thorough"])
@pytest.mark.parametrize(("fault", "clauses"), FAULTS, ids=[f[0] for f in FAULTS])
def test_alone_it_fails_the_embedded_faults(
    fault: str,
    clauses: set[str],
    depth: tuple[str, ...],
    run_cli: Callable[..., CliRun],
    tmp_path: Path,
) -> None:
    focus = _focused(tmp_path, DOCUMENT_CLAUSES)
    run = run_cli("run", *ZERO_CONFIG, *focus, *depth, "--fault", fault)
    assert run.code == 1, run.out[-3000:]
    assert {c for c in run.failing() if c in DOCUMENT_CLAUSES} == clauses & set(
        DOCUMENT_CLAUSES
    ), run.failing()
    assert clauses <= run.failing()
    if "DC-STATUS-1" in clauses:
        # A reading: a team that does not list every status does not gate on it.
        assert run.clause("DC-STATUS-1")["kind"] == "reading"
        again = run_cli(
            "run", *ZERO_CONFIG, *_focused(tmp_path, ("DC-STATUS-1",)), *depth,
            "--fault", fault, "--fail-on", "documented",
        )  # fmt: skip
        assert run.clause("DC-STATUS-1")["status"] == "fail"
        assert again.code == 1  # DC-RES-1, documented, still gates
        assert again.clause("DC-STATUS-1")["outcome"] == "not-gating"


@pytest.mark.parametrize("tolerance", sorted(problem.TOLERANCES))
def test_alone_each_tolerance_of_the_projects_api_passes(
    tolerance: str, run_cli: Callable[..., CliRun]
) -> None:
    """Every switch the Projects API tolerates, alone, the whole derived catalog
    judged: what its document and RFC 9110 allow is never a document clause's
    failure (a challenge's detail and case, Allow on several lines, a 501 to
    OPTIONS, a 406, a 400 for content on a GET, ...)."""
    run = run_cli("run", *ZERO_CONFIG, "--tolerance", tolerance)
    assert run.code == 0, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    assert set(statuses.values()) == {"pass"}, statuses


def test_alone_every_tolerance_at_once_passes_under_thorough(
    run_cli: Callable[..., CliRun],
) -> None:
    flags = [f for t in sorted(problem.TOLERANCES) for f in ("--tolerance", t)]
    run = run_cli("run", *ZERO_CONFIG, *flags, *THOROUGH)
    assert run.code == 0, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    assert {statuses[c] for c in DOCUMENT_CLAUSES} == {"pass"}, statuses
    assert set(statuses.values()) == {"pass"}, statuses


def test_init_writes_a_document_profile_that_lints_and_runs(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """`conformance init --convention document` writes the clauses a zero-config
    run checks, as files: DC-BODY-2's shared schema a pointer into the copied
    document, which check-profile resolves; run against the embedded Projects API
    it passes, and the body fault fails its declared schema."""
    target = tmp_path / "projects"
    init = ("init", str(target), "--openapi", str(problem.OPENAPI))
    done = run_cli(*init, "--convention", "document")
    assert done.code == 0, done.err
    meta = yaml.safe_load((target / "profile.yaml").read_text(encoding="utf-8"))
    meta["reference_app"] = "errcontract.reference.problem"
    (target / "profile.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    checked = run_cli("check-profile", str(target))
    assert checked.code == 0, checked.out + checked.err
    catalog = yaml.safe_load((target / "clauses.yaml").read_text(encoding="utf-8"))
    shared = {c["id"]: c for c in catalog["clauses"]}["DC-BODY-2"]
    assert shared["with"]["schema"] == "#/components/schemas/Problem", shared
    fast = ("--profile-dir", str(target), "--max-rps", "1000")
    run = run_cli("run", *fast)
    assert run.code == 0, run.out[-3000:]
    statuses = {c["id"]: c["status"] for c in run.results["clauses"]}
    assert {statuses[c] for c in DOCUMENT_CLAUSES} == {"pass"}, statuses
    broken = run_cli("run", *fast, "--fault", "PD-BODY-1")
    assert broken.code == 1, broken.out[-3000:]
    assert {"DC-BODY-1", "DC-BODY-2"} <= broken.failing(), broken.failing()


@pytest.mark.parametrize("command", ["run", "init"])
def test_an_unknown_convention_is_exit_2_with_the_near_miss_and_the_list(
    command: str, run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    where = (str(tmp_path / "out"), "--openapi", str(problem.OPENAPI))
    args = where if command == "init" else ()
    run = run_cli(command, *args, "--convention", "docment")
    assert run.code == 2, run.out + run.err
    assert "did you mean 'document'?" in run.err, run.err
    known = ", ".join(conventions.available_conventions())
    assert f"known: {known}" in run.err, run.err
    assert "Traceback" not in run.err


def _st(tmp_path: Path, faults: tuple[str, ...]) -> tuple[int, str]:
    (tmp_path / "schemathesis.toml").write_text(
        textwrap.dedent(
            """\
            hooks = "errcontract.schemathesis"

            [checks]
            enabled = false

            [checks.ErrorContract]
            enabled = true
            convention = "document"
            """
        ),
        encoding="utf-8",
    )
    app = problem.create_app(faults=faults)
    with serve(app) as base:
        token = app.state.fixtures["api_key"]
        done = subprocess.run(
            [
                str(Path(sys.executable).with_name("st")),
                *("run", str(problem.OPENAPI), "--url", base),
                *("-H", f"Authorization: Bearer {token}"),
                *("--seed", "1", "--phases", "coverage", "--max-examples", "5"),
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "NO_COLOR": "1", "PYTHONHASHSEED": "0"},
        )
    return done.returncode, done.stdout + done.stderr


def test_the_schemathesis_hooks_take_the_document_convention(tmp_path: Path) -> None:
    code, out = _st(tmp_path, ())
    assert code == 0, out[-3000:]
    code, out = _st(tmp_path, ("PD-BODY-1",))
    assert code == 1, out[-3000:]
    assert "EC001 DC-BODY-1:" in out or "EC001 DC-BODY-2:" in out, out[-3000:]
