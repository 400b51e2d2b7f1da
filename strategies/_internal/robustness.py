"""Robustness probes: the valid request with one odd value in one field (of the body,
or a path or query parameter): a very long string, a control, zero-width,
right-to-left or astral character, a very large, negative or fractional number,
``1e400`` or ``-0``, a value nested 1,000 or 10,000 levels deep, a member written twice.

Whether such a value must be refused is the contract's business, and most contracts
say nothing about it; what every contract says is that bad input never gets a 5xx and
no answer leaks internals. So these probes expect no particular answer: the clauses
judging every defective request (``*-5XX-1``, ``*-LEAK-1``) judge them. In particular:

* ``huge-exponent`` (``1e400``) and ``negative-zero`` (``-0``): RFC 8259 section 6 lets
  an implementation limit the range of numbers; refusing them (400/422) or reading
  them as a double or 0 are fine, a 500 because ``inf`` cannot be written back (a
  strict encoder echoing the value, as pydantic's 422 ``input`` does) is not.
* ``deep-nesting`` (1,000 to 1,200 levels) and ``deeper-nesting`` (10,000 to 10,400,
  arrays, ~21 KB): RFC 8259 section 9 lets a parser limit nesting, so 400, 413 or 422
  are fine; a 500 from a parser's or a handler's recursion is not.
* ``duplicate-keys``: RFC 8259 section 4 says names SHOULD be unique and leaves a
  duplicate's meaning to the implementation (last wins, first wins, an error); the
  member is written twice with the same valid value, so any of them is fine.

The last four go as JSON text (``spliced``): a careful encoder cannot write them.
"""

from __future__ import annotations

import copy
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from errcontract._contract.surface import UNIQUE_DIGITS, Operation, ProbeContext
from errcontract._http.probe import json_body
from errcontract.exceptions import BadArgument

from . import spliced
from .common import (
    Scenario,
    choose_many,
    composed,
    operation_ids,
    plan,
    uniques,
    with_header,
)
from .spliced import DEEP, DEEPER, Raw

ROBUSTNESS_KINDS = (
    "long-string",
    "control-characters",
    "zero-width",
    "rtl-override",
    "astral",
    "large-number",
    "negative-number",
    "fractional-number",
    "deep-nesting",
    "huge-exponent",
    "negative-zero",
    "deeper-nesting",
    "duplicate-keys",
)
"""The ``kinds`` of ``robustness_probes``, in the order the simplest example takes."""

STRING_KINDS = frozenset(ROBUSTNESS_KINDS[:5])
NUMBER_KINDS = frozenset({*ROBUSTNESS_KINDS[5:8], "huge-exponent", "negative-zero"})
BODY_KINDS = frozenset({"deep-nesting", "deeper-nesting", "duplicate-keys"})
"""Kinds only a JSON body can carry."""

LONG_BODY = 10_000
"""Characters of a long string where no ``maxLength`` is declared (in a body)."""
LONG_URL = 2_000
"""The same in a path or query parameter: proxies commonly refuse URLs past 8 KiB
before the application sees them, which would probe the proxy, not the API."""

_FILLER = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8)
_INSERTS: Mapping[str, st.SearchStrategy[str]] = {
    "control-characters": st.sampled_from(["\x00", "\x1b", "\x7f", "\x08"])
    | st.characters(categories=["Cc"]),
    "zero-width": st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]),
    "rtl-override": st.sampled_from(["\u202e", "\u2067", "\u200f", "\u061c"]),
    "astral": st.sampled_from(["\U0001f600", "\U0001d54f", "\U00010348"])
    | st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
}
"""Odd characters, one kind each; the first ones listed are the simplest examples."""
_NUMBERS: Mapping[str, st.SearchStrategy[int | float]] = {
    "large-number": st.integers(min_value=2**63, max_value=10**30),
    "negative-number": st.integers(min_value=-(2**53), max_value=-1),
    "fractional-number": st.integers(min_value=0, max_value=10**6).map(
        lambda n: n + 0.5
    ),
}
_MISSING = object()


