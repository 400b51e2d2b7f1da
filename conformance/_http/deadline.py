"""A whole-request deadline on every socket operation, through httpcore's network
backend hook.

httpx's timeout bounds each read, and a target that drips its status line a byte a
second never trips it. Running each request on a worker thread with a watchdog bounded
it, at the price of two thread switches per request: on a loopback target about a
sixth of the sending process's CPU. Here the request runs on the caller's thread, and
every connect, read, write and TLS handshake of the connection pool waits at most
until the request's deadline (``bounded``). Past it, a wait raises ``Stalled``
where part of the answer had come (a drip), else its own timeout (no answer).

The deadline is the calling thread's: a pooled connection serves one request at a
time, on the thread that sends it. Name resolution (``getaddrinfo``) is the one wait
no socket timeout reaches; the system resolver's own timeout bounds it.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx

from errcontract.exceptions import Stalled


class _Deadlines(threading.local):
    at: float | None = None
    heard = False
    """Whether a byte of the answer has come (a drip, not a silence)."""


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's backend, every wait cut at the calling thread's deadline."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner
        self._deadlines = _Deadlines()

    @contextlib.contextmanager
    def bounded(self, deadline: float) -> Iterator[None]:
        """Requests sent on this thread within the block end by ``deadline``."""
        self._deadlines.at, self._deadlines.heard = deadline, False
        try:
            yield
        finally:
            self._deadlines.at = None

    def wait(self, timeout: float | None, late: type[Exception]) -> float | None:
        """``timeout`` cut at the deadline; once it has passed, ``late``."""
        deadline = self._deadlines.at
        if deadline is None:
            return timeout
        left = deadline - time.monotonic()
        if left <= 0:
            raise self.timed_out(late("the request's deadline passed"))
        return left if timeout is None else min(timeout, left)

    def timed_out(self, exc: Exception) -> Exception:
        """What a wait that timed out raises: ``Stalled`` where part of the answer
        had come and the deadline ended it (a drip), else the timeout itself (no
        answer at all is a timeout, as httpx's own would say)."""
        at, heard = self._deadlines.at, self._deadlines.heard
        if heard and at is not None and time.monotonic() >= at:
            return Stalled("no complete answer by the request's deadline")
        return exc

    def heard(self) -> None:
        self._deadlines.heard = True

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host,
            port,
            self.wait(timeout, httpcore.ConnectTimeout),
            local_address,
            socket_options,
        )
        return _DeadlineStream(stream, self)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:  # pragma: no cover - the suite speaks TCP
        stream = self._inner.connect_unix_socket(
            path, self.wait(timeout, httpcore.ConnectTimeout), socket_options
        )
        return _DeadlineStream(stream, self)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, backend: DeadlineBackend) -> None:
        self._inner = inner
        self._backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        backend = self._backend
        try:
            data = self._inner.read(
                max_bytes, backend.wait(timeout, httpcore.ReadTimeout)
            )
        except httpcore.ReadTimeout as exc:
            raise backend.timed_out(exc) from None
        if data:
            backend.heard()
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        backend = self._backend
        try:
            self._inner.write(buffer, backend.wait(timeout, httpcore.WriteTimeout))
        except httpcore.WriteTimeout as exc:
            raise backend.timed_out(exc) from None

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        try:
            stream = self._inner.start_tls(
                ssl_context,
                server_hostname,
                self._backend.wait(timeout, httpcore.ConnectTimeout),
            )
        except httpcore.ConnectTimeout as exc:
            raise self._backend.timed_out(exc) from None
        return _DeadlineStream(stream, self._backend)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


def install(
    transport: httpx.BaseTransport,
) -> tuple[DeadlineBackend, httpcore.ConnectionPool] | None:
    """Put a ``DeadlineBackend`` under ``transport``'s connection pool, and give both
    (the wire sends on the pool itself); ``None`` where the transport is not httpx's
    own or its internals have moved (the caller then keeps the watchdog)."""
    pool = getattr(transport, "_pool", None)
    inner = getattr(pool, "_network_backend", None)
    if not isinstance(pool, httpcore.ConnectionPool) or not isinstance(
        inner, httpcore.NetworkBackend
    ):
        return None
    backend = DeadlineBackend(inner)
    pool._network_backend = backend
    return backend, pool
