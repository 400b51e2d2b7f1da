"""The Cardda surface (section 2 of the contract) as Starlette routes over the store.

Checks run in the contract's order: rate limit (in ``FrontDoor``), authentication,
company-id, role policy, resource lookup, body syntax, field validation, state conflict.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._switches import Switches, checked_names, checked_rate, lenient_key
from . import _contract as c
from ._body import (
    RECIPIENT_PATCH_RULES,
    RECIPIENT_RULES,
    SimulatedCrash,
    bank_id_of,
    errors_of,
    parse_object,
    transaction_rules,
)
from ._frontdoor import FrontDoor
from ._ratelimit import SlidingWindowLimiter
from ._render import ApiError, Invalid, Renderer
from ._router import router_answer, routes
from ._store import Role, Store, User, now, public, seeded

Endpoint = Callable[[Request], Awaitable[Response]]
Table = dict[str, dict[str, Any]]

_SORTABLE = {
    "accounts": ("id", "name", "bank_id", "account_number", "currency", "created_at"),
    "recipients": (
        *("id", "name", "rut", "bank_id", "account_type", "account_number"),
        *("email", "alias", "status", "created_at"),
    ),
    "transactions": (
        *("id", "amount", "currency", "description", "sender_id", "recipient_id"),
        *("status", "created_at", "authorized_at"),
    ),
}
"""The ``_field`` values each list endpoint sorts by."""
_ORDERS = ("ASC", "DESC")
_WRITER: Role = "admin"


def _sort_key(value: Any) -> tuple[int, float, str]:
    # Total order over mixed values, so no `_field` can make sorting raise.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value, "")
    if isinstance(value, str):
        return (1, 0, value)
    return (2, 0, repr(value))


def _bad_query(param: str) -> ApiError:
    message = (c.BAD_QUERY.message or "").format(param=param)
    return ApiError(c.BAD_QUERY._replace(message=message))


def _index(raw: str | None, name: str) -> int | None:
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise _bad_query(name)
    return int(raw)


_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


class _Api:
    """The endpoints of one app instance, sharing its store and renderer."""

    def __init__(self, store: Store, renderer: Renderer) -> None:
        self.store = store
        self.render = renderer
        self.broken = renderer.switches.broken

    # -- the request context ----------------------------------------------------------
    def _pick(self, clause: str, conforming: c.Problem) -> ApiError:
        return ApiError(c.FAULTY[clause] if self.broken(clause) else conforming)

    def _user(self, request: Request) -> User:
        header = request.headers.get(c.AUTHORIZATION_HEADER)
        if header is None and self.broken("CD-AUTH-4"):
            found = request.query_params.get("access_token")
            header = None if found is None else c.BEARER_PREFIX + found
        if header is None:
            raise self._pick("CD-AUTH-1", c.UNAUTHENTICATED)
        # RFC 9110 section 11.1: the scheme is case-insensitive (a hand-rolled
        # /\Abearer /i match); CD-AUTH-5 is Rails' case-sensitive TOKEN_REGEX.
        prefix = header[: len(c.BEARER_PREFIX)]
        same = prefix == c.BEARER_PREFIX or (
            prefix.lower() == c.BEARER_PREFIX.lower() and not self.broken("CD-AUTH-5")
        )
        token = header[len(prefix) :] if same else header
        if token == header or not token or any(ch.isspace() for ch in token):
            raise self._pick("CD-AUTH-2", c.UNAUTHENTICATED)
        user = self.store.users.get(token)
        if user is None and (
            key := lenient_key(token, self.store.users, self.broken, "CD-AUTH-2")
        ):
            user = self.store.users[key]
        if (
            user is None
            and self.broken("CD-AUTH-2:any-token")
            and not _UUID.match(token)
        ):
            # Any unknown well-formed token that is not a UUID passes as the
            # owner's (the first seeded user): only a random-token probe shows it.
            user = next(iter(self.store.users.values()))
        if user is None:
            raise ApiError(c.UNAUTHENTICATED)
        if not user.email_verified:
            raise self._pick("CD-AUTH-3", c.EMAIL_NOT_VERIFIED)
        return user

    def _company(self, request: Request, user: User) -> tuple[str, Role]:
        raw = next(
            (v for h in c.COMPANY_HEADERS if (v := request.headers.get(h)) is not None),
            "",
        ).strip()
        if not raw:  # an empty header is read as an absent one
            raise self._pick("CD-TENANT-1", c.COMPANY_REQUIRED)
        try:
            company = str(uuid.UUID(raw))
        except ValueError:
            company = ""
        role = user.roles.get(company)
        if role is not None:
            return company, role
        if self.broken("CD-TENANT-2"):
            raise ApiError(c.FAULTY["CD-TENANT-2"])
        if self.store.company_exists(company):
            if self.broken("CD-TENANT-3:reason-member"):
                raise ApiError(c.NOT_FOUND, extra=c.FAULTY_EXISTENCE_MEMBER)
            raise self._pick("CD-TENANT-3", c.NOT_FOUND)
        raise ApiError(c.NOT_FOUND)

    def _scoped(self, request: Request, *, write: bool = False) -> str:
        company, role = self._company(request, self._user(request))
        if write and role != _WRITER:
            raise self._pick("CD-POLICY-1", c.FORBIDDEN)
        return company

    def _find(self, table: Table, company: str, request: Request) -> dict[str, Any]:
        record = self.store.find(table, company, request.path_params["id"])
        if record is None:
            raise self._pick("CD-RES-1", c.NOT_FOUND)
        return record

    def _page(
        self, request: Request, kind: str, rows: list[dict[str, Any]]
    ) -> Response:
        query = request.query_params
        start = _index(query.get("_start"), "_start") or 0
        end = _index(query.get("_end"), "_end")
        order = query.get("_order", "ASC").upper()  # case-insensitive on purpose
        if order not in _ORDERS:
            raise _bad_query("_order")
        field = query.get("_field")
        if field is not None and field not in _SORTABLE[kind]:
            raise _bad_query("_field")
        if field is not None:
            rows.sort(key=lambda row: _sort_key(row.get(field)))
        if order == "DESC":
            rows.reverse()
        return self.render.ok(rows[start:end], request.state.request_id)

    async def _body(self, request: Request, rules: Mapping[str, Any]) -> dict[str, Any]:
        body = parse_object(await request.body(), self.render.switches)
        errors = errors_of(body, rules)
        if errors:
            raise Invalid(errors)
        return body

    # -- endpoints #1 and #2: no company-id -------------------------------------------
    async def companies(self, request: Request) -> Response:
        """#1: the caller's companies."""
        user = self._user(request)
        if self.broken("CD-TENANT-4"):
            self._company(request, user)
        data = self.store.companies_of(user)
        body = {"data": data, "total": len(data)}
        return self.render.ok(body, request.state.request_id)

    async def banks(self, request: Request) -> Response:
        """#2: the bank directory whose ids ``bank_id`` takes."""
        user = self._user(request)
        if self.broken("CD-TENANT-4"):
            self._company(request, user)
        return self.render.ok(self.store.banks(), request.state.request_id)

    # -- #3 and #4 to #8: accounts and recipients ------------------------------------
    async def accounts(self, request: Request) -> Response:
        """#3: the company's bank accounts (transaction senders)."""
        company = self._scoped(request)
        return self._page(
            request, "accounts", self.store.owned(self.store.accounts, company)
        )

    async def recipients(self, request: Request) -> Response:
        """#4: the company's recipients."""
        company = self._scoped(request)
        rows = self.store.owned(self.store.recipients, company)
        return self._page(request, "recipients", rows)

    async def create_recipient(self, request: Request) -> Response:
        """#5: enrol a recipient; 409 if the company already has it."""
        company = self._scoped(request, write=True)
        body = await self._body(request, RECIPIENT_RULES)
        name = body["name"]
        if self.broken("CD-5XX-1:long-name") and len(name) > c.FAULTY_NAME_LIMIT:
            raise SimulatedCrash("name too long for its column")
        values = {field: body.get(field) for field in RECIPIENT_RULES}
        values.update(bank_id=bank_id_of(body["bank_id"]), metadata={})
        values["status"] = c.RECIPIENT_STATUS
        with self.store.lock:
            if self.store.duplicate_recipient(company, values):
                if self.broken("CD-CONFLICT-1"):
                    raise Invalid(c.FAULTY_DUPLICATE_ERRORS)
                raise ApiError(c.RECIPIENT_EXISTS)
            record = self.store.add(self.store.recipients, company, values)
        return self.render.ok(public(record), request.state.request_id, created=True)

    async def show_recipient(self, request: Request) -> Response:
        """#6: one recipient of the company."""
        company = self._scoped(request)
        record = self._find(self.store.recipients, company, request)
        return self.render.ok(public(record), request.state.request_id)

    async def update_recipient(self, request: Request) -> Response:
        """#7: change a recipient's alias, email or metadata. A refused update changes
        nothing; under CD-ATOMIC-1 the valid fields are written before the 422."""
        company = self._scoped(request, write=True)
        record = self._find(self.store.recipients, company, request)
        body = parse_object(await request.body(), self.render.switches)
        errors = errors_of(body, RECIPIENT_PATCH_RULES)
        with self.store.lock:
            if not errors or self.broken("CD-ATOMIC-1"):
                for field in RECIPIENT_PATCH_RULES:
                    if field in body and field not in errors:
                        value = body[field]
                        record[field] = (
                            {} if field == "metadata" and value is None else value
                        )
        if errors:
            raise Invalid(errors)
        return self.render.ok(public(record), request.state.request_id)

    async def delete_recipient(self, request: Request) -> Response:
        """#8: remove a recipient; 204 without a body."""
        company = self._scoped(request, write=True)
        record = self._find(self.store.recipients, company, request)
        with self.store.lock:
            self.store.recipients.pop(record["id"], None)
        return self.render.no_content()

    # -- #9 to #12: transactions -------------------------------------------------------
    async def transactions(self, request: Request) -> Response:
        """#9: the company's transactions."""
        company = self._scoped(request)
        rows = self.store.owned(self.store.transactions, company)
        return self._page(request, "transactions", rows)

    async def create_transaction(self, request: Request) -> Response:
        """#10: a draft transfer from a company account to a company recipient."""
        company = self._scoped(request, write=True)
        accounts = self._ids(self.store.accounts, company)
        recipients = self._ids(self.store.recipients, company)
        rules = transaction_rules(
            accounts,
            recipients,
            description_optional=self.render.switches.allows("optional-description"),
        )
        body = await self._body(request, rules)
        values = {field: body.get(field) for field in rules}
        values.update(status=c.DRAFT, authorized_at=None)
        with self.store.lock:
            record = self.store.add(self.store.transactions, company, values)
        return self.render.ok(public(record), request.state.request_id, created=True)

    async def show_transaction(self, request: Request) -> Response:
        """#11: one transaction of the company."""
        company = self._scoped(request)
        record = self._find(self.store.transactions, company, request)
        return self.render.ok(public(record), request.state.request_id)

    async def authorize_transaction(self, request: Request) -> Response:
        """#12: authorize a draft; 409 if it is already authorized."""
        company = self._scoped(request, write=True)
        record = self._find(self.store.transactions, company, request)
        with self.store.lock:
            if record["status"] == c.AUTHORIZED and not self.broken("CD-CONFLICT-2"):
                raise ApiError(c.ALREADY_AUTHORIZED)
            if record["status"] != c.AUTHORIZED:
                record.update(status=c.AUTHORIZED, authorized_at=now())
        return self.render.ok(public(record), request.state.request_id)

    def _ids(self, table: Table, company: str) -> Collection[str]:
        return {r["id"] for r in table.values() if r["company_id"] == company}

    # -- exception handlers --------------------------------------------------------
    async def on_error(self, request: Request, exc: Exception) -> Response:
        """Render a refusal, a validation failure or a framework 404/405."""
        rid: str = request.state.request_id
        if isinstance(exc, ApiError):
            return self.render.problem(exc.problem, rid, extra=exc.extra)
        if isinstance(exc, Invalid):
            return self.render.invalid(exc.errors, rid)
        if isinstance(exc, HTTPException) and exc.status_code in (404, 405):
            return router_answer(self.render, exc, rid)
        if isinstance(exc, HTTPException):
            code = c.GENERIC_CODES.get(exc.status_code, c.GENERIC_FALLBACK)
            problem = c.Problem(exc.status_code, code, exc.detail)
            return self.render.problem(problem, rid, headers=exc.headers)
        raise exc

    def routes(self) -> list[Route]:
        """One route per path, each dispatching on method (``_router``)."""
        table: dict[str, dict[str, Endpoint]] = {
            "/v1/companies": {"GET": self.companies},
            "/v1/banking/banks": {"GET": self.banks},
            "/v1/banking/bank_accounts": {"GET": self.accounts},
            "/v1/banking/bank_recipients": {
                "GET": self.recipients,
                "POST": self.create_recipient,
            },
            "/v1/banking/bank_recipients/{id}": {
                "GET": self.show_recipient,
                "PATCH": self.update_recipient,
                "DELETE": self.delete_recipient,
            },
            "/v1/banking/bank_transactions": {
                "GET": self.transactions,
                "POST": self.create_transaction,
            },
            "/v1/banking/bank_transactions/{id}": {"GET": self.show_transaction},
            "/v1/banking/bank_transactions/{id}/authorize": {
                "POST": self.authorize_transaction
            },
        }
        return routes(table, self.render.switches)


