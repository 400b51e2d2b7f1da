"""Combined defects: two or more families' defects in one request, for a contract
that says which answer wins when a request breaks several rules at once ("a
read-only key's write answers 403 whatever the note, before any id is looked up").

Every other family breaks one thing in the valid request. Here each named family
draws its own scenario for the operation, its one probe is compared with the valid
request, part by part (method, path, each query parameter, each header, the
credential, the body), and every difference is applied to one valid request. Two
defects that change the same part cannot both be in one request: that is a profile
mistake, refused when the family is called (the linter reports it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, NoReturn

from hypothesis import strategies as st

from errcontract._contract.surface import ProbeContext
from errcontract._http.probe import Probe
from errcontract._near import near_miss
from errcontract.exceptions import BadArgument, NothingInDocument, NothingToProbe

from .common import Scenario, composed, unbuildable, uniques

_Parts = Callable[[Mapping[str, Any]], frozenset[str]]


def _always(*parts: str) -> _Parts:
    found = frozenset(parts)
    return lambda params: found


def _resource_parts(params: Mapping[str, Any]) -> frozenset[str]:
    # Without field= the path's ids are replaced; a named field may be any slot.
    if params.get("field") is None:
        return frozenset({"path"})
    return frozenset({"path", "query", "body"})


CHANGES: Mapping[str, _Parts] = {
    "absent_credentials": _always("credential"),
    "malformed_credentials": _always("credential"),
    "fixture_credentials": _always("credential"),
    "absent_tenants": _always("tenant header"),
    "unknown_tenants": _always("tenant header"),
    "unknown_resources": _resource_parts,
    "missing_parameters": _always("query"),
    "invalid_parameters": _always("query"),
    "malformed_bodies": _always("body"),
    "invalid_bodies": _always("body"),
    "oversized_bodies": _always("body"),
    "unsupported_media_types": _always("Content-Type"),
    "robustness_probes": _always("path", "query", "body"),
}
"""The families that combine, and the parts of the valid request each one's probe
may change (given its parameters): every one sends one probe, a difference from the
valid request to the same operation."""

_WHY_NOT = {
    "foreign_credentials": "it sends two probes (another account's resource, and one "
    "that exists nowhere)",
    "paired_tenants": "it sends two probes (an existing tenant and an unknown one)",
    "duplicate_creates": "its answer is judged after a setup create",
    "repeated_actions": "its answer is judged after a setup action",
    "ignored_inputs": "it sends the valid request first and judges against it",
    "unacceptable_accepts": "it sends the valid request first and judges against it",
    "refused_writes": "it reads the item before and after its write",
    "head_and_options": "its probes carry no defect",
    "unserved_methods": "its probe is another operation (an undeclared method)",
    "unknown_routes": "its probe is another operation (a path nothing serves)",
    "combined_defects": "it is this family",
}


def _entries(
    defects: object, families: Mapping[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """``defects`` as (family, parameters) pairs, each family one that combines."""
    if (
        isinstance(defects, str)
        or not isinstance(defects, Sequence)
        or len(defects) < 2
        or not all(isinstance(d, Mapping) for d in defects)
    ):
        raise BadArgument(
            f"combined_defects: defects={defects!r} must be a list of at least two "
            "{strategy: NAME, with: {...}} entries"
        )
    out = []
    for i, entry in enumerate(defects):
        name, params = entry.get("strategy"), entry.get("with") or {}
        known = isinstance(name, str) and name in families
        if not known or not isinstance(params, Mapping):
            hint = near_miss(name, sorted(families))
            raise BadArgument(
                f"combined_defects: defects[{i}]: unknown strategy {name!r}{hint}"
                if not known
                else f"combined_defects: defects[{i}]: with={params!r} must be a "
                "mapping of the family's parameters"
            )
        why = _WHY_NOT.get(str(name), "it does not say what part it changes")
        if name not in CHANGES or (
            name == "unknown_resources" and params.get("foreign") is not None
        ):
            if name == "unknown_resources":
                why = "with foreign= it sends two probes"
            raise BadArgument(
                f"combined_defects: defects[{i}]: {name} does not combine: {why}; "
                f"these do: {', '.join(CHANGES)}"
            )
        out.append((str(name), dict(params)))
    return out


def _disjoint(entries: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
    """Refuse two defects that may change one part of the request."""
    seen: dict[str, int] = {}
    for i, (name, params) in enumerate(entries):
        for part in sorted(CHANGES[name](params)):
            if part in seen:
                _clash(seen[part], entries[seen[part]][0], i, name, part)
            seen[part] = i


def _clash(first: int, first_name: str, second: int, name: str, part: str) -> NoReturn:
    raise BadArgument(
        f"combined_defects: defects[{first}] ({first_name}) and defects[{second}] "
        f"({name}) both change the {part}; one request carries one change of each "
        "part"
    )


_Key = tuple[str, str]


def _fields(probe: Probe) -> dict[_Key, Any]:
    """The parts of ``probe`` a defect may change, keyed (part, name)."""
    parts: dict[_Key, Any] = {
        ("method", ""): probe.method,
        ("path", ""): probe.path,
        ("credential", ""): probe.credential,
    }
    for name in dict.fromkeys(n for n, _ in probe.query):
        parts["query", name] = tuple(v for n, v in probe.query if n == name)
    for name in dict.fromkeys(k.lower() for k, _ in probe.headers):
        parts["header", name] = tuple(
            (k, v) for k, v in probe.headers if k.lower() == name
        )
    if probe.body is not None:
        parts["body", ""] = probe.body
    return parts


def _same_body(valid: bytes, unique: int, other: Any) -> bool:
    """Whether ``other`` is ``valid`` but for its own ``${unique_digits}`` (each
    family draws its own unique number)."""
    if not isinstance(other, bytes):
        return False
    digits = f"{unique:012d}".encode()
    pattern = rb"\d{12}".join(re.escape(p) for p in valid.split(digits))
    return re.fullmatch(pattern, other, flags=re.DOTALL) is not None


def _diff(valid: Probe, probe: Probe, unique: int) -> dict[_Key, Any]:
    """What ``probe`` changes in ``valid``: key -> new value (``None``: removed)."""
    before, after = _fields(valid), _fields(probe)
    changed: dict[_Key, Any] = {}
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if key == ("body", "") and old is not None and _same_body(old, unique, new):
            continue
        if old != new:
            changed[key] = new
    return changed


def _applied(valid: Probe, changes: Mapping[_Key, Any]) -> Probe:
    """``valid`` with every change made."""
    query = [(n, v) for n, v in valid.query if ("query", n) not in changes]
    headers = [(k, v) for k, v in valid.headers if ("header", k.lower()) not in changes]
    for (part, name), value in changes.items():
        if part == "query" and value is not None:
            query.extend((name, v) for v in value)
        if part == "header" and value is not None:
            headers.extend(value)
    return replace(
        valid,
        method=changes.get(("method", ""), valid.method),
        path=changes.get(("path", ""), valid.path),
        credential=changes.get(("credential", ""), valid.credential),
        body=changes.get(("body", ""), valid.body),
        query=tuple(query),
        headers=tuple(headers),
    )


def _merged(
    names: Sequence[str], valid: Probe, unique: int, probes: Sequence[Probe]
) -> Probe:
    """One probe carrying every defect of ``probes`` (each drawn by ``names``), made
    from ``valid`` (built with ``unique``)."""
    changes: dict[_Key, Any] = {}
    owner: dict[_Key, int] = {}
    for i, probe in enumerate(probes):
        for key, value in _diff(valid, probe, unique).items():
            if key in owner:  # CHANGES declares what keeps this from happening
                part = f"{key[0]} {key[1]!r}" if key[1] else key[0]
                _clash(owner[key], names[owner[key]], i, names[i], part)
            owner[key], changes[key] = i, value
    broken = tuple(dict.fromkeys(f for p in probes for f in p.broken_fields))
    kinds = [p.defect_kind for p in probes if p.defect_kind]
    named = [f"{n}: {p.defect}" for n, p in zip(names, probes, strict=True)]
    return replace(
        _applied(valid, changes),
        defect=" + ".join(named),
        defect_kind=kinds[0] if kinds else "",
        field=broken[0] if broken else None,
        fields=broken if len(broken) > 1 else (),
        writes=any(p.writes for p in probes),
    )


def combined_defects(
    ctx: ProbeContext,
    operations: Sequence[str],
    *,
    allow_writes: bool = True,
    defects: Sequence[Mapping[str, Any]],
) -> st.SearchStrategy[Scenario]:
    """The valid request carrying the defects of two or more families at once, for
    a contract that states which answer such a request gets.

    ``defects`` lists ``{strategy: NAME, with: {...}}`` entries, each a family and
    its parameters as a clause would give them alone (and refused, at the call, as
    it would be alone). For an operation, each family draws its own one-probe
    scenario; what that probe changes in the operation's valid request (the method,
    the path, each query parameter, each header, the credential, the body; a body
    that differs only by its own ``${unique_digits}`` is unchanged) is applied to
    one valid request. The probe's ``defect`` names every defect ("fixture_credentials:
    credential of fixture 'read_only_api_key' + unknown_resources: path 'projectId'
    = ... (no such resource)"), its defect kind is the first defect's (what an
    ``expect`` entry's ``when`` matches), its fields are every broken field, and it
    is a write when any defect's probe is.

    Refused (``BadArgument``): fewer than two entries; an unknown family (with the
    near miss); a family whose scenarios are not one defective probe to the same
    operation (``foreign_credentials``, ``paired_tenants``, ``duplicate_creates``,
    ``repeated_actions``, ``ignored_inputs``, ``unacceptable_accepts``,
    ``refused_writes``, ``head_and_options``, ``unserved_methods``,
    ``unknown_routes``, ``unknown_resources`` with ``foreign``, and this family);
    two defects that may change the same part of the request (``CHANGES``: two body
    defects, two credentials, two query defects). The operations probed are those
    every family applies to: one where a family has nothing to send (a read-only
    run and a write, say), or whose valid request this run cannot build, is left
    out, and none left is ``NothingToProbe`` (``NothingInDocument`` when the
    document, not the run, left each one out).

    The family declares no defect kinds: the coverage phase sends one combined
    probe per operation. Which answer wins is the contract's word, not the suite's:
    the clause's ``expect`` states the precedence (``[{status: 403}]`` for "the role
    is checked before the id is looked up"), judged by ``expected_answer``.
    """
    from errcontract.strategies import FAMILIES  # the registry holds this family

    entries = _entries(defects, FAMILIES)
    names = [name for name, _ in entries]
    built: dict[str, list[st.SearchStrategy[Scenario]]] = {}
    reasons: list[str] = []
    document_only = True
    for op_id in dict.fromkeys(operations):
        strategies = []
        try:
            for i, (name, params) in enumerate(entries):
                try:
                    strategies.append(
                        FAMILIES[name](
                            ctx, [op_id], allow_writes=allow_writes, **params
                        )
                    )
                except BadArgument as exc:
                    raise BadArgument(f"combined_defects: defects[{i}]: {exc}") from exc
        except NothingToProbe as exc:
            document_only &= isinstance(exc, NothingInDocument)
            reasons.append(exc.reason)
            continue
        why = unbuildable(ctx, op_id)
        if why is not None:
            document_only = False
            reasons.append(f"{why}, which this run does not have")
            continue
        built[op_id] = strategies
    # After each family's own refusals, as each would give them alone.
    _disjoint(entries)
    if not built:
        reason = "; ".join(dict.fromkeys(reasons)) or "no operation"
        if document_only:
            raise NothingInDocument(f"combined_defects: nothing to send: {reason}")
        raise NothingToProbe(f"combined_defects: nothing to probe: {reason}")

    def scenarios(draw: st.DrawFn) -> Scenario:
        op_id = draw(st.sampled_from(sorted(built)))
        # Every family in CHANGES draws one-probe scenarios.
        probes = [probe for s in built[op_id] for probe in draw(s)]
        unique = draw(uniques())
        valid = ctx.valid_probe(op_id, unique=unique)
        return (_merged(names, valid, unique, probes),)

    return composed(scenarios)
