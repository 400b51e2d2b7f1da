"""Whether the target still answers: the run of unanswered requests, and the first
outage (connections refused after it had answered) even once it is back.

Kept apart from the client, which only tells it what each request got: the run
stops probing a silent target, and a target that went down mid-run ends the run
with exit 3, naming the request after which it went silent.
"""

from __future__ import annotations

from dataclasses import dataclass

from errcontract._http.exchange import Exchange
from errcontract._http.retries import connection_refused

SILENT_AFTER = 3
"""After this many requests in a row got no answer, the target is treated as silent:
each clause then spends one request finding out, not one per example."""


@dataclass
class Outage:
    """The first time in a run the target took no connections (refused) for
    ``SILENT_AFTER`` requests in a row after it had answered: the target went down.
    Kept when it answers again, since what went unsent meanwhile was not judged."""

    first: Exchange
    """The first request of the refused run."""
    last_answered: Exchange | None
    unanswered: int
    back: Exchange | None = None
    """The first request answered again, if the target came back."""


class Silence:
    """The unanswered requests of a run, as the client sees them (not thread-safe:
    the client calls ``saw`` under its lock)."""

    def __init__(self) -> None:
        self.streak = 0
        # The first request of the current run of unanswered ones, and the last
        # answered one: the evidence when the target stops answering.
        self.streak_start: Exchange | None = None
        self.last_answered: Exchange | None = None
        self.outage: Outage | None = None

    @property
    def silent(self) -> bool:
        """Whether the target has answered none of the last few requests."""
        return self.streak >= SILENT_AFTER

    def saw(self, exchange: Exchange) -> None:
        """Count a request sent: answered, or not (a failure, whatever it was)."""
        gone = self.outage
        if exchange.failure is None:
            self.streak = 0
            self.streak_start = None
            self.last_answered = exchange
            if gone is not None and gone.back is None:
                gone.back = exchange
            return
        if self.streak == 0:
            self.streak_start = exchange
        self.streak += 1
        if gone is not None:
            if gone.back is None:
                gone.unanswered += 1
            return
        first = self.streak_start
        # Refused after it had answered: down. A target hanging or resetting on
        # some requests is not down; only a run that ends silent is.
        if (
            first is not None
            and self.silent
            and self.last_answered is not None
            and connection_refused(first.failure)
        ):
            self.outage = Outage(first, self.last_answered, self.streak)

    def _reported(self) -> Outage | None:
        """The silence to report: the outage, or the unanswered run the run ends in."""
        if self.outage is not None:
            return self.outage
        if self.silent and self.streak_start is not None:
            return Outage(self.streak_start, self.last_answered, self.streak)
        return None

    def last_before(self) -> Exchange | None:
        """The request after which the target stopped answering: the first one that
        got no answer, unless the target was already gone (refused) by then; then
        the last one it answered, which it handled and then went down."""
        silence = self._reported()
        if silence is None:
            return None
        first = silence.first
        if "refused" in (first.failure or "").lower() and silence.last_answered:
            return silence.last_answered
        return first

    def stopped_answering(self) -> str | None:
        """Why the target looks down, naming the request after which it went silent:
        it went down (refused connections) at some point, or the run ends in a run
        of unanswered requests; ``None`` while it answers."""
        silence = self._reported()
        if silence is None:
            return None
        first = silence.first
        last = silence.last_answered.seq if silence.last_answered else 0
        why = (
            f"the target stopped answering after request {last} "
            f"(request {first.seq}, {first.probe.method} {first.request.url}, got no "
            f"answer: {first.failure}; nor did the {silence.unanswered - 1} after it)"
        )
        if silence.back is not None:
            why += (
                f"; it answered again from request {silence.back.seq}, but what went "
                "unsent meanwhile was not judged"
            )
        return why
