"""The suite's own code survives the bodies its deepest probes send and the answers
that echo them: Python's ``json`` gives up near 1,000 levels with a
``RecursionError``, and nothing between the client and the reports may let one out
(``deeper-nesting`` sends 10,000 levels)."""

from __future__ import annotations

import json

import httpx
import pytest

from errcontract._http.client import Client, ClientSettings
from errcontract._http.probe import Credential, Probe
from errcontract.checks.body import _strings
from errcontract.reports.html import pretty_json

KEY = "dk_live_4Rt9-Qw2_Zx8"


def _deep(levels: int) -> bytes:
    return b"[" * levels + b'"x"' + b"]" * levels


@pytest.mark.parametrize("levels", [800, 1_000, 10_000])
def test_an_answer_echoing_a_deep_body_is_evidence_not_a_crash(levels: int) -> None:
    """A target that echoes the body in its error (as pydantic's 422 ``input`` does):
    the exchange is built, redacted and serialised; a body too deep to read is
    simply not JSON, one Python can read is walked without recursion."""
    sent = b'{"name": ' + _deep(levels) + b"}"

    def handler(request: httpx.Request) -> httpx.Response:
        echo = b'{"detail": "too deep", "input": ' + request.content + b"}"
        return httpx.Response(
            400, headers={"content-type": "application/json"}, content=echo
        )

    client = Client(
        ClientSettings(base_url="https://api.example.test"),
        {"api_key": KEY},
        transport=httpx.MockTransport(handler),
    )
    probe = Probe(
        operation="x",
        method="POST",
        path="/things",
        headers=(("Content-Type", "application/json"),),
        body=sent,
        credential=Credential.of("api_key"),
    )
    try:
        exchange = client.send(probe)
    finally:
        client.close()
    response = exchange.response
    assert response is not None
    assert response.status == 400
    readable = response.is_json
    assert readable == (levels < 1_000)
    if readable:
        assert _strings(response.json()) == ["detail", "too deep", "input", "name", "x"]
    json.dumps(exchange.to_dict())
    assert exchange.curl.startswith("curl ")
    for text in (response.text, exchange.request.body or ""):
        pretty_json(text)
    assert KEY not in repr(exchange) + exchange.curl