def _limiter(
    rate_limit: float | None, switches: Switches
) -> SlidingWindowLimiter | None:
    rate = checked_rate(rate_limit)
    if rate is None:
        return None
    penalty = c.FAULTY_RATE_PENALTY_S if switches.broken("CD-RATE-2") else 0.0
    return SlidingWindowLimiter(rate, penalty_s=penalty)


def create_app(
    *,
    faults: Collection[str] = (),
    tolerances: Collection[str] = (),
    rate_limit: float | None = c.DOCUMENTED_RATE_LIMIT,
) -> Starlette:
    """A fresh Cardda reference server with its own seeded data and fixtures."""
    switches = Switches(
        checked_names("Cardda", "fault", faults, c.FAULTS),
        checked_names("Cardda", "tolerance", tolerances, c.TOLERANCES),
    )
    limiter = _limiter(rate_limit, switches)
    store, fixtures = seeded()
    renderer = Renderer(switches)
    api = _Api(store, renderer)
    app = Starlette(
        routes=api.routes(),
        middleware=[Middleware(FrontDoor, renderer=renderer, limiter=limiter)],
        exception_handlers={
            ApiError: api.on_error,
            Invalid: api.on_error,
            HTTPException: api.on_error,
        },
    )
    app.state.fixtures = fixtures
    app.state.switches = switches
    app.state.store = store  # for white-box tests, e.g. cross-company record ids
    return app
