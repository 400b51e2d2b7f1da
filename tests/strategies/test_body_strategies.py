"""Body families: malformed bytes are never a JSON object; invalid bodies break one
property in one way (or, for ``several``, two or three at once), as Schemathesis'
coverage phase says, and keep the rest of the valid example."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from errcontract.strategies import (
    BODY_DEFECTS,
    MALFORMED_KINDS,
    NothingToProbe,
    invalid_bodies,
    malformed_bodies,
)
from errcontract.strategies._internal.bodies import NOT_OBJECT
from errcontract.strategies._internal.broken import broken_fields
from errcontract.strategies._internal.invalid import SEVERAL
from errcontract.strategies._internal.lenient import BUILT, LENIENT, built
from errcontract.strategies._internal.openapi import body_defects, fuzzed_body_defects

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


@pytest.fixture(autouse=True, scope="module")
def _coverage_cases(cardda, synthetic):
    """Schemathesis' coverage phase runs Hypothesis itself, so it must not first run
    inside a test's @given (a nested @given): compute the cases up front, as the
    suite does when it builds a family outside its Hypothesis tests."""
    for ctx, ops in ((cardda, BODY_OPS), (synthetic, ["kitchenSink", "sendCard"])):
        for op in ops:
            assert body_defects(ctx.operation(op))
    body_defects(synthetic.operation("getCardUrl"))


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
    kind = probe.defect.split(":")[0]
    expected = "not-object" if kind in NOT_OBJECT else "body"
    assert (probe.defect_kind, probe.writes) == (expected, False)
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
    """Properties that fail their subschema, or are required and absent (the oracle:
    it reads the schema, not the strategy's or Schemathesis' metadata)."""
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


def _allowed(sub):
    types = (
        {sub["type"]} if isinstance(sub.get("type"), str) else set(sub.get("type", []))
    )
    return types, types | ({"integer"} if "number" in types else set())


def _check_field(schema, body, name, text):
    """One broken field, judged from the schema and the defect text alone."""
    sub = schema.get("properties", {}).get(name, {})
    if text.startswith(f"field {name!r} missing"):
        assert name not in body
        assert name in schema["required"], "only required fields go missing"
        return "required"
    value = body[name]
    types, allowed = _allowed(sub)
    if " violates " not in text:
        assert _json_type(value) not in allowed
        assert not Draft202012Validator({"type": sub["type"]}).is_valid(value)
        return "type"
    assert not types or _json_type(value) in allowed
    keyword = re.search(r" violates (\w+) ", text).group(1)
    assert keyword in sub
    assert keyword in KEYWORDS
    rest = {k: v for k, v in sub.items() if k != keyword}
    assert Draft202012Validator(rest).is_valid(value), "only the keyword breaks"
    assert not Draft202012Validator(sub).is_valid(value)
    return keyword


def _check_invalid(ctx, oracle, probe):
    """The round trip: the body breaks the schema exactly at the fields the probe
    names, nowhere else, and each the way its defect text says."""
    oracle.check_common(ctx, (probe,))
    named = probe.fields or (probe.field,)
    assert probe.field == named[0]
    assert _broken_properties(ctx, probe) == set(named)
    assert oracle.differences(ctx, probe) == {"body"}
    assert probe.writes is False
    schema = ctx.operation(probe.operation).body_schema
    body = json.loads(probe.body)
    free = set(named) | oracle.unique_fields(ctx, probe.operation)
    valid = ctx.valid_body(probe.operation, 0)
    assert {k: v for k, v in body.items() if k not in free} == {
        k: v for k, v in valid.items() if k not in free
    }
    if probe.fields:
        assert 2 <= len(probe.fields) <= 3
        texts = probe.defect.split(": ", 1)[1].split("; ")
        assert len(texts) == len(probe.fields)
        keywords = [
            _check_field(schema, body, n, t)
            for n, t in zip(probe.fields, texts, strict=True)
        ]
        kind = "wrong-type" if "type" in keywords else "invalid"
        assert probe.defect_kind in (kind, "missing" if kind == "invalid" else kind)
        return None
    keyword = _check_field(schema, body, probe.field, probe.defect)
    expected = {"required": "missing", "type": "wrong-type"}.get(keyword, "invalid")
    assert probe.defect_kind == expected
    return keyword


ALL_KINDS = [*BODY_DEFECTS, SEVERAL]


@SETTINGS
@given(data=st.data())
def test_invalid_bodies_break_exactly_what_they_name(cardda, oracle, data):
    (probe,) = data.draw(invalid_bodies(cardda, BODY_OPS, kinds=ALL_KINDS))
    _check_invalid(cardda, oracle, probe)


@SETTINGS
@given(data=st.data())
def test_invalid_bodies_on_every_keyword_shape(synthetic, oracle, data):
    strategy = invalid_bodies(synthetic, ["kitchenSink", "sendCard"], kinds=ALL_KINDS)
    (probe,) = data.draw(strategy)
    _check_invalid(synthetic, oracle, probe)


@pytest.mark.parametrize(
    ("context", "op_id"),
    [
        ("cardda", "createRecipient"),
        ("cardda", "updateRecipient"),
        ("cardda", "createTransaction"),
        ("synthetic", "kitchenSink"),
        ("synthetic", "sendCard"),
    ],
)
def test_schemathesis_metadata_names_what_its_value_breaks(request, context, op_id):
    """Every case taken from Schemathesis: the value breaks the keyword its metadata
    names at the field it names, and a missing field is a required one."""
    ctx = request.getfixturevalue(context)
    op = ctx.operation(op_id)
    defects = body_defects(op)
    assert defects
    schema = op.body_schema
    for defect in defects:
        sub = schema["properties"].get(defect.field, {})
        if defect.keyword == "required":
            assert defect.kind == "missing"
            assert defect.field in schema["required"]
            continue
        errors = list(Draft202012Validator(sub).iter_errors(defect.value))
        assert errors, defect
        assert defect.keyword in {e.validator for e in errors}, (defect, errors)


def test_schemathesis_is_asked_once_per_operation(cardda):
    """The coverage cases are cached: a second family call does not recompute them."""
    op = cardda.operation("createRecipient")
    assert body_defects(op) is body_defects(op)


def test_invalid_bodies_reach_every_keyword(synthetic, oracle):
    seen = set()

    @settings(max_examples=150, deadline=None, database=None, derandomize=True)
    @given(invalid_bodies(synthetic, ["kitchenSink"], kinds=["invalid"]))
    def collect(scenario):
        seen.add(_check_invalid(synthetic, oracle, scenario[0]))

    collect()
    assert seen == KEYWORDS


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_one_kind_draws_only_that_kind_from_a_fixed_list(
    cardda, synthetic, oracle, kind
):
    """Restricted to one kind, the simplest example is the same on every call and
    every example has that kind (what the coverage phase relies on); a lenient kind
    is answered as the wrong type it is."""
    ctx, op = (
        (synthetic, "kitchenSink") if kind in LENIENT else (cardda, "createRecipient")
    )

    def first():
        (probe,) = find(invalid_bodies(ctx, [op], kinds=[kind]), lambda s: True)
        return probe

    a, b = first(), first()
    assert (a.defect, a.field, a.fields) == (b.defect, b.field, b.fields)
    assert json.loads(a.body).keys() == json.loads(b.body).keys()

    @settings(max_examples=25, deadline=None, database=None)
    @given(invalid_bodies(ctx, [op], kinds=[kind]))
    def each(scenario):
        probe = scenario[0]
        _check_invalid(ctx, oracle, probe)
        assert bool(probe.fields) == (kind == SEVERAL)
        if kind in LENIENT:
            assert probe.defect_kind == "wrong-type"
            assert probe.defect.split(" (", 2)[1] == f"{kind})"
        elif kind != SEVERAL:
            assert probe.defect_kind == kind

    each()


def test_missing_fields_are_exactly_the_required_ones(cardda):
    """Only what `required` lists goes missing: all of it, and nothing else."""
    seen = set()

    @settings(max_examples=60, deadline=None, database=None, derandomize=True)
    @given(invalid_bodies(cardda, ["createRecipient"], kinds=["missing"]))
    def collect(scenario):
        seen.add(scenario[0].field)

    collect()
    required = cardda.operation("createRecipient").body_schema["required"]
    assert seen == set(required)


@settings(max_examples=40, deadline=None, database=None)
@given(data=st.data())
def test_several_fields_are_broken_at_once_on_request(cardda, oracle, data):
    (probe,) = data.draw(invalid_bodies(cardda, BODY_OPS, kinds=[SEVERAL]))
    _check_invalid(cardda, oracle, probe)
    assert 2 <= len(probe.fields) <= 3
    assert len(set(probe.fields)) == len(probe.fields)
    assert probe.defect.startswith(f"{len(probe.fields)} fields broken at once: ")


def test_several_is_not_a_default_kind(cardda):
    """The multi-defect exception is opt-in: by default each probe breaks one field."""
    assert SEVERAL not in BODY_DEFECTS

    @settings(max_examples=60, deadline=None, database=None)
    @given(invalid_bodies(cardda, BODY_OPS))
    def check(scenario):
        assert scenario[0].fields == ()

    check()


@settings(max_examples=20, deadline=None, database=None)
@given(data=st.data())
def test_min_items_is_broken_by_an_empty_array(synthetic, oracle, data):
    (probe,) = data.draw(
        invalid_bodies(synthetic, ["sendCard"], kinds=["invalid"], fields=["mergeTags"])
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
        invalid_bodies(synthetic, ["kitchenSink"], kinds=["wrong-type"], fields=["qty"])
    )
    _check_invalid(synthetic, oracle, probe)
    assert probe.defect_kind == "wrong-type"


def test_booleans_are_among_the_wrong_types_for_an_integer(synthetic):
    values = [
        d.value
        for d in body_defects(synthetic.operation("kitchenSink"))
        if d.field == "qty" and d.kind == "wrong-type"
    ]
    assert any(isinstance(v, bool) for v in values), values


def test_combinations_that_cannot_exist_are_skipped(cardda):
    """Neither updateRecipient nor createTransaction lists a required field: no
    'missing' probe on them (createRecipient has some)."""
    with pytest.raises(NothingToProbe, match="nothing to break"):
        invalid_bodies(
            cardda, ["updateRecipient", "createTransaction"], kinds=["missing"]
        )

    @settings(max_examples=30, deadline=None, database=None)
    @given(invalid_bodies(cardda, BODY_OPS, kinds=["missing"]))
    def check(scenario):
        assert scenario[0].operation == "createRecipient"

    check()


@pytest.mark.parametrize(
    ("operations", "params", "words"),
    [
        (BODY_OPS, {"kinds": ["missing", "typo"]}, ["kinds='typo'"]),
        (BODY_OPS, {"kinds": "missing"}, ["kinds='missing'"]),
        (BODY_OPS, {"fields": ["rutt"]}, ["'rutt'", "did you mean 'rut'"]),
        (["getRecipient"], {}, ["'getRecipient'", "no JSON object body"]),
    ],
)
def test_invalid_bodies_reject_bad_arguments(cardda, operations, params, words):
    with pytest.raises(ValueError, match=re.escape(words[0])) as info:
        invalid_bodies(cardda, operations, **params)
    assert all(w in str(info.value) for w in words), str(info.value)


@pytest.mark.parametrize(
    ("operations", "params", "words"),
    [
        (["updateRecipient"], {"kinds": ["missing"]}, ["updateRecipient", "missing"]),
        (
            ["createRecipient"],
            {"kinds": [SEVERAL], "fields": ["rut"]},
            ["createRecipient", "several", "among rut"],
        ),
    ],
)
def test_invalid_bodies_with_nothing_to_break_are_not_probed(
    cardda, operations, params, words
):
    """The document's schema, not the call, leaves nothing: the operation is skipped
    with the reason (never an internal error)."""
    with pytest.raises(NothingToProbe, match="nothing to break") as info:
        invalid_bodies(cardda, operations, **params)
    assert all(w in str(info.value) for w in words), str(info.value)


def test_null_is_never_a_wrong_type_for_an_optional_field(cardda, synthetic):
    """Schemathesis offers null as a wrong type for every non-nullable field; the suite
    sends it only where the field is required (null may mean "no value" otherwise)."""
    cases = [
        (cardda, "createTransaction", "description"),
        (synthetic, "sendCard", "emailAccount"),
    ]
    for ctx, op_id, name in cases:
        offered = [
            d
            for d in body_defects(ctx.operation(op_id))
            if d.field == name and d.kind == "wrong-type"
        ]
        assert any(d.value is None for d in offered), "Schemathesis offers null"

    @settings(max_examples=80, deadline=None, database=None)
    @given(
        invalid_bodies(cardda, BODY_OPS, kinds=["wrong-type", SEVERAL]),
        invalid_bodies(synthetic, ["sendCard"], kinds=["wrong-type"]),
    )
    def check(a, b):
        for (probe,), ctx in ((a, cardda), (b, synthetic)):
            body = json.loads(probe.body)
            required = ctx.operation(probe.operation).body_schema.get("required", [])
            for name in probe.fields or (probe.field,):
                assert body.get(name, 0) is not None or name in required, probe.defect

    check()

    @settings(max_examples=60, deadline=None, database=None, derandomize=True)
    @given(
        invalid_bodies(synthetic, ["sendCard"], kinds=["wrong-type"], fields=["card"])
    )
    def required_null(scenario):
        seen.add(json.loads(scenario[0].body)["card"] is None)

    seen: set[bool] = set()
    required_null()
    assert True in seen, "a required field still gets null as a wrong type"


def test_negative_fuzzing_adds_one_field_defects_past_the_coverage_cases(cardda):
    """Schemathesis' negative fuzzing gives more broken values (a fixed pool, drawn
    once outside any test); each breaks exactly one keyword of one top-level field,
    and none is the first example of a kind (the coverage phase's stays fixed)."""
    op = cardda.operation("createTransaction")
    fuzzed = fuzzed_body_defects(op)
    assert fuzzed
    properties = op.body_schema["properties"]
    for defect in fuzzed:
        assert defect.scenario == "negative fuzzing"
        errors = list(
            Draft202012Validator(properties[defect.field]).iter_errors(defect.value)
        )
        assert {e.validator for e in errors} == {defect.keyword}
        assert all(not e.absolute_path for e in errors)
    seen = set()

    @settings(max_examples=80, deadline=None, database=None, derandomize=True)
    @given(
        invalid_bodies(cardda, ["createTransaction"], kinds=["invalid", "wrong-type"])
    )
    def collect(scenario):
        seen.add("negative fuzzing" in scenario[0].defect)

    collect()
    assert seen == {True, False}
    (first,) = find(
        invalid_bodies(cardda, ["createTransaction"], kinds=["invalid"]), lambda s: True
    )
    assert "negative fuzzing" not in first.defect


def test_no_pool_is_drawn_inside_a_running_test(cardda):
    """Inside a Hypothesis test a family keeps to the coverage cases (Schemathesis
    would otherwise run Hypothesis nested in it)."""
    from hypothesis import currently_in_test_context

    from errcontract.strategies._internal import openapi

    op = cardda.operation("updateRecipient")
    key = (id(op.document), op.id)
    saved = openapi._fuzzed.pop(key, None)
    drawn: list[tuple[object, ...]] = []

    @settings(max_examples=1, database=None)
    @given(st.just(None))
    def inside(_):
        assert currently_in_test_context()
        drawn.append(fuzzed_body_defects(op))

    try:
        inside()
        assert drawn == [()]
        assert key not in openapi._fuzzed, "an empty pool was cached for later"
        assert fuzzed_body_defects(op), "outside a test the pool is drawn"
    finally:
        if saved is not None:
            openapi._fuzzed[key] = saved


def test_fuzzed_values_keep_odd_characters_to_the_robustness_probes():
    """A C1 control or astral character in a validation probe would let a 500 on odd
    characters fail the 422 clause too; the pool keeps plain values only."""
    from errcontract.strategies._internal.openapi import _plain

    assert _plain({"a": ["plain", "caf\u00e9", "\u05d0"], "n": 1})
    for odd in ("_\u0091", "\u200b", "\U0001f600", "\ue000", "x\ud800"):
        assert not _plain(odd), repr(odd)
        assert not _plain({"k": [odd]}), repr(odd)
        assert not _plain({odd: 1}), repr(odd)


_POOL_DIGEST = """
import hashlib, json
from errcontract._contract.profile import load_profile
from errcontract.strategies._internal.openapi import fuzzed_body_defects
profile = load_profile("cardda")
pool = [
    (d.operation, d.field, d.keyword, json.dumps(d.value, default=repr))
    for op in sorted(profile.operations)
    if profile.operations[op].body_schema
    for d in fuzzed_body_defects(profile.operations[op])
]
assert pool
print(hashlib.sha256(json.dumps(pool).encode()).hexdigest())
"""


def test_the_pool_does_not_depend_on_the_hash_seed():
    """tox randomizes PYTHONHASHSEED: the same probes must be sent whatever it is."""
    import os
    import subprocess
    import sys

    digests = set()
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _POOL_DIGEST],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1, digests


