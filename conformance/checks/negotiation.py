"""The answer to an ``Accept`` the API cannot satisfy: 406, or what the same request
gets without it.

RFC 9110 section 12.5.1: when no available representation is acceptable, the
origin server either honours ``Accept`` with 406 (Not Acceptable) or disregards it
and answers as if the request were not subject to content negotiation. The latter is
judged against the valid request itself, sent just before (its ``setup`` probe): a
run whose valid request is not answered with a success (a value it could not
discover) does not make the server's disregard of ``Accept`` a defect. A 5xx is
never allowed.
"""

from __future__ import annotations

from collections.abc import Sequence

from errcontract._http.exchange import Exchange
from errcontract.checks._registry import REGISTRY, CheckContext
from errcontract.checks.answers import answer_matches, describe_actual


@REGISTRY.register("accept_answer", "scenario")
def accept_answer(ctx: CheckContext, exchanges: Sequence[Exchange]) -> None:
    """Each probe gets one of the clause's answers (406, the operation's success) or
    the status its scenario's valid request got without the ``Accept``; never a
    5xx, whatever the valid request got."""
    usual = next(
        (e.status for e in exchanges if e.probe.role == "setup" and e.status), None
    )
    fields = ctx.profile.error_body
    for exchange in (e for e in exchanges if e.probe.role == "probe"):
        status = exchange.status
        documented = any(
            answer_matches(a, exchange, fields) for a in exchange.probe.expect
        )
        if status is not None and status < 500 and (documented or status == usual):
            continue
        without = f"{usual}, as without it" if usual and usual < 500 else None
        expected = " or ".join(
            x for x in (exchange.probe.describe_expectation(), without) if x
        )
        raise ctx.violation(
            "an unacceptable Accept changed the answer",
            expected=expected,
            actual=describe_actual(ctx, exchange),
            exchanges=tuple(exchanges),
        )
