"""Redaction and curl reproduction: the only place secrets are replaced.

Two layers, after Schemathesis: header names that carry credentials are masked whatever
their value, and every secret fixture value is masked wherever it appears (a target that
echoes the key back in a body must not get it into a report), and so is every key
derived from it (``derived``: the key with its case swapped shows all of it).
"""

from __future__ import annotations

import base64
import html
import json
import re
import shlex
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus, urlsplit

from errcontract._http.derived import derive, derived_keys

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


def _forms(secret: str) -> set[str]:
    """Every way a secret is written where it could end up: as sent, URL-encoded
    (``quote``, ``quote_plus``, whatever the case of its hex), Base64 (Basic auth),
    JSON- and Python-escaped (a body or a ``repr`` in a message), HTML- and
    XML-escaped (the reports)."""
    found: set[str] = set()
    for value in {secret, secret.strip()}:
        if not value:
            continue
        raw = value.encode("utf-8")
        found |= {
            value,
            base64.b64encode(raw).decode(),
            base64.b64encode(raw).decode().rstrip("="),
            base64.urlsafe_b64encode(raw).decode(),
            base64.urlsafe_b64encode(raw).decode().rstrip("="),
            quote(value, safe=""),
            quote(value),
            quote_plus(value),
            quote(quote(value, safe=""), safe=""),
            json.dumps(value)[1:-1],
            json.dumps(value, ensure_ascii=False)[1:-1],
            json.dumps(value)[1:-1].replace("/", "\\/"),
            repr(value)[1:-1],
            value.encode("unicode_escape").decode("ascii"),
            html.escape(value),
            html.escape(value, quote=False),
            value.replace("&", "&amp;").replace('"', "&quot;").replace("'", "&apos;"),
        }
    return {f for f in found if f}


_PERCENT = re.compile(r"%([0-9A-Fa-f])([0-9A-Fa-f])")


def _pattern(form: str) -> str:
    """``form`` as a regular expression; percent-escapes match in either case."""
    out = []
    last = 0
    for match in _PERCENT.finditer(form):
        out.append(re.escape(form[last : match.start()]))
        hi, lo = match.groups()
        out.append("%" + "".join(f"[{c.lower()}{c.upper()}]" for c in (hi, lo)))
        last = match.end()
    out.append(re.escape(form[last:]))
    return "".join(out)


class Redactor:
    """Masks the given secret values, in every encoding, and credential headers."""

    def __init__(
        self, secrets: Iterable[str] = (), *, headers: Iterable[str] = ()
    ) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if not secret.strip():
                continue
            own = _forms(secret)
            forms |= own
            padded = derive(secret, "padded")
            for value in derived_keys(secret):
                found = _forms(value)
                if value == padded:
                    # The key with spaces around it: a form holding the key's own is
                    # masked by it, and masking it whole would eat the spaces beside
                    # a key in any text; its other encodings (Base64) are kept.
                    found = {f for f in found if not any(o in f for o in own)}
                forms |= found
        # Longest first, so a secret that contains another is masked whole.
        ordered = sorted(forms, key=len, reverse=True)
        self._secrets = ordered
        joined = "|".join(_pattern(f) for f in ordered)
        self._text = re.compile(joined) if ordered else None
        self._data = re.compile(joined.encode("utf-8")) if ordered else None
        # A profile's own credential header (``X-Team-Token``) is masked by name too.
        self._sensitive = SENSITIVE_HEADERS | {h.lower() for h in headers}

    def text(self, value: str) -> str:
        """``value`` with every secret replaced."""
        if self._text is None:
            return value
        return self._text.sub(REDACTED, value)

    def data(self, value: bytes) -> bytes:
        """Bytes with every secret replaced (for bodies)."""
        if self._data is None:
            return value
        return self._data.sub(REDACTED.encode(), value)

    def sensitive(self, name: str) -> bool:
        """Whether header ``name`` carries a credential whatever its value."""
        return name.lower() in self._sensitive

    def header(self, name: str, value: str) -> str:
        """A header value fit to show: credentials keep only their scheme word."""
        if not self.sensitive(name):
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
        """Every header made fit to show. Where no value holds a secret (one search
        over them all: the patterns are literals), only credential headers change."""
        pairs = tuple(headers)
        if self._text is not None and self._text.search("\n".join(v for _, v in pairs)):
            return tuple((k, self.header(k, v)) for k, v in pairs)
        sensitive = self._sensitive
        return tuple(
            (k, self.header(k, v)) if k.lower() in sensitive else (k, v)
            for k, v in pairs
        )


def shown_url(url: str) -> str:
    """A URL fit for a message that names a setting: user info and query masked
    (a token may ride in either), the rest kept so the user knows which URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "[unparseable URL]"
    netloc = parts.netloc.rpartition("@")[2]
    if "@" in parts.netloc:
        netloc = "[redacted]@" + netloc
    shown = f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme else url
    if "@" in shown and "@" not in netloc:
        shown = "[redacted]@" + shown.rpartition("@")[2]
    return shown + ("?…" if parts.query or parts.fragment else "")


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