def test_unsupported_media_types_label_the_valid_json_body_otherwise(cardda):
    """The bytes stay the valid JSON body; only the label is one the operation does
    not take, so a server that ignores Content-Type and parses anyway is caught."""
    from errcontract.strategies import MEDIA_TYPES, unsupported_media_types

    seen: set[str] = set()

    @settings(max_examples=40, deadline=None, database=None)
    @given(unsupported_media_types(cardda, BODY_OPS))
    def check(scenario):
        (probe,) = scenario
        labels = [v for k, v in probe.headers if k.lower() == "content-type"]
        assert len(labels) == 1
        assert labels[0] in MEDIA_TYPES.values()
        assert labels[0] != "application/json"
        assert isinstance(json.loads(probe.body), dict)
        assert probe.defect_kind == "body"
        assert not probe.writes
        seen.add(labels[0])

    check()
    assert len(seen) >= 2
    (first,) = find(
        unsupported_media_types(cardda, ["createRecipient"], kinds=["xml"]),
        lambda s: True,
    )
    assert ("Content-Type", "application/xml") in first.headers
    with pytest.raises(ValueError, match="take no JSON body"):
        unsupported_media_types(cardda, ["listBankAccounts"])


# -- lenient-parser kinds -------------------------------------------------------------
def _lenient_shape(kind, sub, value):
    """Whether ``value`` is what a lenient parser turns into a value ``sub`` accepts."""
    valid = Draft202012Validator(sub).is_valid
    if kind in ("numeric-string", "boolean-string"):
        return isinstance(value, str) and valid(json.loads(value))
    if kind == "object-for-array":
        return isinstance(value, dict) and "array" in sub["type"]
    if kind == "zero-for-boolean":  # read as false by bool(0) and lax parsers
        return type(value) is int and value == 0 and valid(False)
    return isinstance(value, list) and len(value) == 1 and valid(value[0])


