"""State families repeat one valid request; missing_parameters drops one parameter."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errcontract.strategies import (
    NothingToProbe,
    duplicate_creates,
    missing_parameters,
    repeated_actions,
)

SETTINGS = settings(max_examples=30, deadline=None, database=None)


def test_duplicate_creates_repeat_an_identical_fresh_create(cardda, oracle):
    bodies = []

    @SETTINGS
    @given(duplicate_creates(cardda, ["createRecipient"]))
    def check(scenario):
        oracle.check_common(cardda, scenario)
        setup, probe = scenario
        assert (setup.role, probe.role) == ("setup", "probe")
        assert (setup.defect_kind, probe.defect_kind) == ("", "state")
        assert setup.body == probe.body
        assert (setup.path, setup.headers, setup.credential) == (
            probe.path,
            probe.headers,
            probe.credential,
        )
        assert setup.writes
        assert probe.writes
        for p in scenario:
            assert oracle.differences(cardda, p) == set()
        bodies.append(setup.body)

    check()
    numbers = [json.loads(b)["account_number"] for b in bodies]
    assert len(set(numbers)) == len(numbers), "every scenario creates a new recipient"
    assert all(len(n) == 12 and n.isdigit() for n in numbers)


@SETTINGS
@given(data=st.data())
def test_repeated_actions_repeat_the_action(cardda, oracle, data):
    setup, probe = data.draw(repeated_actions(cardda, ["authorizeTransaction"]))
    oracle.check_common(cardda, (setup, probe))
    assert setup.role == "setup"
    assert probe.role == "probe"
    assert (
        setup.path
        == probe.path
        == (
            f"/v1/banking/bank_transactions/{cardda.values['transaction_id']}/authorize"
        )
    )
    assert probe.defect_kind == "state"
    assert probe.writes


@pytest.mark.parametrize("family", [duplicate_creates, repeated_actions])
def test_state_families_never_run_read_only(cardda, family):
    with pytest.raises(NothingToProbe, match="read-only") as info:
        family(cardda, ["createRecipient", "authorizeTransaction"], allow_writes=False)
    assert "createRecipient" in info.value.reason


@SETTINGS
@given(data=st.data())
def test_missing_parameters_drop_one_required_parameter(synthetic, oracle, data):
    (probe,) = data.draw(
        missing_parameters(synthetic, ["listCards"], params=["workspace"])
    )
    oracle.check_common(synthetic, (probe,))
    assert "workspace" not in dict(probe.query)
    assert oracle.differences(synthetic, probe) == {"query"}
    assert (probe.field, probe.defect_kind, probe.writes) == (
        "workspace",
        "parameter",
        False,
    )


def test_missing_parameters_default_to_every_required_one(synthetic):
    @SETTINGS
    @given(missing_parameters(synthetic, ["listCards", "getConfigByCard"]))
    def check(scenario):
        assert scenario[0].field in {"workspace", "cardId"}
        assert scenario[0].query == ()

    check()


@pytest.mark.parametrize(
    ("params", "words"),
    [
        (["workspaces"], ["'workspaces'", "did you mean 'workspace'"]),
        (["page"], ["'page'", "optional"]),
        ("workspace", ["params='workspace'"]),
    ],
)
def test_missing_parameters_reject_bad_params(synthetic, params, words):
    with pytest.raises(ValueError, match=re.escape(words[0])) as info:
        missing_parameters(synthetic, ["listCards"], params=params)
    assert all(w in str(info.value) for w in words), str(info.value)


def test_invalid_parameters_break_one_query_parameter_at_its_keyword():
    """From Schemathesis' coverage cases: the value breaks exactly the keyword the
    probe names, and nothing else of the valid request changes."""
    from pathlib import Path

    import yaml
    from hypothesis import find, given, settings
    from jsonschema import Draft202012Validator

    from errcontract._contract.surface import ProbeContext, parse_operations
    from errcontract.strategies import PARAMETER_DEFECTS, invalid_parameters

    document = yaml.safe_load(
        (Path(__file__).parents[1] / "apps/widgets/profile/openapi.yaml").read_text()
    )
    ctx = ProbeContext(operations=parse_operations(document), credential="api_key")
    kinds: set[str] = set()

    @settings(max_examples=30, deadline=None, database=None)
    @given(invalid_parameters(ctx, ["listWidgets"]))
    def check(scenario):
        (probe,) = scenario
        assert probe.field == "limit"
        assert probe.defect_kind == "parameter"
        assert not probe.writes
        values = [v for k, v in probe.query if k == "limit"]
        assert len(values) == 1
        keyword = probe.defect.rsplit("breaks ", 1)[1]
        value: object = values[0]
        if keyword != "type":
            value = int(values[0])  # a bound: the value is an integer out of range
        errors = Draft202012Validator({"type": "integer", "minimum": 1, "maximum": 100})
        assert {e.validator for e in errors.iter_errors(value)} == {keyword}
        kinds.add(probe.defect.split(":")[0])

    check()
    assert kinds == set(PARAMETER_DEFECTS)
    (first,) = find(
        invalid_parameters(ctx, ["listWidgets"], kinds=["invalid"]), lambda s: True
    )
    assert first.defect.startswith("invalid:")
    with pytest.raises(ValueError, match="no query parameter"):
        invalid_parameters(ctx, ["createWidget"])
