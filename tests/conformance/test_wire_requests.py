"""What goes on the wire: each probe's request exactly, and nothing a target set.

A real loopback server is the seam here (not ``httpx.MockTransport``): the point is
what a connection carries from one probe to the next.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from errcontract._http.client import Client, ClientSettings
from errcontract._http.probe import Credential, Placement, Probe
from errcontract._http.redact import Redactor
from errcontract._http.wire import DEFAULT_HEADERS, USER_AGENT, Wire, wire_headers
from errcontract.reference._serve import serve

SECRET = "sk_live_7Qv2pX9mR4tK8wZ1"


class Target:
    """Answers 401 with a session cookie and keeps the headers of every request."""

    def __init__(self) -> None:
        self.seen: list[list[tuple[str, str]]] = []

    async def answer(self, request: Request) -> JSONResponse:
        self.seen.append([(k.decode(), v.decode()) for k, v in request.headers.raw])
        response = JSONResponse({"error": "unauthorized"}, status_code=401)
        response.set_cookie("session", "s3ss10n-granted", path="/")
        return response

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self.answer, methods=["GET"])])

    def values(self, index: int, name: str) -> list[str]:
        return [v for k, v in self.seen[index] if k.lower() == name]


@pytest.fixture
def target() -> Iterator[tuple[Target, Client]]:
    keeper = Target()
    with serve(keeper.app()) as base:
        client = Client(
            ClientSettings(base_url=base, max_rps=1000.0), {"api_key": SECRET}
        )
        try:
            yield keeper, client
        finally:
            client.close()


def probe(path: str, **kwargs: object) -> Probe:
    return Probe(operation="get", method="GET", path=path, **kwargs)  # type: ignore[arg-type]


def test_a_cookie_the_target_set_is_not_sent_with_a_later_probe(target):
    keeper, client = target

    first = client.send(probe("/v1/first"))
    later = client.send(probe("/v1/later"))

    assert first.response is not None
    assert first.response.status == 401
    assert any(k.lower() == "set-cookie" for k, _ in first.response.headers)
    assert later.response is not None
    assert len(keeper.seen) == 2
    # The unauthenticated probe goes without the session the target handed out,
    # and its curl line is the whole request.
    assert keeper.values(1, "cookie") == []
    assert "s3ss10n" not in later.curl


def test_a_cookie_credential_is_the_only_cookie_sent(target):
    keeper, client = target
    credential = Credential(
        template="{token}", fixture="api_key", placement=Placement(cookie="sid")
    )

    client.send(probe("/v1/first"))
    client.send(probe("/v1/later", credential=credential))

    assert keeper.values(1, "cookie") == [f"sid={SECRET}"]


def test_default_headers_go_unless_the_probe_names_them(target):
    keeper, client = target

    client.send(probe("/v1/plain"))
    client.send(probe("/v1/own", headers=(("accept", "text/html"),)))

    assert keeper.values(0, "accept") == ["application/json"]
    assert keeper.values(0, "accept-encoding") == ["gzip, deflate"]
    assert keeper.values(0, "user-agent") == [USER_AGENT]
    assert keeper.values(0, "host")
    assert keeper.values(0, "host")[0].startswith("127.0.0.1:")
    # A probe's own header replaces the default of that name, in any case.
    assert keeper.values(1, "accept") == ["text/html"]


def test_the_timeout_applies_to_every_phase_of_the_request():
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.extensions["timeout"]))
        return httpx.Response(204)

    wire = Wire(
        timeout_s=2.5,
        max_body_bytes=1024,
        redactor=Redactor(()),
        transport=httpx.MockTransport(handler),
    )
    try:
        received, why = wire.send("GET", "http://127.0.0.1:9/x", [], None)
    finally:
        wire.close()

    assert why is None
    assert received is not None
    assert received.status == 204
    assert seen == [{"connect": 2.5, "read": 2.5, "write": 2.5, "pool": 2.5}]


@pytest.mark.parametrize(
    ("method", "headers", "content"),
    [
        ("GET", [], None),
        ("GET", [("Accept", "text/html"), ("X-Trace", "1")], None),
        ("POST", [("Content-Type", "application/json")], b'{"a": 1}'),
        ("POST", [], None),
        ("post", [], b""),
        ("PATCH", [("Content-Length", "5")], b"{}"),
        ("PUT", [("Transfer-Encoding", "chunked")], None),
        ("DELETE", [("host", "example.test"), ("user-agent", "other")], None),
    ],
)
def test_the_header_lines_are_those_httpx_request_puts_on_the_wire(
    method: str, headers: list[tuple[str, str]], content: bytes | None
) -> None:
    # The wire sends on httpx's connection pool without httpx's Request: the lines
    # (order, case, Host, Content-Length) must be the ones httpx's would carry.
    url = "http://127.0.0.1:8080/v1/things?q=1"
    given = {name.lower() for name, _ in headers}
    defaults = [(k, v) for k, v in DEFAULT_HEADERS if k.lower() not in given]
    made = httpx.Request(method, url, headers=defaults + headers, content=content)
    expected = made.headers.raw
    verb = method.upper().encode("ascii")
    assert expected
    assert wire_headers(verb, b"127.0.0.1:8080", headers, content) == expected
