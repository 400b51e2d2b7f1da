"""A loopback HTTP server for documents the suite must not trust, with a request log.

``DocServer("127.0.0.2")`` binds a free port on that loopback address (127.0.0.0/8
is all loopback on Linux, so 127.0.0.1, .2 and .3 are three "hosts" that never leave
the machine). Each test configures its routes: bytes with a content type, a drip
(one byte every two seconds), a gzip bomb, a 300 MB body streamed in chunks, a
redirect. Every request that reaches the server is logged, routed or not, so a test
can assert that nothing reached a host it must not (``server.requests == []``).

Everything is bounded: a drip stops after ``max_bytes`` or when the server stops,
a streamed body is generated chunk by chunk (never held whole), a socket that sends
nothing is closed after ``SOCKET_TIMEOUT_S``, and ``stop()`` ends every handler.
"""

from __future__ import annotations

import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SOCKET_TIMEOUT_S = 20.0
CHUNK = 64 << 10


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    host: str
    method: str
    target: str
    """The request target as sent (a path, or an absolute URL for a proxy)."""
    headers: tuple[tuple[str, str], ...]

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


@dataclass
class Reply:
    """What a route answers: a status, headers, and a body as chunks."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: Callable[[threading.Event], Iterator[bytes]] | None = None
    """Chunks of the body (given the server's stop event), or none."""
    length: int | None = None


def _gzip_bomb_parts(inflated: int) -> tuple[bytes, bytes, int]:
    """(gzip header + one self-contained deflate segment, the closing bytes without
    the CRC, the segment's inflated size): repeating the segment ``inflated //
    size`` times is a valid stream of zeros. A full flush resets the compressor's
    history, so each copy refers to nothing before it."""
    segment_size = 16 << 20
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = compressor.compress(bytes(segment_size))
    segment += compressor.flush(zlib.Z_FULL_FLUSH)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    final_block = b"\x03\x00"  # an empty final block (fixed Huffman), byte-aligned
    return header + segment, final_block, segment_size


_BOMB_CACHE: dict[int, tuple[bytes, bytes, int]] = {}
_BOMB_LOCK = threading.Lock()


Chunks = Callable[[threading.Event], Iterator[bytes]]


def gzip_bomb(inflated: int = 4 << 30) -> tuple[int, Chunks]:
    """(compressed length, a chunk generator) of a gzip stream of ``inflated`` zero
    bytes: about 1/1000 of that on the wire (4 GiB in about 4 MB)."""
    with _BOMB_LOCK:
        if inflated not in _BOMB_CACHE:
            _BOMB_CACHE[inflated] = _gzip_bomb_parts(inflated)
        first, final_block, segment_size = _BOMB_CACHE[inflated]
    header, segment = first[:10], first[10:]
    copies = max(1, inflated // segment_size)
    total = copies * segment_size
    length = len(header) + copies * len(segment) + len(final_block) + 8

    def chunks(stop: threading.Event) -> Iterator[bytes]:
        yield header
        for _ in range(copies):
            if stop.is_set():
                return
            yield segment
        # Only a client that read all of it gets here: the CRC of the zeros then.
        crc, zeros = 0, bytes(segment_size)
        for _ in range(copies):
            if stop.is_set():
                return
            crc = zlib.crc32(zeros, crc)
        yield final_block + struct.pack("<II", crc, total & 0xFFFFFFFF)

    return length, chunks


_NOT_FOUND = Reply(
    404, [("Content-Type", "text/plain")], lambda stop: iter([b"no such route\n"]), 14
)


class DocServer:
    """A threading HTTP server on one loopback address; routes set per test."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Callable[[], Reply]] = {}
        self._log: list[Seen] = []
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self.errors: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            timeout = SOCKET_TIMEOUT_S
            server_version = "docserver"
            sys_version = ""

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet: the log below is the record

            def do_GET(self) -> None:
                server._handle(self)

            do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET

            def do_CONNECT(self) -> None:
                server._handle(self)

        self._httpd = ThreadingHTTPServer((host, 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread: threading.Thread | None = None

    # -- routes ---------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def serve(
        self,
        path: str,
        body: bytes,
        content_type: str = "application/yaml",
        status: int = 200,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> str:
        """Serve ``body`` at ``path``; returns its URL."""
        self.routes[path] = lambda: Reply(
            status,
            [("Content-Type", content_type), *headers],
            lambda stop: iter([body]),
            len(body),
        )
        return self.url(path)

    def drip(self, path: str, *, every_s: float = 2.0, max_bytes: int = 60) -> str:
        """A body announced as 10 kB, sent one byte every ``every_s`` seconds (at
        most ``max_bytes`` of them, and none once the server stops)."""

        def chunks(stop: threading.Event) -> Iterator[bytes]:
            for _ in range(max_bytes):
                yield b"#"
                if stop.wait(every_s):
                    return

        self.routes[path] = lambda: Reply(
            200, [("Content-Type", "application/yaml")], chunks, 10_000
        )
        return self.url(path)

    def gzip_bomb(self, path: str, inflated: int = 4 << 30) -> str:
        """A gzip stream (Content-Encoding: gzip) of ``inflated`` zero bytes."""
        length, chunks = gzip_bomb(inflated)
        self.routes[path] = lambda: Reply(
            200,
            [("Content-Type", "application/yaml"), ("Content-Encoding", "gzip")],
            chunks,
            length,
        )
        return self.url(path)

    def huge(self, path: str, size: int = 300 << 20) -> str:
        """``size`` bytes of YAML comment lines, streamed in 64 kB chunks."""
        line = b"# " + b"x" * 61 + b"\n"
        block = line * (CHUNK // len(line))

        def chunks(stop: threading.Event) -> Iterator[bytes]:
            yield b"openapi: 3.1.0\n"
            left = size - len(b"openapi: 3.1.0\n")
            while left > 0 and not stop.is_set():
                piece = block[: min(left, len(block))]
                left -= len(piece)
                yield piece

        self.routes[path] = lambda: Reply(
            200, [("Content-Type", "application/yaml")], chunks, size
        )
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        """Answer ``status`` with ``Location: location``."""
        self.routes[path] = lambda: Reply(
            status, [("Location", location), ("Content-Length", "0")], None, 0
        )
        return self.url(path)

    # -- the log --------------------------------------------------------------

    @property
    def requests(self) -> list[Seen]:
        with self._lock:
            return list(self._log)

    def served(self, path: str) -> int:
        """How many requests asked for ``path`` (its query ignored)."""
        return sum(1 for s in self.requests if s.target.split("?")[0] == path)

    # -- running --------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        seen = Seen(
            self.host,
            handler.command,
            handler.path,
            tuple((k, v) for k, v in handler.headers.items()),
        )
        with self._lock:
            self._log.append(seen)
        route = self.routes.get(handler.path.split("?")[0])
        reply = route() if route else _NOT_FOUND
        try:
            handler.send_response(reply.status)
            for name, value in reply.headers:
                handler.send_header(name, value)
            if reply.length is not None and not any(
                n.lower() == "content-length" for n, _ in reply.headers
            ):
                handler.send_header("Content-Length", str(reply.length))
            handler.send_header("Connection", "close")
            handler.end_headers()
            if reply.body is not None and handler.command != "HEAD":
                for chunk in reply.body(self.stopping):
                    handler.wfile.write(chunk)
                    handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the client gave up: that is what a bounded client does
        except OSError as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}")

    def start(self) -> DocServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
            daemon=True,
        )  # fmt: skip
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> DocServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_until(predicate: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    """Poll ``predicate`` (bounded) until true; whether it became true."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
