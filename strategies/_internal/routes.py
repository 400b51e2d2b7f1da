"""Router probes: a valid request with a method its path does not serve, to a path
no operation of the document matches, or sent as HEAD or OPTIONS.

What a router answers is the error surface no document lists: the 405 of a method a
path does not take (RFC 9110 section 15.5.6) and the 404 of a path nothing routes
(section 15.5.5). Each probe keeps the rest of a valid request (discovered ids in the
path, the credential, the tenant header), so the router's answer is the only one left.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Sequence
from dataclasses import replace

from hypothesis import strategies as st

from errcontract._contract.surface import (
    Operation,
    ProbeContext,
    route_of,
    served_methods,
)
from errcontract.exceptions import BadArgument, NothingInDocument

from .common import (
    Scenario,
    by_option,
    choose_many,
    composed,
    operation_ids,
    plan,
    without_header,
)

UNSERVED_METHODS: tuple[str, ...] = ("DELETE", "GET", "PATCH", "POST", "PUT")
"""The methods ``unserved_methods`` sends where a path does not declare them:
Schemathesis' coverage list of unexpected methods (its ``CoveragePhaseConfig``; a
test pins the two together) less OPTIONS, which a server may serve on any resource
(RFC 9110 section 9.3.7, CORS preflights), and TRACE and QUERY, which a server that
does not implement them at all answers with 501, not 405 (section 9.1)."""
NOT_PROBED: frozenset[str] = frozenset({"OPTIONS", "TRACE", "QUERY"})
"""Schemathesis' unexpected methods left out, and why: see ``UNSERVED_METHODS``."""
WRITES: frozenset[str] = frozenset({"POST", "PUT", "PATCH", "DELETE"})
"""Methods that would change state if the target served them after all."""

ROUTE_KINDS: tuple[str, ...] = ("unknown-path", "extra-segment")
"""``unknown-path``: ``/<word>`` under the base; ``extra-segment``: a known item path
with one more segment, ``/projects/<id>/<word>``."""
_WORD = string.ascii_lowercase

METHOD_PROBES: tuple[str, ...] = ("head", "options")
"""``head``: a GET operation's valid request sent as HEAD, after the GET itself (RFC
9110 section 9.3.2: HEAD is GET without content, so the two answers compare);
``options``: the valid request's path and credential with OPTIONS (section 9.3.7).
Neither is a defect: both are valid requests with a method every path may take."""


@functools.cache
def schemathesis_methods() -> frozenset[str]:
    """Schemathesis' default unexpected methods, upper case (imported when asked:
    Schemathesis is heavy and a family is built only when its clause runs)."""
    from schemathesis.config import CoveragePhaseConfig

    return frozenset(m.upper() for m in CoveragePhaseConfig().unexpected_methods)


def _check_document(op: Operation, family: str) -> None:
    if op.document is None:
        raise BadArgument(
            f"{family}: operation {op.id!r} has no OpenAPI document (read it with "
            "parse_operations)"
        )


def unserved_methods(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    kinds: Sequence[str] | None = None,
) -> st.SearchStrategy[Scenario]:
    """The valid request to each operation's path with a method the document does not
    declare for that path (one of ``kinds``, default ``UNSERVED_METHODS``).

    No body is sent; a write method is a write (left out of read-only runs), as the
    target might serve it after all. The probe's operation is ``"<METHOD> <path>"``.
    """
    wanted = choose_many("kinds", kinds, UNSERVED_METHODS, default=UNSERVED_METHODS)
    methods = [m for m in wanted if m in schemathesis_methods()]
    ids = operation_ids(ctx, "unserved_methods", operations)
    served: dict[str, frozenset[str]] = {}
    for op_id in ids:
        op = ctx.operation(op_id)
        _check_document(op, "unserved_methods")
        served[op_id] = served_methods(op.document or {}, op.path)
    if all(set(methods) <= served[op_id] for op_id in ids):
        paths = "; ".join(
            f"{ctx.operation(o).path} serves {', '.join(sorted(served[o]))}"
            for o in ids
        )
        raise NothingInDocument(
            f"unserved_methods: every method probed ({', '.join(methods)}) is "
            f"declared: {paths}"
        )
    cases = plan(
        ctx,
        "unserved_methods",
        ids,
        lambda op: [m for m in methods if m not in served[op.id]],
        allow_writes=allow_writes,
        writes=lambda op, method: method in WRITES,
    )

    def scenarios(draw: st.DrawFn) -> Scenario:
        op_id, method = draw(by_option(cases))
        op = ctx.operation(op_id)
        valid = without_header(ctx.valid_probe(op_id), "Content-Type")
        declared = ", ".join(sorted(served[op_id]))
        probe = replace(
            valid,
            operation=f"{method} {op.path}",
            method=method,
            body=None,
            defect=f"{method} {op.path}: the document declares {declared} only",
            defect_kind="method",
            writes=method in WRITES,
        )
        return (probe,)

    return composed(scenarios)


