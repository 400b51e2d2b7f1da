"""What Cardda answers a request whose ``Accept`` admits no JSON (``image/png``).

Cardda's documents say nothing of ``Accept``. A Rails API controller renders with
``render json:`` (``ActionController::API`` has no ``respond_to``), which disregards
it: the conforming server answers as if no ``Accept`` were sent, as RFC 9110 section
12.5.1 allows. The switches bend that where Rails' content negotiation answers instead:

- ``accept-406`` (a tolerance): ``respond_to`` with only ``format.json`` raises
  ``ActionController::UnknownFormat`` once the action's own checks have passed, and
  the API rescues it into shape A, 406 ``not_acceptable`` (RFC 9110's other choice);
- CD-ACCEPT-1: a jbuilder view looked up for the requested format is missing
  (``ActionView::MissingTemplate``), answered as any unexpected error, a bare 500;
- CD-BODY-A:accept: a ``before_action`` answering ``head :not_acceptable`` before the
  action's checks: 406 without a body, its Content-Type the request's format (Rails'
  ``head`` takes it from ``formats.first``), so neither shape A nor JSON.

Only a success with content is renegotiated: errors are rendered by ``rescue_from``
with ``render json:`` whatever ``Accept`` says, and a 204 has nothing to negotiate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from .._accept import admits_json
from .._switches import Switches
from . import _contract as c
from ._body import SimulatedCrash
from ._render import ApiError

Endpoint = Callable[[Request], Awaitable[Response]]


def _unacceptable(request: Request) -> str | None:
    """The first media range of an ``Accept`` that admits no JSON, else ``None``."""
    accept = request.headers.get("accept")
    if admits_json(accept):
        return None
    return (accept or "").split(",")[0].split(";")[0].strip() or None


async def negotiated(
    handler: Endpoint, request: Request, switches: Switches
) -> Response:
    """``handler``'s answer to ``request``, as the negotiation switches have it."""
    wanted = _unacceptable(request)
    if wanted is None:
        return await handler(request)
    if switches.broken("CD-BODY-A:accept"):
        return Response(status_code=406, headers={"content-type": wanted})
    response = await handler(request)
    if not 200 <= response.status_code < 300 or response.status_code == 204:
        return response
    if switches.broken("CD-ACCEPT-1"):
        raise SimulatedCrash(c.FAULTY_MISSING_TEMPLATE)
    if switches.allows("accept-406"):
        raise ApiError(c.NOT_ACCEPTABLE)
    return response
