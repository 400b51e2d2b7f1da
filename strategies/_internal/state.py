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
    """A valid create, then the identical create: is the duplicate refused?

    A scenario of two: the valid request with ``${unique_digits}`` drawn once for
    the scenario, sent as a ``setup`` probe (it makes the resource; its answer is not
    judged), then the very same request again, byte for byte with the same digits,
    which is the probe judged (e.g. ``expect: 409``). A request without
    ``${unique_digits}`` in its body repeats the same values anyway; one with it
    conflicts only because the digits are reused. Both change state, so the family
    never runs read-only. No parameters.
    """
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
    """A valid action, then the same action again: is the repeat refused?

    A scenario of two identical requests (one ``${unique_digits}`` for both): the
    first is a ``setup`` probe that performs the action (authorize, cancel, delete)
    and is not judged; only the repeat is (e.g. ``expect: 409``, or 404 for a second
    DELETE). The first acts on the run's real resource (a DELETE removes the
    discovered id), so name operations whose resource the run can spare. Never
    read-only. No parameters.
    """
    return _twice(
        ctx,
        "repeated_actions",
        operations,
        allow_writes=allow_writes,
        defect="same action repeated (the setup probe did it)",
    )
