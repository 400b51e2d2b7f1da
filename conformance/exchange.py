"""Exchanges: a probe as sent and the answer as received, redacted once at creation.

Nothing downstream of the client sees a secret: the request here is the redacted
one, and the ``curl`` line is built from it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from errcontract.probe import Probe
from errcontract.redact import Redactor

_NOT_JSON = object()


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
        """The one way a request becomes evidence: every part through the redactor
        (the client and the Schemathesis hooks alike)."""
        return cls(
            method=method,
            url=redactor.text(url),
            headers=redactor.headers(headers),
            body=None
            if body is None
            else redactor.data(body).decode("utf-8", errors="replace"),
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
class Exchange:
    """One probe, the redacted request, and the response (or the transport failure)."""

    seq: int
    probe: Probe
    request: SentRequest
    curl: str
    response: Received | None
    failure: str | None = None
    notes: tuple[str, ...] = field(default=())

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
