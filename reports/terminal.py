"""The terminal summary: one line per clause, then the evidence of each failure."""

from __future__ import annotations

from errcontract.results import RunResult

_MARK = {"pass": "PASS", "fail": "FAIL", "not-run": "NOT-RUN"}


def summary_lines(result: RunResult, *, evidence: bool = True) -> list[str]:
    """Lines for the terminal; evidence of failures follows the clause lines."""
    lines: list[str] = []
    for api in result.apis:
        lines.append(
            f"{api.title} ({api.api}) at {api.base_url}: {api.verdict.upper()}"
        )
        width = max((len(c.id) for c in api.clauses), default=0)
        for clause in api.clauses:
            detail = clause.reason if clause.status != "pass" else ""
            mark = _MARK[clause.status]
            if clause.status == "fail" and not clause.blocking:
                mark = "KNOWN" if clause.known else "NO-GATE"
                detail = "; ".join(clause.gate_notes) or detail
            line = f"  {mark:<8} {clause.id:<{width}}  {clause.text}"
            if detail and clause.status != "pass":
                line += f" [{detail}]"
            lines.append(line)
        for note in api.notes:
            lines.append(f"  note: {note}")
    if evidence:
        for api in result.apis:
            for clause in api.clauses:
                for violation in clause.violations[:1]:
                    lines.append("")
                    lines.extend(violation.render().splitlines())
    clauses = [c for a in result.apis for c in a.clauses]
    passed = sum(1 for c in clauses if c.status == "pass")
    failed = sum(1 for c in clauses if c.blocking)
    excused = sum(1 for c in clauses if c.status == "fail" and not c.blocking)
    not_run = sum(1 for c in clauses if c.status == "not-run")
    lines.append("")
    verdict = "STOPPED (the target stopped answering)" if result.stopped else ""
    lines.append(
        f"verdict: {verdict or result.verdict.upper()}: {passed} passed, "
        f"{failed} failed, "
        + (f"{excused} known or not gating, " if excused else "")
        + f"{not_run} not run; {result.requests} requests in {result.duration_s:.1f} s"
    )
    return lines
