"""The HTTP client: a well-behaved guest on someone's staging.

Per-request timeout, bounded response reads, redirects never followed, a cap on
total requests, traffic in each rate-limit bucket paced below the target's limit, an
unexpected 429 honoured (bounded), and every exchange redacted at creation. It raises
``BudgetExhausted`` when the run's request cap or time budget is spent (the tree of
the suite's errors is in ``conformance.exceptions``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx

from conformance.checks.rate import retry_after_seconds
from conformance.exceptions import BudgetExhausted, Stalled
from conformance.exchange import Exchange, Received, SentRequest
from conformance.probe import Credential, Probe
from conformance.redact import ENV_PREFIX, Redactor, curl_line
from conformance.wire import read_body

USER_AGENT = "errcontract-conformance/0.1 (+error-contract conformance suite)"
# After this many requests in a row got no answer, the target is treated as silent:
# each clause then spends one request finding out, not one per example.
SILENT_AFTER = 3
REFUSED_BACKOFF_S = 1.0
_WATCHDOG_GRACE_S = 0.5


@dataclass(frozen=True)
class ClientSettings:
    """Limits the client keeps; defaults are those of a polite guest."""

    base_url: str
    timeout_s: float = 10.0
    max_body_bytes: int = 256 << 10
    max_requests: int = 1000
    max_duration_s: float = 600.0
    rate_limit: float | None = None
    pace_fraction: float = 0.8
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
    credential_header: str = "Authorization"


@dataclass
class _Pacer:
    """Spaces requests so no bucket exceeds its share of the limit."""

    interval_s: float
    global_interval_s: float
    next_at: dict[str, float] = field(default_factory=dict)
    global_next: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, bucket: str, clock: Callable[[], float]) -> None:
        with self.lock:
            now = clock()
            start = max(now, self.next_at.get(bucket, 0.0), self.global_next)
            self.next_at[bucket] = start + self.interval_s
            self.global_next = start + self.global_interval_s
        delay = start - clock()
        if delay > 0:
            time.sleep(delay)


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
        self._secrets = dict(secrets)
        self._env_names = dict(env_names or {})
        self.redactor = Redactor(self._secrets.values())
        self._transport = transport
        self._http = self._new_http()
        self._workers = ThreadPoolExecutor(max_workers=64, thread_name_prefix="probe")
        self.silent_streak = 0
        limit = settings.rate_limit
        interval = 1.0 / (limit * settings.pace_fraction) if limit else 0.0
        self._pacer = _Pacer(
            interval, 1.0 / settings.max_rps if settings.max_rps else 0
        )
        self._cache: dict[tuple[object, ...], Exchange] = {}
        self._on_exchange = on_exchange
        self.sent = 0
        self.notes: list[str] = []
        self.started = time.monotonic()
        self._seq = 0
        self._lock = threading.Lock()
        self.waited_429_s = 0.0
        self.storm = False
        self.answered = False
        self.waited_refused_s = 0.0

    def _new_http(self) -> httpx.Client:
        return httpx.Client(
            base_url="",
            timeout=httpx.Timeout(self.settings.timeout_s),
            follow_redirects=False,
            trust_env=False,
            transport=self._transport,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )

    def close(self) -> None:
        """Close the connection pool; stuck requests are not waited for."""
        self._http.close()
        self._workers.shutdown(wait=False, cancel_futures=True)

    @property
    def silent(self) -> bool:
        """Whether the target has answered none of the last few requests."""
        return self.silent_streak >= SILENT_AFTER

    def key(self, probe: Probe) -> tuple[object, ...]:
        """What makes two probes the same request on the wire."""
        return (probe.method, self.url(probe), tuple(self._headers(probe)), probe.body)

    # -- building -------------------------------------------------------------------

    def url(self, probe: Probe) -> str:
        """The absolute URL of a probe (base URL path kept as a prefix)."""
        base = self.settings.base_url.rstrip("/")
        url = base + probe.path
        if probe.query:
            url += "?" + urlencode(probe.query)
        return url

    def _credential_value(self, credential: Credential) -> str | None:
        if credential.absent:
            return None
        if credential.fixture is not None:
            token = self._secrets.get(credential.fixture)
            if token is None:
                raise KeyError(f"no value for fixture {credential.fixture!r}")
        else:
            token = credential.literal or ""
        return credential.template.replace("{token}", token)

    def _headers(self, probe: Probe) -> list[tuple[str, str]]:
        # RFC 9110 5.5: a field value has no leading or trailing whitespace; servers
        # strip it and h11 refuses to send it. "Bearer   " goes out as "Bearer".
        headers = [(k, v.strip()) for k, v in probe.headers]
        value = self._credential_value(probe.credential)
        if value is not None:
            headers.append((self.settings.credential_header, value.strip()))
        return headers

    def bucket(self, probe: Probe, headers: Sequence[tuple[str, str]]) -> str:
        """The rate-limit bucket the target puts this request in (documented rule)."""
        lowered = {k.lower(): v for k, v in headers}
        for rule in self.settings.buckets:
            kind, _, name = rule.partition(":")
            if kind == "header" and lowered.get(name.lower()):
                return f"{name.lower()}={lowered[name.lower()]}"
            if kind == "client":
                return "client"
        return "client"

    # -- sending --------------------------------------------------------------------

    def cached(self, probe: Probe) -> Exchange | None:
        """The exchange an identical earlier probe got, if it was cached."""
        hit = self._cache.get(self.key(probe))
        # The same request may serve another clause: judge it with this probe's tags.
        return None if hit is None else replace(hit, probe=probe)

    def send(
        self,
        probe: Probe,
        *,
        paced: bool = True,
        cache: bool = True,
        budget: bool = True,
    ) -> Exchange:
        """Send ``probe`` and return its redacted exchange.

        Probes that do not write are cached by request: Hypothesis replays an example
        while shrinking, and the target need not answer the same question twice.
        """
        headers = self._headers(probe)
        url = self.url(probe)
        key = self.key(probe)
        use_cache = cache and not probe.writes and probe.role == "probe"
        if use_cache and key in self._cache:
            return replace(self._cache[key], probe=probe)
        exchange = self._send_with_retries(probe, url, headers, paced, budget)
        # A failure or a 429 says nothing about the request: ask again next time.
        if exchange.response is None or exchange.status == 429:
            use_cache = False
        if use_cache:
            self._cache[key] = exchange
        if self._on_exchange is not None:
            self._on_exchange(exchange)
        return exchange

    def _send_with_retries(
        self,
        probe: Probe,
        url: str,
        headers: list[tuple[str, str]],
        paced: bool,
        budget: bool,
    ) -> Exchange:
        attempts = 0
        refused = 0
        while True:
            exchange = self._send_once(probe, url, headers, paced, budget)
            response = exchange.response
            if response is None and self._went_away(exchange, refused):
                # The target answered before and now refuses connections: it may be
                # restarting. Wait a little and ask again (bounded), then report.
                refused += 1
                self.waited_refused_s += REFUSED_BACKOFF_S
                self.notes.append(
                    f"{probe.operation}: connection refused after the target had "
                    f"answered; waited {REFUSED_BACKOFF_S:g} s and retried"
                )
                self._sleep_within_budget(REFUSED_BACKOFF_S)
                continue
            if response is not None:
                self.answered = True
            if response is None or response.status != 429 or not paced:
                return exchange
            wait = retry_after_seconds(response.header("Retry-After")) or 1
            if self.storm:
                return exchange
            if attempts >= self.settings.retry_429:
                self.notes.append(
                    f"{probe.operation}: still 429 after {attempts} retries; "
                    "the exchange is kept but not judged by its clause"
                )
                return exchange
            if wait > self.settings.max_retry_wait_s:
                self.notes.append(
                    f"{probe.operation}: 429 asked to wait {wait} s, more than the "
                    f"{self.settings.max_retry_wait_s:g} s the suite waits; not retried"
                )
                return exchange
            if self.waited_429_s + wait > self.settings.max_429_wait_s:
                self.storm = True
                self.notes.append(
                    "429 storm: the target kept answering 429; after waiting "
                    f"{self.waited_429_s:g} s in all the suite stopped retrying, and "
                    "clauses whose probes were all throttled are reported not-run"
                )
                return exchange
            attempts += 1
            self.waited_429_s += wait
            self.notes.append(
                f"{probe.operation}: unexpected 429 outside the rate-limit probe; "
                f"waited {wait} s (Retry-After) and retried"
            )
            self._sleep_within_budget(wait)

    def _went_away(self, exchange: Exchange, refused: int) -> bool:
        return (
            self.answered
            and refused < self.settings.retry_refused
            and self.waited_refused_s < self.settings.max_refused_wait_s
            and "ConnectError" in (exchange.failure or "")
        )

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
        if paced:
            self._pacer.wait(self.bucket(probe, headers), time.monotonic)
        with self._lock:
            self.sent += 1
            self._seq += 1
            seq = self._seq
        request = self._record(probe, url, headers)
        started = time.monotonic()
        timeout = self.settings.timeout_s
        # A watchdog bounds the whole request: httpx's timeout applies to each read,
        # and a target dripping its headers a byte a second never trips it.
        future = self._workers.submit(self._exchange, probe, url, headers, started)
        failure = None
        try:
            received = future.result(timeout=timeout + _WATCHDOG_GRACE_S)
        except FutureTimeout:
            self._abandon_connections()
            failure = f"no complete answer within {timeout:g} s (stalled or dripped)"
        except Stalled:
            failure = f"no complete answer within {timeout:g} s (stalled or dripped)"
        except httpx.TimeoutException:
            failure = f"no answer within {timeout:g} s (timeout)"
        except httpx.TransportError as exc:
            failure = self.redactor.text(
                f"transport error: {type(exc).__name__}: {exc}"
            )
        with self._lock:
            self.silent_streak = 0 if failure is None else self.silent_streak + 1
        if failure is not None:
            return self._exchange_for(seq, probe, request, None, failure)
        return self._exchange_for(seq, probe, request, received, None)

    def _abandon_connections(self) -> None:
        """Drop the pool a stuck request holds; later requests get a fresh one."""
        with self._lock:
            stuck, self._http = self._http, self._new_http()
        # Closing may wait on the stuck connection: do it off the request path.
        threading.Thread(target=stuck.close, daemon=True).start()

    def _exchange(
        self, probe: Probe, url: str, headers: list[tuple[str, str]], started: float
    ) -> Received:
        http = self._http
        with http.stream(
            probe.method, url, headers=headers, content=probe.body
        ) as response:
            # The timeout bounds the whole request, not each read: a target dripping
            # a byte at a time must not hold the run.
            body = read_body(
                response,
                limit=self.settings.max_body_bytes,
                deadline=started + self.settings.timeout_s,
            )
            raw_headers = [
                (k.decode("latin-1"), v.decode("latin-1"))
                for k, v in response.headers.raw
            ]
        return Received(
            status=response.status_code,
            headers=self.redactor.headers(raw_headers),
            body=self.redactor.data(body.data),
            truncated=body.truncated,
            received_at=datetime.now(UTC),
            elapsed_s=time.monotonic() - started,
            note=body.note,
        )

    def _record(
        self, probe: Probe, url: str, headers: list[tuple[str, str]]
    ) -> SentRequest:
        body = None
        if probe.body is not None:
            body = self.redactor.data(probe.body).decode("utf-8", errors="replace")
        return SentRequest(
            method=probe.method,
            url=self.redactor.text(url),
            headers=self.redactor.headers(headers),
            body=body,
        )

    def _exchange_for(
        self,
        seq: int,
        probe: Probe,
        request: SentRequest,
        received: Received | None,
        failure: str | None,
    ) -> Exchange:
        curl_headers = [(k, self.redactor.text(v)) for k, v in probe.headers]
        from_env: dict[str, str] = {}
        credential = probe.credential
        if credential.fixture is not None and not credential.absent:
            env = self._env_names.get(
                credential.fixture, ENV_PREFIX + credential.fixture.upper()
            )
            from_env[self.settings.credential_header] = credential.template.replace(
                "{token}", "$" + env
            )
        elif not credential.absent:
            # A literal token is generated junk, not a secret: shown so it reproduces.
            value = credential.template.replace("{token}", credential.literal or "")
            curl_headers.append((self.settings.credential_header, value.strip()))
        curl = curl_line(
            probe.method,
            request.url,
            curl_headers,
            None if probe.body is None else self.redactor.data(probe.body),
            from_env=from_env,
        )
        return Exchange(
            seq=seq,
            probe=probe,
            request=request,
            curl=curl,
            response=received,
            failure=failure,
        )
