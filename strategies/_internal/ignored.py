"""Inputs a server must ignore: the valid request plus something that changes
nothing it was asked to do, answered as the same request without it.

Each scenario sends the valid request first (``role="setup"``: the answer to
compare with), then the same request with one extra input:

``unknown-query``
    a query parameter the operation does not declare, with a harmless value (caches,
    proxies and analytics add such parameters; the document lists what is read).
``unknown-member``
    a body member the schema does not name, where the schema allows members it does
    not name (no ``additionalProperties: false``; with it, a 400 or 422 is the
    documented answer, so the probe is not sent).
``read-only-member``
    a member the body schema marks ``readOnly: true``, with a plausible value that no
    server would choose itself (a fixed UUID with the run's digits, a date in 2001):
    OpenAPI says such a member "SHOULD NOT be sent" by a client, so a server ignores or
    refuses it, and never stores the value sent.
``body-on-get``, ``body-on-delete``
    a small JSON body on a GET or DELETE, which has no defined semantics there (RFC
    9110 sections 9.3.1 and 9.3.5). The DELETE names an item that does not exist (the
    last path parameter replaced): the valid DELETE would remove what the run's other
    probes use, and a second one would find nothing. It changes nothing, so it is
    sent in read-only runs too.
``client-request-id`` (opt-in, with ``header=``)
    the response request-id header sent by the client with a recognisable value.
``scheme-case`` (opt-in)
    the credential's auth-scheme word in another letter case (``bearer <key>``,
    ``BEARER <key>`` for ``Bearer <key>``; the key unchanged): RFC 9110 section 11.1
    makes the auth-scheme a case-insensitive token (RFC 6750 and RFC 7617 inherit
    it), so the request is the valid one. Only where the credential template has a
    scheme word (``BadArgument`` otherwise); the key's own case is
    ``malformed_credentials``' ``case-changed``, a different key.

Which operations can be asked twice: a read or a PUT (idempotent, RFC 9110 section
9.2.2), or a POST or PATCH whose body draws a fresh ``${unique_digits}`` each time
(two creates of different things). Another POST or PATCH is left out: its repeat
may conflict (``duplicate_creates``, ``repeated_actions``), which no ignored input
causes. A DELETE takes only ``body-on-delete``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from errcontract._contract.surface import UNIQUE_DIGITS, Operation, ProbeContext
from errcontract._http.probe import DefectKind, Probe, json_body, placeholders
from errcontract.exceptions import BadArgument

from .common import (
    Scenario,
    by_option,
    choose_many,
    composed,
    operation_ids,
    plan,
    text_argument,
    uniques,
    with_header,
)
from .misplaced import scheme_word
from .resources import unknown_ids

IGNORED_KINDS: tuple[str, ...] = (
    "unknown-query",
    "unknown-member",
    "read-only-member",
    "body-on-get",
    "body-on-delete",
)
"""Kinds the coverage phase sends on every operation they apply to."""
CLIENT_REQUEST_ID = "client-request-id"
"""An opt-in kind: a clause names it, with the request-id header (``header=``)."""
SCHEME_CASE = "scheme-case"
"""An opt-in kind: the auth-scheme word in another letter case (its own clause, read
from RFC 9110 section 11.1, where the template has a scheme word)."""

UNKNOWN_NAME = "errcontract_ignored"
"""The unknown query parameter's and body member's name (a suffix is added where the
operation has one so named)."""
UNKNOWN_VALUE = "1"
IGNORED_CONTENT: Mapping[str, Any] = {"errcontract_ignored": True}
"""The JSON body sent on a GET or DELETE."""

_DATES = {"date-time": "2001-02-03T04:05:06Z", "date": "2001-02-03"}


def _unused(names: set[str]) -> str:
    name, n = UNKNOWN_NAME, 1
    while name in names:
        n += 1
        name = f"{UNKNOWN_NAME}_{n}"
    return name


def _properties(schema: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    """The body's top-level properties, its ``allOf`` parts' included."""
    schema = schema or {}
    found = dict(schema.get("properties") or {})
    for part in schema.get("allOf") or ():
        if isinstance(part, Mapping):
            found.update(part.get("properties") or {})
    return found


def closed(schema: Mapping[str, Any] | None) -> bool:
    """Whether the body schema refuses members it does not name."""
    parts = [schema or {}, *((schema or {}).get("allOf") or ())]
    return any(
        isinstance(p, Mapping)
        and (
            p.get("additionalProperties") is False
            or p.get("unevaluatedProperties") is False
        )
        for p in parts
    )


def plausible(schema: Mapping[str, Any], unique: int) -> Any:
    """A value of ``schema`` a server would not choose itself, or ``None``: a UUID
    ending in the run's digits, a date in 2001, a number in the nine hundred
    millions, a text naming the suite; an enum, a boolean or an object can coincide
    with the server's own value, so none is sent."""
    kind = schema.get("type")
    kinds = [kind] if isinstance(kind, str) else list(kind or ())
    if "enum" in schema or "const" in schema:
        return None
    fmt = schema.get("format")
    value: Any
    if "string" in kinds or (not kinds and isinstance(fmt, str)):
        if fmt == "uuid":
            value = str(uuid.UUID(f"00000000-0000-4000-8000-{unique % 10**12:012d}"))
        elif fmt in _DATES:
            value = _DATES[fmt]
        elif fmt == "email":
            value = f"read-only-{unique}@example.com"
        elif fmt in ("uri", "iri"):
            value = f"https://example.com/read-only/{unique}"
        elif fmt == "uri-reference":
            value = f"/read-only/{unique}"
        elif fmt is None:
            value = f"read-only-{unique:012d}"
        else:
            return None
    elif "integer" in kinds or "number" in kinds:
        value = 900_000_000 + unique % 100_000_000
    else:
        return None
    fits = Draft202012Validator(schema, format_checker=FormatChecker()).is_valid
    return value if fits(value) else None


