"""Answer checks: the documented answer to a probe, pairs that must not differ,
no server error for bad input."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any

from errcontract._http.exchange import Exchange
from errcontract._http.probe import Answer
from errcontract._input.refs import pointer_tokens
from errcontract.checks._registry import REGISTRY, CheckContext


def describe_actual(ctx: CheckContext, exchange: Exchange) -> str:
    """The answer as evidence says it: status, code, message, named fields."""
    response = exchange.response
    if response is None:
        return f"no response ({exchange.failure})"
    parts = [str(response.status)]
    if 300 <= response.status < 400:
        # Not followed (never, with credentials): say where it pointed.
        parts[0] += f" redirect to {response.header('location') or '(no Location)'}"
    body = response.json() if response.is_json else None
    fields = ctx.profile.error_body
    if isinstance(body, dict):
        for key in ("code_field", "message_field"):
            name = fields.get(key)
            value = member_at(body, name)
            present = name in body if isinstance(name, str) else value is not None
            if name and present:
                parts.append(f"{path_text(name)} {value!r}")
        errors_field = fields.get("fields_field")
        named = named_fields(member_at(body, errors_field), fields, response.status)
        if errors_field and named is not None:
            parts.append(f"naming {sorted(named)}")
    elif response.body:
        parts.append(f"body {response.text[:80]!r}")
    return parts[0] + (" with " + ", ".join(parts[1:]) if parts[1:] else "")


def answer_matches(
    answer: Answer, exchange: Exchange, fields: Mapping[str, Any]
) -> bool:
    """Whether the response is ``answer``: status, code, message, named field."""
    response = exchange.response
    if response is None or not answer.matches_status(response.status):
        return False
    needs_body = answer.error or answer.message or answer.name_field
    if not needs_body:
        return True
    body: Any = response.json() if response.is_json else None
    if not isinstance(body, dict):
        return False
    if (
        answer.error is not None
        and body.get(fields.get("code_field", "")) != answer.error
    ):
        return False
    if answer.message is not None:
        message = member_at(body, fields.get("message_field"))
        if not isinstance(message, str) or message.strip() != answer.message.strip():
            return False
    broken = exchange.probe.broken_fields
    if answer.name_field and broken:
        # Every broken field, not just one: a several-defect probe is sent to check
        # that the answer does not stop at the first field it finds.
        listed = member_at(body, fields.get("fields_field"))
        if listed is None and answer.name_field == "if-listed":
            return True
        named = named_fields(listed, fields, response.status)
        if named is None:
            return False
        if "" in named and exchange.probe.defect_kind == "missing":
            # A missing member exists nowhere to point at: a pointer to the whole
            # document ("", its parent) names it (JSON:API 1.1, Error Objects: a
            # pointer "MUST point to a value in the request document that exists").
            named |= set(broken)
        if not set(broken) <= named:
            return False
    return True


def member_at(body: Any, where: Any) -> Any:
    """The value ``error_body`` names with ``where`` in ``body``: a top-level member
    (a name), or a path (a list) of member names and selectors, a selector being an
    object (``{"@type": "type.googleapis.com/google.rpc.BadRequest"}``) that keeps
    the items of a list whose members have those values; lists several selected
    items hold are joined. ``None`` where nothing is there. A path is how a
    convention whose field errors sit inside a typed payload (AIP-193's
    ``error.details[].fieldViolations``) names them."""
    if isinstance(where, str):
        return body.get(where) if isinstance(body, dict) else None
    if not isinstance(where, list) or not where:
        return None
    values = [body]
    for step in where:
        found: list[Any] = []
        for value in values:
            if isinstance(step, str) and isinstance(value, dict) and step in value:
                found.append(value[step])
            elif isinstance(step, Mapping) and isinstance(value, list):
                found.extend(
                    item
                    for item in value
                    if isinstance(item, dict)
                    and all(item.get(k) == v for k, v in step.items())
                )
        values = found
    if len(values) > 1 and all(isinstance(v, list) for v in values):
        return [item for value in values for item in value]
    return values[0] if values else None


def path_text(where: Any) -> str:
    """``where`` (``member_at``'s) as a reader writes it: ``error.details[@type=
    ...].fieldViolations``."""
    if not isinstance(where, list):
        return str(where)
    text = ""
    for step in where:
        if isinstance(step, Mapping):
            text += "".join(f"[{k}={v}]" for k, v in step.items())
        else:
            text += f".{step}" if text else str(step)
    return text


_PROTO_PATH = re.compile(r"[.\[\]]")


_NAME_MEMBERS = ("name", "field", "param", "parameter", "pointer", "loc")
"""Members an item of an array of field errors may name its field in, in order:
RFC 7807's ``invalid-params`` use ``name``, ``errors`` arrays often a ``pointer``,
FastAPI and Pydantic a ``loc`` array (``["body", "name"]``)."""
_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})
"""The first item of a ``loc`` array, where it says which part of the request."""


def _names(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str | int) for v in value)
    )


def field_member(fields: Mapping[str, Any], status: int | None) -> str | None:
    """The ``field_member`` of ``error_body`` for an answer with ``status``: the one
    member, or, per status, the status's own entry, else its family's (``"4XX"``);
    ``None`` (the default members, in order) where none is given for it."""
    wanted = fields.get("field_member")
    if isinstance(wanted, str) or wanted is None:
        return wanted or None
    if status is None:
        return None
    for key in (str(status), f"{str(status)[0]}XX"):
        if key in wanted:
            return str(wanted[key])
    return None


def _at(item: Mapping[str, Any], member: str) -> Any:
    """``item``'s ``member``, or, for a path of members (``source/pointer``: JSON:API
    keeps an error's pointer in its ``source`` object), the member it leads to."""
    value: Any = item
    for name in member.split("/"):
        value = value.get(name) if isinstance(value, Mapping) else None
    return value


