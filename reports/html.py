"""``report.html``: one self-contained page a team opens when its CI job fails.

Rendered with Jinja2 from the same ``RunResult`` as ``results.json`` and ``junit.xml``.
Everything the page needs is inline (CSS, a few lines of script), a Content Security
Policy forbids any fetch, and every string from the target is escaped and cut at
``body_limit`` characters, so the page stays small and safe whatever was sent back.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from errcontract.results import ApiResult, ClauseResult, Outcome, RunResult

# The order; a family no profile has yet goes after these, as first seen.
FAMILY_ORDER = (
    "body",
    "headers",
    "auth",
    "tenant",
    "validation",
    "conflict",
    "rate limit",
    "robustness",
)
# The clause's outcome, as the page says it: in the order a reader triages them
# (filters, banner counts, evidence), its badge, and its banner count.
OUTCOME_ORDER: tuple[Outcome, ...] = (
    "fail",
    "error",
    "not-gating",
    "known",
    "not-run",
    "pass",
)
OUTCOME_LABEL: dict[str, str] = {
    "fail": "FAIL",
    "error": "ERROR",
    "not-gating": "NOT GATING",
    "known": "KNOWN",
    "not-run": "NOT RUN",
    "pass": "PASS",
}
COUNT_LABEL: dict[Outcome, tuple[str, str]] = {  # (one, several)
    "fail": ("failed", "failed"),
    "error": ("internal error", "internal errors"),
    "not-gating": ("not gating", "not gating"),
    "known": ("known", "known"),
    "not-run": ("not run", "not run"),
    "pass": ("passed", "passed"),
}
# Counted in the banner even at zero; the others only when some clause has them.
ALWAYS_COUNTED = frozenset({"fail", "known", "not-run", "pass"})
KIND_LABEL = {"documented": "documented", "reading": "profile reading"}

TIMES = "\u00d7"  # the multiplication sign, as in "held x3"
MAX_VIOLATIONS = 5  # per clause; the model keeps 5 already, this bounds the page anyway
MAX_EXCHANGES = 3  # per violation (cross-exchange checks cite pairs, rarely more)
MAX_HEADERS = 40  # per request or response
# Above this, a body is shown as sent: parsing megabytes to show 2,000 characters of
# them indented is not worth the time.
_PRETTY_MAX_CHARS = 256 * 1024
# C0 controls (but tab, newline) and DEL shown as their Unicode control pictures, so
# an escape sequence in a body is visible rather than silently eaten by the browser.
_CONTROLS = {c: 0x2400 + c for c in range(32) if c not in (9, 10)} | {127: 0x2421}


@dataclass(frozen=True)
class Clipped:
    """Text cut to a limit, with how many characters were left out."""

    text: str
    more: int = 0
    pretty: bool = False


@dataclass(frozen=True)
class Cell:
    """One cell of a matrix (the status matrix, a clause's coverage phase)."""

    kind: str  # held, broke, unreached, undocumented, none
    label: str
    title: str


@dataclass(frozen=True)
class StatusRow:
    """One operation of the status matrix, a cell per status column."""

    operation: str
    method: str
    path: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class StatusMatrix:
    """The operation x status matrix of one profile, with its totals."""

    statuses: tuple[str, ...]
    rows: tuple[StatusRow, ...]
    documented_errors: int
    reached_errors: int


@dataclass(frozen=True)
class KindMatrix:
    """A targeted clause's coverage phase: operations x defect kinds sent."""

    kinds: tuple[str, ...]
    rows: tuple[tuple[str, tuple[Cell, ...]], ...]
    sent: int
    planned: int
    fuzz: int


def kind_matrix(clause: ClauseResult) -> KindMatrix | None:
    """The coverage-phase matrix of ``clause`` (``None`` for an untargeted one)."""
    found = clause.coverage
    if not found:
        return None
    kinds = tuple(found.get("kinds") or ()) or ("(any)",)
    sent: dict[tuple[str, str], dict[str, Any]] = {}
    for row in found.get("sent", []):
        sent.setdefault((row["operation"], row["kind"] or "(any)"), row)
    skipped = {
        (row["operation"], row["kind"] or "(any)"): str(row["reason"])
        for row in found.get("skipped", [])
    }
    rows = []
    for op in found.get("operations", []):
        cells = []
        for kind in kinds:
            hit = sent.get((op, kind))
            if hit is not None:
                outcome = str(hit["outcome"])
                label = {"held": "held", "broken": "broke", "throttled": "429"}
                cells.append(
                    Cell(
                        {"broken": "broke"}.get(outcome, outcome),
                        label.get(outcome, outcome),
                        str(hit.get("defect") or kind),
                    )
                )
            elif (op, kind) in skipped:
                cells.append(Cell("none", "—", skipped[(op, kind)]))
            else:
                cells.append(Cell("unreached", "not sent", "not sent"))
        rows.append((str(op), tuple(cells)))
    return KindMatrix(
        kinds=kinds,
        rows=tuple(rows),
        sent=len(sent),
        planned=len(kinds) * len(rows),
        fuzz=sum(int(r["count"]) for r in found.get("fuzz", [])),
    )


def pretty_json(text: str | None) -> Clipped:
    """``text`` indented when it is one strict JSON value; otherwise as it is."""
    if text is None:
        return Clipped("")
    if len(text) > _PRETTY_MAX_CHARS or text.strip()[:1] not in ("{", "["):
        return Clipped(text)
    try:
        value = json.loads(
            text, parse_constant=_reject, object_pairs_hook=_no_duplicate_keys
        )
    except (ValueError, RecursionError):
        return Clipped(text)
    return Clipped(json.dumps(value, indent=2, ensure_ascii=False), pretty=True)


def clip(value: str | Clipped | None, limit: int) -> Clipped:
    """Cut at ``limit`` characters; control characters made visible."""
    if value is None:
        return Clipped("")
    item = value if isinstance(value, Clipped) else Clipped(value)
    text = item.text
    more = item.more + max(0, len(text) - limit)
    return Clipped(text[:limit].translate(_CONTROLS), more, item.pretty)


def header_lines(headers: Sequence[tuple[str, str]], limit: int) -> Clipped:
    """``Name: value`` lines, at most ``MAX_HEADERS`` of them, each value clipped."""
    lines = []
    for name, value in headers[:MAX_HEADERS]:
        cut = clip(value, limit)
        suffix = f" … ({cut.more} more characters)" if cut.more else ""
        lines.append(f"{clip(name, 200).text}: {cut.text}{suffix}")
    if len(headers) > MAX_HEADERS:
        lines.append(f"… ({len(headers) - MAX_HEADERS} more headers)")
    return Clipped("\n".join(lines))


def ticks(text: str) -> Markup:
    """Clause text with its `backticked` names set as code (escaped first)."""
    parts = str(escape(text)).split("`")
    if len(parts) % 2 == 0:  # an unmatched backtick: leave the text as it is
        return Markup("`".join(parts))
    return Markup(
        "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
    )


def anchor(clause_id: str, prefix: str = "ev") -> str:
    """An ``id`` attribute for a clause (ids are ``CD-HDR-1``-like; any other
    character becomes ``-``)."""
    return f"{prefix}-" + re.sub(r"[^A-Za-z0-9_-]", "-", clause_id)


def slug(text: str) -> str:
    """A token for attributes and CSS selectors: ``rate limit`` -> ``rate-limit``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "other"


def families(clauses: Iterable[ClauseResult]) -> list[tuple[str, list[ClauseResult]]]:
    """Clauses grouped by family, families in the issue's order."""
    groups: dict[str, list[ClauseResult]] = {}
    for clause in clauses:
        groups.setdefault(clause.family, []).append(clause)
    rank = {name: i for i, name in enumerate(FAMILY_ORDER)}
    return sorted(groups.items(), key=lambda kv: rank.get(kv[0], len(rank)))


def status_matrix(api: ApiResult) -> StatusMatrix:
    """The status-matrix rows of ``api`` as a table: operations x statuses."""
    statuses = sorted({str(row["status"]) for row in api.status_matrix})
    operations: dict[str, dict[str, Any]] = {}
    for row in api.status_matrix:
        entry = operations.setdefault(
            row["operation"], {"method": row["method"], "path": row["path"]}
        )
        entry[str(row["status"])] = row
    rows = []
    documented = reached = 0
    for op, entry in operations.items():
        cells = []
        for status in statuses:
            cells.append(_cell(entry.get(status)))
            if status >= "400" and entry.get(status, {}).get("documented"):
                documented += 1
                reached += bool(entry[status]["provoked"])
        rows.append(StatusRow(op, entry["method"], entry["path"], tuple(cells)))
    return StatusMatrix(tuple(statuses), tuple(rows), documented, reached)


def _cell(row: dict[str, Any] | None) -> Cell:
    if row is None:
        return Cell("none", "—", "not documented, never seen")
    seen, broke = int(row["provoked"]), int(row["violations"])
    if broke:
        return Cell("broke", f"broke {TIMES}{broke}", f"{broke} of {seen} in evidence")
    if not row["documented"]:
        return Cell("undocumented", f"seen {TIMES}{seen}", "answered, not documented")
    if seen:
        return Cell("held", f"held {TIMES}{seen}", f"provoked {seen} time(s)")
    return Cell("unreached", "not reached", "documented, never provoked")


def when(started_at: str) -> str:
    """``2026-11-23 00:00:32 UTC`` from an ISO timestamp (as given when unparsable)."""
    try:
        moment = datetime.fromisoformat(started_at.replace("Z", "+00:00"))
    except ValueError:
        return started_at
    zone = moment.strftime("%Z") if moment.tzinfo else ""
    zone = "UTC" if zone in ("UTC", "UTC+00:00") else zone
    return f"{moment:%Y-%m-%d %H:%M:%S} {zone}".strip()


def write_html(result: RunResult, path: Path, *, body_limit: int = 2000) -> Path:
    """Write ``report.html``; bodies, headers and curl lines are cut at ``body_limit``
    characters with a visible marker."""
    if body_limit < 1:
        raise ValueError(f"body_limit must be a positive number, got {body_limit!r}")
    env = _environment()
    style = env.get_template("style.css.j2").render(
        statuses=OUTCOME_ORDER,
        families=[slug(f) for f in _all_families(result)],
    )
    script = env.get_template("script.js.j2").render()
    shared = result.shared_clause_ids()

    def aid(api: ApiResult, clause: ClauseResult, prefix: str = "ev") -> str:
        # Two APIs of one profile (staging and production): each clause's own.
        qualified = f"{api.api}/{clause.id}" if clause.id in shared else clause.id
        return anchor(qualified, prefix)

    page = env.get_template("report.html.j2").render(
        run=result,
        aid=aid,
        shared=shared,
        body_limit=body_limit,
        style=Markup(style),
        script=Markup(script),
        csp=_csp(style, script),
        counts=_counts(result),
        broken=_broken(result),
        all_families=_all_families(result),
        max_violations=MAX_VIOLATIONS,
        max_exchanges=MAX_EXCHANGES,
    )
    # ``replace``: a body may decode to lone surrogates (JSON ``"\ud800"``).
    path.write_text(page, encoding="utf-8", errors="replace")
    return path


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("errcontract.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        pretty_json=pretty_json,
        clip=clip,
        header_lines=header_lines,
        anchor=anchor,
        ticks=ticks,
        slug=slug,
        when=when,
    )
    env.globals.update(
        families=families,
        status_matrix=status_matrix,
        kind_matrix=kind_matrix,
        OUTCOME_ORDER=OUTCOME_ORDER,
        OUTCOME_LABEL=OUTCOME_LABEL,
        COUNT_LABEL=COUNT_LABEL,
        ALWAYS_COUNTED=ALWAYS_COUNTED,
        KIND_LABEL=KIND_LABEL,
    )
    return env


def _csp(style: str, script: str) -> str:
    """No fetch of any kind; only this page's own style and script may run."""

    def digest(text: str) -> str:
        raw = hashlib.sha256(text.encode("utf-8")).digest()
        return "'sha256-" + base64.b64encode(raw).decode("ascii") + "'"

    return (
        "default-src 'none'; "
        f"style-src {digest(style)}; script-src {digest(script)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _counts(result: RunResult) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(OUTCOME_ORDER, 0)
    for api in result.apis:
        for clause in api.clauses:
            counts[clause.outcome] += 1
    return counts


def _broken(result: RunResult) -> list[tuple[ApiResult, ClauseResult]]:
    """Every failing clause, in the outcomes' order: those failing the run first."""
    found = [(api, c) for api in result.apis for c in api.broken]
    return sorted(found, key=lambda pair: OUTCOME_ORDER.index(pair[1].outcome))


def _all_families(result: RunResult) -> list[str]:
    return [name for name, _ in families(c for a in result.apis for c in a.clauses)]


def _reject(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Indenting would silently drop a repeated key; show such a body as it came.
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key")
    return dict(pairs)
