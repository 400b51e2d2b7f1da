"""When to ask again: an unexpected 429 honoured, a restarting target waited for.

All are bounded (tries per request, the longest wait, all waiting in a run) and
each one leaves a note, since a retry is something the report must show. Past the
run's 429 waiting budget a *storm* is declared and no 429 is retried any more.

A target going down shows two ways: connections refused, and the request in flight
when it went (or one sent on a kept-alive connection it had just closed) dropped
with a reset or closed with no answer. Either, once the target has answered in this
run, is asked again; a drop only once, so a target that drops one request every
time while answering others still gives that drop as its answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from errcontract._http.exchange import Exchange

REFUSED_BACKOFF_S = 1.0
DROPPED_BACKOFF_S = 0.25
"""Short: the next attempt finds the target answering, refusing (then waited for as
refused) or dropping again (its answer); each deliberate drop costs this much."""
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
"""RFC 9110 9.2.2: a request a client may send again when the connection closed
before the answer came; a probe that writes nothing is safe to send again too."""


def connection_dropped(failure: str | None) -> bool:
    """Whether a request got no answer because the connection went: reset, a
    broken pipe, or closed before a byte of an answer (never a timeout, a refusal,
    or an answer cut short or malformed: those the target said)."""
    text = failure or ""
    return (
        "ReadError" in text
        or "WriteError" in text
        or ("RemoteProtocolError" in text and "without sending a response" in text)
    )


def connection_refused(failure: str | None) -> bool:
    """Whether a request got no answer because no connection was taken: the target
    is not listening (down, restarting)."""
    return "ConnectError" in (failure or "")


def retry_after_seconds(value: str | None) -> int | None:
    """``Retry-After`` as a positive integer of seconds, else ``None``."""
    if value is None or not re.fullmatch(r"[0-9]+", value.strip()):
        return None
    seconds = int(value.strip())
    return seconds if seconds > 0 else None


@dataclass(frozen=True)
class RetryLimits:
    """How much retrying one request and the whole run may do (``ClientSettings``)."""

    retry_429: int
    max_retry_wait_s: float
    max_429_wait_s: float
    retry_refused: int
    max_refused_wait_s: float
    # The header a 429 names its delay in (the profile's ``rate_limit.retry_header``).
    retry_header: str = "Retry-After"
    # A dropped connection is asked again this many times per request; all such
    # waiting in a run is bounded by ``max_refused_wait_s`` too (counted apart).
    retry_dropped: int = 1


class RetryPolicy:
    """Decides, after each attempt, whether to wait and send again, and for how long.

    One per client: the run's waiting totals, the storm, and whether the target ever
    answered (only a target that answered before is waited for when it refuses or
    drops a connection).
    """

    def __init__(self, limits: RetryLimits, notes: list[str]) -> None:
        self.limits = limits
        self.notes = notes
        self.waited_429_s = 0.0
        self.waited_refused_s = 0.0
        self.waited_dropped_s = 0.0
        # The run's waiting for dropped connections is spent (said once).
        self.spent = False
        self.storm = False
        self.answered = False

    def wait_before_retry(
        self,
        exchange: Exchange,
        *,
        refused: int,
        throttled: int,
        paced: bool,
        dropped: int = 0,
    ) -> tuple[str, float] | None:
        """``("refused" | "dropped" | "throttled", seconds)`` to wait and retry, or
        ``None``.

        ``refused``, ``dropped`` and ``throttled`` count this request's earlier
        retries of each kind; an unpaced request (the rate-limit burst) wants its
        429 as it is.
        """
        operation = exchange.probe.operation
        response = exchange.response
        if response is None:
            if self._dropped(exchange, dropped):
                # Gone mid-request (a restart, a kept-alive connection it closed):
                # asked once more. Dropped again, it is the target's answer.
                self.waited_dropped_s += DROPPED_BACKOFF_S
                self.notes.append(
                    f"{operation}: connection dropped without an answer after the "
                    f"target had answered; waited {DROPPED_BACKOFF_S:g} s and retried"
                )
                return "dropped", DROPPED_BACKOFF_S
            if connection_dropped(exchange.failure) and self.answered:
                self._kept_drop(operation, dropped)
            if not self._went_away(exchange, refused):
                return None
            # The target answered before and now refuses connections: it may be
            # restarting. Wait a little and ask again (bounded), then report.
            self.waited_refused_s += REFUSED_BACKOFF_S
            self.notes.append(
                f"{operation}: connection refused after the target had "
                f"answered; waited {REFUSED_BACKOFF_S:g} s and retried"
            )
            return "refused", REFUSED_BACKOFF_S
        self.answered = True
        if response.status != 429 or not paced or self.storm:
            return None
        wait = retry_after_seconds(response.header(self.limits.retry_header)) or 1
        limits = self.limits
        if throttled >= limits.retry_429:
            self.notes.append(
                f"{operation}: still 429 after {throttled} retries; "
                "the exchange is kept but not judged by its clause"
            )
            return None
        if wait > limits.max_retry_wait_s:
            self.notes.append(
                f"{operation}: 429 asked to wait {wait} s, more than the "
                f"{limits.max_retry_wait_s:g} s the suite waits; not retried"
            )
            return None
        if self.waited_429_s + wait > limits.max_429_wait_s:
            self.storm = True
            self.notes.append(
                "429 storm: the target kept answering 429; after waiting "
                f"{self.waited_429_s:g} s in all the suite stopped retrying, and "
                "clauses whose probes were all throttled are reported not-run"
            )
            return None
        self.waited_429_s += wait
        self.notes.append(
            f"{operation}: unexpected 429 outside the rate-limit probe; "
            f"waited {wait} s (Retry-After) and retried"
        )
        return "throttled", wait

    def _kept_drop(self, operation: str, tries: int) -> None:
        """Say why a dropped connection was not asked again: it dropped again (the
        target's answer), or the run's waiting for drops is spent."""
        if tries:
            self.notes.append(
                f"{operation}: connection dropped again when asked again; "
                "taken as the target's answer"
            )
        elif self.waited_dropped_s >= self.limits.max_refused_wait_s and not self.spent:
            self.spent = True
            self.notes.append(
                f"dropped connections: {self.waited_dropped_s:g} s of waiting spent "
                "in all; no longer retried"
            )

    def _dropped(self, exchange: Exchange, tries: int) -> bool:
        probe = exchange.probe
        return (
            self.answered
            and tries < self.limits.retry_dropped
            and self.waited_dropped_s < self.limits.max_refused_wait_s
            and (exchange.request.method.upper() in IDEMPOTENT or not probe.writes)
            and connection_dropped(exchange.failure)
        )

    def _went_away(self, exchange: Exchange, refused: int) -> bool:
        return (
            self.answered
            and refused < self.limits.retry_refused
            and self.waited_refused_s < self.limits.max_refused_wait_s
            and connection_refused(exchange.failure)
        )
