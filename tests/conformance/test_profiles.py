"""The profile files: valid schemas, a valid OpenAPI surface, a catalog that binds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from errcontract._config.lint import refuse_unsound
from errcontract._contract.clauses import Mode
from errcontract._contract.profile import Profile, available_apis, schemas_root
from errcontract.checks import REGISTRY
from errcontract.exceptions import ProfileError
from errcontract.strategies import FAMILIES

SCHEMA_FILES = sorted(schemas_root().rglob("*.schema.json"))
APIS = available_apis()


def test_both_product_profiles_ship() -> None:
    """The two profiles the suite is sold with are there (others may be added next
    to them, or come from --profile-dir)."""
    assert {"cardclan", "cardda"} <= set(APIS)


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_schema_is_valid_2020_12_with_id_title_and_description(
    path: Path,
) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for key in ("$id", "title", "description"):
        assert schema.get(key), f"{path.name} lacks {key}"


@pytest.mark.parametrize("api", APIS)
def test_the_surface_is_a_valid_openapi_3_1_document(api: str) -> None:
    path = schemas_root() / api / "openapi.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert document["openapi"].startswith("3.1")
    validate(document, base_uri=path.as_uri())


@pytest.mark.parametrize("api", APIS)
def test_every_clause_binds_to_a_registered_check_and_strategy(api: str) -> None:
    profile = Profile(schemas_root() / api)
    for clause in profile.clauses:
        spec = REGISTRY.get(clause.check)
        mode = clause.mode
        if mode in (Mode.EVERY_RESPONSE, Mode.EVERY_RESPONSE_PROBED):
            assert spec.scope == "exchange", clause.id
        if mode is Mode.RUN:
            assert spec.scope == "run", clause.id
        if mode in (Mode.TARGETED, Mode.EVERY_RESPONSE_PROBED):
            assert clause.probes is not None
            assert clause.probes.strategy in FAMILIES, clause.id
        if mode is Mode.TARGETED:
            assert spec.scope in {"exchange", "scenario"}, clause.id
        if mode is Mode.BURST:
            assert spec.scope == "burst", clause.id
        for reference in [clause.params.get("schema")]:
            if reference:
                profile.validator(reference)  # resolves, or raises


@pytest.mark.parametrize("api", APIS)
def test_every_documented_answer_names_an_error_shape_status(api: str) -> None:
    """Expected statuses in the catalog are statuses the surface documents.

    The router clauses aside: their probes are requests no operation serves (another
    method, another path), so no operation's responses are theirs; their statuses are
    readings of the documents' status lists and RFC 9110, written next to them. So is
    the Accept clause's 406 (RFC 9110 section 12.5.1): no operation declares it, and
    the clause passes the operation's own answer too."""
    profile = Profile(schemas_root() / api)
    for clause in profile.clauses:
        if clause.family == "routing" or clause.check == "accept_answer":
            assert clause.kind == "reading", clause.id
            continue
        ops = clause.probes.operations if clause.probes else ()
        for answer in clause.expect:
            status = str(answer["status"])
            if status.endswith("XX"):
                continue
            documented = {s for op in ops for s in profile.operations[op].statuses}
            assert status in documented, (clause.id, status)


def _broken_copy(tmp_path: Path, api: str, old: str, new: str) -> Path:
    target = tmp_path / api
    shutil.copytree(schemas_root() / api, target)
    shutil.copytree(schemas_root() / "common", tmp_path / "common")
    catalog = target / "clauses.yaml"
    text = catalog.read_text(encoding="utf-8")
    assert old in text
    catalog.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("kind: documented", "kind: documentd", ["clauses.yaml", "documentd"]),
        ("operations: [listCompanies,", "operations: [listCompany,", ["listCompany"]),
        ("needs: [unverified_api_key]", "needs: [unverified_key]", ["unverified_key"]),
        # A clause judging every response may send probes of a strategy, not a burst.
        ("strategy: robustness_probes", "scenario: burst", ["probes", "'strategy'"]),
    ],
    ids=["bad-kind", "unknown-operation", "unknown-fixture", "scoped-burst"],
)
def test_a_catalog_typo_is_a_clear_error_before_any_run(
    tmp_path: Path, old: str, new: str, words: list[str]
) -> None:
    """The linter every run starts with: one ``ProfileError`` line naming it."""
    directory = _broken_copy(tmp_path, "cardda", old, new)
    with pytest.raises(ProfileError) as info:
        refuse_unsound(directory)
    for word in words:
        assert word in str(info.value)
