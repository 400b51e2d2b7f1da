"""The router's answer to a method a path does not serve: 405 with an exact ``Allow``.

RFC 9110 section 15.5.6: a 405 MUST carry ``Allow`` listing the methods the target
resource supports; section 10.2.1 lets it be sent as several field lines, combined
into one list (section 5.3). What the resource supports is what the document declares
for its path, plus HEAD where GET is (section 9.3.2: a general-purpose server serves
HEAD with GET) and OPTIONS (which a server may serve on any resource): those two may
be listed or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from errcontract._contract.surface import route_of, served_methods
from errcontract._http.exchange import Exchange
from errcontract.checks._registry import REGISTRY, CheckContext, Inapplicable
from errcontract.checks.answers import expected_answer


def allowed(values: Sequence[str]) -> list[str]:
    """The methods ``Allow`` field lines list, combined (RFC 9110 section 5.3), upper
    case, in order, empty members dropped."""
    return [m.strip().upper() for v in values for m in v.split(",") if m.strip()]


def _listing(methods: set[str] | frozenset[str]) -> str:
    return ", ".join(sorted(methods)) or "none"


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
            "405 without Allow",
            expected=expected,
            actual="405 without Allow"
            if not values
            else f"405 with an empty Allow {values!r}",
            exchanges=(exchange,),
        )
    missing = set(declared) - set(listed)
    extra = set(listed) - set(declared) - optional
    if missing or extra:
        parts = [f"405 with Allow {', '.join(values)!r}"]
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
