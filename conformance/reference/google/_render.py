"""Render answers as AIP-193 shapes them, bent by the active faults and tolerances.

Every error body leaves through ``Renderer.error``, so a switch that changes how an
error looks is applied here and nowhere else: tolerances first, faults last, so no
tolerance can hide a fault.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import Response

from .._switches import Switches
from . import _contract as c


class Refusal(Exception):
    """An error answer: its kind, the broken fields of an INVALID_ARGUMENT (field,
    why), the ErrorInfo metadata, and extra response headers."""

    def __init__(
        self,
        kind: c.Kind,
        *,
        violations: Sequence[tuple[str, str]] = (),
        metadata: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(kind.reason)
        self.kind = kind
        self.violations = list(violations)
        self.metadata = dict(metadata or {})
        self.headers = dict(headers or {})


class SimulatedCrash(RuntimeError):
    """The unhandled error a GA-5XX-1 switch provokes on purpose."""


def encode(data: Any) -> bytes:
    """Serialise ``data`` as ASCII JSON, which lone surrogates cannot break."""
    return json.dumps(data, ensure_ascii=True, allow_nan=False).encode("ascii")


def _reversed(data: dict[str, Any]) -> dict[str, Any]:
    return dict(reversed(list(data.items())))


class Renderer:
    """Turn refusals and data into responses for one switch set."""

    def __init__(self, switches: Switches) -> None:
        self.switches = switches

    def _details(self, refusal: Refusal) -> list[dict[str, Any]]:
        on, broken = self.switches.allows, self.switches.broken
        kind = refusal.kind
        reason = kind.reason.lower() if broken("GA-BODY-4") else kind.reason
        info: dict[str, Any] = {"@type": c.TYPE + "ErrorInfo", "reason": reason}
        info["domain"] = c.DOMAIN
        metadata = dict(refusal.metadata)
        if on("extra-members"):
            metadata["service"] = c.DOMAIN
        if metadata and not on("minimal"):
            info["metadata"] = metadata
        details = [info]
        if on("minimal"):
            return details
        if refusal.violations:
            prefix = "shelf." if on("request-field-path") else ""
            unnamed = broken("GA-VAL-1:unnamed")
            violations = [
                {"field": c.FAULTY_FIELD if unnamed else prefix + f, "description": d}
                for f, d in refusal.violations
            ]
            bad = {"@type": c.TYPE + "BadRequest", "fieldViolations": violations}
            details.append(bad)
            if broken("GA-BODY-5"):
                # The handler's BadRequest and the validation layer's, both: the
                # payload type twice.
                details.append(dict(bad))
        details.append(
            {
                "@type": c.TYPE + "LocalizedMessage",
                "locale": "en-US",
                "message": kind.message,
            }
        )
        if on("extra-members"):
            details.append({"@type": "type.googleapis.com/library.v1.Hint", "x": 1})
        return details

    def error(self, refusal: Refusal) -> Response:
        """The JSON HTTP form of the google.rpc.Status of ``refusal``."""
        on, broken = self.switches.allows, self.switches.broken
        kind = refusal.kind
        status = kind.status
        message = kind.message
        if status == 404 and broken("GA-LEAK-1"):
            message = f"{message}\n{c.FAULTY_LEAK}"
        code = status
        if broken("GA-BODY-2"):
            code = c.GRPC_NUMBERS.get(kind.code, 2)
        name = kind.code
        if status == 401 and broken("GA-BODY-3"):
            name = "PERMISSION_DENIED"
        details = self._details(refusal)
        error: dict[str, Any] = {
            "code": code,
            "message": message,
            "status": name,
            "details": details,
        }
        if on("extra-members"):
            error["errors"] = [{"message": message, "domain": "global"}]
        if on("member-order"):
            error = _reversed(error)
            error["details"] = [_reversed(d) for d in reversed(details)]
        body: dict[str, Any] = {"error": error}
        if status == 404 and broken("GA-BODY-1"):
            body = error  # the Status itself, no envelope
        media = "text/plain" if status == 404 and broken("GA-HDR-1") else c.JSON
        if on("charset"):
            media += c.CHARSET
        headers = {**refusal.headers, "content-type": media}
        return Response(encode(body), status_code=status, headers=headers)

    def ok(self, data: Any) -> Response:
        """A JSON success (200: AIP-133's create answers the resource with 200)."""
        media = c.JSON + (c.CHARSET if self.switches.allows("charset") else "")
        # A value a GA-VAL-1 server stored unchecked (1e400) is written as Python
        # writes it: the fault is the 200, not a crash.
        text = json.dumps(data, ensure_ascii=True).encode("ascii")
        return Response(text, status_code=200, headers={"content-type": media})