def named_fields(
    value: Any, fields: Mapping[str, Any], status: int | None = None
) -> set[str] | None:
    """The body fields a validation answer names: the keys of an object keyed by
    field (``{"errors": {"name": [...]}}``), or, for an array of objects, each
    item's ``field_member`` for ``status`` (else the first of ``name``, ``field``,
    ``param``, ``parameter``, ``pointer``, ``loc``; a path ``source/pointer`` reads
    a member's member), a JSON Pointer (``/name``, ``#/name``) naming its first
    segment (the probe breaks one top-level member of the request body, so
    JSON:API's ``/data/attributes/title`` names ``data``), or, with ``field_path:
    protobuf``, a protobuf field path naming its first or second. ``None`` when the
    value names no fields at all."""
    if isinstance(value, dict):
        return {str(k) for k in value}
    if not isinstance(value, list) or not all(isinstance(i, dict) for i in value):
        return None
    wanted = field_member(fields, status)
    members = (wanted,) if wanted else _NAME_MEMBERS
    found: set[str] = set()
    for item in value:
        raw = next((_at(item, m) for m in members if _names(_at(item, m))), None)
        if isinstance(raw, list):
            # A location path: the part of the request, then the member's path.
            path = raw[1:] if raw and raw[0] in _LOCATIONS else raw
            raw = str(path[0]) if path else None
        if not isinstance(raw, str):
            continue
        if raw.startswith(("#/", "/")):
            raw = (pointer_tokens(raw) or [""])[0]
        elif fields.get("field_path") == "protobuf":
            # A protobuf field path (error_details.proto's FieldViolation.field):
            # `theme`, `tags[1]`, or `shelf.theme` where the HTTP body is the
            # request's `shelf` field (AIP-133): its first or second segment.
            found.update([s for s in _PROTO_PATH.split(raw) if s][:2])
            continue
        found.add(raw)
    return found


@REGISTRY.register("expected_answer", "exchange")
def expected_answer(ctx: CheckContext, exchange: Exchange) -> None:
    """The response is one of the answers documented for the probe's defect."""
    probe = exchange.probe
    if any(answer_matches(a, exchange, ctx.profile.error_body) for a in probe.expect):
        return
    raise ctx.violation(
        "answer differs from the documented one",
        expected=probe.describe_expectation(),
        actual=describe_actual(ctx, exchange),
        exchanges=(exchange,),
    )


VOLATILE: Mapping[str, Any] = {
    "type": "array",
    "items": {"type": "string"},
    "description": "Members left out of the comparison, at any depth of the JSON "
    "body: each a member name (`detail`) or a shell-style pattern matched against "
    "the whole name, case-sensitive (`*` any run of characters, `?` one character, "
    "`[abc]` one of them, `[!abc]` none of them: `*_at`, `*Id`). A pattern never "
    "spans a path (`meta.id` is a name with a dot, not the `id` inside `meta`).",
}
"""The ``volatile`` parameter of the checks that compare bodies (one syntax, one
matcher: ``without_volatile``)."""


