"""The checks on what ``profile.yaml`` names outside the catalog: the credential and
tenant fixtures, the preflight operation, the setup steps and their picks, and the
values every operation needs."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from errcontract._config.lint.clauses import declared_members, member_names
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
    yield from _field_members(profile, path)
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
    yield from _unsent(profile, openapi)
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


def _unsent(profile: Profile, openapi: Path) -> Iterator[Problem]:
    """Every parameter given a value (``x-conformance-var``) that no valid request
    sends: a valid request carries path parameters, required query parameters and
    the tenant header (from the tenant fixture), nothing else."""
    tenant = str((profile.tenant or {}).get("header", "")).lower()
    unsent: dict[tuple[str, str, str], list[str]] = {}
    for op_id, op in sorted(profile.operations.items()):
        for param in op.parameters:
            sent = param.location == "path" or (
                param.location == "query" and param.required
            )
            if param.var and not sent:
                key = (param.location, param.name, param.var)
                unsent.setdefault(key, []).append(op_id)
    for (location, name, var), ops in unsent.items():
        if location == "query":
            how = "mark it required: true, or drop x-conformance-var"
        elif location == "header" and name.lower() == tenant:
            how = "the tenant header takes the tenant fixture: drop x-conformance-var"
        else:
            how = (
                "a header goes out only as profile.yaml's tenant header or the "
                "credential"
            )
        kind = "an optional query" if location == "query" else f"a {location}"
        yield Problem(
            openapi,
            f"operation {', '.join(ops)}",
            f"{location} parameter {name!r} has x-conformance-var {var!r} but will "
            f"not be sent: a valid request carries only path parameters, required "
            f"query parameters and the tenant header, not {kind} parameter ({how})",
        )


def _field_members(profile: Profile, path: Path) -> Iterator[Problem]:
    """``error_body.field_member``, one member or one per status: each a member some
    error shape of the profile declares (where its shapes declare any); a path
    (``source/pointer``) names a member of each item's member."""
    given = profile.error_body.get("field_member")
    named = given if isinstance(given, Mapping) else {"": given} if given else {}
    if not named:
        return
    # The error shapes' files, and the document's own schemas (a derived profile's
    # field member is what the document's validation answers show).
    members = member_names(profile.folder) | declared_members(profile.openapi)
    for status, member in named.items():
        # A member inside each item is a path of members (JSON:API's source/pointer).
        if members and not set(str(member).split("/")) <= members:
            where = "error_body/field_member" + (f"/{status}" if status else "")
            yield Problem(
                path,
                where,
                f"{member!r} is a member of no error shape of the profile"
                f"{near_miss(member, members)}",
            )
