"""Read request input defensively: bad input must become a 4xx, never a 5xx."""

from __future__ import annotations

import codecs
import json
import math
from http import HTTPStatus
from typing import Any

from .._nesting import text_depth
from . import _messages as msg
from ._render import ApiError
from ._switches import Fault, Switches


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    # 1e400 parses to inf in Python; JSON has no infinities, so treat it as bad input.
    if not math.isfinite(value):
        raise ValueError(f"{text} overflows a double")
    return value


def _bad_body(message: str, switches: Switches) -> ApiError:
    status = (
        HTTPStatus.UNPROCESSABLE_ENTITY
        if switches.broken(Fault.VAL_5)
        else HTTPStatus.BAD_REQUEST
    )
    return ApiError(status, message)


FAULTY_DEPTH = 500
"""CC-5XX-1:deep-nesting: object bodies nesting deeper than this crash (a recursive
walk over the members before validation; the old 200 to 300 levels passed it)."""


def parse_object(raw: bytes, switches: Switches) -> dict[str, Any]:
    """The JSON object in ``raw``; 400 for anything else (422 under CC-VAL-5).

    Python's parser gives up near 1,000 levels with a ``RecursionError``: caught
    here, a 400 like any body it cannot read (Starlette's ``request.json()`` would
    let it through as a 500)."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    deep = switches.broken(Fault.FIVEXX_1_DEEP) and raw.lstrip()[:1] == b"{"
    if deep and text_depth(raw) > FAULTY_DEPTH:
        raise RecursionError("maximum recursion depth exceeded")
    try:
        value = json.loads(
            raw.decode("utf-8"),
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
    except (ValueError, RecursionError):
        # ValueError covers JSONDecodeError, UnicodeDecodeError and huge integers.
        raise _bad_body(msg.INVALID_JSON, switches) from None
    if not isinstance(value, dict):
        raise _bad_body(msg.BODY_NOT_OBJECT, switches)
    return value


def is_blank(value: Any) -> bool:
    """Whether a required value counts as missing: absent, null or blank text."""
    return value is None or (isinstance(value, str) and not value.strip())


def required_string(body: dict[str, Any], field: str) -> str:
    """The string ``body[field]``, or 400 saying it is required or not a string."""
    value = body.get(field)
    if is_blank(value):
        raise ApiError(HTTPStatus.BAD_REQUEST, msg.FIELD_REQUIRED.format(field=field))
    if not isinstance(value, str):
        raise ApiError(HTTPStatus.BAD_REQUEST, msg.FIELD_NOT_STRING.format(field=field))
    return value


def query_value(value: str | None) -> str | None:
    """A query parameter with blank text treated as missing."""
    return None if value is None or not value.strip() else value
