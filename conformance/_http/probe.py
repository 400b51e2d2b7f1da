"""Probes: requests built to break exactly one rule, and the answers expected.

A probe never holds a secret. Credentials are named (``Credential(fixture="api_key")``)
and resolved by the client at send time, so a probe's ``repr`` (which Hypothesis
prints for a falsifying example) is safe to show.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from errcontract._http.derived import SHOWN, Derivation

DefectKind = Literal[
    "",
    "credential",
    "tenant",
    "resource",
    "body",
    "not-object",
    "missing",
    "invalid",
    "wrong-type",
    "parameter",
    "state",
    "robustness",
    "method",
    "route",
    "head",
    "options",
    "accept",
    "size",
    "unknown-query",
    "unknown-member",
    "read-only-member",
    "body-on-get",
    "body-on-delete",
    "client-request-id",
    "scheme-case",
]
VALID_KINDS: frozenset[str] = frozenset({"head", "options"})
"""Kinds of probes that carry no defect: a valid request sent with HEAD or OPTIONS,
which every path may take (RFC 9110 sections 9.3.2 and 9.3.7). They are tagged by
kind so a clause can say what each is answered, but are not bad input."""


@dataclass(frozen=True)
class Placement:
    """Where a rendered credential goes on the wire: a header, or, with ``query``
    set, a query parameter of that name, or, with ``cookie`` set, a cookie of that
    name (``Cookie: <cookie>=<value>``)."""

    header: str = "Authorization"
    query: str | None = None
    cookie: str | None = None

    def describe(self) -> str:
        """Where, in words: ``query parameter access_token``, ``header X-API-Key``."""
        if self.query:
            return f"query parameter {self.query}"
        if self.cookie:
            return f"cookie {self.cookie}"
        return f"header {self.header}"


@dataclass(frozen=True)
class Credential:
    """What goes in the credential header: a template over a token.

    ``template`` is rendered with ``{token}``; the token is a fixture (a secret resolved
    at send time) or a literal that is not a secret (random junk, empty strings).
    ``absent`` means no credential header at all. ``derived`` changes the fixture's
    value at send time (``truncated``: a near miss of the key, itself a secret).
    ``placement`` puts it somewhere else than the profile's own placement (the valid
    key in a query parameter, a cookie or another header, where the API does not
    read it); the renderer honours it, so redaction and ``curl`` lines are the same.
    """

    template: str = "Bearer {token}"
    fixture: str | None = None
    literal: str | None = None
    absent: bool = False
    derived: Derivation | None = None
    placement: Placement | None = None

    @classmethod
    def none(cls) -> Credential:
        """No credential header."""
        return cls(absent=True)

    @classmethod
    def of(
        cls,
        fixture: str,
        template: str = "Bearer {token}",
        *,
        derived: Derivation | None = None,
    ) -> Credential:
        """The named fixture's value in ``template`` (changed as ``derived`` says)."""
        return cls(template=template, fixture=fixture, derived=derived)

    def describe(self) -> str:
        """A secret-free description for evidence and Hypothesis output."""
        if self.absent:
            return "no credential header"
        if self.fixture and self.derived:
            token = f"<{self.fixture}, {SHOWN[self.derived]}>"
        else:
            token = f"<{self.fixture}>" if self.fixture else repr(self.literal)
        shown = self.template.replace("{token}", token)
        if self.placement is not None:
            shown += f" in {self.placement.describe()}"
        return shown


STATUS_PATTERN = "^[1-5]([0-9]{2}|XX)$"
"""A status as a catalog writes it: a code (``404``) or a family (``"4XX"``); the
meta-schemas take this pattern wherever a status is named (``expect[].status``,
``scope.status``, the keys of a per-status ``field_member``)."""


def status_matches(pattern: str | int, status: int) -> bool:
    """Whether ``status`` is ``pattern``: the code itself, or in its ``NXX`` family.

    The one reading of a catalog's status, shared by ``expect``, ``scope`` and the
    per-status ``field_member``, so ``"4XX"`` means the same thing everywhere.
    """
    text = str(pattern)
    if text.upper().endswith("XX"):
        return str(status)[0] == text[0]
    return str(status) == text


def status_hint(value: object) -> str:
    """Why ``value`` is no status of a catalog, with the near miss (``'4xx'`` is
    ``'4XX'``; ``'404 '`` is ``'404'``): the linter's sentence for a broken one."""
    shown = f'{value!r} is neither a status (404) nor a status family ("4XX")'
    if isinstance(value, str):
        meant = value.strip().upper()
        if meant != value and re.fullmatch(STATUS_PATTERN, meant):
            return f"{shown} (did you mean {meant!r}?)"
    return shown


