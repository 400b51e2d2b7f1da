"""The router's own answers: 405 with ``Allow`` for a method a path does not serve and
404 ``not_found`` for a path nothing serves, in shape A, bent by the routing switches.

Starlette's router answers a method a route does not take with an ``HTTPException``
(405, its ``Allow`` built from the route's methods, HEAD added with GET) and a path no
route matches with a 404; both are rendered here. HEAD is served by the GET, OPTIONS
routed nowhere (so answered as any unserved method). Every routed request is answered
through ``_negotiate`` (an ``Accept`` admitting no JSON). None of these answers is in
Cardda's documents; the profile's readings are CD-METHOD-1, CD-METHOD-2 and CD-ROUTE-1.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._switches import Switches
from . import _contract as c
from ._negotiate import negotiated
from ._render import Renderer

Endpoint = Callable[[Request], Awaitable[Response]]

_ANY_METHOD = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _by_method(handlers: Mapping[str, Endpoint], switches: Switches) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        if request.method == "OPTIONS":  # routed only under CD-METHOD-2:options
            return Response(status_code=200, headers=c.FAULTY_PREFLIGHT_HEADERS)
        if request.method == "HEAD" and switches.broken("CD-METHOD-2"):
            # A router that does not route HEAD with GET: an unknown route.
            raise HTTPException(404)
        method = "GET" if request.method == "HEAD" else request.method
        # A method the path lacks reaches here only under CD-METHOD-1: its GET.
        handler = handlers.get(method) or handlers["GET"]
        return await negotiated(handler, request, switches)

    return endpoint


def routes(
    table: Mapping[str, Mapping[str, Endpoint]], switches: Switches
) -> list[Route]:
    """One route per path, each dispatching on method so a 405 lists every method;
    under CD-METHOD-1 a path with a GET is routed by path alone (Rails' ``match
    ..., via: :all``), its GET serving every method; under CD-METHOD-2:options every
    path takes OPTIONS (a catch-all preflight route)."""
    preflight = ["OPTIONS"] if switches.broken("CD-METHOD-2:options") else []
    out = []
    for path, handlers in table.items():
        methods = list(handlers)
        if switches.broken("CD-METHOD-1") and "GET" in handlers:
            methods = list(_ANY_METHOD)
        endpoint = _by_method(handlers, switches)
        out.append(Route(path, endpoint, methods=[*methods, *preflight]))
    return out


def router_answer(renderer: Renderer, exc: HTTPException, request_id: str) -> Response:
    """The router's 404 or 405 in shape A, as the switches have it."""
    broken = renderer.switches.broken
    headers = dict(exc.headers or {})
    if exc.status_code == 405 and renderer.switches.allows("method-404"):
        # Rails' router: a method the path does not serve is a route nobody has.
        problem, headers = c.ROUTE_NOT_FOUND, {}
    elif exc.status_code == 405:
        problem = c.METHOD_NOT_ALLOWED
        if broken("CD-METHOD-1:no-allow"):
            headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
    else:
        problem = c.FAULTY["CD-ROUTE-1"] if broken("CD-ROUTE-1") else c.ROUTE_NOT_FOUND
    if broken("CD-BODY-A:router"):
        return renderer.message_only(problem, headers)
    return renderer.problem(problem, request_id, headers=headers)
