"""Retries are bounded and noted: a 429 honoured, a restarting target waited for, a
request dropped as the target went down asked again (once: a drop that repeats is
the target's answer)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from errcontract._http.client import Client, ClientSettings
from errcontract._http.exchange import Exchange, Received, SentRequest
from errcontract._http.probe import Probe
from errcontract._http.retries import (
    DROPPED_BACKOFF_S,
    REFUSED_BACKOFF_S,
    RetryLimits,
    RetryPolicy,
)

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


# -- a connection dropped mid-request ---------------------------------------------

RESET = "[Errno 104] Connection reset by peer"
UNANSWERED = "Server disconnected without sending a response."


def drop(request: httpx.Request, how: str = "reset") -> httpx.Response:
    if how == "reset":
        raise httpx.ReadError(RESET, request=request)
    raise httpx.RemoteProtocolError(UNANSWERED, request=request)


@pytest.fixture
def client(fake_clock: Callable[[str], Any]) -> Iterator[Callable[..., Client]]:
    """``client(handler, **settings)`` on a mock transport, its waits recorded."""
    made: list[Client] = []

    def build(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> Client:
        made.append(
            Client(
                ClientSettings(base_url="http://target.test", **kw),
                {},
                transport=httpx.MockTransport(handler),
            )
        )
        return made[-1]

    fake_clock("errcontract._http.client")
    yield build
    for each in made:
        each.close()


@pytest.mark.parametrize("how", ["reset", "unanswered"])
def test_a_request_dropped_as_the_target_goes_down_is_asked_again(client, how):
    """The request in flight when the target went down: reset (or closed with no
    answer), then refused, then answered; the answer is what the clause judges."""
    outcomes = iter(["answer", "drop", "refused", "answer"])
    seen: list[str] = []

    def target(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        step = next(outcomes)
        if step == "drop":
            return drop(request, how)
        if step == "refused":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return httpx.Response(401, json={"error": "unauthenticated"})

    suite = client(target)
    suite.send(Probe("listThings", "GET", "/v1/things"))
    exchange = suite.send(Probe("getThing", "GET", "/v1/things/1", defect="bare-key"))

    assert exchange.status == 401
    assert seen == ["/v1/things"] + ["/v1/things/1"] * 3
    notes = " ".join(suite.notes)
    assert "getThing: connection dropped without an answer after the target" in notes
    assert "connection refused after the target had answered" in notes


def test_a_request_dropped_every_time_keeps_its_drop_as_the_answer(client):
    """A target that resets one malformed request every time while answering the
    rest: asked once more, dropped again, and that drop is what the clause judges
    (robustness clauses fail it); the other requests are not retried."""
    seen: list[str] = []

    def target(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path == "/v1/poison":
            return drop(request)
        return httpx.Response(200, json={})

    suite = client(target)
    suite.send(Probe("listThings", "GET", "/v1/things"))
    poisoned = suite.send(Probe("poison", "POST", "/v1/poison", body=b"{"))
    after = suite.send(Probe("listThings", "GET", "/v1/things?page=2"))

    assert poisoned.response is None
    assert "Connection reset by peer" in (poisoned.failure or "")
    assert after.status == 200
    assert seen == ["/v1/things", "/v1/poison", "/v1/poison", "/v1/things"]
    assert any("dropped again" in note for note in suite.notes), suite.notes


def test_a_drop_before_any_answer_or_of_a_write_is_not_asked_again(client):
    """Only a target that answered in this run is waited for; a write that may
    have been applied is not sent twice (RFC 9110 9.2.2)."""
    seen: list[str] = []

    def target(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        if request.method == "GET" and len(seen) > 1:
            return httpx.Response(200, json={})
        return drop(request)

    suite = client(target)
    first = suite.send(Probe("listThings", "GET", "/v1/things"))
    suite.send(Probe("listThings", "GET", "/v1/things?a=1"))
    write = suite.send(Probe("createThing", "POST", "/v1/things", writes=True))

    assert first.response is None
    assert write.response is None
    assert seen == ["GET", "GET", "POST"]
    assert suite.notes == []


def test_waiting_for_drops_is_bounded_in_a_run(client):
    """Each drop asked again costs a short wait; past the run's budget for it,
    drops are kept as they come (said once)."""
    seen: list[str] = []

    def target(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path.startswith("/v1/poison"):
            return drop(request)
        return httpx.Response(200, json={})

    budget = 3 * DROPPED_BACKOFF_S
    suite = client(target, max_refused_wait_s=budget)
    suite.send(Probe("listThings", "GET", "/v1/things"))
    for n in range(5):
        suite.send(Probe("poison", "GET", f"/v1/poison/{n}"))

    assert len(seen) == 1 + 3 * 2 + 2
    assert sum("no longer retried" in note for note in suite.notes) == 1


# -- a target that went down -----------------------------------------------------------


def _answers_then(failures: list[str]) -> Callable[[httpx.Request], httpx.Response]:
    """A target that answers the first request, fails each of ``failures`` in turn
    (``refused`` or ``timeout``), then answers again."""
    steps = iter(["answer", *failures])

    def target(request: httpx.Request) -> httpx.Response:
        step = next(steps, "answer")
        if step == "refused":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if step == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, json={})

    return target


def test_an_outage_the_target_came_back_from_is_still_reported(client):
    """Refused for longer than the suite waits, then answering again: what went
    unsent meanwhile was not judged, so the run still says the target went down
    (exit 3), and after which request, and that it came back."""
    suite = client(_answers_then(["refused"] * 4), retry_refused=0)
    sent = [suite.send(Probe("listThings", "GET", f"/v1/things/{n}")) for n in range(6)]

    assert [e.status for e in sent] == [200, None, None, None, None, 200]
    why = suite.stopped_answering()
    assert why is not None
    assert why.startswith("the target stopped answering after request 1 ")
    assert "nor did the 3 after it" in why
    assert "answered again from request 6" in why
    assert suite.last_before_silence() is sent[0]


def test_requests_that_time_out_then_answers_are_no_outage(client):
    """A target slow on some requests, answering the next: not down."""
    suite = client(_answers_then(["timeout"] * 4), retry_refused=0)
    sent = [suite.send(Probe("listThings", "GET", f"/v1/things/{n}")) for n in range(6)]

    assert [e.status for e in sent][-1] == 200
    assert sent[1].response is None
    assert suite.stopped_answering() is None
    assert suite.silence.outage is None


def test_a_brief_refusal_is_no_outage(client):
    """Two refusals in a row, fewer than make a silence: ridden through."""
    suite = client(_answers_then(["refused"] * 2), retry_refused=0)
    sent = [suite.send(Probe("listThings", "GET", f"/v1/things/{n}")) for n in range(4)]

    assert sent[1].response is None
    assert sent[-1].status == 200
    assert suite.stopped_answering() is None
