"""State probes: a valid request made twice, where the second must conflict.

Both probes change state on the target, so these families never run read-only. The
``unique`` number is drawn once per scenario: the two requests are identical, and
differ from every other scenario's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from hypothesis import strategies as st

from errcontract._contract.surface import ProbeContext

from .common import Scenario, operation_ids, plan, uniques


def _twice(
    ctx: ProbeContext,
    family: str,
    operations: Sequence[str],
    *,
    allow_writes: bool,
    defect: str,
) -> st.SearchStrategy[Scenario]:
    cases = plan(
        ctx,
        family,
        operation_ids(ctx, family, operations),
        lambda op: ("twice",),
        allow_writes=allow_writes,
        writes=lambda op, _: True,
    )
    op_ids = [op_id for op_id, _ in cases]

    def build(op_id: str, unique: int) -> Scenario:
        valid = replace(ctx.valid_probe(op_id, unique=unique), writes=True)
        return (
            replace(valid, role="setup"),
            replace(valid, defect=defect, defect_kind="state"),
        )

    return st.builds(build, st.sampled_from(op_ids), uniques())


def duplicate_creates(
    ctx: ProbeContext, operations: Sequence[str], *, allow_writes: bool = True
) -> st.SearchStrategy[Scenario]:
    """A valid create, then the identical create: is the duplicate refused?"""
    return _twice(
        ctx,
        "duplicate_creates",
        operations,
        allow_writes=allow_writes,
        defect="identical create repeated (the setup probe made it)",
    )


def repeated_actions(
    ctx: ProbeContext, operations: Sequence[str], *, allow_writes: bool = True
) -> st.SearchStrategy[Scenario]:
    """A valid action, then the same action again: is the repeat refused?"""
    return _twice(
        ctx,
        "repeated_actions",
        operations,
        allow_writes=allow_writes,
        defect="same action repeated (the setup probe did it)",
    )
