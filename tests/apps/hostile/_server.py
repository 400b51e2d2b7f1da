"""The hostile server's event loop: accept, log, forward to the inner app, misbehave.

It runs in a background thread with its own loop, on 127.0.0.1, and forwards each
request to an inner Cardda reference app; the active behaviour then decides what the
client gets. A second listener on 127.0.0.2 (another host, still loopback) records
whoever follows a redirect there.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Awaitable, Callable

import httpx

from ._reply import Behaviour, Options, Reply, relay, reset
from ._wire import (
    HOP_BY_HOP,
    MAX_HEAD_BYTES,
    Answer,
    BadRequest,
    Request,
    Seen,
    framed,
    read_request,
)

_START_TIMEOUT_S = 15.0
_STOP_TIMEOUT_S = 10.0
_FORWARD_TIMEOUT_S = 10.0
OTHER_HOST = "127.0.0.2"

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _listening_socket(host: str, port: int = 0) -> socket.socket:
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def _bad_request(reason: str) -> bytes:
    answer = Answer(400, "Bad Request", (("Content-Type", "text/plain"),), b"")
    return framed(
        Answer(answer.status, answer.reason, answer.headers, reason.encode()),
        keep_alive=False,
    )


class HostileServer:
    """One behaviour in front of one inner app, served from a thread of its own."""

    def __init__(
        self,
        behaviour: Behaviour,
        inner_url: str,
        options: Options,
        *,
        other_host: bool = False,
    ) -> None:
        self.behaviour = behaviour
        self.inner_url = inner_url
        self.options = options
        self.received: list[Seen] = []
        self.recorded: list[Seen] = []
        self.errors: list[str] = []
        self.port = 0
        self.other_host_url: str | None = None
        self._want_other_host = other_host
        self._requests = 0
        self._outage_done = False
        self._outage_task: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._servers: list[asyncio.Server] = []
        self._listener: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._inner: httpx.AsyncClient | None = None
        self._ready = threading.Event()
        self._failed: BaseException | None = None
        self._thread = threading.Thread(
            target=self._thread_main, name="hostile-server", daemon=True
        )

    @property
    def base_url(self) -> str:
        """Where the suite should send its requests."""
        return f"http://127.0.0.1:{self.port}"

    # -- lifecycle (called from the test's thread) -------------------------

    def start(self) -> None:
        """Start the loop thread; return once both listeners accept connections."""
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT_S) or self._failed is not None:
            self.stop()
            raise RuntimeError(f"hostile server did not start: {self._failed!r}")

    def stop(self) -> None:
        """Stop listening, drop every connection, end the thread (bounded)."""
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(stopping.set)
        self._thread.join(_STOP_TIMEOUT_S)

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported by start(); the thread just ends
            self._failed = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._inner = httpx.AsyncClient(
            base_url=self.inner_url, timeout=_FORWARD_TIMEOUT_S, trust_env=False
        )
        try:
            sock = _listening_socket("127.0.0.1")
            self.port = sock.getsockname()[1]
            self._listener = await self._listen(self._connection, sock)
            if self._want_other_host:
                other = _listening_socket(OTHER_HOST)
                await self._listen(self._recorder, other)
                self.other_host_url = f"http://{OTHER_HOST}:{other.getsockname()[1]}"
            self._ready.set()
            await self._stopping.wait()
        finally:
            for server in self._servers:
                server.close()
            for task in list(self._tasks):
                task.cancel()
            if self._tasks:
                await asyncio.wait(self._tasks, timeout=_STOP_TIMEOUT_S / 2)
            await self._inner.aclose()

    async def _listen(self, handler: Handler, sock: socket.socket) -> asyncio.Server:
        server = await asyncio.start_server(
            self._tracked(handler), sock=sock, limit=MAX_HEAD_BYTES
        )
        self._servers.append(server)
        return server

    def _tracked(self, handler: Handler) -> Handler:
        async def run(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter
        ) -> None:
            task = asyncio.current_task()
            assert task is not None
            self._tasks.add(task)
            self._writers.add(writer)
            try:
                await handler(reader, writer)
            except (ConnectionError, OSError, asyncio.CancelledError):
                pass  # the client left, or the server is stopping
            except Exception as exc:  # the hostile server's own bug: keep it visible
                self.errors.append(f"{type(exc).__name__}: {exc}")
            finally:
                self._writers.discard(writer)
                self._tasks.discard(task)
                writer.transport.abort()

        return run

    # -- the hostile listener ----------------------------------------------

    async def _connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        assert self._stopping is not None
        while not self._stopping.is_set():
            try:
                request = await read_request(reader)
            except BadRequest as exc:
                writer.write(_bad_request(str(exc)))
                await writer.drain()
                return
            if request is None:
                return
            self.received.append(Seen(request.method, request.target, request.headers))
            self._requests += 1
            answer = await self._forward(request)
            behaviour = self.behaviour
            respond = behaviour.respond if behaviour.applies(answer.status) else relay
            reply = Reply(
                request=request,
                answer=answer,
                reader=reader,
                writer=writer,
                options=self.options,
                base_url=self.base_url,
                other_host_url=self.other_host_url,
                stopping=self._stopping,
            )
            down = behaviour.outage and self._due_for_outage()
            if down and self.options.down_resets:
                reset(writer)  # killed mid-request: no answer, then refused
            else:
                keep = await respond(reply)
            if down:
                self._outage_task = asyncio.ensure_future(self._outage())
                return
            if not keep or (request.header("connection") or "").lower() == "close":
                return

    async def _forward(self, request: Request) -> Answer:
        assert self._inner is not None
        url = httpx.URL(self.inner_url).copy_with(
            raw_path=request.target.encode("latin-1")
        )
        headers = [(k, v) for k, v in request.headers if k.lower() not in HOP_BY_HOP]
        response = await self._inner.request(
            request.method, url, headers=headers, content=request.body
        )
        raw = tuple(
            (k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw
        )
        return Answer(
            response.status_code, response.reason_phrase, raw, response.content
        )

    def _due_for_outage(self) -> bool:
        if self._outage_done or self._requests < self.options.down_after:
            return False
        self._outage_done = True
        return True

    async def _outage(self) -> None:
        """Stop listening and drop every connection for ``down_s``, then come back."""
        assert self._listener is not None
        assert self._stopping is not None
        self._listener.close()
        self._servers.remove(self._listener)
        for writer in list(self._writers):
            writer.transport.abort()
        if await _stopped_within(self._stopping, self.options.down_s):
            return
        sock = _listening_socket("127.0.0.1", self.port)
        self._listener = await self._listen(self._connection, sock)

    # -- the other host ----------------------------------------------------

    async def _recorder(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        request = await read_request(reader)
        if request is None:
            return
        self.recorded.append(Seen(request.method, request.target, request.headers))
        answer = Answer(200, "OK", (("Content-Type", "application/json"),), b"{}")
        writer.write(framed(answer, keep_alive=False))
        await writer.drain()


async def _stopped_within(stopping: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        return False
    return True
