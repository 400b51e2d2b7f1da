"""The outermost layer: request ids, the rate limit first, no leaking crashes."""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import _contract as c
from ._body import SimulatedCrash
from ._ratelimit import SlidingWindowLimiter, bucket_key
from ._render import Renderer

_log = logging.getLogger(__name__)


class FrontDoor:
    """Stamp ``X-Request-Id``, apply the rate limit before auth, turn crashes into 500s.

    It sits inside Starlette's own error middleware, so an unexpected exception is
    answered here (with a request id and the contract's 500 body) and never reaches the
    framework's plain-text handler.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        renderer: Renderer,
        limiter: SlidingWindowLimiter | None,
    ) -> None:
        self.app = app
        self.renderer = renderer
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request through the rate limit and the app."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self.renderer.request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def stamped(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                stamp = self.renderer.request_id_header(message["status"], request_id)
                headers = [*message.get("headers", []), *stamp]
                message = {**message, "headers": headers}
            await send(message)

        if self.limiter is not None:
            client = scope.get("client")
            key = bucket_key(scope["headers"], client[0] if client else None)
            retry_after = self.limiter.acquire(key)
            if retry_after is not None:
                response = self.renderer.rate_limited(retry_after, request_id)
                await response(scope, receive, stamped)
                return
        try:
            await self.app(scope, receive, stamped)
        except Exception as exc:
            if started:
                raise
            if not isinstance(exc, SimulatedCrash):
                _log.exception("unexpected error in the Cardda reference server")
            response = self.renderer.problem(c.INTERNAL, request_id)
            await response(scope, receive, stamped)