@dataclass(frozen=True)
class Slot:
    """One place a value goes: a body member (at ``path``), a path or query parameter.

    ``reference`` is set where the valid value is a discovered one (an id): an odd
    value there names nothing that exists, so the probe cannot act on anything.
    """

    location: str
    path: tuple[str | int, ...]
    schema: Mapping[str, Any]
    reference: bool = False

    @property
    def key(self) -> tuple[str, tuple[str | int, ...]]:
        """A hashable name for the slot."""
        return (self.location, self.path)

    @property
    def name(self) -> str:
        """``name``, ``mergeTags/0/email``, ``_field``: the field a report shows."""
        return "/".join(str(p) for p in self.path)


def _types(schema: Mapping[str, Any], value: Any) -> frozenset[str]:
    kind = schema.get("type")
    if kind is None:  # untyped: go by the valid value
        if isinstance(value, bool) or value is _MISSING or value is None:
            return frozenset()
        if isinstance(value, int | float):
            return frozenset({"number"})
        return frozenset({"string"}) if isinstance(value, str) else frozenset()
    found = {kind} if isinstance(kind, str) else set(kind)
    return frozenset("number" if t == "integer" else t for t in found)


def _is_reference(raw: Any, schema: Mapping[str, Any]) -> bool:
    if "x-conformance-var" in schema:
        return True
    return (
        isinstance(raw, str)
        and raw.startswith("${")
        and raw.endswith("}")
        and raw.count("${") == 1
        and raw[2:-1] != UNIQUE_DIGITS
    )


