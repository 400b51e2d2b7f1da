"""Start the framework apps and Prism on 127.0.0.1 for a test; stop them afterwards.

Every wait here is bounded in time and in count: a server that does not come up
fails the test with its log instead of hanging CI.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from ._model import Tokens

HOST = "127.0.0.1"
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0
PRISM_START_TIMEOUT_S = 30.0
# Where `npm install --prefix tests/apps/frameworks/.prism @stoplight/prism-cli@5`
# puts it.
PRISM_LOCAL = Path(__file__).parent / ".prism" / "node_modules" / ".bin" / "prism"


def _bound_socket() -> socket.socket:
    """A loopback socket on a free port, bound but not yet listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    return sock


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve an ASGI ``app`` with uvicorn in a thread; yield its base URL.

    Lifespan is on (the Connexion app hands its state to handlers that way), and the
    HTTP parser and loop are pinned to h11 and asyncio, so that what the apps answer
    does not depend on whether httptools or uvloop happen to be installed.
    """
    sock = _bound_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        http="h11",
        loop="asyncio",
        ws="none",
        lifespan="on",
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    thread.daemon = True
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"app did not start on {HOST}:{port}")
            time.sleep(0.01)
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=STOP_TIMEOUT_S)
        sock.close()


def _connexion(tokens: Tokens) -> Any:
    from .connexion_app import create_app

    return create_app(tokens)


def _fastapi(tokens: Tokens) -> Any:
    from .fastapi_app import create_app

    return create_app(tokens)


def _fastapi_problem(tokens: Tokens) -> Any:
    from .fastapi_problem_app import create_app

    return create_app(tokens)


def _rfc9457(tokens: Tokens) -> Any:
    from .orgs_rfc9457 import create_app

    return create_app(tokens)


# Imported lazily: a missing framework fails only the tests that need it.
APPS: dict[str, Callable[[Tokens], Any]] = {
    "connexion": _connexion,
    "fastapi": _fastapi,
    "fastapi_problem": _fastapi_problem,
    "rfc9457": _rfc9457,
}


@contextmanager
def serve_app(name: str, tokens: Tokens | None = None) -> Iterator[str]:
    """Serve a fresh instance of the named app (a key of ``APPS``)."""
    with serve(APPS[name](tokens or Tokens())) as base_url:
        yield base_url


def find_prism() -> str | None:
    """Prism's executable: ``$PRISM``, the local npm install, or ``prism`` on PATH."""
    candidates = [os.environ.get("PRISM"), str(PRISM_LOCAL), shutil.which("prism")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@dataclass
class PrismServer:
    """A running ``prism mock``: its URL, its process and where it logs."""

    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop Prism and anything it forked (its own process group), bounded."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_S)


@contextmanager
def run_prism(
    document: Path, prism: str, *, timeout: float = PRISM_START_TIMEOUT_S
) -> Iterator[PrismServer]:
    """Run ``prism mock -h 127.0.0.1 -p PORT document``; yield it once it answers."""
    with _bound_socket() as probe:
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="prism-") as tmp:
        log = Path(tmp) / "prism.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [prism, "mock", "-h", HOST, "-p", str(port), str(document)],
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = PrismServer(f"http://{HOST}:{port}", process, log)
        try:
            _wait_until_answering(server, timeout)
            yield server
        finally:
            _stop(process)


def _wait_until_answering(server: PrismServer, timeout: float) -> None:
    """Poll until any HTTP answer comes back; bounded in time and attempts."""
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / 0.1) + 1):
        if not server.alive():
            raise RuntimeError(f"prism exited at startup:\n{server.output()}")
        try:
            httpx.get(server.base_url + "/", timeout=1.0)
        except httpx.TransportError:
            pass
        else:
            return
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    raise RuntimeError(f"prism did not answer within {timeout}s:\n{server.output()}")
