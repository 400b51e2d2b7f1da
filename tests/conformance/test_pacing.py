"""The pacer never lets more than the limit into any window of the target's clock.

Unit tests run on a fake clock (``time.monotonic`` and ``time.sleep`` patched); one
test paces a real ``Client`` against a tiny strict limiter on 127.0.0.1 that counts
arrivals on its own clock, after a random delay, as a proxy in front of a target would.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import pytest
from _clock import FakeClock
from hypothesis import given, settings
from hypothesis import strategies as st

from errcontract._http.client import Client, ClientSettings
from errcontract._http.pacing import Pacer, bucket_of
from errcontract._http.probe import Probe


@pytest.fixture
def clock(fake_clock: Callable[[str], FakeClock]) -> FakeClock:
    return fake_clock("errcontract._http.pacing")


def send(pacer: Pacer, clock: Any, bucket: str = "b", latency: float = 0.0):
    """One paced request that takes ``latency`` to answer; its (sent, answered)."""
    with pacer.sending(bucket) as slot:
        clock.now += latency
    assert slot.answered_at is not None
    return slot.sent_at, slot.answered_at


# -- buckets ------------------------------------------------------------------------

RULES = ("header:company-id", "header:authorization", "client")


@pytest.mark.parametrize(
    ("headers", "bucket"),
    [
        ([("Company-Id", "c-1"), ("Authorization", "k")], "company-id=c-1"),
        ([("company-id", ""), ("Authorization", "k")], "authorization=k"),
        ([("Accept", "x")], "client"),
    ],
)
def test_bucket_is_the_first_documented_rule_that_matches(headers, bucket):
    assert bucket_of(RULES, headers) == bucket


def test_bucket_without_a_client_rule_falls_back_to_client():
    assert bucket_of(("header:company-id",), [("Accept", "x")]) == "client"


# -- the token bucket: even spacing, catch-up after idle ----------------------------


def test_a_new_bucket_starts_spaced_not_with_a_burst(clock):
    pacer = Pacer(limit=10, fraction=0.8)
    sent = [send(pacer, clock)[0] for _ in range(4)]

    assert sent[0] == 1000.0
    assert [round(b - a, 9) for a, b in itertools.pairwise(sent)] == [0.125] * 3


def test_an_idle_bucket_catches_up_by_one_window_then_waits_for_the_window(clock):
    """Time spent elsewhere is not lost: after a pause the limit's worth goes at
    once, and the next one waits until the first of them is a window old."""
    pacer = Pacer(limit=10, fraction=0.95)
    send(pacer, clock)
    clock.now += 5.0
    start = clock.now
    sent = [send(pacer, clock, latency=0.002)[0] for _ in range(11)]

    assert sent[:10] == pytest.approx([start + 0.002 * i for i in range(10)])
    assert sent[10] == pytest.approx(start + 0.002 + 1.0)


def test_steady_traffic_runs_at_the_fraction_of_the_limit(clock):
    pacer = Pacer(limit=10, fraction=0.95)
    sent = [send(pacer, clock)[0] for _ in range(40)]

    assert (sent[-1] - sent[0]) / 39 == pytest.approx(1 / 9.5, rel=0.01)


def test_max_rps_spaces_paced_requests_of_all_buckets(clock):
    pacer = Pacer(limit=None, max_rps=4)
    sent = [send(pacer, clock, bucket=f"b{i}")[0] for i in range(5)]

    assert [round(b - a, 9) for a, b in itertools.pairwise(sent)] == [0.25] * 4


# -- the window guard: anchored at the answer, counting unpaced requests ------------


def test_the_window_runs_from_the_answer_not_from_the_send(clock):
    """A slow answer may have reached the target late: the request counts until a
    window after its answer, so latency can never squeeze 11 into a window."""
    pacer = Pacer(limit=10, fraction=1.0)
    clock.now += 5.0
    first = send(pacer, clock, latency=0.3)
    for _ in range(9):
        send(pacer, clock)
    eleventh = send(pacer, clock)[0]

    assert eleventh == pytest.approx(first[1] + 1.0)


def test_unpaced_requests_never_wait_but_count_in_the_window(clock):
    pacer = Pacer(limit=10, fraction=1.0)
    clock.now += 5.0
    burst = [pacer.acquire("b", wait=False) for _ in range(12)]
    for slot in burst:
        slot.answered_at = clock.now

    assert clock.slept == []
    assert send(pacer, clock)[0] == pytest.approx(burst[-1].answered_at + 1.0)


def test_a_request_in_flight_holds_its_place_until_answered(clock, monkeypatch):
    pacer = Pacer(limit=1, fraction=1.0)
    held = pacer.acquire("b")

    def answered_while_waiting(seconds: float) -> None:
        clock.sleep(seconds)
        if held.answered_at is None and clock.now >= held.sent_at + 0.5:
            held.answered_at = clock.now

    monkeypatch.setattr("errcontract._http.pacing.time.sleep", answered_while_waiting)
    second = send(pacer, clock)[0]

    # Sent at 1000, answered when the pacer woke at 1001 (its token was due then):
    # the window runs from that answer, not from the send.
    assert held.answered_at == pytest.approx(held.sent_at + 1.0)
    assert second == pytest.approx(held.answered_at + 1.0)


def test_a_slot_never_answered_stops_counting_after_the_in_flight_bound(clock):
    pacer = Pacer(limit=1, fraction=1.0, max_in_flight_s=3.0)
    clock.now += 5.0
    lost = pacer.acquire("b")

    assert send(pacer, clock)[0] == pytest.approx(lost.sent_at + 3.0 + 1.0)


@pytest.mark.parametrize(
    ("limit", "capacity", "window_s"), [(10, 10, 1.0), (2.5, 2, 1.0), (0.5, 1, 2.0)]
)
def test_a_fractional_limit_is_kept_in_whole_requests(limit, capacity, window_s):
    pacer = Pacer(limit=limit)

    assert (pacer.capacity, pacer.window_s) == (capacity, window_s)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [({"limit": -1}, "limit"), ({"limit": float("inf")}, "limit")]
    + [({"limit": 10, "fraction": f}, "fraction") for f in (0, 1.5)],
)
def test_bad_arguments_are_rejected_by_name(kwargs, named):
    with pytest.raises(ValueError, match=named):
        Pacer(**kwargs)


@settings(max_examples=60, deadline=None)
@given(
    limit=st.sampled_from([1, 3, 10, 2.5]),
    steps=st.lists(
        st.tuples(
            st.sampled_from(["a", "b"]),
            st.floats(0, 1.5),  # think time before the request
            st.floats(0, 0.4),  # latency of its answer
        ),
        min_size=1,
        max_size=60,
    ),
)
def test_no_window_ever_holds_more_than_the_limit(limit, steps):
    """Whatever the think times and latencies, a request goes out only a full
    window after the answer to the one ``capacity`` requests before it in its
    bucket, so wherever the target saw each one between send and answer, no window
    of its clock holds more than ``capacity``."""
    with pytest.MonkeyPatch.context() as mp:
        clock = FakeClock().install(mp, "errcontract._http.pacing")
        pacer = Pacer(limit=limit, fraction=1.0)
        seen: dict[str, list[tuple[float, float]]] = {"a": [], "b": []}
        for bucket, think, latency in steps:
            clock.now += think
            seen[bucket].append(send(pacer, clock, bucket, latency))
    k = pacer.capacity
    for times in seen.values():
        for (_, answered), (sent, _) in zip(times, times[k:], strict=False):
            assert sent >= answered + pacer.window_s - 1e-9


def test_threads_sharing_a_bucket_never_overfill_the_window():
    """Real time, four threads in one bucket: each request is let go only while
    fewer than ``capacity`` others sent before it still count."""
    pacer = Pacer(limit=10, fraction=1.0)
    slots = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(3):
            with pacer.sending("b") as slot:
                time.sleep(0.002)
            with lock:
                slots.append(slot)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert len(slots) == 12
    for slot in slots:
        still_counting = [
            other
            for other in slots
            if other.sent_at < slot.sent_at
            and other.answered_at is not None
            and other.answered_at + pacer.window_s > slot.sent_at
        ]
        assert len(still_counting) < pacer.capacity


# -- against a real limiter on loopback ---------------------------------------------


class StrictLimiter:
    """Refuses a request when ``n`` were admitted in the last second (its clock)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.admitted: deque[float] = deque()
        self.arrivals: list[float] = []
        self.refused = 0
        self.lock = threading.Lock()

    def admit(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.arrivals.append(now)
            while self.admitted and self.admitted[0] <= now - 1.0:
                self.admitted.popleft()
            if len(self.admitted) >= self.n:
                self.refused += 1
                return False
            self.admitted.append(now)
            return True


def limited_app(limiter: StrictLimiter, seed: int) -> Any:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    jitter = random.Random(seed)

    async def thing(request: Any) -> JSONResponse:
        # Counted after a random delay and answered after another: the limiter's
        # clock is not the suite's, as with a proxy in front of a real target.
        await asyncio.sleep(jitter.uniform(0, 0.02))
        admitted = limiter.admit()
        await asyncio.sleep(jitter.uniform(0, 0.02))
        if not admitted:
            return JSONResponse({}, status_code=429, headers={"Retry-After": "1"})
        return JSONResponse({})

    return Starlette(routes=[Route("/thing", thing)])


def test_real_limiter_never_sees_more_than_n_in_any_second():
    """Against a limiter on its own clock, with jitter on both sides, after an idle
    pause that fills the token bucket and with no max_rps to spread the catch-up:
    no 429, and at most N arrivals in any one-second window."""
    from errcontract.reference._serve import serve

    n = 10
    limiter = StrictLimiter(n)
    with serve(limited_app(limiter, seed=7)) as base:
        client = Client(
            ClientSettings(
                base_url=base, rate_limit=n, max_rps=0, timeout_s=2, max_duration_s=30
            ),
            {},
        )
        try:
            statuses = [client.send(Probe("thing", "GET", "/thing")).status]
            time.sleep(1.2)
            for i in range(2 * n):
                probe = Probe("thing", "GET", "/thing", query=(("i", str(i)),))
                statuses.append(client.send(probe).status)
        finally:
            client.close()

    assert statuses == [200] * (2 * n + 1)
    assert limiter.refused == 0
    arrivals = sorted(limiter.arrivals)
    busiest = max(
        sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals
    )
    assert busiest <= n
    # The pause was not lost: its limit's worth went out at once, not spaced at
    # 1 / 9.5 s (which would take 0.95 s for ten).
    assert arrivals[n] - arrivals[1] < 0.9
