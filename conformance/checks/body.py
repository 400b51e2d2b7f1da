"""Body checks: shape per the profile's schemas, status echo, reason phrase, leaks."""

from __future__ import annotations

import re
from functools import cache
from http import HTTPStatus
from typing import Any

from errcontract._http.exchange import Exchange
from errcontract._input.refs import pointer_tokens
from errcontract.checks._registry import REGISTRY, CheckContext, Inapplicable


def _json_or_fail(ctx: CheckContext, exchange: Exchange) -> Any:
    response = exchange.response
    assert response is not None
    if response.is_json:
        return response.json()
    if response.truncated:
        raise ctx.violation(
            "error body is larger than the read limit",
            expected="a JSON error body (a few hundred bytes, typically)",
            actual=f"{response.status} with a body truncated at the read limit of "
            f"{len(response.body) // 1024} KiB, not judged as JSON",
            exchanges=(exchange,),
        )
    snippet = response.text[:120] or "an empty body"
    note = f" ({response.note})" if response.note else ""
    raise ctx.violation(
        "error body is not JSON",
        expected="a JSON body",
        actual=f"{response.status} with {snippet!r}{note}",
        exchanges=(exchange,),
    )


@REGISTRY.register(
    "body_schema",
    "exchange",
    params={
        "schema": {"type": "string", "minLength": 1, "required": True},
        "by_status": {
            "type": "boolean",
            "description": "judge the body against the `$defs` row of its status "
            '(`"404"`), else of its family (`"4XX"`), of the file `schema` '
            "names; the row replaces the root schema (and any `#pointer` of "
            "`schema`), it does not add to it: a row that also wants the root's "
            'rules says so itself (`allOf: [{$ref: "#"}]`), and a status '
            "without a row is not judged by this clause",
        },
        "present": {
            "type": "string",
            "minLength": 1,
            "description": "judge only bodies that carry this member (the "
            "clause's premise: `errors`, for a clause on the field-error list)",
        },
    },
    content=True,
)
def body_schema(ctx: CheckContext, exchange: Exchange) -> Inapplicable | None:
    """The body validates against ``schema``; with ``by_status``, against the
    schema's ``$defs`` row of the status (or its ``NXX`` family) alone, where it has
    one: the row replaces the root schema rather than adding to it (a clause
    without ``by_status`` over the same responses judges the root); with
    ``present``, only a body that carries that member is judged."""
    assert exchange.response is not None
    status = exchange.response.status
    member = ctx.params.get("present")
    if member is not None and body_field(exchange, member) is None:
        return Inapplicable(f"no body carried `{member}`")
    reference = ctx.params["schema"]
    if ctx.params.get("by_status"):
        name = reference.partition("#")[0]
        family = f"{str(status)[0]}XX"
        if ctx.profile.has_schema_def(name, str(status)):
            reference = f"{name}#/$defs/{status}"
        elif ctx.profile.has_schema_def(name, family):
            reference = f"{name}#/$defs/{family}"
        else:
            # A status the table does not document (a 405 for a method the API does
            # not serve, a 413 from a proxy) has no documented code to compare with:
            # not judged here; its body shape is the shape clause's.
            return Inapplicable(f"no documented body for status {status}")
        if not exchange.response.is_json:
            return None  # not judged here: the body-shape clause reports it
    body = _json_or_fail(ctx, exchange)
    validator = ctx.profile.validator(reference)
    complaint = _complaint(validator, exchange.response.body, body)
    if complaint:
        raise ctx.violation(
            "error body does not match the documented shape",
            expected=f"a body matching {reference}",
            actual=f"{status}: {complaint}",
            exchanges=(exchange,),
        )
    return None


_MEMO_BODY_BYTES = 4096
_MEMO_SIZE = 4096
_memo: dict[tuple[int, bytes], tuple[Any, str | None]] = {}
"""(validator's id, body bytes) -> (the validator, its complaint): a server's error
bodies repeat (one 401 body for thousands of probes), and each is validated once;
the validator kept with its entry, so an id reused by another is never a hit."""


