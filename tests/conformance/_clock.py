"""A fake monotonic clock for the pacing and client tests (one copy for both)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest


@dataclass
class FakeClock:
    """A monotonic clock that only moves when someone sleeps (or a test moves it)."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def install(self, monkeypatch: pytest.MonkeyPatch, module: str) -> FakeClock:
        """Make ``module``'s ``time.monotonic`` and ``time.sleep`` this clock's."""
        monkeypatch.setattr(f"{module}.time.monotonic", self.monotonic)
        monkeypatch.setattr(f"{module}.time.sleep", self.sleep)
        return self
