"""Hypothesis' simplest example of a strategy, read off the strategy without Hypothesis'
engine or its per-draw bookkeeping.

A coverage cell needs one example: the one Hypothesis' engine tries first, made of
the simplest choice at every step. ``coverage.simplest`` draws it through a
``ConjectureData`` fed only simplest choices; that is faithful, but for the small
strategies the families build per cell (a ``sampled_from`` of kinds, a ``just`` of
an operation, a ``flatmap``, a ``composite`` that assembles the probe) nine tenths of
its time went to Hypothesis' bookkeeping on strategies built a moment before:
validating them, computing their labels, checking emptiness, recording spans. On a
300-operation API that was half of the drawing thread's time.

``plain_simplest`` walks the same strategy objects and takes the same simplest
choice at each step (the first element of a ``sampled_from``, after its maps; an
integer's value nearest 0 within its bounds; a ``flatmap``'s expansion of its
simplest source; a ``composite`` run with this function as its ``draw``). Anything
else (text, lists, one_of, a filter that rejects the simplest value, an assumption
that fails) is not guessed at: it returns ``NOT_PLAIN`` and the caller takes
Hypothesis' own path. ``tests/strategies/test_simplest_draw.py`` checks on every
family, kind and operation of two contexts that a plain answer is the engine's.
"""

from __future__ import annotations

from typing import Any, Final

from hypothesis.strategies import SearchStrategy

try:  # Hypothesis' internal classes; a Hypothesis that moved them takes its own path
    from hypothesis.control import BuildContext
    from hypothesis.internal.conjecture.choice import ChoiceTemplate, choice_from_index
    from hypothesis.internal.conjecture.data import ConjectureData
    from hypothesis.strategies._internal.collections import ListStrategy, TupleStrategy
    from hypothesis.strategies._internal.core import BuildsStrategy, CompositeStrategy
    from hypothesis.strategies._internal.flatmapped import FlatMapStrategy
    from hypothesis.strategies._internal.lazy import LazyStrategy
    from hypothesis.strategies._internal.numbers import IntegersStrategy
    from hypothesis.strategies._internal.random import RandomStrategy, TrueRandom
    from hypothesis.strategies._internal.shared import SharedStrategy
    from hypothesis.strategies._internal.strategies import (
        FilteredStrategy,
        MappedStrategy,
        OneOfStrategy,
        SampledFromStrategy,
    )
    from hypothesis.strategies._internal.strings import (
        OneCharStringStrategy,
        TextStrategy,
    )
except ImportError:  # pragma: no cover
    SUPPORTED = False
else:
    SUPPORTED = True

NOT_PLAIN: Final = object()
"""``plain_simplest``'s answer when the strategy needs Hypothesis' engine."""

_MAX_DEPTH = 50
"""Nested draws followed before giving up (Hypothesis' own limit is 100)."""

_TEXT_MAX = 10**6
"""A text's size bound when it has none (only the minimum size matters here)."""


class _NotPlain(BaseException):
    """Unwinds a walk (through any ``except Exception`` of a composite's body)."""


def plain_simplest(strategy: SearchStrategy[Any]) -> Any:
    """The simplest example of ``strategy``, or ``NOT_PLAIN``."""
    if not SUPPORTED:  # pragma: no cover
        return NOT_PLAIN
    # A build context as Hypothesis' own draw has (``assume`` in a composite wants
    # one), over simplest choices; nothing here draws from it.
    data = ConjectureData.for_choices((ChoiceTemplate("simplest", count=None),))
    try:
        with BuildContext(data, is_final=False, wrapped_test=plain_simplest):
            return _Walk().draw(strategy, 0)
    except _NotPlain:
        return NOT_PLAIN


