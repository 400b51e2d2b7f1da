"""Malformed bodies: bytes labelled with the operation's JSON media type
(``application/json``, or the ``+json`` type it declares) that are not JSON, or are
JSON but not an object, whichever way a parser reads them (RFC 8259 lets a parser
ignore a leading BOM, so a BOM only ever precedes a non-object).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from errcontract._contract.surface import ProbeContext
from errcontract._http.probe import json_body
from errcontract.exceptions import BadArgument, NothingInDocument

from .common import (
    Scenario,
    by_option,
    choose_many,
    composed,
    operation_ids,
    plan,
    uniques,
    with_header,
)

BOM = b"\xef\xbb\xbf"
Bad = tuple[bytes, str]
"""Body bytes and the defect text."""

_SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.integers(min_value=-(10**9), max_value=10**9),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=16),
    st.booleans(),
    st.none(),
)
_NON_OBJECTS: st.SearchStrategy[Any] = st.one_of(
    _SCALARS, st.lists(_SCALARS, max_size=4)
)
_BAD_UTF8 = (b"\xff", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "array"


def _members(valid: Any) -> dict[str, Any]:
    """The valid object, or a one-field stand-in when it is empty (or not an object)."""
    return dict(valid) if isinstance(valid, dict) and valid else {"a": 1}


def _truncated(valid: Any) -> st.SearchStrategy[Bad]:
    raw = json_body(_members(valid))
    return st.integers(min_value=1, max_value=len(raw) - 1).map(
        lambda cut: (raw[:cut], f"truncated JSON (cut at byte {cut} of {len(raw)})")
    )


def _trailing_comma(valid: Any) -> st.SearchStrategy[Bad]:
    raw = json_body(_members(valid))
    return st.just((raw[:-1] + b",}", "trailing comma before '}'"))


def _single_quotes(valid: Any) -> st.SearchStrategy[Bad]:
    text = json.dumps(_members(valid)).replace('"', "'")
    return st.just((text.encode(), "single-quoted strings"))


def _unquoted_keys(valid: Any) -> st.SearchStrategy[Bad]:
    members = ",".join(f"{k}:{json.dumps(v)}" for k, v in _members(valid).items())
    return st.just((("{" + members + "}").encode(), "unquoted keys"))


def _bare_scalar(valid: Any) -> st.SearchStrategy[Bad]:
    return _SCALARS.map(
        lambda v: (json_body(v), f"bare JSON {_json_type(v)} (not an object)")
    )


def _array(valid: Any) -> st.SearchStrategy[Bad]:
    arrays = st.one_of(st.just([_members(valid)]), st.lists(_SCALARS, max_size=4))
    return arrays.map(lambda v: (json_body(v), "JSON array (not an object)"))


def _non_finite(valid: Any) -> st.SearchStrategy[Bad]:
    members = _members(valid)

    def place(constant: str, where: str | None) -> Bad:
        if where is None:
            return constant.encode(), f"bare {constant} (not JSON)"
        inner = ",".join(
            f"{json.dumps(k)}:{constant if k == where else json.dumps(v)}"
            for k, v in members.items()
        )
        return ("{" + inner + "}").encode(), f"{constant} in field {where!r} (not JSON)"

    constants = st.sampled_from(["NaN", "Infinity", "-Infinity"])
    return st.builds(place, constants, st.sampled_from([None, *members]))


def _bom_non_object(valid: Any) -> st.SearchStrategy[Bad]:
    return _NON_OBJECTS.map(
        lambda v: (BOM + json_body(v), f"UTF-8 BOM, then a JSON {_json_type(v)}")
    )


def _deep_nesting(valid: Any) -> st.SearchStrategy[Bad]:
    return st.integers(min_value=33, max_value=3000).map(
        lambda depth: (b"[" * depth + b"]" * depth, f"arrays nested {depth} deep")
    )


def _empty(valid: Any) -> st.SearchStrategy[Bad]:
    return st.just((b"", "empty body"))


def _whitespace(valid: Any) -> st.SearchStrategy[Bad]:
    return st.text(alphabet=" \t\r\n", min_size=1, max_size=8).map(
        lambda w: (w.encode(), f"whitespace-only body {w!r}")
    )


def _invalid_utf8(valid: Any) -> st.SearchStrategy[Bad]:
    raw = json_body(_members(valid))
    quotes = [i + 1 for i, byte in enumerate(raw) if byte == ord('"')]

    def insert(at: int, bad: bytes) -> Bad:
        return raw[:at] + bad + raw[at:], f"invalid UTF-8 {bad!r} at byte {at}"

    return st.builds(insert, st.sampled_from(quotes), st.sampled_from(_BAD_UTF8))


def _concatenated(valid: Any) -> st.SearchStrategy[Bad]:
    raw = json_body(_members(valid))
    return st.sampled_from([b"", b" ", b"\n"]).map(
        lambda sep: (raw + sep + raw, "two JSON documents, one after the other")
    )


MALFORMED: dict[str, Callable[[Any], st.SearchStrategy[Bad]]] = {
    "truncated": _truncated,
    "trailing-comma": _trailing_comma,
    "single-quotes": _single_quotes,
    "unquoted-keys": _unquoted_keys,
    "bare-scalar": _bare_scalar,
    "array": _array,
    "non-finite": _non_finite,
    "bom-non-object": _bom_non_object,
    "deep-nesting": _deep_nesting,
    "empty": _empty,
    "whitespace": _whitespace,
    "invalid-utf8": _invalid_utf8,
    "concatenated": _concatenated,
}
"""Kind of malformed body -> strategy of (bytes, defect) from the valid body."""
NOT_OBJECT = frozenset({"bare-scalar", "array", "deep-nesting"})
"""Kinds that are well-formed JSON, just not an object: their defect kind is
``not-object`` (RFC 9110 fits 422 to them, where a document declares it; the
others are malformed syntax, ``body``: 400)."""


def _body_cases(
    ctx: ProbeContext,
    family: str,
    operations: Sequence[str],
    chosen: Sequence[str],
    allow_writes: bool,
) -> list[tuple[str, str]]:
    """(operation, kind) pairs of a family that breaks the JSON body; a bad request
    is never a write on a conforming target."""
    ids = operation_ids(ctx, family, operations)
    bodiless = [op_id for op_id in ids if ctx.operation(op_id).body_schema is None]
    if bodiless:
        raise BadArgument(
            f"{family}: operations {', '.join(map(repr, bodiless))} take no JSON body"
        )
    return plan(
        ctx,
        family,
        ids,
        lambda op: chosen,
        allow_writes=allow_writes,
        writes=lambda op, kind: False,
    )


def malformed_bodies(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    kinds: Sequence[str] | None = None,
) -> st.SearchStrategy[Scenario]:
    """The valid request with a body that is not JSON, or not a JSON object, of one
    of ``kinds`` (or any).

    One judged probe: the valid body (with fresh ``${unique_digits}``) broken as the
    kind says (``truncated``, ``trailing-comma``, ``single-quotes``,
    ``unquoted-keys``, ``non-finite``: not JSON; ``bare-scalar``, ``array``,
    ``bom-non-object``: JSON that is no object), sent labelled with the operation's
    JSON media type (``application/json`` unless it declares a ``+json`` one); never
    counted a write. Only operations with a JSON request body are probed.
    """
    chosen = choose_many("kinds", kinds, tuple(MALFORMED), default=tuple(MALFORMED))
    cases = _body_cases(ctx, "malformed_bodies", operations, chosen, allow_writes)

    def scenarios(draw: st.DrawFn) -> Scenario:
        op_id, kind = draw(by_option(cases))
        unique = draw(uniques())
        probe = ctx.valid_probe(op_id, unique=unique)
        body, defect = draw(MALFORMED[kind](ctx.valid_body(op_id, unique)))
        return (
            replace(
                with_header(
                    probe, "Content-Type", ctx.operation(op_id).body_media_type
                ),
                body=body,
                defect=f"{kind}: {defect}",
                defect_kind="not-object" if kind in NOT_OBJECT else "body",
                writes=False,
            ),
        )

    return composed(scenarios)


MEDIA_TYPES: dict[str, str] = {
    "text-plain": "text/plain",
    "form": "application/x-www-form-urlencoded",
    "xml": "application/xml",
    "octet-stream": "application/octet-stream",
}
"""The kinds of ``unsupported_media_types``: a Content-Type the operation does not
take, on the valid JSON body (the label, not the bytes, is the defect)."""

JSONAPI = "application/vnd.api+json"
"""The JSON:API media type (JSON:API 1.1, "The JSON:API Media Type")."""
JSONAPI_PARAMETER = "jsonapi-parameter"
"""The opt-in kind: the JSON:API media type with a parameter other than ``ext`` or
``profile``, which JSON:API 1.1 ("Server Responsibilities") answers 415."""
FOREIGN_PARAMETERS: tuple[str, ...] = ("version=1", "charset=utf-8")
"""Media type parameters JSON:API 1.1 does not define (it defines ``ext`` and
``profile`` only)."""


def unsupported_media_types(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    kinds: Sequence[str] | None = None,
) -> st.SearchStrategy[Scenario]:
    """The valid request, its JSON body labelled with a media type it does not take.

    The body stays valid JSON so that a server which ignores the label and parses
    anyway is caught: only a 415 that reads the label passes. ``kinds`` picks the
    labels (``text-plain``, ``form``, ``xml``, ``octet-stream``; and, opt-in,
    ``jsonapi-parameter``: ``application/vnd.api+json`` with a parameter JSON:API
    does not define, ``version=1`` or ``charset=utf-8``, sent only to operations
    whose body the document declares in that media type); the probe is judged
    alone, never counted a write, on operations with a JSON request body only.
    """
    every = (*MEDIA_TYPES, JSONAPI_PARAMETER)
    chosen = choose_many("kinds", kinds, every, default=tuple(MEDIA_TYPES))
    cases = _body_cases(
        ctx, "unsupported_media_types", operations, chosen, allow_writes
    )
    cases = [
        (op_id, kind)
        for op_id, kind in cases
        if kind != JSONAPI_PARAMETER or ctx.operation(op_id).body_media_type == JSONAPI
    ]
    if not cases:
        raise NothingInDocument(
            "unsupported_media_types: kind 'jsonapi-parameter' needs an operation "
            f"whose body the document declares in {JSONAPI}"
        )

    def scenarios(draw: st.DrawFn) -> Scenario:
        op_id, kind = draw(by_option(cases))
        probe = ctx.valid_probe(op_id, unique=draw(uniques()))
        if kind == JSONAPI_PARAMETER:
            label = f"{JSONAPI}; {draw(st.sampled_from(FOREIGN_PARAMETERS))}"
            defect = f"{kind}: valid JSON:API labelled {label}"
        else:
            label = MEDIA_TYPES[kind]
            defect = f"{kind}: valid JSON labelled {label}"
        return (
            replace(
                with_header(probe, "Content-Type", label),
                defect=defect,
                defect_kind="body",
                writes=False,
            ),
        )

    return composed(scenarios)
