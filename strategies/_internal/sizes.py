"""Oversized bodies: the valid request's body grown just past the size limit the API
states, or past a large default where it states none.

What answers a body that is too large is often not the application: the server's or
the gateway's body limit (RFC 9110 section 15.5.14, 413 Content Too Large), the body
parser, or a handler that reads everything and then fails storing it. Each probe is
the valid body (the discovered values, a fresh ``unique`` number) with one part grown
until the whole body is ``MARGIN`` bytes above the limit, and never more than a few
bytes beyond that: the bytes sent are bounded by the limit, which is itself bounded
(``LIMIT_RANGE``).

The limit, first found wins: the operation's ``x-conformance-max-body`` (bytes), the
document's own ``x-conformance-max-body`` (at its root, for every operation), the
family's ``limit`` parameter, ``DEFAULT_LIMIT``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from errcontract._contract.surface import Operation, ProbeContext
from errcontract._http.probe import json_body
from errcontract._input.refs import Local
from errcontract.exceptions import BadArgument

from .common import (
    Scenario,
    by_option,
    choose_many,
    composed,
    operation_ids,
    plan,
    uniques,
)

SIZE_KINDS: tuple[str, ...] = ("over-max-length", "over-max-items", "over-limit")
"""``over-max-length``: a string field with ``maxLength`` grown to fill the body;
``over-max-items``: an array field with ``maxItems`` repeated to fill it;
``over-limit``: a padding member (where ``additionalProperties`` allows one), else a
string field no keyword bounds, grown to fill it: only the limit refuses it."""

DEFAULT_LIMIT = 1 << 20
"""1 MiB where nothing is documented: nginx's ``client_max_body_size`` default, below
common gateway limits (API Gateway's 10 MB) and far above any JSON body a form or a
client sends to such an API; set it with ``x-conformance-max-body``."""
LIMIT_RANGE = (1 << 10, 16 << 20)
"""The limits the family accepts, in bytes: what a run may send is bounded."""
MARGIN = 1 << 10
"""Bytes above the limit an oversized body has (a whole item more for an array)."""
EXTENSION = "x-conformance-max-body"
"""Where a document states its body limit in bytes: an operation, or the root."""
PADDING = "padding"
"""The member ``over-limit`` adds where the schema allows other members."""
_FILL = "x"
_MISSING = object()
STRING = object()
"""What ``_slot`` names for a member grown as one string (not an item repeated)."""


def _checked_limit(value: object, where: str) -> int:
    low, high = LIMIT_RANGE
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        raise BadArgument(
            f"oversized_bodies: {where} must be a whole number of bytes from {low} to "
            f"{high}, got {value!r}"
        )
    return value


def body_limit(op: Operation, default: int = DEFAULT_LIMIT) -> int:
    """The body limit of ``op``: its document's ``x-conformance-max-body`` (the
    operation's, else the root's), else ``default``."""
    document = op.document or {}
    item = (document.get("paths") or {}).get(op.path)
    item = Local(document).inline(item) if isinstance(item, Mapping) else {}
    spec = item.get(op.method.lower()) if isinstance(item, Mapping) else None
    for source, where in ((spec, f"{op.id}'s {EXTENSION}"), (document, EXTENSION)):
        if isinstance(source, Mapping) and EXTENSION in source:
            return _checked_limit(source[EXTENSION], where)
    return default


def _properties(op: Operation) -> Mapping[str, Any]:
    props = (op.body_schema or {}).get("properties")
    return props if isinstance(props, Mapping) else {}


def _plain_string(sub: Mapping[str, Any]) -> bool:
    """A string any run of ``x`` is valid for, apart from ``maxLength``."""
    types = sub.get("type")
    return (types == "string" or types == ["string"]) and not any(
        k in sub for k in ("pattern", "format", "enum", "const", "contentEncoding")
    )


def _item(sub: Mapping[str, Any], present: Any) -> Any:
    """An item of array ``sub`` to repeat: the valid body's first, else one its
    item schema offers; ``_MISSING`` when neither (or items must be unique)."""
    if sub.get("uniqueItems") is True:
        return _MISSING
    if isinstance(present, list) and present:
        return present[0]
    items = sub.get("items")
    if isinstance(items, Mapping) and _plain_string(items) and "minLength" not in items:
        return _FILL
    return _MISSING


def _slot(op: Operation, body: Any, kind: str) -> tuple[str, Any] | None:
    """The member ``kind`` grows in ``body`` and what it is grown from (the item an
    array repeats), or ``None`` where the kind does not apply: a string with
    ``maxLength``, an array with ``maxItems``, a padding member or a string no keyword
    bounds (each present in the body or declared optional in its schema)."""
    if not isinstance(body, dict):
        return None
    subs = {n: s for n, s in _properties(op).items() if isinstance(s, Mapping)}
    if kind == "over-max-length":
        bounded = (n for n, s in subs.items() if "maxLength" in s and _plain_string(s))
        return next(((n, STRING) for n in bounded), None)
    if kind == "over-max-items":
        found = (
            (n, _item(s, body.get(n)))
            for n, s in subs.items()
            if "maxItems" in s and s.get("type") in ("array", ["array"])
        )
        return next(((n, i) for n, i in found if i is not _MISSING), None)
    schema = op.body_schema or {}
    closed = schema.get("additionalProperties") is False or (
        schema.get("unevaluatedProperties") is False
    )
    if not closed and PADDING not in subs:
        return PADDING, STRING
    return next(
        (
            (n, STRING)
            for n, s in subs.items()
            if "maxLength" not in s and _plain_string(s) and "minLength" not in s
        ),
        None,
    )


def grown(body: dict[str, Any], name: str, item: Any, target: int) -> bytes:
    """``body`` with member ``name`` grown until the encoded body is ``target`` bytes:
    a string of ``x`` (``item`` is ``STRING``), or an array repeating ``item`` up to
    the first whole item past ``target``."""
    if item is STRING:
        base = len(json_body({**body, name: ""}))
        return json_body({**body, name: _FILL * max(target - base, 1)})
    base = len(json_body({**body, name: []}))
    count = max(math.ceil((target - base) / (len(json_body(item)) + 1)), 1)
    encoded = json_body({**body, name: [item] * count})
    while len(encoded) < target:  # at most once: the separators' rounding
        count += 1
        encoded = json_body({**body, name: [item] * count})
    return encoded


def oversized_bodies(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    kinds: Sequence[str] | None = None,
    limit: int | None = None,
) -> st.SearchStrategy[Scenario]:
    """The valid request with its body grown ``MARGIN`` bytes past the operation's
    body limit (see the module), in one of ``kinds`` (default ``SIZE_KINDS``).

    The JSON stays well-formed and every other member valid, so the size is the one
    thing left to refuse; the probe is judged alone. ``limit`` (bytes) is the limit
    where the document states none (``x-conformance-max-body`` on the operation or
    the root wins over it), within ``LIMIT_RANGE`` (1 KiB to 16 MiB).
    ``over-max-length`` grows a field with ``maxLength``, ``over-max-items`` an
    array with ``maxItems``, ``over-limit`` a member nothing bounds; a kind that
    finds no such place on an operation does not apply there. A probe is a write
    when its operation is (a target with no limit would store it).
    """
    wanted = choose_many("kinds", kinds, SIZE_KINDS, default=SIZE_KINDS)
    default = DEFAULT_LIMIT if limit is None else _checked_limit(limit, "limit")
    ids = operation_ids(ctx, "oversized_bodies", operations)
    limits = {o: body_limit(ctx.operation(o), default) for o in ids}
    bodiless = [o for o in ids if ctx.operation(o).body_schema is None]
    if bodiless:
        raise BadArgument(
            f"oversized_bodies: {', '.join(bodiless)} take(s) no JSON body"
        )

    def applicable(op: Operation) -> list[str]:
        body = ctx.valid_body(op.id, 0)
        return [k for k in wanted if _slot(op, body, k) is not None]

    cases = plan(
        ctx,
        "oversized_bodies",
        ids,
        applicable,
        allow_writes=allow_writes,
        writes=lambda op, kind: op.writes,
    )

    def scenarios(draw: st.DrawFn) -> Scenario:
        op_id, kind = draw(by_option(cases))
        unique = draw(uniques())
        op = ctx.operation(op_id)
        valid = ctx.valid_probe(op_id, unique=unique)
        body = ctx.valid_body(op_id, unique)
        slot = _slot(op, body, kind)
        # The members of a valid body do not depend on the unique number.
        assert slot is not None, (op_id, kind)
        name, item = slot
        limit_bytes = limits[op_id]
        sent = grown(body, name, item, limit_bytes + MARGIN)
        what = "a padding member" if name == PADDING and kind == "over-limit" else name
        probe = replace(
            valid,
            body=sent,
            defect=(
                f"{kind}: {what} grown so the body is {len(sent):,} bytes, above the "
                f"limit of {limit_bytes:,}"
            ),
            defect_kind="size",
            field=None if name == PADDING else name,
            writes=op.writes,
        )
        return (probe,)

    return composed(scenarios)
