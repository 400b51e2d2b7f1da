"""Turn answers into HTTP responses: the error shape, timestamps and JSON headers.

Every response of the app passes through here, so every fault and tolerance that touches
the wire format is applied in this one module.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

from starlette.responses import Response

from . import _messages as msg
from ._switches import Fault, Switches, Tolerance

JSON_TYPE = "application/json"
JSON_TYPE_CHARSET = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
_CONTENT_TYPE = b"content-type"
# header-case: names are case-insensitive on the wire, so an odd spelling must pass.
_CONTENT_TYPE_ODD_CASE = b"CONTENT-Type"
_REQUEST_ID = b"x-request-id"
_TS_2_SHIFT = timedelta(hours=1)


class ApiError(Exception):
    """An error answer decided by a handler, rendered in the error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


def utc_now() -> datetime:
    """The current time, aware and in UTC, as every timestamp is taken."""
    return datetime.now(UTC)


def format_time(moment: datetime, switches: Switches, *, zone: bool = True) -> str:
    """ISO 8601 with milliseconds and ``Z`` as documented, or a tolerated variant."""
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if not switches.allows(Tolerance.NO_FRACTION):
        text += f".{moment.microsecond // 1000:03d}"
    if not zone:
        return text
    return text + ("+00:00" if switches.allows(Tolerance.PLUS_OFFSET) else "Z")


def error_timestamp(now: datetime, switches: Switches) -> str:
    """The ``timestamp`` of an error body, broken by CC-TS-1 or CC-TS-2 when asked."""
    if switches.broken(Fault.TS_2):
        now -= _TS_2_SHIFT
    return format_time(now, switches, zone=not switches.broken(Fault.TS_1))


def error_body(
    status: int,
    message: str,
    *,
    switches: Switches,
    path: str,
    now: datetime,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The documented four-field error object, with the body faults applied."""
    body: dict[str, Any] = {}
    if not switches.broken(Fault.BODY_1):
        body["error"] = (
            msg.FAULT_ERROR_PHRASE
            if switches.broken(Fault.BODY_3)
            else HTTPStatus(status).phrase
        )
    body["message"] = message
    body["statusCode"] = (
        HTTPStatus.BAD_REQUEST.value if switches.broken(Fault.BODY_2) else status
    )
    body["timestamp"] = error_timestamp(now, switches)
    body.update(extra or {})
    if switches.allows(Tolerance.EXTRA_FIELDS):
        body["path"] = path
        body["requestId"] = str(uuid.uuid4())
    if switches.broken(Fault.LEAK_1):
        body["stack"] = msg.FAULT_STACK
    return body


def _json_bytes(payload: Any) -> bytes:
    # ASCII escapes keep lone surrogates echoed from input from breaking the encoder.
    return json.dumps(
        payload, ensure_ascii=True, allow_nan=False, separators=(",", ":")
    ).encode("ascii")


def _response(
    payload: Any,
    status: int,
    *,
    switches: Switches,
    content_type: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    response = Response(
        content=_json_bytes(payload), status_code=status, headers=headers
    )
    name = (
        _CONTENT_TYPE_ODD_CASE
        if switches.allows(Tolerance.HEADER_CASE)
        else _CONTENT_TYPE
    )
    response.raw_headers.append((name, content_type.encode("latin-1")))
    if switches.allows(Tolerance.EXTRA_FIELDS):
        response.raw_headers.append((_REQUEST_ID, str(uuid.uuid4()).encode("ascii")))
    return response


def _json_type(switches: Switches) -> str:
    return JSON_TYPE_CHARSET if switches.allows(Tolerance.CHARSET) else JSON_TYPE


def error_response(
    status: int,
    message: str,
    *,
    switches: Switches,
    path: str,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """An error in the documented shape, with a JSON content type unless CC-HDR-1."""
    body = error_body(
        status, message, switches=switches, path=path, now=utc_now(), extra=extra
    )
    content_type = HTML_TYPE if switches.broken(Fault.HDR_1) else _json_type(switches)
    return _response(
        body, status, switches=switches, content_type=content_type, headers=headers
    )


def framework_error_response(
    status: int,
    message: str,
    *,
    switches: Switches,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """NestJS's own body for an exception no filter of the app caught:
    ``statusCode``, ``message`` and ``error``, no ``timestamp`` (CC-BODY-1:router)."""
    body = {
        "statusCode": status,
        "message": message,
        "error": HTTPStatus(status).phrase,
    }
    return _response(
        body,
        status,
        switches=switches,
        content_type=_json_type(switches),
        headers=headers,
    )


def success_response(payload: Any, status: int, *, switches: Switches) -> Response:
    """A success answer; extra-fields adds a field to each top-level object."""
    if switches.allows(Tolerance.EXTRA_FIELDS):
        payload = _with_extra_field(payload)
    return _response(
        payload, status, switches=switches, content_type=_json_type(switches)
    )


def _with_extra_field(payload: Any) -> Any:
    if isinstance(payload, dict):
        return {**payload, "requestId": str(uuid.uuid4())}
    if isinstance(payload, list):
        return [_with_extra_field(item) for item in payload]
    return payload