def read_only_member(op: Operation, body: Any, unique: int) -> tuple[str, Any] | None:
    """The first ``readOnly`` member of ``op``'s body the valid body does not hold,
    with a plausible value, or ``None``."""
    if not isinstance(body, Mapping):
        return None
    for name, schema in _properties(op.body_schema).items():
        if isinstance(schema, Mapping) and schema.get("readOnly") is True:
            value = plausible(schema, unique)
            if name not in body and value is not None:
                return name, value
    return None


def repeatable(op: Operation) -> bool:
    """Whether the valid request can be sent twice and answered alike."""
    if op.method in ("GET", "PUT"):
        return True
    fresh = UNIQUE_DIGITS in placeholders(op.body_example)
    return op.method in ("POST", "PATCH") and fresh


def ignored_inputs(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    kinds: Sequence[str] | None = None,
    header: str | None = None,
) -> st.SearchStrategy[Scenario]:
    """The valid request to each operation, then the same with one input a server
    must ignore (``IGNORED_KINDS``; ``client-request-id`` too when ``header`` names
    the request-id header; ``scheme-case``, opt-in, the credential's scheme word in
    another letter case, ``bearer <key>``, which RFC 9110 section 11.1 makes the
    valid credential).

    A scenario of two: the valid request as a ``setup`` probe (its status is the
    answer expected), then the valid request plus one input of the kind, which is
    judged (``ignored_input``). ``unknown-query`` adds an undeclared query parameter;
    ``unknown-member`` a member the body schema does not name (only where it does
    not forbid extra members); ``read-only-member`` a ``readOnly`` member with a
    value no server would choose; ``body-on-get`` a small JSON body on a GET;
    ``body-on-delete`` one on a DELETE to an id that exists nowhere (so no write);
    ``client-request-id`` (opt-in) sends ``header`` with a recognisable value. Only
    reads, PUTs and bodies drawing a fresh ``${unique_digits}`` are asked twice;
    ``kinds`` limits the kinds (default all but the opt-in one);
    listing ``client-request-id`` without ``header`` is refused, and
    ``scheme-case`` where the credential template has no scheme word.
    """
    every = (*IGNORED_KINDS, CLIENT_REQUEST_ID, SCHEME_CASE)
    chosen = choose_many("kinds", kinds, every, default=IGNORED_KINDS)
    scheme = scheme_word(ctx.credential_template)
    if SCHEME_CASE in chosen and (scheme is None or ctx.credential_query):
        raise BadArgument(
            "ignored_inputs: kind 'scheme-case' needs a scheme word in the "
            f"credential template, and it is {ctx.credential_template!r}"
        )
    if header is not None:
        text_argument("header", header)
    if CLIENT_REQUEST_ID in chosen and header is None:
        raise BadArgument(
            "ignored_inputs: kind 'client-request-id' needs header= (the response "
            "request-id header)"
        )
    ids = operation_ids(ctx, "ignored_inputs", operations)

    def options(op: Operation) -> list[str]:
        body = ctx.valid_body(op.id) if ctx.can_build(op.id) else None
        if op.method == "DELETE":
            found = ["body-on-delete"] if op.params("path") and body is None else []
            return [k for k in found if k in chosen]
        if not repeatable(op):
            return []
        found = ["unknown-query", SCHEME_CASE]
        if isinstance(body, Mapping) and not closed(op.body_schema):
            found.append("unknown-member")
        if read_only_member(op, body, 0) is not None:
            found.append("read-only-member")
        if op.method == "GET" and body is None:
            found.append("body-on-get")
        if header is not None and not op.needs_header(header):
            declared = {p.name.lower() for p in op.params("header")}
            if header.lower() not in declared:
                found.append(CLIENT_REQUEST_ID)
        return [k for k in found if k in chosen]

    cases = plan(
        ctx,
        "ignored_inputs",
        ids,
        options,
        allow_writes=allow_writes,
        # A DELETE to an id that names nothing changes nothing (as unknown_resources).
        writes=lambda op, kind: op.writes and kind != "body-on-delete",
    )

    def scenarios(draw: st.DrawFn) -> Scenario:
        op_id, kind = draw(by_option(cases))
        op = ctx.operation(op_id)
        first, unique = draw(uniques()), draw(uniques())
        usual = ctx.valid_probe(op_id, unique=first)
        valid = ctx.valid_probe(op_id, unique=unique)
        if kind == "body-on-delete":
            last = op.params("path")[-1]
            real = ctx.values.get(last.var or last.name)
            unknown = draw(unknown_ids(last.schema, real))
            path = _with_path(op, ctx, last.name, unknown)
            usual = replace(usual, path=path, writes=False)
            valid = replace(valid, path=path, writes=False)
        if kind == SCHEME_CASE:
            assert scheme is not None
            changed = draw(st.sampled_from(_other_cases(scheme)))
            probe = _scheme_case(ctx, valid, scheme, changed)
        else:
            probe = _extra(ctx, op, valid, kind, unique, header)
        return (replace(usual, role="setup"), probe)

    return composed(scenarios)


