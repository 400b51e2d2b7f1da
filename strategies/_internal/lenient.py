"""Lenient-parser kinds of ``invalid_bodies``: the wrong types frameworks coerce,
truncate or normalise into a valid value, so a server that accepts one silently breaks
"a wrong type answers 400/422" and no other probe notices.

Each is a wrong type where the field's schema names its ``type`` (JSON Schema 2020-12),
so it gets the answers the clause documents for a wrong type (``when: wrong-type``).
The suite builds one from the field's valid value (the example's, or for a field the
example leaves out the first of its schema's own values that validates: ``default``,
``examples``, ``enum``, a bound), so that coercing it gives back a valid body: a server
that coerces answers a success, and nothing else in the body can be what it refused.

* ``numeric-string``: ``"150000"`` where the schema says ``integer`` (the valid value's
  digits), ``"12.5"`` where it says ``number``: a string is a wrong type, whatever it
  spells (pydantic's lax mode, ``parseInt`` and form decoders read a number in it).
  Never ``150000.0`` for ``integer``: 2020-12 (Validation, section 6.1.1, and Core,
  section 4.2.2) makes an integer "a number with a zero fractional part", so ``1.0``
  *is* an integer and a server accepting it keeps the contract.
* ``boolean-string``: ``"true"`` or ``"false"`` where the schema says ``boolean``.
* ``object-for-array``: an object where it says ``array`` (as form decoders build
  ``{"0": ...}``). Schemathesis' coverage phase already sends one (``{}``, a ``type``
  case): that case is named this kind, not copied.
* ``one-item-array``: ``[value]`` where it says a scalar type (string, integer, number,
  boolean): decoders that unwrap one-element lists accept it.
* ``zero-for-boolean``: ``0`` where it says ``boolean`` (JSON Schema keeps the two
  types apart: 2020-12 Validation, section 6.1.1; Python's ``bool(0)``, pydantic's lax
  mode and form decoders read it as ``false``). Schemathesis' coverage phase already
  sends it (its ``type`` case for a boolean in a body, from ``st.integers()``): that
  case is named this kind, not copied, and ``false`` is valid wherever a plain boolean
  is, so a coercing server answers a success.

Schemathesis' other ``type`` cases (``"AAA"`` for an integer, ``[null, null]``...)
stay ``wrong-type``; one of its cases, or of negative fuzzing, that has the shape of a
lenient kind is named that kind (``classified``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from jsonschema import Draft202012Validator

from .openapi import BodyDefect

LENIENT = (
    "numeric-string",
    "boolean-string",
    "object-for-array",
    "one-item-array",
    "zero-for-boolean",
)
"""The lenient-parser kinds, each a wrong type a framework may coerce."""

_SCALARS = frozenset({"string", "integer", "number", "boolean"})
_DIGITS = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
BUILT = "built by the suite from the valid value"
"""The scenario of a lenient defect the suite builds (no case of Schemathesis' is)."""


def _types(sub: Mapping[str, Any]) -> frozenset[str]:
    declared = sub.get("type")
    if isinstance(declared, str):
        return frozenset({declared})
    if isinstance(declared, list):
        return frozenset(t for t in declared if isinstance(t, str))
    return frozenset()


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value)


def _kind_of(sub: Mapping[str, Any], value: Any) -> str | None:
    """The lenient kind ``value`` is for a field of schema ``sub``, if any."""
    types = _types(sub)
    if not types or "string" in types:
        numeric = False
    elif types <= {"integer", "null"}:
        numeric = isinstance(value, str) and bool(_DIGITS.fullmatch(value))
    else:
        numeric = bool(types & {"integer", "number"}) and (
            isinstance(value, str) and bool(_DECIMAL.fullmatch(value))
        )
    if numeric:
        return "numeric-string"
    if types & {"boolean"} and "string" not in types and value in ("true", "false"):
        return "boolean-string"
    if "array" in types and "object" not in types and isinstance(value, dict):
        return "object-for-array"
    if (
        "boolean" in types
        and not types & {"integer", "number"}
        and type(value) is int
        and value == 0
    ):
        return "zero-for-boolean"
    if (
        types & _SCALARS
        and not types & {"array"}
        and isinstance(value, list)
        and len(value) == 1
    ):
        return "one-item-array"
    return None


def classified(schema: Mapping[str, Any], defect: BodyDefect) -> BodyDefect:
    """``defect`` named its lenient kind when a wrong type has the shape of one."""
    if defect.kind != "wrong-type":
        return defect
    sub = (schema.get("properties") or {}).get(defect.field, {})
    kind = _kind_of(sub, defect.value)
    return defect if kind is None else replace(defect, named=kind)


def _valid_value(sub: Mapping[str, Any]) -> Iterator[Any]:
    """The first value ``sub``'s own keywords offer that it accepts, if any."""
    offered = [
        *(sub[k] for k in ("default", "example", "const") if k in sub),
        *(sub.get("examples") or [])[:3],
        *(sub.get("enum") or [])[:1],
        *(sub[k] for k in ("minimum", "maximum") if k in sub),
        *(1, 0, True, "a"),
    ]
    validator = Draft202012Validator(sub)
    for value in offered:
        if not isinstance(value, (list, dict)) and validator.is_valid(value):
            yield value
            return


def _coerced(sub: Mapping[str, Any], value: Any) -> Iterator[tuple[str, Any]]:
    """The lenient values of one valid ``value``: (kind, value)."""
    types = _types(sub)
    if _is_number(value) and "string" not in types:
        if "number" in types:
            yield "numeric-string", json.dumps(value)
        elif "integer" in types and float(value).is_integer():
            yield "numeric-string", str(int(value))
    if isinstance(value, bool) and "string" not in types:
        yield "boolean-string", json.dumps(value)
    if types & _SCALARS and not types & {"array"} and not isinstance(value, list):
        yield "one-item-array", [value]


def built(
    op_id: str,
    schema: Mapping[str, Any],
    body: Any,
    found: Sequence[BodyDefect],
    kinds: Collection[str],
) -> list[BodyDefect]:
    """The lenient defects of ``kinds`` that ``found`` lacks, one per field and kind,
    each the field's valid value in ``body`` turned into the lenient wrong type."""
    if not isinstance(body, dict):
        return []
    have = {(d.field, d.kind) for d in found}
    out = []
    for name, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, Mapping):
            continue
        valid = [body[name]] if name in body else list(_valid_value(sub))
        for kind, value in (c for v in valid for c in _coerced(sub, v)):
            if kind in kinds and (name, kind) not in have:
                out.append(BodyDefect(op_id, name, "type", value, BUILT, kind))
    return out


def possible(schema: Mapping[str, Any], names: Collection[str] | None) -> set[str]:
    """The lenient kinds some field's declared type allows (whatever the values)."""
    found: set[str] = set()
    for name, sub in (schema.get("properties") or {}).items():
        if (names is not None and name not in names) or not isinstance(sub, Mapping):
            continue
        types = _types(sub)
        if "string" not in types and types & {"integer", "number"}:
            found.add("numeric-string")
        if "boolean" in types and "string" not in types:
            found.add("boolean-string")
        if "boolean" in types and not types & {"integer", "number"}:
            found.add("zero-for-boolean")
        if "array" in types and "object" not in types:
            found.add("object-for-array")
        if types & _SCALARS and "array" not in types:
            found.add("one-item-array")
    return found
