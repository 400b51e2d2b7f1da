"""Credential probes: no credential, a malformed one, or another fixture's key.

Only the credential changes; everything else is the valid request. Keys are named
(``Credential(fixture=...)``), never held; junk tokens are ``literal`` and not secrets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from hypothesis import strategies as st

from errcontract._contract.surface import Operation, ProbeContext
from errcontract._http.derived import SHOWN, Derivation
from errcontract._http.probe import Credential
from errcontract.exceptions import BadArgument, NothingToProbe

from .common import (
    Scenario,
    by_option,
    choose_many,
    composed,
    operation_ids,
    plan,
    text_argument,
    uniques,
)

CREDENTIAL_KINDS = (
    "bare-key",
    "other-scheme",
    "empty-token",
    "whitespace-token",
    "random-token",
    "unknown-uuid",
    "case-changed",
    "truncated",
    "extended",
    "padded",
)
"""The ``kinds`` of ``malformed_credentials``.

The last four are built from the valid key (a server that case-folds, trims or
prefix-matches keys takes them for it): its ASCII letter case swapped (another key
unless the contract says keys are case-insensitive), its last character cut, its last
character repeated, and ``padded``: a space on either side, where the key is a query
parameter only (``?key=%20<key>%20``). A query value is data to the last byte (RFC
3986 section 3.4 strips nothing), so it is another key: 401, as any invalid key. In a
header it is no defect at all: RFC 9110 section 5.5 strips whitespace around a field
value, so ``Bearer <key> `` is the valid header on the wire, and between the scheme and
the token it allows ``1*SP`` (section 11.4; RFC 6750 section 2.1 too), so ``Bearer
<key>`` with two spaces is valid; ``padded`` does not apply there (a tab between the
scheme and the key breaks only the grammar, on the valid key, and no careful team
would promise a 401 for it)."""

_DERIVED: dict[str, Derivation] = {
    "case-changed": "swapcase",
    "truncated": "truncated",
    "extended": "extended",
    "padded": "padded",
}
"""Kinds sending the valid key changed at send time (the probe names the change)."""
_NEED_SCHEME = frozenset({"bare-key", "other-scheme"})
"""Kinds that only mean something when the template has a scheme (``Bearer``)."""
_CARRY_KEY = _NEED_SCHEME | frozenset(_DERIVED)
"""Kinds that send the valid key, or one a lenient target takes for it: a target
ignoring the defect would act on them."""

_OTHER_SCHEMES = ("Token {token}", "Basic {token}", "Bearer: {token}", "ApiKey {token}")
_VISIBLE = st.characters(min_codepoint=0x21, max_codepoint=0x7E)


def _scheme(ctx: ProbeContext) -> str:
    """The scheme of the valid template (``Bearer`` for ``Bearer {token}``)."""
    return re.split(r"\{token(?:_base64)?\}", ctx.credential_template)[0].strip()


def _writes(op: Operation, kind: str) -> bool:
    return op.writes and kind in _CARRY_KEY


def _not_a_name(ctx: ProbeContext) -> frozenset[str]:
    return ctx.secret_fixtures | {ctx.credential}


def _credentials(
    ctx: ProbeContext, kind: str
) -> st.SearchStrategy[tuple[Credential, str]]:
    """Credentials of ``kind`` with their defect text (secret-free)."""
    scheme = _scheme(ctx)
    if kind in _DERIVED:
        how = _DERIVED[kind]
        credential = Credential.of(ctx.credential, ctx.credential_template, derived=how)
        return st.just((credential, f"the valid key with {SHOWN[how]}"))
    if kind == "bare-key":
        return st.just((Credential.of(ctx.credential, "{token}"), "key without scheme"))
    if kind == "other-scheme":
        own = ctx.credential_template.lower()
        others = [t for t in _OTHER_SCHEMES if t.lower() != own]
        return st.sampled_from(others).map(
            lambda t: (
                Credential.of(ctx.credential, t),
                f"valid key under {t.replace('{token}', '<key>')!r}",
            )
        )
    if kind == "empty-token":
        forms = [
            Credential(template=scheme, literal=""),
            Credential(template=f"{scheme} {{token}}", literal=""),
        ]
        return st.sampled_from(forms).map(
            lambda c: (c, f"empty token ({c.template.replace('{token}', '')!r})")
        )
    if kind == "whitespace-token":
        blanks = st.text(alphabet=" \t", min_size=1, max_size=8)
        return blanks.map(
            lambda w: (
                Credential(template=f"{scheme} {{token}}", literal=w),
                f"whitespace-only token {w!r}",
            )
        )
    if kind == "random-token":
        names = _not_a_name(ctx)
        tokens = st.text(alphabet=_VISIBLE, min_size=1, max_size=48)
        return tokens.filter(lambda t: t not in names).map(
            lambda t: (
                Credential(template=ctx.credential_template, literal=t),
                f"random token ({len(t)} chars), no such key",
            )
        )
    return st.uuids(version=4).map(
        lambda u: (
            Credential(template=ctx.credential_template, literal=str(u)),
            "well-formed UUID token that is no key",
        )
    )


def absent_credentials(
    ctx: ProbeContext, operations: Sequence[str], *, allow_writes: bool = True
) -> st.SearchStrategy[Scenario]:
    """The valid request without a credential header: is 'no key' refused?

    One probe per operation: the valid request (its body with fresh
    ``${unique_digits}``) with the credential header or query parameter left out,
    everything else as valid. No setup probe; the one probe is judged. It is a write
    where the operation writes (a target that ignores the missing key would act on
    it), so read-only runs leave those operations out. No parameters.
    """
    cases = plan(
        ctx,
        "absent_credentials",
        operation_ids(ctx, "absent_credentials", operations),
        lambda op: ("absent",),
        allow_writes=allow_writes,
        writes=lambda op, _: op.writes,
    )
    op_ids = [op_id for op_id, _ in cases]

    def build(op_id: str, unique: int) -> Scenario:
        probe = ctx.valid_probe(op_id, unique=unique)
        return (
            replace(
                probe,
                credential=Credential.none(),
                defect="no credential header",
                defect_kind="credential",
            ),
        )

    return st.builds(build, st.sampled_from(op_ids), uniques())


def malformed_credentials(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    kinds: Sequence[str] | None = None,
) -> st.SearchStrategy[Scenario]:
    """The valid request with a malformed credential of one of ``kinds`` (or any).

    Each probe keeps the request valid but for the credential: the kinds
    (``CREDENTIAL_KINDS``) derive the bad value from the valid key or template (the
    scheme word missing or another one, an empty token, the key with its letter case
    changed, one character less or more, and so on), judged alone. ``padded``
    (whitespace around the key) needs a key in a query parameter, and the kinds that
    change the scheme word need a template with one: listed by name where they cannot
    apply they are refused, left out of the default. A key from which a kind can
    derive nothing (no letter to change the case of) leaves that kind out, and the
    clause not-run when nothing is left. Writes where the operation writes.
    """
    chosen = choose_many("kinds", kinds, CREDENTIAL_KINDS, default=CREDENTIAL_KINDS)
    if ctx.credential_query is None:
        # In a header the padded key is the key (RFC 9110 section 5.5).
        if kinds is None:
            chosen = tuple(k for k in chosen if k != "padded")
        elif "padded" in chosen:
            raise BadArgument(
                "kinds=['padded'] needs a key in a query parameter: in a header, "
                "whitespace around the value is not part of it (RFC 9110 section "
                "5.5), so the padded key is the valid key"
            )
    if not _scheme(ctx):
        # A template without a scheme word (``X-API-Key: {token}``, a query key):
        # "no scheme" is the valid form and there is no other scheme to try.
        if kinds is None:
            chosen = tuple(k for k in chosen if k not in _NEED_SCHEME)
        elif _NEED_SCHEME & set(chosen):
            raise BadArgument(
                f"kinds={sorted(_NEED_SCHEME & set(chosen))!r} need a scheme word, "
                f"and the credential template is {ctx.credential_template!r}"
            )
    # This run's key may derive no other key (no letter to change the case of).
    underivable = {
        k: ctx.underivable[h] for k, h in _DERIVED.items() if h in ctx.underivable
    }
    kept = tuple(k for k in chosen if k not in underivable)
    if not kept:
        raise NothingToProbe(
            "malformed_credentials: nothing to probe: "
            + "; ".join(f"{k}: {underivable[k]}" for k in chosen)
        )
    cases = plan(
        ctx,
        "malformed_credentials",
        operation_ids(ctx, "malformed_credentials", operations),
        lambda op: kept,
        allow_writes=allow_writes,
        writes=_writes,
    )

    def scenarios(draw: st.DrawFn) -> Scenario:
        op_id, kind = draw(by_option(cases))
        credential, defect = draw(_credentials(ctx, kind))
        probe = ctx.valid_probe(op_id, unique=draw(uniques()))
        return (
            replace(
                probe,
                credential=credential,
                defect=f"{kind}: {defect}",
                defect_kind="credential",
                writes=_writes(ctx.operation(op_id), kind),
            ),
        )

    return composed(scenarios)


def _other_key(ctx: ProbeContext, fixture: str) -> str:
    """``fixture``, checked to name a key fixture that is not the valid credential."""
    name = text_argument("fixture", fixture)
    if name == ctx.credential:
        raise BadArgument(
            f"fixture={name!r} is the valid credential; name another key fixture"
        )
    if name not in ctx.secret_fixtures:
        known = sorted(ctx.secret_fixtures - {ctx.credential})
        raise BadArgument(
            f"fixture={name!r} is not a key fixture of this profile; known: "
            + (", ".join(known) or "none")
        )
    return name


def fixture_credentials(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    fixture: str,
) -> st.SearchStrategy[Scenario]:
    """The valid request under another fixture's key (unverified, limited role...).

    One probe per operation: the valid request with the credential taken from the
    key fixture ``fixture`` (put where the profile's credential template puts the
    valid key), judged alone. ``fixture`` must name a secret fixture other than the
    valid credential: the valid key itself or a fixture that is no key is refused
    (``BadArgument``, found by ``check-profile``). A run without that fixture's value
    leaves the clause not-run. A write where the operation writes (a target that
    ignores the role would act on it), so left out of read-only runs.
    """
    name = _other_key(ctx, fixture)
    cases = plan(
        ctx,
        "fixture_credentials",
        operation_ids(ctx, "fixture_credentials", operations),
        lambda op: (name,),
        allow_writes=allow_writes,
        writes=lambda op, _: op.writes,
    )
    op_ids = [op_id for op_id, _ in cases]

    def build(op_id: str, unique: int) -> Scenario:
        probe = ctx.valid_probe(op_id, unique=unique)
        return (
            replace(
                probe,
                credential=Credential.of(name, ctx.credential_template),
                defect=f"credential of fixture {name!r}",
                defect_kind="credential",
            ),
        )

    return st.builds(build, st.sampled_from(op_ids), uniques())


def foreign_credentials(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    fixture: str,
) -> st.SearchStrategy[Scenario]:
    """Another account's key (``fixture``) on this account's resource, paired with the
    same key on an id that exists nowhere: to the other account both do not exist,
    and an answer that tells them apart leaks which ids are real (OWASP API Security
    API1, broken object-level authorization).

    The first probe acts on a real resource if the target ignores whose it is: a
    write where the operation writes, left out of read-only runs.
    """
    from .resources import unknown_ids

    name = _other_key(ctx, fixture)
    ids = operation_ids(ctx, "foreign_credentials", operations)
    bare = [i for i in ids if not ctx.operation(i).params("path")]
    if bare:
        raise BadArgument(
            f"foreign_credentials: {', '.join(map(repr, bare))} name no resource in "
            "their path"
        )
    cases = plan(
        ctx,
        "foreign_credentials",
        ids,
        lambda op: ("foreign",),
        allow_writes=allow_writes,
        writes=lambda op, _: op.writes,
    )
    op_ids = [op_id for op_id, _ in cases]
    credential = Credential.of(name, ctx.credential_template)

    def scenarios(draw: st.DrawFn) -> Scenario:
        op_id = draw(st.sampled_from(op_ids))
        op = ctx.operation(op_id)
        unique = draw(uniques())
        valid = ctx.valid_probe(op_id, unique=unique)
        path = op.path
        for param in op.params("path"):
            real = ctx.values.get(param.var or param.name)
            other = draw(unknown_ids(param.schema, real))
            path = path.replace("{" + param.name + "}", str(other))
        theirs = replace(
            valid,
            credential=credential,
            defect=f"this account's resource, under fixture {name!r}'s credential",
            defect_kind="credential",
            writes=op.writes,
        )
        nowhere = replace(
            valid,
            path=path,
            credential=credential,
            defect=f"an id that exists nowhere, under fixture {name!r}'s credential",
            defect_kind="resource",
            writes=False,
        )
        return (theirs, nowhere)

    return composed(scenarios)
