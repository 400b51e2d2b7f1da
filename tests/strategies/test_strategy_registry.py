"""FAMILIES: every catalog strategy name, one call shape, eager and named errors,
read-only runs without writes, not-run reasons when nothing is left."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from errcontract import strategies
from errcontract.strategies import FAMILIES, NothingToProbe
from errcontract.strategies._internal.atomicity import read_of

ROOT = Path(__file__).resolve().parents[2]
CATALOG = yaml.safe_load((ROOT / "schemas/cardda/clauses.yaml").read_text())
PROBED = [c for c in CATALOG["clauses"] if "strategy" in c.get("probes", {})]
ALWAYS_WRITE = {"duplicate_creates", "repeated_actions"}
WRITE_WITH_OPERATION = {
    "absent_credentials",
    "fixture_credentials",
    "foreign_credentials",
    "absent_tenants",
    "paired_tenants",
}
"""Families whose probes keep the valid key, tenant and resources: writes on writes."""
NAMES = {
    "absent_credentials",
    "misplaced_credentials",
    "malformed_credentials",
    "fixture_credentials",
    "foreign_credentials",
    "absent_tenants",
    "unknown_tenants",
    "paired_tenants",
    "unknown_resources",
    "malformed_bodies",
    "invalid_bodies",
    "missing_parameters",
    "invalid_parameters",
    "duplicate_creates",
    "repeated_actions",
    "robustness_probes",
    "unsupported_media_types",
    "unserved_methods",
    "unknown_routes",
    "head_and_options",
    "unacceptable_accepts",
    "oversized_bodies",
    "ignored_inputs",
    "refused_writes",
    "combined_defects",
}


def test_families_are_the_catalog_names():
    assert set(FAMILIES) == NAMES
    assert set(NAMES) <= set(strategies.__all__)
    with pytest.raises(TypeError):
        FAMILIES["extra"] = FAMILIES["absent_credentials"]  # type: ignore[index]


def _of_operations(ctx, name: str, operations: list[str]) -> bool:
    """Whether a probe's operation is one of ``operations``, or a router probe
    (``"<METHOD> <path>"``) on one of their paths, or below one, or under the base."""
    if name in operations:
        return True
    method, _, template = name.partition(" ")
    paths = {ctx.operation(o).path for o in operations}
    assert method in {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}, name
    return template in paths or template.removesuffix("/{unknown}") in paths | {""}


@pytest.mark.parametrize("allow_writes", [True, False])
@pytest.mark.parametrize("clause", PROBED, ids=lambda c: c["id"])
def test_every_cardda_catalog_entry_draws_valid_scenarios(
    cardda, oracle, clause, allow_writes
):
    """The catalog's own calls work, in both modes, or say why nothing is left."""
    probes = clause["probes"]
    factory = FAMILIES[probes["strategy"]]
    call = {"allow_writes": allow_writes, **probes.get("with", {})}
    every_op_writes = all(cardda.operation(o).writes for o in probes["operations"])
    if not allow_writes and (
        probes["strategy"] in ALWAYS_WRITE
        or (probes["strategy"] in WRITE_WITH_OPERATION and every_op_writes)
    ):
        with pytest.raises(NothingToProbe, match="read-only"):
            factory(cardda, probes["operations"], **call)
        return
    strategy = factory(cardda, probes["operations"], **call)

    allowed = set(probes["operations"])
    if probes["strategy"] == "refused_writes":
        # The reads around a refused write: the document's GET on the write's path.
        allowed |= {read_of(cardda, cardda.operation(o)) for o in probes["operations"]}

    @settings(max_examples=15, deadline=None, database=None)
    @given(strategy)
    def check(scenario):
        oracle.check_common(cardda, scenario)
        for probe in scenario:
            assert _of_operations(cardda, probe.operation, sorted(allowed))
        assert any(p.role == "probe" for p in scenario)
        if not allow_writes:
            assert not any(p.writes for p in scenario)

    check()


