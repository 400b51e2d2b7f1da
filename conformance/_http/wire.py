"""One request within bounds: the whole-request watchdog, size, time, decompression.

Kept apart from the client because a hostile target attacks exactly here: a body of
hundreds of megabytes, a gzip bomb, a byte a second, headers dripped forever. Every
read stops at the byte limit (counted after decompression) and at the request's
deadline, and a watchdog ends a request that never gets that far. What comes back is
redacted as it is built.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

import httpcore
import httpx

from errcontract._http.connection import Pool
from errcontract._http.exchange import Received
from errcontract._http.redact import Redactor
from errcontract.exceptions import Stalled

USER_AGENT = "errcontract-conformance/0.1 (+error-contract conformance suite)"
DEFAULT_HEADERS = (
    ("Accept-Encoding", "gzip, deflate"),
    ("Connection", "keep-alive"),
    ("User-Agent", USER_AGENT),
    ("Accept", "application/json"),
)
"""What every request carries unless its probe names the header: the encodings
the suite inflates itself (``read_body``), and the order httpx's client used."""
# How long past the timeout the watchdog waits for a request to end by itself.
WATCHDOG_GRACE_S = 0.5

# Content encodings the suite inflates itself, in bounded steps (zlib's wbits: 47
# accepts a gzip or zlib header, -15 raw deflate).
_WBITS = {"gzip": 47, "x-gzip": 47, "deflate": 47}
_CHUNK = 64 << 10
ECHO_FACTOR = 3
"""An answer may be this many times the size of the request body before it is cut:
a validation error that quotes a too-long value (Connexion's detail, pydantic's
``input``) echoes what the suite sent, which is no defect of the answer's shape.
Bounded by what was sent, itself bounded (an oversized-body probe's limit)."""


@dataclass(frozen=True)
class Body:
    """What was read of a body: the bytes kept and why reading stopped early."""

    data: bytes
    truncated: bool
    note: str = ""


def _inflated(
    raw: Iterator[bytes], encoding: str, limit: int
) -> Iterator[tuple[bytes, bool]]:
    """Decompress ``raw`` never producing more than ``limit`` + 1 bytes in all."""
    inflater = zlib.decompressobj(_WBITS[encoding])
    produced = 0
    for chunk in raw:
        data = chunk
        while data:
            room = limit + 1 - produced
            if room <= 0:
                yield b"", True
                return
            out = inflater.decompress(data, room)
            produced += len(out)
            yield out, produced > limit
            data = inflater.unconsumed_tail
        if produced > limit:
            return


def read_body(
    chunks: Iterator[bytes],
    encoding: str,
    *,
    limit: int,
    deadline: float,
    decoded: bool = False,
) -> Body:
    """Read at most ``limit`` bytes of a body (decoded) before ``deadline``.

    Raw bytes are read and inflated here in bounded steps, so a small compressed body
    cannot expand into gigabytes in memory before the limit is checked. ``decoded``:
    the chunks are already in memory and decoded (a transport that reads eagerly, as
    httpx's MockTransport does): only the limit is left to apply.
    """
    encoding = encoding.strip().lower()
    note = ""
    pieces: Iterator[tuple[bytes, bool]]
    if decoded:
        pieces = ((chunk, False) for chunk in chunks)
    elif encoding in _WBITS:
        pieces = _inflated(chunks, encoding, limit)
    else:
        if encoding and encoding != "identity":
            note = f"content encoding {encoding!r} kept as sent (not decoded)"
        pieces = ((chunk, False) for chunk in chunks)
    kept: list[bytes] = []
    size = 0
    truncated = False
    try:
        for piece, over in pieces:
            kept.append(piece)
            size += len(piece)
            if over or size > limit:
                truncated = True
                break
            if time.monotonic() > deadline:
                raise Stalled("the answer did not complete in time")
    except zlib.error as exc:
        note = f"{encoding} body could not be decoded: {exc}"
    data = b"".join(kept)
    return Body(data[:limit], truncated, note)


@functools.lru_cache(maxsize=4096)
def _parsed(url: str) -> httpx.URL:
    """``url`` parsed once: a run sends each URL many times, and parsing (IDNA,
    IP literals, quoting) was a sixth of building a request. ``httpx.URL`` is
    immutable, so one may be shared."""
    return httpx.URL(url)


@functools.lru_cache(maxsize=4096)
def _target(url: str) -> tuple[httpx.URL, bytes]:
    """``url`` parsed and its ``Host`` value, as httpx's transport makes them (httpx
    parses and quotes it; nothing here sends it changed)."""
    parsed = _parsed(url)
    return parsed, parsed.netloc


