"""Lint = run: each clause's probe family called as the run calls it, before any
request, so an argument the run would refuse is a profile mistake reported here.

The run calls a clause's family once per operation it names (``family(ctx, [op],
**with)``, the fuzz phase) and a ``BadArgument`` stops it with exit 4; the linter
makes the same calls with a context built from the profile alone (every value a
stand-in, ``checking=True``) and reports each refusal with exit 2, in the family's
own words (the value, and the near miss where the family gives one). A
``NothingInDocument`` on every operation of the clause is reported too: the
document leaves the clause nothing to send, whatever the target. Any other
``NothingToProbe`` is a fact of the run (a value not given, a read-only run).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from errcontract._config.lint.finding import Problem
from errcontract._contract.clauses import Clause
from errcontract._contract.profile import Profile
from errcontract._contract.surface import ProbeContext
from errcontract.exceptions import BadArgument, NothingInDocument, NothingToProbe
from errcontract.strategies import FAMILIES


def probe_context(profile: Profile) -> ProbeContext:
    """The context the run builds, from the profile alone: every non-secret fixture
    and every value a setup step makes stands in as ``<name>``."""
    header, query, template = profile.credential_placement
    values = {f.name: f"<{f.name}>" for f in profile.fixtures if not f.secret}
    for step in profile.setup:
        values.setdefault(str(step.get("var")), f"<{step.get('var')}>")
    tenant = profile.tenant or {}
    return ProbeContext(
        operations=profile.operations,
        credential=str(profile.meta.get("credential")),
        credential_template=template,
        values=values,
        tenant_header=tenant.get("header"),
        tenant_fixture=tenant.get("fixture"),
        secret_fixtures=profile.secret_fixtures,
        credential_query=query,
        credential_header=header,
        checking=True,
    )


def call_problems(
    ctx: ProbeContext, clause: Clause, path: Path, at: str
) -> Iterator[Problem]:
    """What the run would refuse in ``clause``'s probes (catalog at ``path``), the
    family called in ``ctx`` (``probe_context``)."""
    probes = clause.probes
    if probes is None or probes.strategy not in FAMILIES:
        return
    family = FAMILIES[str(probes.strategy)]
    params = dict(probes.params)
    refused: dict[str, list[str]] = {}
    empty: dict[str, str] = {}
    for op in probes.operations:
        try:
            family(ctx, [op], allow_writes=True, **params)
        except BadArgument as exc:
            refused.setdefault(str(exc), []).append(op)
        except NothingInDocument as exc:
            empty[op] = exc.reason
        except NothingToProbe:
            continue
    for message, ops in refused.items():
        yield Problem(
            path,
            f"{at}: {_where(message, params)}",
            f"{probes.strategy} refuses it on {', '.join(ops)}: {message}",
        )
    if empty and len(empty) == len(probes.operations):
        reasons = "; ".join(dict.fromkeys(empty.values()))
        yield Problem(
            path,
            f"{at}: probes/operations",
            f"{probes.strategy} has nothing to send to any of them, whatever the "
            f"target: {reasons}",
        )


def _where(message: str, params: Mapping[str, object]) -> str:
    """The member of ``probes/with`` a refusal names (``fixture='x' is ...``; for a
    combined defect ``defects[1]: ...``, that entry and its own member), else the
    operations it was refused on."""
    for key in params:
        entry = re.search(rf"(?<![\w.]){re.escape(key)}\[(\d+)\]", message)
        if entry is not None:
            where = f"probes/with/{key}/{entry.group(1)}"
            nested = _nested(params[key], int(entry.group(1)))
            inner = _where(message[entry.end() :], nested)
            member = inner.removeprefix("probes/with/")
            return where if member == inner else f"{where}/with/{member}"
        if re.search(rf"(?<![\w.]){re.escape(key)}(=| has )", message):
            return f"probes/with/{key}"
    return "probes/operations"


def _nested(value: object, index: int) -> Mapping[str, object]:
    """The ``with`` of entry ``index`` of a list of combined defects."""
    if isinstance(value, list) and index < len(value):
        entry = value[index]
        if isinstance(entry, Mapping) and isinstance(entry.get("with"), Mapping):
            return dict(entry["with"])
    return {}
