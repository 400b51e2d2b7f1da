"""The router's own answers: 405 with ``Allow``, 404 for a path nothing serves, HEAD
and OPTIONS, as problems where they are errors, bent by the routing faults and
tolerances.

Starlette's router answers a method a route does not take with an ``HTTPException``
(405, its ``Allow`` built from the route's methods, HEAD added with GET) and a path
no route matches with a 404; both are rendered here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._switches import Switches
from . import _contract as c
from ._render import Problem, Renderer

Endpoint = Callable[[Request], Awaitable[Response]]


def allow_lines(methods: str, switches: Switches) -> list[str]:
    """The ``Allow`` field lines of a 405 for a route taking ``methods`` (Starlette's
    comma-separated list), as the switches have it; none under PD-METHOD-1:no-allow.
    """
    listed = [m.strip() for m in methods.split(",") if m.strip()]
    if switches.broken("PD-METHOD-1:no-allow"):
        return []
    if switches.broken("PD-METHOD-1"):
        # One method where the route takes several: a router that names the method
        # of the route it matched first (FastAPI's `Allow: GET`).
        listed = sorted(listed)[:1]
    if switches.allows("allow-options"):
        listed = [m for m in listed if m != "HEAD"]  # HEAD may go unlisted
    if switches.allows("options-501") or switches.broken("PD-METHOD-2:options"):
        listed = [m for m in listed if m != "OPTIONS"]  # routed, not served
    if switches.allows("allow-lower-case"):
        listed = [m.lower() for m in listed]
    if switches.allows("allow-lines"):
        return sorted(listed, reverse=True)  # one field line each (RFC 9110 5.3)
    return [", ".join(listed)]


def http_problem(renderer: Renderer, exc: HTTPException, instance: str) -> Response:
    """The router's 404 and 405 (and any other ``HTTPException``) as problems."""
    switches = renderer.switches
    status = exc.status_code
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() != "allow"}
    if status == 404:
        kind = c.GATEWAY_NO_ROUTE if switches.broken("PD-ROUTE-1") else c.NO_ROUTE
    elif status == 405:
        kind = c.METHOD_NOT_ALLOWED
    elif status == 501:
        kind = c.NOT_IMPLEMENTED
    else:
        kind = c.Kind(status, f"http-{status}", str(exc.detail), str(exc.detail))
    response = renderer.problem(Problem(kind, headers=headers), instance)
    if status == 405:
        allow = (exc.headers or {}).get("Allow", "")
        for line in allow_lines(allow, switches):
            response.raw_headers.append((b"allow", line.encode("latin-1")))
    return response


def _options(handlers: Mapping[str, Endpoint], switches: Switches) -> Response:
    """OPTIONS, routed only under allow-options, options-501 or PD-METHOD-2:options:
    204 with Allow; 501 (implemented for no resource); or 204 with the CORS header
    only, which tells a browser's preflight, not a client, the methods."""
    if switches.allows("options-501"):
        raise HTTPException(501)
    methods = ", ".join([*handlers, "OPTIONS"])
    if switches.broken("PD-METHOD-2:options"):
        return Response(
            status_code=204, headers={"access-control-allow-methods": methods}
        )
    return Response(status_code=204, headers={"allow": methods})


def _by_method(handlers: Mapping[str, Endpoint], switches: Switches) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        if request.method == "OPTIONS":
            return _options(handlers, switches)
        if request.method == "HEAD" and switches.broken("PD-METHOD-2"):
            # A router that routes GET only, HEAD not added with it.
            raise HTTPException(405, headers={"Allow": ", ".join(handlers)})
        method = "GET" if request.method == "HEAD" else request.method
        return await handlers[method](request)

    return endpoint


def routes(
    table: Mapping[str, Mapping[str, Endpoint]], switches: Switches
) -> list[Route]:
    """One route per path, each dispatching on method so a 405 lists every method;
    OPTIONS routed too under allow-options, options-501 and PD-METHOD-2:options, and
    under PD-ROUTE-1:prefix an item path with more segments served as the item (a
    route matched by its prefix)."""
    routed = [switches.allows(t) for t in ("allow-options", "options-501")]
    served = any(routed) or switches.broken("PD-METHOD-2:options")
    options = ["OPTIONS"] if served else []
    out = []
    for path, handlers in table.items():
        out.append(
            Route(path, _by_method(handlers, switches), methods=[*handlers, *options])
        )
        if path.endswith("}") and switches.broken("PD-ROUTE-1:prefix"):
            reads = {m: h for m, h in handlers.items() if m == "GET"}
            out.append(
                Route(
                    f"{path}/{{rest:path}}",
                    _by_method(reads, switches),
                    methods=["GET"],
                )
            )
    return out
