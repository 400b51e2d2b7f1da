"""The jsonapi convention's own judging: each error's string `status` against the
response (listed_statuses), `source.pointer` naming the broken member of a
validation answer (a path of members, a root pointer for a missing one), the
error-document schema's readings, and the Schemathesis hooks with convention =
"jsonapi". Its fault matrix is in test_seed_conventions.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest

from errcontract._contract import conventions
from errcontract._contract.document import load_document
from errcontract._contract.profile import derived_profile
from errcontract._derive import derive
from errcontract._http.exchange import Exchange, Received, SentRequest
from errcontract._http.probe import Answer, Probe
from errcontract.checks import REGISTRY
from errcontract.checks._registry import CheckContext, Inapplicable
from errcontract.checks.answers import answer_matches
from errcontract.reference import jsonapi
from errcontract.reference._serve import serve
from errcontract.results import Violation

if TYPE_CHECKING:
    from conftest import CliRun

MEDIA = "application/vnd.api+json"


@pytest.fixture(scope="module")
def profile() -> Any:
    document = load_document(jsonapi.OPENAPI)
    result = derive.derive(conventions.load_convention("jsonapi"), document)
    return derived_profile("articles", result.files)


def _exchange(status: int, body: Any, probe: Probe | None = None) -> Exchange:
    probe = probe or Probe(operation="getArticle", method="GET", path="/articles/x")
    return Exchange(
        seq=0,
        probe=probe,
        request=SentRequest(probe.method, f"http://127.0.0.1{probe.path}", (), None),
        curl="",
        response=Received(
            status,
            (("Content-Type", MEDIA),),
            json.dumps(body).encode(),
            False,
            datetime.now(UTC),
            0.0,
        ),
    )


def _judge(profile: Any, clause_id: str, status: int, body: Any) -> Any:
    clause = profile.clause(clause_id)
    check = REGISTRY.get(clause.check).fn
    return check(CheckContext(clause, profile), _exchange(status, body))


def _errors(*statuses: str | int) -> dict[str, Any]:
    return {"errors": [{"status": s, "title": "t"} for s in statuses]}


def test_listed_statuses_holds_each_error_to_the_response(profile: Any) -> None:
    assert _judge(profile, "JA-BODY-2", 404, _errors("404")) is None
    assert _judge(profile, "JA-BODY-2", 422, _errors("422", "422")) is None
    # Several problems: the most generally applicable status (JSON:API 1.1,
    # Processing Errors), a status of one of their classes.
    assert _judge(profile, "JA-BODY-2", 400, _errors("422", "409")) is None
    assert _judge(profile, "JA-BODY-2", 422, _errors("422", "404")) is None
    for status, body in [(404, _errors("400")), (500, _errors("404", "422"))]:
        with pytest.raises(Violation, match="another status than the response"):
            _judge(profile, "JA-BODY-2", status, body)
    # No string status (absent: a SHOULD; a number: JA-BODY-1's), nothing judged.
    for body in [{"errors": [{"title": "t"}]}, _errors(404), {"errors": {}}]:
        assert isinstance(_judge(profile, "JA-BODY-2", 404, body), Inapplicable)


def test_the_error_document_schema_reads_json_api(profile: Any) -> None:
    allowed = [
        _errors("404"),
        {"errors": [{"detail": "d"}], "meta": {"a": {"b": 1}}, "jsonapi": {}},
        {"errors": [{"code": "c", "source": {}, "meta": {}, "x:ext": 1}]},
        {"errors": [{"links": {"about": {"href": "/e"}, "type": "/t"}}]},
        {"errors": []},
    ]
    for body in allowed:
        assert _judge(profile, "JA-BODY-1", 404, body) is None, body
    refused = [
        {"error": {"status": "404"}},
        {"errors": {"status": "404"}},
        {"errors": [{"status": "404"}], "data": None},
        {"errors": [{"status": "404"}], "included": []},
        {"errors": [{}]},
        _errors(404),
        {"errors": [{"code": 7}]},
        {"errors": [{"source": {"pointer": "data/title"}}]},
    ]
    for body in refused:
        with pytest.raises(Violation):
            _judge(profile, "JA-BODY-1", 404, body)


def test_source_pointer_names_the_broken_member(profile: Any) -> None:
    fields = profile.error_body
    assert fields["field_member"] == "source/pointer"
    answer = Answer("422", name_field="if-listed")

    def named(pointer: str | None, kind: str = "wrong-type") -> bool:
        probe = Probe(
            operation="createArticle",
            method="POST",
            path="/articles",
            field="data",
            defect_kind=kind,
        )
        item: dict[str, Any] = {"status": "422"}
        if pointer is not None:
            item["source"] = {"pointer": pointer}
        return answer_matches(answer, _exchange(422, {"errors": [item]}, probe), fields)

    assert named("/data")
    assert named("/data/attributes/title")
    assert not named("/meta")
    assert not named(None)
    assert not named("")
    # A missing member exists nowhere to point at: its parent, the document, does.
    assert named("", kind="missing")
    assert named("/data", kind="missing")


def test_the_shipped_schema_is_a_valid_json_schema() -> None:
    schema = json.loads(
        (
            conventions.load_convention("jsonapi").directory / "errors.schema.json"
        ).read_text(encoding="utf-8")
    )
    jsonschema.Draft202012Validator.check_schema(schema)


def _st(tmp_path: Path, faults: tuple[str, ...]) -> tuple[int, str]:
    (tmp_path / "schemathesis.toml").write_text(
        textwrap.dedent(
            """\
            hooks = "errcontract.schemathesis"

            [checks]
            enabled = false

            [checks.ErrorContract]
            enabled = true
            convention = "jsonapi"
            """
        ),
        encoding="utf-8",
    )
    with serve(jsonapi.create_app(faults=faults)) as base:
        done = subprocess.run(
            [
                str(Path(sys.executable).with_name("st")),
                *("run", str(jsonapi.OPENAPI), "--url", base),
                *("--seed", "1", "--phases", "coverage", "--max-examples", "5"),
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "NO_COLOR": "1", "PYTHONHASHSEED": "0"},
        )
    return done.returncode, done.stdout + done.stderr


def test_the_schemathesis_hooks_take_the_jsonapi_convention(tmp_path: Path) -> None:
    code, out = _st(tmp_path, ())
    assert code == 0, out[-3000:]
    code, out = _st(tmp_path, ("JA-BODY-1",))
    assert code == 1, out[-3000:]
    assert "EC001 JA-BODY-1:" in out, out[-3000:]


def test_an_optional_credential_not_given_is_not_sent() -> None:
    # A document that secures nothing derives an optional `api_key`: without one,
    # the run sends no credential instead of stopping (exit 4) at the first request.
    from errcontract._http.credentials import CredentialRenderer, Placement
    from errcontract._http.probe import Credential

    unset = CredentialRenderer(Placement(), {})
    assert unset.wire(Credential.of("api_key")) == []
    assert (
        CredentialRenderer(Placement(query="key"), {}).query(Credential.of("api_key"))
        == []
    )
    given = CredentialRenderer(Placement(), {"api_key": "tk"})
    assert given.wire(Credential.of("api_key")) == [("Authorization", "Bearer tk")]


def test_a_rate_limit_given_paces_the_run(run_cli: Callable[..., CliRun]) -> None:
    """The Articles API documents no rate limit and enforces none: `--rate-limit N`
    (which the thorough soak and the fault matrix give every target) paces the run,
    as for the Shelves and Gadgets APIs, instead of stopping it at the start (exit
    4); its document declares no 429, so no rate-limit clause is derived."""
    done = run_cli(
        "run", "--convention", "jsonapi", "--rate-limit", "200", "--max-rps", "1000"
    )
    assert done.code == 0, done.out[-3000:]
    assert {c["status"] for c in done.results["clauses"]} == {"pass"}
    assert not [c["id"] for c in done.results["clauses"] if "-RATE-" in c["id"]]
