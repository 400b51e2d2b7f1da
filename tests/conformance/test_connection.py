"""Connections kept alive, the whole-request deadline on the caller's thread, and
the work done while an answer is on its way (``_http/connection``, ``Wire``).

A raw loopback socket server is the seam: what is tested is how the connection's
reads end, before any HTTP parser has a complete status line, and what reaches the
socket when.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import h11
import httpx
import pytest

from errcontract._http.connection import Pool
from errcontract._http.redact import Redactor
from errcontract._http.wire import Wire

STATUS_LINE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"


def _serve(
    answer: Callable[[socket.socket], None], accepted: list[int] | None = None
) -> Iterator[str]:
    """One connection at a time on 127.0.0.1, each answered by ``answer`` (once;
    ``accepted`` counts the connections)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            if accepted is not None:
                accepted.append(1)
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


def test_the_suite_sends_on_its_own_connections_and_no_worker_thread(
    wire: Wire,
) -> None:
    assert isinstance(wire._pool, Pool)
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


def _keep_alive(conn: socket.socket) -> None:
    """Answer every request on the connection until the client closes it."""
    conn.sendall(STATUS_LINE)
    conn.settimeout(2.0)
    try:
        while conn.recv(65536):
            conn.sendall(STATUS_LINE)
    except OSError:
        return


def _answer_once(conn: socket.socket) -> None:
    """Answer one request and close, without saying so (no ``Connection: close``)."""
    conn.sendall(STATUS_LINE)


@pytest.mark.parametrize(
    ("answer", "connections"),
    [(_keep_alive, 1), (_answer_once, 3)],
    ids=["kept-alive", "closed-by-server"],
)
def test_a_connection_is_reused_only_while_the_server_keeps_it(
    wire: Wire, answer: Callable[[socket.socket], None], connections: int
) -> None:
    accepted: list[int] = []
    for base in _serve(answer, accepted):
        answers = []
        for _ in range(3):
            answers.append(wire.send("GET", base + "/x", [], None))
            time.sleep(0.05)  # the server's close lands before the next request
    assert [received.status if received else why for received, why in answers] == [
        200
    ] * 3
    assert len(accepted) == connections


def test_the_job_meanwhile_runs_while_the_answer_is_awaited(wire: Wire) -> None:
    # The server answers only once the job has run: a job run after the answer
    # would leave the request to its deadline.
    ran = threading.Event()

    def after_the_job(conn: socket.socket) -> None:
        if ran.wait(1.0):
            conn.sendall(STATUS_LINE)

    order: list[str] = []
    for base in _serve(after_the_job):
        with wire.meanwhile(lambda: (order.append("job"), ran.set())):
            received, why = wire.send("GET", base + "/x", [], None)
            order.append("answer")
    assert received is not None, why
    assert received.status == 200
    assert order == ["job", "answer"]


def test_what_the_job_raises_is_raised_after_the_request_not_as_its_failure(
    wire: Wire,
) -> None:
    def broken() -> None:
        raise LookupError("the job's own bug")

    answers = []
    for base in _serve(_answer_once):
        with (
            pytest.raises(LookupError, match="the job's own bug"),
            wire.meanwhile(broken),
        ):
            answers.append(wire.send("GET", base + "/x", [], None))
    assert [received.status if received else why for received, why in answers] == [200]


def test_a_job_no_request_awaited_runs_at_the_block_end(wire: Wire) -> None:
    ran: list[str] = []
    with wire.meanwhile(lambda: ran.append("job")):
        assert ran == []
    assert ran == ["job"]


def test_a_connection_given_back_after_the_pool_closed_is_closed() -> None:
    pool = Pool()
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        url = httpx.URL(f"http://127.0.0.1:{listener.getsockname()[1]}/x")
        conn = pool.take(url, time.monotonic() + 2.0)
        pool.close()
        # As if its exchange had ended cleanly: only the pool's closing stops it.
        conn.done = lambda: True  # type: ignore[method-assign]
        pool.give_back(conn)
        assert conn.sock.fileno() == -1
    finally:
        listener.close()


def test_a_header_line_h11_refuses_is_refused_after_lines_it_took() -> None:
    # Lines h11 has checked are not checked again; a new line always is, whatever
    # came before it (and a refused line is not remembered as checked).
    from errcontract._http.connection import _request

    good = [(b"host", b"example.test"), (b"x-a", b"1")]
    assert _request(b"GET", b"/x", good).headers[1] == (b"x-a", b"1")
    assert _request(b"GET", b"/x", good).headers[1] == (b"x-a", b"1")
    for bad in (b"two\r\nlines", b"\x00", b" padded "):
        for _ in range(2):
            with pytest.raises(h11.LocalProtocolError, match="Illegal header value"):
                _request(b"GET", b"/x", [*good, (b"x-b", bad)])
    with pytest.raises(h11.LocalProtocolError, match="Illegal header name"):
        _request(b"GET", b"/x", [*good, (b"x b", b"1")])
    with pytest.raises(h11.LocalProtocolError, match="Illegal target"):
        _request(b"GET", b"/x y", good)


def test_the_wire_refuses_a_bad_header_value_after_good_requests(wire: Wire) -> None:
    answers = []
    for base in _serve(_answer_once):
        answers.append(wire.send("GET", base + "/x", [("X-A", "1")], None))
        answers.append(wire.send("GET", base + "/x", [("X-A", "1\r\nX-B: 2")], None))
    assert answers[0][0] is not None
    assert answers[0][0].status == 200
    assert answers[1][0] is None
    assert "LocalProtocolError" in (answers[1][1] or "")


def test_awaiting_runs_after_the_blocks_job_while_the_answer_is_awaited(
    wire: Wire,
) -> None:
    # The server answers only once both ran: run after the answer, the request
    # would end at its deadline.
    ran = threading.Event()
    order: list[str] = []

    def after_both(conn: socket.socket) -> None:
        if ran.wait(1.0):
            conn.sendall(STATUS_LINE)

    for base in _serve(after_both):
        with wire.meanwhile(lambda: order.append("job")):
            received, why = wire.send(
                "GET",
                base + "/x",
                [],
                None,
                lambda: (order.append("awaiting"), ran.set()),
            )
            order.append("answer")
    assert received is not None, why
    assert order == ["job", "awaiting", "answer"]


@pytest.mark.parametrize("case", ["refused", "unwritable"])
def test_awaiting_runs_once_where_no_answer_could_come(wire: Wire, case: str) -> None:
    # Nothing listens on the port any more, or the request cannot be written.
    ran: list[str] = []
    answers = []
    for base in _serve(_answer_once):
        if case == "unwritable":
            bad = [("X-A", "1\r\nX-B: 2")]
            answers.append(
                wire.send("GET", base + "/x", bad, None, lambda: ran.append("x"))
            )
    if case == "refused":
        answers.append(wire.send("GET", base + "/x", [], None, lambda: ran.append("x")))
    assert [received for received, _ in answers] == [None]
    assert answers[0][1]
    assert ran == ["x"]