def _complaint(validator: Any, raw: bytes, body: Any) -> str | None:
    """``first_error`` of ``body`` (parsed from ``raw``), remembered by its bytes."""
    if len(raw) > _MEMO_BODY_BYTES:
        return first_error(validator, body)
    key = (id(validator), raw)
    hit = _memo.get(key)
    if hit is not None and hit[0] is validator:
        return hit[1]
    complaint = first_error(validator, body)
    if len(_memo) >= _MEMO_SIZE:
        _memo.clear()  # bounded; a run's repeats come back within a few requests
    _memo[key] = (validator, complaint)
    return complaint


def first_error(validator: Any, body: Any) -> str | None:
    """The schema's complaint about ``body`` a reader fixes first (the shallowest,
    then by its text, so a run says the same thing each time), with where it is;
    ``None`` when the body matches."""
    errors = sorted(
        validator.iter_errors(body),
        key=lambda e: (len(e.absolute_path), e.message),
    )
    if not errors:
        return None
    err = errors[0]
    where = "/".join(str(p) for p in err.absolute_path) or "(body)"
    return f"at {where}: {err.message}"


def body_field(exchange: Exchange, name: str) -> Any:
    """Field ``name`` of a JSON-object body, or ``None``: a body that is not a JSON
    object is the shape clause's business, not every field check's. A ``name``
    that starts with ``/`` is a JSON Pointer to a member inside the body
    (``/error/code``, for a convention whose error sits in an envelope)."""
    response = exchange.response
    if response is None or not response.is_json:
        return None
    body = response.json()
    if not name.startswith("/"):
        return body.get(name) if isinstance(body, dict) else None
    for token in pointer_tokens(name):
        if isinstance(body, dict):
            body = body.get(token)
        elif isinstance(body, list) and token.isdigit() and int(token) < len(body):
            body = body[int(token)]
        else:
            return None
    return body


@REGISTRY.register(
    "status_field",
    "exchange",
    params={
        "field": {
            "type": "string",
            "minLength": 1,
            "required": True,
            "description": "the member holding the status: a name (`status`), or a "
            "JSON Pointer to a member inside the body (`/error/code`)",
        }
    },
    content=True,
)
def status_field(ctx: CheckContext, exchange: Exchange) -> Inapplicable | None:
    """The body repeats the HTTP status in ``field`` (judged when it is a number:
    its type is the shape clause's)."""
    assert exchange.response is not None
    name = ctx.params["field"]
    value = body_field(exchange, name)
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if not is_number:
        return Inapplicable(f"no body carried a number `{name}`")
    if value != exchange.response.status:
        raise ctx.violation(
            f"`{name}` differs from the HTTP status",
            expected=f"{name} = {exchange.response.status}",
            actual=f"{name} = {value}",
            exchanges=(exchange,),
        )
    return None


@cache
def reason_phrases(status: int) -> frozenset[str]:
    """Every IANA reason phrase the standard library knows for ``status``, lowercased.

    ``HTTPStatus`` carries the current phrase and, as member aliases, former ones
    (``UNPROCESSABLE_ENTITY`` next to ``UNPROCESSABLE_CONTENT``).
    """
    phrases: set[str] = set()
    for name, member in HTTPStatus.__members__.items():
        if member.value == status:
            phrases.add(member.phrase.lower())
            phrases.add(name.replace("_", " ").lower())
    return frozenset(phrases)


