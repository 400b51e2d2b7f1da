"""The garbage collector settled for a run's sending: what is alive once the run has
started is kept out of its collections, and young objects are collected less often.

A run keeps what it started with to its end (imports, the profile, its documents,
the drawn plan): Python's collector walked all of it again at every full collection,
and collected the young generation every 700 allocations, while each request makes
a few hundred objects. On the generated API of 300 operations the sending process
spent about a second of its eight in the collector; frozen and with a young
generation of ``YOUNG`` objects, a quarter of that. Reference counting frees what
it always freed; only cycles among the frozen objects wait for the run's end.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

YOUNG = 10_000
"""Allocations (less deallocations) between two collections of the young generation
while the run sends (Python's default: 700)."""


@contextlib.contextmanager
def settled_heap() -> Iterator[None]:
    """Within the block, the objects alive at its start are frozen out of the
    collector and the young generation is ``YOUNG``; both restored after it."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(YOUNG, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
