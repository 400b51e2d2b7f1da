"""A sliding-window rate limiter with one bucket per company, key or client address."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from . import _contract as c


def bucket_key(headers: Iterable[tuple[bytes, bytes]], client: str | None) -> str:
    """The documented bucket: ``company-id`` (or ``company_id``), else key, else IP."""
    found: dict[bytes, bytes] = {}
    for name, value in headers:
        found.setdefault(name.lower(), value)
    for header in c.COMPANY_HEADERS:
        company = found.get(header.encode("latin-1"), b"").strip()
        if company:  # both spellings, any letter case: one company, one bucket
            return f"company:{company.decode('latin-1').lower()}"
    key = found.get(c.AUTHORIZATION_HEADER.encode("latin-1"), b"").strip()
    if key:
        return f"key:{key.decode('latin-1')}"
    return f"ip:{client or 'unknown'}"


@dataclass
class _Bucket:
    hits: deque[float] = field(default_factory=deque)
    blocked_until: float = 0.0


class SlidingWindowLimiter:
    """Admit ``rate`` requests per second per bucket, counted over a sliding window.

    The window holds ``max(1, floor(rate))`` requests and lasts that many requests'
    worth of time, so an integer rate gets the documented one-second window and a rate
    below one still admits a request now and then. Refused requests do not count.
    ``penalty_s`` (the CD-RATE-2 fault) keeps a bucket blocked that much longer than
    the ``Retry-After`` it advertised when it first refused.
    """

    def __init__(
        self,
        rate: float,
        *,
        penalty_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not rate > 0 or math.isinf(rate):
            raise ValueError(f"rate must be a positive finite number, got {rate!r}")
        self.capacity = max(1, math.floor(rate))
        self.window_s = self.capacity / rate
        self.penalty_s = penalty_s
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def acquire(self, key: str) -> int | None:
        """Count a request in its bucket: ``None`` if admitted, else Retry-After."""
        with self._lock:
            now = self._clock()
            bucket = self._buckets.setdefault(key, _Bucket())
            hits = bucket.hits
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            frees_in = hits[0] + self.window_s - now if hits else 0.0
            retry_after = max(1, math.ceil(frees_in))
            if now < bucket.blocked_until:
                return retry_after
            if len(hits) < self.capacity:
                hits.append(now)
                self._prune(now)
                return None
            if self.penalty_s:
                bucket.blocked_until = now + retry_after + self.penalty_s
            return retry_after

    def _prune(self, now: float) -> None:
        # Bound memory under many distinct buckets: drop the idle ones now and then.
        if len(self._buckets) < 1024:
            return
        idle = [
            key
            for key, b in self._buckets.items()
            if now >= b.blocked_until
            and (not b.hits or b.hits[-1] <= now - self.window_s)
        ]
        for key in idle:
            del self._buckets[key]
