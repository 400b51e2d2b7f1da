"""Reading an answer within bounds: size, time, and decompression.

Kept apart from the client because a hostile target attacks exactly here: a body of
hundreds of megabytes, a gzip bomb, a byte a second. Every read stops at the byte
limit (counted after decompression) and at the request's deadline.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from conformance.exceptions import Stalled

# Content encodings the suite inflates itself, in bounded steps (zlib's wbits: 47
# accepts a gzip or zlib header, -15 raw deflate).
_WBITS = {"gzip": 47, "x-gzip": 47, "deflate": 47}
_CHUNK = 64 << 10


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


def read_body(response: httpx.Response, *, limit: int, deadline: float) -> Body:
    """Read at most ``limit`` bytes of ``response`` (decoded) before ``deadline``.

    Raw bytes are read and inflated here in bounded steps, so a small compressed body
    cannot expand into gigabytes in memory before the limit is checked.
    """
    encoding = response.headers.get("content-encoding", "").strip().lower()
    note = ""
    pieces: Iterator[tuple[bytes, bool]]
    if response.is_stream_consumed:
        # Already in memory and decoded (a transport that reads eagerly, as
        # httpx's MockTransport does): only the limit is left to apply.
        pieces = iter([(response.content, False)])
    elif encoding in _WBITS:
        raw = response.iter_raw(_CHUNK)
        pieces = _inflated(raw, encoding, limit)
    else:
        if encoding and encoding != "identity":
            note = f"content encoding {encoding!r} kept as sent (not decoded)"
        pieces = ((chunk, False) for chunk in response.iter_raw(_CHUNK))
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
