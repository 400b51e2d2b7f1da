"""Render answers as the contract shapes them, bent by the active faults and tolerances.

Every response body leaves through ``Renderer``, so a switch that changes how errors
look (shape, code, content type, message, request id) is applied here and nowhere else.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response
from starlette.types import Scope

from .._switches import Switches
from . import _contract as c


class ApiError(Exception):
    """A refusal raised by an endpoint, rendered as shape A (plus ``extra`` fields)."""

    def __init__(
        self, problem: c.Problem, *, extra: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(problem.code)
        self.problem = problem
        self.extra = dict(extra or {})


class Invalid(Exception):
    """A validation failure raised by an endpoint, rendered as shape B."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__(", ".join(errors))
        self.errors = dict(errors)


def encode(data: Any) -> bytes:
    """Serialise ``data`` as ASCII JSON, which lone surrogates cannot break."""
    return json.dumps(data, ensure_ascii=True, allow_nan=False).encode("ascii")


def _humanize(field: str, message: str) -> str:
    return f"{field.replace('_', ' ').capitalize()} {message}"


class Renderer:
    """Turn problems, validation errors and data into responses for one switch set."""

    def __init__(self, switches: Switches) -> None:
        self.switches = switches
        on = switches.allows
        self._request_id_name = (
            c.REQUEST_ID_HEADER.lower() if on("header-case") else c.REQUEST_ID_HEADER
        ).encode("latin-1")
        self._json_type = c.JSON_TYPE + (c.CHARSET_SUFFIX if on("charset") else "")
        error_type = c.PROBLEM_JSON_TYPE if on("problem-json") else c.JSON_TYPE
        if switches.broken("CD-HDR-3"):
            error_type = c.FAULTY_ERROR_TYPE
        self._error_type = error_type + (c.CHARSET_SUFFIX if on("charset") else "")

    # -- request ids ----------------------------------------------------------------
    def request_id(self, scope: Scope) -> str:
        """A fresh id, or (CD-HDR-2) one derived from the request line."""
        if self.switches.broken("CD-HDR-2"):
            line = f"{scope['method']} {scope['path']}?{scope['query_string']!r}"
            return str(uuid.uuid5(uuid.NAMESPACE_URL, line))
        return str(uuid.uuid4())

    def request_id_header(
        self, status: int, request_id: str
    ) -> list[tuple[bytes, bytes]]:
        """The raw header carrying ``request_id``; none on 2xx under CD-HDR-1.

        Raw ASGI header names keep their case on the wire with uvicorn's h11 protocol,
        so the conforming server sends ``X-Request-Id`` and ``header-case`` sends it
        lowercase.
        """
        if self.switches.broken("CD-HDR-1") and 200 <= status < 300:
            return []
        return [(self._request_id_name, request_id.encode("latin-1"))]

    # -- errors ---------------------------------------------------------------------
    def problem(
        self,
        problem: c.Problem,
        request_id: str,
        *,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Shape A: ``{"error": code, "message": text}`` plus any ``extra`` fields."""
        broken, on = self.switches.broken, self.switches.allows
        code = problem.code
        if problem.status == 403 and broken("CD-CODE-1"):
            code = c.FAULTY_CODE_403
        body: dict[str, Any] = {"error": code}
        message = problem.message
        if problem.status == 404 and broken("CD-LEAK-1"):
            message = f"{message or ''} {c.FAULTY_LEAK}".strip()
        elif on("omit-message"):
            message = None
        if message is not None:
            body["message"] = [message] if broken("CD-BODY-A") else message
        body.update(extra or {})
        if on("extra-fields"):
            body.update(request_id=request_id, **c.EXTRA_FIELDS)
        return self._error(problem.status, body, headers)

    def message_only(
        self, problem: c.Problem, headers: Mapping[str, str] | None = None
    ) -> Response:
        """``{"message": text}`` without a code: the shape an older page of Cardda's
        docs shows, as a router outside the API's error renderer answers
        (CD-BODY-A:router)."""
        return self._error(problem.status, {"message": problem.message}, headers)

    def invalid(self, errors: Mapping[str, list[str]], request_id: str) -> Response:
        """Shape B: ``{"errors": {field: [message, ...]}}`` with status 422."""
        broken = self.switches.broken
        fields: dict[str, list[Any]] = {k: list(v) for k, v in errors.items()}
        if broken("CD-VAL-1"):
            merged = [_humanize(k, m) for k, msgs in fields.items() for m in msgs]
            fields = {c.FAULTY_VALIDATION_FIELD: merged}
        if broken("CD-VAL-1:first-field-only"):
            # Validation that stops at the first broken field: right for one defect,
            # wrong for a body with several (the contract says "every broken field").
            fields = dict(list(fields.items())[:1])
        if broken("CD-BODY-B"):
            fields = {k: [{"message": m} for m in msgs] for k, msgs in fields.items()}
        body: dict[str, Any] = {"errors": fields}
        if self.switches.allows("extra-fields"):
            body.update(request_id=request_id, **c.EXTRA_FIELDS)
        return self._error(422, body, None)

    def rate_limited(self, retry_after: int, request_id: str) -> Response:
        """The documented 429: ``Retry-After`` (dropped by CD-RATE-1) and body."""
        unit = "second" if retry_after == 1 else "seconds"
        template = c.RATE_LIMITED
        problem = template._replace(
            message=(template.message or "").format(n=retry_after, unit=unit)
        )
        headers = {}
        if not self.switches.broken("CD-RATE-1"):
            headers[c.RETRY_AFTER_HEADER] = str(retry_after)
        extra = {c.RETRY_AFTER_FIELD: retry_after}
        return self.problem(problem, request_id, extra=extra, headers=headers)

    def _error(
        self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None
    ) -> Response:
        all_headers = {**(headers or {}), "content-type": self._error_type}
        return Response(encode(body), status_code=status, headers=all_headers)

    # -- successes ------------------------------------------------------------------
    def ok(self, data: Any, request_id: str, *, created: bool = False) -> Response:
        """A JSON success; 201 for creates unless ``status-200`` is tolerated."""
        status = 201 if created and not self.switches.allows("status-200") else 200
        if isinstance(data, dict) and self.switches.allows("extra-fields"):
            data = {**data, "request_id": request_id}
        return Response(
            encode(data), status_code=status, headers={"content-type": self._json_type}
        )

    def no_content(self) -> Response:
        """The 204 a delete answers with: no body, no content type."""
        return Response(status_code=204)
