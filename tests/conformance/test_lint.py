"""The profile linter: ``conformance check-profile DIR`` lists every mistake, one line
each, exit 2; every run stops at the first one before sending anything (exit 2);
a check that raises on a response is its own clause's internal error, never a pass.

Each mistake is made in a copy of a shipped profile, renamed ``teamapi``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from errcontract._config.lint import check_profile
from errcontract._contract.profile import schemas_root
from errcontract.checks import REGISTRY

if TYPE_CHECKING:
    from conftest import CliRun

FAST = ("--rate-limit", "none", "--max-rps", "1000")


def _copy(tmp_path: Path, api: str) -> Path:
    root = tmp_path / "profiles"
    target = root / "teamapi"
    shutil.copytree(schemas_root() / api, target)
    shutil.copytree(schemas_root() / "common", root / "common")
    meta = yaml.safe_load((target / "profile.yaml").read_text())
    meta["api"] = "teamapi"
    (target / "profile.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    return target


def _edit(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _clause(catalog: Any, clause_id: str) -> dict[str, Any]:
    return next(c for c in catalog["clauses"] if c["id"] == clause_id)


def test_the_shipped_profiles_are_sound() -> None:
    for api in ("cardda", "cardclan"):
        directory = schemas_root() / api
        assert (directory / "clauses.yaml").is_file()
        assert check_profile(directory) == ()


def test_every_check_declares_its_parameters() -> None:
    names = sorted(REGISTRY.names())
    assert len(names) >= 14
    for name in names:
        schema = REGISTRY.get(name).params
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False


def _set(clause_id: str, key: str, value: Any) -> Callable[[Any], None]:
    def change(catalog: Any) -> None:
        _clause(catalog, clause_id)[key] = value

    return change


def _set_probe(clause_id: str, key: str, value: Any) -> Callable[[Any], None]:
    def change(catalog: Any) -> None:
        _clause(catalog, clause_id)["probes"][key] = value

    return change


CATALOG_MISTAKES = [
    pytest.param(
        "cardda",
        _set("CD-BODY-A", "check", "body_schma"),
        "clause CD-BODY-A: unknown check 'body_schma' (did you mean 'body_schema'?)",
        id="check-name",
    ),
    pytest.param(
        "cardda",
        _set_probe("CD-AUTH-1", "strategy", "absent_credential"),
        "clause CD-AUTH-1: probes/strategy: unknown strategy 'absent_credential' "
        "(did you mean 'absent_credentials'?)",
        id="strategy-name",
    ),
    pytest.param(
        "cardda",
        _set("CD-HDR-1", "with", {"headr": "X-Request-Id", "single": True}),
        "clause CD-HDR-1: with/(top): header_present: unknown member 'headr' "
        "(did you mean 'header'?)",
        id="scope-param-key",
    ),
    pytest.param(
        "cardda",
        _set("CD-BODY-A", "with", {"schema": "shape-a.schema.jsn"}),
        "clause CD-BODY-A: with/schema: no schema file 'shape-a.schema.jsn' "
        "(did you mean 'shape-a.schema.json'?)",
        id="schema-file",
    ),
    pytest.param(
        "cardda",
        _set("CD-BODY-A", "with", {"schema": "shape-a.schema.json#/$defs/4O4"}),
        "no '4O4' in shape-a.schema.json",
        id="schema-pointer",
    ),
    pytest.param(
        "cardda",
        _set("CD-LEAK-1", "with", {"patterns": "../comon/leak-patterns.json"}),
        "clause CD-LEAK-1: with/patterns: no file '../comon/leak-patterns.json'",
        id="patterns-path",
    ),
    pytest.param(
        "cardclan",
        _set("CC-BODY-2", "with", {"field": "statuss"}),
        "'statuss' is a member of no error shape of the profile",
        id="field-name",
    ),
    pytest.param(
        "cardda",
        _set_probe("CD-AUTH-2", "with", {"kinds": ["random-tokn"]}),
        "malformed_credentials has no kind 'random-tokn' (did you mean "
        "'random-token'?)",
        id="kind-name",
    ),
    pytest.param(
        "cardda",
        _set_probe("CD-AUTH-3", "with", {"fixture": "unverified_key"}),
        "unknown fixture 'unverified_key' (did you mean 'unverified_api_key'?)",
        id="strategy-fixture",
    ),
    pytest.param(
        "cardda",
        _set_probe("CD-RES-1", "with", {"kind": ["x"]}),
        "unknown_resources takes no 'kind'",
        id="strategy-param",
    ),
]


@pytest.mark.parametrize(("api", "change", "says"), CATALOG_MISTAKES)
def test_a_catalog_mistake_is_one_line_and_exit_2(
    run_cli: Callable[..., CliRun],
    tmp_path: Path,
    api: str,
    change: Callable[[Any], None],
    says: str,
) -> None:
    directory = _copy(tmp_path, api)
    _edit(directory / "clauses.yaml", change)
    check = run_cli("check-profile", str(directory))
    assert check.code == 2
    lines = check.out.strip().splitlines()
    assert lines
    assert all(line.startswith(f"{directory / 'clauses.yaml'}: ") for line in lines)
    assert any(says in line for line in lines), lines
    # A run checks the same before it sends anything: exit 2, the same sentence.
    run = run_cli(
        "run", "--profile-dir", str(directory), "--base-url", "http://127.0.0.1:9"
    )
    assert run.code == 2, run.err
    assert says in run.err
    assert "Traceback" not in run.err + run.out


@pytest.mark.parametrize(
    ("change", "file", "says"),
    [
        (
            lambda m: m.update(preflight="listBankAcounts"),
            "profile.yaml",
            "preflight: unknown operation 'listBankAcounts' (did you mean "
            "'listBankAccounts'?)",
        ),
        (
            lambda m: m["setup"][0].update(operation="listBank"),
            "profile.yaml",
            "unknown operation 'listBank' (did you mean 'listBanks'?)",
        ),
        (
            lambda m: m["setup"][0].update(pick="0/id"),
            "profile.yaml",
            "pick '0/id' is not a JSON Pointer",
        ),
        (
            lambda m: m["setup"].pop(0),
            "openapi.yaml",
            "needs value 'bank_id'",
        ),
        (
            lambda m: m.update(credential="api_kee"),
            "profile.yaml",
            "credential: names no fixture: 'api_kee' (did you mean 'api_key'?)",
        ),
    ],
    ids=["preflight", "setup-operation", "setup-pick", "variable", "credential"],
)
def test_a_surface_mistake_names_its_file(
    run_cli: Callable[..., CliRun],
    tmp_path: Path,
    change: Callable[[Any], None],
    file: str,
    says: str,
) -> None:
    directory = _copy(tmp_path, "cardda")
    _edit(directory / "profile.yaml", change)
    check = run_cli("check-profile", str(directory))
    assert check.code == 2
    assert any(
        line.startswith(f"{directory / file}: ") and says in line
        for line in check.out.splitlines()
    ), check.out


def test_an_invalid_openapi_document_is_named(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    directory = _copy(tmp_path, "cardclan")
    _edit(directory / "openapi.yaml", lambda d: d.update(openapi="3.1.0", info=3))
    check = run_cli("check-profile", str(directory))
    assert check.code == 2
    assert f"{directory / 'openapi.yaml'}: " in check.out
    assert "not a valid OpenAPI document" in check.out


def test_every_meta_schema_problem_is_listed(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    directory = _copy(tmp_path, "cardda")

    def two_mistakes(catalog: Any) -> None:
        _clause(catalog, "CD-AUTH-1")["kind"] = "documneted"
        _clause(catalog, "CD-AUTH-2")["famly"] = "auth"

    _edit(directory / "clauses.yaml", two_mistakes)
    check = run_cli("check-profile", str(directory))
    assert check.code == 2
    lines = check.out.strip().splitlines()
    assert len(lines) >= 2, lines
    assert any("'documneted'" in line for line in lines)
    assert any("'famly'" in line for line in lines)


def test_a_sound_profile_checks_clean(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    directory = _copy(tmp_path, "cardclan")
    check = run_cli("check-profile", str(directory.parent))
    assert check.code == 0
    assert check.out.strip() == f"{directory}: no problems"


def test_a_directory_without_a_profile_is_exit_2(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    check = run_cli("check-profile", str(tmp_path))
    assert check.code == 2
    assert "holds no profile.yaml" in check.err


# -- a check that raises is its own clause's internal error ------------------------


def test_a_crashing_check_is_its_own_clause_not_run_and_exit_4(
    run_cli: Callable[..., CliRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check that raises on every response (a suite bug) never passes its clause,
    never leaks into the clause whose probe was being sent, and ends the run with 4."""
    spec = REGISTRY.get("header_present")

    def broken(ctx: Any, exchange: Any) -> None:
        raise KeyError("header")

    monkeypatch.setitem(
        REGISTRY._checks,
        "header_present",
        spec.__class__(spec.name, spec.scope, broken, spec.params),
    )
    run = run_cli("run", "--api", "cardda", *FAST)
    assert run.code == 4, run.out[-2000:]
    statuses = {c["id"]: c for c in run.results["clauses"]}
    crashed = statuses["CD-HDR-1"]
    assert crashed["status"] == "not-run"
    assert crashed["internal_error"] is True
    assert "KeyError" in crashed["reason"]
    others = [c for cid, c in statuses.items() if cid != "CD-HDR-1"]
    assert [c["id"] for c in others if c["internal_error"]] == []
    assert {c["status"] for c in others} <= {"pass", "not-run"}
    assert sum(c["status"] == "pass" for c in others) >= 18