@pytest.mark.parametrize("kind", LENIENT)
def test_each_lenient_kind_breaks_one_field_with_a_coercible_value(
    synthetic, oracle, kind
):
    """Drawn: exactly one field broken, its value failing the field's schema (a wrong
    type), in the shape the kind names, which coerced would be valid."""
    schema = synthetic.operation("kitchenSink").body_schema
    fields = set()

    @settings(max_examples=30, deadline=None, database=None, derandomize=True)
    @given(invalid_bodies(synthetic, ["kitchenSink"], kinds=[kind]))
    def each(scenario):
        (probe,) = scenario
        _check_invalid(synthetic, oracle, probe)
        assert probe.defect_kind == "wrong-type"
        sub = schema["properties"][probe.field]
        value = json.loads(probe.body)[probe.field]
        assert not Draft202012Validator(sub).is_valid(value), probe.defect
        if kind != "object-for-array":  # Schemathesis' {}: only the shape is named
            assert _lenient_shape(kind, sub, value), probe.defect
        else:
            assert isinstance(value, dict), probe.defect
        fields.add(probe.field)

    each()
    expected = {
        "numeric-string": {"qty", "ratio"},
        "boolean-string": {"flag"},
        "object-for-array": {"tags"},
        "zero-for-boolean": {"flag"},
    }
    assert fields <= expected.get(kind, set(schema["properties"]) - {"tags", "meta"})
    assert fields