_CORE_ERRORS = (
    httpcore.NetworkError,
    httpcore.LocalProtocolError,
    httpcore.ProtocolError,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
)
_BODY_METHODS = frozenset({b"POST", b"PUT", b"PATCH"})


def wire_headers(
    method: bytes,
    host: bytes,
    headers: Sequence[tuple[str, str]],
    content: bytes | None,
) -> list[tuple[bytes, bytes]]:
    """The request's header lines as httpx's ``Request`` puts them on the wire: the
    suite's defaults, each replaced by a probe header of the same name, then the
    probe's own, ``Host`` first and the body's ``Content-Length`` (``0`` for a
    POST, PUT or PATCH without one). Names and values are ASCII, as httpx's."""
    given = {name.lower() for name, _ in headers}
    merged = [(k, v) for k, v in DEFAULT_HEADERS if k.lower() not in given]
    lines = [(k.encode("ascii"), v.encode("ascii")) for k, v in (*merged, *headers)]
    if content and "content-length" not in given:
        lines.append((b"Content-Length", str(len(content)).encode("ascii")))
    first = [] if "host" in given else [(b"Host", host)]
    sized = content or "content-length" in given or "transfer-encoding" in given
    if not sized and method in _BODY_METHODS:
        first.append((b"Content-Length", b"0"))
    return first + lines


class _Meanwhile(threading.local):
    job: Callable[[], None] | None = None
    failed: BaseException | None = None


