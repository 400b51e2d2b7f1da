"""Clause outcomes of a report, compared across runs as far as the machine allows."""

from __future__ import annotations

import json
from pathlib import Path

UNPROBED = "so the limit was not probed"
"""A burst the client could not send faster than the limit admits: not-run, and
whether it is depends on how busy the machine is (three APIs side by side or one),
not on the fleet."""

Outcomes = dict[str, dict[str, str]]


def outcomes(report_dir: Path) -> Outcomes:
    """Per API, each clause's outcome (``unprobed`` for a burst not probed)."""
    data = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    return {
        api["api"]: {
            c["id"]: "unprobed" if UNPROBED in (c["reason"] or "") else c["outcome"]
            for c in api["clauses"]
        }
        for api in data["apis"]
    }


def probed_alike(one: Outcomes, other: Outcomes) -> tuple[Outcomes, Outcomes]:
    """Both, without the clauses either could not probe for the machine's speed."""
    skip = {
        (api, clause)
        for outcomes in (one, other)
        for api, clauses in outcomes.items()
        for clause, outcome in clauses.items()
        if outcome == "unprobed"
    }

    def kept(outcomes: Outcomes) -> Outcomes:
        return {
            api: {k: v for k, v in clauses.items() if (api, k) not in skip}
            for api, clauses in outcomes.items()
        }

    return kept(one), kept(other)
