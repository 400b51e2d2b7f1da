"""How a clause verdict becomes a pytest outcome."""

from __future__ import annotations

import pytest

from conformance.results import ClauseResult


class ClauseFailed(AssertionError):
    """A clause failed; carries its result so the report shows evidence, not a trace."""

    def __init__(self, result: ClauseResult) -> None:
        super().__init__(f"{result.id} failed: {result.reason}")
        self.result = result

    def render(self) -> str:
        """The clause, its reason, and the evidence of each violation kept."""
        lines = [f"{self.result.id}: {self.result.text}", self.result.reason, ""]
        lines += [v.render() + "\n" for v in self.result.violations]
        lines += [f"note: {n}" for n in self.result.notes]
        return "\n".join(lines)


def assert_held(result: ClauseResult) -> None:
    """Pass, skip with the reason (not-run), or fail with the evidence."""
    if result.status == "not-run":
        pytest.skip(f"not run: {result.reason}")
    if result.blocking:
        raise ClauseFailed(result)
    if result.status == "fail":
        # Broken, but the gate excuses it (baseline or --fail-on): reported, not failed.
        pytest.xfail("; ".join(result.gate_notes) or "known violation")
