"""A rate-limit burst meeting a target that is down says nothing of the limit: the
clauses are not run, saying why, never failed; and a target already silent gets
no burst at all (a guest does not hammer a server that went away)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import httpx
import pytest

from errcontract._contract.profile import load_profile
from errcontract._engine.burst import run_burst_clause
from errcontract._engine.tally import ClauseTally
from errcontract._http.client import Client, ClientSettings
from errcontract._http.probe import Probe

LIST = Probe("listBankAccounts", "GET", "/v1/banking/bank_accounts")


@pytest.fixture
def down() -> Iterator[tuple[Client, list[str]]]:
    """A client whose target answered once, then refuses every connection."""
    seen: list[str] = []

    def target(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if len(seen) == 1:
            return httpx.Response(200, json={"data": []})
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    client = Client(
        ClientSettings(base_url="http://target.test", retry_refused=0, max_rps=1000),
        {},
        transport=httpx.MockTransport(target),
    )
    client.send(LIST)
    yield client, seen
    client.close()


def _judge(client: Client) -> ClauseTally:
    clause = load_profile("cardda").clause("CD-RATE-1")
    session = SimpleNamespace(
        rate_limit=10.0,
        client=client,
        bursts={},
        retry_header="Retry-After",
        ctx=SimpleNamespace(can_build=lambda op: True, valid_probe=lambda op: LIST),
    )
    tally = ClauseTally(clause)
    run_burst_clause(session, clause, tally)  # type: ignore[arg-type]
    return tally


def test_a_burst_nobody_answers_is_no_verdict(down: tuple[Client, list[str]]) -> None:
    client, seen = down
    tally = _judge(client)

    assert len(seen) > 10  # the burst went out
    assert tally.violations == []
    assert "answered none of the burst's" in tally.reason, tally.reason
    assert "Connection refused" in tally.reason


def test_a_silent_target_gets_no_burst(down: tuple[Client, list[str]]) -> None:
    client, seen = down
    for n in range(3):
        client.send(Probe("getBankAccount", "GET", f"/v1/banking/bank_accounts/{n}"))
    assert client.silent
    before = len(seen)
    tally = _judge(client)

    assert len(seen) == before
    assert tally.violations == []
    assert tally.reason.startswith("not probed: the target answered none"), tally.reason
