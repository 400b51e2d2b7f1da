"""Refused writes, read around: the document's GET on an item, a write to that item
the server must refuse, and the same GET again.

The write is one of another family's defective probes (``REFUSALS``): an invalid
body (``invalid_bodies``: 422, or 400 for a wrong type), a body that is not JSON
(``malformed_bodies``: 400), a JSON body labelled with a media type the operation
does not take (``unsupported_media_types``: 415); opt-in, ``forbidden``, the valid
write under a key whose role may not write (``fixture_credentials``: 403). What its
answer should be is those families' clauses' business; this one asks only whether a
refused write changed the item (``unchanged_after_refusal``).

An invalid body breaks a field other than the one carrying the fresh digits
(``${unique_digits}``) where the body has another: a server that writes the valid
members before it refuses the invalid one then shows a value the item never had.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from errcontract._contract.surface import UNIQUE_DIGITS, Operation, ProbeContext
from errcontract._http.probe import Probe
from errcontract.exceptions import BadArgument, MissingValue, NothingToProbe

from .bodies import malformed_bodies, unsupported_media_types
from .common import Scenario, by_option, choose_many, composed, operation_ids, plan
from .credentials import _other_key, fixture_credentials
from .invalid import invalid_bodies

REFUSAL_KINDS: tuple[str, ...] = ("invalid-body", "malformed-body", "media-type")
"""The refused writes: a body breaking its schema in one field (``invalid``,
``wrong-type`` or ``missing`` of ``invalid_bodies``), a body that is not JSON
(``truncated`` of ``malformed_bodies``), valid JSON labelled ``text/plain``."""

OPT_IN_REFUSALS: tuple[str, ...] = ("forbidden",)
"""Sent only when a clause lists them: ``forbidden``, the valid write (its body the
operation's example) under the key fixture ``fixture``, one whose writes the API
refuses (a read-only role: 403), for a page saying a forbidden write changes
nothing either."""

ITEM_WRITES = frozenset({"PUT", "PATCH", "POST"})
"""Methods of a write to an item that takes a body (a DELETE takes none: no body
defect applies to it)."""

Inner = Callable[[ProbeContext, str, Operation], st.SearchStrategy[Scenario]]


def _fresh_fields(op: Operation) -> set[str]:
    """The body members whose example holds the fresh digits."""
    example = op.body_example
    if not isinstance(example, Mapping):
        return set()
    marker = "${" + UNIQUE_DIGITS + "}"
    return {str(k) for k, v in example.items() if isinstance(v, str) and marker in v}


def _invalid(
    ctx: ProbeContext, op_id: str, op: Operation
) -> st.SearchStrategy[Scenario]:
    kinds = ["missing", "invalid", "wrong-type"]
    fresh = _fresh_fields(op)
    schema: Any = op.body_schema or {}
    names = [str(n) for n in (schema.get("properties") or {}) if str(n) not in fresh]
    if fresh and names:
        try:
            return invalid_bodies(ctx, [op_id], kinds=kinds, fields=names)
        except (NothingToProbe, BadArgument):
            pass  # nothing else to break: the fresh field, then
    return invalid_bodies(ctx, [op_id], kinds=kinds)


REFUSALS: Mapping[str, Inner] = {
    "invalid-body": _invalid,
    "malformed-body": lambda ctx, op_id, op: malformed_bodies(
        ctx, [op_id], kinds=["truncated"]
    ),
    "media-type": lambda ctx, op_id, op: unsupported_media_types(
        ctx, [op_id], kinds=["text-plain"]
    ),
}
"""Kind -> the defective write, drawn from the family that breaks it."""


def read_of(ctx: ProbeContext, op: Operation) -> str | None:
    """The GET on the write's own path, if the document declares one."""
    return next(
        (
            o.id
            for o in ctx.operations.values()
            if o.method == "GET" and o.path == op.path
        ),
        None,
    )


def _write(probe: Probe, kind: str) -> Probe:
    return replace(probe, fresh=True, defect=f"{kind}: {probe.defect}")


def refused_writes(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    kinds: Sequence[str] | None = None,
    fixture: str | None = None,
) -> st.SearchStrategy[Scenario]:
    """The document's GET on an item, a write to it carrying one of ``kinds``
    (``REFUSAL_KINDS``; ``forbidden``, opt-in, the valid write under the key
    fixture ``fixture`` whose writes are refused), and the GET again.

    The read before is a ``setup`` probe, the write and the read after are judged
    (setup probes come first); all three are sent every time (``fresh``), never
    answered from the cache. Like the families it draws from, a write is sent in
    read-only runs: a refused request changes nothing on a conforming target,
    which is the very promise. ``fixture`` must name a key fixture other than the
    valid one (as ``fixture_credentials``'), and comes with ``forbidden`` only: one
    without the other is refused (``BadArgument``).
    """
    chosen = choose_many(
        "kinds", kinds, REFUSAL_KINDS + OPT_IN_REFUSALS, default=REFUSAL_KINDS
    )
    refusals = dict(REFUSALS)
    if ("forbidden" in chosen) != (fixture is not None):
        raise BadArgument(
            "refused_writes: kind 'forbidden' and fixture= (the key whose writes "
            "are refused) go together"
        )
    if fixture is not None:
        key = _other_key(ctx, fixture)
        refusals["forbidden"] = lambda c, op_id, op: fixture_credentials(
            c, [op_id], fixture=key
        )
    ids = operation_ids(ctx, "refused_writes", operations)
    reads: dict[str, str] = {}
    for op_id in ids:
        op = ctx.operation(op_id)
        if op.method not in ITEM_WRITES or op.body_schema is None:
            raise BadArgument(
                f"refused_writes: {op_id} is a {op.method} without a JSON body; the "
                "family breaks the body of a PUT, PATCH or POST"
            )
        read = read_of(ctx, op)
        if read is None:
            raise BadArgument(
                f"refused_writes: no GET on {op.path} to read {op_id}'s item with"
            )
        reads[op_id] = read
    inner: dict[tuple[str, str], st.SearchStrategy[Scenario]] = {}
    reasons: list[str] = []
    for op_id in ids:
        for kind in chosen:
            try:
                inner[(op_id, kind)] = refusals[kind](ctx, op_id, ctx.operation(op_id))
            except (NothingToProbe, BadArgument) as exc:
                reasons.append(f"{kind} on {op_id}: {exc}")
    if not inner:
        raise NothingToProbe(f"refused_writes: nothing to probe: {'; '.join(reasons)}")
    cases = plan(
        ctx,
        "refused_writes",
        [op_id for op_id in ids if any(k[0] == op_id for k in inner)],
        lambda op: [kind for kind in chosen if (op.id, kind) in inner],
        allow_writes=allow_writes,
        writes=lambda op, kind: False,
    )
    for op_id, _ in cases:
        # Unbuildable reads are the plan's business for the write; the GET needs
        # the same path values, and maybe no more.
        _read_probe(ctx, reads[op_id])

    def scenarios(draw: st.DrawFn) -> Scenario:
        op_id, kind = draw(by_option(cases))
        write = _write(draw(inner[(op_id, kind)])[-1], kind)
        read = _read_probe(ctx, reads[op_id])
        return (read, write, replace(read, role="probe"))

    return composed(scenarios)


def _read_probe(ctx: ProbeContext, op_id: str) -> Probe:
    try:
        probe = ctx.valid_probe(op_id)
    except MissingValue as exc:  # a value the read needs and the write does not
        raise NothingToProbe(f"refused_writes: {op_id} needs {exc.name!r}") from None
    return replace(probe, role="setup", fresh=True)
