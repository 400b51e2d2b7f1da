"""A refused request changes nothing: the resource read back after a write the server
refused is the resource read before it.

A 4xx says "the client seems to have erred" (RFC 9110 section 15.5): the request, as
sent, was not carried out. A server that writes part of it first (the valid fields of
an update, before the invalid one is found) and then answers 422 leaves the client
with a resource it did not ask for and an answer saying nothing happened. The
scenario reads the resource with the document's GET just before and just after the
refused write (``refused_writes``) and compares the two answers: the same status and
the same body, apart from the clause's ``volatile`` members (the syntax and the
matcher are ``indistinguishable``'s: ``answers.VOLATILE``).
"""

from __future__ import annotations

from collections.abc import Sequence

from errcontract._http.exchange import Exchange
from errcontract.checks._registry import REGISTRY, CheckContext, Inapplicable
from errcontract.checks.answers import (
    VOLATILE,
    describe_actual,
    differences,
    signature,
    volatile_members,
)


def _around(
    exchanges: Sequence[Exchange],
) -> tuple[Exchange | None, Exchange | None, Exchange | None]:
    """The read before the write, the write (the scenario's probe), the read after."""
    write = next((e for e in exchanges if e.probe.role == "probe"), None)
    if write is None:
        return None, None, None
    at = list(exchanges).index(write)
    before = next(
        (e for e in reversed(exchanges[:at]) if e.probe.method == "GET"), None
    )
    after = next((e for e in exchanges[at + 1 :] if e.probe.method == "GET"), None)
    return before, write, after


@REGISTRY.register("unchanged_after_refusal", "scenario", params={"volatile": VOLATILE})
def unchanged_after_refusal(
    ctx: CheckContext, exchanges: Sequence[Exchange]
) -> Inapplicable | None:
    """After a write answered with a 4xx, the resource reads as it did before the
    write: the same status and body (``volatile`` members aside).

    Its premise: the read before answered a 2xx (there was a resource to compare)
    and the write was refused with a 4xx. A write answered otherwise (a 2xx: the
    server took the request; a 5xx, judged by the no-5xx clauses) is not judged
    here: whether that status was right is the other clauses' business.
    """
    before, write, after = _around(exchanges)
    if before is None or write is None or after is None:
        return Inapplicable("no read around the write")
    if before.status is None or not 200 <= before.status < 300:
        answered = before.status or before.failure or "no answer"
        return Inapplicable(
            f"the read before the write answered {answered}: nothing to compare"
        )
    if write.status is None or not 400 <= write.status < 500:
        answered = write.status or write.failure or "no answer"
        return Inapplicable(
            f"the write was answered {answered}, not refused with a 4xx (its "
            "status is the other clauses' business)"
        )
    if after.status is None or after.status == 429:
        answered = after.status or after.failure or "no answer"
        return Inapplicable(f"the read after the write answered {answered}")
    volatile = volatile_members(ctx)
    if signature(before, volatile) == signature(after, volatile):
        return None
    raise ctx.violation(
        "a refused write changed the resource",
        expected=f"{describe_actual(ctx, before)} again after the refused "
        f"{write.probe.method} (its {write.status}), the same body"
        + (f" apart from {', '.join(volatile)}" if volatile else ""),
        actual=f"{describe_actual(ctx, after)} after it"
        + differences((before, after), volatile, values=True),
        # The write first: it is what the violation is of (a baseline keys on it).
        exchanges=(write, before, after),
    )
