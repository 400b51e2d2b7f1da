"""A profile derived from an OpenAPI document and an error convention: zero-config.

Most teams have an OpenAPI document and errors that follow a known convention (RFC 9457
problem details above all), not a clause catalog. A convention
(``conformance/_contract/conventions.py``) holds clause templates; a derivation reads
the document's facts (security schemes, request bodies, item paths, declared statuses
and headers; ``errcontract._contract.document`` reads the document) and writes the
profile directory those templates give: the catalog, ``profile.yaml``, the document with
the suite's ``x-conformance-*`` hints added, and the convention's schemas. Each part is
worked out in its own module (``facts.py``, ``catalog.py``, ``hints.py``, ``meta.py``,
``overrides.py``); this one puts them together as files. ``conformance run --openapi ...
--convention ...`` loads it from a temporary directory; ``conformance init`` writes it
for the team to take over. The derived profile is then an ordinary one: linted, run and
reported as any other.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from errcontract._contract.conventions import Convention
from errcontract._contract.profile import Profile
from errcontract._derive import catalog, error_shapes, hints
from errcontract._derive.facts import Facts
from errcontract._derive.meta import profile_meta
from errcontract._derive.overrides import overridden


@dataclass
class Derived:
    """A derived profile: its files, and what was left out and why."""

    api: str
    files: dict[str, str]
    clauses: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    profile: Profile | None = None
    """The profile, once linted and loaded (in memory: nothing is written)."""


def derive(
    convention: Convention,
    document: Mapping[str, Any],
    *,
    request_id_header: str | None = None,
    rate_limit: float | None = None,
    overrides: Mapping[str, Any] | None = None,
    overrides_source: str = "--overrides",
    embedded: bool = False,
) -> Derived:
    """The profile ``convention``'s templates give for ``document`` (self-contained,
    as ``document.read_document`` gives it: the derived profile needs no other file
    of the document's)."""
    document = copy.deepcopy(dict(document))
    facts = Facts(document, request_id_header=request_id_header, rate_limit=rate_limit)
    notes: list[str] = []
    bodies = hints.add_hints(facts, notes)
    scheme = facts.scheme()
    facts.naming = error_shapes.naming(
        document, [facts.specs[o] for o in bodies], convention.data["error_body"]
    )
    if facts.naming.note:
        notes.append(f"validation answers: {facts.naming.note}")
    clauses = catalog.clauses(convention, facts, bodies, scheme, notes)
    clauses = overridden(clauses, overrides or {}, overrides_source)
    meta = profile_meta(convention, facts, scheme, notes, embedded)
    title = str((document.get("info") or {}).get("title") or "API")
    api = str(meta["api"])
    header = (
        f"# {title}: clauses derived from the OpenAPI document and the "
        f"{convention.name} convention\n# ({convention.data.get('reference', '')}).\n"
        "# Written by conformance; edit freely: it is an ordinary profile now.\n"
    )
    files: dict[str, str] = {}
    for name, relative in (convention.data.get("files") or {}).items():
        source = (convention.directory / relative).resolve()
        files[name] = source.read_text(encoding="utf-8")
    files["profile.yaml"] = header + _yaml(meta)
    files["clauses.yaml"] = header + _yaml({"api": api, "clauses": clauses})
    files["openapi.yaml"] = _document_text(document)
    return Derived(api=api, files=files, clauses=clauses, notes=notes)


_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
LARGE_DOCUMENT = 1 << 20
"""Past this size the derived document is written as JSON (which is YAML): a
20 MB document takes minutes through a YAML emitter, a second as JSON."""


def _yaml(data: Any) -> str:
    text: str = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=88
    )
    return text


def _document_text(document: Any) -> str:
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return text + "\n" if len(text) > LARGE_DOCUMENT else _yaml(document)


def write(derived: Derived, directory: Path) -> None:
    """Write the profile's files into ``directory`` (created if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in derived.files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text, encoding="utf-8")
