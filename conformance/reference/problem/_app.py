"""The Projects API (``openapi.yaml``) as Starlette routes over an in-memory store.

Checks run in this order: rate limit and authentication (in ``FrontDoor``, before any
routing), then per operation the Content-Type, the body's syntax, its fields, and the
state (name taken, project unknown).
"""

from __future__ import annotations

import hmac
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._switches import Switches, checked_names, checked_rate, lenient_key
from . import _contract as c
from ._body import (
    changed_values,
    crash_if_faulty,
    field_errors,
    is_json_media_type,
    parse_object,
    project_values,
    read_leniently,
)
from ._challenge import challenge_lines
from ._ignored import Ignored, read_only_errors, stored
from ._ignored import request_id as client_request_id
from ._limits import Limits
from ._misplaced import credential_elsewhere
from ._ratelimit import TokenBucketLimiter, bucket_key
from ._render import Problem, Renderer, SimulatedCrash
from ._routes import http_problem, routes
from ._store import Store, seeded

Endpoint = Callable[[Request], Awaitable[Response]]

_log = logging.getLogger(__name__)
_UUID = re.compile(r"[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}", re.IGNORECASE)
_PATH_SAFE = "/!$&'()*+,;=:@-._~%"


def instance_of(scope: Scope) -> str:
    """The request path as the client sent it: the ``instance`` of its problems."""
    raw = scope.get("raw_path")
    if isinstance(raw, bytes) and raw:
        return raw.decode("latin-1")
    return quote(str(scope.get("path", "/")), safe=_PATH_SAFE)


@dataclass(frozen=True)
class Caller:
    """Whose token a request carries, and whether it may change anything."""

    account: str
    can_write: bool


CALLERS: Mapping[str, Caller] = {
    c.API_KEY: Caller(c.MAIN_ACCOUNT, can_write=True),
    c.OTHER_API_KEY: Caller(c.OTHER_ACCOUNT, can_write=True),
    c.READ_ONLY_API_KEY: Caller(c.MAIN_ACCOUNT, can_write=False),
}
ANYONE = CALLERS[c.API_KEY]
"""Who an unchecked request is taken for, under PD-AUTH-1 and PD-AUTH-2."""


