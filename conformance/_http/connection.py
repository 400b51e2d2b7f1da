"""HTTP/1.1 connections kept alive per origin, driven by h11 (httpx's own HTTP/1.1
engine) over a socket, every wait cut at the request's deadline.

httpx's timeout bounds each read, and a target that drips its status line a byte a
second never trips it: here every connect, write and read waits at most until the
request's deadline, on the caller's thread. Past it, a read raises ``Stalled``
where part of the answer had come (a drip), else a timeout (no answer at all).

The request goes as httpcore would send it (the same h11 events, the same limits,
its errors under its names: the failures a report shows, and what ``retries``
tells apart, read the same), without httpcore's pool and connection layers around
h11, which on a fast target were as much CPU per request as h11 itself. Between
writing a request and reading its answer, the caller's ``meanwhile`` job runs: the
suite's work beside the target's. Name resolution (``getaddrinfo``) is the one
wait no socket timeout reaches; the system resolver's own timeout bounds it.
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import NamedTuple

import h11
import httpcore
import httpx

from errcontract.exceptions import Stalled

READ_BYTES = 64 << 10
MAX_HEADER_BYTES = 100 << 10
"""httpcore's limits: a read's size, and an answer's head before it is refused."""
KEEPALIVE_S = 5.0
"""An idle connection older than this is closed rather than reused (httpx's
default): a server that closed it meanwhile would drop the next request."""
MAX_IDLE = 20
"""Idle connections kept per origin (httpx's default)."""
CHECKED_KEPT = 4096
_checked: set[tuple[bytes, bytes]] = set()
"""Header lines h11 has checked (name and value characters) in a request it took:
the same lines come back on most requests, and a line checks the same each time."""


def _request(
    method: bytes, target: bytes, headers: list[tuple[bytes, bytes]]
) -> h11.Request:
    """h11's request event; each header line's characters are checked by h11 the
    first time it is seen (every other check of h11's, each time)."""
    if _checked.issuperset(headers):
        # As h11 builds the requests it reads: its lines are checked already.
        return h11.Request(method=method, target=target, headers=headers, _parsed=True)
    request = h11.Request(method=method, target=target, headers=headers)
    if len(_checked) >= CHECKED_KEPT:
        _checked.clear()  # bounded: fuzzed values come and go
    _checked.update(headers)
    return request


class Origin(NamedTuple):
    scheme: bytes
    host: str
    port: int


class Head(NamedTuple):
    """An answer's status line and header lines, as sent."""

    status: int
    headers: list[tuple[bytes, bytes]]


def _readable(sock: socket.socket) -> bool:
    """Whether an idle socket has something to read: the server closed it (or
    sent what no request asked for); either way it is not reused."""
    if sock.fileno() < 0:
        return True
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class Connection:
    """One connection to an origin: one request at a time, on the calling thread."""

    def __init__(self, sock: socket.socket, origin: Origin) -> None:
        self.sock = sock
        self.origin = origin
        self.h11 = h11.Connection(
            h11.CLIENT, max_incomplete_event_size=MAX_HEADER_BYTES
        )
        self.idle_since = 0.0
        self.deadline = 0.0
        self.heard = False

    def close(self) -> None:
        self.sock.close()

    def reusable(self, now: float) -> bool:
        """Whether this idle connection can take the next request."""
        return now - self.idle_since < KEEPALIVE_S and not _readable(self.sock)

    def _left(self, late: type[Exception]) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self._timed_out(late("the request's deadline passed"))
        return left

    def _timed_out(self, exc: Exception) -> Exception:
        """``Stalled`` where part of the answer had come and the deadline ended it
        (a drip), else the timeout itself, as httpx's own would say."""
        if self.heard and time.monotonic() >= self.deadline:
            return Stalled("no complete answer by the request's deadline")
        return exc

    def send(
        self,
        method: bytes,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        content: bytes | None,
        deadline: float,
        meanwhile: Callable[[], None] | None = None,
    ) -> Head:
        """Write the request, run ``meanwhile``, read the answer's head (the body
        follows in ``body``). What ``meanwhile`` raises is for its caller."""
        self.deadline, self.heard = deadline, False
        try:
            request = _request(method, target, headers)
        except h11.LocalProtocolError as exc:
            raise httpcore.LocalProtocolError(str(exc)) from None
        try:
            data = self.h11.send(request) or b""
            if content:
                data += self.h11.send(h11.Data(data=content)) or b""
            data += self.h11.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError as exc:
            raise httpcore.LocalProtocolError(str(exc)) from None
        # As httpcore: a server may close a request early and still answer it.
        with contextlib.suppress(httpcore.WriteError):
            self._write(data)
        if meanwhile is not None:
            meanwhile()
        while True:
            event = self._event()
            if isinstance(event, h11.Response) or (
                isinstance(event, h11.InformationalResponse)
                and event.status_code == 101
            ):
                return Head(event.status_code, list(event.headers.raw_items()))

    def body(self) -> Iterator[bytes]:
        """The answer's body as it comes, up to its end."""
        while True:
            event = self._event()
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage) or event is h11.PAUSED:
                return

    def done(self) -> bool:
        """Whether the exchange ended cleanly, ready for the next (else close it)."""
        conn = self.h11
        if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
            conn.start_next_cycle()
            return True
        return False

    def _write(self, data: bytes) -> None:
        try:
            self.sock.settimeout(self._left(httpcore.WriteTimeout))
            self.sock.sendall(data)
        except TimeoutError:
            raise self._timed_out(httpcore.WriteTimeout("timed out")) from None
        except OSError as exc:
            raise httpcore.WriteError(str(exc)) from None

    def _event(self) -> h11.Event | type[h11.PAUSED]:
        conn = self.h11
        while True:
            try:
                event = conn.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpcore.RemoteProtocolError(str(exc)) from None
            if event is not h11.NEED_DATA:
                return event  # type: ignore[return-value] # h11's types do not narrow
            data = self._read()
            if data == b"" and conn.their_state == h11.SEND_RESPONSE:
                raise httpcore.RemoteProtocolError(
                    "Server disconnected without sending a response."
                )
            conn.receive_data(data)

    def _read(self) -> bytes:
        try:
            self.sock.settimeout(self._left(httpcore.ReadTimeout))
            data = self.sock.recv(READ_BYTES)
        except TimeoutError:
            raise self._timed_out(httpcore.ReadTimeout("timed out")) from None
        except OSError as exc:
            raise httpcore.ReadError(str(exc)) from None
        if data:
            self.heard = True
        return data


