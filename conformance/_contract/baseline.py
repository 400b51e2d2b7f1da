"""The CI gate: a baseline of known violations, which clause kinds gate, run diffs.

A baseline is a committed YAML file of known violations, one entry per clause and
operation, with an optional note and expiry date, and for a fleet the API (the entry's
name) it is known on. With it, a run fails only on what is new; an expired entry fails
again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from errcontract._input.loading import load_data
from errcontract.exceptions import ConfigError
from errcontract.results import ClauseResult

KINDS = ("documented", "reading")


@dataclass(frozen=True)
class Entry:
    """One known violation: a clause on an operation, maybe until a date, and on one
    API of a fleet (``None``: on any API)."""

    clause: str
    operation: str
    note: str = ""
    expires: date | None = None
    api: str | None = None

    def expired(self, today: date) -> bool:
        """Whether the entry no longer excuses the violation."""
        return self.expires is not None and today > self.expires


@dataclass(frozen=True)
class Baseline:
    """Known violations, keyed by (clause, operation)."""

    source: str
    entries: tuple[Entry, ...]

    def find(self, clause: str, operation: str, api: str | None = None) -> Entry | None:
        """The entry for ``clause`` on ``operation`` (``*`` matches any operation) of
        ``api``: one deployment's known violation must not excuse another's, where a
        fleet runs one profile twice (staging and production share clause ids)."""
        for entry in self.entries:
            if entry.api is not None and api is not None and entry.api != api:
                continue
            if entry.clause == clause and entry.operation in (operation, "*"):
                return entry
        return None


def parse_date(value: Any, where: str) -> date | None:
    """A date from a baseline entry or flag; ``ConfigError`` naming ``where``."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(
            f"baseline expiry must be a date like 2027-01-31, got {value!r} ({where})"
        ) from None


def load_baseline(path: Path, source: str = "--baseline") -> Baseline:
    """Read a baseline file; any problem is a ``ConfigError`` naming the file."""
    where = f"{source} {path}"
    data = load_data(
        path,
        fail=lambda problem: ConfigError(
            f"the baseline file {str(path)!r} {problem} (from {where})"
        ),
    )
    if not isinstance(data, Mapping) or not isinstance(data.get("entries"), list):
        raise ConfigError(
            f"the baseline file {str(path)!r} must be a mapping with a list under "
            f"'entries' (from {where})"
        )
    entries = []
    for index, item in enumerate(data["entries"]):
        at = f"{path} entry {index + 1}"
        if not isinstance(item, Mapping) or not item.get("clause"):
            raise ConfigError(f"baseline entry needs a 'clause' ({at})")
        api = item.get("api")
        if api is not None and (not isinstance(api, str) or not api.strip()):
            raise ConfigError(
                f"baseline entry 'api' must name an API (a fleet entry's name), "
                f"got {api!r} ({at})"
            )
        entries.append(
            Entry(
                clause=str(item["clause"]),
                operation=str(item.get("operation") or "*"),
                note=str(item.get("note") or ""),
                expires=parse_date(item.get("expires"), at),
                api=api.strip() if api else None,
            )
        )
    return Baseline(source=str(path), entries=tuple(entries))


def parse_fail_on(raw: str | None, source: str = "--fail-on") -> frozenset[str]:
    """``documented``, ``reading``, ``all`` or a comma list of kinds."""
    if raw is None or raw.strip() in ("", "all"):
        return frozenset(KINDS)
    kinds = {k.strip() for k in raw.split(",") if k.strip()}
    unknown = kinds - set(KINDS)
    if unknown or not kinds:
        raise ConfigError(
            f"fail-on takes documented, reading or all, got {raw!r} (from {source})"
        )
    return frozenset(kinds)


def apply_gate(
    result: ClauseResult,
    baseline: Baseline | None,
    fail_on: frozenset[str],
    today: date | None = None,
    *,
    api: str | None = None,
) -> None:
    """Mark what the baseline knows of ``api`` and whether this clause's kind gates."""
    today = today or date.today()
    result.gates = result.kind in fail_on
    if result.status == "fail" and not result.gates:
        result.gate_notes.append(
            f"{result.kind} clauses do not gate this run (--fail-on "
            f"{','.join(sorted(fail_on))})"
        )
    if baseline is None or result.status != "fail":
        return
    new = []
    known: dict[str, list[str]] = {}
    for operation in result.violated_operations:
        entry = baseline.find(result.id, operation, api)
        if entry is None:
            new.append(operation)
        elif entry.expired(today):
            new.append(operation)
            result.gate_notes.append(
                f"baseline entry for {operation} expired on {entry.expires}"
            )
        else:
            known.setdefault(entry.note, []).append(operation)
    for note, operations in known.items():
        said = f": {note}" if note else ""
        result.gate_notes.append(f"known (baseline{said}) on {', '.join(operations)}")
    result.new_operations = new
    result.excused = bool(result.violated_operations) and not new
    for violation in result.violations:
        entry = baseline.find(result.id, violation.operation or "(run)", api)
        if entry is not None and not entry.expired(today):
            violation.known = True
            violation.known_note = entry.note


