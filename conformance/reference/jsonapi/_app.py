"""The Articles API (``openapi.yaml``) as one Starlette endpoint over an in-memory
store, routed by hand so that every answer (unknown routes, unserved methods, HEAD,
OPTIONS, a crash) is the app's own JSON:API document.

Checks run in this order: the route and method, ``Accept``, then for a write the
``Content-Type``, the body's size, its syntax and its members, and the state.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Collection
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from .._switches import Switches, checked_names
from . import _contract as c

_log = logging.getLogger(__name__)
_ITEM = re.compile(r"/articles/([^/]+)")
_UUID = re.compile(r"[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}")
_METHODS = {"/articles": ("GET", "POST"), "item": ("GET", "PATCH")}
Error = tuple[str, str, str]


class Refused(Exception):
    """An error answer: its status, title, detail, and a source, if any."""

    def __init__(self, error: Error, source: dict[str, str] | None = None) -> None:
        super().__init__(error[1])
        self.error = error
        self.source = source
        self.headers: dict[str, str] = {}


def _params(value: str) -> tuple[str, dict[str, str]]:
    """A media type (lowercased) and its parameters (names lowercased)."""
    media, *rest = (p.strip() for p in value.split(";"))
    params = {}
    for part in rest:
        name, _, val = part.partition("=")
        if name.strip():
            params[name.strip().lower()] = val.strip().strip('"')
    return media.lower(), params


def _no_constant(name: str) -> Any:
    """NaN and Infinity are no JSON (RFC 8259 section 6): Python's reader takes
    them unless told not to."""
    raise ValueError(f"{name} is not JSON")


def _foreign(params: dict[str, str]) -> bool:
    """Whether a JSON:API media type is modified by a parameter other than ext or
    profile, or by ext (no extension is supported: JSON:API 1.1 refuses those
    alike, "Server Responsibilities")."""
    return bool(set(params) - {"profile"})


class Articles:
    """The operations of one app instance, sharing its store and switches."""

    def __init__(self, switches: Switches) -> None:
        self.switches = switches
        self.broken = switches.broken
        self.allows = switches.allows
        self.lock = threading.Lock()
        self.articles: dict[str, dict[str, str]] = {
            c.SEEDED: {"title": "JSON:API paints my bikeshed!", "body": "The shortest."}
        }

    # -- rendering ---------------------------------------------------------------

    def _media_type(self) -> str:
        media = "application/json" if self.broken("JA-HDR-1") else c.JSONAPI
        if self.allows("media-case"):
            media = "Application/Vnd.Api+JSON"
        if self.allows("charset"):
            media += "; charset=utf-8"
        if self.allows("profile"):
            media += '; profile="https://example.com/articles-profile"'
        return media

    def _ordered(self, value: dict[str, Any]) -> dict[str, Any]:
        return dict(reversed(value.items())) if self.allows("member-order") else value

    def _error(self, error: Error, source: dict[str, str] | None) -> dict[str, Any]:
        status, title, detail = error
        item: dict[str, Any] = {"status": status, "title": title}
        if detail:
            item["detail"] = detail
        if status == "404" and self.broken("JA-BODY-2"):
            item["status"] = "400"
        if status == "404" and self.broken("JA-LEAK-1"):
            item["detail"] = c.LEAK
        if self.broken("JA-BODY-1:number-status"):
            item["status"] = int(item["status"])
        if self.allows("minimal"):
            # One member is enough (Error Objects: "MUST contain at least one of"):
            # `status` alone, no `title` or `detail` (no-status drops that one).
            item = {"status": item["status"]}
        if self.allows("no-status"):
            item.pop("status", None)
        if source is not None:
            item["source"] = source
        if self.allows("extra-meta"):
            item["meta"] = {"retryable": False, "trace": {"span": "articles"}}
            item["links"] = {"about": "https://example.com/errors/" + status}
        return self._ordered(item)

    def refusal(self, refused: Refused) -> Response:
        """The JSON:API error document for ``refused``."""
        errors = [self._error(refused.error, refused.source)]
        status = int(refused.error[0])
        if self.allows("several-errors") and refused.error[0] == "422":
            # Two problems: the most generally applicable status, 400, answers them
            # (JSON:API 1.1, Processing Errors).
            errors.append(
                self._error(("400", "Bad request", "Fix the document."), None)
            )
            status = 400
        document: dict[str, Any] = {"errors": errors}
        if status == 404 and self.broken("JA-BODY-1"):
            document["errors"] = errors[0]
        if self.broken("JA-BODY-1:data"):
            document["data"] = None
        if self.allows("extra-meta"):
            document["meta"] = {"copyright": "Articles"}
            document["jsonapi"] = {"version": "1.1"}
            document["links"] = {"describedby": "/openapi.yaml"}
        return self._response(status, self._ordered(document), refused.headers)

    def _response(
        self, status: int, document: Any, headers: dict[str, str] | None = None
    ) -> Response:
        content = json.dumps(document).encode()
        return Response(content, status, headers=headers, media_type=self._media_type())

    # -- request checks ----------------------------------------------------------

    def accept(self, header: str | None) -> None:
        """406 when every JSON:API media type in Accept carries a parameter other
        than ext or profile, or when Accept admits neither a JSON:API document nor
        JSON."""
        if header is None or not header.strip():
            return
        instances: list[tuple[str, dict[str, str]]] = []
        ranges: list[tuple[str, dict[str, str]]] = []
        for part in header.split(","):
            media, params = _params(part)
            if params.pop("q", "1").strip() in ("0", "0.0", "0.00", "0.000"):
                continue
            (instances if media == c.JSONAPI else ranges).append((media, params))
        if instances:
            if self.broken("JA-MEDIA-2") or any(not _foreign(p) for _, p in instances):
                return
            raise Refused(c.NOT_ACCEPTABLE)
        # JSON:API documents are JSON: an Accept admitting application/json (the
        # suite's own client sends it) is served, as most JSON:API servers do.
        if any(m in ("*/*", "application/*", "application/json") for m, _ in ranges):
            return
        if self.broken("JA-ACCEPT-1"):
            raise Refused(("400", "Bad request", "Accept is not understood."))
        if not self.allows("accept-ignored"):
            raise Refused(c.NOT_ACCEPTABLE)

    async def document(self, request: Request) -> dict[str, Any]:
        """The request's JSON:API document, or the 415, 413 or 400 refusing it."""
        media, params = _params(request.headers.get("content-type", ""))
        if media != c.JSONAPI and not self.broken("JA-REQ-2"):
            raise Refused(c.UNSUPPORTED, {"header": "Content-Type"})
        if _foreign(params) and not self.broken("JA-MEDIA-1"):
            raise Refused(c.UNSUPPORTED, {"header": "Content-Type"})
        raw = await request.body()
        if len(raw) > c.MAX_BODY:
            if self.broken("JA-SIZE-1"):
                raise RuntimeError("simulated crash on a large body")
            raise Refused(c.TOO_LARGE)
        try:
            # Strict UTF-8 (RFC 8259 section 8.1): Python's reader of bytes lets
            # lone surrogates through.
            value = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
        except (ValueError, RecursionError):
            if self.broken("JA-REQ-1"):
                raise Refused(c.INVALID) from None
            raise Refused(c.NOT_JSON) from None
        if not isinstance(value, dict):
            raise Refused(c.NOT_JSON)
        return value

    def _invalid(self, pointer: str, detail: str) -> Refused:
        if self.broken("JA-5XX-1"):
            raise RuntimeError("simulated crash on a refused member")
        if pointer == "" and not self.allows("pointer-root"):
            pointer = "/data"  # a missing `data`, named where it would be
        source: dict[str, str] | None = {"pointer": pointer}
        if self.broken("JA-VAL-1"):
            source = None
        elif self.broken("JA-VAL-1:wrong-pointer"):
            source = {"pointer": "/meta"}
        return Refused((c.INVALID[0], c.INVALID[1], detail), source)

    def attributes(
        self, document: dict[str, Any], *, creating: bool, item: str | None = None
    ) -> dict[str, str]:
        """The attributes a valid create or update sends, or the 422 (or 409)."""
        data = document.get("data")
        if "data" not in document:
            raise self._invalid("", "The document has no primary data.")
        if not isinstance(data, dict):
            raise self._invalid("/data", "The primary data is not a resource object.")
        if data.get("type") != "articles":
            raise self._invalid("/data/type", "The type is not `articles`.")
        if item is not None:
            if not isinstance(data.get("id"), str):
                raise self._invalid("/data/id", "The resource object has no id.")
            if data["id"] != item:
                raise Refused(c.MISMATCH, {"pointer": "/data/id"})
        attributes = data.get("attributes")
        if not isinstance(attributes, dict):
            where = "/data/attributes" if "attributes" in data else "/data"
            raise self._invalid(where, "The attributes are not an object.")
        if creating and "title" not in attributes:
            raise self._invalid("/data/attributes", "An article needs a title.")
        kept: dict[str, str] = {}
        for name, most in (("title", c.MAX_TITLE), ("body", c.MAX_TEXT)):
            if name not in attributes:
                continue
            value = attributes[name]
            if not isinstance(value, str) or not (name == "body" or value):
                raise self._invalid(f"/data/attributes/{name}", f"Give {name} as text.")
            if len(value) > most:
                detail = f"At most {most} characters."
                raise self._invalid(f"/data/attributes/{name}", detail)
            kept[name] = value
        return kept

    # -- operations --------------------------------------------------------------

    def _resource(self, article_id: str) -> dict[str, Any]:
        return {
            "type": "articles",
            "id": article_id,
            "attributes": dict(self.articles[article_id]),
        }

    def _find(self, article_id: str) -> str:
        if _UUID.fullmatch(article_id) and article_id in self.articles:
            return article_id
        raise Refused(c.NOT_FOUND)

    async def serve(self, request: Request, method: str, item: str | None) -> Response:
        """One declared operation (the route and method already matched)."""
        if item is None and method == "GET":
            with self.lock:
                data = [self._resource(i) for i in self.articles]
            return self._response(200, {"data": data})
        if item is None:  # POST
            values = self.attributes(await self.document(request), creating=True)
            with self.lock:
                article_id = str(uuid.uuid4())
                self.articles[article_id] = values
                return self._response(201, {"data": self._resource(article_id)})
        if method == "GET":
            with self.lock:
                if self.broken("JA-RES-1") and item not in self.articles:
                    return self._response(200, {"data": None})
                return self._response(200, {"data": self._resource(self._find(item))})
        with self.lock:  # PATCH
            self._find(item)
        try:
            values = self.attributes(
                await self.document(request), creating=False, item=item
            )
        except Refused:
            if self.broken("JA-ATOMIC-1"):
                with self.lock:
                    self.articles[item]["title"] += " (edited)"
            raise
        with self.lock:
            self.articles[self._find(item)].update(values)
            return self._response(200, {"data": self._resource(item)})


