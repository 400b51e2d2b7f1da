"""One switch per misbehaviour: what the hostile server does instead of answering well.

Each behaviour is a coroutine given the request, the inner app's answer and the raw
connection; it returns whether the connection may serve another request. Most apply
to error answers only (the inner status is 4xx or 5xx), so the suite's preflight and
setup succeed and the run reaches the clauses that probe for errors.
"""

from __future__ import annotations

import email.utils
import functools
import json
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from errcontract.reference.cardda import _contract as c

from ._reply import MIB, Behaviour, Reply, Respond, relay, reset
from ._wire import FRAMING, Answer, chunk, framed, head


def _errors(status: int) -> bool:
    return status >= 400


def _everything(status: int) -> bool:
    return True


def _rate_limited(status: int) -> bool:
    return status == 429


def _with(reply: Reply, **changes: Any) -> Answer:
    return replace(reply.answer, **changes)


def _request_id() -> str:
    return str(uuid.uuid4())


# -- the connection misbehaves -------------------------------------------------------


async def _hang(reply: Reply) -> bool:
    await reply.linger()
    return False


async def _stall_body(reply: Reply) -> bool:
    data = framed(reply.answer)
    await reply.send(data[: len(data) - max(1, len(reply.answer.body) // 2)])
    await reply.linger()
    return False


async def _drip(reply: Reply) -> bool:
    # From the first byte of the status line: every read gets a byte well within any
    # per-read timeout, so only a whole-request deadline ends it.
    data = framed(reply.answer)
    for i in range(len(data)):
        await reply.send(data[i : i + 1])
        if await reply.pause(reply.options.drip_interval_s):
            return False
    return True


async def _close_mid_body(reply: Reply) -> bool:
    data = framed(reply.answer)
    await reply.send(data[: len(data) - max(1, len(reply.answer.body) // 2)])
    return False


async def _reset(reply: Reply) -> bool:
    reset(reply.writer)
    return False


# -- the body misbehaves -------------------------------------------------------------


async def _giant_body(reply: Reply) -> bool:
    code = _json_field(reply.answer.body, "error") or "internal_error"
    opening = json.dumps({"error": code, "padding": ""})[:-2].encode()
    headers = [
        *reply.answer.without(*FRAMING, "content-type"),
        ("Content-Type", c.JSON_TYPE),
        ("Transfer-Encoding", "chunked"),
    ]
    await reply.send(head(reply.answer.status, reply.answer.reason, headers))
    left = reply.options.giant_bytes - len(opening) - 2
    await reply.send(chunk(opening))
    filler = b"x" * (64 * 1024)
    while left > 0:
        piece = filler[: min(left, len(filler))]
        await reply.send(chunk(piece))
        left -= len(piece)
    await reply.send(chunk(b'"}') + chunk(b""))
    return True


@functools.cache
def gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes, gzip-compressed (about 1 MB per GB); built once a process
    (some 5 s for a GB, so ``hostile_target`` builds it before serving)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(MIB)
    parts = [packer.compress(block) for _ in range(size // MIB)]
    parts.append(packer.compress(bytes(size % MIB)))
    parts.append(packer.flush())
    return b"".join(parts)


async def _gzip_bomb(reply: Reply) -> bool:
    bomb = gzip_bomb(reply.options.bomb_bytes)
    headers = [
        *reply.answer.without(*FRAMING, "content-type"),
        ("Content-Type", c.JSON_TYPE),
        ("Content-Encoding", "gzip"),
        ("Content-Length", str(len(bomb))),
    ]
    await reply.send(head(reply.answer.status, reply.answer.reason, headers))
    for start in range(0, len(bomb), 64 * 1024):
        await reply.send(bomb[start : start + 64 * 1024])
    return True


async def _invalid_utf8(reply: Reply) -> bool:
    # The object stays intact, the error code too; one string holds bytes that are
    # not UTF-8 (a lone continuation byte, an impossible byte, a cut sequence).
    body = reply.answer.body.rstrip()
    if body.endswith(b"}") and len(body) > 2:
        body = body[:-1] + b', "detail": "caf\xe9 \xff\xfe \xc3\x28"}'
    else:
        body = b'{"error": "\xff\xfe\xc3\x28"}'
    await reply.send(framed(_with(reply, body=body)))
    return True


async def _json_as_html(reply: Reply) -> bool:
    headers = (*reply.answer.without("content-type"), ("Content-Type", "text/html"))
    await reply.send(framed(_with(reply, headers=headers)))
    return True


_HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>{status} Error</title></head>\n"
    b"<body><h1>Something went wrong</h1><p>Please try again later.</p></body></html>\n"
)


async def _html_as_json(reply: Reply) -> bool:
    page = _HTML_PAGE.replace(b"{status}", str(reply.answer.status).encode())
    headers = (*reply.answer.without("content-type"), ("Content-Type", c.JSON_TYPE))
    await reply.send(framed(_with(reply, headers=headers, body=page)))
    return True


async def _empty_error_body(reply: Reply) -> bool:
    await reply.send(framed(_with(reply, body=b"")))
    return True


# -- redirects -----------------------------------------------------------------------


def _redirect(status: int, *, other_host: bool = False) -> Respond:
    reasons = {301: "Moved Permanently", 302: "Found", 307: "Temporary Redirect"}

    async def respond(reply: Reply) -> bool:
        where = reply.other_host_url if other_host else reply.base_url + "/moved"
        headers = (
            *reply.answer.without("content-type", "location"),
            ("Location", f"{where}{reply.request.target}"),
        )
        reason = reasons.get(status, "Permanent Redirect")
        await reply.send(
            framed(
                _with(reply, status=status, reason=reason, headers=headers, body=b"")
            )
        )
        return True

    return respond


# -- headers -------------------------------------------------------------------------


def _added(name: str, value: Callable[[Reply], str]) -> Respond:
    async def respond(reply: Reply) -> bool:
        # Right after the first of the same name, as a careless middleware adds it.
        headers = list(reply.answer.headers)
        at = next(
            (i + 1 for i, (k, _) in enumerate(headers) if k.lower() == name.lower()),
            len(headers),
        )
        headers.insert(at, (name, value(reply)))
        await reply.send(framed(_with(reply, headers=tuple(headers))))
        return True

    return respond


def _second_request_id(reply: Reply) -> str:
    return f"{reply.answer.header(c.REQUEST_ID_HEADER) or _request_id()}-other"


def _tainted_request_id(char: str | None) -> Respond:
    # The header the contract names, so a verdict is owed; ``None``: the option's char.
    async def respond(reply: Reply) -> bool:
        taint = reply.options.control_char if char is None else char
        value = reply.answer.header(c.REQUEST_ID_HEADER) or _request_id()
        headers = (
            *reply.answer.without(c.REQUEST_ID_HEADER),
            (c.REQUEST_ID_HEADER, f"{value[:8]}{taint}{value[8:]}"),
        )
        await reply.send(framed(_with(reply, headers=headers)))
        return True

    return respond


def _retry_after(value: Callable[[], str]) -> Respond:
    async def respond(reply: Reply) -> bool:
        header = value()
        headers = (
            *reply.answer.without(c.RETRY_AFTER_HEADER),
            (c.RETRY_AFTER_HEADER, header),
        )
        # The body echoes an integer header, so only the header is at fault; an
        # HTTP-date has no integer to echo, so the (optional) body field goes.
        body = _json_or_none(reply.answer.body)
        if isinstance(body, dict):
            body.pop(c.RETRY_AFTER_FIELD, None)
            if header.lstrip("-").isdigit():
                body[c.RETRY_AFTER_FIELD] = int(header)
            answer = _with(reply, headers=headers, body=json.dumps(body).encode())
        else:
            answer = _with(reply, headers=headers)
        await reply.send(framed(answer))
        return True

    return respond


def _http_date_in(seconds: float) -> str:
    return email.utils.formatdate(time.time() + seconds, usegmt=True)


# -- everything ----------------------------------------------------------------------


async def _storm_429(reply: Reply) -> bool:
    wait = reply.options.storm_retry_after
    unit = "second" if wait == 1 else "seconds"
    message = (c.RATE_LIMITED.message or "").format(n=wait, unit=unit)
    body = {"error": c.RATE_LIMITED.code, "message": message, c.RETRY_AFTER_FIELD: wait}
    answer = Answer(
        c.RATE_LIMITED.status,
        "Too Many Requests",
        (
            ("Content-Type", c.JSON_TYPE),
            (c.REQUEST_ID_HEADER, _request_id()),
            (c.RETRY_AFTER_HEADER, str(wait)),
        ),
        json.dumps(body).encode(),
    )
    await reply.send(framed(answer))
    return True


async def _server_error(reply: Reply) -> bool:
    body = {"error": c.INTERNAL.code, "message": c.INTERNAL.message}
    answer = Answer(
        reply.options.server_error,
        "Server Error",
        (("Content-Type", c.JSON_TYPE), (c.REQUEST_ID_HEADER, _request_id())),
        json.dumps(body).encode(),
    )
    await reply.send(framed(answer))
    return True


def _json_or_none(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None


def _json_field(data: bytes, name: str) -> str | None:
    body = _json_or_none(data)
    value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


TABLE: dict[str, Behaviour] = {
    "hang": Behaviour(_hang, _errors),
    "hang-all": Behaviour(_hang, _everything),
    "stall-body": Behaviour(_stall_body, _errors),
    "drip": Behaviour(_drip, _errors),
    "close-mid-body": Behaviour(_close_mid_body, _errors),
    "reset": Behaviour(_reset, _errors),
    "down-after-n": Behaviour(relay, _everything, outage=True),
    "giant-body": Behaviour(_giant_body, _errors),
    "gzip-bomb": Behaviour(_gzip_bomb, _errors),
    "invalid-utf8": Behaviour(_invalid_utf8, _errors),
    "json-as-html": Behaviour(_json_as_html, _errors),
    "html-as-json": Behaviour(_html_as_json, _errors),
    "empty-error-body": Behaviour(_empty_error_body, _errors),
    "redirect-301": Behaviour(_redirect(301), _errors),
    "redirect-302": Behaviour(_redirect(302), _errors),
    "redirect-307": Behaviour(_redirect(307), _errors),
    "redirect-308": Behaviour(_redirect(308), _errors),
    "redirect-other-host": Behaviour(_redirect(302, other_host=True), _errors),
    "duplicate-request-id": Behaviour(
        _added(c.REQUEST_ID_HEADER, _second_request_id), _errors
    ),
    "duplicate-content-type": Behaviour(
        _added("Content-Type", lambda _: "text/html; charset=utf-8"), _errors
    ),
    "control-char-header": Behaviour(_tainted_request_id(None), _errors),
    "bare-cr-header": Behaviour(_tainted_request_id("\r"), _errors),
    "retry-after-0": Behaviour(_retry_after(lambda: "0"), _rate_limited),
    "retry-after-negative": Behaviour(_retry_after(lambda: "-5"), _rate_limited),
    "retry-after-day": Behaviour(_retry_after(lambda: "86400"), _rate_limited),
    "retry-after-http-date": Behaviour(
        _retry_after(lambda: _http_date_in(2)), _rate_limited
    ),
    "storm-429": Behaviour(_storm_429, _everything),
    "5xx-everything": Behaviour(_server_error, _everything),
}
"""Behaviour name -> what the hostile server does and when."""

RELAY = "relay"
"""Not a misbehaviour: every answer relayed faithfully (the control)."""
TABLE_WITH_RELAY: dict[str, Behaviour] = {
    **TABLE,
    RELAY: Behaviour(relay, lambda _: False),
}