def test_read_only_drops_writing_operations_and_says_which(cardda):
    with pytest.raises(NothingToProbe) as info:
        FAMILIES["absent_credentials"](
            cardda, ["createRecipient", "deleteRecipient"], allow_writes=False
        )
    assert "createRecipient, deleteRecipient" in info.value.reason
    assert "read-only" in info.value.reason
    with pytest.raises(NothingToProbe, match="read-only"):
        FAMILIES["malformed_credentials"](
            cardda, ["createRecipient"], allow_writes=False, kinds=["bare-key"]
        )


def test_unbuildable_operations_are_left_out_with_the_missing_value(cardda, oracle):
    values = {k: v for k, v in cardda.values.items() if k != "recipient_id"}
    ctx = replace(cardda, values=values)
    with pytest.raises(NothingToProbe, match="getRecipient needs 'recipient_id'"):
        FAMILIES["unknown_tenants"](ctx, ["getRecipient"])

    @settings(max_examples=10, deadline=None, database=None)
    @given(FAMILIES["unknown_tenants"](ctx, ["getRecipient", "listRecipients"]))
    def check(scenario):
        assert scenario[0].operation == "listRecipients"

    check()


def test_a_missing_tenant_value_is_a_missing_value(cardda):
    values = {k: v for k, v in cardda.values.items() if k != "company_id"}
    ctx = replace(cardda, values=values)
    with pytest.raises(NothingToProbe, match="'company_id'"):
        FAMILIES["absent_credentials"](ctx, ["listRecipients"])


@pytest.mark.parametrize(
    ("family", "operations", "params", "words"),
    [
        ("absent_credentials", ["getRecipent"], {}, ["getRecipent", "'getRecipient'"]),
        ("absent_credentials", "listCompanies", {}, ["operations='listCompanies'"]),
        ("absent_credentials", [], {}, ["operations=[]"]),
        (
            "malformed_credentials",
            ["listCompanies"],
            {"kinds": ["bare_key"]},
            ["kinds='bare_key'", "did you mean 'bare-key'"],
        ),
        (
            "malformed_credentials",
            ["listCompanies"],
            {"kind": ["bare-key"]},
            ["unknown parameter 'kind'", "did you mean 'kinds'"],
        ),
        ("fixture_credentials", ["listCompanies"], {}, ["'fixture' is required"]),
        (
            "absent_tenants",
            ["listCompanies"],
            {"fixture": "x"},
            ["unknown parameter 'fixture'", "no parameters"],
        ),
        (
            "absent_tenants",
            ["listCompanies"],
            {"allow_writes": "no"},
            ["allow_writes='no'"],
        ),
        (
            "paired_tenants",
            ["getRecipient"],
            {"fixture": "api_key"},
            ["fixture='api_key'", "secret"],
        ),
    ],
)
def test_bad_arguments_fail_eagerly_naming_the_argument(
    cardda, family, operations, params, words
):
    with pytest.raises(InvalidArgument) as info:
        FAMILIES[family](cardda, operations, **params)
    assert isinstance(info.value, ValueError)
    assert all(w in str(info.value) for w in words), str(info.value)


def test_no_probe_holds_a_secret_value(cardda):
    """Probes only name key fixtures; their text never holds a key's value.

    The families are built before the Hypothesis test: building ``invalid_bodies``
    runs Schemathesis' coverage phase, itself a Hypothesis test, which must not be
    nested in another (whether it is depends on what the process built before)."""
    fake_secrets = {"api_key": "sk_live_0123456789abcdef", "limited_api_key": "lk_42"}
    built = {}
    for name in sorted(FAMILIES):
        clause = next((c for c in PROBED if c["probes"]["strategy"] == name), None)
        if clause is not None:
            probes = clause["probes"]
            built[name] = FAMILIES[name](
                cardda, probes["operations"], **probes.get("with", {})
            )
    assert len(built) > 5, sorted(built)

    @settings(max_examples=20, deadline=None, database=None)
    @given(data=st.data())
    def check(data):
        name = data.draw(st.sampled_from(sorted(built)))
        for probe in data.draw(built[name]):
            text = repr(probe)
            assert not any(secret in text for secret in fake_secrets.values())
            assert probe.credential.literal not in cardda.secret_fixtures

    check()