@dataclass(frozen=True)
class Answer:
    """One answer the contract allows: a status (or family, ``2XX``) and body facts."""

    status: str
    error: str | None = None
    message: str | None = None
    name_field: bool | Literal["if-listed"] = False
    """Whether the answer names every broken field; ``if-listed``: only when it
    lists field errors at all (a convention whose field list is optional)."""

    def matches_status(self, status: int) -> bool:
        """Whether ``status`` is this answer's status or in its ``NXX`` family."""
        return status_matches(self.status, status)

    def describe(self, *field_names: str | None) -> str:
        """``401 with error 'unauthenticated'``-style text."""
        named = [name for name in field_names if name]
        parts = [self.status]
        if self.error is not None:
            parts.append(f"error {self.error!r}")
        if self.message is not None:
            parts.append(f"message {self.message!r}")
        if self.name_field and named:
            plural = "s" if len(named) > 1 else ""
            naming = f"naming field{plural} " + ", ".join(map(repr, named))
            if self.name_field == "if-listed":
                naming += " where it lists field errors"
            parts.append(naming)
        return parts[0] + (" with " + ", ".join(parts[1:]) if parts[1:] else "")


@dataclass(frozen=True)
class Probe:
    """One request, tagged with the defect it carries and the answers it expects."""

    operation: str
    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    credential: Credential = field(default_factory=Credential.none)
    body: bytes | None = None
    defect: str = ""
    defect_kind: DefectKind = ""
    field: str | None = None
    fields: tuple[str, ...] = ()
    """Every field a several-defect probe breaks (``field`` is the first of them)."""
    writes: bool = False
    role: Literal["probe", "setup"] = "probe"
    fresh: bool = False
    """Sent every time, never answered from the client's cache: a read of the state
    around a write (the same GET before and after it) must show the state now."""
    clause: str | None = None
    expect: tuple[Answer, ...] = ()

    @property
    def defective(self) -> bool:
        """Whether the probe carries a defect on purpose (bad input of any kind)."""
        return bool(self.defect_kind) and self.defect_kind not in VALID_KINDS

    @property
    def broken_fields(self) -> tuple[str, ...]:
        """The fields the probe breaks on purpose: ``fields``, else ``field``."""
        return self.fields or ((self.field,) if self.field else ())

    def with_expectation(self, clause: str, answers: tuple[Answer, ...]) -> Probe:
        """The same request, judged for ``clause`` against ``answers``."""
        return replace(self, clause=clause, expect=answers)

    def describe_expectation(self) -> str:
        """The expected answers as one line of text."""
        fields = self.broken_fields
        return " or ".join(a.describe(*fields) for a in self.expect) or "any answer"

    def header(self, name: str) -> str | None:
        """The probe's own value for header ``name`` (case-insensitive), if any."""
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


def json_body(value: Any) -> bytes:
    """Encode a JSON value the way a careful client would (UTF-8, no NaN)."""
    return json.dumps(value, allow_nan=False, separators=(",", ":")).encode()


def substitute(value: Any, values: Mapping[str, Any]) -> Any:
    """Fill ``${name}`` placeholders in an example from ``values``.

    A string that is exactly one placeholder takes the value with its JSON type (an
    integer bank id stays an integer); placeholders inside longer strings are formatted.
    """
    if isinstance(value, str):
        if value.startswith("${") and value.endswith("}") and value.count("${") == 1:
            name = value[2:-1]
            if name not in values:
                raise KeyError(name)
            return values[name]
        out = value
        while "${" in out:
            start = out.index("${")
            end = out.index("}", start)
            name = out[start + 2 : end]
            if name not in values:
                raise KeyError(name)
            out = out[:start] + str(values[name]) + out[end + 1 :]
        return out
    if isinstance(value, Mapping):
        return {k: substitute(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, values) for v in value]
    return value


def placeholders(value: Any) -> set[str]:
    """The ``${name}`` placeholders an example uses."""
    found: set[str] = set()
    if isinstance(value, str):
        rest = value
        while "${" in rest:
            start = rest.index("${")
            end = rest.index("}", start)
            found.add(rest[start + 2 : end])
            rest = rest[end + 1 :]
    elif isinstance(value, Mapping):
        for v in value.values():
            found |= placeholders(v)
    elif isinstance(value, list):
        for v in value:
            found |= placeholders(v)
    return found
