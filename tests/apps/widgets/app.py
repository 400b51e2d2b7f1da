"""Widgets: a small example API in RFC 9457 style, for the suite's own tests only.

It is neither shipped profile: errors are problem details (``application/problem+json``
with ``type``, ``title``, ``status``, ``detail``, ``instance``; a 422 lists its field
errors as ``errors: [{pointer: "#/field", detail}]``), the key goes in ``X-API-Key``,
and every response, success or error, carries one ``X-Request-Id``. Its profile, in
``profile/``, is written only through the public profile format.

``FAULTS`` has one switch per clause id of ``profile/clauses.yaml`` (and a
``<clause id>:<variant>`` one where a clause covers several defect kinds); each breaks
that clause alone. ``TOLERANCES`` are variations RFC 9457 allows, which a conforming
target may show and the suite must not flag.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import unicodedata
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

FAULTS: frozenset[str] = frozenset(
    {
        "EX-BODY-1",  # problems lack `title`
        "EX-BODY-2",  # `status` member says 400 whatever the HTTP status
        "EX-BODY-3",  # 422 field errors lack their `detail`
        "EX-HDR-1",  # problems labelled application/json
        "EX-HDR-2",  # no X-Request-Id on success responses
        "EX-HDR-3",  # request ids repeat (two responses share each)
        "EX-AUTH-1",  # no key answers 403
        "EX-AUTH-2",  # an unknown (random, UUID) key answers 403
        "EX-RES-1",  # deleting an unknown widget answers 204 (idempotent delete)
        "EX-RES-2",  # another account's widget answers 403, telling it exists
        "EX-REQ-1",  # JSON that is not an object answers 422
        "EX-VAL-1",  # field errors point at the whole body (`#`), naming no field
        "EX-VAL-1:first-field-only",  # only the first broken field is reported
        "EX-CONFLICT-1",  # a second widget of the same name is created
        "EX-5XX-1",  # a control character in a string crashes the handler (500)
        "EX-LEAK-1",  # 401 details carry a Python traceback
    }
)
TOLERANCES: frozenset[str] = frozenset(
    {
        "extra-members",  # extension members (RFC 9457 section 3.2)
        "about-blank",  # `type: about:blank`, title the reason phrase (section 4.2.1)
        "no-detail",  # `detail` is optional (section 3.1.4)
        "charset",  # application/problem+json; charset=utf-8
        "header-case",  # header names in upper case (names are case-insensitive)
        "bare-pointer",  # JSON Pointers without the `#` fragment form (`/name`)
    }
)

PROBLEM = "application/problem+json"
MAX_BODY = 256 << 10
"""Bytes of a request body the app reads (over that: 413)."""
TYPES = "https://widgets.example.invalid/problems/"
COLORS = ("red", "green", "blue")
NAME_MAX = 64
SIZE_RANGE = (1, 100)
_LEAK = (
    "Traceback (most recent call last):\n"
    '  File "/srv/widgets/auth.py", line 42, in lookup\n'
    "KeyError: 'x-api-key'"
)


def _checked(
    kind: str, names: Collection[str], known: frozenset[str]
) -> frozenset[str]:
    if isinstance(names, str | bytes):
        raise TypeError(f"{kind}s must be a collection of names, not {names!r}")
    unknown = sorted(set(names) - known)
    if unknown:
        raise ValueError(f"unknown {kind} {unknown[0]!r}; known: {sorted(known)}")
    return frozenset(names)


class Problem(Exception):
    """An error answer: status, problem type slug, detail, and extras."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        *,
        errors: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {detail}")
        self.status = status
        self.slug = slug
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}

    @property
    def title(self) -> str:
        """A short summary of the problem type (``not-found``: "Not found")."""
        return self.slug.replace("-", " ").capitalize()


