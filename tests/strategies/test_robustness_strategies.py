"""Robustness probes: one odd value (long, odd characters, odd numbers, deep nesting) in
one string or number field; every other part of the request stays the valid one."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from errcontract._engine.examples import draw_one
from errcontract.strategies import FAMILIES, ROBUSTNESS_KINDS, robustness_probes

SETTINGS = settings(max_examples=80, deadline=None, database=None)
CARDDA_OPS = [
    "createRecipient",
    "updateRecipient",
    "createTransaction",
    "getRecipient",
    "listRecipients",
]
SYNTHETIC_OPS = ["sendCard", "getCardUrl", "listCards", "getConfigByCard", "getThing"]
ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}
BIDI = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u200e", "\u200f"}
BIDI |= {"\u061c", "\u2066", "\u2067", "\u2068", "\u2069"}
NESTING = {"deep-nesting": (1_000, 1_200), "deeper-nesting": (10_000, 10_400)}
"""Levels each nesting kind reaches: at least 1,000 and 10,000 (issue 19)."""


def _path(field: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in field.split("/"))


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    """The node of a JSON value at ``path``."""
    for part in path:
        value = value[part]
    return value


def _changed(a: Any, b: Any) -> set[tuple[Any, ...]]:
    """The shallowest paths at which two JSON values differ."""
    if (
        isinstance(a, dict)
        and isinstance(b, dict)
        and (a.keys() <= b.keys() or b.keys() <= a.keys())
    ):
        out: set[tuple[Any, ...]] = {(k,) for k in a.keys() ^ b.keys()}
        for k in a.keys() & b.keys():
            out |= {(k, *p) for p in _changed(a[k], b[k])}
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return {
            (i, *p)
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for p in _changed(x, y)
        }
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return {()}  # containers that differ in shape: the whole node differs
    same = type(a) is type(b) and a == b
    return set() if same else {()}


def _unique_paths(ctx, op_id: str) -> set[tuple[Any, ...]]:
    """Body paths that take the fresh ``unique`` number (they differ by draw)."""
    return _changed(ctx.valid_body(op_id, 1), ctx.valid_body(op_id, 2))


def _depth(value: Any) -> int:
    """How deep a chain of one-member containers goes (without recursion)."""
    depth = 0
    while isinstance(value, dict | list) and len(value) == 1:
        value = next(iter(value.values())) if isinstance(value, dict) else value[0]
        depth += 1
    return depth


def _is_odd(kind: str, value: Any) -> bool:
    """Whether ``value`` has the robustness defect ``kind`` (restated, not imported)."""
    text = value if isinstance(value, str) else ""
    if kind == "long-string":
        return len(text) >= 2_000
    if kind == "control-characters":
        return any(unicodedata.category(c) == "Cc" for c in text)
    if kind == "zero-width":
        return any(c in ZERO_WIDTH for c in text)
    if kind == "rtl-override":
        return any(c in BIDI for c in text)
    if kind == "astral":
        return any(ord(c) > 0xFFFF for c in text)
    number = value
    if isinstance(value, str):
        try:
            number = json.loads(value)
        except ValueError:
            return False
    if isinstance(number, bool) or not isinstance(number, int | float):
        return False
    if kind == "large-number":
        return number >= 2**63
    if kind == "negative-number":
        return number < 0
    if kind == "fractional-number":
        return isinstance(number, float) and not math.isclose(number % 1, 0)
    if kind == "huge-exponent":  # past a double's range: Python reads it as inf
        return isinstance(number, float) and math.isinf(number)
    if kind == "negative-zero":  # the sign is checked on the text (-0 reads as 0)
        return number == 0
    raise AssertionError(f"not a value kind: {kind}")  # deep nesting is judged apart


def _check_one_defect(ctx, oracle, probe) -> Any:
    """Exactly one field differs from the valid request, with the kind's oddity;
    return the odd value."""
    kind = probe.defect.split(":")[0]
    assert kind in ROBUSTNESS_KINDS
    assert probe.defect_kind == "robustness"
    assert probe.field
    valid = ctx.valid_probe(probe.operation)
    assert probe.credential == valid.credential
    assert probe.method == valid.method
    assert dict(probe.headers) == dict(valid.headers)
    unique = _unique_paths(ctx, probe.operation)
    op = ctx.operation(probe.operation)
    in_path = any(p.name == probe.field for p in op.params("path"))
    in_query = any(p.name == probe.field for p in op.params("query"))
    if probe.body is not None and not (in_path or in_query):
        body = oracle.strict_json(probe.body)
        slot = _path(probe.field)
        changed = _changed(body, ctx.valid_body(probe.operation, 0)) - unique
        # Everything that differs lies at (or under) the one slot named.
        assert all(path[: len(slot)] == slot for path in changed), changed
        assert changed or slot in unique or kind in {"duplicate-keys", "negative-zero"}
        assert probe.path == valid.path
        assert sorted(probe.query) == sorted(valid.query)
        value = _at(body, slot)
        if kind in NESTING:
            levels, objects = oracle.deep_run(probe.body) or (0, False)
            low, high = NESTING[kind]
            assert low <= levels <= high, levels
            assert not (objects and kind == "deeper-nesting"), "arrays: 2 bytes a level"
            assert len(probe.body) <= (3 if kind == "deeper-nesting" else 1) * 8 * 1024
            return value
        if kind == "duplicate-keys":
            # The member twice with the same value; read last-wins it is the valid body.
            assert not changed, changed
            pairs = json.loads(probe.body, object_pairs_hook=lambda p: p)
            node = pairs
            for part in slot[:-1]:
                node = dict(node)[part] if isinstance(part, str) else node[part]
            twice = [v for k, v in node if k == slot[-1]]
            assert len(twice) == 2, node
            assert twice[0] == twice[1]
            return value
        if kind == "negative-zero":
            assert re.search(rb'":-0(\.0|e0)?[,}\]]', probe.body), probe.body
    else:
        assert (probe.body is None) == (valid.body is None)
        if probe.body is not None:
            body = oracle.strict_json(probe.body)
            assert not (_changed(body, ctx.valid_body(probe.operation, 0)) - unique)
        if in_path:
            got, want = probe.path.split("/"), valid.path.split("/")
            assert len(got) == len(want)
            diff = [unquote(g) for g, w in zip(got, want, strict=True) if g != w]
            assert len(diff) == 1, diff
            assert sorted(probe.query) == sorted(valid.query)
            value = diff[0]
        else:
            assert probe.path == valid.path
            query = dict(probe.query)
            assert len(query) == len(probe.query), "no parameter twice"
            others = {k: v for k, v in query.items() if k != probe.field}
            assert others == {k: v for k, v in valid.query if k != probe.field}
            value = query[probe.field]
        if kind == "negative-zero":
            assert str(value).startswith("-0"), value
    assert _is_odd(kind, value), (kind, value)
    return value


def _expected_writes(ctx, oracle, probe) -> bool:
    """Only a valid body whose odd member is plain data (no id) may change state."""
    op = ctx.operation(probe.operation)
    if not op.writes or probe.body is None or probe.path != ctx.valid_probe(op.id).path:
        return False
    if dict(probe.query) != dict(ctx.valid_probe(op.id).query):
        return False
    top = _path(probe.field)[0]
    # A deep value is read cut at a few levels (the schemas are shallow), 1e400 as inf.
    valid = Draft202012Validator(op.body_schema).is_valid(
        oracle.strict_json(probe.body)
    )
    plain = top in oracle.literal_fields(ctx, op.id) or top not in op.body_example
    # An id written twice with its own value still names what it names.
    twice = probe.defect.startswith("duplicate-keys:")
    return valid and (plain or twice)


@SETTINGS
@given(data=st.data())
def test_every_cardda_probe_carries_exactly_one_robustness_defect(cardda, oracle, data):
    (probe,) = data.draw(robustness_probes(cardda, CARDDA_OPS))
    oracle.check_common(cardda, (probe,))
    _check_one_defect(cardda, oracle, probe)
    assert probe.writes == _expected_writes(cardda, oracle, probe)


@SETTINGS
@given(data=st.data())
def test_nested_members_absent_members_and_parameters_are_probed(
    synthetic, oracle, data
):
    (probe,) = data.draw(robustness_probes(synthetic, SYNTHETIC_OPS))
    oracle.check_common(synthetic, (probe,))
    _check_one_defect(synthetic, oracle, probe)
    assert probe.writes == _expected_writes(synthetic, oracle, probe)


def test_every_kind_and_every_field_shows_up(cardda, synthetic):
    """Kinds are drawn first; over enough draws every (kind, field) pair is sent,
    nested merge-tag members and the absent emailAccount included."""
    seen: set[tuple[str, str, str]] = set()

    @settings(max_examples=600, deadline=None, database=None, derandomize=True)
    @given(
        st.one_of(
            robustness_probes(cardda, CARDDA_OPS),
            robustness_probes(synthetic, SYNTHETIC_OPS),
        )
    )
    def collect(scenario):
        probe = scenario[0]
        seen.add((probe.operation, probe.defect.split(":")[0], probe.field))

    collect()
    assert {k for _, k, _ in seen} == set(ROBUSTNESS_KINDS)
    fields = {(op, f) for op, _, f in seen}
    for op, field in [
        ("createRecipient", "name"),
        ("createRecipient", "bank_id"),
        ("createTransaction", "amount"),
        ("createTransaction", "description"),
        ("updateRecipient", "metadata"),
        ("getRecipient", "id"),
        ("listRecipients", "_field"),
        ("listRecipients", "_start"),
        ("sendCard", "mergeTags/0/name"),
        ("sendCard", "emailAccount"),
        ("listCards", "workspace"),
        ("getThing", "thingId"),
    ]:
        assert (op, field) in fields, (op, field)
    # Deep nesting goes in bodies only; numbers never go in string-only fields.
    assert ("getRecipient", "deep-nesting", "id") not in seen
    numbers = {"large-number", "negative-number", "fractional-number"}
    assert not any(k in numbers and f in {"name", "_field"} for _, k, f in seen)


@pytest.mark.parametrize("kind", ROBUSTNESS_KINDS)
def test_a_kind_restriction_draws_only_that_kind(cardda, oracle, kind):
    """The coverage protocol: one operation and ``kinds=[kind]`` give only that kind,
    or refuse when it applies nowhere there."""
    for op_id in CARDDA_OPS:
        try:
            strategy = FAMILIES["robustness_probes"](cardda, [op_id], kinds=[kind])
        except ValueError as exc:
            refused = str(exc)
            assert "leave nothing to probe" in refused
            continue

        @settings(max_examples=10, deadline=None, database=None)
        @given(strategy)
        def check(scenario):
            assert scenario[0].operation == op_id  # noqa: B023 (run at once)
            assert scenario[0].defect.startswith(f"{kind}:")
            _check_one_defect(cardda, oracle, scenario[0])

        check()


def test_the_coverage_example_of_long_strings_is_a_long_recipient_name(cardda, oracle):
    """The one example the coverage phase sends for (createRecipient, long-string):
    the first string field, about 10,000 characters, so a name column that breaks at
    256 characters is found in every profile."""
    scenario = draw_one(
        robustness_probes(cardda, ["createRecipient"], kinds=["long-string"]), 7
    )
    assert scenario is not None
    (probe,) = scenario
    assert probe.field == "name"
    name = json.loads(probe.body)["name"]
    assert 10_000 <= len(name) <= 10_240
    assert name.startswith("Conformance Suite Vendor")
    assert probe.writes  # a valid recipient: read-only runs leave it out


def test_the_coverage_example_of_astral_characters_names_a_card(synthetic):
    scenario = draw_one(robustness_probes(synthetic, ["sendCard"], kinds=["astral"]), 7)
    assert scenario is not None
    card = json.loads(scenario[0].body)["card"]
    assert scenario[0].field == "card"
    assert any(ord(c) > 0xFFFF for c in card)
    assert (
        card.replace(re.sub(r"[^\U00010000-\U0010ffff]", "", card), "")
        == (synthetic.values["card_id"])
    )


def test_a_declared_max_length_is_exceeded_by_one_or_more(synthetic, oracle):
    """Where a schema declares maxLength, a long string is past it: the simplest one
    (what the coverage phase sends) far past it, others just past it."""
    seen = []

    @settings(max_examples=60, deadline=None, database=None, derandomize=True)
    @given(robustness_probes(synthetic, ["kitchenSink"], kinds=["long-string"]))
    def check(scenario):
        probe = scenario[0]
        value = _at(json.loads(probe.body), _path(probe.field))
        if probe.field == "nick":  # maxLength 5
            assert len(value) == 10_000 or 6 <= len(value) <= 6 + 240
            seen.append(len(value))
        else:
            assert len(value) >= 10_000

    check()
    assert any(n < 10_000 for n in seen), "just past maxLength is drawn too"

    def nick(scenario):
        return scenario[0].field == "nick"

    simplest = find(
        robustness_probes(synthetic, ["kitchenSink"], kinds=["long-string"]), nick
    )
    value = _at(json.loads(simplest[0].body), _path(simplest[0].field))
    assert len(value) == 10_000, "the coverage phase's example is the very long one"


def test_read_only_runs_leave_out_what_could_change_state(cardda):
    @settings(max_examples=60, deadline=None, database=None)
    @given(robustness_probes(cardda, CARDDA_OPS, allow_writes=False))
    def check(scenario):
        probe = scenario[0]
        assert not probe.writes
        if cardda.operation(probe.operation).writes and probe.body is not None:
            field = probe.field.split("/")[0]
            assert field in {"bank_id", "sender_id", "recipient_id", "id"}

    check()


@pytest.mark.parametrize(
    ("operations", "params", "words"),
    [
        (CARDDA_OPS, {"kinds": ["long-strings"]}, ["'long-strings'", "long-string"]),
        (CARDDA_OPS, {"kinds": "astral"}, ["kinds='astral'"]),
        (["listCompanies"], {}, ["leave nothing to probe", "listCompanies"]),
        (["getRecipient"], {"kinds": ["deep-nesting"]}, ["leave nothing to probe"]),
        (["nosuchOp"], {}, ["'nosuchOp'"]),
    ],
)
def test_bad_arguments_fail_eagerly_naming_them(cardda, operations, params, words):
    with pytest.raises(ValueError, match=re.escape(words[0])) as info:
        robustness_probes(cardda, operations, **params)
    assert all(w in str(info.value) for w in words), str(info.value)


@pytest.mark.parametrize(("kind", "levels"), sorted(NESTING.items()))
def test_the_coverage_example_of_nesting_reaches_the_issue_depth(
    cardda, oracle, kind, levels
):
    """The example the coverage phase sends: at least 1,000 and 10,000 levels (past
    where Python's own parser gives up), arrays around a string field, and bounded
    in bytes (two a level)."""
    scenario = draw_one(robustness_probes(cardda, ["createRecipient"], kinds=[kind]), 7)
    assert scenario is not None
    (probe,) = scenario
    assert probe.field == "name"
    assert oracle.deep_run(probe.body) == (levels[0], False)
    assert len(probe.body) <= 2 * levels[0] + 512
    with pytest.raises(RecursionError):
        json.loads(probe.body)


@pytest.mark.parametrize(
    ("op", "kind", "text"),
    [
        ("createTransaction", "huge-exponent", b'"amount":1e400,'),
        ("createTransaction", "negative-zero", b'"amount":-0,'),
        ("createRecipient", "duplicate-keys", b'"name":"Conformance Suite Vendor",'),
    ],
)
def test_what_no_encoder_writes_goes_as_its_text(cardda, oracle, op, kind, text):
    """1e400, -0 and a member written twice are spliced in as JSON text: a careful
    encoder writes inf as an error, -0 as 0, and a dict holds a key once."""
    scenario = draw_one(robustness_probes(cardda, [op], kinds=[kind]), 7)
    assert scenario is not None
    (probe,) = scenario
    count = 2 if kind == "duplicate-keys" else 1
    assert probe.body.count(text) == count, probe.body
    _check_one_defect(cardda, oracle, probe)


@pytest.mark.parametrize(
    ("kind", "value"), [("huge-exponent", "1e400"), ("negative-zero", "-0")]
)
def test_odd_number_texts_go_in_an_integer_query_parameter(cardda, kind, value):
    scenario = draw_one(robustness_probes(cardda, ["listRecipients"], kinds=[kind]), 7)
    assert scenario is not None
    assert ("_start", value) in scenario[0].query