def _route(path: str) -> tuple[str, str | None] | None:
    """Which declared path serves ``path`` (``"/articles"`` or ``"item"``), with the
    item's id; ``None`` for a path the document does not declare."""
    if path in ("/articles", "/articles/"):
        return "/articles", None
    match = _ITEM.fullmatch(path)
    return ("item", match.group(1)) if match else None


async def dispatch(request: Request) -> Response:
    """Route, negotiate, serve; every refusal and crash as a JSON:API document."""
    api: Articles = request.app.state.api
    method = request.method.upper()
    try:
        route = _route(request.url.path)
        if route is None:
            if api.broken("JA-ROUTE-1"):
                raise Refused(("400", "Bad request", "Nothing is served here."))
            raise Refused(c.NO_ROUTE)
        where, item = route
        allowed = _METHODS[where]
        if api.broken("JA-IGNORE-1") and request.query_params:
            name = next(iter(request.query_params))
            error = ("400", "Bad request", f"Unknown query parameter {name}.")
            raise Refused(error, {"parameter": name})
        if method == "OPTIONS":
            refusal = Refused(c.NOT_ALLOWED) if api.allows("options-405") else None
            headers = {"Allow": ", ".join(allowed)}
            if refusal is None:
                return Response(status_code=204, headers=headers)
            refusal.headers = headers
            raise refusal
        served = "GET" if method == "HEAD" and not api.broken("JA-METHOD-2") else method
        if served not in allowed:
            refused = Refused(c.NOT_ALLOWED)
            if not api.broken("JA-METHOD-1"):
                refused.headers = {"Allow": ", ".join(allowed)}
            raise refused
        api.accept(request.headers.get("accept"))
        response = await api.serve(request, served, item)
    except Refused as refused:
        response = api.refusal(refused)
    except Exception:
        _log.exception("error in the Articles reference server")
        response = api.refusal(Refused(c.INTERNAL))
    return response  # to HEAD, the server sends the header section only


class _Endpoint:
    """``dispatch`` as an ASGI app."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await dispatch(Request(scope, receive))
        await response(scope, receive, send)


def create_app(
    *,
    faults: Collection[str] = (),
    tolerances: Collection[str] = (),
    rate_limit: float | None = None,
) -> Starlette:
    """The Articles API with the given fault and tolerance switches. It documents
    no rate limit and enforces none: ``rate_limit`` is taken for the common
    signature and not enforced, as the Shelves and Gadgets APIs take it, so
    ``--rate-limit N`` paces the run instead of failing its start."""
    del rate_limit
    switches = Switches(
        checked_names("Articles", "fault", faults, c.FAULTS),
        checked_names("Articles", "tolerance", tolerances, c.TOLERANCES),
    )
    # An ASGI endpoint, not a function: Starlette then routes every method (QUERY,
    # PROPFIND too) here, and the 405 is the app's own document.
    app = Starlette(routes=[Route("/{path:path}", _Endpoint())])
    app.state.api = Articles(switches)
    # The derived profile's credential fixture: the document secures nothing, so the
    # value is sent and never read.
    app.state.fixtures = {"api_key": "not-a-secret"}
    app.state.base_path = ""
    app.state.switches = switches
    return app
