"""The coverage phase's shortcuts change the time a coverage cell takes, never the
probe it sends: its direct draw of Hypothesis' simplest example, and the example read
off the strategy without Hypothesis (``plain_simplest``), give the very example
Hypothesis' engine gives, for every family, kind and operation, and a family built for
that one example (``first_example_only``) gives the same one, or (invalid_bodies without
its fuzzed pool) a break of the same kind."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import assume
from hypothesis import strategies as st

from errcontract._contract.surface import ProbeContext
from errcontract._engine.examples import coverage_seed, draw_one, engine_draw, simplest
from errcontract._engine.plain_draw import NOT_PLAIN, plain_simplest
from errcontract.exceptions import BadArgument
from errcontract.strategies import FAMILIES, NothingToProbe, first_example_only
from errcontract.strategies._internal import common, lenient


def _cells(ctx: ProbeContext) -> list[tuple[str, str, str | None]]:
    """(family, operation, kind) for every family callable without parameters."""
    cells = []
    for name, family in sorted(FAMILIES.items()):
        if family.required:
            continue
        for op in sorted(ctx.operations):
            for kind in family.coverage_kinds({}) or (None,):
                cells.append((name, op, kind))
    return cells


@pytest.mark.parametrize("fixture", ["cardda", "synthetic"])
def test_the_direct_draw_is_the_engines_first_example(
    fixture: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx: ProbeContext = request.getfixturevalue(fixture)
    compared, fell_back, built, plain, plain_lean = 0, 0, 0, 0, 0
    for name, op, kind in _cells(ctx):
        family = FAMILIES[name]
        try:
            strategy = family(ctx, [op], **family.restricted({}, kind))
        except (NothingToProbe, BadArgument):
            continue
        at = coverage_seed(name, op, kind)
        # The fresh digits' per-process serial restarts for each draw: two draws
        # of one example differ in it by design.
        monkeypatch.setattr(common, "_SERIAL", itertools.count(7))
        fast = simplest(strategy, at)
        if fast is None:
            fell_back += 1
            continue
        monkeypatch.setattr(common, "_SERIAL", itertools.count(7))
        assert fast == engine_draw(strategy, at), (name, op, kind)
        monkeypatch.setattr(common, "_SERIAL", itertools.count(7))
        walked = plain_simplest(strategy)
        if walked is not NOT_PLAIN:
            assert walked == fast, (name, op, kind)
            plain += 1
        with first_example_only():
            lean = family(ctx, [op], **family.restricted({}, kind))
            monkeypatch.setattr(common, "_SERIAL", itertools.count(7))
            first = simplest(lean, at)
            monkeypatch.setattr(common, "_SERIAL", itertools.count(7))
            lean_walked = plain_simplest(lean)
        assert first is not None, (name, op, kind)
        # The coverage phase walks the lean build: its example is the same too.
        assert lean_walked is NOT_PLAIN or lean_walked == first, (name, op, kind)
        plain_lean += lean_walked is not NOT_PLAIN
        if first != fast:
            # Only invalid_bodies leaves its fuzzed pool out, and only where no
            # coverage case of the kind leads: the cell then sends the break built
            # from the field's valid value, of the same kind.
            assert name == "invalid_bodies", (name, op, kind)
            assert first[0].defect.endswith(f"({lenient.BUILT})"), first[0].defect
            assert f"({kind})" in first[0].defect, (first[0].defect, kind)
            assert first[0].defect_kind == fast[0].defect_kind
            built += 1
        compared += 1
    # Most cells take the fast path: a direct draw that never succeeded would
    # compare nothing.
    assert compared > 50
    assert fell_back < compared
    assert built < compared / 10
    # The walk answers for most cells (else the coverage phase gains nothing).
    assert plain > compared * 0.8, (plain, compared)
    assert plain_lean > compared * 0.9, (plain_lean, compared)


@st.composite
def _assumed(draw: st.DrawFn) -> int:
    value = draw(st.integers(0, 100))
    assume(value > 5)
    return value


@pytest.mark.parametrize(
    "strategy",
    [st.integers(0, 100).filter(lambda v: v % 7 == 6), _assumed()],
    ids=["filter", "assume"],
)
def test_a_rejected_simplest_example_falls_back_to_the_engine(
    strategy: st.SearchStrategy[int],
) -> None:
    assert simplest(strategy, 1) is None  # type: ignore[arg-type]
    drawn = draw_one(strategy, 1)  # type: ignore[arg-type]
    assert drawn is not None
    assert drawn > 5  # type: ignore[operator]


@pytest.mark.parametrize("fixture", ["cardda", "synthetic"])
def test_one_fuzz_example_is_one_the_coverage_phase_sent(
    fixture: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one example per operation, the fuzz phase would draw the family's
    simplest example, unrestricted: it is one of the coverage cells' examples, so
    the fuzz phase is left out then (``_engine/execute``) and nothing goes unsent."""
    ctx: ProbeContext = request.getfixturevalue(fixture)
    compared = 0
    for name, family in sorted(FAMILIES.items()):
        if family.required:
            continue
        for op in sorted(ctx.operations):
            try:
                whole = family(ctx, [op])
            except (NothingToProbe, BadArgument):
                continue
            monkeypatch.setattr(common, "_SERIAL", itertools.count(7))
            first = draw_one(whole, 1)
            cells = []
            for kind in family.coverage_kinds({}) or (None,):
                try:
                    strategy = family(ctx, [op], **family.restricted({}, kind))
                except (NothingToProbe, BadArgument):
                    continue
                monkeypatch.setattr(common, "_SERIAL", itertools.count(7))
                cells.append(draw_one(strategy, 1))
            assert first in cells, (name, op)
            compared += 1
    assert compared > 50


_SHAPES: list[st.SearchStrategy[object]] = [
    st.integers(),
    st.integers(3, 9),
    st.integers(-9, -3),
    st.integers(min_value=-5),
    st.text(min_size=2),
    st.text(alphabet=" \t", min_size=1, max_size=8),
    st.lists(st.integers(1, 4), min_size=3),
    st.sampled_from(["a", "b"]).map(str.upper),
    st.sampled_from(["a", "b"]) | st.characters(categories=["Cc"]),
    st.builds(dict, a=st.just(1), b=st.integers(2, 5)),
    st.tuples(st.shared(st.integers(4, 8), key="k"), st.shared(st.integers(), key="k")),
    st.integers(0, 10).flatmap(lambda n: st.lists(st.just(n), min_size=n + 1)),
    st.integers(0, 100).filter(lambda v: v < 50),
    st.uuids(),
    st.lists(st.uuids(), min_size=2),
    st.randoms(use_true_random=True).map(lambda r: r.random()),
    st.one_of(st.integers(3, 9), st.text()),
]


@pytest.mark.parametrize("strategy", _SHAPES, ids=repr)
def test_the_plain_walk_is_the_simplest_draw(
    strategy: st.SearchStrategy[object],
) -> None:
    walked = plain_simplest(strategy)
    assert walked is not NOT_PLAIN
    assert walked == simplest(strategy, 1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "strategy",
    [
        st.integers(0, 100).filter(lambda v: v % 7 == 6),
        _assumed(),
        st.randoms().map(lambda r: r.random()),
        st.nothing() | st.just(1),
    ],
    ids=["filter", "assume", "randoms", "one-of-maybe-empty"],
)
def test_what_the_walk_cannot_tell_goes_to_hypothesis(
    strategy: st.SearchStrategy[object],
) -> None:
    assert plain_simplest(strategy) is NOT_PLAIN
    assert draw_one(strategy, 1) is not None  # type: ignore[arg-type]
