"""Settings: the frozen data a run is made from, one ``Target`` per profile.

Only data and what follows from it here; how options and the environment become
settings is ``resolve``'s, called once per run by whichever front door starts it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from errcontract._contract.baseline import Baseline
from errcontract._contract.profile import Profile


@dataclass(frozen=True)
class Target:
    """Where one profile's run goes and with what values."""

    profile: Profile
    base_url: str | None
    fixtures: Mapping[str, str]
    env_names: Mapping[str, str]
    paths: Mapping[str, str] = field(default_factory=dict)
    # A fleet file's per-deployment settings: ``Settings`` field -> value, over the
    # run's (``Settings.of``).
    own: Mapping[str, Any] = field(default_factory=dict)

    @property
    def embedded(self) -> bool:
        """Whether the run starts the profile's reference server itself."""
        return self.base_url is None

    def secrets(self) -> dict[str, str]:
        """The secret fixture values (only the client holds them)."""
        return {
            name: value
            for name, value in self.fixtures.items()
            if name in self.profile.secret_fixtures
        }


@dataclass(frozen=True)
class Settings:
    """The effective settings of a run."""

    targets: tuple[Target, ...]
    report_dir: Path | None
    seed: int | None
    read_only: bool
    rate_limit: float | None
    rate_limit_given: bool
    examples: int | None
    depth: str
    clock_skew_s: float
    timeout_s: float
    max_requests: int
    max_duration_s: float
    max_rps: float
    faults: tuple[str, ...]
    tolerances: tuple[str, ...]
    baseline: Baseline | None = None
    fail_on: frozenset[str] = frozenset({"documented", "reading"})
    screenshot: bool = False
    quiet: bool = False
    workers: int | None = None
    """Coverage examples in flight at once; ``None``: chosen from the rate limit."""
    # The fleet file the targets came from: each API then runs whole on its own,
    # with its own settings (``of``), even in one process.
    fleet: str | None = None

    @property
    def apart(self) -> bool:
        """Whether each API runs on its own, even in one process: a fleet file's
        (each with its own settings), or APIs that share a clause id (two profiles
        from one convention, or one profile deployed twice), whose verdicts one run
        keyed by clause id would mix up."""
        if self.fleet is not None:
            return True
        seen: set[str] = set()
        for target in self.targets:
            ids = {clause.id for clause in target.profile.clauses}
            if seen & ids:
                return True
            seen |= ids
        return False

    def of(self, target: Target) -> Settings:
        """The settings of one target's run: the run's, with the target's own."""
        return replace(self, targets=(target,), **dict(target.own))

    def describe(self) -> dict[str, Any]:
        """The secret-free view shown in report headers and results.json."""
        return {
            "apis": [t.profile.api for t in self.targets],
            "base_urls": {
                t.profile.api: t.base_url or "embedded reference server"
                for t in self.targets
            },
            "read_only": self.read_only,
            "rate_limit": self.rate_limit,
            "examples": self.examples,
            "depth": self.depth,
            "clock_skew_s": self.clock_skew_s,
            "timeout_s": self.timeout_s,
            "max_requests": self.max_requests,
            "max_duration_s": self.max_duration_s,
            "max_rps": self.max_rps,
            "workers": self.workers,
            "faults": list(self.faults),
            "tolerances": list(self.tolerances),
            "baseline": None if self.baseline is None else self.baseline.source,
            "fail_on": sorted(self.fail_on),
            **({"fleet": self.fleet} if self.fleet else {}),
        }
