"""Tenant families: only the tenant header changes."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errcontract.strategies import (
    NothingToProbe,
    absent_tenants,
    paired_tenants,
    unknown_tenants,
)

SETTINGS = settings(max_examples=40, deadline=None, database=None)
SCOPED = ["listRecipients", "createRecipient", "getRecipient", "authorizeTransaction"]


@SETTINGS
@given(data=st.data())
def test_absent_tenants_drop_only_the_header(cardda, oracle, data):
    (probe,) = data.draw(absent_tenants(cardda, [*SCOPED, "listCompanies"]))
    oracle.check_common(cardda, (probe,))
    assert probe.header("company-id") is None
    if cardda.tenant_scoped(probe.operation):
        assert oracle.differences(cardda, probe) == {"tenant"}
        assert probe.defect_kind == "tenant"
    else:
        # Where no tenant is required, leaving it out is a valid request.
        assert oracle.differences(cardda, probe) == set()
        assert probe.defect_kind == ""


@SETTINGS
@given(data=st.data())
def test_unknown_tenants_send_a_random_uuid(cardda, oracle, data):
    (probe,) = data.draw(unknown_tenants(cardda, SCOPED))
    oracle.check_common(cardda, (probe,))
    tenant = probe.header("company-id")
    assert str(uuid.UUID(tenant)) == tenant
    assert tenant not in (
        cardda.values["company_id"],
        cardda.values["foreign_company_id"],
    )
    assert oracle.differences(cardda, probe) == {"tenant"}
    assert (probe.defect_kind, probe.writes) == ("tenant", False)


@SETTINGS
@given(data=st.data())
def test_paired_tenants_pair_foreign_and_random(cardda, oracle, data):
    scenario = data.draw(paired_tenants(cardda, SCOPED, fixture="foreign_company_id"))
    oracle.check_common(cardda, scenario)
    foreign, unknown = scenario
    assert foreign.header("company-id") == cardda.values["foreign_company_id"]
    assert str(uuid.UUID(unknown.header("company-id"))) != foreign.header("company-id")
    for probe in scenario:
        assert probe.role == "probe"
        assert probe.defect_kind == "tenant"
        assert oracle.differences(cardda, probe) == {"tenant"}
    assert foreign.operation == unknown.operation
    assert (foreign.path, foreign.body) == (unknown.path, unknown.body)


def test_read_only_paired_tenants_drop_writing_operations(cardda, oracle):
    @settings(max_examples=30, deadline=None, database=None)
    @given(
        paired_tenants(cardda, SCOPED, allow_writes=False, fixture="foreign_company_id")
    )
    def check(scenario):
        oracle.check_common(cardda, scenario)
        assert not any(p.writes for p in scenario)
        assert scenario[0].operation in ("listRecipients", "getRecipient")

    check()


def test_paired_tenants_without_the_value_is_not_run(cardda):
    with pytest.raises(NothingToProbe, match="'absent_company'"):
        paired_tenants(cardda, SCOPED, fixture="absent_company")


@pytest.mark.parametrize("family", [unknown_tenants, paired_tenants])
def test_tenant_values_only_on_tenant_scoped_operations(cardda, family):
    params = {"fixture": "foreign_company_id"} if family is paired_tenants else {}
    with pytest.raises(ValueError, match=r"'listCompanies'.*company-id"):
        family(cardda, ["listCompanies"], **params)


def test_tenant_families_need_a_tenant_header(synthetic):
    with pytest.raises(ValueError, match="no tenant header"):
        unknown_tenants(synthetic, ["getThing"])
