"""Content negotiation probes: the valid request with an ``Accept`` naming only a
media type the API does not produce.

RFC 9110 section 12.5.1 lets a server answer such a request with 406 (Not
Acceptable) or disregard ``Accept`` and answer as usual; which one is the server's
choice. What is answered is often framework code (its negotiation, or a 406 page)
that the API's own error handler does not cover, so the answer's shape and media type
are worth judging, by the clauses over every error response.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from errcontract._contract.surface import Operation, ProbeContext
from errcontract._input.refs import Local
from errcontract.exceptions import BadArgument, NothingInDocument

from .bodies import FOREIGN_PARAMETERS, JSONAPI, JSONAPI_PARAMETER
from .common import (
    Scenario,
    by_option,
    choose_many,
    composed,
    operation_ids,
    plan,
    uniques,
)

ACCEPT_KINDS: tuple[str, ...] = ("unavailable-type",)
"""``unavailable-type``: ``Accept`` names one media type, one no response of the
document declares (the first of ``UNAVAILABLE`` that none does)."""

# The opt-in kind JSONAPI_PARAMETER: ``Accept`` names the JSON:API media type once,
# modified by a parameter other than ``ext`` or ``profile``; JSON:API 1.1 ("Server
# Responsibilities") answers it 406. Sent only where the document declares
# ``application/vnd.api+json`` for a response of the operation.

UNAVAILABLE: tuple[str, ...] = ("image/png", "application/pdf", "text/csv")
"""Media types no JSON API produces unless its document says so; the first one the
document declares nowhere (nor a range covering it, ``image/*``) is sent."""


def _declared(value: Any) -> Iterator[str]:
    """Every media type the document names: the keys of each ``content`` map. Each
    node is read once, so a structure sharing its parts (an inlined fan-out of
    references) costs its size, not the number of paths through it."""
    stack = [value]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping | list):
            if id(node) in seen:
                continue
            seen.add(id(node))
        if isinstance(node, Mapping):
            content = node.get("content")
            if isinstance(content, Mapping):
                yield from (str(k).split(";")[0].strip().lower() for k in content)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _covers(declared: str, candidate: str) -> bool:
    kind, _, sub = declared.partition("/")
    want_kind, _, want_sub = candidate.partition("/")
    return declared == candidate or (
        kind in ("*", want_kind) and sub in ("*", want_sub) and "*" in declared
    )


def unavailable_type(document: Mapping[str, Any]) -> str | None:
    """The first of ``UNAVAILABLE`` that ``document`` declares nowhere, or
    ``None`` when it declares them all."""
    declared = set(_declared(document))
    return next(
        (c for c in UNAVAILABLE if not any(_covers(d, c) for d in declared)), None
    )


def response_media_types(op: Operation) -> set[str]:
    """The media types the document declares for ``op``'s responses: the keys of
    each response's ``content``, references to responses followed, schemas never
    read (a response schema may fan out to 2**32 paths)."""
    document = op.document or {}
    local = Local(document)
    item = local.deref((document.get("paths") or {}).get(op.path) or {})
    spec = (
        local.deref(item.get(op.method.lower())) if isinstance(item, Mapping) else None
    )
    responses = (
        local.deref(spec.get("responses")) if isinstance(spec, Mapping) else None
    )
    if not isinstance(responses, Mapping):
        return set()
    found: set[str] = set()
    for response in responses.values():
        answer = local.deref(response)
        content = answer.get("content") if isinstance(answer, Mapping) else None
        if isinstance(content, Mapping):
            found |= {str(k).split(";")[0].strip().lower() for k in content}
    return found


def unacceptable_accepts(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    kinds: Sequence[str] | None = None,
) -> st.SearchStrategy[Scenario]:
    """The valid request to each operation with ``Accept`` set to a media type its
    document declares nowhere (``ACCEPT_KINDS``), or, with the opt-in kind
    ``jsonapi-parameter``, to ``application/vnd.api+json`` modified by a parameter
    JSON:API does not define (``version=1`` or ``charset=utf-8``), only where the
    operation's responses are declared in that media type.

    Each scenario sends the valid request first (``role="setup"``, the answer a
    server that disregards ``Accept`` gives), then the same request with the
    ``Accept`` (``kinds``, default all), which is the probe judged. A probe to a
    write operation is a write (left out of read-only
    runs), and each request's body draws its own ``unique`` number like any create.
    """
    chosen = choose_many(
        "kinds", kinds, (*ACCEPT_KINDS, JSONAPI_PARAMETER), default=ACCEPT_KINDS
    )
    ids = operation_ids(ctx, "unacceptable_accepts", operations)
    types: dict[str, str] = {}
    jsonapi: set[str] = set()
    for op_id in ids:
        op = ctx.operation(op_id)
        if op.document is None:
            raise BadArgument(
                f"unacceptable_accepts: operation {op_id!r} has no OpenAPI document "
                "(read it with parse_operations)"
            )
        found = unavailable_type(op.document)
        if found is not None:
            types[op_id] = found
        if JSONAPI in response_media_types(op):
            jsonapi.add(op_id)

    def options(op: Operation) -> list[str]:
        return [
            k
            for k in chosen
            if (op.id in types if k == "unavailable-type" else op.id in jsonapi)
        ]

    if not any(options(ctx.operation(op_id)) for op_id in ids):
        reasons = []
        if "unavailable-type" in chosen:
            reasons.append(
                "the document declares every media type the family would send "
                f"({', '.join(UNAVAILABLE)})"
            )
        if JSONAPI_PARAMETER in chosen:
            reasons.append(
                "kind 'jsonapi-parameter' needs an operation whose responses the "
                f"document declares in {JSONAPI}"
            )
        raise NothingInDocument(f"unacceptable_accepts: {'; '.join(reasons)}")

    cases = plan(
        ctx,
        "unacceptable_accepts",
        ids,
        options,
        allow_writes=allow_writes,
        writes=lambda op, kind: op.writes,
    )

    def scenarios(draw: st.DrawFn) -> Scenario:
        op_id, kind = draw(by_option(cases))
        usual = ctx.valid_probe(op_id, unique=draw(uniques()))
        valid = ctx.valid_probe(op_id, unique=draw(uniques()))
        kept = tuple((k, v) for k, v in valid.headers if k.lower() != "accept")
        if kind == JSONAPI_PARAMETER:
            accept = f"{JSONAPI}; {draw(st.sampled_from(FOREIGN_PARAMETERS))}"
            defect = (
                f"jsonapi-parameter: Accept: {accept}, its only JSON:API media type "
                "modified by a parameter other than ext or profile"
            )
        else:
            accept = types[op_id]
            defect = (
                f"unavailable-type: Accept: {accept}, a type the document "
                "declares for no response"
            )
        probe = replace(
            valid,
            headers=(*kept, ("Accept", accept)),
            defect=defect,
            defect_kind="accept",
        )
        return (replace(usual, role="setup"), probe)

    return composed(scenarios)
