"""The collector settled while a run sends (``_engine/heap``)."""

from __future__ import annotations

import gc
import weakref

from errcontract._engine.heap import YOUNG, settled_heap


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_what_lives_before_is_frozen_and_everything_is_restored_after() -> None:
    before = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    old = _cycle()  # garbage made before the block: frozen with the rest
    with settled_heap():
        assert gc.get_freeze_count() > frozen_before
        assert gc.get_threshold()[0] == max(YOUNG, before[0])
        gc.collect()
        assert old() is not None, "a frozen cycle was collected"
        young = _cycle()
        gc.collect()
        assert young() is None, "a cycle made while sending was not collected"
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert old() is None, "the frozen cycle outlived the block"
