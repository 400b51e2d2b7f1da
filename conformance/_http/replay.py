"""The replay cache: a request the target answered is not asked again in a run.

Hypothesis replays an example while shrinking, and clauses ask each other's requests
across the whole list of operations, so the cache lives as long as the run and grows
with its distinct requests. An entry keeps only what the replaying probe cannot give
(``Answered``): the answer, the request's sequence number, and how its ``curl`` line
showed the credential and headers. The key is a 16-byte digest of the request as sent
(method, URL, headers, body); a hit is the same request, so its evidence (the request
as sent, its body above all) is made again from the replaying probe exactly as it was
made the first time, and nothing the run shows changes. Whole exchanges, probes and
bodies are not kept: memory stays near flat in the number of requests.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from errcontract._http.exchange import Received, Replay

KEY_BYTES = 16
"""The digest's size: with 2**128 values, two of a run's requests (a few hundred
thousand at most) sharing one is a chance of about 10**-28."""


def request_key(
    method: str, url: str, headers: Sequence[tuple[str, str]], body: bytes | None
) -> bytes:
    """What makes two probes the same request on the wire, as a short digest."""
    head = repr((method, url, tuple(headers), body is None)).encode("utf-8")
    digest = hashlib.blake2b(digest_size=KEY_BYTES)
    digest.update(len(head).to_bytes(8, "big"))  # where the head ends: unambiguous
    digest.update(head)
    digest.update(body or b"")
    return digest.digest()


@dataclass(frozen=True, slots=True)
class Answered:
    """What a replay needs of an answered request.

    ``shown`` is how the first probe's ``curl`` line showed its headers and credential
    (shared between entries: few differ), ``curl_url`` its URL when it is not the
    request's (a credential in the query, named by its variable). The same request
    may come from a probe that shows it otherwise (a padded header value, another
    fixture of the same value): the line stays the first one's, as the answer does.
    """

    seq: int
    response: Received
    shown: Replay
    curl_url: str | None = None

    def replay(self, url: str) -> Replay:
        """How the ``curl`` line of request ``url`` shows it."""
        return replace(self.shown, url=url if self.curl_url is None else self.curl_url)


class ReplayCache:
    """Answers by request digest, each kept as ``Answered`` (safe across threads)."""

    def __init__(self) -> None:
        self._answers: dict[bytes, Answered] = {}
        self._shown: dict[tuple[object, ...], Replay] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: bytes) -> Answered | None:
        """The answer kept for request ``key``, if any."""
        return self._answers.get(key)

    def keep(
        self, key: bytes, *, seq: int, url: str, response: Received, shown: Replay
    ) -> None:
        """Keep the answer of request ``key`` (sent as ``url``, its ``curl`` line
        shown as ``shown``)."""
        parts = (shown.headers, _items(shown.from_env), shown.query_from_env)
        with self._lock:
            common = self._shown.get(parts)
            if common is None:
                common = self._shown[parts] = replace(shown, url="")
            self._answers[key] = Answered(
                seq=seq,
                response=response,
                shown=common,
                curl_url=None if shown.url == url else shown.url,
            )


def _items(mapping: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(mapping.items())