def _body_slots(op: Operation) -> list[Slot]:
    """Every member of the example body (nested ones too), then the schema's others."""
    found: list[Slot] = []

    def walk(raw: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> None:
        if isinstance(raw, dict):
            properties = schema.get("properties") or {}
            for key, value in raw.items():
                sub = properties.get(key) or {}
                found.append(Slot("body", (*path, key), sub, _is_reference(value, sub)))
                walk(value, sub, (*path, key))
            for key, sub in properties.items():
                if key not in raw:
                    found.append(
                        Slot("body", (*path, key), sub, "x-conformance-var" in sub)
                    )
        elif isinstance(raw, list):
            items = schema.get("items")
            sub = items if isinstance(items, Mapping) else {}
            for index, value in enumerate(raw):
                found.append(
                    Slot("body", (*path, index), sub, _is_reference(value, sub))
                )
                walk(value, sub, (*path, index))

    if isinstance(op.body_example, dict):
        walk(op.body_example, op.body_schema or {}, ())
    return found


def _slots(op: Operation) -> list[Slot]:
    """Body members first (so the simplest example breaks a body), then parameters."""
    params = [
        Slot(p.location, (p.name,), p.schema, bool(p.var) or p.location == "path")
        for location in ("path", "query")
        for p in op.params(location)
    ]
    return [*_body_slots(op), *params]


def _applies(kind: str, slot: Slot, raw: Any) -> bool:
    types = _types(slot.schema, raw)
    if kind == "duplicate-keys":  # a member the example has, in an object
        return (
            slot.location == "body"
            and isinstance(slot.path[-1], str)
            and raw is not _MISSING
        )
    if kind in BODY_KINDS:
        return slot.location == "body"
    if kind in STRING_KINDS:
        return "string" in types
    return "number" in types


def _raw(op: Operation, slot: Slot) -> Any:
    """The example's own value at a body slot (placeholders unfilled), or missing."""
    node: Any = op.body_example
    for part in slot.path:
        found = _at(node, (part,))
        if found is _MISSING:
            return _MISSING
        node = found
    return node


def _long(slot: Slot, base: str) -> st.SearchStrategy[tuple[str, str]]:
    """A string far past any limit first (the simplest example, so the coverage
    phase sends it), then lengths just past a declared ``maxLength``. Just past the
    limit is also a validation case; a crash on size needs the very long one."""
    declared = slot.schema.get("maxLength")
    floor = LONG_BODY if slot.location == "body" else LONG_URL
    least = declared + 1 if isinstance(declared, int) and declared >= 0 else floor
    huge = max(floor, least)

    def build(n: int, filler: str) -> tuple[str, str]:
        text = (base + filler * (n // len(filler) + 1))[:n]
        beyond = f", maxLength {declared}" if least != floor else ""
        return text, f"{n} characters{beyond}"

    near = st.integers(least, least + 240)
    sizes = near if huge <= least + 240 else st.one_of(st.just(huge), near)
    return st.builds(build, sizes, _FILLER)


def _inserted(kind: str, base: str) -> st.SearchStrategy[tuple[str, str]]:
    def build(chars: list[str], at: int) -> tuple[str, str]:
        odd = "".join(chars)
        shown = ", ".join(f"U+{ord(c):04X}" for c in odd)
        return base[:at] + odd + base[at:], f"{shown} at offset {at}"

    return st.builds(
        build,
        st.lists(_INSERTS[kind], min_size=1, max_size=3),
        st.integers(0, len(base)),
    )


def _nested(kind: str, slot: Slot, base: Any) -> st.SearchStrategy[tuple[Any, str]]:
    # 10,000 levels are arrays whatever the slot holds: two bytes a level.
    objects = kind == "deep-nesting" and "object" in _types(slot.schema, base)
    inner = None if base is _MISSING or isinstance(base, dict | list) else base
    return spliced.nested(DEEP if kind == "deep-nesting" else DEEPER, objects, inner)


def _values(kind: str, slot: Slot, base: Any) -> st.SearchStrategy[tuple[Any, str]]:
    """(odd value, what is odd about it) for ``kind`` at ``slot``."""
    if kind in STRING_KINDS and isinstance(base, str) and "@" in base:
        # An address keeps its domain (example.com in the profiles): the odd part
        # goes in the local part, so no probe can ever mail somebody real.
        local, _, domain = base.rpartition("@")
        return _values(kind, slot, local).map(
            lambda odd: (f"{odd[0]}@{domain}", f"{odd[1]} (local part)")
        )
    text = base if isinstance(base, str) else "" if base is _MISSING else str(base)
    if kind == "long-string":
        return _long(slot, text)
    if kind in _INSERTS:
        return _inserted(kind, text)
    if kind in ("deep-nesting", "deeper-nesting"):
        return _nested(kind, slot, base)
    if kind == "duplicate-keys":
        return spliced.duplicated(str(slot.path[-1]), base)
    if kind == "huge-exponent":
        return spliced.huge_exponent()
    if kind == "negative-zero":
        return spliced.negative_zero(slot.schema, base)
    return _NUMBERS[kind].map(lambda n: (n, f"{n!r}"))


def _at(body: Any, path: tuple[str | int, ...]) -> Any:
    node = body
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return node


def _set(body: Any, path: tuple[str | int, ...], value: Any) -> Any:
    out = copy.deepcopy(body)
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, Raw) else ascii(value)
    return text if len(text) <= 48 else text[:45] + "..."


def robustness_probes(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    kinds: Sequence[str] | None = None,
) -> st.SearchStrategy[Scenario]:
    """The valid request with one odd value of one of ``kinds`` (or any) in one field.

    Every string and number member of the example body (nested ones included, and the
    schema's members the example leaves out) and every path and query parameter is a
    place for one; deep nesting goes in bodies only.
    """
    chosen = choose_many("kinds", kinds, ROBUSTNESS_KINDS, default=ROBUSTNESS_KINDS)
    ids = operation_ids(ctx, "robustness_probes", operations)
    slots = {op_id: _slots(ctx.operation(op_id)) for op_id in ids}
    options = {
        op_id: [
            (kind, slot.key)
            for kind in chosen
            for slot in found
            if _applies(kind, slot, _raw(ctx.operation(op_id), slot))
        ]
        for op_id, found in slots.items()
    }
    if not any(options.values()):
        raise BadArgument(
            f"robustness_probes: kinds={list(chosen)!r} leave nothing to probe in "
            f"{', '.join(ids)} (no string, number or body field takes them)"
        )
    by_key = {
        op_id: {slot.key: slot for slot in found} for op_id, found in slots.items()
    }

    def may_write(op: Operation, option: tuple[str, Any]) -> bool:
        # Only an odd value the schema allows, in a body member that is no id (or an
        # id written twice), can leave the request valid enough to change state.
        slot = by_key[op.id][option[1]]
        same = not slot.reference or option[0] == "duplicate-keys"
        return op.writes and slot.location == "body" and same

    cases = plan(
        ctx,
        "robustness_probes",
        ids,
        lambda op: options[op.id],
        allow_writes=allow_writes,
        writes=may_write,
    )
    grouped: dict[str, list[tuple[str, Any]]] = {}
    for op_id, (kind, key) in cases:
        grouped.setdefault(kind, []).append((op_id, key))
    order = sorted(grouped, key=ROBUSTNESS_KINDS.index)

    def scenarios(draw: st.DrawFn) -> Scenario:
        kind = draw(st.sampled_from(order))
        op_id, key = draw(st.sampled_from(grouped[kind]))
        op, slot = ctx.operation(op_id), by_key[op_id][key]
        unique = draw(uniques())
        probe = ctx.valid_probe(op_id, unique=unique)
        writes = False
        if slot.location == "body":
            body = ctx.valid_body(op_id, unique)
            value, odd = draw(_values(kind, slot, _at(body, slot.path)))
            if isinstance(value, Raw):
                # A marker in its place, swapped for the value's text once encoded.
                # Validity is judged on what a reader gets (a deep value cut at a
                # few levels: no body schema nests anywhere near that deep).
                marker = f"<spliced-{unique}>"
                raw = json_body(_set(body, slot.path, marker))
                raw = raw.replace(json_body(marker), value.json(), 1)
                body = _set(body, slot.path, value.shallow())
            else:
                body = _set(body, slot.path, value)
                raw = json_body(body)
            valid = Draft202012Validator(op.body_schema or {}).is_valid(body)
            writes = may_write(op, (kind, key)) and bool(valid)
            probe = replace(
                with_header(probe, "Content-Type", op.body_media_type), body=raw
            )
        elif slot.location == "path":
            value, odd = draw(_values(kind, slot, _path_value(ctx, op, slot)))
            probe = replace(probe, path=_path_with(ctx, op, slot, str(value)))
        else:
            base = dict(probe.query).get(slot.name, _MISSING)
            value, odd = draw(_values(kind, slot, base))
            kept = [(k, v) for k, v in probe.query if k != slot.name]
            probe = replace(probe, query=(*kept, (slot.name, str(value))))
        where = f"{slot.location} {slot.name!r}"
        return (
            replace(
                probe,
                defect=f"{kind}: {where} = {_short(value)} ({odd})",
                defect_kind="robustness",
                field=slot.name,
                writes=writes,
            ),
        )

    return composed(scenarios)


def _path_value(ctx: ProbeContext, op: Operation, slot: Slot) -> Any:
    param = next(p for p in op.params("path") if p.name == slot.name)
    return ctx.values.get(param.var or param.name, _MISSING)


def _path_with(ctx: ProbeContext, op: Operation, slot: Slot, value: str) -> str:
    """The operation's path with ``value`` (percent-encoded) in ``slot``."""
    path = op.path
    for param in op.params("path"):
        text = value if param.name == slot.name else ctx.values[param.var or param.name]
        path = path.replace("{" + param.name + "}", quote(str(text), safe=""))
    return path
