"""What CardClan answers a request whose ``Accept`` admits no JSON (``image/png``).

CardClan's documents say nothing of ``Accept``, and neither NestJS nor Express
negotiates: a controller's return value is sent as JSON whatever the request
accepts, so the conforming server disregards ``Accept``, as RFC 9110 section 12.5.1
allows. The switches bend that:

- ``accept-406`` (a tolerance): a guard throwing ``NotAcceptableException`` after
  authentication, rendered by the app's exception filter: 406 in the error shape;
- CC-ACCEPT-1: the same guard throwing ``BadRequestException`` instead, a 400, as if
  ``Accept`` were a defect of the request;
- CC-BODY-1:accept: the check as an ``app.use()`` middleware, which runs before Nest's
  pipeline and outside its exception filters, so Express's finalhandler answers its
  ``NotAcceptableException`` with an HTML page (status 406, its ``status`` property).
"""

from __future__ import annotations

from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import Response

from .._accept import admits_json
from . import _messages as msg
from ._render import HTML_TYPE, ApiError
from ._switches import Fault, Switches, Tolerance

_FINALHANDLER_HEADERS = {
    "Content-Security-Policy": "default-src 'none'",
    "X-Content-Type-Options": "nosniff",
}


def _unacceptable(request: Request) -> bool:
    return not admits_json(request.headers.get("accept"))


def middleware_answer(request: Request, switches: Switches) -> Response | None:
    """CC-BODY-1:accept's answer, before authentication and the filters; else
    ``None`` (the request goes on)."""
    if switches.broken(Fault.BODY_1_ACCEPT) and _unacceptable(request):
        return Response(
            msg.FAULT_FINALHANDLER_PAGE,
            HTTPStatus.NOT_ACCEPTABLE,
            headers=_FINALHANDLER_HEADERS,
            media_type=HTML_TYPE,
        )
    return None


def guard(request: Request, switches: Switches) -> None:
    """Raise the guard's refusal of an unacceptable ``Accept`` (after
    authentication), if the switches have one."""
    if not _unacceptable(request):
        return
    if switches.broken(Fault.ACCEPT_1):
        raise ApiError(HTTPStatus.BAD_REQUEST, msg.FAULT_ACCEPT)
    if switches.allows(Tolerance.ACCEPT_406):
        raise ApiError(HTTPStatus.NOT_ACCEPTABLE, msg.NOT_ACCEPTABLE)
