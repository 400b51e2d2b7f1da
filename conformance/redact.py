"""Redaction and curl reproduction: the only place secrets are replaced.

Two layers, after Schemathesis: header names that carry credentials are masked whatever
their value, and every secret fixture value is masked wherever it appears (a target that
echoes the key back in a body must not get it into a report).
"""

from __future__ import annotations

import base64
import shlex
from collections.abc import Iterable, Mapping

REDACTED = "[redacted]"
# Secrets are named in output by the environment variable that holds them.
ENV_PREFIX = "CONFORMANCE_"

# Header names whose values are credentials whatever they hold.
SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "x-auth-token",
    }
)


class Redactor:
    """Masks the given secret values and credential headers."""

    def __init__(
        self, secrets: Iterable[str] = (), *, headers: Iterable[str] = ()
    ) -> None:
        # Longest first, so a secret that contains another is masked whole; the
        # trimmed form too, since that is what goes on the wire, and the Base64 form
        # (Basic auth sends ``user:password`` encoded; an echo must not show it).
        given = [s for s in secrets if s and s.strip()]
        encoded = [base64.b64encode(s.strip().encode()).decode() for s in given]
        forms = {*given, *(s.strip() for s in given), *encoded}
        self._secrets = sorted(forms, key=len)[::-1]
        # A profile's own credential header (``X-Team-Token``) is masked by name too.
        self._sensitive = SENSITIVE_HEADERS | {h.lower() for h in headers}

    def text(self, value: str) -> str:
        """``value`` with every secret replaced."""
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def data(self, value: bytes) -> bytes:
        """Bytes with every secret replaced (for bodies)."""
        for secret in self._secrets:
            encoded = secret.encode()
            if encoded in value:
                value = value.replace(encoded, REDACTED.encode())
        return value

    def header(self, name: str, value: str) -> str:
        """A header value fit to show: credentials keep only their scheme word."""
        if name.lower() not in self._sensitive:
            return self.text(value)
        scheme, _, rest = value.strip().partition(" ")
        if name.lower() in {"authorization", "proxy-authorization"}:
            if not rest.strip():
                # "Bearer" alone or a bare token: show a scheme word, mask the rest.
                shown = scheme if scheme.isalpha() and len(scheme) <= 12 else ""
                return self.text(shown) if shown else (REDACTED if value else value)
            if scheme.isalpha() and len(scheme) <= 12:
                return f"{scheme} {REDACTED}"
        return REDACTED

    def headers(
        self, headers: Iterable[tuple[str, str]]
    ) -> tuple[tuple[str, str], ...]:
        """Every header made fit to show."""
        return tuple((k, self.header(k, v)) for k, v in headers)


def _quote_bytes(body: bytes) -> str:
    """Shell-quote a body; bytes that are not printable text use ANSI-C ``$'…'``."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and all(c.isprintable() or c in "\n\t" for c in text):
        return shlex.quote(text)
    out = []
    for byte in body:
        char = chr(byte)
        if char == "'" or char == "\\":
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\x{byte:02x}")
    return "$'" + "".join(out) + "'"


def _in_double_quotes(value: str) -> str:
    """``value`` for a double-quoted shell word: ``$`` expands, nothing else does."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`")


def curl_line(
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]],
    body: bytes | None,
    *,
    from_env: Mapping[str, str] | None = None,
    query_from_env: str | None = None,
) -> str:
    """A ``curl`` command that reproduces an already redacted request.

    ``from_env`` maps a header name to a value that names the environment variable
    holding its secret (``Bearer $CONFORMANCE_API_KEY``); it is double-quoted so the
    shell expands it, and the line reproduces the request without showing the secret.
    ``query_from_env`` is a last query parameter naming one (``api_key=$CONFORMANCE_
    API_KEY``, a key in the query): the URL is double-quoted, its own ``$`` escaped.
    """
    shown_url = shlex.quote(url)
    if query_from_env is not None:
        plain = _in_double_quotes(url).replace("$", "\\$")
        joint = "&" if "?" in url else "?"
        shown_url = f'"{plain}{joint}{_in_double_quotes(query_from_env)}"'
    parts = ["curl", "-i", "-X", method, shown_url]
    for name, value in headers:
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    for name, value in (from_env or {}).items():
        parts += ["-H", f'"{name}: {_in_double_quotes(value)}"']
    if body is not None:
        parts += ["--data-binary", _quote_bytes(body) if body else "''"]
    return " ".join(parts)