class Pool:
    """Idle connections by origin, taken by one request at a time (thread-safe)."""

    def __init__(self) -> None:
        self._idle: dict[Origin, list[Connection]] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._tls: ssl.SSLContext | None = None

    def take(self, url: httpx.URL, deadline: float) -> Connection:
        """An idle connection to ``url``'s origin, else a new one."""
        scheme = url.raw_scheme
        if scheme not in (b"http", b"https"):
            raise httpcore.UnsupportedProtocol(
                f"Request URL has an unsupported protocol '{scheme.decode()}://'."
            )
        port = url.port or (443 if scheme == b"https" else 80)
        origin = Origin(scheme, url.raw_host.decode("ascii"), port)
        now = time.monotonic()
        with self._lock:
            idle = self._idle.get(origin, [])
            while idle:
                conn = idle.pop()
                if conn.reusable(now):
                    return conn
                conn.close()
        return self._connect(origin, deadline)

    def give_back(self, conn: Connection) -> None:
        """Keep ``conn`` for the next request to its origin, if it may be reused."""
        if not conn.done():
            conn.close()
            return
        conn.idle_since = time.monotonic()
        with self._lock:
            idle = self._idle.setdefault(conn.origin, [])
            if len(idle) < MAX_IDLE and not self._closed:
                idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        """Close the idle connections, and any given back from now on."""
        with self._lock:
            self._closed = True
            conns = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for conn in conns:
            conn.close()

    def _connect(self, origin: Origin, deadline: float) -> Connection:
        def left() -> float:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise httpcore.ConnectTimeout("the request's deadline passed")
            return remaining

        host = origin.host.strip("[]")
        try:
            sock = socket.create_connection((host, origin.port), timeout=left())
        except TimeoutError:
            raise httpcore.ConnectTimeout("timed out") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from None
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if origin.scheme == b"https":
                sock.settimeout(left())
                sock = self._context().wrap_socket(sock, server_hostname=host)
        except TimeoutError:
            sock.close()
            raise httpcore.ConnectTimeout("timed out") from None
        except OSError as exc:  # ssl.SSLError included
            sock.close()
            raise httpcore.ConnectError(str(exc)) from None
        return Connection(sock, origin)

    def _context(self) -> ssl.SSLContext:
        """httpx's TLS settings (its CA bundle, no environment), HTTP/1.1 by ALPN
        as httpcore offers it."""
        if self._tls is None:
            context = httpx.create_ssl_context(trust_env=False)
            context.set_alpn_protocols(["http/1.1"])
            self._tls = context
        return self._tls