def test_a_digit_string_is_built_for_an_integer_and_never_an_integral_float(synthetic):
    """2020-12: 1.0 is an integer (a zero fractional part), so it is no defect; a digit
    string is one, and Schemathesis' cases for an integer have none."""
    assert Draft202012Validator({"type": "integer"}).is_valid(1.0)
    integer = {"type": "integer", "minimum": 1, "maximum": 5}
    schema = {"type": "object", "properties": {"p": integer}}
    made = {d.named: d.value for d in built("op", schema, {"p": 3.0}, [], LENIENT)}
    assert made == {"numeric-string": "3", "one-item-array": [3.0]}
    # A field the example leaves out gets a value its own schema accepts.
    made = {d.named: d.value for d in built("op", schema, {}, [], LENIENT)}
    assert made == {"numeric-string": "1", "one-item-array": [1]}
    offered = [
        d.value
        for d in body_defects(synthetic.operation("kitchenSink"))
        if d.field == "qty"
    ]
    assert not any(isinstance(v, str) and v.isdigit() for v in offered), offered

    @settings(max_examples=60, deadline=None, database=None)
    @given(invalid_bodies(synthetic, ["kitchenSink"], fields=["qty"]))
    def no_integral_float(scenario):
        value = json.loads(scenario[0].body).get("qty")
        assert not (isinstance(value, float) and value.is_integer()), value

    no_integral_float()


