"""Errors as the Azure REST API Guidelines shape them: an ErrorResponse whose
``error.code`` the ``x-ms-error-code`` header repeats, bent by the shape faults and
tolerances."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import Response

from .._switches import Switches
from . import _contract as c


class ApiError(Exception):
    """A refusal an operation raises: its kind, field details, extra headers."""

    def __init__(
        self,
        kind: c.Kind,
        *,
        details: Sequence[tuple[str, str, str]] = (),
        inner: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(kind.code)
        self.kind = kind
        self.details = list(details)
        """(code, target, message) per broken field."""
        self.inner = inner
        """A finer code than ``kind.code``, for ``innererror``."""
        self.headers = dict(headers or {})


class SimulatedCrash(Exception):
    """What a fault raises to stand for a bug: answered 500, never logged."""


class Renderer:
    """Turns refusals and successes into responses, as one app's switches say."""

    def __init__(self, switches: Switches) -> None:
        self.switches = switches
        self.broken = switches.broken
        self.allows = switches.allows

    def _media_type(self, status: int) -> str:
        if status == 404 and self.broken("MS-HDR-1"):
            return "application/problem+json"
        return f"{c.JSON}; charset=utf-8" if self.allows("charset") else c.JSON

    def _named(self, response: Response) -> Response:
        """Under ``header-case``, every field name in another letter case
        (``X-Ms-Error-Code``): Starlette lower-cases them, as is its right."""
        if self.allows("header-case"):
            response.raw_headers = [
                (b"-".join(p.capitalize() for p in name.split(b"-")), value)
                for name, value in response.raw_headers
            ]
        return response

    def _detail(self, code: str, target: str, message: str) -> dict[str, Any]:
        item: dict[str, Any] = {"code": code, "message": message, "target": target}
        if self.broken("MS-BODY-1:details"):
            del item["code"]
        if self.allows("extra-members"):
            item["@odata.type"] = "#Gadgets.FieldError"
        return item

    def _error(self, exc: ApiError) -> dict[str, Any]:
        kind = exc.kind
        error: dict[str, Any] = {"code": kind.code, "message": kind.message}
        if kind.status == 404 and self.broken("MS-LEAK-1"):
            error["message"] = f"{kind.message}\n{c.FAULTY_LEAK}"
        if kind.status == 404 and self.broken("MS-BODY-1"):
            del error["message"]
        if not self.allows("minimal"):
            if exc.details:
                error["target"] = "body"
                error["details"] = [self._detail(*d) for d in exc.details]
            if exc.inner is not None:
                # 7.10.2's example: each nested innererror a finer code.
                error["innererror"] = (
                    exc.inner
                    if self.broken("MS-BODY-1:innererror")
                    else {"code": exc.inner, "innererror": {"code": "FieldRule"}}
                )
        if self.allows("extra-members"):
            error["requestTime"] = "2024-06-01T00:00:00Z"
            if isinstance(error.get("innererror"), dict):
                error["innererror"]["traceLevel"] = 1
        if self.allows("member-order"):
            error = dict(reversed(list(error.items())))  # `message` before `code`
        body: dict[str, Any] = {"error": error}
        if self.allows("extra-members"):
            # An annotation, before `error` under member-order.
            body = {"@odata.context": "$metadata#error", **body}
            if not self.allows("member-order"):
                body = {"error": error, "@odata.context": "$metadata#error"}
        return body

    def error(self, exc: ApiError) -> Response:
        """The ErrorResponse for ``exc``, with ``x-ms-error-code``."""
        status = exc.kind.status
        headers = {**exc.headers, "content-type": self._media_type(status)}
        code = exc.kind.code
        if status == 404 and self.broken("MS-CODE-2"):
            code = code[:1].lower() + code[1:]  # the header's own spelling
        if not (status == 401 and self.broken("MS-CODE-1")):
            headers[c.ERROR_CODE_HEADER] = code
        body = json.dumps(self._error(exc)).encode("utf-8")
        return self._named(Response(body, status_code=status, headers=headers))

    def ok(self, value: Any, status: int = 200) -> Response:
        """A success, as JSON."""
        headers = {"content-type": self._media_type(status)}
        body = json.dumps(value).encode("utf-8")
        return self._named(Response(body, status_code=status, headers=headers))
