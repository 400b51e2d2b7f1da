"""Evidence is made one way: the Schemathesis hooks and the client build the same
redacted exchange for the same request.

One request carries the key ``s3cr3T+Key/Zz9==`` in its query string (URL-encoded,
``s3cr3T%2BKey%2FZz9%3D%3D``: ``+``, ``/`` and ``=`` all change), its
``Authorization`` header and its JSON body, to a target on 127.0.0.1 that echoes the
key back in a header and in its body. The hooks' exchange is the one
``ErrorContract.after_response`` keeps from a real Schemathesis case and response;
the client's is the one ``Client.send`` returns. The secret is looked for with the
tests' own scanner (tests/leaks.py), in every encoding, in ``to_dict()``, the ``curl``
line and the rendered evidence; what is not secret must still be there.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import leaks
import pytest
import schemathesis
from schemathesis import Response
from schemathesis.core.failures import FailureGroup

from errcontract._http.client import Client, ClientSettings
from errcontract._http.exchange import Exchange
from errcontract._http.probe import Credential, Probe
from errcontract.reference import problem
from errcontract.reference._serve import serve
from errcontract.results import Violation
from errcontract.schemathesis import ErrorContract

SECRET = "s3cr3T+Key/Zz9=="
ENCODED = quote(SECRET, safe="")
QUERY = {"api_key": SECRET, "page": "2"}
BODY = {"name": "demo", "key": SECRET}
TRACE = ("X-Trace", "trace-42")

Scope = dict[str, Any]


async def _echo(scope: Scope, receive: Any, send: Any) -> None:
    """A careless target: a problem document quoting the query, the key it got and
    the body, and the raw query string in a header."""
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    auth = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
    query = scope["query_string"].decode("latin-1")
    detail = f"query {query}; key {auth.partition(' ')[2]}; body {body.decode()}"
    document = {"type": "about:blank", "title": "Bad Request", "status": 400}
    start = {
        "type": "http.response.start",
        "status": 400,
        "headers": [
            (b"content-type", b"application/problem+json"),
            (b"x-echo-query", scope["query_string"]),
        ],
    }
    await send(start)
    payload = json.dumps({**document, "detail": detail}).encode()
    await send({"type": "http.response.body", "body": payload})


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serve(_echo) as url:
        yield url


def _via_hooks(base: str) -> tuple[Exchange, Response]:
    """The exchange the hooks keep for a Schemathesis case carrying the key."""
    schema = schemathesis.openapi.from_path(str(problem.OPENAPI))
    case = schema["/projects"]["POST"].Case(
        query=QUERY,
        headers={"Authorization": f"Bearer {SECRET}", TRACE[0]: TRACE[1]},
        body=BODY,
    )
    response = case.call(base_url=base)
    check = ErrorContract(convention="rfc9457")
    # The echo breaks clauses: the evidence is what is looked at here.
    with contextlib.suppress(FailureGroup):
        check.after_response(None, response, case)  # type: ignore[arg-type]
    return check._seen[-1], response


def _via_client(base: str) -> Exchange:
    """The client's exchange for the same request (the key in the probe's query and
    body stands for a target's key that a request carries there)."""
    client = Client(ClientSettings(base_url=base), {"api_key": SECRET})
    try:
        return client.send(
            Probe(
                operation="createProject",
                method="POST",
                path="/projects",
                query=tuple(QUERY.items()),
                headers=(TRACE, ("Content-Type", "application/json")),
                credential=Credential.of("api_key"),
                body=json.dumps(BODY).encode(),
            )
        )
    finally:
        client.close()


def _outputs(exchange: Exchange) -> dict[str, str]:
    rendered = Violation(
        "T-1", "echo", expected="no key", actual="a key", exchanges=(exchange,)
    ).render()
    return {
        "to_dict": json.dumps(exchange.to_dict()),
        "curl": exchange.curl,
        "rendered": rendered,
    }


def _assert_redacted_and_useful(exchange: Exchange) -> None:
    for where, text in _outputs(exchange).items():
        found = leaks.find(text, [SECRET], where=where)
        assert not found, "\n".join(found)
    request, response = exchange.request, exchange.response
    assert request.url.endswith("/projects?api_key=[redacted]&page=2")
    assert TRACE in request.headers
    assert ("Authorization", "Bearer [redacted]") in request.headers
    assert request.body is not None
    assert json.loads(request.body) == {"name": "demo", "key": "[redacted]"}
    assert response is not None
    assert response.status == 400
    assert response.header("x-echo-query") == "api_key=[redacted]&page=2"
    assert "key [redacted]; body" in response.json()["detail"]
    for part in ("page=2", "X-Trace: trace-42", '"name": "demo"', "POST"):
        assert part in exchange.curl
    assert "/projects?api_key=[redacted]&page=2" in _outputs(exchange)["rendered"]


def test_the_hooks_exchange_is_redacted_at_creation(base: str) -> None:
    """Critical: the hooks' evidence has no form of the key, the URL-encoded one in
    the query string included, and keeps what is not secret."""
    exchange, response = _via_hooks(base)
    assert ENCODED in str(response.request.url)  # the key went out, encoded
    assert f"Bearer {SECRET}" in response.request.headers.values()
    _assert_redacted_and_useful(exchange)


def test_the_client_and_the_hooks_give_the_same_evidence(base: str) -> None:
    """Critical: one construction path: for the same request to the same target, the
    client's exchange is redacted as the hooks' is, part for part."""
    hooks, _ = _via_hooks(base)
    client = _via_client(base)
    _assert_redacted_and_useful(client)
    assert client.request.method == hooks.request.method
    assert client.request.url == hooks.request.url
    assert client.request.body == hooks.request.body
    names = {"authorization", TRACE[0].lower()}
    assert _headers(client.request.headers, names) == _headers(
        hooks.request.headers, names
    )
    assert client.response is not None
    assert hooks.response is not None
    assert client.response.body == hooks.response.body
    echoed = {"content-type", "x-echo-query"}
    assert _headers(client.response.headers, echoed) == _headers(
        hooks.response.headers, echoed
    )


def _headers(
    headers: tuple[tuple[str, str], ...], names: set[str]
) -> list[tuple[str, str]]:
    """The named headers, names lower-cased, in a fixed order (Schemathesis and the
    client do not send them in the same one)."""
    kept = sorted((k.lower(), v) for k, v in headers if k.lower() in names)
    assert {k for k, _ in kept} == names
    return kept
