"""Which top-level fields of a body a schema finds broken, remembered.

A coverage cell of each defect kind checks the same candidate bodies again (each
kind's first break, then every defect for ``several``), and so does each operation
of a shared body schema: validating was most of an invalid-body cell's drawing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator

_VERDICTS_KEPT = 8192
_verdicts: dict[tuple[int, str], tuple[Mapping[str, Any], frozenset[str] | None]] = {}
"""``broken_fields``' answers by schema (its identity, the schema kept alongside so
the identity is not reused while kept) and body (its ``repr``: it tells ``1`` from
``1.0`` and ``True``, which JSON text would not). On 150 operations of one body
schema, 8,700 validations were 646 distinct ones."""


def broken_fields(schema: Mapping[str, Any], body: Any) -> set[str] | None:
    """Top-level fields ``body`` breaks (``None``: the body as a whole is wrong)."""
    if not isinstance(body, dict):
        return None
    key = (id(schema), repr(body))
    kept = _verdicts.get(key)
    if kept is None or kept[0] is not schema:
        if len(_verdicts) >= _VERDICTS_KEPT:
            _verdicts.clear()  # bounded: a run draws one API's few schemas
        kept = _verdicts[key] = (schema, _broken(schema, body))
    return None if kept[1] is None else set(kept[1])


def _broken(schema: Mapping[str, Any], body: dict[str, Any]) -> frozenset[str] | None:
    required = set(schema.get("required", []))
    found: set[str] = set()
    for error in Draft202012Validator(schema).iter_errors(body):
        if error.absolute_path:
            found.add(str(error.absolute_path[0]))
        elif error.validator == "required":
            found |= {name for name in required if name not in body}
        else:
            return None
    return frozenset(found)
