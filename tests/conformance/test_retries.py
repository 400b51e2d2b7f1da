"""Retries are bounded and noted: a 429 honoured, a restarting target waited for."""

from __future__ import annotations

from datetime import UTC, datetime

from errcontract._http.exchange import Exchange, Received, SentRequest
from errcontract._http.probe import Probe
from errcontract._http.retries import REFUSED_BACKOFF_S, RetryLimits, RetryPolicy

LIMITS = RetryLimits(
    retry_429=2,
    max_retry_wait_s=5.0,
    max_429_wait_s=20.0,
    retry_refused=3,
    max_refused_wait_s=15.0,
)
PROBE = Probe("listThings", "GET", "/v1/things")


def exchange(
    status: int | None, retry_after: str = "1", header: str = "Retry-After"
) -> Exchange:
    received = None
    if status is not None:
        headers = ((header, retry_after),) if status == 429 else ()
        received = Received(status, headers, b"{}", False, datetime.now(UTC), 0.01)
    return Exchange(
        seq=1,
        probe=PROBE,
        request=SentRequest("GET", "http://h/v1/things", (), None),
        curl="curl",
        response=received,
        failure=None if status is not None else "transport error: ConnectError: no",
    )


def policy(**limits: float | str) -> RetryPolicy:
    values = {**LIMITS.__dict__, **limits}
    return RetryPolicy(RetryLimits(**values), [])


def test_a_refused_connection_before_any_answer_is_not_retried():
    retries = policy()

    assert (
        retries.wait_before_retry(exchange(None), refused=0, throttled=0, paced=True)
        is None
    )
    assert retries.notes == []


def test_a_refused_connection_after_an_answer_is_retried_a_bounded_number_of_times():
    retries = policy(retry_refused=2)
    retries.wait_before_retry(exchange(200), refused=0, throttled=0, paced=True)
    decisions = [
        retries.wait_before_retry(exchange(None), refused=n, throttled=0, paced=True)
        for n in range(3)
    ]

    assert decisions == [("refused", REFUSED_BACKOFF_S)] * 2 + [None]
    assert len(retries.notes) == 2
    assert "connection refused" in retries.notes[0]


def test_a_429_is_waited_out_for_its_retry_after():
    retries = policy()
    decision = retries.wait_before_retry(
        exchange(429, "3"), refused=0, throttled=0, paced=True
    )

    assert decision == ("throttled", 3)
    assert retries.waited_429_s == 3
    assert "unexpected 429" in retries.notes[-1]


def test_the_delay_is_read_from_the_header_the_profile_names():
    """``rate_limit.retry_header: X-RateLimit-Reset-After``: that header, not
    Retry-After, says how long to wait."""
    custom = policy(retry_header="X-RateLimit-Reset-After")
    decision = custom.wait_before_retry(
        exchange(429, "4", header="x-ratelimit-reset-after"),
        refused=0,
        throttled=0,
        paced=True,
    )
    assert decision == ("throttled", 4)
    # The default header is not read when the profile names another.
    ignored = custom.wait_before_retry(
        exchange(429, "4"), refused=0, throttled=0, paced=True
    )
    assert ignored == ("throttled", 1)


def test_an_unpaced_429_is_wanted_as_it_is():
    retries = policy()

    assert (
        retries.wait_before_retry(exchange(429), refused=0, throttled=0, paced=False)
        is None
    )
    assert retries.notes == []


def test_a_storm_is_declared_past_the_run_budget_and_nothing_is_retried_after():
    retries = policy(max_429_wait_s=5.0)
    waits = [
        retries.wait_before_retry(
            exchange(429, "2"), refused=0, throttled=0, paced=True
        )
        for _ in range(4)
    ]

    assert waits == [("throttled", 2), ("throttled", 2), None, None]
    assert retries.storm
    assert sum("429 storm" in note for note in retries.notes) == 1
