"""What the server does before an operation sees a request, after authentication:
content negotiation (``Accept``) and the request body's size limit.

Both are framework territory in real servers (a negotiation layer, the body reader's
limit), which is why the Projects API's faults for them live here: an ``Accept``
read as a body's label (PD-ACCEPT-1), a framework's HTML 406 page (PD-ACCEPT-1:html),
a reader that crashes past its buffer (PD-SIZE-1) or has no limit (PD-SIZE-1:accepts).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._accept import admits
from . import _contract as c
from ._render import Problem, Renderer, SimulatedCrash

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def acceptable(header: str | None) -> bool:
    """Whether ``Accept`` admits a type the server produces."""
    return admits(header, c.ACCEPTABLE)


async def _read(receive: Receive, limit: int | None) -> tuple[bytes, bool]:
    """The body, and whether it passed ``limit`` bytes (then only the first
    ``limit`` + 1 are kept and the rest is drained, so the answer can be read)."""
    kept: list[bytes] = []
    size, over = 0, False
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            over = True
        if not over:
            kept.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(kept), over


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class Limits:
    """Negotiate ``Accept`` and cap the body, as the switches say."""

    def __init__(
        self, app: ASGIApp, *, renderer: Renderer, instance: Callable[[Scope], str]
    ) -> None:
        self.app = app
        self.instance = instance
        self.renderer = renderer
        self.broken = renderer.switches.broken
        self.allows = renderer.switches.allows

    def _not_acceptable(self, scope: Scope) -> Response | Problem | None:
        accept = None
        for name, value in scope.get("headers", []):
            if name == b"accept":
                accept = value.decode("latin-1")
        if acceptable(accept):
            return None
        if self.broken("PD-ACCEPT-1:html"):
            return Response(c.HTML_406, status_code=406, media_type="text/html")
        if self.broken("PD-ACCEPT-1"):
            return Problem(c.ACCEPT_AS_CONTENT_TYPE)
        return Problem(c.NOT_ACCEPTABLE) if self.allows("accept-406") else None

    def _too_large(self) -> Problem:
        if self.broken("PD-SIZE-1"):
            raise SimulatedCrash("request body larger than the reader's buffer")
        return Problem(c.TOO_LARGE_AS_BAD if self.allows("size-400") else c.TOO_LARGE)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse an unacceptable ``Accept`` or an oversized body, else serve."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._not_acceptable(scope)
        if scope["method"] in _BODY_METHODS:
            limit = None if self.broken("PD-SIZE-1:accepts") else c.BODY_LIMIT
            body, over = await _read(receive, limit)
            if over and refusal is None:
                refusal = self._too_large()
            receive = _replay(body, receive)
        if isinstance(refusal, Problem):
            refusal = self.renderer.problem(refusal, self.instance(scope))
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)
