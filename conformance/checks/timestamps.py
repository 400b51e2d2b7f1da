"""Timestamp checks: RFC 3339 with a zone, and close to when the response arrived."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from errcontract._http.exchange import Exchange
from errcontract.checks._registry import REGISTRY, CheckContext
from errcontract.checks.body import body_field

# RFC 3339 section 5.6 date-time: full-date "T" partial-time time-offset. The "T" and
# "Z" may be lowercase (RFC 3339 5.6 note); the zone is required (our reading of
# "ISO 8601 timestamp" for an instant, written next to the schema).
RFC3339 = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[Tt](?P<time>\d{2}:\d{2}:\d{2})(?P<frac>\.\d+)?"
    r"(?P<zone>[Zz]|[+-]\d{2}:\d{2})"
)


def parse_rfc3339(value: str) -> datetime | None:
    """The instant ``value`` names, or ``None`` when it is not an RFC 3339 date-time."""
    match = RFC3339.fullmatch(value)
    if not match:
        return None
    zone = match["zone"].upper()
    frac = (match["frac"] or "")[:7].ljust(7, "0") if match["frac"] else ""
    text = f"{match['date']}T{match['time']}{frac[:7]}"
    try:
        instant = datetime.fromisoformat(text + ("+00:00" if zone == "Z" else zone))
    except ValueError:
        return None
    if not (-24 * 60 < instant.utcoffset().total_seconds() / 60 < 24 * 60):  # type: ignore[union-attr]
        return None
    return instant


def _timestamp(ctx: CheckContext, exchange: Exchange) -> str | None:
    value = body_field(exchange, ctx.params["field"])
    return value if isinstance(value, str) else None


@REGISTRY.register(
    "timestamp_format",
    "exchange",
    params={"field": {"type": "string", "minLength": 1, "required": True}},
    content=True,
)
def timestamp_format(ctx: CheckContext, exchange: Exchange) -> None:
    """``field`` is an RFC 3339 date-time with a zone (judged when it is a string)."""
    value = _timestamp(ctx, exchange)
    if value is not None and parse_rfc3339(value) is None:
        raise ctx.violation(
            "timestamp is not an RFC 3339 date-time with a zone",
            expected="e.g. 2024-01-15T10:30:00.000Z or 2024-01-15T10:30:00+00:00",
            actual=repr(value),
            exchanges=(exchange,),
        )


@REGISTRY.register(
    "timestamp_skew",
    "exchange",
    params={"field": {"type": "string", "minLength": 1, "required": True}},
    content=True,
)
def timestamp_skew(ctx: CheckContext, exchange: Exchange) -> None:
    """``field`` lies within the allowed clock skew of the response's arrival."""
    value = _timestamp(ctx, exchange)
    instant = None if value is None else parse_rfc3339(value)
    if instant is None or exchange.response is None:
        return  # the format clause judges it
    arrived = exchange.response.received_at
    skew = timedelta(seconds=ctx.clock_skew_s)
    if abs(instant - arrived) > skew:
        offset = (instant - arrived).total_seconds()
        raise ctx.violation(
            "timestamp is far from when the response arrived",
            expected=f"within {ctx.clock_skew_s:g} s of {arrived.isoformat()}",
            actual=f"{value!r} ({offset:+.0f} s)",
            exchanges=(exchange,),
        )
