"""``junit.xml``: one test case per clause, failures with their evidence.

Written from the result model rather than by pytest's own junitxml, so a test case is
named by its clause id and a not-run clause is a ``skipped`` with its reason.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from errcontract.results import RunResult

# Characters XML 1.0 cannot carry, whatever the target sent.
_ILLEGAL_XML = {
    **{c: None for c in range(32) if c not in (9, 10, 13)},
    **{c: None for c in range(0xD800, 0xE000)},
    0xFFFE: None,
    0xFFFF: None,
}


def _clean(text: str) -> str:
    return text.translate(_ILLEGAL_XML)


def write_junit(result: RunResult, path: Path) -> Path:
    """Write one ``testsuite`` per API, one ``testcase`` per clause."""
    suites = ET.Element("testsuites", name="error-contract conformance")
    for api in result.apis:
        failures = sum(1 for c in api.clauses if c.status == "fail")
        skipped = sum(1 for c in api.clauses if c.status == "not-run")
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=api.api,
            tests=str(len(api.clauses)),
            failures=str(failures),
            errors="0",
            skipped=str(skipped),
            time=f"{result.duration_s:.3f}",
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
            if clause.status == "fail" and not clause.blocking:
                ET.SubElement(
                    case,
                    "skipped",
                    message=_clean(
                        "fails, not gating: " + "; ".join(clause.gate_notes)
                    ),
                )
            elif clause.status == "fail":
                first = clause.violations[0] if clause.violations else None
                message = first.args[0] if first else clause.reason
                failure = ET.SubElement(
                    case, "failure", message=_clean(message), type="ContractViolation"
                )
                failure.text = _clean(
                    f"{clause.text}\n{clause.reason}\n\n"
                    + "\n\n".join(v.render() for v in clause.violations)
                )
            elif clause.status == "not-run":
                ET.SubElement(case, "skipped", message=_clean(clause.reason))
            if clause.notes:
                out = ET.SubElement(case, "system-out")
                out.text = _clean("\n".join(clause.notes))
    ET.indent(suites)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
    return path
