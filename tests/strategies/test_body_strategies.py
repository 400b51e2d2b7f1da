"""Body families: malformed bytes are never a JSON object; invalid bodies break one
property in one way and keep the rest of the valid example."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from strategies import BODY_DEFECTS, MALFORMED_KINDS, invalid_bodies, malformed_bodies

SETTINGS = settings(max_examples=60, deadline=None, database=None)
BODY_OPS = ["createRecipient", "updateRecipient", "createTransaction"]
BOM = b"\xef\xbb\xbf"
KEYWORDS = {
    "enum",
    "const",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
}


def _is_object(oracle, raw):
    """Whether some reading of ``raw`` (strict, or BOM ignored) is a JSON object."""
    for candidate in {raw, raw.removeprefix(BOM)}:
        try:
            if isinstance(oracle.strict_json(candidate), dict):
                return True
        except RecursionError:
            # Too deep for Python's parser: only a nested array gets here.
            assert candidate.lstrip().startswith(b"[")
        except ValueError:
            pass
    return False


@SETTINGS
@given(data=st.data())
def test_malformed_bodies_are_never_a_json_object(cardda, oracle, data):
    (probe,) = data.draw(malformed_bodies(cardda, BODY_OPS))
    oracle.check_common(cardda, (probe,))
    assert not _is_object(oracle, probe.body)
    assert probe.header("Content-Type") == "application/json"
    assert oracle.differences(cardda, probe) == {"body"}
    assert (probe.defect_kind, probe.writes) == ("body", False)
    if probe.body.startswith(BOM):
        # Whichever way the BOM is read, the document is no object: 400 both ways.
        rest = probe.body.removeprefix(BOM)
        assert not isinstance(oracle.strict_json(rest), dict)


def test_malformed_bodies_show_every_kind_early(cardda):
    """The kind is drawn first: 200 examples meet all of them."""
    seen = set()

    @settings(max_examples=200, deadline=None, database=None, derandomize=True)
    @given(malformed_bodies(cardda, BODY_OPS))
    def collect(scenario):
        seen.add(scenario[0].defect.split(":")[0])

    collect()
    assert seen == set(MALFORMED_KINDS)


def test_malformed_bodies_need_a_body(cardda):
    with pytest.raises(ValueError, match=r"'getRecipient'.*no JSON body"):
        malformed_bodies(cardda, ["createRecipient", "getRecipient"])


def _broken_properties(ctx, probe):
    """Properties that fail their subschema, or are required and absent."""
    schema = ctx.operation(probe.operation).body_schema
    body = json.loads(probe.body)
    assert isinstance(body, dict)
    broken = {
        name
        for name, sub in schema.get("properties", {}).items()
        if name in body and not Draft202012Validator(sub).is_valid(body[name])
    }
    return broken | {name for name in schema.get("required", []) if name not in body}


def _json_type(value):
    if isinstance(value, bool):  # before int: JSON has no boolean integers
        return "boolean"
    for name, kind in (("integer", int), ("number", float), ("string", str)):
        if isinstance(value, kind):
            return name
    return {type(None): "null", list: "array", dict: "object"}[type(value)]


def _check_invalid(ctx, oracle, probe):
    oracle.check_common(ctx, (probe,))
    assert _broken_properties(ctx, probe) == {probe.field}
    assert oracle.same_body_but(ctx, probe, probe.field)
    assert oracle.differences(ctx, probe) == {"body"}
    assert probe.writes is False
    schema = ctx.operation(probe.operation).body_schema
    sub = schema.get("properties", {}).get(probe.field, {})
    body = json.loads(probe.body)
    if probe.defect_kind == "missing":
        assert probe.field not in body
        assert probe.field in schema["required"]
        return None
    value = body[probe.field]
    types = (
        {sub["type"]} if isinstance(sub.get("type"), str) else set(sub.get("type", []))
    )
    allowed = types | ({"integer"} if "number" in types else set())
    if probe.defect_kind == "wrong-type":
        assert _json_type(value) not in allowed
        assert not Draft202012Validator({"type": sub["type"]}).is_valid(value)
        return None
    assert probe.defect_kind == "invalid"
    assert not types or _json_type(value) in allowed
    keyword = re.search(r" violates (\w+) ", probe.defect).group(1)
    assert keyword in sub
    assert keyword in KEYWORDS
    rest = {k: v for k, v in sub.items() if k != keyword}
    assert Draft202012Validator(rest).is_valid(value), "only the keyword breaks"
    return keyword


@SETTINGS
@given(data=st.data())
def test_invalid_bodies_break_exactly_one_property(cardda, oracle, data):
    (probe,) = data.draw(invalid_bodies(cardda, BODY_OPS, defects=list(BODY_DEFECTS)))
    _check_invalid(cardda, oracle, probe)


@SETTINGS
@given(data=st.data())
def test_invalid_bodies_on_every_keyword_shape(synthetic, oracle, data):
    (probe,) = data.draw(invalid_bodies(synthetic, ["kitchenSink", "sendCard"]))
    _check_invalid(synthetic, oracle, probe)


def test_invalid_bodies_reach_every_keyword(synthetic, oracle):
    seen = set()

    @settings(max_examples=150, deadline=None, database=None, derandomize=True)
    @given(invalid_bodies(synthetic, ["kitchenSink"], defects=["invalid"]))
    def collect(scenario):
        seen.add(_check_invalid(synthetic, oracle, scenario[0]))

    collect()
    assert seen == KEYWORDS


@settings(max_examples=20, deadline=None, database=None)
@given(data=st.data())
def test_min_items_is_broken_by_an_empty_array(synthetic, oracle, data):
    (probe,) = data.draw(
        invalid_bodies(
            synthetic, ["sendCard"], defects=["invalid"], fields=["mergeTags"]
        )
    )
    _check_invalid(synthetic, oracle, probe)
    assert json.loads(probe.body)["mergeTags"] == []


@settings(max_examples=30, deadline=None, database=None)
@given(data=st.data())
def test_fields_restrict_the_broken_property(synthetic, oracle, data):
    (probe,) = data.draw(
        invalid_bodies(
            synthetic, ["sendCard", "getCardUrl"], fields=["card", "emailAccount"]
        )
    )
    _check_invalid(synthetic, oracle, probe)
    assert probe.field in ("card", "emailAccount")


@settings(max_examples=40, deadline=None, database=None)
@given(data=st.data())
def test_booleans_are_a_wrong_type_for_integers(synthetic, oracle, data):
    (probe,) = data.draw(
        invalid_bodies(
            synthetic, ["kitchenSink"], defects=["wrong-type"], fields=["flag"]
        )
    )
    _check_invalid(synthetic, oracle, probe)
    assert not isinstance(json.loads(probe.body)["flag"], bool)


def test_combinations_that_cannot_exist_are_skipped(cardda):
    """updateRecipient has no required field: no 'missing' probe on it."""

    @settings(max_examples=30, deadline=None, database=None)
    @given(
        invalid_bodies(
            cardda, ["updateRecipient", "createTransaction"], defects=["missing"]
        )
    )
    def check(scenario):
        assert scenario[0].operation == "createTransaction"

    check()


@pytest.mark.parametrize(
    ("operations", "params", "words"),
    [
        (BODY_OPS, {"defects": ["missing", "typo"]}, ["defects='typo'"]),
        (BODY_OPS, {"defects": "missing"}, ["defects='missing'"]),
        (BODY_OPS, {"fields": ["rutt"]}, ["'rutt'", "did you mean 'rut'"]),
        (["updateRecipient"], {"defects": ["missing"]}, ["defects=['missing']"]),
        (["getRecipient"], {}, ["'getRecipient'", "no JSON object body"]),
    ],
)
def test_invalid_bodies_reject_bad_arguments(cardda, operations, params, words):
    with pytest.raises(ValueError, match=re.escape(words[0])) as info:
        invalid_bodies(cardda, operations, **params)
    assert all(w in str(info.value) for w in words), str(info.value)
