"""Keys built from the valid one (case-changed, truncated, extended) are secrets too.

The probe names the key and the change; the client makes the derived key at send time,
a ``curl`` line rebuilds it in the shell from the environment variable, and no output
shows any form of it: the redactor masks every key derived from every secret. The
derived keys are restated here (not imported), and looked for with the tests' own
scanner (tests/leaks.py), in every encoding.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
import leaks
import pytest

from errcontract._http.client import Client, ClientSettings
from errcontract._http.probe import Credential, Probe
from errcontract._http.redact import Redactor
from errcontract.reference import problem

if TYPE_CHECKING:
    from conftest import CliRun

SECRET = "s3cr3T+Key/Zz9=="
NEAR_MISSES = {
    "swapcase": "S3CR3t+kEY/zZ9==",
    "truncated": "s3cr3T+Key/Zz9=",
    "extended": "s3cr3T+Key/Zz9===",
    "padded": " s3cr3T+Key/Zz9== ",
}
IN_A_HEADER = sorted(set(NEAR_MISSES) - {"padded"})
"""A header's surrounding whitespace is not its value: padded goes in a query only."""


@pytest.mark.parametrize("how", sorted(NEAR_MISSES))
def test_the_redactor_masks_every_form_of_a_key_derived_from_a_secret(how: str) -> None:
    """Critical: given only the key, every encoding of each key derived from it is
    masked (URL-encoded, Base64, JSON, HTML...)."""
    derived = NEAR_MISSES[how]
    text = " | ".join(leaks.encodings(derived).values())
    assert leaks.find(text, [derived]), "the scanner sees the derived key"
    masked = Redactor([SECRET]).text(text)
    found = leaks.find(masked, [derived], where=how)
    assert not found, "\n".join(found)


def _echo_token(request: httpx.Request) -> httpx.Response:
    """A careless target: the token it got, raw, Base64 and URL-encoded, echoed."""
    token = request.headers.get("authorization", "").partition(" ")[2]
    return httpx.Response(
        401,
        headers={
            "x-echo": token,
            "x-echo-b64": base64.b64encode(token.encode()).decode(),
        },
        json={"detail": f"no key {token!r} ({quote(token, safe='')})"},
    )


def _bash_words(line: str) -> list[str]:
    """The argv bash builds from a curl line, the key in its environment variable."""
    out = subprocess.run(
        ["bash", "-c", "printf '%s\\0' " + line.removeprefix("curl ")],
        capture_output=True,
        check=True,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "CONFORMANCE_API_KEY": SECRET,
            "QUERY_KEY": QUERY_KEY,
        },
    ).stdout
    return out.decode().split("\0")[:-1]