class _Walk:
    """One example's walk; ``shared`` holds what ``st.shared`` drew in it, as
    Hypothesis keeps it per example."""

    def __init__(self) -> None:
        self.shared: dict[Any, Any] = {}

    def draw(self, strategy: SearchStrategy[Any], depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise _NotPlain
        kind = type(strategy)
        deeper = depth + 1
        if kind is LazyStrategy:
            return self.draw(strategy.wrapped_strategy, deeper)  # type: ignore[attr-defined]
        if isinstance(strategy, SampledFromStrategy):
            return _first_sampled(strategy)
        if kind is CompositeStrategy:
            return self.composite(strategy, depth)
        if kind is MappedStrategy:
            value = self.draw(strategy.mapped_strategy, deeper)  # type: ignore[attr-defined]
            return _call(strategy.pack, value)  # type: ignore[attr-defined]
        if kind is FlatMapStrategy:
            source = self.draw(strategy.base, deeper)  # type: ignore[attr-defined]
            return self.draw(_call(strategy.expand, source), deeper)  # type: ignore[attr-defined]
        if kind is TupleStrategy:
            parts = strategy.element_strategies  # type: ignore[attr-defined]
            return tuple(self.draw(s, deeper) for s in parts)
        if kind is BuildsStrategy:
            args = [self.draw(s, deeper) for s in strategy.args]  # type: ignore[attr-defined]
            kwargs = {k: self.draw(s, deeper) for k, s in strategy.kwargs.items()}  # type: ignore[attr-defined]
            return _call(strategy.target, *args, **kwargs)  # type: ignore[attr-defined]
        if kind is SharedStrategy:
            key = strategy.key if strategy.key is not None else strategy  # type: ignore[attr-defined]
            if key not in self.shared:
                self.shared[key] = self.draw(strategy.base, deeper)  # type: ignore[attr-defined]
            return self.shared[key]
        if kind is IntegersStrategy:
            return _simplest_integer(strategy.start, strategy.end)  # type: ignore[attr-defined]
        if kind is TextStrategy:
            return _simplest_text(strategy)
        if kind is RandomStrategy:
            return _true_random(strategy)
        if kind is ListStrategy:
            # Its minimum size of simplest elements; then "no more" (False, the
            # simplest boolean) ends it.
            least, most = strategy.min_size, strategy.max_size  # type: ignore[attr-defined]
            if least > most:
                raise _NotPlain
            element = strategy.element_strategy  # type: ignore[attr-defined]
            return [self.draw(element, deeper) for _ in range(least)]
        if kind is OneOfStrategy:
            return self.draw(_first_branch(strategy), deeper)
        if kind is FilteredStrategy:
            value = self.draw(strategy.filtered_strategy, deeper)  # type: ignore[attr-defined]
            # Hypothesis keeps the simplest value when every condition takes it; a
            # rejected one sends it elsewhere, which is not guessed at here.
            if all(_call(f, value) for f in strategy.flat_conditions):  # type: ignore[attr-defined]
                return value
        raise _NotPlain

    def composite(self, strategy: Any, depth: int) -> Any:
        def draw(inner: SearchStrategy[Any], label: Any = None) -> Any:
            if not isinstance(inner, SearchStrategy):
                raise _NotPlain
            return self.draw(inner, depth + 1)

        return _call(strategy.definition, draw, *strategy.args, **strategy.kwargs)


def _first_sampled(strategy: SampledFromStrategy[Any]) -> Any:
    """Index 0 (the simplest choice), through the strategy's own maps and filters;
    a filter that rejects it is left to Hypothesis (which then tries others)."""
    elements = strategy.elements
    if not elements:
        raise _NotPlain
    element = elements[0]
    for name, function, _where in strategy._transformations:
        if name == "map":
            element = _call(function, element)
        elif not _call(function, element):
            raise _NotPlain
    return element


def _first_branch(strategy: Any) -> SearchStrategy[Any]:
    """A ``one_of``'s simplest branch (index 0 of its non-empty branches), where the
    first one given is surely not empty: a ``sampled_from`` without filters. Else
    only Hypothesis knows which branches are empty."""
    first = strategy.original_strategies[0]
    while type(first) is LazyStrategy:
        first = first.wrapped_strategy
    if type(first) is OneOfStrategy:
        return _first_branch(first)
    if isinstance(first, SampledFromStrategy) and all(
        name == "map" for name, _f, _where in first._transformations
    ):
        return first
    if type(first) is IntegersStrategy and (
        first.start is None or first.end is None or first.start <= first.end
    ):
        return first
    raise _NotPlain


def _true_random(strategy: Any) -> Any:
    """``randoms(use_true_random=True)`` (what ``uuids()`` draws from): a seeded
    ``Random`` whose seed is an integer choice, the simplest being 0. The other kind
    draws every call from the choices as it goes: left to Hypothesis."""
    true = getattr(strategy, "_RandomStrategy__use_true_random", None)
    noting = getattr(strategy, "_RandomStrategy__note_method_calls", None)
    if true is not True or not isinstance(noting, bool):
        raise _NotPlain
    seed = _simplest_integer(0, 2**64 - 1)
    return TrueRandom(seed=seed, note_method_calls=noting)  # type: ignore[no-untyped-call]


def _simplest_integer(start: int | None, end: int | None) -> Any:
    """The integer Hypothesis' simplest choice gives (its own ``choice_from_index``)."""
    if start is not None and end is not None and start > end:
        raise _NotPlain
    constraints = {
        "min_value": start,
        "max_value": end,
        "weights": None,
        "shrink_towards": 0,
    }
    return choice_from_index(0, "integer", constraints)  # type: ignore[arg-type]


def _simplest_text(strategy: Any) -> Any:
    """A text of single characters: Hypothesis' simplest string choice."""
    elements = strategy.element_strategy
    while type(elements) is LazyStrategy:
        elements = elements.wrapped_strategy
    if type(elements) is not OneCharStringStrategy:
        raise _NotPlain
    top = strategy.max_size
    constraints = {
        "intervals": elements.intervals,
        "min_size": strategy.min_size,
        "max_size": _TEXT_MAX if top == float("inf") else top,
    }
    if constraints["min_size"] > constraints["max_size"] or not elements.intervals:
        raise _NotPlain
    return choice_from_index(0, "string", constraints)  # type: ignore[arg-type]


def _call(function: Any, *args: Any, **kwargs: Any) -> Any:
    """``function(*args)``; anything it raises (a failed ``assume``, an error the
    engine would report its own way) hands the strategy back to Hypothesis."""
    try:
        return function(*args, **kwargs)
    except _NotPlain:
        raise
    except Exception as exc:
        raise _NotPlain from exc
