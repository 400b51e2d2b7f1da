"""What a behaviour is given (the request, the inner answer, the raw connection) and
the options that bound every misbehaviour."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from ._wire import Answer, Request, framed

MIB = 1 << 20


@dataclass(frozen=True)
class Options:
    """Sizes and durations of the misbehaviours; every loop is bounded by one."""

    rate_limit: float | None = 20.0
    """The inner app's rate limit per second and bucket (give the suite the same)."""
    hang_s: float = 120.0
    """The longest a connection is held without an answer (the client leaves first)."""
    drip_interval_s: float = 1.0
    giant_bytes: int = 300 * MIB
    bomb_bytes: int = 1024 * MIB
    """Decompressed size of the gzip bomb (a thousandth of it goes on the wire)."""
    down_after: int = 40
    """``down-after-n``: requests answered before the listener closes."""
    down_s: float = 2.0
    down_resets: bool = False
    """``down-after-n``: the request that takes the target down is not answered but
    its connection reset (RST), as a process killed mid-request does, before the
    listener closes; by default it is answered first."""
    server_error: int = 500
    control_char: str = "\x01"
    """``control-char-header``: what goes inside the ``X-Request-Id`` value."""
    storm_retry_after: int = 1


def options_from(given: dict[str, Any]) -> Options:
    """``Options`` from keyword arguments; an unknown name is refused by name."""
    known = {f.name for f in fields(Options)}
    unknown = sorted(set(given) - known)
    if unknown:
        raise TypeError(
            f"unknown hostile_target option {unknown[0]!r}; expected one of "
            + ", ".join(sorted(known))
        )
    return replace(Options(), **given)


@dataclass
class Reply:
    """Everything a behaviour needs to answer one request."""

    request: Request
    answer: Answer
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    options: Options
    base_url: str
    other_host_url: str | None
    stopping: asyncio.Event

    async def send(self, data: bytes) -> None:
        """Write and wait until the kernel took it (backpressure bounds memory)."""
        self.writer.write(data)
        await self.writer.drain()

    async def pause(self, seconds: float) -> bool:
        """Sleep ``seconds``; ``True`` if the server is stopping or the client left."""
        try:
            await asyncio.wait_for(self.stopping.wait(), seconds)
        except TimeoutError:
            return self.reader.at_eof()
        return True

    async def linger(self) -> None:
        """Hold the connection, saying nothing, until the client leaves (bounded)."""
        left = asyncio.ensure_future(self.reader.read(1))
        stop = asyncio.ensure_future(self.stopping.wait())
        _, pending = await asyncio.wait(
            {left, stop}, timeout=self.options.hang_s, return_when="FIRST_COMPLETED"
        )
        for task in pending:
            task.cancel()


Respond = Callable[[Reply], Awaitable[bool]]


@dataclass(frozen=True)
class Behaviour:
    """A misbehaviour and the inner statuses it applies to."""

    respond: Respond
    applies: Callable[[int], bool]
    outage: bool = False
    """Whether the server goes down after ``down_after`` requests (and comes back)."""


def reset(writer: asyncio.StreamWriter) -> None:
    """Drop the connection with a RST: SO_LINGER with a zero timeout turns close()
    into a RST instead of a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def relay(reply: Reply) -> bool:
    """The inner answer, faithfully."""
    await reply.send(framed(reply.answer))
    return True
