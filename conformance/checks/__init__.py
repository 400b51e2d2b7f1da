"""Checks: one plain function per kind of promise, registered in one place.

A clause in a catalog names the check that judges it (``check: body_schema``) and its
parameters; the same function serves every profile, so a new API is data, not code.

Scopes, by what a check is given:

- ``exchange``: one exchange; raises ``Violation`` or returns (``Inapplicable`` when
  the response does not meet the clause's premise: it is then not judged).
- ``scenario``: the exchanges of one scenario (a pair to compare); raises or returns.
- ``run``: every exchange of the run; returns the violations (e.g. duplicate ids).
- ``burst``: the rate-limit burst; raises or returns.
"""

from __future__ import annotations

from errcontract.checks import (  # noqa: F401
    answers,
    atomicity,
    body,
    challenges,
    declared,
    headers,
    ignored,
    methods,
    negotiation,
    rate,
    timestamps,
)
from errcontract.checks._registry import (
    REGISTRY,
    CheckContext,
    CheckSpec,
    Inapplicable,
    Registry,
)

__all__ = ["REGISTRY", "CheckContext", "CheckSpec", "Inapplicable", "Registry"]
