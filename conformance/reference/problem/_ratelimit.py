"""A token-bucket rate limiter with one bucket per credential or client address."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_MAX_IDLE_BUCKETS = 1024


def bucket_key(headers: Iterable[tuple[bytes, bytes]], client: str | None) -> str:
    """The bucket of a request: its credential as sent, else its client address."""
    for name, value in headers:
        if name.lower() == b"authorization" and value.strip():
            return "credential:" + value.strip().decode("latin-1")
    return f"client:{client or 'unknown'}"


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    blocked_until: float = 0.0


class TokenBucketLimiter:
    """Admit ``rate`` requests per second per bucket, bursts up to ``max(1, rate)``.

    A refused request costs nothing, and its ``Retry-After`` is the whole seconds until
    a token is back, so waiting that long always admits the next request. ``penalty_s``
    (the PD-RATE-2 fault) keeps a bucket refused that long after its first refusal,
    whatever ``Retry-After`` promised. ``clock`` is public so tests can move time.
    """

    def __init__(
        self,
        rate: float,
        *,
        penalty_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not (rate > 0 and math.isfinite(rate)):
            raise ValueError(f"rate must be a positive finite number, got {rate!r}")
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.penalty_s = penalty_s
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def acquire(self, key: str) -> int | None:
        """Take a token of ``key``'s bucket: ``None`` if admitted, else Retry-After."""
        with self._lock:
            now = self.clock()
            bucket = self._buckets.get(key)
            if bucket is None:
                self._prune(now)
                bucket = self._buckets[key] = _Bucket(self.capacity, now)
            elapsed = max(0.0, now - bucket.stamp)
            bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.rate)
            bucket.stamp = now
            retry_after = max(1, math.ceil((1.0 - bucket.tokens) / self.rate))
            if now < bucket.blocked_until:
                return retry_after
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            if self.penalty_s:
                bucket.blocked_until = now + self.penalty_s
            return retry_after

    def _prune(self, now: float) -> None:
        # Bound memory under many distinct keys: a bucket refilled to capacity and not
        # blocked is the same as a fresh one, so it can go.
        if len(self._buckets) < _MAX_IDLE_BUCKETS:
            return
        idle = [
            key
            for key, b in self._buckets.items()
            if now >= b.blocked_until
            and b.tokens + (now - b.stamp) * self.rate >= self.capacity
        ]
        for key in idle:
            del self._buckets[key]
