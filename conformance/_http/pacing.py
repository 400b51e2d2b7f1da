"""Pacing: each rate-limit bucket kept within the target's limit, the run under max_rps.

Two rules per bucket. A *window guard* makes the promise exact whatever the latency or
the alignment of the target's window: a request counts from the moment it is sent
until one window after its answer came back, and a new one goes out only while fewer
than ``capacity`` count. The target sees a request between those two instants, so in
any window of the target's own clock it sees at most ``capacity`` of ours. A *token
bucket* refilled at ``fraction`` of the limit spaces steady traffic evenly, and lets a
bucket that sat idle (while other buckets, Hypothesis or setup had the time) catch up
by up to one window's worth, so pacing costs little more than the limit itself.

Unpaced requests (the rate-limit burst) never wait but are counted by the guard: the
target counts them too. ``max_rps`` spaces paced requests of all buckets together.
How many requests may be in flight to keep that pace is ``auto_workers``.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

# While a request still in flight holds the window, look again this often.
_POLL_S = 0.02
# Each round sleeps until a slot frees (or one poll); in-flight requests end at the
# client's whole-request deadline, so this cap is never reached by a working client.
_MAX_ROUNDS = 100_000
# A wait shorter than this is no wait: the clock may not even move that little.
_EPSILON_S = 1e-6
# Many distinct buckets (random company ids) are forgotten once idle, past this many.
_MAX_BUCKETS = 1024
AUTO_WORKERS = 8
"""The most requests in flight a run chooses itself (``--workers`` may ask more)."""
ROUND_TRIPS = 16
"""Round trips measured (the first requests sent alone) to choose it from."""
BUSY_TRIP_S = 0.025
"""A target answering within this gets one request in flight: the suite's own work
on each request is a millisecond or so, and a loaded CI machine's loopback can take
ten; more in flight would not go faster, only leave the target's log to chance."""


def auto_workers(pace: float | None, round_trips: Sequence[float]) -> int:
    """How many requests in flight keep ``pace`` (requests a second, ``None``: no
    cap) at the median of ``round_trips`` (Little's law: in flight = rate x time),
    1 to ``AUTO_WORKERS``; 1 with nothing measured. A loopback target or a limit
    of a few a second needs one; a slow staging with room under its limit more."""
    trip = statistics.median(round_trips) if round_trips else 0.0
    if trip < BUSY_TRIP_S:
        return 1
    if pace is None:
        return AUTO_WORKERS
    needed = math.ceil(pace * trip)
    return max(1, min(AUTO_WORKERS, needed))


def bucket_of(rules: Sequence[str], headers: Sequence[tuple[str, str]]) -> str:
    """The rate-limit bucket a request falls in, by the profile's documented rules.

    Rules are tried in order: ``header:<name>`` matches when the request carries that
    header (one bucket per value), ``client`` matches always.
    """
    lowered = {k.lower(): v for k, v in headers}
    for rule in rules:
        kind, _, name = rule.partition(":")
        if kind == "header" and lowered.get(name.lower()):
            return f"{name.lower()}={lowered[name.lower()]}"
        if kind == "client":
            return "client"
    return "client"


@dataclass(eq=False)
class Slot:
    """One request as the guard counts it: sent, and answered (``None``: in flight)."""

    sent_at: float
    answered_at: float | None = None


@dataclass
class _Bucket:
    tokens: float
    updated_at: float
    slots: deque[Slot] = field(default_factory=deque)


