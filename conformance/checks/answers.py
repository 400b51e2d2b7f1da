"""Answer checks: the documented answer to a probe, pairs that must not differ,
no server error for bad input."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conformance.checks._registry import REGISTRY, CheckContext
from conformance.exchange import Exchange
from conformance.probe import Answer


def _describe_actual(ctx: CheckContext, exchange: Exchange) -> str:
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
            if name and name in body:
                parts.append(f"{name} {body[name]!r}")
        errors_field = fields.get("fields_field")
        if errors_field and isinstance(body.get(errors_field), dict):
            parts.append(f"naming {sorted(body[errors_field])}")
    elif response.body:
        parts.append(f"body {response.text[:80]!r}")
    return parts[0] + (" with " + ", ".join(parts[1:]) if parts[1:] else "")


def answer_matches(
    answer: Answer, exchange: Exchange, fields: Mapping[str, str]
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
        message = body.get(fields.get("message_field", ""))
        if not isinstance(message, str) or message.strip() != answer.message.strip():
            return False
    if answer.name_field and exchange.probe.field:
        named = body.get(fields.get("fields_field", ""))
        if not isinstance(named, dict) or exchange.probe.field not in named:
            return False
    return True


@REGISTRY.register("expected_answer", "exchange")
def expected_answer(ctx: CheckContext, exchange: Exchange) -> None:
    """The response is one of the answers documented for the probe's defect."""
    probe = exchange.probe
    if any(answer_matches(a, exchange, ctx.profile.error_body) for a in probe.expect):
        return
    raise ctx.violation(
        "answer differs from the documented one",
        expected=probe.describe_expectation(),
        actual=_describe_actual(ctx, exchange),
        exchanges=(exchange,),
    )


def _signature(exchange: Exchange, compare: Sequence[str]) -> tuple[Any, ...]:
    """Status and the compared body fields: what must not tell the cases apart.

    Only documented fields are compared: request ids, timestamps and other extra
    fields differ between any two responses and say nothing about existence.
    """
    response = exchange.response
    if response is None:
        return ("no response",)
    body = response.json() if response.is_json else None
    if not isinstance(body, dict):
        return (response.status, response.text)
    return (response.status, *(repr(body.get(name)) for name in compare))


@REGISTRY.register("indistinguishable", "scenario")
def indistinguishable(ctx: CheckContext, exchanges: Sequence[Exchange]) -> None:
    """The probes of a scenario get the same status and ``compare`` body fields.

    Also judges each against the clause's documented answers, when it has any.
    """
    judged = [e for e in exchanges if e.probe.role == "probe"]
    for exchange in judged:
        if exchange.probe.expect:
            expected_answer(ctx, exchange)
    compare = tuple(ctx.params.get("compare", ()))
    signatures = {_signature(e, compare) for e in judged}
    if len(signatures) > 1:
        raise ctx.violation(
            "answers tell the cases apart",
            expected="the same status and body for "
            + " and ".join(e.probe.defect or e.probe.operation for e in judged),
            actual="; ".join(_describe_actual(ctx, e) for e in judged),
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
            actual=_describe_actual(ctx, exchange),
            exchanges=(exchange,),
        )
