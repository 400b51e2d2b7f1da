"""The answer to a valid request carrying an input the server must ignore: what the
same request got without it (sent just before, the scenario's ``setup`` probe), or
one of the refusals the clause allows for that input.

Compared with the valid request's own answer, not with a success: a run whose valid
request is refused (a value it could not discover) does not make the ignored input a
defect. A 5xx is never the answer. Two kinds say more than a status:

* ``read-only-member``: a success must not have stored the value sent (the
  answer's member of that name, where it shows one, is not that value);
* ``client-request-id``: the answer's request-id header (``header``; default the
  one the client sent, which the probe names in ``field``) is the server's, never
  the value the client sent, nor one containing it. The two names may differ: an
  API answering ``Request-Id`` must not adopt a client's ``X-Request-Id`` either.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from errcontract._http.exchange import Exchange
from errcontract.checks._registry import REGISTRY, CheckContext, Inapplicable
from errcontract.checks.answers import answer_matches, describe_actual

_MISSING = object()


def _sent(exchange: Exchange, field: str) -> Any:
    """The value the probe's body gave ``field``."""
    try:
        body = json.loads(exchange.probe.body or b"")
    except ValueError:
        return _MISSING
    return body.get(field, _MISSING) if isinstance(body, dict) else _MISSING


def _stored(exchange: Exchange, field: str) -> Any:
    """The answer's top-level member ``field``, where it is a JSON object."""
    response = exchange.response
    if response is None or not response.is_json:
        return _MISSING
    try:
        body = response.json()
    except ValueError:
        return _MISSING
    return body.get(field, _MISSING) if isinstance(body, dict) else _MISSING


@REGISTRY.register(
    "ignored_input",
    "scenario",
    params={
        "header": {
            "type": "string",
            "minLength": 1,
            "description": "The request-id response header: its value on the "
            "answer to a client-sent id must not be (or contain) the one sent. "
            "Default: the header the client sent it in (ignored_inputs' `header`); "
            "another name judges the answer's own header (sent X-Request-Id, "
            "answered Request-Id).",
        }
    },
)
def ignored_input(
    ctx: CheckContext, exchanges: Sequence[Exchange]
) -> Inapplicable | None:
    """Each probe answers its scenario's valid request's status or an allowed
    refusal, never a 5xx; a read-only value is not stored, a client's request id
    not echoed."""
    usual = next(
        (e.status for e in exchanges if e.probe.role == "setup" and e.status), None
    )
    if usual is None:
        return Inapplicable("the valid request sent first got no answer")
    fields = ctx.profile.error_body
    for exchange in (e for e in exchanges if e.probe.role == "probe"):
        probe, status = exchange.probe, exchange.status
        allowed = any(answer_matches(a, exchange, fields) for a in probe.expect)
        if status is None or status >= 500 or not (allowed or status == usual):
            without = f"{usual}, as without it" if usual < 500 else None
            refusals = probe.describe_expectation() if probe.expect else None
            raise ctx.violation(
                "an input the server must ignore changed the answer",
                expected=" or ".join(x for x in (without, refusals) if x) or "no 5xx",
                actual=describe_actual(ctx, exchange),
                exchanges=tuple(exchanges),
            )
        if probe.defect_kind == "read-only-member" and probe.field and status < 300:
            sent = _sent(exchange, probe.field)
            if sent is not _MISSING and _stored(exchange, probe.field) == sent:
                raise ctx.violation(
                    "a read-only member's value sent by the client was stored",
                    expected=f"{probe.field!r} ignored (the server's own value) or "
                    "the request refused",
                    actual=f"{status} with {probe.field} {sent!r}, the value sent",
                    exchanges=tuple(exchanges),
                )
        sent_as = probe.field or ctx.params.get("header")
        header = ctx.params.get("header") or sent_as
        if probe.defect_kind == "client-request-id" and sent_as and header:
            sent_id = probe.header(str(sent_as)) or ""
            echoed = (
                [
                    v
                    for v in (exchange.response.header_values(str(header)))
                    if sent_id and sent_id in v
                ]
                if exchange.response is not None
                else []
            )
            if echoed:
                raise ctx.violation(
                    "the client's request id was echoed as the server's",
                    expected=f"{header} the server's own id, not {sent_id!r}",
                    actual=f"{status} with {header}: {echoed[0]}",
                    exchanges=tuple(exchanges),
                )
    return None
