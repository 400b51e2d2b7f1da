"""One coverage example: its fixed seed, and its draw, cheapest way first.

A coverage cell's example is the one Hypothesis' engine would try first for the
cell's strategy, from a seed fixed by clause, operation and kind (never ``--seed``,
so every profile and seed sends the same probes). ``draw_one`` gets it by reading it
off the strategy (``plain_simplest``), else by drawing Hypothesis' simplest choices,
else from the engine; the three agree (``test_simplest_draw``).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from random import Random
from typing import cast

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st

from errcontract._engine.plain_draw import NOT_PLAIN, plain_simplest
from errcontract.strategies import Scenario

COVERAGE_SETTINGS = settings(
    max_examples=1,
    database=None,
    deadline=None,
    derandomize=False,
    phases=(Phase.generate,),
    suppress_health_check=list(HealthCheck),
    verbosity=Verbosity.quiet,
    print_blob=False,
)
"""One example, generated (Hypothesis starts from the simplest), never shrunk."""


def keyless(test: Callable[[], None]) -> Callable[[], None]:
    """``test`` (a ``@given`` test) with no example-database key.

    The suite keeps no example database, yet Hypothesis derives the key from the
    test function's source text (``inspect.getsource``) on every call unless the
    test names one: at one small test per coverage cell that was a tenth of a
    run's time. ``None`` is what Hypothesis itself uses when a seed is forced.
    """
    test._hypothesis_internal_database_key = None  # type: ignore[attr-defined]
    return test


def coverage_seed(clause_id: str, operation: str, kind: str | None) -> int:
    """The fixed seed of one coverage example."""
    return zlib.crc32(f"coverage:{clause_id}:{operation}:{kind or '*'}".encode())


def simplest(strategy: st.SearchStrategy[Scenario], at: int) -> Scenario | None:
    """The first example Hypothesis' engine would try (its "simplest" choices),
    drawn without starting the engine; ``None`` when it cannot be drawn that way.

    A ``@given`` test per coverage cell spent most of its time setting the engine
    up for the one example it always tries first. This draws that example directly,
    in a build context as the engine does; anything it cannot take (the simplest
    choices rejected, an internal API that moved) falls back to the engine, so the
    example is the same either way (``test_coverage_phase`` compares the two).
    """
    try:
        from hypothesis.control import BuildContext
        from hypothesis.errors import StopTest, UnsatisfiedAssumption
        from hypothesis.internal.conjecture.choice import ChoiceTemplate
        from hypothesis.internal.conjecture.data import ConjectureData, Status
    except ImportError:  # pragma: no cover - a Hypothesis that moved them
        return None
    try:
        data = ConjectureData.for_choices(
            (ChoiceTemplate("simplest", count=None),), random=Random(at)
        )
        with BuildContext(data, is_final=False, wrapped_test=simplest):
            value = data.draw(strategy)
    except (StopTest, UnsatisfiedAssumption, TypeError):
        return None
    if data.status is not Status.VALID:
        return None
    return value


def draw_one(strategy: st.SearchStrategy[Scenario], at: int) -> Scenario | None:
    """One example of ``strategy`` from seed ``at``; ``None`` if none could be drawn.

    The same example three ways, cheapest first: read off the strategy
    (``plain_simplest``), drawn from simplest choices, or by Hypothesis' engine."""
    plain = plain_simplest(strategy)
    if plain is not NOT_PLAIN:
        return cast(Scenario, plain)
    fast = simplest(strategy, at)
    return fast if fast is not None else engine_draw(strategy, at)


def engine_draw(strategy: st.SearchStrategy[Scenario], at: int) -> Scenario | None:
    """One example of ``strategy`` from seed ``at`` by Hypothesis' engine."""
    found: list[Scenario] = []

    def keep(scenario: Scenario) -> None:
        if not found:
            found.append(scenario)

    test = keyless(COVERAGE_SETTINGS(seed(at)(given(strategy)(keep))))
    test()
    return found[0] if found else None