class FrontDoor:
    """Stamp ``Request-Id``, rate-limit, authenticate, and turn crashes into 500s.

    It sits inside Starlette's own error middleware, so an unexpected exception is
    answered here (with a request id and a problem body) and never reaches the
    framework's plain-text handler; and it sees every request before routing, so
    authentication comes before anything else.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        renderer: Renderer,
        limiter: TokenBucketLimiter | None,
    ) -> None:
        self.app = app
        self.renderer = renderer
        self.limiter = limiter
        self.broken = renderer.switches.broken
        self.lower_names = renderer.switches.allows("header-case")

    def _request_id(self, scope: Scope) -> str:
        adopted = client_request_id(scope, self.renderer.switches)
        if adopted:
            return adopted
        if self.broken("PD-HDR-3"):
            return c.CONSTANT_REQUEST_ID
        return str(uuid.uuid4())

    def _names(self, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        # Starlette lower-cases every header name; the server sends canonical ones,
        # and all lower case under `header-case`.
        if self.lower_names:
            return [(name.lower(), value) for name, value in headers]
        return [(c.CANONICAL_HEADERS.get(n, n), v) for n, v in headers]

    def _admit(self, scope: Scope) -> Problem | None:
        """The 429 or 401 that refuses this request before routing, if any."""
        headers = Headers(scope=scope)
        if self.limiter is not None:
            client = scope.get("client")
            key = bucket_key(scope["headers"], client[0] if client else None)
            retry_after = self.limiter.acquire(key)
            if retry_after is not None:
                value = (
                    c.FAULTY_RETRY_AFTER
                    if self.broken("PD-RATE-1:retry-after")
                    else str(retry_after)
                )
                return Problem(c.RATE_LIMITED, headers={"retry-after": value})
        header = headers.get("authorization")
        if header is None:
            header = credential_elsewhere(scope, self.broken)
        caller = self._caller(header)
        if caller is not None:
            scope.setdefault("state", {})["caller"] = caller
            return None
        sent = headers.get("authorization") is not None
        lines = challenge_lines(self.renderer.switches, sent=sent)
        return Problem(c.UNAUTHENTICATED, lines=lines)

    def _caller(self, header: str | None) -> Caller | None:
        if header is None:
            return ANYONE if self.broken("PD-AUTH-1") else None
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        # RFC 9110 section 11.1: the scheme is case-insensitive; PD-AUTH-5 compares
        # it as written in the documentation (a hand-written startswith("Bearer ")).
        if self.broken("PD-AUTH-5"):
            scheme = scheme if scheme == "Bearer" else ""
        if scheme.lower() != "bearer" or not token or any(ch.isspace() for ch in token):
            return None
        sent = token.encode("utf-8", "surrogateescape")
        for key, caller in CALLERS.items():
            # Header values are latin-1 text; compare bytes, in constant time.
            if hmac.compare_digest(sent, key.encode("ascii")):
                return caller
        if self.broken("PD-AUTH-2"):
            return ANYONE
        lenient = lenient_key(token, CALLERS, self.broken, "PD-AUTH-2")
        return None if lenient is None else CALLERS[lenient]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request through the rate limit, authentication and the app."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self._request_id(scope).encode("latin-1")
        started = False

        async def stamped(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                if not (message["status"] == 401 and self.broken("PD-HDR-2")):
                    headers.append((c.REQUEST_ID.lower().encode(), request_id))
                message = {**message, "headers": self._names(headers)}
            await send(message)

        instance = instance_of(scope)
        try:
            refusal = self._admit(scope)
            if refusal is not None:
                await self.renderer.problem(refusal, instance)(scope, receive, stamped)
                return
            await self.app(scope, receive, stamped)
        except Exception as exc:
            if started:
                raise
            if not isinstance(exc, SimulatedCrash):
                _log.exception("unexpected error in the Projects reference server")
            response = self.renderer.problem(Problem(c.INTERNAL), instance)
            await response(scope, receive, stamped)


class _Api:
    """The operations of one app instance, sharing its store and renderer."""

    def __init__(self, store: Store, renderer: Renderer) -> None:
        self.store = store
        self.render = renderer
        self.switches = renderer.switches
        self.broken = renderer.switches.broken

    def _caller(self, request: Request) -> Caller:
        caller: Caller = request.scope.get("state", {}).get("caller", ANYONE)
        return caller

    def _may_write(self, request: Request) -> None:
        """A read-only credential changes nothing: 403, whatever else the request
        holds (before any lookup or validation)."""
        if not self._caller(request).can_write and not self.broken("PD-ROLE-1"):
            if self.broken("PD-ROLE-2") and "projectId" in request.path_params:
                with self.store.lock:  # the lookup first: an unknown id's 404 wins
                    self._find(request)
            raise Problem(c.READ_ONLY)

    def _find(self, request: Request) -> dict[str, Any]:
        raw = str(request.path_params["projectId"])
        if not _UUID.fullmatch(raw):
            raise Problem(c.NOT_FOUND)  # an id that names nothing is not found
        project = self.store.projects.get(raw.lower())
        account = self._caller(request).account
        if project is not None and self.store.owners[project["id"]] != account:
            # Another account's project does not exist for this caller: the same
            # 404 as an id nobody has (or, under the faults, it is served, or 403).
            if self.broken("PD-TENANT-1:exists"):
                raise Problem(c.FORBIDDEN)
            if not self.broken("PD-TENANT-1"):
                project = None
        if project is None and self.broken("PD-HDR-1:framework-default"):
            # The framework's own 404 instead of the app's problem (a lookup that
            # raises the router's exception): Starlette's plain text.
            raise HTTPException(404)
        if project is None:
            raise Problem(c.FORBIDDEN if self.broken("PD-RES-1") else c.NOT_FOUND)
        return project

    async def list_projects(self, request: Request) -> Response:
        """listProjects: the projects, at most ``limit`` of them (1 to 100)."""
        raw = request.query_params.get("limit")
        limit = c.LIMIT_RANGE[1]
        if raw is not None:
            low, high = c.LIMIT_RANGE
            valid = raw.strip().isdigit() and low <= int(raw) <= high
            if valid:
                limit = int(raw)
            elif not self.broken("PD-VAL-3"):
                raise Problem(c.BAD_QUERY)
        with self.store.lock:
            data = self.store.of(self._caller(request).account)[:limit]
        return self.render.ok({"data": data, "next": None})

    async def create_project(self, request: Request) -> Response:
        """createProject: 403 (read-only), 415, 400, 422 or 409 in that order, else
        201 and Location."""
        self._may_write(request)
        body = await self._valid_body(request)
        errors = field_errors(body, self.switches)
        errors += read_only_errors(body, self.switches)
        if errors:
            raise Problem(c.INVALID, errors=errors)
        if "name" not in body:  # only under PD-VAL-1
            body = {**body, "name": f"untitled-{uuid.uuid4().hex[:8]}"}
        values = stored(project_values(body), body, self.switches)
        account = self._caller(request).account
        with self.store.lock:
            if self.store.name_taken(values["name"], account) and not self.broken(
                "PD-CONFLICT-1"
            ):
                raise Problem(c.NAME_TAKEN)
            project = self.store.add(values, account)
        headers = {}
        if not self.broken("PD-HEADER-LOCATION"):
            headers["location"] = f"/projects/{project['id']}"
        return self.render.ok(project, status=201, headers=headers)

    async def _valid_body(self, request: Request) -> dict[str, Any]:
        """The body as an object, after 415 and 400; its field errors unchecked."""
        content_type = request.headers.get("content-type")
        if not is_json_media_type(content_type) and not self.broken("PD-REQ-2"):
            raise Problem(c.UNSUPPORTED_MEDIA_TYPE)
        body = parse_object(await request.body(), self.switches)
        crash_if_faulty(body, self.switches)
        return read_leniently(body, self.switches)

    async def update_project(self, request: Request) -> Response:
        """updateProject: 403 (read-only), 415, 400, 422 (the body validated before
        the lookup, as frameworks do), 404 or 409, else 200 with the fields sent
        changed. A refused update changes nothing (but under PD-ATOMIC-1)."""
        if self.broken("PD-ATOMIC-1:forbidden") and not self._caller(request).can_write:
            with suppress(Problem):  # a valid body written, then the role checked
                body = await self._valid_body(request)
                with self.store.lock:
                    self._find(request).update(changed_values(body))
        self._may_write(request)
        body = await self._valid_body(request)
        errors = field_errors(body, self.switches, partial=True)
        account = self._caller(request).account
        with self.store.lock:
            if errors and self.broken("PD-ATOMIC-1"):  # the row written, then checked
                self._find(request).update(changed_values(body, {f for f, _ in errors}))
            if errors:
                raise Problem(c.INVALID, errors=errors)
            project = self._find(request)
            values = changed_values(body)
            renamed = values.get("name", project["name"]) != project["name"]
            taken = renamed and self.store.name_taken(values["name"], account)
            if taken and not self.broken("PD-CONFLICT-1"):
                raise Problem(c.NAME_TAKEN)
            project.update(values)
        return self.render.ok(project)

    async def get_project(self, request: Request) -> Response:
        """getProject: one project, or 404."""
        with self.store.lock:
            project = self._find(request)
        return self.render.ok(project)

    async def delete_project(self, request: Request) -> Response:
        """deleteProject: 204 without a body, 403 (read-only) or 404."""
        self._may_write(request)
        with self.store.lock:
            project = self._find(request)
            del self.store.projects[project["id"]]
            del self.store.owners[project["id"]]
        return self.render.no_content()

    async def on_problem(self, request: Request, exc: Exception) -> Response:
        """Render a refusal raised by an operation."""
        assert isinstance(exc, Problem)
        return self.render.problem(exc, instance_of(request.scope))

    async def on_http(self, request: Request, exc: Exception) -> Response:
        """Render the router's 404 and 405 (and any other HTTPException) as problems."""
        assert isinstance(exc, HTTPException)
        return http_problem(self.render, exc, instance_of(request.scope))

    def routes(self) -> list[Route]:
        """One route per path, each dispatching on method (``_routes``)."""
        table: dict[str, dict[str, Endpoint]] = {
            "/projects": {"GET": self.list_projects, "POST": self.create_project},
            "/projects/{projectId}": {
                "GET": self.get_project,
                "PATCH": self.update_project,
                "DELETE": self.delete_project,
            },
        }
        return routes(table, self.switches)


