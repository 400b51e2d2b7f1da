"""Bearer authentication, checked first on every endpoint, with the CC-AUTH faults."""

from __future__ import annotations

from http import HTTPStatus

from . import _messages as msg
from ._render import ApiError
from ._store import Store, User
from ._switches import Fault, Switches

SCHEME = "Bearer"
# RFC 9110 asks every 401 to name the scheme; the contract neither asks nor forbids it.
_CHALLENGE = {"WWW-Authenticate": SCHEME}


def _unauthorized(message: str) -> ApiError:
    return ApiError(HTTPStatus.UNAUTHORIZED, message, headers=_CHALLENGE)


def bearer_token(header: str, *, exact: bool = False) -> str | None:
    """The token of a ``Bearer`` header (maybe empty), or None for any other scheme.

    The scheme in any letter case (RFC 9110 section 11.1; passport-http-bearer's
    /^Bearer$/i); ``exact``: only as written (the CC-AUTH-6 fault)."""
    value = header.strip()
    written = value[: len(SCHEME)]
    if written != SCHEME and (exact or written.lower() != SCHEME.lower()):
        return None
    rest = value[len(SCHEME) :]
    if rest and not rest[0].isspace():
        return None  # "BearerX…" is another scheme, not a Bearer header
    return rest.strip()


def authenticate(
    header: str | None, store: Store, switches: Switches, query_key: str | None = None
) -> User:
    """The account behind ``header`` (or ``query_key``, the ``access_token`` query
    parameter, under CC-AUTH-5), or the documented 401/404 for what is wrong."""
    if header is None and query_key is not None and switches.broken(Fault.AUTH_5):
        header = f"{SCHEME} {query_key}"
    if header is None:
        raise _unauthorized(
            msg.FAULT_UNAUTHORIZED
            if switches.broken(Fault.AUTH_1)
            else msg.AUTH_REQUIRED
        )
    token = bearer_token(header, exact=switches.broken(Fault.AUTH_6))
    if token is None:
        if switches.broken(Fault.AUTH_2):
            # The whole value is taken for a key, which never matches one.
            raise ApiError(HTTPStatus.NOT_FOUND, msg.USER_NOT_FOUND)
        raise _unauthorized(msg.AUTH_REQUIRED)
    if not token:
        raise _unauthorized(
            msg.AUTH_REQUIRED if switches.broken(Fault.AUTH_3) else msg.TOKEN_EMPTY
        )
    user = store.user_for_key(token)
    if user is None and switches.broken(Fault.AUTH_4_CASE):
        # Keys compared case-folded: the valid key in upper case passes.
        folded = token.lower()
        user = next(
            (u for u in store.users.values() if u.api_key.lower() == folded), None
        )
    if user is None:
        if switches.broken(Fault.AUTH_4):
            raise _unauthorized(msg.USER_NOT_FOUND)
        # Documented as 404, not 401: kept (contract section 4).
        raise ApiError(HTTPStatus.NOT_FOUND, msg.USER_NOT_FOUND)
    return user