@dataclass
class Store:
    """Accounts (by key) and their widgets, in memory."""

    keys: dict[str, str] = field(default_factory=dict)  # key -> account
    widgets: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> widget
    owners: dict[str, str] = field(default_factory=dict)  # widget id -> account

    def add(self, account: str, name: str, color: str, size: int) -> dict[str, Any]:
        widget = {"id": str(uuid.uuid4()), "name": name, "color": color, "size": size}
        self.widgets[widget["id"]] = widget
        self.owners[widget["id"]] = account
        return widget

    def of(self, account: str) -> list[dict[str, Any]]:
        return [w for i, w in self.widgets.items() if self.owners[i] == account]


class WidgetsApi:
    """The handlers, answering as the switches say."""

    def __init__(
        self,
        faults: frozenset[str],
        tolerances: frozenset[str],
        rate_limit: float | None,
    ) -> None:
        self.faults = faults
        self.tolerances = tolerances
        self.rate_limit = rate_limit
        self.store = Store()
        self.lock = threading.Lock()
        self.windows: dict[str, tuple[int, int]] = {}
        key, other = secrets.token_hex(16), secrets.token_hex(16)
        self.store.keys = {key: "acct-main", other: "acct-other"}
        self.store.add("acct-main", "seed-widget", "red", 3)
        self.store.add("acct-main", "second-widget", "blue", 7)
        foreign = self.store.add("acct-other", "someone-elses-widget", "green", 5)
        self.fixtures = {
            "api_key": key,
            "foreign_widget_id": foreign["id"],
            "other_api_key": other,
        }

    # -- rendering ------------------------------------------------------------------

    def problem(self, request: Request, exc: Problem) -> Response:
        status = exc.status
        phrase = HTTPStatus(status).phrase
        body: dict[str, Any] = {
            "type": "about:blank"
            if "about-blank" in self.tolerances
            else TYPES + exc.slug,
            "title": phrase if "about-blank" in self.tolerances else exc.title,
            "status": 400 if "EX-BODY-2" in self.faults else status,
            "detail": exc.detail,
            # A URI reference (RFC 9457 3.1.5): the path as sent, percent-encoded.
            "instance": quote(request.url.path, safe="/:@!$&'()*+,;=-._~"),
        }
        if "no-detail" in self.tolerances:
            del body["detail"]
        if "EX-BODY-1" in self.faults:
            del body["title"]
        if exc.errors is not None:
            hash_ = "" if "bare-pointer" in self.tolerances else "#"
            items = []
            for name, detail in exc.errors:
                pointer = "#" if "EX-VAL-1" in self.faults else f"{hash_}/{name}"
                item = {"pointer": pointer, "detail": detail}
                if "EX-BODY-3" in self.faults:
                    del item["detail"]
                items.append(item)
            if "EX-VAL-1:first-field-only" in self.faults:
                items = items[:1]
            body["errors"] = items
        if "extra-members" in self.tolerances:
            body["requestId"] = request.state.request_id
            body["help"] = "https://widgets.example.invalid/docs/errors"
        media = "application/json" if "EX-HDR-1" in self.faults else PROBLEM
        if "charset" in self.tolerances:
            media += "; charset=utf-8"
        return Response(
            json.dumps(body), status_code=status, media_type=media, headers=exc.headers
        )

    @staticmethod
    def ok(data: Any, status: int = 200) -> Response:
        return Response(
            json.dumps(data), status_code=status, media_type="application/json"
        )

    # -- request pieces -------------------------------------------------------------

    def account(self, request: Request) -> str:
        key = request.headers.get("x-api-key")
        leak = "EX-LEAK-1" in self.faults
        if key is None:
            if "EX-AUTH-1" in self.faults:
                raise Problem(403, "forbidden", "Forbidden.")
            raise Problem(
                401, "unauthenticated", _LEAK if leak else "An X-API-Key is required."
            )
        account = self.store.keys.get(key.strip())
        if account is None:
            if "EX-AUTH-2" in self.faults and key.strip():
                raise Problem(403, "forbidden", "That key may not do this.")
            raise Problem(
                401, "unauthenticated", _LEAK if leak else "The X-API-Key is not valid."
            )
        self.throttle(account)
        return account

    def throttle(self, account: str) -> None:
        if self.rate_limit is None:
            return
        now = int(time.monotonic())
        with self.lock:
            second, count = self.windows.get(account, (now, 0))
            if second != now:
                second, count = now, 0
            self.windows[account] = (second, count + 1)
        if count + 1 > self.rate_limit:
            raise Problem(
                429, "rate-limited", "Too many requests.", headers={"Retry-After": "1"}
            )

    def crash_on_control(self, *values: Any) -> None:
        """EX-5XX-1: a control character anywhere in a string breaks the handler."""
        if "EX-5XX-1" not in self.faults:
            return
        stack = list(values)
        for _ in range(10_000):
            if not stack:
                return
            value = stack.pop()
            if isinstance(value, dict):
                stack.extend([*value.keys(), *value.values()])
            elif isinstance(value, list):
                stack.extend(value)
            elif isinstance(value, str) and any(
                unicodedata.category(c) == "Cc" for c in value
            ):
                raise RuntimeError("control character")

    async def json_object(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            # A careful team's body limit, which the document does not state: the
            # suite's default (1 MiB) is what it probes with.
            raise Problem(413, "body-too-large", "The body is too large.")

        def reject(constant: str) -> Any:
            raise ValueError(f"{constant} is not JSON")

        try:
            value = json.loads(raw.decode("utf-8"), parse_constant=reject)
        except (ValueError, RecursionError):
            raise Problem(
                400, "malformed-body", "The body is not valid JSON."
            ) from None
        if not isinstance(value, dict):
            if "EX-REQ-1" in self.faults:
                raise Problem(
                    422,
                    "invalid-body",
                    "The body is invalid.",
                    errors=[("", "must be a JSON object")],
                )
            raise Problem(400, "malformed-body", "The body must be a JSON object.")
        return value

    @staticmethod
    def field_errors(body: dict[str, Any]) -> list[tuple[str, str]]:
        errors: list[tuple[str, str]] = []
        name = body.get("name")
        if "name" not in body:
            errors.append(("name", "is required"))
        elif not isinstance(name, str):
            errors.append(("name", "must be a string"))
        elif not 1 <= len(name) <= NAME_MAX:
            errors.append(("name", f"must be 1 to {NAME_MAX} characters"))
        color = body.get("color")
        if "color" not in body:
            errors.append(("color", "is required"))
        elif not isinstance(color, str) or color not in COLORS:
            errors.append(("color", f"must be one of {', '.join(COLORS)}"))
        size = body.get("size")
        whole = isinstance(size, int) or (isinstance(size, float) and size.is_integer())
        if "size" not in body:
            errors.append(("size", "is required"))
        elif isinstance(size, bool) or not whole:
            errors.append(("size", "must be an integer"))
        elif not SIZE_RANGE[0] <= size <= SIZE_RANGE[1]:
            errors.append(("size", f"must be from {SIZE_RANGE[0]} to {SIZE_RANGE[1]}"))
        return errors

    def owned(self, account: str, widget_id: str) -> dict[str, Any]:
        widget = self.store.widgets.get(widget_id)
        owner = self.store.owners.get(widget_id)
        if widget is not None and owner != account and "EX-RES-2" in self.faults:
            raise Problem(403, "forbidden", "This widget belongs to another account.")
        if widget is None or owner != account:
            raise Problem(404, "not-found", "No widget with that id exists.")
        return widget

    # -- handlers -------------------------------------------------------------------

    async def list_widgets(self, request: Request, account: str) -> Response:
        raw = request.query_params.get("limit")
        limit = 100
        if raw is not None:
            try:
                limit = int(raw)
            except ValueError:
                limit = 0
            if not 1 <= limit <= 100:
                raise Problem(
                    400, "bad-query", "limit must be an integer from 1 to 100."
                )
        items = self.store.of(account)
        return self.ok({"data": items[:limit], "total": len(items)})

    async def create_widget(self, request: Request, account: str) -> Response:
        body = await self.json_object(request)
        self.crash_on_control(body)
        errors = self.field_errors(body)
        if errors:
            raise Problem(422, "invalid-body", "The widget is invalid.", errors=errors)
        with self.lock:
            taken = any(w["name"] == body["name"] for w in self.store.of(account))
            if taken and "EX-CONFLICT-1" not in self.faults:
                raise Problem(409, "conflict", "A widget of that name exists already.")
            widget = self.store.add(
                account, body["name"], body["color"], int(body["size"])
            )
        return self.ok(widget, 201)

    async def get_widget(self, request: Request, account: str) -> Response:
        widget_id = request.path_params["widget_id"]
        self.crash_on_control(widget_id)
        return self.ok(self.owned(account, widget_id))

    async def delete_widget(self, request: Request, account: str) -> Response:
        widget_id = request.path_params["widget_id"]
        self.crash_on_control(widget_id)
        with self.lock:
            if widget_id not in self.store.widgets and "EX-RES-1" in self.faults:
                return Response(status_code=204)
            self.owned(account, widget_id)
            del self.store.widgets[widget_id]
            del self.store.owners[widget_id]
        return Response(status_code=204)

    def by_method(self, handlers: dict[str, Any]) -> Any:
        """One endpoint for a path: each method's handler (HEAD as GET)."""
        endpoints = {m: self.endpoint(h) for m, h in handlers.items()}

        async def run(request: Request) -> Response:
            method = "GET" if request.method == "HEAD" else request.method
            response: Response = await endpoints[method](request)
            return response

        return run

    async def router_problem(self, request: Request, exc: Exception) -> Response:
        """The router's 404 (no such path) and 405 (with its Allow) as problems."""
        assert isinstance(exc, HTTPException)
        slug = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "-")
        problem = Problem(
            exc.status_code, slug, f"{exc.detail}.", headers=dict(exc.headers or {})
        )
        return self.problem(request, problem)

    def endpoint(self, handler: Any) -> Any:
        async def run(request: Request) -> Response:
            try:
                return await handler(request, self.account(request))
            except Problem as exc:
                return self.problem(request, exc)
            except Exception:
                return self.problem(
                    request,
                    Problem(500, "internal", "Something went wrong on our side."),
                )

        return run


