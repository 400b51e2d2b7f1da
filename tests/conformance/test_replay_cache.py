"""The replay cache keeps an answer, not an exchange, and replays it unchanged.

The cache lives as long as the run (clauses ask each other's requests across every
operation), so what an entry holds is what a run's memory grows by: the answer and a
few shared parts, never the probe, the request body or the exchange. A replay is made
again from the replaying probe, and must be the first exchange exactly, judged with the
replaying probe's tags; where the replaying probe would show the request otherwise (a
padded header value, another fixture of the same value), the first ``curl`` line stays.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from errcontract._http.client import Client, ClientSettings
from errcontract._http.exchange import Exchange, Received
from errcontract._http.probe import Credential, Placement, Probe
from errcontract._http.replay import ReplayCache

BASE = "https://staging.example.test"
SECRET = "sk_live_7Qv2pX9mR4tK8wZ1"


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(400, json={"error": "bad_request", "message": "no"})


class _Counting:
    def __init__(self) -> None:
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return _answer(request)


@pytest.fixture
def target() -> _Counting:
    return _Counting()


@pytest.fixture
def client(target: _Counting) -> Iterator[Client]:
    made = _client(target)
    yield made
    made.close()


def _client(target: _Counting, **settings: Any) -> Client:
    return Client(
        ClientSettings(base_url=BASE, **settings),
        {"api_key": SECRET, "other_key": SECRET},
        transport=httpx.MockTransport(target),
    )


def _probe(clause: str, **kwargs: Any) -> Probe:
    kwargs.setdefault("credential", Credential.of("api_key"))
    return Probe(
        operation="createThing",
        method="POST",
        path="/v1/things",
        clause=clause,
        **kwargs,
    )


def _reachable(root: object) -> list[object]:
    """Every object ``root`` holds, through containers and instances."""
    seen: dict[int, object] = {}
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, type) or type(obj).__name__ == "module":
            continue
        seen[id(obj)] = obj
        stack.extend(gc.get_referents(obj))
    return list(seen.values())


def _entry_bytes(cache: ReplayCache) -> int:
    """The memory the cache's objects take, without what every entry shares."""
    return sum(sys.getsizeof(obj) for obj in _reachable(cache))


@pytest.mark.parametrize("size", [1 << 10, 64 << 10])
def test_the_cache_keeps_no_exchange_probe_nor_request_body(client, size):
    body = b'{"name":"' + b"x" * size + b'"}'
    sent = client.send(_probe("E1", body=body))

    held = _reachable(client._cache)
    assert len(client._cache) == 1
    assert not [o for o in held if isinstance(o, Exchange | Probe)]
    assert not [o for o in held if isinstance(o, bytes) and len(o) >= size]
    assert sent.response in held  # the answer itself is what a replay needs
    # What the entry holds does not grow with the request: the answer (small here),
    # a digest and a few shared parts.
    assert _entry_bytes(client._cache) < 4096


def test_what_an_entry_holds_does_not_grow_with_the_request_body(target):
    sizes = []
    for size in (16, 256 << 10):
        made = _client(target)
        made.send(_probe("E1", body=b"x" * size))
        sizes.append(_entry_bytes(made._cache))
        made.close()
    assert sizes[0] == sizes[1]


@pytest.mark.parametrize(
    "probe",
    [
        _probe("E1", body=b'{"name":"' + SECRET.encode() + b'"}'),
        _probe("E1", body=b"x" * (70 << 10)),  # past the evidence cut
        _probe("E1", body=None, headers=(("X-Trace", "t-1"),)),
        _probe("E1", credential=Credential(literal="junk")),
        _probe("E1", credential=Credential.none(), query=(("q", SECRET),)),
    ],
    ids=["secret-in-body", "oversized-body", "header", "literal-key", "query"],
)
def test_a_replay_is_the_first_exchange_judged_as_the_replaying_probe(
    client, target, probe
):
    first = client.send(probe)
    again = replace(probe, clause="E2")
    replayed = client.send(again)
    looked_up = client.cached(replace(probe, clause="E3"))

    assert target.requests == 1
    assert replayed == replace(first, probe=again)
    assert replayed.to_dict() == first.to_dict()
    assert replayed.curl == first.curl
    assert replayed.request.body == first.request.body
    assert looked_up is not None
    assert looked_up.probe.clause == "E3"
    assert replace(looked_up, probe=probe) == first
    assert SECRET not in repr(replayed.to_dict())


def test_a_key_in_the_query_replays_with_its_curl_line_naming_the_variable(target):
    made = _client(target, credential_query="api_key")
    probe = _probe("E1", credential=Credential.of("api_key", "{token}"))
    first = made.send(probe)
    replayed = made.send(replace(probe, clause="E2"))
    made.close()

    assert target.requests == 1
    assert "api_key=$CONFORMANCE_API_KEY" in first.curl
    assert replayed.curl == first.curl
    assert replayed == replace(first, probe=replayed.probe)


@pytest.mark.parametrize(
    "other",
    [
        {"headers": (("X-Trace", " t-1 "),)},  # the wire strips it: the same request
        {"credential": Credential.of("other_key")},  # another fixture, one value
    ],
    ids=["padded-header", "same-value-fixture"],
)
def test_a_request_shown_otherwise_replays_with_the_first_curl_line(
    client, target, other
):
    probe = _probe("E1", headers=(("X-Trace", "t-1"),))
    first = client.send(probe)
    shown_otherwise = replace(probe, clause="E2", **other)
    replayed = client.send(shown_otherwise)

    assert target.requests == 1
    assert replayed.curl == first.curl
    assert replayed == replace(first, probe=shown_otherwise)


def test_a_cached_answer_is_the_one_received(client):
    first = client.send(_probe("E1", body=b"{}"))
    replayed = client.send(_probe("E2", body=b"{}"))

    assert isinstance(replayed.response, Received)
    assert replayed.response is first.response
    assert replayed.seq == first.seq


def test_placement_in_a_cookie_replays_the_same(target):
    made = _client(target)
    cookie = Credential(
        template="{token}", fixture="api_key", placement=Placement(cookie="sid")
    )
    first = made.send(_probe("E1", credential=cookie))
    replayed = made.send(_probe("E2", credential=cookie))
    made.close()

    assert target.requests == 1
    assert replayed == replace(first, probe=replayed.probe)


def test_an_identical_request_in_flight_is_waited_for_not_sent_again() -> None:
    """Examples side by side (``--workers``) may repeat a request: the second waits
    for the first's answer and replays it, so the target is asked once, as one at
    a time would ask it; a request the first got no answer to is asked again."""
    import threading

    arrived = threading.Event()
    release = threading.Event()
    seen: list[str] = []

    def slow(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        arrived.set()
        assert release.wait(5)
        return _answer(request)

    made = Client(
        ClientSettings(base_url=BASE),
        {"api_key": SECRET},
        transport=httpx.MockTransport(slow),
    )
    probe = _probe("E1", body=b"{}")
    first: list[Exchange] = []
    flying = threading.Thread(target=lambda: first.append(made.send(probe)))
    flying.start()
    assert arrived.wait(5)
    second: list[Exchange] = []
    waiting = threading.Thread(target=lambda: second.append(made.send(probe)))
    waiting.start()
    waiting.join(0.2)
    assert waiting.is_alive()  # it waits for the one in flight ...
    release.set()
    flying.join(5)
    waiting.join(5)
    made.close()
    assert seen == ["/v1/things"]  # ... and the target was asked once
    assert first[0].status == second[0].status == 400
    assert second[0].seq == first[0].seq  # a replay of the first
