"""Exchanges: a probe as sent and the answer as received, redacted once at creation.

Evidence is made in one way only, by the client and the Schemathesis hooks alike:
``Received.redacted`` for the answer, ``Asked.redacted`` for the request and its
``curl`` line (``Exchange.redacted`` joins them). Each takes the raw parts and the
run's ``Redactor``, so nothing downstream sees a secret and no caller keeps a
redaction of its own to fall behind.
"""

from __future__ import annotations

import json
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, cast

from errcontract._http.probe import Probe
from errcontract._http.redact import Redactor, curl_line

_NOT_JSON = object()

EVIDENCE_BODY_BYTES = 64 << 10
"""A request body larger than this (an oversized-body probe) is kept in the evidence
cut to this many bytes, saying how many were sent: a report holds a few of them."""


def _evidence(body: bytes) -> tuple[bytes, int]:
    """``body`` as evidence keeps it (already redacted), cut past
    ``EVIDENCE_BODY_BYTES``, and how many bytes were left out."""
    if len(body) <= EVIDENCE_BODY_BYTES:
        return body, 0
    return body[:EVIDENCE_BODY_BYTES], len(body) - EVIDENCE_BODY_BYTES


def _cut_note(left_out: int, sent: int) -> str:
    return f"… [{left_out:,} more bytes: {sent:,} sent]"


class _Later(Protocol):
    def shown(self) -> str: ...


class _Shown:
    """A text field of the evidence that may be given as the parts it is made from.

    A run makes tens of thousands of exchanges, each kept for a moment, and only a
    failure's few are ever shown: the request body as
    text (the probe holds its bytes) and the ``curl`` line (most of it the body
    again) are made when read, not when received. Given a ``str`` (an exchange read
    back from ``results.json``, a test), the field is that string.
    """

    def __init__(self, name: str) -> None:
        self._slot = "_" + name

    @classmethod
    def attach(cls, owner: type, name: str) -> None:
        """Make field ``name`` of dataclass ``owner`` one of these (after the class
        is made: its ``__init__`` then sets the field through it)."""
        setattr(owner, name, cls(name))

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self._slot]
        return value.shown() if hasattr(value, "shown") else value

    def __set__(self, obj: object, value: str | _Later | None) -> None:
        obj.__dict__[self._slot] = value


@dataclass(frozen=True)
class _Body:
    """A request body as evidence text, from its (redacted, kept) bytes."""

    kept: bytes
    note: str = ""

    def shown(self) -> str:
        return self.kept.decode("utf-8", errors="replace") + self.note


@dataclass(frozen=True)
class _Curl:
    """A ``curl`` line's parts, already redacted; joined when shown."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    data: bytes | None
    from_env: Mapping[str, str]
    query_from_env: str | None
    note: str

    def shown(self) -> str:
        line = curl_line(
            self.method,
            self.url,
            self.headers,
            self.data,
            from_env=self.from_env,
            query_from_env=self.query_from_env,
        )
        return line + self.note


def _interned(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Header names and short values interned: every response repeats them."""
    return tuple(
        (sys.intern(k), sys.intern(v) if len(v) <= 40 else v) for k, v in headers
    )


@dataclass(frozen=True)
class SentRequest:
    """The request as sent, with credentials replaced by ``[redacted]``."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: str | None  # made from the kept bytes when read (``_Shown``)

    @classmethod
    def redacted(
        cls,
        redactor: Redactor,
        method: str,
        url: str,
        headers: Iterable[tuple[str, str]],
        body: bytes | None,
    ) -> SentRequest:
        """The request as evidence: URL (query string), headers (by name and by
        value) and body through the redactor, a very large body cut
        (``EVIDENCE_BODY_BYTES``). Called by ``Exchange.redacted``."""
        text = None
        if body is not None:
            kept, left_out = _evidence(redactor.data(body))
            text = _Body(kept, _cut_note(left_out, len(body)) if left_out else "")
        return cls(
            method=method,
            url=redactor.text(url),
            headers=_interned(redactor.headers(headers)),
            body=cast(str | None, text),  # shown as text when read (``_Shown``)
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "method": self.method,
            "url": self.url,
            "headers": [list(h) for h in self.headers],
            "body": self.body,
        }


_PARSED_KEPT = 256
"""Parsed bodies kept at once: the checks of one exchange read its body many times
while it is judged (each clause in scope), and nothing reads it after; an answer
replayed from the cache later is parsed again."""


class _ParsedCache:
    """The last few parsed bodies, by response (bounded: memory flat in the run)."""

    def __init__(self) -> None:
        self._kept: OrderedDict[int, tuple[Received, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, response: Received) -> Any:
        key = id(response)  # the entry holds the response: its id is not reused
        with self._lock:
            hit = self._kept.get(key)
            if hit is not None and hit[0] is response:
                self._kept.move_to_end(key)
                return hit[1]
        parsed = response.parse()
        with self._lock:
            self._kept[key] = (response, parsed)
            while len(self._kept) > _PARSED_KEPT:
                self._kept.popitem(last=False)
        return parsed


_PARSED = _ParsedCache()


@dataclass(frozen=True, slots=True)
class Received:
    """The response: status, headers, a bounded body, when it arrived."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    truncated: bool
    received_at: datetime
    elapsed_s: float
    note: str = ""

    @classmethod
    def redacted(
        cls,
        redactor: Redactor,
        *,
        status: int,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        elapsed_s: float,
        truncated: bool = False,
        note: str = "",
    ) -> Received:
        """The one way an answer becomes evidence: a target may echo a key into any
        header, the body, or a header the note quotes (``Content-Encoding``)."""
        return cls(
            status=status,
            headers=_interned(redactor.headers(headers)),
            body=redactor.data(body),
            truncated=truncated,
            received_at=datetime.now(UTC),
            elapsed_s=elapsed_s,
            note=redactor.text(note),
        )

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive)."""
        values = self.header_values(name)
        return values[0] if values else None

    def header_values(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), in order."""
        lowered = name.lower()
        return [v for k, v in self.headers if k.lower() == lowered]

    @property
    def text(self) -> str:
        """The body as UTF-8 with replacement (for display and pattern search)."""
        return self.body.decode("utf-8", errors="replace")

    def parse(self) -> Any:
        """The body parsed (uncached; ``json()`` and ``is_json`` share a bounded
        cache), or a marker that it is not strict JSON."""
        if self.truncated:
            return _NOT_JSON
        try:
            return json.loads(self.body.decode("utf-8-sig"), parse_constant=_reject)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return _NOT_JSON

    @property
    def is_json(self) -> bool:
        """Whether the body parses as strict JSON."""
        return _PARSED.get(self) is not _NOT_JSON

    def json(self) -> Any:
        """The parsed body; ``ValueError`` when it is not JSON."""
        parsed = _PARSED.get(self)
        if parsed is _NOT_JSON:
            raise ValueError("body is not JSON")
        return parsed

    def to_dict(self, limit: int = 4096) -> dict[str, Any]:
        """A JSON-ready view with the body cut at ``limit`` characters."""
        text = self.text
        return {
            "status": self.status,
            "headers": [list(h) for h in self.headers],
            "body": text[:limit],
            "body_truncated": self.truncated or len(text) > limit,
            "elapsed_s": round(self.elapsed_s, 4),
        }


