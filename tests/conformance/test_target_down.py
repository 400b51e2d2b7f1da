"""A target that stops answering mid-run: probing stops, the verdict says so (exit 3),
the request after which it went silent is the evidence, and it fails the no-5xx
clause as "a request took the server down"; no clause passes on coverage cells it
never sent, and no clause is failed by the silence itself.

The target is the embedded Projects API behind a front that shuts its server down
for good when a JSON body holds an invalid UTF-8 byte (as Prism 5 dies on one
malformed request).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn

from errcontract.reference import problem

if TYPE_CHECKING:
    from conftest import CliRun

FAST = ("--rate-limit", "none", "--max-rps", "1000", "--timeout", "2")


@pytest.fixture
def fragile() -> Iterator[tuple[str, dict[str, str]]]:
    """The Projects API on 127.0.0.1, gone for good after one bad byte."""
    app = problem.create_app()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    holder: dict[str, Any] = {}

    async def front(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            holder["server"].should_exit = True
            sock.close()  # refused from now on, as a crashed process is
            raise RuntimeError("crashed on a bad byte") from None
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await app(scope, replay, send)

    server = uvicorn.Server(
        uvicorn.Config(
            front, log_level="critical", access_log=False, lifespan="off", ws="none"
        )
    )
    holder["server"] = server
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}", app.state.fixtures
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


def test_a_request_that_takes_the_target_down_ends_the_run_with_3(
    fragile: tuple[str, dict[str, str]],
    run_cli: Callable[..., CliRun],
    export_fixtures: Callable[[dict[str, str]], None],
) -> None:
    base, fixtures = fragile
    export_fixtures(fixtures)
    started = time.monotonic()
    run = run_cli(
        "run",
        *("--openapi", str(problem.OPENAPI), "--convention", "rfc9457"),
        *("--base-url", base),
        *FAST,
    )
    assert time.monotonic() - started < 120
    assert run.code == 3, run.out[-3000:]
    assert "stopped answering after request" in run.out, run.out[-2000:]
    five = run.clause("PD-5XX-1")
    assert five["status"] == "fail", five
    first = five["violations"][0]
    assert first["title"] == "a request took the server down"
    # It answered that request (a 500, as a crashing handler does), then nothing.
    assert first["exchanges"][0]["defect"].startswith("invalid-utf8"), first
    assert "then no answer to any request after it" in first["actual"], first
    for clause in run.results["clauses"]:
        coverage = clause.get("coverage") or {}
        unsent = [s for s in coverage.get("skipped", []) if "stopped" in s["reason"]]
        if unsent:
            # Never a pass over the cells that were sent.
            assert clause["status"] != "pass", clause
        if clause["id"] == "PD-5XX-1":
            continue
        for violation in clause["violations"]:
            for exchange in violation["exchanges"]:
                # The silence is the target's outage, not a wrong answer.
                assert exchange["response"] is not None, (clause["id"], violation)
    assert "Traceback" not in run.out + run.err
