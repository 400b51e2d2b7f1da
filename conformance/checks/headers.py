"""Header checks: presence, uniqueness across the run, JSON content type, a value
matching a pattern, a header repeating a body member."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from errcontract._http.exchange import Exchange, Received, SentRequest
from errcontract._http.probe import Probe
from errcontract._input.refs import pick
from errcontract.checks._registry import REGISTRY, CheckContext, Inapplicable
from errcontract.results import Violation


@REGISTRY.register(
    "header_present",
    "exchange",
    params={
        "header": {"type": "string", "minLength": 1, "required": True},
        "single": {"type": "boolean"},
    },
)
def header_present(ctx: CheckContext, exchange: Exchange) -> None:
    """Header ``header`` is present with a non-blank value (name case-insensitive);
    with ``single``, exactly once (two request ids name no request)."""
    assert exchange.response is not None
    name = ctx.params["header"]
    values = exchange.response.header_values(name)
    if ctx.params.get("single") and len(values) > 1:
        raise ctx.violation(
            f"response carries {name} {len(values)} times",
            expected=f"one {name} header",
            actual=" and ".join(repr(v) for v in values),
            exchanges=(exchange,),
        )
    value = values[0] if values else None
    bad = [c for c in value or "" if (ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F]
    if bad:
        raise ctx.violation(
            f"{name} carries control characters",
            expected=f"a {name} of visible characters (RFC 9110 field value)",
            actual=f"{value!r} (control {', '.join(sorted({repr(c) for c in bad}))})",
            exchanges=(exchange,),
        )
    if value is None or not value.strip():
        raise ctx.violation(
            f"response lacks {name}",
            expected=f"a non-empty {name} header",
            actual=f"{exchange.response.status} without it"
            if value is None
            else f"{exchange.response.status} with an empty value",
            exchanges=(exchange,),
        )


KEPT_WHOLE = 2000
"""First responses of a value kept whole as the evidence a later repeat would cite;
past them, one is kept as its request line only (``_Line``: no probe, no body), so a
run's memory does not grow by a whole exchange per request (a repeat usually comes
early: a constant id repeats at the second response)."""


@dataclass(frozen=True, slots=True)
class _Line:
    """A first response past ``KEPT_WHOLE`` as a repeat would cite it: its request
    line and what the evidence names of its probe (no probe, no body is kept)."""

    seq: int
    operation: str
    defect: str
    method: str
    path: str
    url: str
    status: int
    received_at: datetime
    elapsed_s: float

    @classmethod
    def of(cls, exchange: Exchange) -> _Line:
        """What ``exchange`` (answered) leaves when cut to its request line."""
        assert exchange.response is not None
        probe, request = exchange.probe, exchange.request
        return cls(
            seq=exchange.seq,
            operation=probe.operation,
            defect=probe.defect,
            method=request.method,
            path=probe.path,
            url=request.url,
            status=exchange.response.status,
            received_at=exchange.response.received_at,
            elapsed_s=exchange.response.elapsed_s,
        )

    def exchange(self, name: str, value: str) -> Exchange:
        """The exchange a repeat cites: the request line and header ``name`` (a note
        says the rest was not kept)."""
        return Exchange(
            seq=self.seq,
            probe=Probe(
                operation=self.operation,
                method=self.method,
                path=self.path,
                defect=self.defect,
            ),
            request=SentRequest(self.method, self.url, (), None),
            curl="",
            response=Received(
                status=self.status,
                headers=((name, value),),
                body=b"",
                truncated=False,
                received_at=self.received_at,
                elapsed_s=self.elapsed_s,
                note=f"only its request line and {name} were kept "
                f"(past the first {KEPT_WHOLE} responses of a run)",
            ),
        )


class UniqueValues:
    """``header_unique`` as the run goes: each value's first response, and the
    violation a later response carrying it again completes."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.name: str = ctx.params["header"]
        self.first_seen: dict[str, Exchange | _Line] = {}

    def see(self, exchange: Exchange) -> Violation | None:
        """The violation ``exchange`` completes, if its value was seen before."""
        name = self.name
        if exchange.response is None:
            return None
        value = (exchange.response.header(name) or "").strip()
        if not value:
            return None
        kept = self.first_seen.get(value)
        if kept is not None and kept.seq == exchange.seq:
            return None  # the same exchange seen twice (a replay), not two responses
        if kept is None:
            whole = len(self.first_seen) < KEPT_WHOLE
            self.first_seen[value] = exchange if whole else _Line.of(exchange)
            return None
        earlier = kept if isinstance(kept, Exchange) else kept.exchange(name, value)
        return self.ctx.violation(
            f"two responses share one {name}",
            expected=f"a distinct {name} on every response",
            actual=f"{value!r} on requests #{earlier.seq} and #{exchange.seq}",
            exchanges=(earlier, exchange),
        )