def test_schemathesis_object_for_an_array_is_named_not_copied(synthetic):
    """Schemathesis already sends {} for an array: that case becomes the
    object-for-array kind, and wrong-type no longer draws it."""
    offered = [
        d
        for d in body_defects(synthetic.operation("kitchenSink"))
        if d.field == "tags" and isinstance(d.value, dict)
    ]
    assert [d.value for d in offered] == [{}]
    seen = set()

    @settings(max_examples=60, deadline=None, database=None, derandomize=True)
    @given(
        invalid_bodies(
            synthetic, ["kitchenSink"], kinds=["wrong-type"], fields=["tags"]
        ),
        invalid_bodies(synthetic, ["kitchenSink"], kinds=["object-for-array"]),
    )
    def check(wrong, named):
        assert not isinstance(json.loads(wrong[0].body)["tags"], dict)
        seen.add((named[0].body, named[0].defect))

    check()
    ((body, defect),) = seen
    assert json.loads(body)["tags"] == {}
    assert defect.endswith("(Schemathesis: incorrect_type)")
    assert BUILT not in defect


def test_schemathesis_zero_for_a_boolean_is_named_not_copied(synthetic):
    """Schemathesis' coverage phase sends 0 where a body field is a boolean (its
    ``type`` case, from ``st.integers()``): that case becomes the zero-for-boolean
    kind, answered as the wrong type it is, and wrong-type no longer draws it."""
    offered = [
        d.value
        for d in body_defects(synthetic.operation("kitchenSink"))
        if d.field == "flag" and type(d.value) is int
    ]
    assert offered == [0]
    seen = set()

    @settings(max_examples=60, deadline=None, database=None, derandomize=True)
    @given(
        invalid_bodies(
            synthetic, ["kitchenSink"], kinds=["wrong-type"], fields=["flag"]
        ),
        invalid_bodies(synthetic, ["kitchenSink"], kinds=["zero-for-boolean"]),
    )
    def check(wrong, named):
        flag = json.loads(wrong[0].body)["flag"]
        assert not (type(flag) is int and flag == 0), flag
        assert named[0].defect_kind == "wrong-type"
        seen.add((named[0].body, named[0].defect))

    check()
    ((body, defect),) = seen
    assert json.loads(body)["flag"] == 0
    assert defect.endswith("(zero-for-boolean) (Schemathesis: incorrect_type)")


