"""unknown_resources: ids that fit their schema but name nothing, one slot at a time."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errcontract.strategies import unknown_resources

SETTINGS = settings(max_examples=40, deadline=None, database=None)
CARDDA_OPS = [
    "getRecipient",
    "updateRecipient",
    "deleteRecipient",
    "getTransaction",
    "authorizeTransaction",
]
HEX24 = re.compile("[0-9a-f]{24}")


@SETTINGS
@given(data=st.data())
def test_unknown_path_ids_fit_their_schema(cardda, oracle, data):
    (probe,) = data.draw(unknown_resources(cardda, CARDDA_OPS))
    oracle.check_common(cardda, (probe,))
    assert oracle.differences(cardda, probe) == {"path"}
    (value,) = oracle.path_values_fit(cardda, probe).values()
    assert value not in {str(v) for v in cardda.values.values()}
    assert (probe.defect_kind, probe.field, probe.writes) == ("resource", "id", False)


@SETTINGS
@given(data=st.data())
def test_every_path_parameter_is_replaced(synthetic, oracle, data):
    (probe,) = data.draw(unknown_resources(synthetic, ["getThing", "getOrderLine"]))
    oracle.check_common(synthetic, (probe,))
    found = oracle.path_values_fit(synthetic, probe)
    for value in found.values():
        assert value not in {str(v) for v in synthetic.values.values()}
    if probe.operation == "getThing":
        assert HEX24.fullmatch(found["thingId"])
        assert probe.field == "thingId"
    else:
        assert int(found["orderId"]) >= 1
        assert probe.field is None  # two slots broken, no single field


@SETTINGS
@given(data=st.data())
def test_unknown_body_field_with_foreign_pair(synthetic, oracle, data):
    scenario = data.draw(
        unknown_resources(
            synthetic,
            ["sendCard", "getCardUrl"],
            field="card",
            foreign="foreign_card_id",
        )
    )
    oracle.check_common(synthetic, scenario)
    unknown, foreign = scenario
    for probe in scenario:
        assert probe.field == "card"
        assert probe.defect_kind == "resource"
        assert oracle.differences(synthetic, probe) == set()  # the body still validates
        assert oracle.same_body_but(synthetic, probe, "card")
    card = json.loads(unknown.body)["card"]
    assert HEX24.fullmatch(card)
    assert card not in synthetic.values.values()
    assert json.loads(foreign.body)["card"] == synthetic.values["foreign_card_id"]
    assert unknown.writes is False
    assert foreign.writes == (foreign.operation == "sendCard")


def test_read_only_keeps_the_unknown_half_only_where_foreign_writes(synthetic, oracle):
    @settings(max_examples=30, deadline=None, database=None)
    @given(
        unknown_resources(
            synthetic,
            ["sendCard", "getCardUrl"],
            allow_writes=False,
            field="card",
            foreign="foreign_card_id",
        )
    )
    def check(scenario):
        oracle.check_common(synthetic, scenario)
        assert not any(p.writes for p in scenario)
        assert len(scenario) == (1 if scenario[0].operation == "sendCard" else 2)

    check()


@SETTINGS
@given(data=st.data())
def test_unknown_query_parameter(synthetic, oracle, data):
    scenario = data.draw(
        unknown_resources(
            synthetic, ["getConfigByCard"], field="cardId", foreign="not_a_value"
        )
    )
    assert len(scenario) == 1  # foreign value absent from the run: one probe
    (probe,) = scenario
    oracle.check_common(synthetic, scenario)
    assert oracle.differences(synthetic, probe) == {"query"}
    value = dict(probe.query)["cardId"]
    assert HEX24.fullmatch(value)
    assert value != synthetic.values["card_id"]


@pytest.mark.parametrize(
    ("operations", "params", "words"),
    [
        (["listCompanies"], {}, ["'listCompanies'", "no path parameters"]),
        (["getRecipient"], {"field": "card"}, ["field='card'", "'getRecipient'"]),
        (["getRecipient"], {"field": 7}, ["field=7"]),
        (["getRecipient"], {"foreign": "api_key"}, ["foreign='api_key'", "secret"]),
    ],
)
def test_unknown_resources_reject_bad_arguments(cardda, operations, params, words):
    with pytest.raises(ValueError, match=re.escape(words[0])) as info:
        unknown_resources(cardda, operations, **params)
    assert all(w in str(info.value) for w in words), str(info.value)


def test_foreign_needs_a_single_slot(synthetic):
    with pytest.raises(ValueError, match=r"foreign='foreign_card_id'.*getOrderLine"):
        unknown_resources(synthetic, ["getOrderLine"], foreign="foreign_card_id")
