"""``junit.xml``: one test case per clause, failures with their evidence.

Written from the result model rather than by pytest's own junitxml, so a test case is
named by its clause id. A CI server reads the counts as the gate does: only a clause
that fails the gate is a ``failure`` and only the suite's own crash an ``error``;
failures the gate excuses (known, not gating) are passed test cases that say so in
their ``system-out``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from errcontract.results import ClauseResult, Outcome, RunResult

# The clause's outcome, as JUnit says it: the child element of its testcase (and the
# testsuite attribute counting those), or None for a passed testcase.
ELEMENT: dict[Outcome, str | None] = {
    "pass": None,
    "fail": "failure",
    "known": None,
    "not-gating": None,
    "not-run": "skipped",
    "error": "error",
}
_COUNT = {"failure": "failures", "error": "errors", "skipped": "skipped"}

# Characters XML 1.0 cannot carry, whatever the target sent.
_ILLEGAL_XML = {
    **{c: None for c in range(32) if c not in (9, 10, 13)},
    **{c: None for c in range(0xD800, 0xE000)},
    0xFFFE: None,
    0xFFFF: None,
}


def _clean(text: str) -> str:
    return text.translate(_ILLEGAL_XML)


def _counts(clauses: list[ClauseResult]) -> dict[str, str]:
    """``tests``, ``failures``, ``errors``, ``skipped``: from the same table as the
    testcases' children, so the attributes and the children cannot disagree."""
    found = Counter(ELEMENT[c.outcome] for c in clauses)
    return {"tests": str(len(clauses))} | {
        attribute: str(found[element]) for element, attribute in _COUNT.items()
    }


def _evidence(clause: ClauseResult) -> str:
    return "\n\n".join(v.render() for v in clause.violations)


def _account(clause: ClauseResult) -> str:
    """The text of a ``failure`` or ``error``: the promise, why, and the evidence."""
    return f"{clause.text}\n{clause.reason}\n\n{_evidence(clause)}".strip()


def _testcase(case: ET.Element, clause: ClauseResult) -> None:
    """The outcome's child element, then what a person reads in ``system-out``."""
    element = ELEMENT[clause.outcome]
    if element == "failure":
        first = clause.violations[0] if clause.violations else None
        message = first.args[0] if first else clause.reason
        failure = ET.SubElement(
            case, "failure", message=_clean(message), type="ContractViolation"
        )
        failure.text = _clean(_account(clause))
    elif element == "error":
        error = ET.SubElement(
            case, "error", message=_clean(clause.reason), type="InternalError"
        )
        error.text = _clean(_account(clause))
    elif element == "skipped":
        ET.SubElement(case, "skipped", message=_clean(clause.reason))
    out = [f"outcome: {clause.outcome}"]
    if clause.outcome in ("known", "not-gating"):
        # Passed for the CI server, but the evidence is kept where a person looks.
        out += [*clause.gate_notes, clause.reason]
        out += ["", _evidence(clause), ""] if clause.violations else []
    out += clause.notes
    ET.SubElement(case, "system-out").text = _clean("\n".join(out).strip())


def write_junit(result: RunResult, path: Path) -> Path:
    """Write one ``testsuite`` per API, one ``testcase`` per clause."""
    every = [c for api in result.apis for c in api.clauses]
    time = f"{result.duration_s:.3f}"
    suites = ET.Element(
        "testsuites",
        {"name": "error-contract conformance", **_counts(every), "time": time},
    )
    for api in result.apis:
        suite = ET.SubElement(
            suites, "testsuite", {"name": api.api, **_counts(api.clauses), "time": time}
        )
        props = ET.SubElement(suite, "properties")
        for key, value in (
            ("base_url", api.base_url),
            ("requests", str(api.requests)),
            ("seed", str(result.seed)),
        ):
            ET.SubElement(props, "property", name=key, value=_clean(value))
        for clause in api.clauses:
            case = ET.SubElement(
                suite, "testcase", classname=f"conformance.{api.api}", name=clause.id
            )
            _testcase(case, clause)
    ET.indent(suites)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
    return path
