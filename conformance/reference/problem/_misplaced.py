"""Where the Projects API looks for a key besides ``Authorization``: nowhere, unless
a PD-AUTH-4 fault says so (each a shortcut real services take, and each a key the
document never promised to read)."""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.types import Scope


def credential_elsewhere(scope: Scope, broken: Callable[[str], bool]) -> str | None:
    """An ``Authorization`` value made from a key found where the document does not
    put it, under the fault that reads it there; ``None`` otherwise."""
    headers = Headers(scope=scope)
    if broken("PD-AUTH-4"):
        # RFC 6750 section 2.3's access_token query parameter, read "for EventSource
        # and download links, which cannot set a header" (a common FastAPI helper).
        query = scope.get("query_string", b"").decode("latin-1")
        found = dict(parse_qsl(query)).get("access_token")
        if found:
            return f"Bearer {found}"
    if broken("PD-AUTH-4:cookie"):
        # A browser front end's login cookie taken as the API key too.
        jar = SimpleCookie()
        try:
            jar.load(headers.get("cookie", ""))
        except CookieError:
            return None
        if "access_token" in jar:
            return f"Bearer {jar['access_token'].value}"
    if broken("PD-AUTH-4:other-header"):
        # A legacy gateway's X-API-Key kept working "for old clients".
        legacy = headers.get("x-api-key")
        if legacy:
            return f"Bearer {legacy}"
    return None