@REGISTRY.register(
    "header_unique",
    "run",
    params={"header": {"type": "string", "minLength": 1, "required": True}},
    stream=UniqueValues,
)
def header_unique(ctx: CheckContext, exchanges: Sequence[Exchange]) -> list[Violation]:
    """No two responses carry the same value of ``header``.

    Responses replayed from the suite's own cache are one response, not two; blank or
    missing values are the presence check's business. A run judges it as it goes
    (``UniqueValues``), keeping no exchange it does not need.
    """
    unique = UniqueValues(ctx)
    return [v for v in map(unique.see, exchanges) if v is not None]


def _content_types(values: Sequence[str]) -> str:
    """The Content-Type values a response carried, for the evidence."""
    if not values:
        return "no Content-Type"
    return " and ".join(repr(v) for v in values)


def is_json_media_type(content_type: str | None) -> bool:
    """``application/json`` or any ``+json`` type; parameters (charset) allowed."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


@REGISTRY.register("json_content_type", "exchange", content=True)
def json_content_type(ctx: CheckContext, exchange: Exchange) -> None:
    """The response declares a JSON media type, and only one Content-Type."""
    assert exchange.response is not None
    values = exchange.response.header_values("content-type")
    if len(values) == 1 and is_json_media_type(values[0]):
        return
    actual = _content_types(values)
    raise ctx.violation(
        "error response is not labelled as JSON",
        expected="Content-Type application/json (or a +json type)",
        actual=f"{exchange.response.status} with {actual}",
        exchanges=(exchange,),
    )


def media_type(content_type: str) -> str:
    """The media type of a Content-Type value: parameters dropped, lowercased."""
    return content_type.split(";", 1)[0].strip().lower()


@REGISTRY.register(
    "exact_media_type",
    "exchange",
    params={
        "types": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[^/ ]+/[^/ ]+$"},
            "minItems": 1,
            "required": True,
        }
    },
    content=True,
)
def exact_media_type(ctx: CheckContext, exchange: Exchange) -> None:
    """The response declares one of ``types`` exactly (``application/problem+json``
    for RFC 9457), once; parameters such as ``charset`` and letter case allowed."""
    assert exchange.response is not None
    wanted = [t.lower() for t in ctx.params["types"]]
    values = exchange.response.header_values("content-type")
    if len(values) == 1 and media_type(values[0]) in wanted:
        return
    actual = _content_types(values)
    raise ctx.violation(
        f"response is not labelled {' or '.join(wanted)}",
        expected=f"Content-Type {' or '.join(wanted)}",
        actual=f"{exchange.response.status} with {actual}",
        exchanges=(exchange,),
    )


MAX_JUDGED_VALUE = 4096
"""Characters of a header value a pattern or parser judges. The pattern is the
profile's own; the value is the target's, and Python's ``re`` has no time limit, so
a hostile target's very long value could keep a backtracking pattern busy: a longer
value (no WWW-Authenticate, Allow or Content-Type is that long) is not judged."""


@cache
def header_pattern(pattern: str) -> re.Pattern[str]:
    """``header_value``'s ``pattern``, compiled once; the linter compiles it with
    this same function, so a broken one is exit 2 before any run (``re.error``)."""
    return re.compile(pattern)


def combined(values: Sequence[str]) -> str:
    """A header's field lines as one value (RFC 9110 section 5.3: joined with ", ")."""
    return ", ".join(v.strip() for v in values)


