"""The terminal summary: one line per clause, then the evidence of each failure."""

from __future__ import annotations

from collections import Counter

from errcontract.results import ClauseResult, Outcome, RunResult

# The clause's outcome, as the terminal says it.
MARK: dict[Outcome, str] = {
    "pass": "PASS",
    "fail": "FAIL",
    "known": "KNOWN",
    "not-gating": "NO-GATE",
    "not-run": "NOT-RUN",
    "error": "ERROR",
}
# The verdict line's count of each outcome (one, several); passed, failed and not run
# always, the others when some clause has them.
_COUNTED: tuple[tuple[Outcome, tuple[str, str], bool], ...] = (
    ("pass", ("passed", "passed"), True),
    ("fail", ("failed", "failed"), True),
    ("known", ("known", "known"), False),
    ("not-gating", ("not gating", "not gating"), False),
    ("error", ("internal error", "internal errors"), False),
    ("not-run", ("not run", "not run"), True),
)


def _detail(clause: ClauseResult) -> str:
    """What follows the clause's text: why it did not pass (the gate's say first)."""
    if clause.outcome == "pass":
        return ""
    if clause.outcome in ("known", "not-gating"):
        return "; ".join(clause.gate_notes) or clause.reason
    return clause.reason


def summary_lines(result: RunResult, *, evidence: bool = True) -> list[str]:
    """Lines for the terminal; evidence of failures follows the clause lines."""
    lines: list[str] = []
    for api in result.apis:
        lines.append(
            f"{api.title} ({api.api}) at {api.base_url}: {api.verdict.upper()}"
        )
        width = max((len(c.id) for c in api.clauses), default=0)
        for clause in api.clauses:
            line = f"  {MARK[clause.outcome]:<8} {clause.id:<{width}}  {clause.text}"
            detail = _detail(clause)
            if detail:
                line += f" [{detail}]"
            lines.append(line)
        for note in api.notes:
            lines.append(f"  note: {note}")
    if evidence:
        # One profile deployed twice: its evidence names the deployment.
        shared = result.shared_clause_ids()
        for api in result.apis:
            for clause in api.clauses:
                named = f"{api.api} " if clause.id in shared else ""
                for violation in clause.violations[:1]:
                    lines.append("")
                    lines.extend((named + violation.render()).splitlines())
    counts = Counter(c.outcome for a in result.apis for c in a.clauses)
    said = [
        f"{counts[outcome]} {label[counts[outcome] != 1]}"
        for outcome, label, always in _COUNTED
        if always or counts[outcome]
    ]
    lines.append("")
    verdict = "STOPPED (the target stopped answering)" if result.stopped else ""
    lines.append(
        f"verdict: {verdict or result.verdict.upper()}: {', '.join(said)}; "
        f"{result.requests} requests in {result.duration_s:.1f} s"
    )
    return lines
