"""Tenant probes: the tenant header absent, unknown, or an existing foreign tenant.

Only the tenant header changes; the credential and the rest stay valid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from hypothesis import strategies as st

from errcontract._contract.surface import ProbeContext
from errcontract.exceptions import BadArgument, NothingToProbe

from .common import (
    Scenario,
    operation_ids,
    plan,
    text_argument,
    uniques,
    with_header,
    without_header,
)


def _header(ctx: ProbeContext, family: str) -> str:
    if not ctx.tenant_header:
        raise BadArgument(f"{family}: this profile has no tenant header")
    return ctx.tenant_header


def _scoped_ids(ctx: ProbeContext, family: str, operations: Sequence[str]) -> list[str]:
    """The operation ids, all of which must require the tenant header."""
    header = _header(ctx, family)
    ids = operation_ids(ctx, family, operations)
    loose = [op_id for op_id in ids if not ctx.tenant_scoped(op_id)]
    if loose:
        raise BadArgument(
            f"{family}: operations {', '.join(map(repr, loose))} do not require the "
            f"{header!r} header; a tenant value there is no defect"
        )
    return ids


def _own_tenant(ctx: ProbeContext) -> str:
    return str(ctx.values.get(ctx.tenant_fixture or "", ""))


def _unknown_tenants(ctx: ProbeContext, *avoid: str) -> st.SearchStrategy[str]:
    taken = {_own_tenant(ctx), *avoid}
    return st.uuids(version=4).map(str).filter(lambda u: u not in taken)


def absent_tenants(
    ctx: ProbeContext, operations: Sequence[str], *, allow_writes: bool = True
) -> st.SearchStrategy[Scenario]:
    """The valid request without the tenant header (valid where none is required).

    One probe per operation, judged alone: the valid request without the profile's
    tenant header (``credential_header``'s tenant, else ``tenant``). On an operation
    that is not tenant-scoped the probe carries no defect, so it shows the operation
    answers without one. A write where the operation writes. No parameters.
    """
    header = ctx.tenant_header or "tenant"
    cases = plan(
        ctx,
        "absent_tenants",
        operation_ids(ctx, "absent_tenants", operations),
        lambda op: ("absent",),
        allow_writes=allow_writes,
        writes=lambda op, _: op.writes,
    )
    op_ids = [op_id for op_id, _ in cases]

    def build(op_id: str, unique: int) -> Scenario:
        probe = without_header(ctx.valid_probe(op_id, unique=unique), header)
        if ctx.tenant_scoped(op_id):
            return (
                replace(probe, defect=f"no {header!r} header", defect_kind="tenant"),
            )
        # Not a defect here: shows the operation answers without a tenant.
        return (replace(probe, defect=f"no {header!r} header (not required)"),)

    return st.builds(build, st.sampled_from(op_ids), uniques())


def unknown_tenants(
    ctx: ProbeContext, operations: Sequence[str], *, allow_writes: bool = True
) -> st.SearchStrategy[Scenario]:
    """The valid request naming a random tenant: must look like any non-member one.

    One probe per tenant-scoped operation, judged alone: the valid request with the
    tenant header set to a random value of the tenant's form, never the run's own
    tenant. Never a write (no such tenant exists to act on). An operation the tenant
    header does not scope is refused, as is a profile without a tenant header. No
    parameters.
    """
    header = _header(ctx, "unknown_tenants")
    cases = plan(
        ctx,
        "unknown_tenants",
        _scoped_ids(ctx, "unknown_tenants", operations),
        lambda op: ("unknown",),
        allow_writes=allow_writes,
        writes=lambda op, _: False,
    )
    op_ids = [op_id for op_id, _ in cases]

    def build(op_id: str, unique: int, tenant: str) -> Scenario:
        probe = with_header(ctx.valid_probe(op_id, unique=unique), header, tenant)
        return (
            replace(
                probe,
                defect=f"{header!r} = {tenant} (a random tenant)",
                defect_kind="tenant",
                writes=False,
            ),
        )

    return st.builds(build, st.sampled_from(op_ids), uniques(), _unknown_tenants(ctx))


def paired_tenants(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    fixture: str,
) -> st.SearchStrategy[Scenario]:
    """An existing foreign tenant and a random one, same request: answers must match.

    A scenario of two judged probes: the valid request with the tenant header set to
    the value of ``fixture`` (an existing tenant the caller is no member of), then
    the same request naming a random tenant, for a scenario check to compare (the
    shipped profiles use ``indistinguishable``). ``fixture`` must name a non-secret
    fixture holding a tenant id, not the run's own tenant (else ``BadArgument``); a
    run without its value leaves the clause not-run. The foreign probe is a write
    where the operation writes, so those operations are left out of read-only runs.
    """
    header = _header(ctx, "paired_tenants")
    name = text_argument("fixture", fixture)
    if name in ctx.secret_fixtures:
        raise BadArgument(f"fixture={name!r} is a secret; a tenant is not")
    ids = _scoped_ids(ctx, "paired_tenants", operations)
    if name not in ctx.values:
        raise NothingToProbe(
            f"paired_tenants: nothing to probe: needs {name!r}, which this run does "
            "not have"
        )
    foreign = str(ctx.values[name])
    if foreign == _own_tenant(ctx):
        raise BadArgument(f"fixture={name!r} is the run's own tenant, not a foreign")
    # The foreign probe acts on an existing tenant: a write where the operation
    # writes. Half a pair leaves nothing to compare, so such operations are dropped.
    cases = plan(
        ctx,
        "paired_tenants",
        ids,
        lambda op: ("pair",),
        allow_writes=allow_writes,
        writes=lambda op, _: op.writes,
    )
    op_ids = [op_id for op_id, _ in cases]

    def build(op_id: str, unique: int, unknown: str) -> Scenario:
        probe = ctx.valid_probe(op_id, unique=unique)
        return (
            replace(
                with_header(probe, header, foreign),
                defect=f"{header!r} = <{name}> (an existing tenant, not a member)",
                defect_kind="tenant",
            ),
            replace(
                with_header(probe, header, unknown),
                defect=f"{header!r} = {unknown} (a tenant that does not exist)",
                defect_kind="tenant",
                writes=False,
            ),
        )

    return st.builds(
        build, st.sampled_from(op_ids), uniques(), _unknown_tenants(ctx, foreign)
    )
