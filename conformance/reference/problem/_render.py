"""Render answers as RFC 9457 shapes them, bent by the active faults and tolerances.

Every response body leaves through ``Renderer``, so a switch that changes how a problem
looks (members, type, content type) is applied here and nowhere else. Tolerances apply
first and faults last, so no tolerance can hide a fault.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from starlette.responses import Response

from .._switches import Switches
from . import _contract as c


class Problem(Exception):
    """A refusal: its kind, the broken fields of a 422, and extra response headers."""

    def __init__(
        self,
        kind: c.Kind,
        *,
        errors: Sequence[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        lines: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(kind.slug)
        self.kind = kind
        self.errors = list(errors) if errors is not None else None
        self.headers = dict(headers or {})
        self.lines = list(lines)
        """Header field lines sent as they are, a name repeated where it recurs."""


class SimulatedCrash(RuntimeError):
    """The unhandled error a PD-5XX-1 switch provokes on purpose."""


def encode(data: Any) -> bytes:
    """Serialise ``data`` as ASCII JSON, which lone surrogates cannot break."""
    return json.dumps(data, ensure_ascii=True, allow_nan=False).encode("ascii")


class Renderer:
    """Turn problems and data into responses for one switch set."""

    def __init__(self, switches: Switches) -> None:
        self.switches = switches

    def problem(self, problem: Problem, instance: str) -> Response:
        """The problem details object of ``problem``, at request path ``instance``."""
        on, broken = self.switches.allows, self.switches.broken
        kind = problem.kind
        status = kind.status
        phrase = HTTPStatus(status).phrase
        body: dict[str, Any] = {}
        if on("about-blank"):
            body.update(type="about:blank", title=phrase)
        elif on("no-type"):
            body["title"] = phrase  # an absent type means about:blank (section 3.1.1)
        elif on("relative-type"):
            body.update(type=c.RELATIVE_TYPE_BASE + kind.slug, title=kind.title)
        else:
            body.update(type=c.TYPE_BASE + kind.slug, title=kind.title)
        if not on("no-status"):
            body["status"] = status
        if not on("no-detail"):
            body.update(detail=kind.detail, instance=instance)
        if problem.errors is not None:
            unnamed = broken("PD-VAL-1:unnamed-field")
            bare = broken("PD-BODY-3")  # a field name, not a JSON Pointer to it
            body["errors"] = [
                {
                    "detail": detail,
                    "pointer": c.FAULTY_POINTER
                    if unnamed
                    else (f if bare else f"#/{f}"),
                }
                for f, detail in problem.errors
            ]
        if on("extra-members"):
            body.update(trace={"region": "eu"}, code="x")
        if status == 404 and broken("PD-BODY-1"):
            body.pop("title", None)
        if status == 422 and broken("PD-BODY-2"):
            body["status"] = 400
        if status == 404 and broken("PD-LEAK-1"):
            body["detail"] = f"{kind.detail}\n{c.FAULTY_LEAK}"
        media = c.JSON if status == 404 and broken("PD-HDR-1") else c.PROBLEM_JSON
        if on("charset"):
            media += c.CHARSET
        headers = {**problem.headers, "content-type": media}
        response = Response(encode(body), status_code=status, headers=headers)
        response.raw_headers += [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in problem.lines
        ]
        return response

    @staticmethod
    def ok(
        data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> Response:
        """A JSON success."""
        return Response(
            encode(data),
            status_code=status,
            headers={**(headers or {}), "content-type": c.JSON},
        )

    @staticmethod
    def no_content() -> Response:
        """The 204 a delete answers with: no body, no content type."""
        return Response(status_code=204)
