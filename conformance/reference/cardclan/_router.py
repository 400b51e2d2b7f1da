"""The router's own answers: a method a path does not serve and a path nothing serves.

NestJS's router (Express underneath) answers both as an unknown route, 404 ``Cannot
<METHOD> <path>``, through the app's exception filter, so in the error shape. The
switches bend it: a 405 with ``Allow`` instead (the ``method-405`` tolerance, and
CC-METHOD-1:no-allow without the header), a single-page app's index for a GET nothing
serves (CC-ROUTE-1), NestJS's default body where the filter does not reach
(CC-BODY-1:router). CC-METHOD-1 itself is a route table taking every method
(``methods``).

OPTIONS, which no route takes, is such an unserved method: NestJS registers its
not-found handler as a middleware after the routes (``app.use``), so Express's own
OPTIONS answer (sent only when its route stack is exhausted) never comes, and OPTIONS
answers 404 ``Cannot OPTIONS <path>``. The ``options-express`` tolerance gives that
Express answer; CC-METHOD-2:options is ``app.enableCors()``'s preflight answer.
"""

from __future__ import annotations

from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from . import _messages as msg
from ._render import HTML_TYPE, error_response, framework_error_response
from ._switches import Fault, Switches, Tolerance

_ANY_METHOD = ("GET", "POST", "PUT", "PATCH", "DELETE")
_CORS_PREFLIGHT = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET,HEAD,PUT,PATCH,POST,DELETE",
    "Vary": "Access-Control-Request-Headers",
}
"""What the cors package answers any OPTIONS with, by default (CC-METHOD-2:options)."""


def methods(method: str, switches: Switches) -> list[str]:
    """The methods a route documented for ``method`` takes: that one, or every one
    under CC-METHOD-1 (a handler declared with NestJS's ``@All()``)."""
    return list(_ANY_METHOD) if switches.broken(Fault.METHOD_1) else [method]


def router_answer(request: Request, exc: HTTPException, switches: Switches) -> Response:
    """The answer to a request no route took: Starlette's 404 (no path matched) or
    405 (the path matched, not the method), as the switches have it."""
    method, path = request.method, request.url.path
    headers: dict[str, str] = {}
    if method == "OPTIONS" and switches.broken(Fault.METHOD_2_OPTIONS):
        # The cors middleware runs before any route: every OPTIONS is a preflight.
        return Response(status_code=HTTPStatus.NO_CONTENT, headers=_CORS_PREFLIGHT)
    if exc.status_code == HTTPStatus.NOT_FOUND:
        if method == "GET" and switches.broken(Fault.ROUTE_1):
            return Response(msg.FAULT_SPA_PAGE, HTTPStatus.OK, media_type=HTML_TYPE)
        status, text = HTTPStatus.NOT_FOUND, msg.ROUTE_NOT_FOUND
    elif method == "OPTIONS" and switches.allows(Tolerance.OPTIONS_EXPRESS):
        return _express_options((exc.headers or {}).get("Allow", ""))
    elif switches.allows(Tolerance.METHOD_405) or switches.broken(
        Fault.METHOD_1_NO_ALLOW
    ):
        status, text = HTTPStatus.METHOD_NOT_ALLOWED, msg.METHOD_NOT_ALLOWED
        allow = (exc.headers or {}).get("Allow")
        if allow and not switches.broken(Fault.METHOD_1_NO_ALLOW):
            headers["Allow"] = allow
    else:
        # As NestJS's router does: an unserved method is an unknown route.
        status, text = HTTPStatus.NOT_FOUND, msg.ROUTE_NOT_FOUND
    message = text.format(method=method, path=path)
    if switches.broken(Fault.BODY_1_ROUTER):
        return framework_error_response(
            status, message, switches=switches, headers=headers
        )
    return error_response(
        status, message, switches=switches, path=path, headers=headers
    )


def _express_options(allow: str) -> Response:
    """Express's answer to an OPTIONS no route handles (``sendOptionsResponse``):
    200, ``Allow`` the path's methods joined by commas, the same text as the body."""
    listed = ",".join(m.strip() for m in allow.split(",") if m.strip())
    return Response(
        listed, HTTPStatus.OK, headers={"Allow": listed}, media_type=HTML_TYPE
    )
