"""The hostile reference target: a loopback server with one switch per misbehaviour.

``hostile_target("drip")`` serves an inner Cardda reference app behind a raw asyncio
server on 127.0.0.1 that relays every answer faithfully except, for the chosen
behaviour, the ones it applies to (error answers, unless the behaviour says otherwise):
it hangs, stalls, drips, cuts or resets the connection, streams giant or compressed
bodies, mislabels them, redirects, duplicates headers, bends ``Retry-After``, storms
429s or fails everything. The suite must end each run in time with a clear verdict.

Behaviours::

    connection   hang, hang-all, stall-body, drip, close-mid-body, reset, down-after-n
    body         giant-body, gzip-bomb, invalid-utf8, json-as-html, html-as-json,
                 empty-error-body
    redirects    redirect-301, redirect-302, redirect-307, redirect-308,
                 redirect-other-host (to 127.0.0.2, where a recorder logs any visit)
    headers      duplicate-request-id, duplicate-content-type, control-char-header,
                 bare-cr-header (both in X-Request-Id; h11 refuses the bare CR)
    rate limit   retry-after-0, retry-after-negative, retry-after-day,
                 retry-after-http-date (on the burst's 429), storm-429
    everything   5xx-everything
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any

from errcontract.reference import cardda
from errcontract.reference._serve import serve

from ._behaviours import RELAY, TABLE, TABLE_WITH_RELAY, gzip_bomb
from ._reply import Options, options_from
from ._server import HostileServer
from ._wire import Seen

__all__ = ["BEHAVIOURS", "RELAY", "HostileTarget", "Options", "Seen", "hostile_target"]

BEHAVIOURS: frozenset[str] = frozenset(TABLE)
"""Every misbehaviour switch (``RELAY``, the faithful control, is not one)."""


class HostileTarget:
    """A running hostile target: where it listens and what it was sent."""

    def __init__(
        self, behaviour: str, server: HostileServer, fixtures: Mapping[str, str]
    ) -> None:
        self.behaviour = behaviour
        self.base_url = server.base_url
        self.fixtures: Mapping[str, str] = dict(fixtures)
        self.options: Options = server.options
        self.other_host_url = server.other_host_url
        self._server = server

    @property
    def received(self) -> tuple[Seen, ...]:
        """Every request line and headers the hostile server read, in order."""
        return tuple(self._server.received)

    @property
    def recorded(self) -> tuple[Seen, ...]:
        """Every request the other host (127.0.0.2) got; none, for a good client."""
        return tuple(self._server.recorded)

    @property
    def errors(self) -> tuple[str, ...]:
        """Exceptions of the hostile server itself (a bug here, not in the suite)."""
        return tuple(self._server.errors)

    def __repr__(self) -> str:
        return f"HostileTarget({self.behaviour!r}, base_url={self.base_url!r})"


@contextmanager
def hostile_target(behaviour: str, **options: Any) -> Iterator[HostileTarget]:
    """Serve ``behaviour`` on 127.0.0.1 in front of a fresh Cardda app; stop on exit.

    ``options`` override the fields of ``Options`` (sizes, durations, the inner app's
    ``rate_limit``).
    """
    chosen = TABLE_WITH_RELAY.get(behaviour)
    if chosen is None:
        near = difflib.get_close_matches(behaviour, sorted(TABLE_WITH_RELAY), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise ValueError(f"unknown hostile behaviour {behaviour!r}{hint}")
    settings = options_from(options)
    if behaviour == "gzip-bomb":
        gzip_bomb(settings.bomb_bytes)  # built before serving, not on the first 4xx
    app = cardda.create_app(rate_limit=settings.rate_limit)
    with ExitStack() as stack:
        inner_url = stack.enter_context(serve(app))
        server = HostileServer(
            chosen,
            inner_url,
            settings,
            other_host=behaviour == "redirect-other-host",
        )
        server.start()
        stack.callback(server.stop)
        yield HostileTarget(behaviour, server, app.state.fixtures)