@REGISTRY.register(
    "header_value",
    "exchange",
    params={
        "header": {"type": "string", "minLength": 1, "required": True},
        "pattern": {
            "type": "string",
            "minLength": 1,
            "required": True,
            "description": "a Python regular expression the whole value must match "
            "(re.fullmatch), case-sensitive: write (?i) for letter case aside; "
            "several field lines are joined with ', ' first",
        },
        "absent_ok": {
            "type": "boolean",
            "description": "a response without the header is not judged (default: "
            "it fails, as header_present)",
        },
    },
)
def header_value(ctx: CheckContext, exchange: Exchange) -> Inapplicable | None:
    """Header ``header``'s value matches ``pattern`` whole (``re.fullmatch``, letter
    case as written: ``(?i)`` for either). Several field lines are one value joined
    with ", " (RFC 9110 section 5.3). Without the header it fails, unless
    ``absent_ok`` (then not judged). A value above 4,096 characters is not judged
    (``re`` has no time limit). Content-Type exactly ``application/problem+json``
    is ``exact_media_type`` (parameters allowed); ``Allow`` listing exactly the
    document's methods is ``allow_header`` (order and case aside), a pattern only
    for a fixed list."""
    assert exchange.response is not None
    name = ctx.params["header"]
    pattern = header_pattern(ctx.params["pattern"])
    values = exchange.response.header_values(name)
    status = exchange.response.status
    if not values:
        if ctx.params.get("absent_ok"):
            return Inapplicable(f"{status} without {name}")
        raise ctx.violation(
            f"response lacks {name}",
            expected=f"{name} matching {pattern.pattern!r}",
            actual=f"{status} without it",
            exchanges=(exchange,),
        )
    value = combined(values)
    if len(value) > MAX_JUDGED_VALUE:
        return Inapplicable(
            f"{name} of {len(value):,} characters: longer than the "
            f"{MAX_JUDGED_VALUE:,} a pattern judges"
        )
    if pattern.fullmatch(value) is None:
        raise ctx.violation(
            f"{name} does not match the pattern",
            expected=f"{name} matching {pattern.pattern!r} (the whole value)",
            actual=f"{status} with {name} {value!r}",
            exchanges=(exchange,),
        )
    return None


@REGISTRY.register(
    "header_matches_member",
    "exchange",
    params={
        "header": {"type": "string", "minLength": 1, "required": True},
        "member": {
            "type": "string",
            "pattern": "^(/([^~/]|~[01])*)+$",
            "required": True,
            "description": "a JSON Pointer (RFC 6901) into the body: /error/code",
        },
    },
    content=True,
)
def header_matches_member(ctx: CheckContext, exchange: Exchange) -> Inapplicable | None:
    """Header ``header`` carries exactly the string the body holds at ``member`` (a
    JSON Pointer): Azure's ``x-ms-error-code`` is "identical" to the top-level
    ``error.code``, so a client may read either.

    Compared case-sensitively, after the optional whitespace around a field value
    (RFC 9110 section 5.5); every field line of the header must carry it. A response
    without the header, or whose body holds no string at ``member``, is not judged
    (``Inapplicable``): the header's presence and the body's shape are other
    clauses' (``header_present``, ``body_schema``), so one defect fails one clause.
    """
    assert exchange.response is not None
    name, pointer = ctx.params["header"], ctx.params["member"]
    values = exchange.response.header_values(name)
    if not values:
        return Inapplicable(f"no response carried {name}")
    body = exchange.response.json() if exchange.response.is_json else None
    member = pick(body, pointer)
    if not isinstance(member, str):
        return Inapplicable(f"no body held a string at {pointer}")
    differing = [v for v in values if v.strip(" \t") != member]
    if differing:
        raise ctx.violation(
            f"{name} differs from the body's {pointer}",
            expected=f"{name}: {member!r} (the body's {pointer})",
            actual=" and ".join(f"{name}: {v!r}" for v in values),
            exchanges=(exchange,),
        )
    return None