@REGISTRY.register(
    "reason_phrase",
    "exchange",
    params={
        "field": {"type": "string", "minLength": 1, "required": True},
        "also": {
            "type": "object",
            "propertyNames": {"pattern": "^[1-5][0-9][0-9]$"},
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    content=True,
)
def reason_phrase(ctx: CheckContext, exchange: Exchange) -> None:
    """``field`` is the reason phrase of the status (judged when it is a string)."""
    assert exchange.response is not None
    name = ctx.params["field"]
    value = body_field(exchange, name)
    if not isinstance(value, str):
        return
    status = exchange.response.status
    allowed = reason_phrases(status) | {
        p.lower() for p in ctx.params.get("also", {}).get(str(status), [])
    }
    if value.strip().lower() not in allowed:
        raise ctx.violation(
            f"`{name}` is not the reason phrase of {status}",
            expected=" or ".join(sorted(repr(p) for p in allowed)) or "a phrase",
            actual=repr(value),
            exchanges=(exchange,),
        )


@cache
def _compile(patterns: tuple[tuple[str, str], ...]) -> tuple[tuple[str, Any], ...]:
    return tuple((name, re.compile(regex)) for name, regex in patterns)


def _strings(value: Any) -> list[str]:
    """Every string (keys included) in a JSON value, in order; no recursion, as an
    answer may nest as deep as Python's parser reads (a body echoed back)."""
    found: list[str] = []
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for key, item in reversed(node.items()):
                stack.extend((item, key))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return found


@REGISTRY.register(
    "no_internals",
    "exchange",
    params={"patterns": {"type": "string", "minLength": 1, "required": True}},
    content=True,
)
def no_internals(ctx: CheckContext, exchange: Exchange) -> None:
    """The body shows no stack trace, source path, SQL or exception class."""
    assert exchange.response is not None
    data = ctx.profile.data_file(ctx.params["patterns"])
    compiled = _compile(tuple((p["name"], p["regex"]) for p in data["patterns"]))
    # Search the raw body and, for JSON, its decoded strings: "\n\tat com.x(…)" in
    # JSON text has no line break before "at" until it is decoded.
    texts = [exchange.response.text]
    if exchange.response.is_json:
        texts.append("\n".join(_strings(exchange.response.json())))
    text = "\n".join(texts)
    for name, pattern in compiled:
        match = pattern.search(text)
        if match:
            raise ctx.violation(
                "error body leaks internals",
                expected="no internals in the body",
                actual=f"{name}: {match.group(0)[:160]!r}",
                exchanges=(exchange,),
            )


@REGISTRY.register(
    "listed_statuses",
    "exchange",
    params={
        "field": {"type": "string", "minLength": 1, "required": True},
        "member": {"type": "string", "minLength": 1, "required": True},
    },
    content=True,
)
def listed_statuses(ctx: CheckContext, exchange: Exchange) -> Inapplicable | None:
    """Each item of the list ``field`` that carries ``member`` as a string (JSON:API's
    ``errors[].status``: "the HTTP status code applicable to this problem, expressed
    as a string value") says an HTTP status applicable to the response: where the
    items say one status, it is the response's; where they say several, the
    response's is one of theirs or a status of the same class (JSON:API 1.1,
    "Processing Errors": several 4xx problems SHOULD be answered with the most
    generally applicable code, 400 for instance). A value that is no string, or an
    item without ``member``, is not judged here: its type and presence are the shape
    clause's."""
    assert exchange.response is not None
    status = exchange.response.status
    listed = body_field(exchange, ctx.params["field"])
    member = ctx.params["member"]
    items = listed if isinstance(listed, list) else []
    said = [i.get(member) for i in items if isinstance(i, dict)]
    values = sorted({v for v in said if isinstance(v, str)})
    if not values:
        return Inapplicable(f"no item of `{ctx.params['field']}` carried a `{member}`")
    classes = {v[:1] for v in values}
    fits = values == [str(status)] if len(values) == 1 else str(status)[:1] in classes
    if not fits:
        raise ctx.violation(
            f"`{ctx.params['field']}[].{member}` says another status than the response",
            expected=(
                f"{member} {str(status)!r}, or, where the items say several "
                f"statuses, a response status of one of their classes"
            ),
            actual=f"{status} with {member} {', '.join(map(repr, values))}",
            exchanges=(exchange,),
        )
    return None
