"""The HTTP client: a well-behaved guest on someone's staging.

The facade over small modules, one concern each: ``pacing`` (each rate-limit bucket
within the target's limit, the run under ``max_rps``), ``retries`` (an unexpected 429
honoured, a restarting target waited for, both bounded), ``wire`` (one request within
bounds: the whole-request deadline, the byte limit, no redirects), ``credentials``
(where a probe's credential goes), ``redact`` and ``replay`` (the cache answering a
request already answered), ``silence`` (whether the target still answers). Here: the
request cap and time budget, and every exchange built redacted. It raises
``BudgetExhausted`` when the run's request cap or time budget is spent (the tree of
the suite's errors is in ``conformance.exceptions``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlencode

import httpx

from errcontract._http.credentials import CredentialRenderer, Placement
from errcontract._http.exchange import Asked, Exchange, Replay
from errcontract._http.pacing import Pacer, bucket_of
from errcontract._http.probe import Probe
from errcontract._http.redact import Redactor
from errcontract._http.replay import Answered, ReplayCache, request_key
from errcontract._http.retries import RetryLimits, RetryPolicy
from errcontract._http.silence import Silence
from errcontract._http.wire import WATCHDOG_GRACE_S, Wire
from errcontract.exceptions import BudgetExhausted


@dataclass(frozen=True)
class ClientSettings:
    """Limits the client keeps; defaults are those of a polite guest."""

    base_url: str
    timeout_s: float = 10.0
    max_body_bytes: int = 256 << 10
    max_requests: int = 1000
    max_duration_s: float = 600.0
    rate_limit: float | None = None
    # Steady traffic in a bucket at this share of the limit; the pacer's window
    # guard, not this margin, is what keeps every window within the limit.
    pace_fraction: float = 0.95
    max_rps: float = 25.0
    buckets: tuple[str, ...] = ("client",)
    retry_429: int = 2
    max_retry_wait_s: float = 5.0
    # All waiting for unexpected 429s in a run; past it, a storm is declared and
    # no 429 is retried any more (each is reported, none judged).
    max_429_wait_s: float = 20.0
    # A target that refuses connections mid-run is asked again after a pause.
    retry_refused: int = 3
    max_refused_wait_s: float = 15.0
    # ... and one that drops the request in flight (reset, closed unanswered) is
    # asked once more; dropped again, that is its answer.
    retry_dropped: int = 1
    credential_header: str = "Authorization"
    credential_query: str | None = None
    retry_header: str = "Retry-After"


class Outgoing(NamedTuple):
    """A probe as it goes out: its URL, its header lines (secrets resolved: never
    shown) and its ``request_key``."""

    url: str
    headers: list[tuple[str, str]]
    key: bytes


class Client:
    """Sends probes and returns redacted exchanges; holds the only copy of secrets."""

    def __init__(
        self,
        settings: ClientSettings,
        secrets: Mapping[str, str],
        *,
        env_names: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        on_exchange: Callable[[Exchange], None] | None = None,
    ) -> None:
        self.settings = settings
        self.redactor = Redactor(secrets.values(), headers=[settings.credential_header])
        self._credentials = CredentialRenderer(
            Placement(
                header=settings.credential_header, query=settings.credential_query
            ),
            secrets,
            env_names,
        )
        self._wire = Wire(
            timeout_s=settings.timeout_s,
            max_body_bytes=settings.max_body_bytes,
            redactor=self.redactor,
            transport=transport,
        )
        self._pacer = Pacer(
            limit=settings.rate_limit,
            fraction=settings.pace_fraction,
            max_rps=settings.max_rps,
            max_in_flight_s=settings.timeout_s + WATCHDOG_GRACE_S + 1.0,
        )
        self.notes: list[str] = []
        self.retries = RetryPolicy(
            RetryLimits(
                retry_429=settings.retry_429,
                max_retry_wait_s=settings.max_retry_wait_s,
                max_429_wait_s=settings.max_429_wait_s,
                retry_refused=settings.retry_refused,
                max_refused_wait_s=settings.max_refused_wait_s,
                retry_dropped=settings.retry_dropped,
                retry_header=settings.retry_header,
            ),
            self.notes,
        )
        self._cache = ReplayCache()
        # Requests in flight that may be cached, each with the event its answer
        # sets: an identical one waits for it rather than asking the target too.
        self._flights: dict[bytes, threading.Event] = {}
        self._last_shown: tuple[Probe, str, Replay] | None = None
        self._on_exchange = on_exchange
        self.silence = Silence()
        self.sent = 0
        self.started = time.monotonic()
        self._seq = 0
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the connection pool; stuck requests are not waited for."""
        self._wire.close()

    def meanwhile(self, job: Callable[[], None]) -> AbstractContextManager[None]:
        """Run ``job`` while the block's first request awaits its answer, else at
        the block's end (``Wire.meanwhile``)."""
        return self._wire.meanwhile(job)

    def last_before_silence(self) -> Exchange | None:
        """The request after which the target stopped answering (``Silence``)."""
        return self.silence.last_before()

    def stopped_answering(self) -> str | None:
        """Why the target looks down; ``None`` while it answers (``Silence``)."""
        return self.silence.stopped_answering()

    @property
    def silent(self) -> bool:
        """Whether the target has answered none of the last few requests."""
        return self.silence.silent

    @property
    def silent_streak(self) -> int:
        """How many requests in a row got no answer, up to the last one."""
        return self.silence.streak

    def outgoing(self, probe: Probe) -> Outgoing:
        """``probe``'s URL, header lines and key, made once for the lookups and the
        sending of one probe."""
        url, headers = self.url(probe), self._headers(probe)
        key = request_key(probe.method, url, headers, probe.body)
        return Outgoing(url, headers, key)

    # -- building -------------------------------------------------------------------

    def url(self, probe: Probe) -> str:
        """The absolute URL of a probe (base URL path kept as a prefix)."""
        base = self.settings.base_url.rstrip("/")
        url = base + probe.path
        query = [*probe.query, *self._credentials.query(probe.credential)]
        if query:
            url += "?" + urlencode(query)
        return url

    def _headers(self, probe: Probe) -> list[tuple[str, str]]:
        # RFC 9110 5.5: no leading or trailing whitespace in a field value.
        headers = [(k, v.strip()) for k, v in probe.headers]
        return headers + self._credentials.wire(probe.credential)

    def bucket(self, probe: Probe, headers: Sequence[tuple[str, str]]) -> str:
        """The rate-limit bucket the target puts this request in (documented rule)."""
        return bucket_of(self.settings.buckets, headers)

    # -- sending --------------------------------------------------------------------

    def cached(self, probe: Probe, out: Outgoing | None = None) -> Exchange | None:
        """The exchange an identical earlier probe got, if it was cached (``out``:
        the probe's ``outgoing``, if made)."""
        if probe.fresh:
            return None
        out = out or self.outgoing(probe)
        hit = self._cache.get(out.key)
        return None if hit is None else self._replayed(probe, out.url, out.headers, hit)

    def send(
        self,
        probe: Probe,
        *,
        paced: bool = True,
        cache: bool = True,
        budget: bool = True,
        out: Outgoing | None = None,
    ) -> Exchange:
        """Send ``probe`` and return its redacted exchange (``out``: the probe's
        ``outgoing``, if made).

        Probes that do not write are cached by request: Hypothesis replays an example
        while shrinking, and the target need not answer the same question twice.
        """
        url, headers, key = out or self.outgoing(probe)
        use_cache = (
            cache and not probe.writes and not probe.fresh and probe.role == "probe"
        )
        hit = self._cache.get(key) if use_cache else None
        mine = None
        if hit is None and use_cache:
            hit, mine = self._after_flight(key)
        if hit is not None:
            return self._replayed(probe, url, headers, hit)
        try:
            exchange = self._send_with_retries(probe, url, headers, paced, budget)
            # A failure or a 429 says nothing about the request: ask again next time.
            if use_cache and exchange.response is not None and exchange.status != 429:
                self._cache.keep(
                    key,
                    seq=exchange.seq,
                    url=url,
                    response=exchange.response,
                    shown=self._shown(probe, url),
                )
        finally:
            if mine is not None:
                with self._lock:
                    del self._flights[key]
                mine.set()
        if self._on_exchange is not None:
            self._on_exchange(exchange)
        return exchange

    def _after_flight(
        self, key: bytes
    ) -> tuple[Answered | None, threading.Event | None]:
        """The answer of an identical request already in flight, once it lands
        (examples sent side by side, ``--workers``, may repeat one): the target is
        asked once, as one at a time would. With none in flight, this request
        flies: the event to set when it lands. ``(None, None)``: the one in flight
        got no answer to keep, and this one asks again."""
        with self._lock:
            flight = self._flights.get(key)
            if flight is None:
                mine = self._flights[key] = threading.Event()
                return None, mine
        flight.wait(self.settings.timeout_s + WATCHDOG_GRACE_S + 1.0)
        return self._cache.get(key), None

    def _send_with_retries(
        self,
        probe: Probe,
        url: str,
        headers: list[tuple[str, str]],
        paced: bool,
        budget: bool,
    ) -> Exchange:
        tries = {"refused": 0, "dropped": 0, "throttled": 0}
        # Each retry spends one of the bounded tries of its kind, so this ends.
        settings = self.settings
        kinds = (settings.retry_refused, settings.retry_dropped, settings.retry_429)
        attempts = 1 + sum(max(0, n) for n in kinds)
        exchange = None
        for _ in range(attempts):
            exchange = self._send_once(probe, url, headers, paced, budget)
            decision = self.retries.wait_before_retry(
                exchange,
                refused=tries["refused"],
                throttled=tries["throttled"],
                paced=paced,
                dropped=tries["dropped"],
            )
            if decision is None:
                return exchange
            kind, wait = decision
            tries[kind] += 1
            self._sleep_within_budget(wait)
        assert exchange is not None  # the last attempt is never retried
        return exchange

    def _sleep_within_budget(self, seconds: float) -> None:
        remaining = self.settings.max_duration_s - (time.monotonic() - self.started)
        if seconds >= remaining:
            raise BudgetExhausted(
                f"the time budget of {self.settings.max_duration_s:g} s is spent"
            )
        time.sleep(seconds)

    def _check_budget(self) -> None:
        if self.sent >= self.settings.max_requests:
            raise BudgetExhausted(
                f"the request cap of {self.settings.max_requests} is reached"
            )
        if time.monotonic() - self.started > self.settings.max_duration_s:
            raise BudgetExhausted(
                f"the time budget of {self.settings.max_duration_s:g} s is spent"
            )

    def _send_once(
        self,
        probe: Probe,
        url: str,
        headers: list[tuple[str, str]],
        paced: bool,
        budget: bool = True,
    ) -> Exchange:
        if budget:
            self._check_budget()
        with self._pacer.sending(self.bucket(probe, headers), wait=paced):
            with self._lock:
                self.sent += 1
                self._seq += 1
                seq = self._seq
            # The request's side of the evidence is made while its answer is on its
            # way (the target's time), not after it.
            asked: list[Asked] = []
            received, failure = self._wire.send(
                probe.method,
                url,
                headers,
                probe.body,
                lambda: asked.append(self._asked(probe, url, headers)),
            )
        exchange = asked[0].answered(self.redactor, seq, probe, received, failure)
        with self._lock:
            self.silence.saw(exchange)
        return exchange

    def _replayed(
        self,
        probe: Probe,
        url: str,
        headers: list[tuple[str, str]],
        hit: Answered,
    ) -> Exchange:
        """A cached answer judged as ``probe`` (the same request may serve another
        clause: judged with this probe's tags): its evidence made again from this
        probe, the same request, as it was made when it was sent."""
        asked = self._asked(probe, url, headers, hit.replay(url))
        return asked.answered(self.redactor, hit.seq, probe, hit.response, None)

    def _shown(self, probe: Probe, url: str) -> Replay:
        """What the ``curl`` line shows: a fixture credential named by its
        environment variable, so the line reproduces. The evidence and the replay
        cache ask it of the same probe in turn: made once."""
        last = self._last_shown
        if last is not None and last[0] is probe and last[1] == url:
            return last[2]
        shown, from_env = self._credentials.shown(probe.credential)
        curl_url, query_from_env = url, None
        in_query = self._credentials.shown_query(probe.credential)
        if in_query is not None:  # the URL names the variable, as a header would
            curl_url = self.settings.base_url.rstrip("/") + probe.path
            if probe.query:
                curl_url += "?" + urlencode(list(probe.query))
            query_from_env = "=".join(in_query)
        replay = Replay(
            url=curl_url,
            headers=(*probe.headers, *shown),
            from_env=from_env,
            query_from_env=query_from_env,
        )
        self._last_shown = (probe, url, replay)
        return replay

    def _asked(
        self,
        probe: Probe,
        url: str,
        headers: list[tuple[str, str]],
        shown: Replay | None = None,
    ) -> Asked:
        """The request's side of the evidence (``Asked.redacted``)."""
        replay = shown or self._shown(probe, url)
        return Asked.redacted(
            self.redactor, probe.method, url, headers, probe.body, replay
        )