class RequestIds:
    """ASGI middleware: one ``X-Request-Id`` on every response (name case switched)."""

    def __init__(self, app: Any, api: WidgetsApi) -> None:
        self.app = app
        self.api = api
        self.counter = 0
        self.lock = threading.Lock()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self.lock:
            self.counter += 1
            n = self.counter // 2 if "EX-HDR-3" in self.api.faults else self.counter
        request_id = f"req-{uuid.UUID(int=n)}"
        scope.setdefault("state", {})["request_id"] = request_id
        upper = "header-case" in self.api.tolerances

        async def wrapped(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                success = message["status"] < 400
                if not (success and "EX-HDR-2" in self.api.faults):
                    headers.append((b"X-Request-Id", request_id.encode()))
                if upper:
                    headers = [(k.upper(), v) for k, v in headers]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, wrapped)


def create_app(
    faults: Collection[str] = (),
    tolerances: Collection[str] = (),
    rate_limit: float | None = None,
) -> Any:
    """The widgets app; ``app.state.fixtures`` holds its throwaway fixtures."""
    api = WidgetsApi(
        _checked("fault", faults, FAULTS),
        _checked("tolerance", tolerances, TOLERANCES),
        rate_limit,
    )
    # One route per path, dispatching on method, so a 405's Allow lists every method
    # of the path (a route per method would name its own only).
    table = {
        "/v1/widgets": {"GET": api.list_widgets, "POST": api.create_widget},
        "/v1/widgets/{widget_id}": {"GET": api.get_widget, "DELETE": api.delete_widget},
    }
    app = Starlette(
        routes=[
            Route(path, api.by_method(handlers), methods=list(handlers))
            for path, handlers in table.items()
        ],
        exception_handlers={HTTPException: api.router_problem},
    )
    app.state.fixtures = dict(api.fixtures)
    wrapped = RequestIds(app, api)
    wrapped.state = app.state  # type: ignore[attr-defined]
    return wrapped
