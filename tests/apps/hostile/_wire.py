"""HTTP/1.1 at the byte level: read a request, write a response head of any shape.

Deliberately not h11: the hostile server must be able to send what h11 refuses
(duplicate framing headers, control characters in values, a body cut short).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Headers = tuple[tuple[str, str], ...]

MAX_HEAD_BYTES = 64 * 1024
"""The longest request head read (also the stream reader's buffer limit)."""
MAX_BODY_BYTES = 8 * 1024 * 1024
"""The largest request body read; the suite sends a few kilobytes at most."""

HOP_BY_HOP = frozenset(
    {
        "connection",
        "content-length",
        "host",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "accept-encoding",
    }
)
"""Request headers not forwarded to the inner app (framing is the proxy's own)."""
FRAMING = frozenset(
    {
        "connection",
        "content-length",
        "keep-alive",
        "transfer-encoding",
        "content-encoding",
    }
)
"""Response headers of the inner app the hostile server replaces with its own."""


class BadRequest(Exception):
    """The client sent something the hostile server will not parse."""


def _find(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in headers if k.lower() == lowered), None)


@dataclass(frozen=True)
class Request:
    """One request as the hostile server read it off the wire."""

    method: str
    target: str
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive)."""
        return _find(self.headers, name)


@dataclass(frozen=True)
class Seen:
    """A request line and headers as logged by a loopback server (no body)."""

    method: str
    target: str
    headers: Headers
    at: float = field(default_factory=time.monotonic)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive)."""
        return _find(self.headers, name)


@dataclass(frozen=True)
class Answer:
    """A response to send: the inner app's, or one a behaviour made up."""

    status: int
    reason: str
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive)."""
        return _find(self.headers, name)

    def without(self, *names: str) -> Headers:
        """The headers minus every one named (case-insensitive)."""
        drop = {n.lower() for n in names}
        return tuple((k, v) for k, v in self.headers if k.lower() not in drop)


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """The next request on a connection, or ``None`` when the client closed it."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial.strip():
            return None
        raise BadRequest("the connection closed inside a request head") from None
    except asyncio.LimitOverrunError:
        raise BadRequest(f"request head over {MAX_HEAD_BYTES} bytes") from None
    lines = raw[:-4].decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest(f"not an HTTP/1.x request line: {lines[0][:80]!r}")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise BadRequest(f"malformed header line: {line[:80]!r}")
        headers.append((name, value.strip(" \t")))
    if _find(headers, "transfer-encoding") is not None:
        raise BadRequest("chunked request bodies are not supported")
    length_text = _find(headers, "content-length") or "0"
    if not length_text.isdigit() or int(length_text) > MAX_BODY_BYTES:
        raise BadRequest(f"unusable Content-Length {length_text[:20]!r}")
    try:
        body = await reader.readexactly(int(length_text))
    except asyncio.IncompleteReadError:
        raise BadRequest("the connection closed inside a request body") from None
    return Request(parts[0], parts[1], tuple(headers), body)


def head(status: int, reason: str, headers: Sequence[tuple[str, str]]) -> bytes:
    """A status line and header block, written exactly as given (latin-1)."""
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def framed(answer: Answer, *, keep_alive: bool = True) -> bytes:
    """``answer`` as a complete response with its own Content-Length."""
    headers = [
        *answer.without(*FRAMING),
        ("Content-Length", str(len(answer.body))),
        ("Connection", "keep-alive" if keep_alive else "close"),
    ]
    return head(answer.status, answer.reason, headers) + answer.body


def chunk(data: bytes) -> bytes:
    """One chunk of a chunked body (an empty ``data`` is the last chunk)."""
    return f"{len(data):x}\r\n".encode("ascii") + data + b"\r\n"
