"""Invalid bodies: the valid body with one field broken as one of Schemathesis' coverage
cases breaks it, everything else the valid example.

The kinds (``BODY_DEFECTS``, and ``SEVERAL``):

* ``missing``: a field the schema lists in ``required`` is left out (only those: a field
  the contract does not mark required is never a "missing field" defect);
* ``wrong-type``: a value of a JSON type the field's ``type`` forbids (but never
  ``null`` for a field that is not required: see ``_kept``);
* ``invalid``: a value of an allowed type breaking one other keyword (``enum``,
  ``pattern``, ``minLength``, ``exclusiveMinimum``...);
* the lenient-parser kinds (``LENIENT``: ``numeric-string``, ``boolean-string``,
  ``object-for-array``, ``one-item-array``, ``zero-for-boolean``): wrong types a
  framework may coerce into the valid value, answered as a wrong type; what each is
  and why is in ``lenient``;
* ``several``: the one documented exception to one defect per request. A clause that
  promises an answer naming *every* broken field (CD-VAL-1) cannot be tested by a probe
  that breaks one, so it also gets probes breaking two or three fields at once, each the
  way a one-field case above breaks it. It is not among ``BODY_DEFECTS``: only a
  catalog entry that lists it (``kinds: [..., several]``) gets it.

Schemathesis says what is broken (field, keyword, value: ``openapi.body_defects``);
the suite builds the request from its own valid example and discovered values and
confirms with jsonschema that the body breaks exactly the fields the probe names.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from errcontract._contract.surface import Operation, ProbeContext
from errcontract._http.probe import DefectKind, json_body
from errcontract._near import near_miss
from errcontract.exceptions import BadArgument, NothingToProbe

from . import lenient
from .broken import broken_fields
from .common import (
    Scenario,
    choose_many,
    composed,
    drawn_first_only,
    operation_ids,
    per_context,
    plan,
    unbuildable,
    uniques,
    with_header,
)
from .lenient import LENIENT
from .openapi import BodyDefect, body_defects, fuzzed_body_defects

BODY_DEFECTS = ("missing", "invalid", "wrong-type", *LENIENT)
"""The kinds of ``invalid_bodies``, each breaking one field: the default ``kinds``."""
SEVERAL = "several"
"""The opt-in kind that breaks several fields at once (see the module docstring)."""

_MAX_BODY = 16 * 1024
_HOW_MANY = (2, 3)
"""How many fields a ``several`` probe breaks."""
_MAX_SEVERAL = 32
"""Combinations of fields kept per operation (the first ones, in schema order)."""
_KIND: Mapping[str, DefectKind] = {
    "missing": "missing",
    "invalid": "invalid",
    "wrong-type": "wrong-type",
    # A digit string where the schema says integer is a wrong type: the answers a
    # clause documents for one apply (CD-VAL-1's 400 `bad_request`, VAL-1's 400/422).
    **{kind: "wrong-type" for kind in LENIENT},
}


@dataclass(frozen=True)
class _Break:
    """What one probe does to a valid body: one defect, or several on distinct ones."""

    kind: str
    defects: tuple[BodyDefect, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(d.field for d in self.defects)

    @property
    def defect_kind(self) -> DefectKind:
        # A several-defect probe may get any answer documented for its defects: with a
        # wrong type among them, what a wrong type may answer; else a validation answer.
        kinds = {_KIND[d.kind] for d in self.defects}
        for kind in ("wrong-type", "invalid", "missing"):
            if kind in kinds:
                return _KIND[kind]
        raise AssertionError("a break without defects")


def _schema(op: Operation) -> Mapping[str, Any]:
    """The body schema without its ``readOnly`` members: OpenAPI says a client
    SHOULD NOT send them, and a server may ignore them whatever their value (the
    ignored_inputs family probes them), so no value of one is a defect."""
    schema = op.body_schema
    if schema is None or not (schema.get("type") == "object" or "properties" in schema):
        raise BadArgument(
            f"invalid_bodies: operation {op.id!r} has no JSON object body schema"
        )
    properties = schema.get("properties") or {}
    read_only = {
        n
        for n, sub in properties.items()
        if isinstance(sub, Mapping) and sub.get("readOnly") is True
    }
    if not read_only:
        return schema
    kept = {n: sub for n, sub in properties.items() if n not in read_only}
    return {**schema, "properties": kept}


def _names(schema: Mapping[str, Any]) -> list[str]:
    properties = schema.get("properties") or {}
    return list(dict.fromkeys([*properties, *schema.get("required", [])]))


def _fields(value: object, known: set[str]) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise BadArgument(f"fields={value!r} must be a non-empty list of field names")
    for name in value:
        if not isinstance(name, str) or name not in known:
            hint = near_miss(name, known) if isinstance(name, str) else ""
            raise BadArgument(
                f"fields has {name!r}, a property of none of the operations{hint}"
            )
    return tuple(value)


def _apply(body: dict[str, Any], defects: Sequence[BodyDefect]) -> dict[str, Any]:
    out = dict(body)
    for defect in defects:
        if defect.kind == "missing":
            out.pop(defect.field, None)
        else:
            out[defect.field] = defect.value
    return out


def _fits(schema: Mapping[str, Any], body: Any, brk: _Break) -> bool:
    """Whether ``brk`` on ``body`` breaks exactly its fields, in a small body."""
    if not isinstance(body, dict):
        return False
    broken = _apply(body, brk.defects)
    return (
        broken_fields(schema, broken) == set(brk.fields)
        and len(json_body(broken)) < _MAX_BODY
    )


def _kept(schema: Mapping[str, Any], defect: BodyDefect) -> bool:
    """Whether the suite sends ``defect``: not a ``null`` for an optional field.

    Many APIs read ``null`` as "no value" for a field they do not require (the JSON
    merge-patch reading), and the documents are silent: such a probe would cry wolf
    against a conforming deployment, so it is not sent even where ``type`` forbids null.
    """
    return not (
        defect.kind == "wrong-type"
        and defect.value is None
        and defect.field not in schema.get("required", [])
    )


def _fuzzed(op: Operation, kinds: Sequence[str]) -> tuple[BodyDefect, ...]:
    """Negative fuzzing's defects, where a chosen kind can use them."""
    if not {"invalid", "wrong-type", *LENIENT} & set(kinds):
        return ()
    return fuzzed_body_defects(op)


