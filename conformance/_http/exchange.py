"""Exchanges: a probe as sent and the answer as received, redacted once at creation.

Evidence is made in one way only, by the client and the Schemathesis hooks alike:
``Received.redacted`` for the answer, ``Exchange.redacted`` for the request and its
``curl`` line. Each takes the raw parts and the run's ``Redactor``, so nothing
downstream sees a secret and no caller keeps a redaction of its own to fall behind.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

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


@dataclass(frozen=True)
class SentRequest:
    """The request as sent, with credentials replaced by ``[redacted]``."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: str | None

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
            text = kept.decode("utf-8", errors="replace")
            if left_out:
                text += _cut_note(left_out, len(body))
        return cls(
            method=method,
            url=redactor.text(url),
            headers=redactor.headers(headers),
            body=text,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "method": self.method,
            "url": self.url,
            "headers": [list(h) for h in self.headers],
            "body": self.body,
        }


@dataclass(frozen=True)
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
            headers=redactor.headers(headers),
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

    @cached_property
    def _parsed(self) -> Any:
        if self.truncated:
            return _NOT_JSON
        try:
            return json.loads(self.body.decode("utf-8-sig"), parse_constant=_reject)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return _NOT_JSON

    @property
    def is_json(self) -> bool:
        """Whether the body parses as strict JSON."""
        return self._parsed is not _NOT_JSON

    def json(self) -> Any:
        """The parsed body; ``ValueError`` when it is not JSON."""
        if self._parsed is _NOT_JSON:
            raise ValueError("body is not JSON")
        return self._parsed

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
class Exchange:
    """One probe, the redacted request, and the response (or the transport failure)."""

    seq: int
    probe: Probe
    request: SentRequest
    curl: str
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
        request and the ``curl`` line built from the raw parts through ``redactor``;
        ``response`` comes from ``Received.redacted``. Without ``replay`` the line
        shows the request as recorded, credential headers masked by name. A body
        past ``EVIDENCE_BODY_BYTES`` is not on the line (a comment says how large
        it was): the probe's defect says how it was built."""
        request = SentRequest.redacted(redactor, method, url, headers, body)
        shown = replay or Replay(url=url, headers=request.headers)
        data = None if body is None else redactor.data(body)
        cut = data is not None and _evidence(data)[1] > 0
        curl = curl_line(
            method,
            redactor.text(shown.url),
            [(k, redactor.text(v)) for k, v in shown.headers],
            None if cut else data,
            from_env=shown.from_env,
            query_from_env=shown.query_from_env,
        )
        if cut and body is not None:
            curl += f" --data-binary @body  # the {len(body):,}-byte body, not shown"
        return cls(
            seq=seq,
            probe=probe,
            request=request,
            curl=curl,
            response=response,
            failure=None if failure is None else redactor.text(failure),
        )

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
