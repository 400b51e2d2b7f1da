"""The checks on what ``profile.yaml`` names outside the catalog: the credential and
tenant fixtures, the preflight operation, the setup steps and their picks, and the
values every operation needs."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from errcontract._config.lint.finding import Problem
from errcontract._contract.profile import Profile
from errcontract._near import near_miss

_POINTER = re.compile(r"^(/([^~/]|~[01])*)*$")
_HEADER_PICK = re.compile(r"^header:[A-Za-z0-9!#$%&'*+.^_`|~-]+$")


def surface_problems(profile: Profile, path: Path) -> Iterator[Problem]:
    """Every problem of what ``profile.yaml`` (at ``path``) names."""
    operations = sorted(profile.operations)
    fixtures = {f.name: f for f in profile.fixtures}
    meta = profile.meta
    credential = meta.get("credential")
    if credential not in fixtures:
        yield Problem(
            path,
            "credential",
            f"names no fixture: {credential!r}{near_miss(credential, fixtures)}",
        )
    elif not fixtures[str(credential)].secret:
        yield Problem(path, "credential", f"fixture {credential!r} must be secret")
    tenant = profile.tenant or {}
    holder = tenant.get("fixture")
    if holder and holder not in fixtures:
        yield Problem(
            path,
            "tenant/fixture",
            f"names no fixture: {holder!r}{near_miss(holder, fixtures)}",
        )
    preflight = meta.get("preflight")
    if preflight is not None and preflight not in profile.operations:
        yield Problem(
            path,
            "preflight",
            f"unknown operation {preflight!r}{near_miss(preflight, operations)}",
        )
    produced = {name for name, f in fixtures.items() if not f.secret}
    for index, step in enumerate(profile.setup):
        where = f"setup/{index} ({step.get('var')})"
        for op in [step.get("operation"), *_lookups(step)]:
            if op not in profile.operations:
                yield Problem(
                    path, where, f"unknown operation {op!r}{near_miss(op, operations)}"
                )
        for pointer in [step.get("pick"), *_picks(step)]:
            if not isinstance(pointer, str) or not (
                _POINTER.match(pointer) or _HEADER_PICK.match(pointer)
            ):
                yield Problem(
                    path,
                    where,
                    f"pick {pointer!r} is not a JSON Pointer nor header:NAME",
                )
        produced.add(str(step.get("var")))
    openapi = profile.folder.path(str(meta.get("openapi", "openapi.yaml")))
    for op_id in operations:
        for name in sorted(profile.operations[op_id].needed_vars() - produced):
            yield Problem(
                openapi,
                f"operation {op_id}",
                f"needs value {name!r} (a ${{{name}}} placeholder or "
                f"x-conformance-var), which no setup step or fixture provides"
                f"{near_miss(name, produced)}",
            )


def _ways(step: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [*(step.get("on_status") or {}).values(), *(step.get("or") or [])]


def _lookups(step: Mapping[str, Any]) -> list[Any]:
    return [spec.get("operation") for spec in _ways(step)]


def _picks(step: Mapping[str, Any]) -> list[Any]:
    return [spec.get("pick") for spec in _ways(step)]
