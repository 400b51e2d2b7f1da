"""Invalid bodies: the valid body with one property missing, of a wrong JSON type, or
violating one keyword of its schema. Everything else stays the valid example.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from conformance.exceptions import BadArgument, MissingValue
from conformance.probe import DefectKind, json_body
from conformance.surface import Operation, ProbeContext

from .common import (
    Scenario,
    choose_many,
    near_miss,
    operation_ids,
    plan,
    uniques,
    with_header,
)
from .keywords import violations, wrong_typed, wrong_types

BODY_DEFECTS = ("missing", "invalid", "wrong-type")
"""The ``defects`` of ``invalid_bodies``; each is also the probe's ``defect_kind``."""

_MAX_BODY = 16 * 1024
_KIND: Mapping[str, DefectKind] = {
    "missing": "missing",
    "invalid": "invalid",
    "wrong-type": "wrong-type",
}


def _schema(op: Operation) -> Mapping[str, Any]:
    schema = op.body_schema
    if schema is None or not (schema.get("type") == "object" or "properties" in schema):
        raise BadArgument(
            f"invalid_bodies: operation {op.id!r} has no JSON object body schema"
        )
    return schema


def _names(schema: Mapping[str, Any]) -> list[str]:
    properties = schema.get("properties") or {}
    return list(dict.fromkeys([*properties, *schema.get("required", [])]))


def _example(ctx: ProbeContext, op: Operation) -> Any:
    """The valid body, or the raw example when this run lacks its values."""
    try:
        return ctx.valid_body(op.id, 0)
    except MissingValue:
        return op.body_example


def _combos(
    schema: Mapping[str, Any],
    example: Any,
    defects: Sequence[str],
    fields: Sequence[str] | None,
) -> list[tuple[str, str]]:
    """The (defect, property) pairs that can exist for this body schema."""
    example = example if isinstance(example, dict) else {}
    properties = schema.get("properties") or {}
    required = set(schema.get("required", []))
    found: list[tuple[str, str]] = []
    for name in _names(schema):
        if fields is not None and name not in fields:
            continue
        sub = properties.get(name, {})
        can = {
            "missing": name in required,
            "wrong-type": bool(wrong_types(sub)),
            "invalid": bool(violations(sub, example.get(name))),
        }
        found.extend((defect, name) for defect in defects if can[defect])
    return found


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


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def invalid_bodies(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    defects: Sequence[str] | None = None,
    fields: Sequence[str] | None = None,
) -> st.SearchStrategy[Scenario]:
    """The valid request whose body breaks one property in one way (``defects``)."""
    chosen = choose_many("defects", defects, BODY_DEFECTS, default=BODY_DEFECTS)
    ids = operation_ids(ctx, "invalid_bodies", operations)
    schemas = {op_id: _schema(ctx.operation(op_id)) for op_id in ids}
    names = _fields(fields, {n for s in schemas.values() for n in _names(s)})
    combos = {
        op_id: _combos(s, _example(ctx, ctx.operation(op_id)), chosen, names)
        for op_id, s in schemas.items()
    }
    if not any(combos.values()):
        raise BadArgument(
            f"invalid_bodies: defects={list(chosen)!r}"
            + (f", fields={list(names)!r}" if names else "")
            + f" leave nothing to break in {', '.join(ids)}"
        )
    cases = plan(
        ctx,
        "invalid_bodies",
        ids,
        lambda op: combos[op.id],
        allow_writes=allow_writes,
        writes=lambda op, combo: False,
    )
    by_defect: dict[str, list[tuple[str, str]]] = {}
    for op_id, (defect, name) in cases:
        by_defect.setdefault(defect, []).append((op_id, name))

    @st.composite
    def scenarios(draw: st.DrawFn) -> Scenario:
        defect = draw(st.sampled_from(list(by_defect)))
        op_id, name = draw(st.sampled_from(by_defect[defect]))
        unique = draw(uniques())
        probe = ctx.valid_probe(op_id, unique=unique)
        body = dict(ctx.valid_body(op_id, unique) or {})
        sub = (schemas[op_id].get("properties") or {}).get(name, {})
        if defect == "missing":
            body.pop(name, None)
            text = f"field {name!r} missing"
        elif defect == "wrong-type":
            kind, body[name] = draw(wrong_typed(sub))
            text = f"{name!r} = {_short(body[name])} is {kind}, not {sub['type']}"
        else:
            broken = violations(sub, body.get(name))
            keyword = draw(st.sampled_from(sorted(broken)))
            body[name] = draw(broken[keyword])
            text = (
                f"{name!r} = {_short(body[name])} violates {keyword} {sub[keyword]!r}"
            )
        raw = json_body(body)
        assume(len(raw) < _MAX_BODY)
        return (
            replace(
                with_header(probe, "Content-Type", "application/json"),
                body=raw,
                defect=text,
                defect_kind=_KIND[defect],
                field=name,
                writes=False,
            ),
        )

    return scenarios()