class Wire:
    """Sends one request and reads its answer, both bounded; redirects never followed.

    The request runs on the caller's thread over a kept-alive connection
    (``connection``), every socket wait cut at the request's deadline. Through a
    proxy, or a transport the caller gives (a test's), it goes through httpx's
    transport on a worker instead, and a watchdog waits for it at most
    ``timeout_s`` (plus a grace), then abandons its connection pool.
    """

    def __init__(
        self,
        *,
        timeout_s: float,
        max_body_bytes: int,
        redactor: Redactor,
        transport: httpx.BaseTransport | None = None,
        proxy: str | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        self._proxy = proxy
        self.max_body_bytes = max_body_bytes
        self.redactor = redactor
        self._given = transport
        self._timeouts = httpx.Timeout(timeout_s).as_dict()
        self._pool: Pool | None = None
        self._transport: httpx.BaseTransport | None = None
        self._workers: ThreadPoolExecutor | None = None
        if transport is None and proxy is None:
            self._pool = Pool()
        else:
            self._transport = transport or self._new_transport()
            self._workers = ThreadPoolExecutor(64, thread_name_prefix="probe")
        self._meanwhile = _Meanwhile()
        self._lock = threading.Lock()

    def _new_transport(self) -> httpx.BaseTransport:
        # No proxy, .netrc or certificate settings from the environment: a proxy is
        # used only when the user names one.
        return httpx.HTTPTransport(proxy=self._proxy, trust_env=False)

    def close(self) -> None:
        """Close the connections; stuck requests are not waited for."""
        if self._pool is not None:
            self._pool.close()
        if self._transport is not None:
            self._transport.close()
        if self._workers is not None:
            self._workers.shutdown(wait=False, cancel_futures=True)

    @contextlib.contextmanager
    def meanwhile(self, job: Callable[[], None]) -> Iterator[None]:
        """Run ``job`` while the first request sent in the block awaits its answer
        (the target works, and so does the suite), else at the block's end; what it
        raises is raised at the block's end, never taken for the target's."""
        local = self._meanwhile
        local.job, local.failed = job, None
        try:
            yield
        finally:
            left, failed = local.job, local.failed
            local.job = local.failed = None
            if left is not None:
                left()
            if failed is not None:
                raise failed

    def _take_job(self) -> Callable[[], None] | None:
        local = self._meanwhile
        job, local.job = local.job, None
        if job is None:
            return None

        def run() -> None:
            try:
                job()
            except BaseException as exc:  # raised at the block's end
                local.failed = exc

        return run

    def send(
        self,
        method: str,
        url: str,
        headers: Sequence[tuple[str, str]],
        body: bytes | None,
        awaiting: Callable[[], None] | None = None,
    ) -> tuple[Received | None, str | None]:
        """``(received, None)``, or ``(None, why)`` when no complete answer came.
        ``awaiting`` runs while the answer is awaited (after the block's job,
        ``meanwhile``), or once the request failed or ended, never twice; what it
        raises is raised here."""
        started = time.monotonic()
        timeout = self.timeout_s
        ran: list[bool] = []

        def both() -> None:
            job = self._take_job()
            if job is not None:
                job()
            if awaiting is not None:
                ran.append(True)
                awaiting()

        try:
            if self._pool is not None:
                return self._exchange(method, url, headers, body, started, both), None
            assert self._workers is not None
            request = self.request(method, url, headers, body)
            future = self._workers.submit(self._exchange_httpx, request, body, started)
            return future.result(timeout=timeout + WATCHDOG_GRACE_S), None
        except FutureTimeout:
            self._abandon_connections()
            return None, f"no complete answer within {timeout:g} s (stalled or dripped)"
        except Stalled:
            return None, f"no complete answer within {timeout:g} s (stalled or dripped)"
        except (httpx.TimeoutException, httpcore.TimeoutException):
            return None, f"no answer within {timeout:g} s (timeout)"
        except (httpx.TransportError, *_CORE_ERRORS) as exc:
            why = f"transport error: {type(exc).__name__}: {exc}"
            return None, self.redactor.text(why)
        finally:
            if awaiting is not None and not ran:
                awaiting()

    def _abandon_connections(self) -> None:
        """Drop the pool a stuck request holds; later requests get a fresh one."""
        if self._given is not None or self._transport is None:
            return  # a transport the caller owns (a test's) is theirs to manage
        with self._lock:
            stuck, self._transport = self._transport, self._new_transport()
        # Closing may wait on the stuck connection: do it off the request path.
        threading.Thread(target=stuck.close, daemon=True).start()

    def request(
        self,
        method: str,
        url: str,
        headers: Sequence[tuple[str, str]],
        content: bytes | None,
    ) -> httpx.Request:
        """The request as httpx's transport takes it (the watchdog's path).

        Built here, not by ``httpx.Client``, because a client keeps a cookie jar: a
        ``Set-Cookie`` from the target would ride on every later probe (an
        unauthenticated probe sent with a session cookie, a ``curl`` line that does
        not reproduce it), and it follows the auth and redirect flows a probe never
        uses.
        """
        verb = method.upper().encode("ascii")
        lines = wire_headers(verb, _target(url)[1], headers, content)
        return httpx.Request(
            method,
            _parsed(url),
            headers=lines,
            content=content,
            extensions={"timeout": self._timeouts},
        )

    def _exchange(
        self,
        method: str,
        url: str,
        headers: Sequence[tuple[str, str]],
        content: bytes | None,
        started: float,
        awaiting: Callable[[], None],
    ) -> Received:
        assert self._pool is not None
        verb = method.upper().encode("ascii")
        parsed, host = _target(url)
        deadline = started + self.timeout_s
        lines = wire_headers(verb, host, headers, content)
        conn = self._pool.take(parsed, deadline)
        try:
            head = conn.send(verb, parsed.raw_path, lines, content, deadline, awaiting)
            encoding = b", ".join(
                v for k, v in head.headers if k.lower() == b"content-encoding"
            )
            received = self._received(
                head.status, head.headers, conn.body(), encoding, content, started
            )
        except BaseException:
            conn.close()
            raise
        self._pool.give_back(conn)
        return received

    def _exchange_httpx(
        self, request: httpx.Request, content: bytes | None, started: float
    ) -> Received:
        assert self._transport is not None
        response = self._transport.handle_request(request)
        try:
            eager = response.is_stream_consumed
            chunks = iter([response.content]) if eager else response.iter_raw(_CHUNK)
            encoding = response.headers.get("content-encoding", "").encode("latin-1")
            return self._received(
                response.status_code,
                response.headers.raw,
                chunks,
                encoding,
                content,
                started,
                decoded=eager,
            )
        finally:
            response.close()

    def _received(
        self,
        status: int,
        headers: Sequence[tuple[bytes, bytes]],
        chunks: Iterator[bytes],
        encoding: bytes,
        content: bytes | None,
        started: float,
        decoded: bool = False,
    ) -> Received:
        echo = ECHO_FACTOR * len(content) if content else 0
        body = read_body(
            chunks,
            encoding.decode("latin-1"),
            limit=max(self.max_body_bytes, echo),
            deadline=started + self.timeout_s,
            decoded=decoded,
        )
        return Received.redacted(
            self.redactor,
            status=status,
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers],
            body=body.data,
            truncated=body.truncated,
            elapsed_s=time.monotonic() - started,
            note=body.note,
        )