@pytest.mark.parametrize("template", ["Bearer {token}", "Basic {token_base64}"])
@pytest.mark.parametrize("how", IN_A_HEADER)
def test_a_derived_key_goes_on_the_wire_and_its_curl_line_rebuilds_it(
    how: Any, template: str
) -> None:
    """The wire carries the derived key; the evidence holds none of its forms, the
    echoes included; the curl line, run by bash with the real key in the variable,
    sends exactly what went on the wire."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return _echo_token(request)

    client = Client(
        ClientSettings(base_url="https://api.example.test"),
        {"api_key": SECRET},
        transport=httpx.MockTransport(handler),
    )
    credential = Credential.of("api_key", template, derived=how)
    try:
        exchange = client.send(
            Probe(operation="x", method="GET", path="/things", credential=credential)
        )
    finally:
        client.close()
    derived = NEAR_MISSES[how]
    token = derived
    if template.startswith("Basic"):
        token = base64.b64encode(derived.encode()).decode()
    assert seen == [template.split()[0] + " " + token]
    evidence = repr(exchange) + json.dumps(exchange.to_dict()) + exchange.curl
    found = leaks.find(evidence, [SECRET, derived])
    assert not found, "\n".join(found)
    assert exchange.response is not None
    assert exchange.response.header("x-echo") == "[redacted]"
    words = _bash_words(exchange.curl)
    assert f"Authorization: {seen[0]}" in words


QUERY_KEY = "qk_live_8Hd2-Lm4_Vx7"
"""A key a query carries as it is (URL-unreserved characters only)."""


def test_a_padded_key_goes_in_the_query_and_its_curl_line_rebuilds_it() -> None:
    """The query parameter carries the key with a space on either side; the evidence
    holds no form of it (the target echoes it in a header and the body); the curl
    line, run by bash with the real key in the variable, sends the same value."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        (value,) = [v for k, v in request.url.params.multi_items() if k == "key"]
        seen.append(value)
        return httpx.Response(401, headers={"x-echo": value}, json={"detail": value})

    client = Client(
        ClientSettings(base_url="https://api.example.test", credential_query="key"),
        {"api_key": QUERY_KEY},
        transport=httpx.MockTransport(handler),
    )
    credential = Credential.of("api_key", "{token}", derived="padded")
    try:
        exchange = client.send(
            Probe(operation="x", method="GET", path="/things", credential=credential)
        )
    finally:
        client.close()
    assert seen == [f" {QUERY_KEY} "]
    evidence = repr(exchange) + json.dumps(exchange.to_dict()) + exchange.curl
    found = leaks.find(evidence, [QUERY_KEY, f" {QUERY_KEY} "])
    assert not found, "\n".join(found)
    words = _bash_words(exchange.curl.replace("CONFORMANCE_API_KEY", "QUERY_KEY"))
    url = next(w for w in words if w.startswith("https://"))
    assert dict(httpx.URL(url).params)["key"] == f" {QUERY_KEY} "


def _echoing(app: Any) -> Any:
    """``app`` sending back, in a header of every answer, the token it was given."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        auth = dict(scope.get("headers", [])).get(b"authorization", b"")
        token = auth.partition(b" ")[2]

        async def echo(message: Any) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"x-echo", token), (b"x-echo-b64", base64.b64encode(token))]
                message = {**message, "headers": [*message["headers"], *extra]}
            await send(message)

        await app(scope, receive, echo if scope["type"] == "http" else send)

    wrapped.state = app.state  # type: ignore[attr-defined]
    return wrapped


@pytest.mark.parametrize(
    ("fault", "how"),
    [
        ("PD-AUTH-2:case-insensitive", "swapcase"),
        ("PD-AUTH-2:prefix-match", "truncated"),
        ("PD-AUTH-2:extra-ignored", "extended"),
    ],
)
def test_a_derived_key_a_target_echoes_shows_in_no_output(
    fault: str,
    how: str,
    run_cli: Callable[..., CliRun],
    served: Callable[..., tuple[str, Any]],
    export_fixtures: Callable[[dict[str, str]], None],
) -> None:
    """Critical: a lenient target takes the derived key and echoes it; the violation
    carries that answer as evidence, and neither stdout, stderr nor any report file
    shows a form of the key or of the key derived from it."""
    app = problem.create_app(faults=(fault,), rate_limit=None)
    base, app = served(_echoing(app))
    export_fixtures(app.state.fixtures)
    key = app.state.fixtures["api_key"]
    derived = {
        "swapcase": key.swapcase(),
        "truncated": key[:-1],
        "extended": key + key[-1],
    }[how]
    run = run_cli(
        *("run", "--openapi", str(problem.OPENAPI), "--convention", "rfc9457"),
        *("--base-url", base, "--rate-limit", "none", "--max-rps", "1000"),
    )
    assert run.code == 1, run.out[-3000:]
    assert "PD-AUTH-2" in run.failing()
    exchange = run.clause("PD-AUTH-2")["violations"][0]["exchanges"][0]
    assert ["x-echo", "[redacted]"] in exchange["response"]["headers"]
    assert not run.leaks(key, derived)
