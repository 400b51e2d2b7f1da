"""What a run tells whoever watches it: the events of its progress.

The engine emits them at its few turning points (a target's run begins, a phase
begins, a clause begins and ends, a request goes out, the run ends); an observer
(the live progress of ``reports/progress.py``) turns them into output. The engine
knows nothing of how they are shown, and nothing of them enters a report: an
observer that fails or is missing changes no verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from errcontract.results import ClauseResult, RunResult

Phase = Literal["preflight", "setup", "coverage", "fuzz", "burst", "cleanup"]


@dataclass(frozen=True)
class RunStarted:
    """One target's run begins: its request budget and the pace it is sent at
    (requests per second; ``None`` when nothing paces it)."""

    api: str
    budget: int
    rate: float | None
    clauses: int


@dataclass(frozen=True)
class PhaseStarted:
    """A phase of the run begins for ``api``."""

    api: str
    phase: Phase


@dataclass(frozen=True)
class ClauseStarted:
    """A clause is about to be judged."""

    api: str
    clause_id: str


@dataclass(frozen=True)
class RequestSent:
    """A request went out and was answered (or not); ``sent`` counts every one of
    the target's run so far, retries included, as the budget does."""

    api: str
    sent: int


@dataclass(frozen=True)
class ClauseFinished:
    """A clause has its verdict."""

    api: str
    result: ClauseResult


@dataclass(frozen=True)
class RunFinished:
    """The run is over and its result assembled."""

    result: RunResult


Event = (
    RunStarted
    | PhaseStarted
    | ClauseStarted
    | RequestSent
    | ClauseFinished
    | RunFinished
)
Observer = Callable[[Event], None]


class Events:
    """The run's observers; ``emit`` hands each event to every one of them.

    An observer's own failure is dropped after it is switched off: progress on a
    screen must never cost a verdict.
    """

    def __init__(self) -> None:
        self._observers: list[Observer] = []

    def subscribe(self, observer: Observer) -> None:
        """Hand every later event to ``observer``."""
        self._observers.append(observer)

    def emit(self, event: Event) -> None:
        """Tell every observer; one that raises is not told again."""
        for observer in list(self._observers):
            try:
                observer(event)
            except Exception:
                self._observers.remove(observer)