_SHARED_BODY_DOC = {
    "openapi": "3.1.0",
    "info": {"title": "shared bodies", "version": "1"},
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "size": {"type": "integer", "minimum": 1},
                },
            }
        }
    },
    "paths": {
        "/things": {
            "post": {
                "operationId": "createThing",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/Thing"}
                        }
                    }
                },
                "responses": {"201": {"description": "made"}},
            }
        },
        "/things/{id}": {
            "parameters": [
                {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                }
            ],
            "put": {
                "operationId": "replaceThing",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/Thing"}
                        }
                    }
                },
                "responses": {"200": {"description": "replaced"}},
            },
            "patch": {
                "operationId": "renameThing",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "name": {"type": "string", "maxLength": 5}
                                },
                            }
                        }
                    }
                },
                "responses": {"200": {"description": "renamed"}},
            },
        },
    },
}


def test_operations_with_one_body_ask_schemathesis_once(monkeypatch):
    """Two operations declaring the same body get the same cases, each named after
    its own operation, from one question to Schemathesis; another body asks again."""
    import copy

    from errcontract._contract.surface import parse_operations
    from errcontract.strategies._internal import openapi

    def ops():
        document = copy.deepcopy(_SHARED_BODY_DOC)
        return dict(parse_operations(document))

    alone = {name: body_defects(op) for name, op in ops().items()}
    asked = []
    real = openapi._negative_coverage
    monkeypatch.setattr(
        openapi,
        "_negative_coverage",
        lambda schema, op: asked.append(op.id) or real(schema, op),
    )
    shared = ops()
    create = body_defects(shared["createThing"])
    replace_ = body_defects(shared["replaceThing"])
    rename = body_defects(shared["renameThing"])
    assert create
    assert replace_
    assert rename
    assert asked == ["createThing", "renameThing"]
    assert {d.operation for d in replace_} == {"replaceThing"}
    strip = [(d.field, d.keyword, d.value, d.scenario) for d in create]
    assert strip == [(d.field, d.keyword, d.value, d.scenario) for d in replace_]
    # What each would have got alone (its own document, asked on its own).
    assert replace_ == alone["replaceThing"]
    assert rename == alone["renameThing"]


def test_the_fields_a_body_breaks_are_remembered_per_schema_object() -> None:
    # broken_fields keeps its answers by schema identity and body: a schema made,
    # used and dropped must never hand its answer to the next one made (CPython
    # reuses a freed object's identity at once), and a value is told apart from
    # one JSON would print alike (1, 1.0, True).
    verdicts = []
    for round_ in range(200):
        wanted = "integer" if round_ % 2 else "string"
        schema = {"type": "object", "properties": {"n": {"type": wanted}}}
        verdicts.append((wanted, broken_fields(schema, {"n": 1})))
        del schema
    assert len(verdicts) == 200
    assert all(
        found == (set() if wanted == "integer" else {"n"}) for wanted, found in verdicts
    )
    number = {"type": "object", "properties": {"n": {"type": "integer"}}}
    assert broken_fields(number, {"n": 1}) == set()
    assert broken_fields(number, {"n": True}) == {"n"}
    assert broken_fields(number, {"n": 1.5}) == {"n"}
    assert broken_fields(number, {"n": 1}) == set()
    assert broken_fields(number, ["n"]) is None
