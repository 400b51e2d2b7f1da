"""The CardClan Integration API surface (contract section 2) as Starlette routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from http import HTTPStatus
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, Router

from . import _messages as msg
from ._auth import authenticate
from ._input import is_blank, parse_object, query_value, required_string
from ._negotiate import guard, middleware_answer
from ._render import (
    ApiError,
    error_response,
    format_time,
    success_response,
    utc_now,
)
from ._router import methods, router_answer
from ._store import Card, Configuration, Store, User, new_id
from ._switches import Fault, Switches, Tolerance, switches_from

API_ROOT = "/api"
Handler = Callable[[Request, User], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def _choice(key: str, label: str, **extra: str) -> dict[str, str]:
    return {"key": key, "label": label, "value": key, **extra}


class _CardClanApi:
    """Endpoint handlers over one store, each answering as the switches say."""

    def __init__(self, store: Store, switches: Switches) -> None:
        self.store = store
        self.switches = switches

    def routes(self) -> list[BaseRoute]:
        """The eight documented endpoints, relative to the API root."""
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/integration/auth/validate", self.validate),
            ("GET", "/integration/workspaces", self.workspaces),
            ("POST", "/integration/cards", self.cards),
            ("GET", "/integration/email-accounts", self.email_accounts),
            ("POST", "/integration/config", self.create_config),
            ("GET", "/integration/config/by-card", self.config_by_card),
            ("POST", "/integration/send-card", self.send_card),
            ("POST", "/integration/get-card-url", self.get_card_url),
        ]
        return [
            Route(path, self._endpoint(handler), methods=methods(method, self.switches))
            for method, path, handler in table
        ]

    def _endpoint(self, handler: Handler) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            if request.method == "HEAD" and self.switches.broken(Fault.METHOD_2):
                # Starlette routes HEAD with GET; this router does not (a 404).
                raise HTTPException(HTTPStatus.NOT_FOUND)
            refused = middleware_answer(request, self.switches)
            if refused is not None:
                return refused
            try:
                user = authenticate(
                    request.headers.get("authorization"),
                    self.store,
                    self.switches,
                    request.query_params.get("access_token"),
                )
                guard(request, self.switches)
                return await handler(request, user)
            except ApiError as exc:
                return error_response(
                    exc.status,
                    exc.message,
                    switches=self.switches,
                    path=request.url.path,
                    headers=exc.headers,
                    extra=exc.extra,
                )
            except Exception:
                # Anything unplanned (including CC-5XX-1's deliberate TypeError).
                return internal_error(request, self.switches)

        return endpoint

    def _ok(self, payload: Any, *, created: bool = False) -> Response:
        status = (
            HTTPStatus.CREATED
            if created and not self.switches.allows(Tolerance.STATUS_200)
            else HTTPStatus.OK
        )
        return success_response(payload, status, switches=self.switches)

    def _config_json(self, config: Configuration) -> dict[str, str]:
        return {
            "_id": config.id,
            "userId": config.user_id,
            "workspaceId": config.workspace_id,
            "cardId": config.card_id,
            "createdAt": format_time(config.created_at, self.switches),
            "updatedAt": format_time(config.updated_at, self.switches),
        }

    async def validate(self, request: Request, user: User) -> Response:
        """#1: prove the key works and tell the caller its user id."""
        return self._ok({"success": True, "message": msg.AUTH_OK, "user_id": user.id})

    async def workspaces(self, request: Request, user: User) -> Response:
        """#2: the caller's workspaces as a choice list."""
        choices = [
            _choice(w.id, w.name, id=w.id, name=w.name)
            for w in self.store.workspaces_of(user)
        ]
        return self._ok([{"key": "workspace", "choices": choices}])

    async def cards(self, request: Request, user: User) -> Response:
        """#3: the cards of one of the caller's workspaces."""
        workspace_id = query_value(request.query_params.get("workspace"))
        if workspace_id is None:
            if self.switches.broken(Fault.VAL_4):
                return self._ok([{"key": "card", "choices": []}])
            raise ApiError(HTTPStatus.BAD_REQUEST, msg.WORKSPACE_REQUIRED)
        workspace = self.store.workspace_of(user, workspace_id)
        if workspace is None:
            raise ApiError(HTTPStatus.NOT_FOUND, msg.WORKSPACE_NOT_FOUND)
        choices = [
            _choice(c.id, c.title, id=c.id, title=c.title, name=c.title)
            for c in self.store.cards_in(workspace)
        ]
        return self._ok([{"key": "card", "choices": choices}])

    async def email_accounts(self, request: Request, user: User) -> Response:
        """#4: the default sender and the caller's own sender addresses."""
        choices = [_choice(msg.DEFAULT_SENDER, msg.DEFAULT_SENDER)] + [
            _choice(a.id, a.email, id=a.id, email=a.email)
            for a in self.store.email_accounts_of(user)
        ]
        return self._ok([{"key": "email-account", "choices": choices}])

    async def create_config(self, request: Request, user: User) -> Response:
        """#5: link a card to an integration, once per card."""
        body = parse_object(await request.body(), self.switches)
        user_id = required_string(body, "userId")
        workspace_id = required_string(body, "workspaceId")
        card_id = required_string(body, "cardId")
        if user_id != user.id:
            raise ApiError(HTTPStatus.NOT_FOUND, msg.CONFIG_USER_MISMATCH)
        workspace = self.store.workspace_of(user, workspace_id)
        if workspace is None:
            raise ApiError(HTTPStatus.NOT_FOUND, msg.WORKSPACE_NOT_FOUND)
        card = self._usable_card(user, card_id)
        if card.workspace_id != workspace.id:
            raise ApiError(HTTPStatus.NOT_FOUND, msg.CARD_NOT_FOUND)
        existing = self.store.configuration_for_card(card.id)
        if existing is not None:
            if self.switches.broken(Fault.CONFLICT_1):
                return self._ok(
                    {"data": self._config_json(existing), "message": msg.CONFIG_FOUND}
                )
            raise ApiError(HTTPStatus.CONFLICT, msg.CONFIG_EXISTS)
        config = self.store.create_configuration(user, workspace, card, utc_now())
        return self._ok(
            {"data": self._config_json(config), "message": msg.CONFIG_CREATED},
            created=True,
        )

    async def config_by_card(self, request: Request, user: User) -> Response:
        """#6: find the caller's configuration of a card."""
        card_id = query_value(request.query_params.get("cardId"))
        if card_id is None:
            raise ApiError(HTTPStatus.BAD_REQUEST, msg.CARD_ID_QUERY_REQUIRED)
        config = self.store.configuration_for_card(card_id)
        if config is None or config.user_id != user.id:
            raise ApiError(HTTPStatus.NOT_FOUND, msg.CONFIG_NOT_FOUND)
        return self._ok(
            {"data": self._config_json(config), "message": msg.CONFIG_FOUND}
        )

    async def send_card(self, request: Request, user: User) -> Response:
        """#7: pretend to send a card; nothing ever leaves the process."""
        body = parse_object(await request.body(), self.switches)
        _, tags = self._card_request(body, user)
        sender = body.get("emailAccount")
        if sender is not None and not isinstance(sender, str):
            raise ApiError(
                HTTPStatus.BAD_REQUEST,
                msg.FIELD_NOT_STRING.format(field="emailAccount"),
            )
        recipient_id = new_id()
        # Under CC-VAL-3 the list may be empty: answer as JavaScript would.
        email = str(tags[0]["email"]) if tags else "undefined"
        payload = {
            "message": msg.CARD_SENT.format(email=email),
            "status": True,
            "recipient_id": recipient_id,
            "tracking_url": f"{msg.PUBLIC_BASE}/track/{recipient_id}",
        }
        return self._ok(payload, created=True)

    async def get_card_url(self, request: Request, user: User) -> Response:
        """#8: the personalised view link of a card, without sending it."""
        body = parse_object(await request.body(), self.switches)
        card, _ = self._card_request(body, user)
        return self._ok(
            {
                "view_card_url": f"{msg.PUBLIC_BASE}/view/{card.id}?r={new_id()}",
                "white_label_app_name": msg.WHITE_LABEL_NAME,
                "card_cover": f"{msg.PUBLIC_BASE}/covers/{card.id}.png",
                "unsubscribe_link_url": f"{msg.PUBLIC_BASE}/unsubscribe/{new_id()}",
            }
        )

    def _card_request(
        self, body: dict[str, Any], user: User
    ) -> tuple[Card, list[dict[str, Any]]]:
        """The checks send-card and get-card-url share, in the documented order."""
        if is_blank(body.get("card")):
            raise ApiError(
                HTTPStatus.BAD_REQUEST,
                msg.FAULT_CARD_REQUIRED
                if self.switches.broken(Fault.VAL_1)
                else msg.CARD_ID_REQUIRED,
            )
        if is_blank(body.get("integrationId")):
            if self.switches.broken(Fault.VAL_2):
                raise ApiError(HTTPStatus.CONFLICT, msg.CONFIG_MISSING)
            raise ApiError(HTTPStatus.BAD_REQUEST, msg.INTEGRATION_ID_REQUIRED)
        tags = self._merge_tags(body)
        integration_id = body["integrationId"]
        config = (
            self.store.configuration(user, integration_id)
            if isinstance(integration_id, str)
            else None
        )
        if config is None:
            if self.switches.broken(Fault.CONFLICT_2):
                raise ApiError(HTTPStatus.NOT_FOUND, msg.CONFIG_NOT_FOUND)
            # Documented as 409, not 404: kept (contract section 4).
            raise ApiError(HTTPStatus.CONFLICT, msg.CONFIG_MISSING)
        return self._usable_card(user, body["card"]), tags

    def _merge_tags(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        tags = body.get("mergeTags")
        if (
            "mergeTags" in body
            and not isinstance(tags, list)
            and self.switches.broken(Fault.FIVEXX_1)
        ):
            raise TypeError(msg.FAULT_TYPE_ERROR)
        empty_ok = self.switches.broken(Fault.VAL_3)
        if not isinstance(tags, list) or not (tags or empty_ok):
            raise ApiError(HTTPStatus.BAD_REQUEST, msg.MERGE_TAGS_REQUIRED)
        for tag in tags:
            if not isinstance(tag, dict) or not all(
                isinstance(tag.get(key), str) and not is_blank(tag.get(key))
                for key in ("name", "email")
            ):
                raise ApiError(HTTPStatus.BAD_REQUEST, msg.MERGE_TAG_INVALID)
        return tags

    def _usable_card(self, user: User, card_id: Any) -> Card:
        if (
            self.switches.broken(Fault.FIVEXX_1_ASTRAL)
            and isinstance(card_id, str)
            and any(ord(ch) > 0xFFFF for ch in card_id)
        ):
            raise LookupError(msg.FAULT_COLLATION)
        card = self.store.card(card_id) if isinstance(card_id, str) else None
        if card is not None and not self.store.can_use(user, card):
            if self.switches.broken(Fault.RES_1):
                raise ApiError(HTTPStatus.FORBIDDEN, msg.FAULT_NO_ACCESS)
            if self.switches.broken(Fault.RES_1_REASON):
                raise ApiError(
                    HTTPStatus.NOT_FOUND,
                    msg.CARD_NOT_FOUND,
                    extra=msg.FAULT_EXISTENCE_MEMBER,
                )
            card = None  # a foreign card must look exactly like an unknown one
        if card is None:
            raise ApiError(HTTPStatus.NOT_FOUND, msg.CARD_NOT_FOUND)
        return card


def internal_error(request: Request, switches: Switches) -> Response:
    """The catch-all 500: the error shape, a fixed message, no internals."""
    return error_response(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        msg.INTERNAL,
        switches=switches,
        path=request.url.path,
    )


def create_app(
    *,
    faults: Collection[str] = (),
    tolerances: Collection[str] = (),
    rate_limit: float | None = None,
) -> Starlette:
    """Build a CardClan reference server breaking exactly the clauses in ``faults``.

    ``rate_limit`` is accepted for symmetry with the other reference app and ignored:
    CardClan documents no rate limit, so this server never answers 429.
    """
    switches = switches_from(faults=faults, tolerances=tolerances)
    store = Store.seeded(utc_now())
    api = _CardClanApi(store, switches)

    async def routing_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if isinstance(exc, HTTPException) and status in (
            HTTPStatus.NOT_FOUND,
            HTTPStatus.METHOD_NOT_ALLOWED,
        ):
            return router_answer(request, exc, switches)
        if isinstance(exc, HTTPException) and status < 500:
            return error_response(
                status, exc.detail, switches=switches, path=request.url.path
            )
        return internal_error(request, switches)

    async def unexpected_error(request: Request, exc: Exception) -> Response:
        return internal_error(request, switches)

    api_router = Router(api.routes(), redirect_slashes=False)
    app = Starlette(
        routes=[Mount(API_ROOT, app=api_router)],
        exception_handlers={HTTPException: routing_error, Exception: unexpected_error},
    )
    # No trailing-slash redirects: "/api" and other near misses answer a plain 404.
    app.router.redirect_slashes = False
    app.state.fixtures = dict(store.fixtures)
    # Where the API root sits: the suite's base URL is the server root plus this.
    app.state.base_path = API_ROOT
    # The live data, for tests that need what no fixture names (a foreign workspace).
    app.state.store = store
    app.state.faults = frozenset(str(f) for f in switches.faults)
    app.state.tolerances = frozenset(str(t) for t in switches.tolerances)
    return app
