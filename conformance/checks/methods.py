"""The router's answers: 405 with an exact ``Allow``; HEAD and OPTIONS.

RFC 9110 section 15.5.6: a 405 MUST carry ``Allow`` listing the methods the target
resource supports; section 10.2.1 lets it be sent as several field lines, combined
into one list (section 5.3). What the resource supports is what the document declares
for its path, plus HEAD where GET is (section 9.3.2: a general-purpose server serves
HEAD with GET) and OPTIONS (which a server may serve on any resource): those two may
be listed or not.

HEAD and OPTIONS (section 9.1: every general-purpose server serves GET and HEAD): a
HEAD is its GET without content (9.3.2), so it answers the same status; a successful
OPTIONS tells the methods in ``Allow`` (9.3.7), read as a 405's is.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from errcontract._contract.surface import route_of, served_methods
from errcontract._http.exchange import Exchange
from errcontract.checks._registry import REGISTRY, CheckContext, Inapplicable
from errcontract.checks.answers import describe_actual, expected_answer


def allowed(values: Sequence[str]) -> list[str]:
    """The methods ``Allow`` field lines list, combined (RFC 9110 section 5.3), upper
    case, in order, empty members dropped."""
    return [m.strip().upper() for v in values for m in v.split(",") if m.strip()]


def _listing(methods: set[str] | frozenset[str]) -> str:
    return ", ".join(sorted(methods)) or "none"


def judge_allow(ctx: CheckContext, exchange: Exchange) -> Inapplicable | None:
    """``Allow`` on ``exchange`` (a 405, or a 2xx to OPTIONS) lists exactly the
    methods the document declares for the path: HEAD, with GET, and OPTIONS
    tolerated either way; field lines combined, order and letter case aside. Raises
    the clause's violation; ``Inapplicable`` for a path the document does not have."""
    response = exchange.response
    assert response is not None
    status = response.status
    document = ctx.profile.openapi
    path = urlsplit(exchange.probe.path).path
    template = route_of(document, path)
    if template is None:
        return Inapplicable(f"no path of the document matches {path}")
    declared = served_methods(document, template)
    optional = {"OPTIONS"} | ({"HEAD"} if "GET" in declared else set())
    values = response.header_values("allow")
    listed = allowed(values)
    tolerated = optional - declared
    expected = (
        f"Allow listing {_listing(declared)}, the methods the document declares for "
        f"{template}"
        + (
            f" ({' and '.join(sorted(tolerated))} may be listed too)"
            if tolerated
            else ""
        )
    )
    if not listed:
        raise ctx.violation(
            f"{status} without Allow",
            expected=expected,
            actual=f"{status} without Allow"
            if not values
            else f"{status} with an empty Allow {values!r}",
            exchanges=(exchange,),
        )
    missing = set(declared) - set(listed)
    extra = set(listed) - set(declared) - optional
    if missing or extra:
        parts = [f"{status} with Allow {', '.join(values)!r}"]
        if missing:
            parts.append(f"missing {_listing(missing)}")
        if extra:
            parts.append(f"listing {_listing(extra)}, which the document does not")
        raise ctx.violation(
            "Allow does not list the path's methods",
            expected=expected,
            actual=f"{parts[0]}: {'; '.join(parts[1:])}",
            exchanges=(exchange,),
        )
    return None


@REGISTRY.register("allow_header", "exchange")
def allow_header(ctx: CheckContext, exchange: Exchange) -> Inapplicable | None:
    """The answer is one the clause documents (405), and a 405 lists in ``Allow``
    exactly the methods the document declares for the path (HEAD, with GET, and
    OPTIONS tolerated either way; order and letter case aside)."""
    if exchange.probe.expect:
        expected_answer(ctx, exchange)
    response = exchange.response
    if response is None or response.status != 405:
        return Inapplicable("not a 405")
    return judge_allow(ctx, exchange)


def _refused(ctx: CheckContext, exchange: Exchange) -> None:
    """A valid HEAD or OPTIONS request is never refused for its credential (a 401,
    the valid one was sent) nor answered with a server error (a 501 to OPTIONS
    aside: a server that implements OPTIONS for no resource, RFC 9110 section 9.1)."""
    response = exchange.response
    assert response is not None
    probe = exchange.probe
    status = response.status
    implemented_nowhere = probe.defect_kind == "options" and status == 501
    if status == 401 and not probe.credential.absent:
        raise ctx.violation(
            f"{probe.method} refused the valid credential",
            expected=f"the answer to a valid {probe.method} (the credential was "
            f"{probe.credential.describe()})",
            actual=describe_actual(ctx, exchange),
            exchanges=(exchange,),
        )
    if status >= 500 and not implemented_nowhere:
        raise ctx.violation(
            f"{probe.method} answered with a server error",
            expected=f"the answer to a valid {probe.method}, never a 5xx",
            actual=describe_actual(ctx, exchange),
            exchanges=(exchange,),
        )


def _same_as_get(ctx: CheckContext, head: Exchange, gets: Sequence[Exchange]) -> None:
    """HEAD answers the status the same request's GET answered, without content
    (RFC 9110 section 9.3.2); its header fields may be the GET's (section 8.6)."""
    response = head.response
    assert response is not None
    get = next((g for g in gets if g.response is not None), None)
    answered = None if get is None or get.response is None else get.response.status
    if get is not None and answered is not None and response.status != answered:
        raise ctx.violation(
            "HEAD answers another status than GET",
            expected=f"{answered}, the status of the same GET",
            actual=describe_actual(ctx, head),
            exchanges=(get, head),
        )
    if response.body:
        raise ctx.violation(
            "HEAD answered with content",
            expected="no content (RFC 9110 section 9.3.2)",
            actual=f"{response.status} with {len(response.body)} bytes of content",
            exchanges=(head,),
        )


@REGISTRY.register("head_and_options", "scenario")
def head_and_options(ctx: CheckContext, exchanges: Sequence[Exchange]) -> None:
    """HEAD on a GET's valid request answers the GET's status without content;
    OPTIONS answers one of the clause's answers (2xx or 405, or 501), a 2xx or a 405
    with ``Allow`` listing exactly the path's methods (as ``allow_header`` reads it);
    neither refuses the valid credential nor answers a 5xx."""
    gets = [e for e in exchanges if e.probe.role == "setup" and e.probe.method == "GET"]
    for exchange in exchanges:
        probe, response = exchange.probe, exchange.response
        if probe.role != "probe" or response is None:
            continue
        _refused(ctx, exchange)
        if probe.defect_kind == "head":
            _same_as_get(ctx, exchange, gets)
            continue
        if probe.expect:
            expected_answer(ctx, exchange)
        if response.status == 405 or 200 <= response.status < 300:
            judge_allow(ctx, exchange)
