"""The Gadgets API (``openapi.yaml``) as Starlette routes over an in-memory store.

Checks run in this order: authentication (in ``FrontDoor``, before any routing),
then the router (404, 405), then per operation ``Accept``, ``api-version``, the
query, the body's size, label, syntax and fields, and the state.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import threading
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .._accept import admits_json
from .._nesting import text_depth
from .._switches import Switches, checked_names
from . import _contract as c
from ._render import ApiError, Renderer, SimulatedCrash

Endpoint = Callable[[Request], Awaitable[Response]]

_log = logging.getLogger(__name__)
_UUID = re.compile(r"[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}", re.IGNORECASE)


@dataclass(frozen=True)
class Caller:
    """Whose key a request carries, and whether it may change anything."""

    account: str
    can_write: bool


CALLERS: Mapping[str, Caller] = {
    c.API_KEY: Caller(c.MAIN_ACCOUNT, can_write=True),
    c.OTHER_API_KEY: Caller(c.OTHER_ACCOUNT, can_write=True),
    c.READ_ONLY_API_KEY: Caller(c.MAIN_ACCOUNT, can_write=False),
}
ANYONE = CALLERS[c.API_KEY]
"""Who an unchecked request is taken for, under MS-AUTH-1 and MS-AUTH-2."""


@dataclass
class Store:
    """Gadgets by id, each with its account; one lock for every change."""

    gadgets: dict[str, dict[str, Any]] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, values: Mapping[str, Any], account: str) -> dict[str, Any]:
        gadget = {"id": str(uuid.uuid4()), **values}
        self.gadgets[gadget["id"]] = gadget
        self.owners[gadget["id"]] = account
        return gadget


def seeded() -> Store:
    """A store with one gadget per account."""
    store = Store()
    store.add({"name": "Sprocket", "color": "blue"}, c.MAIN_ACCOUNT)
    store.add({"name": "Flange", "color": "green"}, c.OTHER_ACCOUNT)
    return store


class FrontDoor:
    """Authenticate every request before routing, and answer a crash with a 500
    ErrorResponse (never the framework's plain text)."""

    def __init__(self, app: ASGIApp, *, renderer: Renderer) -> None:
        self.app = app
        self.renderer = renderer
        self.broken = renderer.switches.broken

    def _caller(self, key: str | None) -> Caller | None:
        if key is None:
            return ANYONE if self.broken("MS-AUTH-1") else None
        sent = key.encode("utf-8", "surrogateescape")
        for known, caller in CALLERS.items():
            if hmac.compare_digest(sent, known.encode("ascii")):
                return caller
        return ANYONE if self.broken("MS-AUTH-2") else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request through authentication and the app."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            headers = Headers(scope=scope)
            key = headers.get(c.KEY_HEADER)
            bearer = headers.get("authorization", "")
            if (
                key is None
                and self.broken("MS-AUTH-4")
                and bearer[:7].lower() == "bearer "
            ):
                # A gateway that takes the key from either header, as if the
                # Authorization header's Entra token were the api-key.
                key = bearer[7:]
            caller = self._caller(key)
            if caller is None:
                response = self.renderer.error(ApiError(c.UNAUTHENTICATED))
                await response(scope, receive, send)
                return
            scope.setdefault("state", {})["caller"] = caller
            await self.app(scope, receive, watched)
        except Exception as exc:
            if started:
                raise
            if not isinstance(exc, SimulatedCrash):
                _log.exception("unexpected error in the Gadgets reference server")
            await self.renderer.error(ApiError(c.INTERNAL))(scope, receive, send)


class _Api:
    """The operations of one app instance, sharing its store and renderer."""

    def __init__(self, store: Store, renderer: Renderer) -> None:
        self.store = store
        self.render = renderer
        self.broken = renderer.switches.broken
        self.allows = renderer.switches.allows

    def _caller(self, request: Request) -> Caller:
        caller: Caller = request.scope.get("state", {}).get("caller", ANYONE)
        return caller

    def _common(self, request: Request) -> None:
        """What every operation checks first: Accept, api-version, the query."""
        if not admits_json(request.headers.get("accept")):
            if self.broken("MS-ACCEPT-1"):
                raise ApiError(c.UNSUPPORTED_MEDIA_TYPE)
            if self.allows("accept-406"):
                raise ApiError(c.NOT_ACCEPTABLE)
            # Otherwise Accept is disregarded (RFC 9110 section 12.5.1).
        version = request.query_params.get("api-version")
        if version is None and not self.broken("MS-VAL-2"):
            raise ApiError(c.NO_API_VERSION)
        unsupported = version is not None and version not in c.API_VERSIONS
        if unsupported and not self.broken("MS-VAL-3"):
            raise ApiError(c.BAD_API_VERSION)
        unknown = [k for k in request.query_params if k != "api-version"]
        if unknown and self.broken("MS-IGNORE-1"):
            raise ApiError(c.UNKNOWN_QUERY)

    def _find(self, request: Request) -> dict[str, Any]:
        raw = str(request.path_params["gadgetId"])
        gadget = self.store.gadgets.get(raw.lower()) if _UUID.fullmatch(raw) else None
        account = self._caller(request).account
        foreign = gadget is not None and self.store.owners[gadget["id"]] != account
        if foreign and not self.broken("MS-TENANT-1"):
            gadget = None  # another account's gadget does not exist for this caller
        if gadget is None:
            raise ApiError(c.FORBIDDEN if self.broken("MS-RES-1") else c.NOT_FOUND)
        return gadget

    async def list_gadgets(self, request: Request) -> Response:
        """listGadgets: the account's gadgets, in one page."""
        self._common(request)
        account = self._caller(request).account
        with self.store.lock:
            value = [
                w
                for w in self.store.gadgets.values()
                if self.store.owners[w["id"]] == account
            ]
        return self.render.ok({"value": value, "nextLink": None})

    async def get_gadget(self, request: Request) -> Response:
        """getGadget: one gadget, or 404."""
        self._common(request)
        with self.store.lock:
            gadget = self._find(request)
        return self.render.ok(gadget)

    async def create_gadget(self, request: Request) -> Response:
        """createGadget: 403 (read-only), 413, 415, 400, else 201."""
        self._common(request)
        if not self._caller(request).can_write and not self.broken("MS-ROLE-1"):
            raise ApiError(c.READ_ONLY)
        body = await self._body(request)
        values = self._validated(body)
        with self.store.lock:
            gadget = self.store.add(values, self._caller(request).account)
        return self.render.ok(gadget, status=201)

    async def _body(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        if len(raw) > c.MAX_BODY and not self.broken("MS-SIZE-1"):
            raise ApiError(c.TOO_LARGE_400 if self.allows("size-400") else c.TOO_LARGE)
        label = (request.headers.get("content-type") or "").split(";", 1)[0]
        if label.strip().lower() != c.JSON:
            raise ApiError(c.UNSUPPORTED_MEDIA_TYPE)
        # A recursive walk over an object's members: a bare deep array is refused
        # as no object first (MS-REQ-1's answer, which the fault leaves alone).
        is_object = raw.lstrip()[:1] == b"{"
        if self.broken("MS-5XX-1") and is_object and text_depth(raw) > c.FAULTY_DEPTH:
            raise SimulatedCrash("RecursionError: maximum recursion depth exceeded")
        try:
            value = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            raise ApiError(
                c.MALFORMED_AS_INVALID if self.broken("MS-REQ-1") else c.MALFORMED
            ) from None
        if not isinstance(value, dict):
            raise ApiError(c.NOT_AN_OBJECT)
        return value

    def _validated(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The stored values: ``name`` and ``color`` (``id`` is read-only, other
        members ignored), or a 400 with one detail per broken field."""
        details = []
        name = body.get("name")
        if name is None and self.broken("MS-VAL-1"):
            name = "untitled"
        if "name" not in body and name is None:
            details.append(("MissingProperty", "name", "name is required."))
        elif not isinstance(name, str) or not 1 <= len(name) <= c.NAME_MAX:
            rule = f"name must be a string of 1 to {c.NAME_MAX} characters."
            details.append(("InvalidPropertyValue", "name", rule))
        color = body.get("color", c.COLORS[0])
        if color not in c.COLORS or not isinstance(color, str):
            rule = f"color must be one of {', '.join(c.COLORS)}."
            details.append(("InvalidPropertyValue", "color", rule))
        if details:
            raise ApiError(c.INVALID, details=details, inner=details[0][0])
        return {"name": name, "color": color}

    async def on_error(self, request: Request, exc: Exception) -> Response:
        """Render a refusal raised by an operation."""
        assert isinstance(exc, ApiError)
        return self.render.error(exc)

    async def on_http(self, request: Request, exc: Exception) -> Response:
        """The router's 404 and 405 as ErrorResponses (405 with ``Allow``)."""
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            allow = (exc.headers or {}).get("Allow", "")
            if self.broken("MS-METHOD-1"):
                allow = sorted(m.strip() for m in allow.split(","))[0]
            return self.render.error(
                ApiError(c.METHOD_NOT_ALLOWED, headers={"allow": allow})
            )
        if exc.status_code == 404:
            kind = c.GATEWAY_NO_ROUTE if self.broken("MS-ROUTE-1") else c.NO_ROUTE
            return self.render.error(ApiError(kind))
        kind = c.Kind(exc.status_code, "HttpError", str(exc.detail))
        return self.render.error(ApiError(kind))

    def routes(self) -> list[Route]:
        """One route per path, each dispatching on method (HEAD served as GET, but
        refused with 405 under MS-METHOD-2, as a router that does not add it)."""
        table = {
            "/gadgets": {"GET": self.list_gadgets, "POST": self.create_gadget},
            "/gadgets/{gadgetId}": {"GET": self.get_gadget},
        }
        return [
            Route(path, self._by_method(handlers), methods=list(handlers))
            for path, handlers in table.items()
        ]

    def _by_method(self, handlers: Mapping[str, Endpoint]) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            if request.method == "HEAD" and self.broken("MS-METHOD-2"):
                raise HTTPException(405, headers={"Allow": ", ".join(handlers)})
            method = "GET" if request.method == "HEAD" else request.method
            return await handlers[method](request)

        return endpoint


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity, -Infinity


def create_app(
    *,
    faults: Collection[str] = (),
    tolerances: Collection[str] = (),
    rate_limit: float | None = None,
) -> Starlette:
    """A fresh Gadgets reference server with its own seeded store (it documents
    and enforces no rate limit: ``rate_limit`` is taken for the common signature)."""
    del rate_limit
    switches = Switches(
        checked_names("Gadgets", "fault", faults, c.FAULTS),
        checked_names("Gadgets", "tolerance", tolerances, c.TOLERANCES),
    )
    renderer = Renderer(switches)
    api = _Api(seeded(), renderer)
    app = Starlette(
        routes=api.routes(),
        middleware=[Middleware(FrontDoor, renderer=renderer)],
        exception_handlers={ApiError: api.on_error, HTTPException: api.on_http},
    )
    app.router.redirect_slashes = False  # `/gadgets/` is an unknown route, not a 307
    app.state.fixtures = {
        "api_key": c.API_KEY,
        "other_api_key": c.OTHER_API_KEY,
        "read_only_api_key": c.READ_ONLY_API_KEY,
    }
    app.state.base_path = ""
    app.state.switches = switches
    app.state.store = api.store  # for white-box tests
    return app
