"""The whole-request deadline on the caller's thread (``_http/deadline``).

A raw loopback socket server is the seam: what is tested is how the connection's
reads end, before any HTTP parser has a complete status line.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from errcontract._http.deadline import DeadlineBackend
from errcontract._http.redact import Redactor
from errcontract._http.wire import Wire

STATUS_LINE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"


def _serve(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """One connection at a time on 127.0.0.1, each answered by ``answer``."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)  # the request
                answer(conn)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2.0)
        listener.close()


def _drip(conn: socket.socket) -> None:
    """The status line a byte every 50 ms, for at most 3 s: each read gets a byte
    well within any per-read timeout."""
    for byte in STATUS_LINE[:60]:
        try:
            conn.sendall(bytes([byte]))
        except OSError:
            return
        time.sleep(0.05)


def _silent(conn: socket.socket) -> None:
    time.sleep(1.5)


@pytest.fixture
def wire() -> Iterator[Wire]:
    made = Wire(timeout_s=0.4, max_body_bytes=1024, redactor=Redactor(()))
    try:
        yield made
    finally:
        made.close()


def test_httpx_own_transport_gets_the_deadline_and_no_worker_thread(wire: Wire) -> None:
    # An httpx whose internals moved would silently fall back to the watchdog.
    assert isinstance(wire._deadline, DeadlineBackend)
    assert wire._workers is None


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        # Each read gets a byte: only the deadline ends it, and part had come.
        (_drip, "no complete answer within 0.4 s (stalled or dripped)"),
        # Nothing at all came: a timeout, as httpx's own would say.
        (_silent, "no answer within 0.4 s (timeout)"),
    ],
    ids=["drip", "silent"],
)
def test_a_request_ends_at_its_deadline(
    wire: Wire, answer: Callable[[socket.socket], None], expected: str
) -> None:
    for base in _serve(answer):
        started = time.monotonic()
        received, why = wire.send("GET", base + "/x", [], None)
        elapsed = time.monotonic() - started
    assert received is None
    assert why == expected
    assert elapsed < 1.0, f"a 0.4 s deadline let the request run {elapsed:.2f} s"


def test_the_deadline_holds_only_within_its_block() -> None:
    backend = DeadlineBackend(object())  # type: ignore[arg-type]
    assert backend.wait(5.0, TimeoutError) == 5.0
    with backend.bounded(time.monotonic() + 1.0):
        cut = backend.wait(5.0, TimeoutError)
        assert cut is not None
        assert 0.5 < cut <= 1.0
    assert backend.wait(5.0, TimeoutError) == 5.0
    with backend.bounded(time.monotonic() - 0.1), pytest.raises(TimeoutError):
        backend.wait(5.0, TimeoutError)
