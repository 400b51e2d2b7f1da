"""The tests' own leak scanner: is a secret anywhere a person or a CI system can read?

Written apart from ``conformance/_http/redact.py`` on purpose (it imports nothing of the
product): a test that used the product's list of encodings could never catch the
product missing one. ``encodings`` names every form a secret is written in where it
could end up (as sent, URL-encoded, Base64, escaped for JSON, Python, HTML and XML);
``find`` reports each hit with a short context in which every form of every secret
is replaced by ``***``, so a failing assertion does not print the secret it found.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import quote, quote_plus

MASK = "***"
CONTEXT = 30
"""Characters shown either side of a hit."""
MAX_HITS = 20
"""Hits described per call (the rest are counted)."""


def _xml(value: str) -> str:
    """XML 1.0's five predefined entities (``&apos;``, which ``html.escape`` lacks)."""
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
    )


def _jinja(value: str) -> str:
    """As Jinja (markupsafe) escapes it: quotes as ``&#34;`` and ``&#39;``."""
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )


def _lower_hex(value: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), value)


def encodings(secret: str) -> dict[str, str]:
    """Name -> the secret written that way. Several names may give the same text."""
    forms: dict[str, str] = {}
    for prefix, value in (("", secret), ("stripped ", secret.strip())):
        if not value or (prefix and value == secret):
            continue
        raw = value.encode("utf-8")
        std = base64.b64encode(raw).decode("ascii")
        urlsafe = base64.urlsafe_b64encode(raw).decode("ascii")
        quoted = {
            "quote": quote(value),
            "quote(safe='')": quote(value, safe=""),
            "quote_plus": quote_plus(value),
            "double quote(safe='')": quote(quote(value, safe=""), safe=""),
        }
        table = {
            "raw": value,
            "base64": std,
            "base64 unpadded": std.rstrip("="),
            "base64url": urlsafe,
            "base64url unpadded": urlsafe.rstrip("="),
            **quoted,
            **{f"{name}, lower-case hex": _lower_hex(v) for name, v in quoted.items()},
            "json": json.dumps(value)[1:-1],
            "json, non-ASCII kept": json.dumps(value, ensure_ascii=False)[1:-1],
            "json, slash escaped": json.dumps(value)[1:-1].replace("/", "\\/"),
            "python repr": repr(value)[1:-1],
            "unicode_escape": value.encode("unicode_escape").decode("ascii"),
            "html": html.escape(value),
            "html, quotes kept": html.escape(value, quote=False),
            "xml": _xml(value),
            "html, numeric quotes (Jinja)": _jinja(value),
        }
        forms.update({prefix + name: form for name, form in table.items() if form})
    return forms


def _pattern(form: str) -> str:
    """``form`` as a regular expression whose percent-escapes match in any case."""
    parts = re.split(r"(%[0-9A-Fa-f]{2})", form)
    return "".join(
        "%" + "".join(f"[{c.lower()}{c.upper()}]" for c in part[1:])
        if re.fullmatch(r"%[0-9A-Fa-f]{2}", part)
        else re.escape(part)
        for part in parts
    )


def _usable(secrets: Iterable[str]) -> list[str]:
    return [s for s in secrets if s and s.strip()]


def _by_pattern(secrets: Iterable[str]) -> dict[str, list[str]]:
    """Each distinct form's pattern -> the names it goes by (over every secret);
    forms that differ only in the case of their hex share one pattern."""
    names: dict[str, list[str]] = {}
    usable = _usable(secrets)
    for index, secret in enumerate(usable):
        label = f"secret {index + 1} " if len(usable) > 1 else ""
        for name, form in encodings(secret).items():
            names.setdefault(_pattern(form), []).append(label + name)
    return names


def find(text: str, secrets: Iterable[str], *, where: str = "") -> list[str]:
    """Every place a form of a secret occurs in ``text``, described without it."""
    names = _by_pattern(secrets)
    if not names or not text:
        return []
    # Longest first: a secret that holds another is masked (and reported) whole.
    ordered = sorted(names, key=len, reverse=True)
    masker = re.compile("|".join(ordered))
    reach = CONTEXT + max(len(p) for p in ordered)
    hits: list[str] = []
    seen: list[tuple[int, int]] = []
    for pattern in ordered:
        for match in re.finditer(pattern, text):
            span = match.span()
            if any(s <= span[0] and span[1] <= e for s, e in seen):
                continue  # inside a longer hit already reported
            seen.append(span)
            if len(hits) >= MAX_HITS:
                return [*hits, "… (more hits not shown)"]
            hits.append(_describe(text, span, names[pattern], masker, where, reach))
    return hits


def mask(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every form of every secret replaced by ``***`` (for a failure
    message that shows output)."""
    names = _by_pattern(secrets)
    if not names or not text:
        return text
    return re.compile("|".join(sorted(names, key=len, reverse=True))).sub(MASK, text)


def _describe(
    text: str,
    span: tuple[int, int],
    names: list[str],
    masker: re.Pattern[str],
    where: str,
    reach: int,
) -> str:
    start, end = span
    # The context may hold another form (or part of one, cut at its edge): every
    # match of the masker near the hit is shown as *** even where the window splits it.
    lo, hi = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    around = [
        m.span() for m in masker.finditer(text, max(0, start - reach), end + reach)
    ]
    before = _masked(text, lo, start, around)
    after = _masked(text, end, hi, around)
    place = f"{where}: " if where else ""
    line = text.count("\n", 0, start) + 1
    form = names[0] + (f" (= {', '.join(names[1:])})" if names[1:] else "")
    return f"{place}line {line}, {form}: {before!r} *** {after!r}"


def _masked(text: str, lo: int, hi: int, spans: list[tuple[int, int]]) -> str:
    """``text[lo:hi]`` with every span that overlaps it replaced by ``***``."""
    out, at = [], lo
    for s, e in sorted(spans):
        if e <= max(lo, at) or s >= hi:
            continue
        out.append(text[at : max(at, s)])
        out.append(MASK)
        at = max(at, min(e, hi))
    out.append(text[at:hi])
    return "".join(out)


def read_outputs(report_dir: Path | None) -> dict[str, str]:
    """Every file under ``report_dir`` (recursively) as text, by relative name."""
    outputs: dict[str, str] = {}
    if report_dir is None or not report_dir.is_dir():
        return outputs
    for path in sorted(report_dir.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            outputs[str(path.relative_to(report_dir))] = data.decode(
                "utf-8", errors="replace"
            )
    return outputs


def scan(outputs: Mapping[str, str], secrets: Iterable[str]) -> list[str]:
    """``find`` over named outputs (stdout, stderr, each file)."""
    secrets = _usable(secrets)
    found: list[str] = []
    for where, text in outputs.items():
        found += find(text, secrets, where=where)
    return found


def scan_dir(directory: Path, secrets: Iterable[str]) -> list[str]:
    """``find`` over every file under ``directory``."""
    return scan(read_outputs(directory), secrets)


def scan_run(
    out: str, err: str, report_dir: Path | None, secrets: Iterable[str]
) -> list[str]:
    """``find`` over a command's stdout, stderr and every file it wrote."""
    return scan(
        {"stdout": out, "stderr": err, **read_outputs(report_dir)}, list(secrets)
    )
