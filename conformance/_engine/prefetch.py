"""Work done ahead on a second thread: the next coverage example is drawn while the
current one is on the wire.

Drawing an example is Python work and sending it is mostly waiting for the target;
one after the other, a run's time was the sum of both. ``Ahead`` computes ``make(item)``
for the items in order on one worker thread, at most ``depth`` items before they are
asked for, and hands the results back in the same order (an exception where ``make``
raised, re-raised when its item is reached), so the consumer's record is the same as
if it had computed them itself. Bounded: the worker stops when the consumer stops
asking (``close``), and never holds more than ``depth`` results.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Generic, TypeVar

Item = TypeVar("Item")
Made = TypeVar("Made")

_POLL_S = 0.05
"""How often a blocked worker looks whether the consumer has stopped."""


class Ahead(Generic[Item, Made]):
    """``make(item)`` for each of ``items``, computed ahead on a worker thread."""

    def __init__(
        self, items: Sequence[Item], make: Callable[[Item], Made], *, depth: int = 4
    ) -> None:
        self._items = items
        self._make = make
        self._done: queue.Queue[tuple[Made | None, BaseException | None]] = queue.Queue(
            maxsize=max(1, depth)
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._work, name="coverage-draw", daemon=True
        )

    def __enter__(self) -> Ahead[Item, Made]:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker (after the item it is on) and wait for it."""
        self._stop.set()
        while self._thread.is_alive():
            # Make room, so a worker blocked on a full queue sees the stop.
            with contextlib.suppress(queue.Empty):
                self._done.get_nowait()
            self._thread.join(_POLL_S)

    def _work(self) -> None:
        for item in self._items:
            if self._stop.is_set():
                return
            try:
                result: tuple[Made | None, BaseException | None] = (
                    self._make(item),
                    None,
                )
            except BaseException as exc:  # handed to the consumer, raised there
                result = (None, exc)
            while not self._stop.is_set():
                try:
                    self._done.put(result, timeout=_POLL_S)
                    break
                except queue.Full:
                    continue

    def __iter__(self) -> Iterator[tuple[Item, Made]]:
        for item in self._items:
            while True:
                try:
                    made, error = self._done.get(timeout=_POLL_S)
                    break
                except queue.Empty:
                    if not self._thread.is_alive() and self._done.empty():
                        raise RuntimeError("the drawing thread ended early") from None
            if error is not None:
                raise error
            yield item, made  # type: ignore[misc]