def _other_cases(scheme: str) -> list[str]:
    """``scheme`` in lower case, then upper case (those that differ from it)."""
    return [s for s in dict.fromkeys((scheme.lower(), scheme.upper())) if s != scheme]


def _scheme_case(ctx: ProbeContext, valid: Probe, scheme: str, changed: str) -> Probe:
    """``valid`` with its credential's scheme word written ``changed``."""
    template = ctx.credential_template.strip()
    credential = replace(valid.credential, template=changed + template[len(scheme) :])
    return replace(
        valid,
        credential=credential,
        defect=f"scheme-case: the auth-scheme written {changed!r} (the valid key), "
        "to be taken as the valid credential",
        defect_kind="scheme-case",
    )


def _with_path(op: Operation, ctx: ProbeContext, name: str, value: Any) -> str:
    path = op.path
    for param in op.params("path"):
        chosen = value if param.name == name else ctx.values[param.var or param.name]
        path = path.replace("{" + param.name + "}", str(chosen))
    return path


def _extra(
    ctx: ProbeContext,
    op: Operation,
    valid: Probe,
    kind: str,
    unique: int,
    header: str | None,
) -> Probe:
    """``valid`` with the one extra input ``kind`` names."""
    tag: DefectKind
    field = None
    if kind == "unknown-query":
        name = _unused({p.name for p in op.params("query")})
        probe = replace(valid, query=(*valid.query, (name, UNKNOWN_VALUE)))
        tag, what = "unknown-query", f"query parameter {name}={UNKNOWN_VALUE}"
    elif kind == "unknown-member":
        body = dict(ctx.valid_body(op.id, unique))
        name = _unused(set(_properties(op.body_schema)) | set(body))
        probe = replace(valid, body=json_body({**body, name: UNKNOWN_VALUE}))
        tag, what = "unknown-member", f"body member {name!r} the schema does not name"
    elif kind == "read-only-member":
        body = dict(ctx.valid_body(op.id, unique))
        found = read_only_member(op, body, unique)
        assert found is not None  # options() offered the kind
        field, value = found
        probe = replace(valid, body=json_body({**body, field: value}))
        tag, what = "read-only-member", f"read-only member {field!r} = {value!r}"
    elif kind in ("body-on-get", "body-on-delete"):
        probe = with_header(
            replace(valid, body=json_body(IGNORED_CONTENT)),
            "Content-Type",
            "application/json",
        )
        tag = "body-on-get" if kind == "body-on-get" else "body-on-delete"
        what = f"a JSON body on {op.method}"
    else:
        assert header is not None
        value = f"errcontract-client-{unique:012d}"
        probe = with_header(valid, header, value)
        field = header  # the check reads the id sent from the header it names
        tag, what = "client-request-id", f"{header}: {value} sent by the client"
    return replace(
        probe, defect=f"{kind}: {what}, to be ignored", defect_kind=tag, field=field
    )
