"""Inputs the Projects API ignores, and the switches that make it not: a query
parameter no operation declares, content on GET or DELETE, the read-only ``id`` of
a create, and a client's ``Request-Id``.

The conforming server ignores all four. The faults: a strict query reader that
refuses an unknown parameter with 400 (PD-IGNORE-1), a create that stores the ``id``
sent (PD-IGNORE-1:read-only), a front door that adopts the client's ``Request-Id``
(PD-IGNORE-2, in ``_app.FrontDoor``). The tolerances RFC 9110 and OpenAPI allow: a
400 for content on GET or DELETE (``body-on-get-400``, sections 9.3.1 and 9.3.5) and
a 422 naming a read-only member sent (``read-only-422``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from .._switches import Switches
from . import _contract as c
from ._render import Problem, Renderer

_BODILESS = frozenset({"GET", "DELETE"})


def _has_content(headers: Headers) -> bool:
    length = headers.get("content-length", "0").strip()
    return "transfer-encoding" in headers or (length.isdigit() and int(length) > 0)


class Ignored:
    """Refuse, where a switch says so, an unknown query parameter or content on a
    GET or DELETE; else pass the request on untouched."""

    def __init__(
        self, app: ASGIApp, *, renderer: Renderer, instance: Callable[[Scope], str]
    ) -> None:
        self.app = app
        self.renderer = renderer
        self.instance = instance
        self.switches = renderer.switches

    def _refusal(self, scope: Scope) -> Problem | None:
        if self.switches.broken("PD-IGNORE-1"):
            query = QueryParams(scope.get("query_string", b""))
            if any(name not in c.QUERY_PARAMETERS for name in query):
                return Problem(c.UNKNOWN_PARAMETER)
        bodiless = scope["method"] in _BODILESS
        content = bodiless and _has_content(Headers(scope=scope))
        if content and self.switches.allows("body-on-get-400"):
            return Problem(c.CONTENT_NOT_ALLOWED)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, or its refusal."""
        refusal = self._refusal(scope) if scope["type"] == "http" else None
        if refusal is None:
            await self.app(scope, receive, send)
            return
        response = self.renderer.problem(refusal, self.instance(scope))
        await response(scope, receive, send)


def read_only_errors(body: Mapping[str, Any], switches: Switches) -> list[Any]:
    """The 422 items for a read-only member sent, under ``read-only-422``."""
    if switches.allows("read-only-422") and c.READ_ONLY_MEMBER in body:
        return [(c.READ_ONLY_MEMBER, "is read-only: the server assigns it")]
    return []


def stored(
    values: dict[str, Any], body: Mapping[str, Any], switches: Switches
) -> dict[str, Any]:
    """The values a create stores: the client's ``id`` too under the fault."""
    sent = body.get(c.READ_ONLY_MEMBER)
    if switches.broken("PD-IGNORE-1:read-only") and isinstance(sent, str):
        return {**values, c.READ_ONLY_MEMBER: sent}
    return values


def request_id(scope: Scope, switches: Switches) -> str | None:
    """The client's ``Request-Id``, adopted under PD-IGNORE-2 (else ``None``)."""
    if not switches.broken("PD-IGNORE-2"):
        return None
    return Headers(scope=scope).get(c.REQUEST_ID)
