"""The run's exchange log, compact: what the status matrix and cleanup read of each
exchange, never the exchange.

A run of a thousand operations sends tens of thousands of requests; keeping each
whole (request, response, ``curl`` line) grew a run's memory with every request.
Whole exchanges are kept only as evidence: a violation holds its own, and a check
over the whole run keeps what it needs to cite (``checks.headers.UniqueValues``).
"""

from __future__ import annotations

import contextlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterator

from errcontract._http.exchange import Exchange


class ExchangeLog:
    """Each recorded exchange's (operation, status) by seq, and the paths the run
    deleted: a few bytes per request."""

    def __init__(self) -> None:
        self._keys: dict[tuple[str, int], int] = {}
        self._key_list: list[tuple[str, int]] = []
        self._key_of = array("i")  # by seq: index into _key_list, -1 for none
        self.deleted: set[str] = set()
        self.recorded = 0

    def add(self, exchange: Exchange) -> None:
        """Log ``exchange``: its operation and status, a successful DELETE's path."""
        self.recorded += 1
        status = exchange.status
        if status is None:
            return
        if exchange.probe.method == "DELETE" and 200 <= status < 300:
            self.deleted.add(exchange.probe.path)
        key = (exchange.probe.operation, status)
        index = self._keys.get(key)
        if index is None:
            index = self._keys[key] = len(self._key_list)
            self._key_list.append(key)
        missing = exchange.seq + 1 - len(self._key_of)
        if missing > 0:
            self._key_of.extend([-1] * missing)
        self._key_of[exchange.seq] = index

    def _key(self, seq: int) -> tuple[str, str] | None:
        index = self._key_of[seq] if 0 <= seq < len(self._key_of) else -1
        if index < 0:
            return None
        op, status = self._key_list[index]
        return op, str(status)

    def provoked(self) -> Counter[tuple[str, str]]:
        """Answered exchanges by (operation, status)."""
        counts: Counter[tuple[str, str]] = Counter()
        for seq in range(len(self._key_of)):
            key = self._key(seq)
            if key is not None:
                counts[key] += 1
        return counts

    def among(self, seqs: set[int]) -> Counter[tuple[str, str]]:
        """The logged exchanges of ``seqs`` by (operation, status)."""
        return Counter(k for k in map(self._key, seqs) if k is not None)


class Holding:
    """Exchanges held back from the log while a block runs, handed on in the order
    they landed when flushed: the coverage phase logs and judges one example while
    the next one's request is on the wire (``Client.meanwhile``)."""

    def __init__(self, record: Callable[[Exchange], None]) -> None:
        self._record = record
        self._held: list[Exchange] | None = None

    def take(self, exchange: Exchange) -> bool:
        """Hold ``exchange`` if a block is holding (``True``), else leave it."""
        if self._held is None:
            return False
        self._held.append(exchange)
        return True

    @contextlib.contextmanager
    def block(self) -> Iterator[None]:
        """Hold what lands within; whatever is still held is handed on at its end."""
        self._held = []
        try:
            yield
        finally:
            self.flush()
            self._held = None

    def flush(self) -> None:
        """Hand on what is held, in order."""
        held = self._held
        while held:
            self._record(held.pop(0))
