"""What every probe family shares: the scenario type, the errors, argument checks,
the choice of operations (buildable, read-only) and fresh ``unique`` numbers.

Two kinds of refusal, both raised when a factory is called, never at draw time:

* ``BadArgument`` (an ``InvalidArgument`` and a ``ValueError``): the call can never
  work, whatever the run (an unknown operation id, an unknown kind, a field no operation
  has). These are catalog or programming errors.
* ``NothingToProbe``: the call is fine, but this run leaves nothing to probe (values
  missing, writes forbidden). The suite reports the clause not-run with the reason.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Collection, Hashable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

from errcontract._contract.surface import Operation, ProbeContext
from errcontract._http.probe import Probe
from errcontract._near import near_miss
from errcontract.exceptions import BadArgument, MissingValue, NothingToProbe

Scenario = tuple[Probe, ...]
"""Probes sent in order; ``role="setup"`` ones precede the judged ones."""

T = TypeVar("T", bound=Hashable)
V = TypeVar("V")


class StrategyFactory(Protocol):
    """How the suite calls a family: context, operation ids, read-only flag, params."""

    def __call__(
        self,
        ctx: ProbeContext,
        operations: Sequence[str],
        *,
        allow_writes: bool = True,
        **params: Any,
    ) -> st.SearchStrategy[Scenario]: ...


_FIRST_ONLY: ContextVar[bool] = ContextVar("first_example_only", default=False)


@contextmanager
def first_example_only() -> Iterator[None]:
    """While open, the strategies built are drawn for their simplest example only
    (the coverage phase): a family may leave out pools that only later examples
    draw from, provided the simplest example stays the same."""
    token = _FIRST_ONLY.set(True)
    try:
        yield
    finally:
        _FIRST_ONLY.reset(token)


def drawn_first_only() -> bool:
    """Whether ``first_example_only`` is open."""
    return _FIRST_ONLY.get()


def choose(name: str, value: object, allowed: Collection[str]) -> str:
    """``value`` if it is one of ``allowed``, else a ``BadArgument`` naming ``name``."""
    if not isinstance(value, str) or value not in allowed:
        hint = near_miss(value, allowed) if isinstance(value, str) else ""
        raise BadArgument(
            f"{name}={value!r} is not one of {', '.join(sorted(allowed))}{hint}"
        )
    return value


def choose_many(
    name: str, values: object, allowed: Sequence[str], *, default: Sequence[str]
) -> tuple[str, ...]:
    """A non-empty list of ``allowed`` names (``default`` when ``None``)."""
    if values is None:
        return tuple(default)
    if isinstance(values, str) or not isinstance(values, Sequence) or not values:
        raise BadArgument(f"{name}={values!r} must be a non-empty list of names")
    return tuple(dict.fromkeys(choose(name, v, allowed) for v in values))


def text_argument(name: str, value: object) -> str:
    """``value`` if it is a non-empty string, else a ``BadArgument`` naming ``name``."""
    if not isinstance(value, str) or not value:
        raise BadArgument(f"{name}={value!r} must be a non-empty string")
    return value


def operation_ids(ctx: ProbeContext, family: str, operations: object) -> list[str]:
    """The operation ids, checked against the context's operations."""
    if (
        isinstance(operations, str)
        or not isinstance(operations, Sequence)
        or not operations
    ):
        raise BadArgument(
            f"{family}: operations={operations!r} must be a non-empty list of "
            "operation ids"
        )
    for op_id in operations:
        if not isinstance(op_id, str) or op_id not in ctx.operations:
            hint = near_miss(op_id, ctx.operations) if isinstance(op_id, str) else ""
            raise BadArgument(
                f"{family}: operations has unknown operation {op_id!r}{hint}; known: "
                + ", ".join(sorted(ctx.operations))
            )
    return list(dict.fromkeys(operations))


_KEPT = 4096
_kept: dict[tuple[int, Hashable], tuple[ProbeContext, Any]] = {}
"""``per_context``'s answers by context (its identity, the context kept alongside so
the identity is not reused while kept) and key."""


def per_context(ctx: ProbeContext, key: Hashable, make: Callable[[], V]) -> V:
    """``make()``, once per context and ``key``: every coverage cell of an operation
    asks the same of it (once per kind), and a run has one context at a time."""
    where = (id(ctx), key)
    kept = _kept.get(where)
    if kept is None or kept[0] is not ctx:
        if len(_kept) >= _KEPT:
            _kept.clear()  # bounded
        kept = _kept[where] = (ctx, make())
    value: V = kept[1]
    return value


