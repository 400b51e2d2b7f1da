"""The valid key where the API does not read it: a credential is accepted in one
place only.

Each probe is the valid request with the credential taken away from where the API
reads it (the profile's ``credential_header``, or its ``credential_query``) and the
valid key put somewhere else instead. The key stays named (``Credential(fixture=
...)`` with a ``placement`` of its own), resolved by the client at send time,
redacted in every exchange, and shown on ``curl`` lines as its environment variable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from hypothesis import strategies as st

from errcontract._contract.surface import ProbeContext
from errcontract._http.probe import Credential, Placement
from errcontract.exceptions import BadArgument

from .common import (
    Scenario,
    by_option,
    choose_many,
    composed,
    operation_ids,
    plan,
    uniques,
)

MISPLACED_KINDS: tuple[str, ...] = ("query", "cookie", "other-header")
"""The ``kinds`` of ``misplaced_credentials``."""

BEARER_QUERY = "access_token"
"""RFC 6750 section 2.3's query parameter for a Bearer token."""
OTHER_QUERY = "api_key"
"""The query parameter for a key under any other template."""
COOKIE_NAME = "access_token"
"""The cookie the key is sent in."""
KEY_HEADER = "X-API-Key"
"""The other header for an API that reads ``Authorization``."""

_SCHEME_WORD = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+) +\{token(?:_base64)?\}")


def scheme_word(template: str) -> str | None:
    """The auth-scheme of ``template`` (``Bearer`` for ``Bearer {token}``), or
    ``None`` where it has none (``{token}``, ``name={token}``): RFC 9110 section
    11.1's token followed by a space and the credential."""
    found = _SCHEME_WORD.fullmatch(template.strip())
    return found.group(1) if found else None


def _bearer(ctx: ProbeContext) -> bool:
    return (scheme_word(ctx.credential_template) or "").lower() == "bearer"


def _reads(ctx: ProbeContext, kind: str) -> str | None:
    """Why ``kind`` puts the key where the API itself reads it, or ``None``."""
    if kind == "query" and ctx.credential_query is not None:
        return f"the API reads the key from query parameter {ctx.credential_query!r}"
    if kind == "cookie" and ctx.credential_header.lower() == "cookie":
        return "the API reads the key from a cookie"
    return None


def misplaced(ctx: ProbeContext, kind: str) -> tuple[Credential, str]:
    """The valid key placed as ``kind`` says, and the defect text (secret-free)."""
    key = ctx.credential
    if kind == "query":
        name = BEARER_QUERY if _bearer(ctx) else OTHER_QUERY
        where = Placement(query=name)
        return Credential(template="{token}", fixture=key, placement=where), (
            f"the valid key in query parameter {name} instead of "
            f"{ctx.credential_header}"
        )
    if kind == "cookie":
        where = Placement(cookie=COOKIE_NAME)
        return Credential(template="{token}", fixture=key, placement=where), (
            f"the valid key in cookie {COOKIE_NAME} instead of {_read_at(ctx)}"
        )
    if ctx.credential_query is None and ctx.credential_header.lower() == (
        "authorization"
    ):
        header, template = KEY_HEADER, "{token}"
    else:
        header, template = "Authorization", "Bearer {token}"
    credential = Credential(
        template=template, fixture=key, placement=Placement(header=header)
    )
    shown = template.replace("{token}", "<key>")
    return credential, (
        f"the valid key as {header}: {shown} instead of {_read_at(ctx)}"
    )


def _read_at(ctx: ProbeContext) -> str:
    if ctx.credential_query is not None:
        return f"query parameter {ctx.credential_query}"
    return ctx.credential_header


def misplaced_credentials(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    kinds: Sequence[str] | None = None,
) -> st.SearchStrategy[Scenario]:
    """The valid request with no credential where the API reads it (the profile's
    ``credential_header`` or ``credential_query``) and the valid key somewhere else,
    one probe per operation and kind: ``query`` sends it as ``access_token=<key>``
    (RFC 6750 section 2.3's name, for a ``Bearer`` template) or ``api_key=<key>``,
    ``cookie`` as ``Cookie: access_token=<key>``, ``other-header`` as ``X-API-Key:
    <key>`` where the API reads ``Authorization`` and as ``Authorization: Bearer
    <key>`` otherwise; a kind that puts the key where the API reads it is left out
    (``BadArgument`` when ``kinds`` names it). No setup; the clause's check
    (``expected_answer``, ``expect: 401``) judges each answer as the request's with
    no credential; a write is sent only where writes are allowed. The key stays a
    named fixture, resolved at send time, redacted in every output and shown on
    ``curl`` lines as ``$CONFORMANCE_<FIXTURE>``. Parameter: ``kinds`` (default
    all three).

    Kinds (``MISPLACED_KINDS``, each derived from the profile's credential
    template and placement):

    ``query``
        the key as a query parameter: ``access_token=<key>`` for a ``Bearer``
        template (RFC 6750 section 2.3's name), ``api_key=<key>`` otherwise. Not
        sent where the API reads its key from a query parameter (``padded`` of
        ``malformed_credentials`` is the converse).
    ``cookie``
        the key as ``Cookie: access_token=<key>``; not sent where the API reads a
        cookie.
    ``other-header``
        ``X-API-Key: <key>`` where the API reads ``Authorization``; ``Authorization:
        Bearer <key>`` where it reads another header, a cookie or a query key.

    A clause names the answer (``expected_answer``, ``expect: 401``): the request
    carries no credential where the API reads it, so it is answered as one with no
    credential (RFC 9110 section 15.5.2; RFC 6750 section 2.1 puts a Bearer token
    in ``Authorization``); a success means the API took the key from where it was
    not promised to read it. A key in a URL is also written to access logs, proxy
    logs and browser history (OWASP: Information exposure through query strings).
    A kind named in ``kinds`` that puts the key where the API reads it is refused
    (``BadArgument``); with ``kinds`` unset, it is left out. The key is the run's
    secret: resolved at send time, redacted everywhere, ``$CONFORMANCE_<FIXTURE>``
    on ``curl`` lines. A write is probed only where writes are allowed (a server
    that takes the key would act on it).
    """
    chosen = choose_many("kinds", kinds, MISPLACED_KINDS, default=MISPLACED_KINDS)
    reads = {k: why for k in chosen if (why := _reads(ctx, k))}
    if kinds is not None and reads:
        raise BadArgument(
            "misplaced_credentials: "
            + "; ".join(f"kinds={[k]!r}: {why}" for k, why in reads.items())
            + ", so the key there is not misplaced"
        )
    kept = tuple(k for k in chosen if k not in reads)
    cases = plan(
        ctx,
        "misplaced_credentials",
        operation_ids(ctx, "misplaced_credentials", operations),
        lambda op: kept,
        allow_writes=allow_writes,
        writes=lambda op, _: op.writes,
    )

    def scenarios(draw: st.DrawFn) -> Scenario:
        op_id, kind = draw(by_option(cases))
        credential, defect = misplaced(ctx, kind)
        probe = ctx.valid_probe(op_id, unique=draw(uniques()))
        return (
            replace(
                probe,
                credential=credential,
                defect=f"{kind}: {defect}",
                defect_kind="credential",
                writes=ctx.operation(op_id).writes,
            ),
        )

    return composed(scenarios)
