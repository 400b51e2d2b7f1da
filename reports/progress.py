"""Live progress of a run on the screen, from the engine's events.

On a terminal, a ``rich`` Live display (redrawn four times a second by its own
thread, so a slow request still moves the clock): the API, the phase, the clause
being judged, requests sent of the budget, requests per second, elapsed time and
an estimate of what is left; each clause's line printed above it as it finishes.
Anywhere else (a CI log, a pipe) no animation: that line per clause, flushed at
once. Nothing here enters a report; ``NO_COLOR`` is rich's to respect.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import IO, Any

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from errcontract._engine.events import (
    ClauseFinished,
    ClauseStarted,
    Event,
    PhaseStarted,
    RequestSent,
    RunFinished,
    RunStarted,
)
from errcontract.results import ClauseResult

REFRESH_PER_SECOND = 4
STYLE = {
    "pass": "green",
    "fail": "bold red",
    "known": "yellow",
    "not-gating": "yellow",
    "not-run": "dim",
    "error": "bold magenta",
}


def clock(seconds: float) -> str:
    """``1:05`` (or ``1:02:05``) for a number of seconds."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def clause_line(api: str, result: ClauseResult) -> str:
    """One finished clause, as a person scans a log: id, outcome, requests, time."""
    return (
        f"{api} {result.id} {result.outcome} "
        f"({result.requests} requests, {result.duration_s:.1f} s)"
    )


class Progress:
    """An observer of a run (``Run.events.subscribe``), shown on ``console``."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.animated = console.is_terminal
        self._lock = threading.Lock()
        self._t0 = time.monotonic()
        self.api = ""
        self.phase = "starting"
        self.clause = ""
        self.budget = 0
        self.rate: float | None = None
        self.sent = 0
        self.done = 0
        self.clauses = 0
        self._live: Live | None = None
        if self.animated:
            self._live = Live(
                self,
                console=console,
                refresh_per_second=REFRESH_PER_SECOND,
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()

    def __call__(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, RequestSent):
                self.sent = event.sent
            elif isinstance(event, RunStarted):
                self.api, self.budget, self.rate = event.api, event.budget, event.rate
                self.clauses += event.clauses
            elif isinstance(event, PhaseStarted):
                self.api, self.phase = event.api, event.phase
            elif isinstance(event, ClauseStarted):
                self.api, self.clause = event.api, event.clause_id
            elif isinstance(event, ClauseFinished):
                self.done += 1
                self._finished(event.api, event.result)
            elif isinstance(event, RunFinished):
                self.close()

    def _finished(self, api: str, result: ClauseResult) -> None:
        line = clause_line(api, result)
        if self.animated:
            text = Text(line)
            start = len(f"{api} {result.id} ")
            text.stylize(STYLE[result.outcome], start, start + len(result.outcome))
            self.console.print(text, soft_wrap=True)
        else:
            # A plain line, flushed now: a CI log shows it as the clause finishes.
            self.console.file.write(line + "\n")
            self.console.file.flush()

    def estimate(self, elapsed: float) -> str:
        """What is left at most: the unspent budget at the pace the client keeps
        (an upper bound: a run usually ends well before its budget)."""
        if not self.rate or not self.budget:
            return "no estimate (no pace)"
        left = max(0, self.budget - self.sent) / self.rate
        return f"at most ~{clock(left)} left (budget at {self.rate:g} req/s)"

    def __rich__(self) -> Any:
        """The two lines of the live display, rebuilt at each refresh."""
        elapsed = time.monotonic() - self._t0
        rps = self.sent / elapsed if elapsed > 0 else 0.0
        counted = f"{self.done}/{self.clauses}" if self.clauses else f"{self.done}"
        head = Text.assemble(
            (self.api or "conformance", "bold"),
            f" · {self.phase} · clause {self.clause or '-'} ({counted} judged)",
        )
        budget = f"/{self.budget}" if self.budget else ""
        tail = Text(
            f"{self.sent}{budget} requests · {rps:.1f} req/s · "
            f"{clock(elapsed)} elapsed · {self.estimate(elapsed)}",
            style="dim",
        )
        return Group(head, tail)

    def close(self) -> None:
        """Take the live display off the screen (the clause lines stay)."""
        live, self._live = self._live, None
        if live is not None:
            live.stop()


def progress(stream: IO[str] | None = None) -> Progress:
    """A progress observer writing to ``stream`` (standard output by default)."""
    return Progress(Console(file=stream or sys.stdout, highlight=False))
