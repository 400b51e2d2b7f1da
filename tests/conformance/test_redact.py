"""Redaction keeps secrets out of evidence; curl lines reproduce the request in bash.

The curl tests hand the quoted words to a real ``bash`` and compare the bytes it
hands on, so a quoting mistake shows as a wrong byte rather than a wrong string.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess

import pytest

from errcontract._http.redact import REDACTED, Redactor, curl_line

KEY = "3f1c9a7e-2b44-4d0e-9c1a-8f6b2d4e7a10"

needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _bash_words(line: str, env: dict[str, str] | None = None) -> list[bytes]:
    """The argv bash builds from ``line`` (``curl`` replaced by a word printer)."""
    assert line.startswith("curl ")
    script = "printf '%s\\0' " + line[len("curl ") :]
    out = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        check=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **(env or {})},
    ).stdout
    return out.split(b"\0")[:-1]


def _bash_bytes(quoted: str) -> bytes:
    return subprocess.run(
        ["bash", "-c", "printf '%s' " + quoted], capture_output=True, check=True
    ).stdout


# -- headers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (f"Bearer {KEY}", "Bearer [redacted]"),
        (f"Basic {KEY}", "Basic [redacted]"),
        ("Basic eHl6", "Basic [redacted]"),
        (f"Token  {KEY}", "Token [redacted]"),
        (KEY, REDACTED),
        ("sk_live_0123456789abcdef", REDACTED),
        ("Bearer", "Bearer"),
        ("", ""),
    ],
    ids=[
        "bearer",
        "basic",
        "basic-short",
        "double-space",
        "bare-key",
        "bare-token",
        "scheme-only",
        "empty",
    ],
)
@pytest.mark.parametrize(
    "name", ["Authorization", "authorization", "Proxy-Authorization"]
)
def test_authorization_keeps_only_the_scheme_word(name, value, shown):
    assert Redactor([KEY]).header(name, value) == shown
    assert Redactor().header(name, value) == shown


@pytest.mark.parametrize(
    "name",
    ["Cookie", "Set-Cookie", "X-Api-Key", "x-api-key", "Api-Key", "X-Auth-Token"],
)
@pytest.mark.parametrize("value", [f"session={KEY}; Path=/", KEY, "Bearer abc"])
def test_credential_headers_are_masked_whole(name, value):
    assert Redactor().header(name, value) == REDACTED


def test_other_headers_only_lose_the_secret_values():
    redactor = Redactor([KEY])
    assert redactor.header("X-Echo", f"key={KEY};") == "key=[redacted];"
    assert redactor.header("company-id", "c0ffee") == "c0ffee"


def test_headers_keep_their_names_and_order():
    headers = [
        ("Authorization", f"Bearer {KEY}"),
        ("company-id", "c1"),
        ("Cookie", "a"),
    ]
    assert Redactor([KEY]).headers(headers) == (
        ("Authorization", "Bearer [redacted]"),
        ("company-id", "c1"),
        ("Cookie", REDACTED),
    )


# -- secrets anywhere ------------------------------------------------------------------


def test_a_secret_is_masked_everywhere_in_text():
    text = f"key {KEY} was rejected; echo: {KEY}!"
    assert (
        Redactor([KEY]).text(text) == "key [redacted] was rejected; echo: [redacted]!"
    )


def test_a_secret_is_masked_in_bytes():
    body = b'{"token":"' + KEY.encode() + b'","raw":"\xff"}'
    assert Redactor([KEY]).data(body) == b'{"token":"[redacted]","raw":"\xff"}'


def test_a_non_ascii_secret_is_masked_in_its_utf8_bytes():
    secret = "clé-secrète-ü"
    assert Redactor([secret]).data(f"x{secret}x".encode()) == b"x[redacted]x"


@pytest.mark.parametrize(
    "order", [["abc123", "abc123def456"], ["abc123def456", "abc123"]]
)
def test_the_longest_secret_is_masked_first(order):
    redactor = Redactor(order)
    assert redactor.text("<abc123def456>") == "<[redacted]>"
    assert redactor.data(b"<abc123def456>") == b"<[redacted]>"
    assert redactor.text("<abc123>") == "<[redacted]>"


@pytest.mark.parametrize("blank", ["", " ", "\t\n"])
def test_blank_secrets_mask_nothing(blank):
    assert Redactor([blank]).text("a b\tc\n") == "a b\tc\n"


# -- curl lines ------------------------------------------------------------------------


@needs_bash
def test_curl_line_quotes_the_url_headers_and_body():
    url = "https://api.example.test/v1/x?a=1&b=it's here"
    body = b'{"name": "O\'Brien $HOME `id`"}'
    line = curl_line("POST", url, [("company-id", "a b;c")], body)
    words = _bash_words(line)
    assert words == [
        b"-i",
        b"-X",
        b"POST",
        url.encode(),
        b"-H",
        b"company-id: a b;c",
        b"--data-binary",
        body,
    ]


@needs_bash
def test_curl_line_sends_an_empty_body_as_an_empty_word():
    words = _bash_words(curl_line("POST", "https://x.test/", [], b""))
    assert words[-2:] == [b"--data-binary", b""]


def test_curl_line_without_a_body_has_no_data_flag():
    assert "--data-binary" not in curl_line("GET", "https://x.test/", [], None)


@needs_bash
@pytest.mark.parametrize(
    "body",
    [
        b"\xff",
        b'{"a":"\xc3\x28"}',
        b"\xef\xbb\xbf[1]",
        b'{"a":\r\n1}',
        b"a\x01b\x1bc\x7f",
        b"it's \\x41 \\\\ '\x01",
        b"\xed\xa0\x80",
        b"caf\xc3\xa9\x08",
        bytes(range(1, 256)),
    ],
    ids=[
        "ff",
        "bad-utf8",
        "bom",
        "crlf",
        "controls",
        "quote-backslash",
        "surrogate",
        "utf8-and-control",
        "all-bytes",
    ],
)
def test_binary_bodies_round_trip_through_bash(body):
    line = curl_line("POST", "https://x.test/", [], body)
    quoted = line.split("--data-binary ", 1)[1]
    assert quoted.startswith("$'")
    assert _bash_bytes(quoted) == body


@needs_bash
@pytest.mark.parametrize(
    "body",
    [
        "naïve café ✓".encode(),
        b"line1\nline2\ttab",
        b"$(rm -rf /) `x` ${y}",
        b"it's \\x41 \\\\ '",
    ],
)
def test_printable_bodies_are_single_quoted_and_round_trip(body):
    quoted = curl_line("POST", "https://x.test/", [], body).split("--data-binary ", 1)[
        1
    ]
    assert not quoted.startswith("$'")
    assert _bash_bytes(quoted) == body


@needs_bash
def test_from_env_headers_expand_the_variable_in_bash():
    line = curl_line(
        "GET",
        "https://x.test/",
        [],
        None,
        from_env={"Authorization": "Bearer $CONFORMANCE_API_KEY"},
    )
    assert KEY not in line
    assert '"Authorization: Bearer $CONFORMANCE_API_KEY"' in line
    words = _bash_words(line, env={"CONFORMANCE_API_KEY": KEY})
    assert words[-1] == f"Authorization: Bearer {KEY}".encode()


@needs_bash
def test_from_env_headers_escape_everything_but_the_variable():
    line = curl_line(
        "GET",
        "https://x.test/",
        [],
        None,
        from_env={"X-Key": 'pre"`id`\\ $K'},
    )
    words = _bash_words(line, env={"K": "v"})
    assert words[-1] == b'X-Key: pre"`id`\\ v'


def test_curl_line_starts_with_the_method_and_quoted_url():
    line = curl_line("DELETE", "https://x.test/v1/a b", [], None)
    assert line.startswith("curl -i -X DELETE ")
    assert shlex.split(line)[4] == "https://x.test/v1/a b"


def test_headers_lose_a_secret_held_by_one_value_among_many():
    # One search over every value finds the one that holds a secret.
    headers = [
        ("X-A", "plain"),
        ("X-Echo", f"echo {KEY}"),
        ("Cookie", "a=b"),
        ("X-B", "c"),
    ]
    assert Redactor([KEY]).headers(headers) == (
        ("X-A", "plain"),
        ("X-Echo", "echo [redacted]"),
        ("Cookie", REDACTED),
        ("X-B", "c"),
    )


@pytest.mark.parametrize("secrets", [[KEY], []])
def test_credential_headers_are_masked_where_no_value_holds_a_secret(secrets):
    headers = [("X-A", "plain"), ("Cookie", "a=b"), ("Authorization", "Bearer xyz")]
    assert Redactor(secrets).headers(headers) == (
        ("X-A", "plain"),
        ("Cookie", REDACTED),
        ("Authorization", "Bearer [redacted]"),
    )