def without_volatile(value: Any, volatile: Sequence[str]) -> Any:
    """``value`` without the members named ``volatile`` (names or ``fnmatch``
    patterns, case-sensitive), at any depth."""
    if isinstance(value, dict):
        return {
            k: without_volatile(v, volatile)
            for k, v in value.items()
            if not any(fnmatchcase(str(k), pattern) for pattern in volatile)
        }
    if isinstance(value, list):
        return [without_volatile(v, volatile) for v in value]
    return value


def signature(exchange: Exchange, volatile: Sequence[str]) -> tuple[Any, ...]:
    """Status and the whole body bar its volatile members: what must not tell the
    cases apart. JSON is compared canonically (key order aside; ``1`` is not ``true``
    nor ``1.0``), any other body byte for byte."""
    response = exchange.response
    if response is None:
        return ("no response",)
    body = response.json() if response.is_json else None
    if not isinstance(body, dict):
        return (response.status, response.text)
    return (
        response.status,
        json.dumps(without_volatile(body, volatile), sort_keys=True),
    )


def _short_json(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."


def differences(
    judged: Sequence[Exchange], volatile: Sequence[str], *, values: bool = False
) -> str:
    """Which members tell two JSON-object answers apart, for the evidence (with
    ``values``, what each held: ``'name' differs ("a" then "b")``)."""
    bodies = []
    for exchange in judged[:2]:
        response = exchange.response
        body = response.json() if response is not None and response.is_json else None
        if not isinstance(body, dict):
            return ""
        bodies.append(without_volatile(body, volatile))
    first, second = bodies

    def differs(k: str) -> str:
        shown = f" ({_short_json(first[k])} then {_short_json(second[k])})"
        return f"{k!r} differs" + (shown if values else "")

    names = [
        *(f"{k!r} only in the first" for k in first if k not in second),
        *(f"{k!r} only in the second" for k in second if k not in first),
        *(
            differs(k)
            for k in first
            if k in second
            and json.dumps(first[k], sort_keys=True)
            != json.dumps(second[k], sort_keys=True)
        ),
    ]
    return f" (members: {', '.join(names)})" if names else ""


def volatile_members(ctx: CheckContext) -> tuple[str, ...]:
    """The clause's ``volatile`` names and patterns (``VOLATILE``)."""
    return tuple(str(v) for v in ctx.params.get("volatile", ()))


@REGISTRY.register(
    "indistinguishable",
    "scenario",
    params={"volatile": VOLATILE},
)
def indistinguishable(ctx: CheckContext, exchanges: Sequence[Exchange]) -> None:
    """The probes of a scenario get the same status and the same body: the same
    members with the same values, apart from the clause's ``volatile`` members (ids,
    timestamps, message wording: names or ``fnmatch`` patterns such as ``*_id``,
    matched against member names at any depth, declared in the catalog).

    Also judges each against the clause's documented answers, when it has any.
    """
    judged = [e for e in exchanges if e.probe.role == "probe"]
    for exchange in judged:
        if exchange.probe.expect:
            expected_answer(ctx, exchange)
    volatile = volatile_members(ctx)
    signatures = {signature(e, volatile) for e in judged}
    if len(signatures) > 1:
        raise ctx.violation(
            "answers tell the cases apart",
            expected="the same status and body for "
            + " and ".join(e.probe.defect or e.probe.operation for e in judged)
            + (f" (apart from {', '.join(volatile)})" if volatile else ""),
            actual="; ".join(describe_actual(ctx, e) for e in judged)
            + differences(judged, volatile),
            exchanges=tuple(judged),
        )


@REGISTRY.register("no_server_error", "exchange")
def no_server_error(ctx: CheckContext, exchange: Exchange) -> None:
    """Bad input never yields a 5xx."""
    response = exchange.response
    if response is not None and response.status >= 500:
        raise ctx.violation(
            "bad input answered with a server error",
            expected="a 4xx answer to a request with a defect",
            actual=describe_actual(ctx, exchange),
            exchanges=(exchange,),
        )