def _route_kinds(op: Operation, kinds: Sequence[str]) -> list[str]:
    """The kinds that apply to ``op``: an unknown path from a listing (a path without
    parameters), an extra segment after an item path (one that ends in an id)."""
    document, word = op.document or {}, "q" * 12
    out = []
    # A document that routes any segment there (`/{slug}`) has no unknown path.
    listing = not op.params("path")
    if "unknown-path" in kinds and listing and not route_of(document, f"/{word}"):
        out.append("unknown-path")
    item = bool(op.params("path")) and op.path.endswith("}")
    extra = f"{op.path}/{word}"
    if "extra-segment" in kinds and item and not route_of(document, extra):
        out.append("extra-segment")
    return out


def unknown_routes(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    kinds: Sequence[str] | None = None,
) -> st.SearchStrategy[Scenario]:
    """A GET, with the credential and tenant of a valid request to the operation, to
    a path no path of the document matches (``ROUTE_KINDS``): ``/<word>`` for a
    listing, ``<item path>/<word>`` (its ids the discovered ones) for an item.

    The probe's operation is ``"GET <what was sent, the word as {unknown}>"``;
    it is judged alone and never a write. ``kinds`` limits the two shapes (default
    both).
    """
    wanted = choose_many("kinds", kinds, ROUTE_KINDS, default=ROUTE_KINDS)
    ids = operation_ids(ctx, "unknown_routes", operations)
    for op_id in ids:
        _check_document(ctx.operation(op_id), "unknown_routes")
    options = {o: _route_kinds(ctx.operation(o), wanted) for o in ids}
    if not any(options.values()):
        raise NothingInDocument(
            f"unknown_routes: kinds={list(wanted)} apply to none of "
            f"{', '.join(ids)} (a listing without path parameters takes "
            "unknown-path, an item path ending in an id extra-segment)"
        )
    cases = plan(
        ctx,
        "unknown_routes",
        ids,
        lambda op: options[op.id],
        allow_writes=allow_writes,
        writes=lambda op, kind: False,
    )

    def scenarios(draw: st.DrawFn) -> Scenario:
        op_id, kind = draw(by_option(cases))
        op = ctx.operation(op_id)
        valid = without_header(ctx.valid_probe(op_id), "Content-Type")
        base = "" if kind == "unknown-path" else valid.path
        template = "" if kind == "unknown-path" else op.path
        document = op.document or {}
        word = draw(
            st.text(_WORD, min_size=10, max_size=16).filter(
                lambda w: route_of(document, f"{base}/{w}") is None
            )
        )
        probe = replace(
            valid,
            operation=f"GET {template}/{{unknown}}",
            method="GET",
            path=f"{base}/{word}",
            query=(),
            body=None,
            defect=f"{kind}: no path of the document matches {base}/{word}",
            defect_kind="route",
            writes=False,
        )
        return (probe,)

    return composed(scenarios)


def _method_kinds(op: Operation, kinds: Sequence[str]) -> list[str]:
    """``head`` for a GET operation (HEAD is probed where the document declares GET,
    and from the GET's own valid request), ``options`` for any operation."""
    applies = {"head": op.method == "GET", "options": True}
    return [k for k in kinds if applies[k]]


def head_and_options(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    kinds: Sequence[str] | None = None,
) -> st.SearchStrategy[Scenario]:
    """Each operation's valid request sent with HEAD or OPTIONS (``METHOD_PROBES``).

    ``head`` is a scenario of two: the valid GET (a setup request the answer is
    compared with) then the same request as HEAD. ``options`` is the valid request's
    path, query, credential and tenant header with OPTIONS and no body. Neither
    writes (RFC 9110 section 9.2.1: both are safe). The probe's operation is
    ``"<METHOD> <path>"``. ``kinds`` picks ``head``, ``options`` or both (default).
    """
    wanted = choose_many("kinds", kinds, METHOD_PROBES, default=METHOD_PROBES)
    ids = operation_ids(ctx, "head_and_options", operations)
    for op_id in ids:
        _check_document(ctx.operation(op_id), "head_and_options")
    options = {o: _method_kinds(ctx.operation(o), wanted) for o in ids}
    if not any(options.values()):
        raise NothingInDocument(
            f"head_and_options: kinds={list(wanted)} apply to none of "
            f"{', '.join(ids)} (head is sent on a GET operation only)"
        )
    cases = plan(
        ctx,
        "head_and_options",
        ids,
        lambda op: options[op.id],
        allow_writes=allow_writes,
        writes=lambda op, kind: False,
    )

    def scenarios(draw: st.DrawFn) -> Scenario:
        op_id, kind = draw(by_option(cases))
        op = ctx.operation(op_id)
        valid = without_header(ctx.valid_probe(op_id), "Content-Type")
        method = kind.upper()
        what = (
            "the valid GET, answered without content"
            if kind == "head"
            else ("which methods the path takes")
        )
        probe = replace(
            valid,
            operation=f"{method} {op.path}",
            method=method,
            body=None,
            defect=f"{kind}: {method} {op.path}, {what}",
            defect_kind="head" if kind == "head" else "options",
            writes=False,
        )
        if kind == "options":
            return (probe,)
        get = replace(valid, body=None, role="setup", writes=False)
        return (get, probe)

    return composed(scenarios)