def baseline_from_results(
    results: Mapping[str, Any], *, note: str = "", expires: str | None = None
) -> dict[str, Any]:
    """A baseline document listing every violation of a ``results.json``; of a
    fleet's, each entry names its API (a single API's stays portable to a fleet)."""
    apis = results.get("apis") or [{"clauses": results.get("clauses", [])}]
    named = len(apis) > 1
    entries = []
    for api, clause in ((a, c) for a in apis for c in a.get("clauses", [])):
        if clause.get("status") != "fail":
            continue
        operations = clause.get("violated_operations") or [
            v.get("operation") or "*" for v in clause.get("violations", [])
        ]
        for operation in dict.fromkeys(operations):
            entry: dict[str, Any] = {"clause": clause["id"], "operation": operation}
            if named:
                entry["api"] = api["api"]
            if note:
                entry["note"] = note
            if expires:
                entry["expires"] = expires
            entries.append(entry)
    return {"version": 1, "entries": entries}


def write_baseline(document: Mapping[str, Any], path: Path) -> None:
    """Write a baseline file with a header comment saying what it is."""
    header = (
        "# Known violations of the error contract: a run fails only on what is not\n"
        "# listed here. One entry per clause and operation; 'expires' (a date) makes\n"
        "# an entry fail again after that day. Written by `conformance baseline`.\n"
    )
    path.write_text(
        header + yaml.safe_dump(dict(document), sort_keys=False), encoding="utf-8"
    )


@dataclass(frozen=True)
class Change:
    """One clause's change between two runs."""

    clause: str
    kind: str
    before: str
    after: str
    operations: tuple[str, ...] = ()

    def line(self) -> str:
        """One line for the terminal."""
        ops = f" on {', '.join(self.operations)}" if self.operations else ""
        return f"  {self.kind:<8} {self.clause}: {self.before} -> {self.after}{ops}"


def _index(results: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {c["id"]: c for c in results.get("clauses", [])}


def _ops(clause: Mapping[str, Any] | None) -> set[str]:
    if clause is None or clause.get("status") != "fail":
        return set()
    return set(clause.get("violated_operations") or ["*"])


def diff_results(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """What broke, what was fixed and what changed otherwise between two runs."""
    before, after = _index(old), _index(new)
    changes = []
    for clause_id in sorted(set(before) | set(after)):
        b, a = before.get(clause_id), after.get(clause_id)
        b_status = b["status"] if b else "absent"
        a_status = a["status"] if a else "absent"
        added, removed = _ops(a) - _ops(b), _ops(b) - _ops(a)
        if added:
            kind = "broke"
            ops: Iterable[str] = added
        elif removed and a_status != "fail" and b_status == "fail":
            kind, ops = "fixed", removed
        elif removed:
            kind, ops = "improved", removed
        elif b_status != a_status:
            kind, ops = "changed", ()
        else:
            continue
        changes.append(Change(clause_id, kind, b_status, a_status, tuple(sorted(ops))))
    return changes


def read_results(path: Path) -> Mapping[str, Any]:
    """A ``results.json``; problems are ``ConfigError`` naming the file."""
    data: Mapping[str, Any] = load_data(
        path,
        json_only=True,
        limit=1 << 30,
        fail=lambda problem: ConfigError(f"{str(path)!r} (a results.json) {problem}"),
    )
    if not isinstance(data, Mapping) or "clauses" not in data:
        raise ConfigError(f"{str(path)!r} is not a results.json (no 'clauses')")
    return data


def summarize(changes: Sequence[Change]) -> list[str]:
    """Terminal lines for a diff, broken first."""
    order = {"broke": 0, "fixed": 1, "improved": 2, "changed": 3}
    lines = [c.line() for c in sorted(changes, key=lambda c: (order[c.kind], c.clause))]
    broke = sum(1 for c in changes if c.kind == "broke")
    fixed = sum(1 for c in changes if c.kind == "fixed")
    lines.append(f"{broke} broke, {fixed} fixed, {len(changes) - broke - fixed} other")
    return lines