def _reject(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


@dataclass(frozen=True)
class Replay:
    """What the ``curl`` line shows, when not simply the request as sent.

    The client names a fixture credential by the environment variable holding it
    (``from_env``, ``query_from_env``) so the line reproduces the request, where the
    masked header would not. ``headers`` are masked by value only: a probe's
    deliberately broken ``Authorization`` must reproduce as sent.
    """

    url: str
    headers: tuple[tuple[str, str], ...]
    from_env: Mapping[str, str] = field(default_factory=dict)
    query_from_env: str | None = None


@dataclass(frozen=True)
class Asked:
    """The request's side of an exchange's evidence: made from the request alone, so
    the client makes it while the answer is on its way."""

    request: SentRequest
    curl: str  # joined from its parts when read (``_Shown``)

    @classmethod
    def redacted(
        cls,
        redactor: Redactor,
        method: str,
        url: str,
        headers: Iterable[tuple[str, str]],
        body: bytes | None,
        replay: Replay | None = None,
    ) -> Asked:
        """The request and the ``curl`` line built from the raw parts through
        ``redactor``. Without ``replay`` the line shows the request as recorded,
        credential headers masked by name. A body past ``EVIDENCE_BODY_BYTES`` is
        not on the line (a comment says how large it was): the probe's defect says
        how it was built."""
        request = SentRequest.redacted(redactor, method, url, headers, body)
        shown = replay or Replay(url=url, headers=request.headers)
        data = None if body is None else redactor.data(body)
        cut = data is not None and _evidence(data)[1] > 0
        curl = _Curl(
            method,
            redactor.text(shown.url),
            tuple((k, redactor.text(v)) for k, v in shown.headers),
            None if cut else data,
            shown.from_env,
            shown.query_from_env,
            f" --data-binary @body  # the {len(body):,}-byte body, not shown"
            if cut and body is not None
            else "",
        )
        return cls(request=request, curl=cast(str, curl))

    def answered(
        self,
        redactor: Redactor,
        seq: int,
        probe: Probe,
        response: Received | None,
        failure: str | None,
    ) -> Exchange:
        """The exchange, with ``response`` (redacted already) or ``failure``."""
        return Exchange(
            seq=seq,
            probe=probe,
            request=self.request,
            curl=self.curl,
            response=response,
            failure=None if failure is None else redactor.text(failure),
        )


@dataclass(frozen=True)
class Exchange:
    """One probe, the redacted request, and the response (or the transport failure)."""

    seq: int
    probe: Probe
    request: SentRequest
    curl: str  # joined from its parts when read (``_Shown``)
    response: Received | None
    failure: str | None = None
    notes: tuple[str, ...] = field(default=())

    @classmethod
    def redacted(
        cls,
        redactor: Redactor,
        *,
        seq: int,
        probe: Probe,
        method: str,
        url: str,
        headers: Iterable[tuple[str, str]],
        body: bytes | None,
        response: Received | None,
        failure: str | None = None,
        replay: Replay | None = None,
    ) -> Exchange:
        """The one way evidence is made (client and Schemathesis hooks alike): the
        request's side (``Asked.redacted``) with ``response`` (from
        ``Received.redacted``) or the failure."""
        asked = Asked.redacted(redactor, method, url, headers, body, replay)
        return asked.answered(redactor, seq, probe, response, failure)

    @property
    def status(self) -> int | None:
        """The response status, or ``None`` when no response came."""
        return None if self.response is None else self.response.status

    def to_dict(self, limit: int = 4096) -> dict[str, Any]:
        """A JSON-ready view of the evidence."""
        return {
            "seq": self.seq,
            "operation": self.probe.operation,
            "defect": self.probe.defect,
            "request": self.request.to_dict(),
            "response": None if self.response is None else self.response.to_dict(limit),
            "failure": self.failure,
            "curl": self.curl,
        }


_Shown.attach(SentRequest, "body")
_Shown.attach(Exchange, "curl")