class Pacer:
    """Decides when a request may go: never more than the limit in any window."""

    def __init__(
        self,
        *,
        limit: float | None,
        fraction: float = 0.95,
        max_rps: float = 0.0,
        max_in_flight_s: float = 60.0,
    ) -> None:
        if limit is not None and not (limit >= 0 and math.isfinite(limit)):
            raise ValueError(f"limit must be a finite number >= 0, got {limit!r}")
        if not 0 < fraction <= 1:
            raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
        self.limit = limit or None
        # The documented "N per second" as a whole number of requests per window:
        # 2.5/s allows 2 in any second, 0.5/s allows 1 in any two seconds.
        self.capacity = max(1, math.floor(limit)) if limit else 0
        self.window_s = max(1.0, 1.0 / limit) if limit else 0.0
        self.rate = fraction * limit if limit else 0.0
        self.global_interval_s = 1.0 / max_rps if max_rps > 0 else 0.0
        # A slot not marked answered this long after it was sent (a caller that
        # died) is taken as answered then, so it cannot hold its bucket for ever.
        self.max_in_flight_s = max_in_flight_s
        self._buckets: dict[str, _Bucket] = {}
        self._global_next = 0.0
        self._lock = threading.Lock()

    @contextmanager
    def sending(self, bucket: str, *, wait: bool = True) -> Iterator[Slot]:
        """Hold a slot in ``bucket`` for one request: wait for it, mark it answered."""
        slot = self.acquire(bucket, wait=wait)
        try:
            yield slot
        finally:
            slot.answered_at = time.monotonic()

    def acquire(self, bucket: str, *, wait: bool = True) -> Slot:
        """A slot in ``bucket``, after waiting for it unless ``wait`` is false.

        The caller sets ``answered_at`` when the answer (or the failure) is in.
        """
        for _ in range(_MAX_ROUNDS):
            with self._lock:
                now = time.monotonic()
                state = self._state(bucket, now)
                delay = self._delay(state, now) if wait else 0.0
                if delay <= _EPSILON_S:
                    return self._take(state, now, paced=wait)
            time.sleep(delay)
        raise RuntimeError(f"no slot in bucket {bucket!r} after {_MAX_ROUNDS} rounds")

    # -- under the lock -----------------------------------------------------------

    def _state(self, bucket: str, now: float) -> _Bucket | None:
        if self.limit is None:
            return None
        state = self._buckets.get(bucket)
        if state is None:
            if len(self._buckets) >= _MAX_BUCKETS:
                self._forget_idle(now)
            # A bucket first seen starts with one token, not a full bucket: the
            # target may still count requests of an earlier run in its window.
            state = self._buckets[bucket] = _Bucket(tokens=1.0, updated_at=now)
        refill = (now - state.updated_at) * self.rate
        state.tokens = min(float(self.capacity), state.tokens + refill)
        state.updated_at = now
        # Answers mostly come back in order: drop from the front what no longer
        # counts; one answered out of order waits its turn (counted, to be safe).
        slots = state.slots
        while slots and self._frees_at(slots[0]) <= now:
            slots.popleft()
        return state

    def _frees_at(self, slot: Slot) -> float:
        """When ``slot`` stops counting: one window after its answer came back."""
        answered = slot.answered_at
        if answered is None:
            answered = slot.sent_at + self.max_in_flight_s
        return answered + self.window_s

    def _delay(self, state: _Bucket | None, now: float) -> float:
        delay = self._global_next - now
        if state is None:
            return delay
        if state.tokens < 1:
            delay = max(delay, (1 - state.tokens) / self.rate)
        if len(state.slots) < self.capacity:
            return delay
        frees = sorted(f for s in state.slots if (f := self._frees_at(s)) > now)
        if len(frees) >= self.capacity:
            # Enough of the counting requests must stop counting to free one place;
            # one still in flight may be answered any moment: look again soon.
            first = frees[len(frees) - self.capacity]
            in_flight = any(s.answered_at is None for s in state.slots)
            delay = max(delay, min(first - now, _POLL_S) if in_flight else first - now)
        return delay

    def _take(self, state: _Bucket | None, now: float, *, paced: bool) -> Slot:
        slot = Slot(sent_at=now)
        if state is not None:
            state.slots.append(slot)
            if paced:
                state.tokens -= 1
        if paced and self.global_interval_s:
            # Keep the schedule when the sleep overslept a little, so oversleeping
            # does not add up over a run; after an idle spell start afresh.
            behind = now - self._global_next
            start = self._global_next if behind < self.global_interval_s else now
            self._global_next = start + self.global_interval_s
        return slot

    def _forget_idle(self, now: float) -> None:
        full = float(self.capacity)
        idle = [
            key
            for key, state in self._buckets.items()
            if not any(self._frees_at(s) > now for s in state.slots)
            and state.tokens + (now - state.updated_at) * self.rate >= full
        ]
        for key in idle:
            del self._buckets[key]
