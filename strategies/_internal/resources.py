"""Resource probes: the valid request naming a resource that does not exist (or that
is someone else's), through its path parameters, a query parameter or a body field.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from errcontract._contract.surface import Operation, ProbeContext
from errcontract._http.probe import Probe, json_body
from errcontract.exceptions import BadArgument

from .common import Scenario, composed, operation_ids, plan, text_argument, uniques

_URL_SAFE = string.ascii_letters + string.digits + "-._~"
_ID_CHARS = string.ascii_lowercase + string.digits


@dataclass(frozen=True)
class Slot:
    """Where a resource id goes in a request: ``path``, ``query`` or ``body``."""

    location: str
    name: str
    schema: Mapping[str, Any]


def _types(schema: Mapping[str, Any]) -> list[str]:
    kind = schema.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def unknown_ids(schema: Mapping[str, Any], real: Any) -> st.SearchStrategy[Any]:
    """Random values that fit ``schema``, look like ids and are not ``real``.

    ``format: uuid`` gives UUIDs, a ``pattern`` gives strings matching it in full
    (URL-safe characters only), an integer id gives a large integer; else a random
    lowercase alphanumeric string.
    """
    types = _types(schema)
    integer_id = "integer" in types and (
        "string" not in types or (isinstance(real, int) and not isinstance(real, bool))
    )
    base: st.SearchStrategy[Any]
    if schema.get("format") == "uuid":
        base = st.uuids(version=4).map(str)
    elif isinstance(schema.get("pattern"), str) and not integer_id:
        base = st.from_regex(schema["pattern"], fullmatch=True, alphabet=_URL_SAFE)
    elif integer_id:
        base = st.integers(min_value=10**9, max_value=2**53)
    else:
        shortest = int(schema.get("minLength", 0))
        high = max(min(int(schema.get("maxLength", 24)), 24), shortest)
        base = st.text(
            alphabet=_ID_CHARS, min_size=min(max(shortest, 12), high), max_size=high
        )
    fits = Draft202012Validator(schema, format_checker=FormatChecker()).is_valid
    return base.filter(lambda v: v != real and str(v) != str(real) and fits(v))


def _slots(op: Operation, field: str | None) -> list[Slot]:
    if field is None:
        found = [Slot("path", p.name, p.schema) for p in op.params("path")]
        if not found:
            raise BadArgument(
                f"unknown_resources: operation {op.id!r} has no path parameters; "
                "pass field= to name a body field or query parameter"
            )
        return found
    properties = (op.body_schema or {}).get("properties") or {}
    if field in properties:
        return [Slot("body", field, properties[field])]
    for location in ("query", "path"):
        for param in op.params(location):
            if param.name == field:
                return [Slot(location, field, param.schema)]
    raise BadArgument(
        f"unknown_resources: field={field!r} is not a body property, query or path "
        f"parameter of operation {op.id!r}"
    )


def _slot_vars(op: Operation, found: Sequence[Slot]) -> list[str]:
    """The discovered values the replaced slots of ``op`` would otherwise take."""
    names = {(s.location, s.name) for s in found}
    out = [
        p.var or p.name
        for p in op.parameters
        if (p.location, p.name) in names and (p.var or p.location == "path")
    ]
    properties = (op.body_schema or {}).get("properties") or {}
    for location, name in names:
        var = properties.get(name, {}).get("x-conformance-var")
        if location == "body" and var:
            out.append(var)
    return out


def _real(
    ctx: ProbeContext, op: Operation, probe: Probe, slot: Slot, unique: int
) -> Any:
    if slot.location == "body":
        return (ctx.valid_body(op.id, unique) or {}).get(slot.name)
    if slot.location == "query":
        return dict(probe.query).get(slot.name)
    param = next(p for p in op.params("path") if p.name == slot.name)
    return ctx.values.get(param.var or param.name)


def _with_values(
    ctx: ProbeContext,
    op: Operation,
    probe: Probe,
    unique: int,
    new: Mapping[tuple[str, str], Any],
) -> Probe:
    """``probe`` with each (location, name) of ``new`` set; the rest unchanged."""
    path, query, body = op.path, dict(probe.query), None
    for param in op.params("path"):
        value = new.get(("path", param.name), ctx.values.get(param.var or param.name))
        path = path.replace("{" + param.name + "}", str(value))
    for (location, name), value in new.items():
        if location == "query":
            query[name] = str(value)
        elif location == "body":
            body = dict(ctx.valid_body(op.id, unique) or {})
            body[name] = value
    return replace(
        probe,
        path=path,
        query=tuple(query.items()),
        body=probe.body if body is None else json_body(body),
    )


def unknown_resources(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    field: str | None = None,
    foreign: str | None = None,
) -> st.SearchStrategy[Scenario]:
    """The valid request naming a random resource id; plus a foreign one if given.

    With ``field=None`` every path parameter is replaced (on ``/a/{aId}/b/{bId}``
    both ids at once: the probe names no resource at any level); else only the body
    field, query or path parameter of that name, the others keeping their discovered
    values (``field: bId`` names an unknown child of a real parent). The new id fits
    the parameter's schema (type, format, pattern) and is never the real value, so
    only its existence is wrong; the probe is never a write. The run needs no real
    value for the replaced slot.

    With ``foreign`` naming a known value (a non-secret fixture or setup variable)
    the scenario adds a second judged probe carrying that value in the same slot (a
    resource that exists but is not the caller's); it then needs exactly one slot,
    so an operation with several path parameters needs ``field``, and it is a write
    where the operation writes (left out of read-only runs).
    """
    if field is not None:
        text_argument("field", field)
    if foreign is not None:
        text_argument("foreign", foreign)
        if foreign in ctx.secret_fixtures:
            raise BadArgument(f"foreign={foreign!r} is a secret, not a resource id")
    ids = operation_ids(ctx, "unknown_resources", operations)
    slots = {op_id: _slots(ctx.operation(op_id), field) for op_id in ids}
    # The value a replaced slot would take is never sent: a run that has no such
    # resource (read-only, nothing created) can still name one that does not exist.
    ctx = ctx.with_values(
        **{
            var: f"<{var}>"
            for op_id in ids
            for var in _slot_vars(ctx.operation(op_id), slots[op_id])
            if var not in ctx.values
        }
    )
    if foreign is not None:
        several = [op_id for op_id, found in slots.items() if len(found) > 1]
        if several:
            raise BadArgument(
                f"unknown_resources: foreign={foreign!r} needs one id to replace, but "
                f"{', '.join(several)} have several path parameters; pass field="
            )
    cases = plan(
        ctx,
        "unknown_resources",
        ids,
        lambda op: ("unknown",),
        allow_writes=allow_writes,
        writes=lambda op, _: False,
    )
    op_ids = [op_id for op_id, _ in cases]

    def scenarios(draw: st.DrawFn) -> Scenario:
        op_id = draw(st.sampled_from(op_ids))
        op, unique = ctx.operation(op_id), draw(uniques())
        probe = ctx.valid_probe(op_id, unique=unique)
        new = {
            (slot.location, slot.name): draw(
                unknown_ids(slot.schema, _real(ctx, op, probe, slot, unique))
            )
            for slot in slots[op_id]
        }
        named = next(iter(new))[1] if len(new) == 1 else None
        defect = ", ".join(
            f"{where} {name!r} = {v!r}" for (where, name), v in new.items()
        )
        unknown = replace(
            _with_values(ctx, op, probe, unique, new),
            defect=f"{defect} (no such resource)",
            defect_kind="resource",
            field=named,
            writes=False,
        )
        # The foreign probe would act on a real resource if the target ignored whose
        # it is: a write where the operation writes, left out of read-only runs.
        if foreign is None or foreign not in ctx.values:
            return (unknown,)
        if op.writes and not allow_writes:
            return (unknown,)
        slot = slots[op_id][0]
        other = replace(
            _with_values(
                ctx,
                op,
                probe,
                unique,
                {(slot.location, slot.name): ctx.values[foreign]},
            ),
            defect=f"{slot.location} {slot.name!r} = <{foreign}> (not the caller's)",
            defect_kind="resource",
            field=slot.name,
            writes=op.writes,
        )
        return (unknown, other)

    return composed(scenarios)