def _unique(*groups: Sequence[BodyDefect]) -> list[BodyDefect]:
    """The defects of every group, in order, each (field, keyword, value) once."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for defect in (d for group in groups for d in group):
        key = (defect.field, defect.keyword, json.dumps(defect.value, default=repr))
        if key not in seen:
            seen.add(key)
            out.append(defect)
    return out


def _possible(
    schema: Mapping[str, Any],
    defects: Sequence[BodyDefect],
    kinds: Sequence[str],
    names: Sequence[str] | None,
) -> set[str]:
    """The kinds Schemathesis' cases and the fields' types allow at all (whatever
    this run's values)."""
    found: set[str] = (
        {d.kind for d in defects} | lenient.possible(schema, names)
    ) & set(kinds)
    if SEVERAL in kinds and len({d.field for d in defects}) >= min(_HOW_MANY):
        found.add(SEVERAL)
    return found


def _breaks(
    ctx: ProbeContext,
    op: Operation,
    schema: Mapping[str, Any],
    found: Sequence[BodyDefect],
    kinds: Sequence[str],
    names: Sequence[str] | None,
    first: bool = False,
) -> list[_Break]:
    """Every break of ``kinds`` that holds on this run's valid body, in fixed order
    (``first``: only each kind's first, all the simplest example draws from)."""
    body = ctx.valid_body(op.id, 0)
    extra = lenient.built(op.id, schema, body, found, kinds)
    defects = [*found, *(d for d in extra if names is None or d.field in names)]
    single = (_Break(d.kind, (d,)) for d in defects if d.kind in kinds)
    holding = (b for b in single if _fits(schema, body, b))
    if SEVERAL not in kinds:
        if not first:
            return list(holding)
        firsts: dict[str, _Break] = {}
        for brk in holding:  # until every kind has its first
            if firsts.setdefault(brk.kind, brk) is brk and len(firsts) == len(kinds):
                break
        return list(firsts.values())
    out = list(holding)
    # One defect per field for the combinations: a validation defect where the field
    # has one (so the answer must be a 422 naming them all), a wrong type otherwise.
    per_field: dict[str, BodyDefect] = {}
    fitting = [d for d in defects if _fits(schema, body, _Break(d.kind, (d,)))]
    for defect in sorted(fitting, key=lambda d: _KIND[d.kind] == "wrong-type"):
        per_field.setdefault(defect.field, defect)
    order = [n for n in _names(schema) if n in per_field]
    combos = itertools.chain.from_iterable(
        itertools.combinations(order, n) for n in _HOW_MANY
    )
    several = []
    for names in itertools.islice(combos, _MAX_SEVERAL):
        brk = _Break(SEVERAL, tuple(per_field[n] for n in names))
        if _fits(schema, body, brk):
            several.append(brk)
    return out + several


_JSON_TYPES: tuple[tuple[Any, str], ...] = ((type(None), "null"), (bool, "boolean"))
_JSON_TYPES += ((int, "integer"), (float, "number"), (str, "string"), (list, "array"))


def _json_type(value: Any) -> str:
    return next((n for t, n in _JSON_TYPES if isinstance(value, t)), "object")


def _describe(schema: Mapping[str, Any], defect: BodyDefect) -> str:
    name = defect.field
    sub = (schema.get("properties") or {}).get(name, {})
    if defect.kind == "missing":
        return f"field {name!r} missing"
    value = repr(defect.value)
    value = value if len(value) <= 60 else value[:57] + "..."
    if _KIND[defect.kind] == "wrong-type":
        text = f"{name!r} = {value} is {_json_type(defect.value)}, not {sub['type']}"
        return text if defect.kind == "wrong-type" else f"{text} ({defect.kind})"
    return f"{name!r} = {value} violates {defect.keyword} {sub.get(defect.keyword)!r}"


def _first_from_cases(ids: Sequence[str], chosen: Sequence[str]) -> bool:
    """Whether only the simplest example of single-field kinds on one operation is
    drawn (a coverage cell): negative fuzzing's pool (a quarter of a second per
    operation) is then drawn only where no coverage case breaks the kind."""
    return drawn_first_only() and len(ids) == 1 and tuple(chosen) != (SEVERAL,)


def _first_breaks(
    ctx: ProbeContext,
    op_id: str,
    schema: Mapping[str, Any],
    found: Sequence[BodyDefect],
    kind: str,
    names: Sequence[str] | None,
) -> list[_Break] | None:
    """The first break of ``kind`` the coverage cases ``found`` give on ``op_id``
    (or one built from a field's valid value, ``lenient.built``); ``None`` where
    none does. Where a case leads, the cell's example is the one the pool would
    give too (the pool's defects come after every coverage case); else it is the
    built break, a representative of the kind as good as a fuzzed one. Asked twice
    by a cell (does a case lead? what is its example?), worked out once."""

    def first() -> list[_Break] | None:
        op = ctx.operation(op_id)
        breaks = _breaks(ctx, op, schema, found, (kind,), names, first=True)
        return breaks if any(b.kind == kind for b in breaks) else None

    return per_context(ctx, ("invalid-first", op_id, kind, names), first)


def invalid_bodies(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    kinds: Sequence[str] | None = None,
    fields: Sequence[str] | None = None,
) -> st.SearchStrategy[Scenario]:
    """The valid request whose body breaks one field in one of ``kinds`` (or several
    fields at once, for ``several``), as Schemathesis' coverage phase breaks it.

    Each probe is judged alone and never counted a write. ``fields`` limits the
    fields broken to those names (each a top-level property of one of the
    operations' body schemas, else refused with the near miss); ``readOnly`` members
    are never broken (a server may ignore them whatever their value). The body keeps
    a fresh ``${unique_digits}``.

    Restricted to one kind and one operation, the probes come from a fixed list (the
    same with or without a seed); Hypothesis picks among them and the fresh digits.
    """
    chosen = choose_many("kinds", kinds, (*BODY_DEFECTS, SEVERAL), default=BODY_DEFECTS)
    ids = operation_ids(ctx, "invalid_bodies", operations)
    schemas = {op_id: _schema(ctx.operation(op_id)) for op_id in ids}
    names = _fields(fields, {n for s in schemas.values() for n in _names(s)})
    if ctx.checking:
        # The arguments hold; what follows asks Schemathesis for cases, which
        # the linter's context has no use for.
        return st.nothing()

    def found(op_id: str, fuzzed: bool) -> list[BodyDefect]:
        op = ctx.operation(op_id)
        return [
            lenient.classified(schemas[op_id], d)
            # The coverage cases first (the simplest example of a kind is one of
            # them), then what negative fuzzing found, for the fuzz phase's depth.
            for d in _unique(body_defects(op), _fuzzed(op, chosen) if fuzzed else ())
            if (names is None or d.field in names) and _kept(schemas[op_id], d)
        ]

    lean = _first_from_cases(ids, chosen)
    if lean:
        # A coverage cell: its operation's cases serve each of its kinds.
        op_id = ids[0]
        from_cases = per_context(
            ctx, ("invalid-found", op_id, names), lambda: found(op_id, False)
        )
        defects = {op_id: from_cases}  # with no valid body, ``plan`` says why
        if unbuildable(ctx, op_id) is None and not _first_breaks(
            ctx, op_id, schemas[op_id], from_cases, chosen[0], names
        ):
            defects = {op_id: found(op_id, True)}
            lean = False  # the pool's break: its own, not the cases' first
    else:
        defects = {op_id: found(op_id, True) for op_id in ids}
    if not any(
        _possible(schemas[op_id], found, chosen, names)
        for op_id, found in defects.items()
    ):
        # The document's schemas, not the call, leave nothing (a body declared
        # `type: object` with no properties): not probed, with the reason.
        raise NothingToProbe(
            f"nothing to break in the body of {', '.join(ids)}: its schema has no "
            f"field a {'/'.join(chosen)} defect applies to"
            + (f" among {', '.join(names)}" if names else "")
        )
    cases = plan(
        ctx,
        "invalid_bodies",
        ids,
        lambda op: (
            _first_breaks(ctx, op.id, schemas[op.id], defects[op.id], chosen[0], names)
            or []
            if lean
            else _breaks(ctx, op, schemas[op.id], defects[op.id], chosen, names)
        ),
        allow_writes=allow_writes,
        writes=lambda op, brk: False,
    )
    by_kind: dict[str, list[tuple[str, _Break]]] = {}
    for op_id, brk in cases:
        by_kind.setdefault(brk.kind, []).append((op_id, brk))
    order = [k for k in chosen if k in by_kind]

    def scenarios(draw: st.DrawFn) -> Scenario:
        kind = draw(st.sampled_from(order))
        op_id, brk = draw(st.sampled_from(by_kind[kind]))
        unique = draw(uniques())
        schema = schemas[op_id]
        probe = ctx.valid_probe(op_id, unique=unique)
        body = _apply(dict(ctx.valid_body(op_id, unique) or {}), brk.defects)
        # Checked at build time on the same example; the fresh digits keep it so.
        assume(broken_fields(schema, body) == set(brk.fields))
        texts = [_describe(schema, d) for d in brk.defects]
        if kind == SEVERAL:
            text = f"{len(texts)} fields broken at once: " + "; ".join(texts)
        else:
            source = brk.defects[0].scenario
            if source != lenient.BUILT:
                source = f"Schemathesis: {source}"
            text = f"{texts[0]} ({source})"
        return (
            replace(
                with_header(
                    probe, "Content-Type", ctx.operation(op_id).body_media_type
                ),
                body=json_body(body),
                defect=text,
                defect_kind=brk.defect_kind,
                field=brk.fields[0],
                fields=brk.fields if kind == SEVERAL else (),
                writes=False,
            ),
        )

    return composed(scenarios)
