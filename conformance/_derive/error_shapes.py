"""What a document says about its own error bodies: how a validation answer names
the fields it refuses.

A convention has a default (RFC 9457's ``errors[].pointer``), but an API's document
may declare another list: FastAPI's ``detail[].loc``, fastapi-problem's
``errors[].loc``, RFC 7807's ``invalid-params[].name``, ``errors[].field``. The
suite reads the member names from the schemas the document declares for its 400,
422 and 4XX answers, so "the 422 names the broken field" is judged the way the
document says; where a document declares an error schema whose field list the
suite cannot read, the naming half is not judged, and a note says why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from errcontract._input.refs import Local

NAME_MEMBERS = ("pointer", "loc", "field", "name", "param", "parameter", "path")
"""Members an item of a field-error list names its field in, as documents use them."""
_STATUSES = ("422", "400", "4XX", "4xx", "default")


@dataclass(frozen=True)
class Naming:
    """How validation answers name fields: the list, the member of each item."""

    fields_field: str | list[Any] | None
    """A top-level member, or a path to one (``checks.answers.member_at``)."""
    field_member: str | None
    judged: bool
    """Whether the naming half of a validation clause is judged at all."""
    note: str = ""


def _object(local: Local, schema: Any) -> Mapping[str, Any]:
    """The members of an object schema (``allOf`` parts merged)."""
    schema = local.deref(schema)
    if not isinstance(schema, Mapping):
        return {}
    members = dict(schema.get("properties") or {})
    for part in schema.get("allOf") or []:
        members.update(_object(local, part))
    return members


def _schemas(
    local: Local, specs: Iterable[Mapping[str, Any]]
) -> list[tuple[str, Mapping[str, Any]]]:
    found = []
    for spec in specs:
        responses = local.deref(spec.get("responses")) or {}
        for status in _STATUSES:
            response = local.deref(responses.get(status))
            if not isinstance(response, Mapping):
                continue
            for media in (response.get("content") or {}).values():
                schema = local.deref((media or {}).get("schema"))
                if isinstance(schema, Mapping):
                    found.append((status, schema))
    return found


def naming(
    document: Mapping[str, Any],
    specs: Iterable[Mapping[str, Any]],
    default: Mapping[str, Any],
) -> Naming:
    """How the validation answers of the operations ``specs`` name fields."""
    local = Local(document)
    declared = _schemas(local, specs)
    if not declared:
        return Naming(
            default.get("fields_field"), default.get("field_member"), judged=True
        )
    for _, schema in declared:
        for name, sub in _object(local, schema).items():
            sub = local.deref(sub)
            if not isinstance(sub, Mapping) or "items" not in sub:
                continue
            item = _object(local, sub.get("items"))
            member = next((m for m in NAME_MEMBERS if m in item), None)
            if member is not None:
                return Naming(str(name), member, judged=True)
    wanted = default.get("fields_field")
    # A path (AIP-193's error.details[...].fieldViolations) is looked for by its
    # first member: what is inside a typed payload no schema of the document lists.
    first = wanted[0] if isinstance(wanted, list) and wanted else wanted
    if isinstance(first, str) and any(first in _object(local, s) for _, s in declared):
        return Naming(wanted, default.get("field_member"), judged=True)
    statuses = ", ".join(sorted({s for s, _ in declared}))
    return Naming(
        None,
        None,
        judged=False,
        note=(
            f"the document's {statuses} error schemas list no field errors the suite "
            f"can read (an array of objects naming each field by "
            f"{', '.join(NAME_MEMBERS)}): whether a validation answer names the "
            "broken field is not judged"
        ),
    )
