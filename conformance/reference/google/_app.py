"""The Shelves API (``openapi.yaml``) as Starlette routes over an in-memory store.

Checks run in this order: authentication and the server's crashes (``FrontDoor``,
before routing), then the gate (``Accept``, an unknown query parameter, the body's
size), then per operation the key's role, the body's syntax and its fields, and the
lookup.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import threading
import uuid
from collections.abc import Collection, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers, QueryParams
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._accept import admits_json
from .._nesting import text_depth
from .._switches import Switches, checked_names
from . import _contract as c
from ._render import Refusal, Renderer, SimulatedCrash

_log = logging.getLogger(__name__)
KEYS: Mapping[str, tuple[str, bool]] = {
    c.API_KEY: (c.MAIN_ACCOUNT, True),
    c.OTHER_API_KEY: (c.OTHER_ACCOUNT, True),
    c.READ_ONLY_API_KEY: (c.MAIN_ACCOUNT, False),
}
"""Key -> (account, may write)."""


class FrontDoor:
    """Authenticate every request, name the response's headers, and answer a
    crash with INTERNAL (500) in the error shape rather than the framework's
    plain text."""

    def __init__(self, app: ASGIApp, *, renderer: Renderer) -> None:
        self.app = app
        self.renderer = renderer
        self.broken = renderer.switches.broken
        self.lower_names = renderer.switches.allows("header-case")

    def _caller(self, key: str | None) -> tuple[str, bool] | None:
        if key is None:
            return KEYS[c.API_KEY] if self.broken("GA-AUTH-1") else None
        sent = key.strip().encode("utf-8", "surrogateescape")
        for known, caller in KEYS.items():
            if sent and hmac.compare_digest(sent, known.encode("ascii")):
                return caller
        return KEYS[c.API_KEY] if self.broken("GA-AUTH-2") else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request through authentication and the app."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def named(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                if not self.lower_names:
                    headers = [(c.CANONICAL_HEADERS.get(n, n), v) for n, v in headers]
                message = {**message, "headers": headers}
            await send(message)

        try:
            key = Headers(scope=scope).get(c.KEY_HEADER)
            if key is None and self.broken("GA-AUTH-4"):
                # A front end that also takes the key from the query string, where
                # it is written to every access log on the way.
                key = QueryParams(scope["query_string"]).get("api_key")
            caller = self._caller(key)
            if caller is None:
                kind = c.UNAUTHENTICATED
                if key is None and self.broken("GA-AUTH-1:missing-key-403"):
                    kind = c.MISSING_KEY
                refused = self.renderer.error(Refusal(kind))
                await refused(scope, receive, named)
                return
            scope.setdefault("state", {})["caller"] = caller
            if scope["method"] == "HEAD" and self.broken("GA-METHOD-2"):
                # A router that routes GET only, HEAD not added with it.
                head = Refusal(c.METHOD_NOT_ALLOWED, headers={"allow": "GET"})
                await self.renderer.error(head)(scope, receive, named)
                return
            await self.app(scope, receive, named)
        except Exception as exc:
            if started:
                raise
            if not isinstance(exc, SimulatedCrash):
                _log.exception("unexpected error in the Shelves reference server")
            await self.renderer.error(Refusal(c.INTERNAL))(scope, receive, named)


async def _read(receive: Receive, limit: int | None) -> tuple[bytes, bool]:
    """The body, and whether it passed ``limit`` bytes (the rest is drained)."""
    kept: list[bytes] = []
    size, over = 0, False
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        over = over or (limit is not None and size > limit)
        if not over:
            kept.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(kept), over


class Gate:
    """What a front end refuses before an operation sees the request: an
    ``Accept`` without JSON (only under a switch: RFC 9110 lets a server disregard
    it), a query parameter no operation declares (only under GA-IGNORE-1), a body
    over the limit (INVALID_ARGUMENT, as Google's front ends answer it)."""

    def __init__(self, app: ASGIApp, *, renderer: Renderer) -> None:
        self.app = app
        self.renderer = renderer
        self.switches = renderer.switches

    def _refusal(self, scope: Scope) -> Refusal | None:
        broken, on = self.switches.broken, self.switches.allows
        if not admits_json(Headers(scope=scope).get("accept")):
            if broken("GA-ACCEPT-1"):
                return Refusal(c.ACCEPT_AS_BAD)
            if on("accept-406"):
                return Refusal(c.UNACCEPTABLE)
        if broken("GA-IGNORE-1") and scope.get("query_string"):
            return Refusal(c.UNKNOWN_PARAMETER)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse, or serve with the body read once and replayed."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is None and scope["method"] == "POST":
            limit = None if self.switches.broken("GA-SIZE-1") else c.BODY_LIMIT
            body, over = await _read(receive, limit)
            if over:
                big = self.switches.allows("size-413")
                refusal = Refusal(c.TOO_LARGE_413 if big else c.TOO_LARGE)
            scope.setdefault("state", {})["body"] = body
        if refusal is not None:
            await self.renderer.error(refusal)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _integer(value: Any) -> bool:
    """An integer as JSON Schema 2020-12 has it: ``1.0`` is one, ``true`` is not."""
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return math.isfinite(value) and value.is_integer()
    return isinstance(value, int)


def violations(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Each field of ``body`` that breaks the document's Shelf, and why."""
    out = []
    theme = body.get("theme")
    if "theme" not in body:
        out.append(("theme", "is required"))
    elif not isinstance(theme, str) or not 1 <= len(theme) <= 64:
        out.append(("theme", "must be a string of 1 to 64 characters"))
    if "capacity" in body:
        capacity = body["capacity"]
        if not (_integer(capacity) and 1 <= capacity <= 1000):
            out.append(("capacity", "must be an integer from 1 to 1000"))
    return out


class _Api:
    """The operations of one app instance, sharing its store and renderer."""

    def __init__(self, renderer: Renderer) -> None:
        self.render = renderer
        self.broken = renderer.switches.broken
        self.lock = threading.Lock()
        self.shelves: dict[str, dict[str, Any]] = {}
        self.owners: dict[str, str] = {}
        for account in (c.MAIN_ACCOUNT, c.OTHER_ACCOUNT):
            self._add({"theme": f"Seeded {account}", "capacity": 10}, account)

    def _add(self, values: Mapping[str, Any], account: str) -> dict[str, Any]:
        shelf_id = uuid.uuid4().hex[:12]
        shelf = {"name": f"shelves/{shelf_id}", "shelfId": shelf_id, **values}
        self.shelves[shelf_id] = shelf
        self.owners[shelf_id] = account
        return shelf

    @staticmethod
    def _caller(request: Request) -> tuple[str, bool]:
        caller: tuple[str, bool] = request.scope["state"]["caller"]
        return caller

    def _body(self, raw: bytes) -> dict[str, Any]:
        """The body as an object, or INVALID_ARGUMENT (422 under GA-REQ-1)."""
        malformed = c.MALFORMED_AS_422 if self.broken("GA-REQ-1") else c.MALFORMED
        if text_depth(raw) > c.MAX_DEPTH:
            if self.broken("GA-5XX-1"):
                raise SimulatedCrash("the parser's stack overflowed")
            raise Refusal(c.MALFORMED)
        try:
            # Strict UTF-8 first: json.loads(bytes) lets an encoded surrogate by.
            body = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):
            raise Refusal(malformed) from None
        if not isinstance(body, dict):
            raise Refusal(c.MALFORMED)
        return body

    async def list_shelves(self, request: Request) -> Response:
        """listShelves: the caller's shelves, in one page."""
        account, _ = self._caller(request)
        with self.lock:
            mine = [s for i, s in self.shelves.items() if self.owners[i] == account]
        return self.render.ok({"shelves": mine, "nextPageToken": ""})

    async def create_shelf(self, request: Request) -> Response:
        """createShelf: PERMISSION_DENIED (read-only key), INVALID_ARGUMENT (the
        body or its fields, each named in a BadRequest), else 200 and the shelf.
        ``name`` and ``shelfId`` are output only: ignored when sent."""
        account, may_write = self._caller(request)
        if not may_write and not self.broken("GA-ROLE-1"):
            raise Refusal(c.READ_ONLY)
        body = self._body(request.scope["state"].get("body", b""))
        broken = violations(body)
        if broken and not self.broken("GA-VAL-1"):
            raise Refusal(c.INVALID, violations=broken)
        values = {"theme": body.get("theme", "untitled")}
        if "capacity" in body:
            values["capacity"] = body["capacity"]
        with self.lock:
            shelf = self._add(values, account)
        return self.render.ok(shelf)

    async def get_shelf(self, request: Request) -> Response:
        """getShelf: one of the caller's shelves, else NOT_FOUND (another account's
        shelf is not in the caller's collection)."""
        account, _ = self._caller(request)
        shelf_id = str(request.path_params["shelfId"])
        with self.lock:
            shelf = self.shelves.get(shelf_id)
            owner = self.owners.get(shelf_id)
        if shelf is not None and (owner == account or self.broken("GA-TENANT-1")):
            return self.render.ok(shelf)
        if self.broken("GA-RES-1"):
            raise Refusal(c.DENIED)
        raise Refusal(c.NOT_FOUND, metadata={"shelfId": shelf_id})

    async def on_refusal(self, request: Request, exc: Exception) -> Response:
        """Render a refusal raised by an operation."""
        assert isinstance(exc, Refusal)
        return self.render.error(exc)

    async def on_http(self, request: Request, exc: Exception) -> Response:
        """The router's 404 and 405 in the error shape (405 with ``Allow``)."""
        assert isinstance(exc, HTTPException)
        if exc.status_code != 405:
            return self.render.error(Refusal(c.NO_ROUTE))
        allow = (exc.headers or {}).get("Allow", "")
        headers = {} if self.broken("GA-METHOD-1") else {"allow": allow}
        return self.render.error(Refusal(c.METHOD_NOT_ALLOWED, headers=headers))

    def routes(self) -> list[Route]:
        """The document's paths; under GA-ROUTE-1 an item path with more segments
        is served as the item (a route matched by its prefix)."""

        async def shelves(request: Request) -> Response:
            # One route per path, so a 405 lists every method of the path.
            if request.method == "POST":
                return await self.create_shelf(request)
            return await self.list_shelves(request)

        out = [
            Route("/v1/shelves", shelves, methods=["GET", "POST"]),
            Route("/v1/shelves/{shelfId}", self.get_shelf, methods=["GET"]),
        ]
        if self.broken("GA-ROUTE-1"):
            item = "/v1/shelves/{shelfId}/{rest:path}"
            out.append(Route(item, self.get_shelf, methods=["GET"]))
        return out


def create_app(
    *,
    faults: Collection[str] = (),
    tolerances: Collection[str] = (),
    rate_limit: float | None = None,
) -> Starlette:
    """A fresh Shelves reference server with its own seeded store (it documents no
    rate limit, so ``rate_limit`` is taken and not enforced)."""
    del rate_limit
    switches = Switches(
        checked_names("Shelves", "fault", faults, c.FAULTS),
        checked_names("Shelves", "tolerance", tolerances, c.TOLERANCES),
    )
    renderer = Renderer(switches)
    api = _Api(renderer)
    app = Starlette(
        routes=api.routes(),
        middleware=[
            Middleware(FrontDoor, renderer=renderer),
            Middleware(Gate, renderer=renderer),
        ],
        exception_handlers={Refusal: api.on_refusal, HTTPException: api.on_http},
    )
    app.router.redirect_slashes = False
    app.state.fixtures = {
        "api_key": c.API_KEY,
        "other_api_key": c.OTHER_API_KEY,
        "read_only_api_key": c.READ_ONLY_API_KEY,
    }
    app.state.base_path = ""
    app.state.switches = switches
    return app