def unbuildable(ctx: ProbeContext, op_id: str) -> str | None:
    """Why no valid request to ``op_id`` can be built in this run, or ``None``."""
    return per_context(
        ctx, ("unbuildable", op_id), lambda: _why_unbuildable(ctx, op_id)
    )


def _why_unbuildable(ctx: ProbeContext, op_id: str) -> str | None:
    missing = sorted(ctx.operation(op_id).needed_vars() - set(ctx.values))
    if missing:
        return f"{op_id} needs {', '.join(map(repr, missing))}"
    try:
        # can_build does not cover the tenant value; building once does.
        ctx.valid_probe(op_id)
    except MissingValue as exc:
        return f"{op_id} needs {exc.name!r}"
    return None


def plan(
    ctx: ProbeContext,
    family: str,
    operations: Sequence[str],
    options: Callable[[Operation], Sequence[T]],
    *,
    allow_writes: bool,
    writes: Callable[[Operation, T], bool],
) -> list[tuple[str, T]]:
    """Every (operation, option) this run can probe, or ``NothingToProbe`` saying why.

    ``options`` lists what the family can do to one operation (kinds, fields...);
    ``writes`` says whether that probe would change state if the target ignored its
    defect, so read-only runs leave it out.
    """
    cases: list[tuple[str, T]] = []
    reasons: list[str] = []
    read_only: list[str] = []
    for op_id in operations:
        op = ctx.operation(op_id)
        why = unbuildable(ctx, op_id)
        if why is not None:
            reasons.append(f"{why}, which this run does not have")
            continue
        possible = options(op)
        kept = [o for o in possible if allow_writes or not writes(op, o)]
        if possible and not kept:
            read_only.append(op_id)
        cases.extend((op_id, o) for o in kept)
    if not cases:
        if read_only:
            reasons.append(
                f"{', '.join(read_only)} would change state and this run is read-only"
            )
        raise NothingToProbe(
            f"{family}: nothing to probe: {'; '.join(reasons) or 'no case applies'}"
        )
    return cases


@st.composite
def _composed(draw: st.DrawFn, body: Callable[[st.DrawFn], T]) -> T:
    return body(draw)


def composed(body: Callable[[st.DrawFn], T]) -> st.SearchStrategy[T]:
    """``st.composite(body)()``, with ``body`` left undecorated: the decoration reads
    the function's source (to warn of an unused ``draw``) and rebuilds its signature,
    and a family builds its composite anew for every coverage cell, so that was a
    tenth of the drawing thread's time on a large API. The draws are the same."""
    return _composed(body)


def by_option(cases: Sequence[tuple[str, T]]) -> st.SearchStrategy[tuple[str, T]]:
    """Draw the option first (so every kind shows up early), then an operation.

    One case (a coverage cell) is that case: the same value as the flatmap below
    draws, without building its strategies for every cell (through Hypothesis'
    strategy cache, a tenth of the drawing process's time at 300 operations)."""
    if len(cases) == 1:
        op_id, option = cases[0]
        return st.just((op_id, option))
    grouped: dict[T, list[str]] = {}
    for op_id, option in cases:
        grouped.setdefault(option, []).append(op_id)
    return st.sampled_from(list(grouped)).flatmap(
        lambda option: st.tuples(st.sampled_from(grouped[option]), st.just(option))
    )


_SERIAL = itertools.count(time.time_ns() // 1000 % 1_000_000)


def serial_now() -> int:
    """Where this process's serial for ``${unique_digits}`` stands (and moves it on)."""
    return next(_SERIAL)


def restart_serial(start: int) -> None:
    """Start this process's serial at ``start``: a drawing process keeps its unique
    digits apart from those of the run that started it."""
    global _SERIAL
    _SERIAL = itertools.count(start % 1_000_000)


def _fresh(drawn: int) -> int:
    # Six digits Hypothesis chooses, six from a per-process serial: creates never
    # collide with each other in a run, even when Hypothesis replays an example.
    return next(_SERIAL) % 1_000_000 * 1_000_000 + drawn


def uniques() -> st.SearchStrategy[int]:
    """Numbers for ``${unique_digits}``: 12 digits, distinct for every draw."""
    return st.integers(min_value=0, max_value=999_999).map(_fresh)


def without_header(probe: Probe, name: str) -> Probe:
    """``probe`` without header ``name`` (case-insensitive)."""
    lowered = name.lower()
    kept = tuple((k, v) for k, v in probe.headers if k.lower() != lowered)
    return replace(probe, headers=kept)


def with_header(probe: Probe, name: str, value: str) -> Probe:
    """``probe`` with header ``name`` set to ``value``."""
    stripped = without_header(probe, name)
    return replace(stripped, headers=(*stripped.headers, (name, value)))
