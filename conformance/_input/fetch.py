"""The one bounded fetch, for everything taken from the network that is not the target.

An OpenAPI document given as a URL, and the remote ``$ref`` a user allowed, come from
servers the user named but the suite does not trust: one that drips a byte every two
seconds, answers 300 MB, a gzip bomb, or redirects to a third host. Each fetch has a
total deadline (not a per-read timeout), a size cap counted after decompression, no
redirect to another host, no proxy unless one is given, and no credential: it sends
nothing of the run's. It is built on the client's ``Wire`` (the whole-request
deadline, bounded reads).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from errcontract._http.redact import Redactor, shown_url
from errcontract._http.wire import Wire
from errcontract._input.loading import MAX_DOCUMENT_BYTES
from errcontract.exceptions import ConfigError

MAX_REDIRECTS = 5
ACCEPT = "application/yaml, application/json;q=0.9, text/plain;q=0.5, */*;q=0.1"


@dataclass(frozen=True)
class FetchPolicy:
    """What a fetch may do: its deadline, size, hosts and proxy."""

    deadline_s: float = 10.0
    max_bytes: int = MAX_DOCUMENT_BYTES
    allowed_hosts: frozenset[str] = frozenset()
    """Hosts a remote ``$ref`` may name (the document's own host always may)."""
    proxy: str | None = None


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``, the port made explicit."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    try:
        port = parts.port or default
    except ValueError:
        port = None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def fetch(url: str, *, policy: FetchPolicy, what: str) -> bytes:
    """The body at ``url`` (a 200), or a ``ConfigError`` naming ``what``.

    ``what`` says what is fetched and where its address came from ("the OpenAPI
    document (from --openapi)"); the URL is shown with its query masked, since a
    token may ride there.
    """
    deadline = time.monotonic() + policy.deadline_s
    start = origin(url)
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        left = deadline - time.monotonic()
        if left <= 0:
            raise ConfigError(
                f"{what} at {shown_url(url)} did not arrive within "
                f"{policy.deadline_s:g} s"
            )
        wire = Wire(
            timeout_s=left,
            max_body_bytes=policy.max_bytes,
            redactor=Redactor(()),
            proxy=policy.proxy,
        )
        try:
            received, failure = wire.send("GET", current, [("Accept", ACCEPT)], None)
        except ValueError as exc:  # httpx refuses the URL itself
            raise ConfigError(f"{what}: {shown_url(url)} is not a URL: {exc}") from None
        finally:
            wire.close()
        if received is None:
            raise ConfigError(f"cannot fetch {what} at {shown_url(url)}: {failure}")
        if received.status in (301, 302, 303, 307, 308):
            location = received.header("location")
            if not location:
                raise ConfigError(
                    f"{what} at {shown_url(url)} redirects ({received.status}) "
                    "without a Location"
                )
            following = urljoin(current, location)
            if origin(following) != start:
                raise ConfigError(
                    f"{what} at {shown_url(url)} redirects to another host "
                    f"({shown_url(following)}); the suite follows no redirect off "
                    "the host you named: give the final URL"
                )
            current = following
            continue
        if received.status != 200:
            raise ConfigError(
                f"{what} at {shown_url(url)} answered {received.status}, not 200"
            )
        if received.truncated:
            raise ConfigError(
                f"{what} at {shown_url(url)} is larger than "
                f"{policy.max_bytes / (1 << 20):g} MB (--max-document-bytes)"
            )
        if received.note:
            raise ConfigError(f"{what} at {shown_url(url)}: {received.note}")
        return received.body
    raise ConfigError(
        f"{what} at {shown_url(url)} redirects more than {MAX_REDIRECTS} times"
    )
