"""The router's own answers: 405 with ``Allow`` and 404 for a path nothing serves,
as problems, bent by the routing faults and tolerances.

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
    else:
        kind = c.Kind(status, f"http-{status}", str(exc.detail), str(exc.detail))
    response = renderer.problem(Problem(kind, headers=headers), instance)
    if status == 405:
        allow = (exc.headers or {}).get("Allow", "")
        for line in allow_lines(allow, switches):
            response.raw_headers.append((b"allow", line.encode("latin-1")))
    return response


def _by_method(handlers: Mapping[str, Endpoint]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        if request.method == "OPTIONS":  # routed only under allow-options
            allow = ", ".join([*handlers, "OPTIONS"])
            return Response(status_code=204, headers={"allow": allow})
        method = "GET" if request.method == "HEAD" else request.method
        return await handlers[method](request)

    return endpoint


def routes(
    table: Mapping[str, Mapping[str, Endpoint]], switches: Switches
) -> list[Route]:
    """One route per path, each dispatching on method so a 405 lists every method;
    OPTIONS served too under allow-options, and under PD-ROUTE-1:prefix an item path
    with more segments served as the item (a route matched by its prefix)."""
    options = ["OPTIONS"] if switches.allows("allow-options") else []
    out = []
    for path, handlers in table.items():
        out.append(Route(path, _by_method(handlers), methods=[*handlers, *options]))
        if path.endswith("}") and switches.broken("PD-ROUTE-1:prefix"):
            reads = {m: h for m, h in handlers.items() if m == "GET"}
            out.append(
                Route(f"{path}/{{rest:path}}", _by_method(reads), methods=["GET"])
            )
    return out
