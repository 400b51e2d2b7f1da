"""Parameter probes: the valid request without one required query parameter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from hypothesis import strategies as st

from errcontract._contract.surface import Operation, ProbeContext
from errcontract._near import near_miss
from errcontract.exceptions import BadArgument

from .common import (
    Scenario,
    by_option,
    choose_many,
    operation_ids,
    plan,
    uniques,
)
from .openapi import ParameterDefect


def _required(op: Operation) -> list[str]:
    return [p.name for p in op.params("query") if p.required]


def _params(value: object, ops: Sequence[Operation]) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise BadArgument(f"params={value!r} must be a non-empty list of names")
    required = {name for op in ops for name in _required(op)}
    optional = {p.name for op in ops for p in op.params("query")} - required
    for name in value:
        if isinstance(name, str) and name in required:
            continue
        if isinstance(name, str) and name in optional:
            raise BadArgument(
                f"params has {name!r}, an optional query parameter: leaving it out "
                "is no defect"
            )
        hint = near_miss(name, required) if isinstance(name, str) else ""
        raise BadArgument(
            f"params has {name!r}, a required query parameter of none of the "
            f"operations{hint}"
        )
    return tuple(value)


def missing_parameters(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    params: Sequence[str] | None = None,
) -> st.SearchStrategy[Scenario]:
    """The valid request without a required query parameter (all of them if None).

    One judged probe per (operation, required query parameter): the valid request
    without that parameter, never counted a write. ``params`` limits the parameters
    left out to those names, each a required query parameter of one of the
    operations (an optional one is refused: leaving it out is no defect); operations
    with no required query parameter at all are refused.
    """
    ids = operation_ids(ctx, "missing_parameters", operations)
    ops = [ctx.operation(op_id) for op_id in ids]
    names = _params(params, ops)
    if names is None and not any(_required(op) for op in ops):
        raise BadArgument(
            f"missing_parameters: {', '.join(ids)} have no required query parameter"
        )
    # Without a required parameter the request is incomplete, like a body missing a
    # field: a target cannot act on it as meant, so it is not counted as a write.
    cases = plan(
        ctx,
        "missing_parameters",
        ids,
        lambda op: [n for n in _required(op) if names is None or n in names],
        allow_writes=allow_writes,
        writes=lambda op, name: False,
    )

    def build(case: tuple[str, str], unique: int) -> Scenario:
        op_id, name = case
        probe = ctx.valid_probe(op_id, unique=unique)
        return (
            replace(
                probe,
                query=tuple((k, v) for k, v in probe.query if k != name),
                defect=f"required query parameter {name!r} missing",
                defect_kind="parameter",
                field=name,
                writes=False,
            ),
        )

    return st.builds(build, by_option(cases), uniques())


PARAMETER_DEFECTS = ("wrong-type", "invalid")
"""The kinds of ``invalid_parameters``: a value of the wrong type, or of the right
type that breaks a bound, a pattern or an enum."""


def invalid_parameters(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    kinds: Sequence[str] | None = None,
    params: Sequence[str] | None = None,
) -> st.SearchStrategy[Scenario]:
    """The valid request with one query parameter set to a value its schema refuses,
    from Schemathesis' coverage cases (the broken keyword from their metadata).

    One judged probe per defect: the parameter's value replaced, the rest valid,
    never counted a write. ``kinds`` (``PARAMETER_DEFECTS``: a wrong type, a bound,
    a pattern, an enum) limits the keywords broken; ``params`` limits the
    parameters, named as for ``missing_parameters`` (required query parameters).
    Operations with no query parameter whose schema refuses a value of those kinds
    are refused.
    """
    from .openapi import parameter_defects

    chosen = choose_many("kinds", kinds, PARAMETER_DEFECTS, default=PARAMETER_DEFECTS)
    ids = operation_ids(ctx, "invalid_parameters", operations)
    ops = [ctx.operation(op_id) for op_id in ids]
    names = _params(params, ops)
    defects = {
        op_id: [
            d
            for d in parameter_defects(ctx.operation(op_id))
            if d.kind in chosen and (names is None or d.name in names)
        ]
        for op_id in ids
    }
    if not any(defects.values()):
        raise BadArgument(
            f"invalid_parameters: {', '.join(ids)} have no query parameter whose "
            f"schema refuses a value of kind {', '.join(chosen)}"
        )
    # A refused parameter means a refused request: not a write on a conforming target.
    cases = plan(
        ctx,
        "invalid_parameters",
        ids,
        lambda op: defects[op.id],
        allow_writes=allow_writes,
        writes=lambda op, defect: False,
    )

    def build(case: tuple[str, ParameterDefect], unique: int) -> Scenario:
        op_id, defect = case
        probe = ctx.valid_probe(op_id, unique=unique)
        query = [(k, v) for k, v in probe.query if k != defect.name]
        return (
            replace(
                probe,
                query=(*query, (defect.name, defect.value)),
                defect=(
                    f"{defect.kind}: query parameter {defect.name!r} = "
                    f"{defect.value!r} breaks {defect.keyword}"
                ),
                defect_kind="parameter",
                field=defect.name,
                writes=False,
            ),
        )

    return st.builds(build, by_option(cases), uniques())