def _limiter(rate_limit: float | None, switches: Switches) -> TokenBucketLimiter | None:
    rate = checked_rate(rate_limit)
    if rate is None:
        return None
    if switches.broken("PD-RATE-1"):
        return None
    penalty = c.FAULTY_PENALTY_S if switches.broken("PD-RATE-2") else 0.0
    return TokenBucketLimiter(rate, penalty_s=penalty)


def create_app(
    *,
    faults: Collection[str] = (),
    tolerances: Collection[str] = (),
    rate_limit: float | None = c.DOCUMENTED_RATE_LIMIT,
) -> Starlette:
    """A fresh Projects reference server with its own seeded store."""
    switches = Switches(
        checked_names("Projects", "fault", faults, c.FAULTS),
        checked_names("Projects", "tolerance", tolerances, c.TOLERANCES),
    )
    limiter = _limiter(rate_limit, switches)
    renderer = Renderer(switches)
    api = _Api(seeded(), renderer)
    handlers: dict[Any, Any] = {Problem: api.on_problem}
    if not switches.broken("PD-HDR-1:framework-default"):
        handlers[HTTPException] = api.on_http
    app = Starlette(
        routes=api.routes(),
        middleware=[
            Middleware(FrontDoor, renderer=renderer, limiter=limiter),
            Middleware(Limits, renderer=renderer, instance=instance_of),
            Middleware(Ignored, renderer=renderer, instance=instance_of),
        ],
        exception_handlers=handlers,
    )
    app.router.redirect_slashes = False  # `/projects/` is an unknown route, not a 307
    app.state.fixtures = {
        "api_key": c.API_KEY,
        "other_api_key": c.OTHER_API_KEY,
        "read_only_api_key": c.READ_ONLY_API_KEY,
    }
    app.state.base_path = ""
    app.state.switches = switches
    app.state.store = api.store  # for white-box tests
    app.state.limiter = limiter  # for tests that move its clock
    return app
