"""Values that break one property schema: of a JSON type it does not allow, or of an
allowed type but violating one top-level keyword.

As in python-jsonschema, behaviour is a table keyword -> function. For scalar keywords
the function writes the keyword's negation as a schema (``minimum: 0`` becomes
``exclusiveMaximum: 0``) and ``hypothesis_jsonschema.from_schema`` generates from it
plus the rest of the property's schema, so only that keyword breaks. Array and object
keywords are built by hand from the valid example's value: hypothesis-jsonschema 0.23
cannot generate objects under Hypothesis 6.170 (``'many' object has no attribute
'more'``). jsonschema confirms every value; nothing descends into ``items`` or
``properties``.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

JSON_TYPES = ("null", "boolean", "integer", "number", "string", "array", "object")
SCALARS = frozenset({"null", "boolean", "integer", "number", "string"})
NUMBERS = frozenset({"integer", "number"})
_MAX_SIZE = 512
"""Largest max* keyword broken (a longer value would not keep bodies < 16 KiB)."""

Violator = Callable[[Mapping[str, Any], Any], st.SearchStrategy[Any] | None]
"""(property schema, valid example value or None) -> violating values, or None."""

_SMALL: st.SearchStrategy[Any] = st.one_of(
    st.none(), st.booleans(), st.integers(-100, 100), st.text(max_size=8)
)
_OF_TYPE: Mapping[str, st.SearchStrategy[Any]] = {
    "null": st.none(),
    "boolean": st.booleans(),
    "integer": st.integers(min_value=-(10**9), max_value=10**9),
    "number": st.floats(-(10**6), 10**6, allow_nan=False).filter(
        lambda f: not f.is_integer()
    ),
    "string": st.text(max_size=16),
    "array": st.lists(_SMALL, max_size=3),
    "object": st.dictionaries(st.text(max_size=8), _SMALL, max_size=3),
}
"""JSON type -> small values of exactly that type (``number``: not integral)."""


def _type_of(value: Any) -> str:
    """The JSON type name of a decoded value (``bool`` is not an integer here)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def allowed_types(schema: Mapping[str, Any]) -> frozenset[str]:
    """The JSON types ``schema`` allows by its ``type`` (all when it has none)."""
    kind = schema.get("type")
    if kind is None:
        return frozenset(JSON_TYPES)
    found = {kind} if isinstance(kind, str) else set(kind)
    if "number" in found:
        found.add("integer")
    return frozenset(found)


def _is_valid(schema: Mapping[str, Any], value: Any) -> bool:
    return bool(Draft202012Validator(schema).is_valid(value))


def _negated(
    keyword: str, types: frozenset[str], negate: Callable[[Any], Any]
) -> Violator:
    """A violator generating from the rest of the schema plus ``negate(value)``."""

    def violate(
        schema: Mapping[str, Any], example: Any
    ) -> st.SearchStrategy[Any] | None:
        negation = negate(schema[keyword])
        kinds = sorted(types & allowed_types(schema))
        if keyword in ("enum", "const") and "type" not in schema:
            listed = schema[keyword] if keyword == "enum" else [schema[keyword]]
            kinds = sorted({_type_of(v) for v in listed})
        if negation is None or not kinds:
            return None
        if not set(kinds) <= SCALARS:
            # Not from_schema (see the module docstring): small values of each type.
            return st.one_of([_OF_TYPE[k] for k in kinds])
        rest = {k: v for k, v in schema.items() if k != keyword}
        return from_schema({**rest, **negation, "type": kinds})

    return violate


def _count(n: Any, *, above: bool) -> int | None:
    if not isinstance(n, int) or isinstance(n, bool):
        return None
    if above:
        return n + 1 if n < _MAX_SIZE else None
    return n - 1 if n >= 1 else None


def _items(schema: Mapping[str, Any], example: Any) -> st.SearchStrategy[Any] | None:
    """Valid array elements: from a scalar ``items`` schema, else the example's."""
    items = schema.get("items", {})
    if isinstance(items, Mapping) and allowed_types(items) <= SCALARS:
        return from_schema(dict(items)) if items else _SMALL
    if isinstance(example, list) and example:
        return st.sampled_from(example)
    return None


def _min_items(
    schema: Mapping[str, Any], example: Any
) -> st.SearchStrategy[Any] | None:
    most = _count(schema["minItems"], above=False)
    if most is None:
        return None
    element = _items(schema, example)
    if most == 0 or element is None:
        return st.just([])
    return st.lists(element, max_size=most)


def _max_items(
    schema: Mapping[str, Any], example: Any
) -> st.SearchStrategy[Any] | None:
    least, element = _count(schema["maxItems"], above=True), _items(schema, example)
    if least is None or element is None:
        return None
    return st.lists(element, min_size=least, max_size=least + 2)


def _min_properties(
    schema: Mapping[str, Any], example: Any
) -> st.SearchStrategy[Any] | None:
    most = _count(schema["minProperties"], above=False)
    if most is None:
        return None
    if not isinstance(example, dict) or not example:
        return st.dictionaries(st.text(max_size=8), _SMALL, max_size=most)
    keys = st.lists(st.sampled_from(sorted(example)), unique=True, max_size=most)
    return keys.map(lambda ks: {k: example[k] for k in ks})


def _max_properties(
    schema: Mapping[str, Any], example: Any
) -> st.SearchStrategy[Any] | None:
    least = _count(schema["maxProperties"], above=True)
    if least is None:
        return None
    base = dict(example) if isinstance(example, dict) else {}
    extra = max(least - len(base), 0)
    names = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8)
    more = st.dictionaries(
        names.filter(lambda k: k not in base),
        _SMALL,
        min_size=extra,
        max_size=extra + 2,
    )
    return more.map(lambda m: {**base, **m})


def _bound(key: str) -> Callable[[Any], dict[str, Any] | None]:
    ok = (int, float)
    return lambda n: {key: n} if isinstance(n, ok) and not isinstance(n, bool) else None


def _size(key: str, *, above: bool) -> Callable[[Any], dict[str, Any] | None]:
    def negate(n: Any) -> dict[str, Any] | None:
        count = _count(n, above=above)
        return None if count is None else {key: count}

    return negate


_ANY = frozenset(JSON_TYPES)
_STR = frozenset({"string"})
VIOLATORS: dict[str, Violator] = {
    "enum": _negated("enum", _ANY, lambda v: {"not": {"enum": v}}),
    "const": _negated("const", _ANY, lambda v: {"not": {"const": v}}),
    "pattern": _negated("pattern", _STR, lambda v: {"not": {"pattern": v}}),
    "minLength": _negated("minLength", _STR, _size("maxLength", above=False)),
    "maxLength": _negated("maxLength", _STR, _size("minLength", above=True)),
    "minimum": _negated("minimum", NUMBERS, _bound("exclusiveMaximum")),
    "maximum": _negated("maximum", NUMBERS, _bound("exclusiveMinimum")),
    "exclusiveMinimum": _negated("exclusiveMinimum", NUMBERS, _bound("maximum")),
    "exclusiveMaximum": _negated("exclusiveMaximum", NUMBERS, _bound("minimum")),
    "minItems": _min_items,
    "maxItems": _max_items,
    "minProperties": _min_properties,
    "maxProperties": _max_properties,
}
"""Keyword -> strategy of same-type values violating it (None: cannot be violated)."""

_TYPES_OF = {
    "minItems": frozenset({"array"}),
    "maxItems": frozenset({"array"}),
    "minProperties": frozenset({"object"}),
    "maxProperties": frozenset({"object"}),
}


def _kinds(schema: Mapping[str, Any], keyword: str) -> list[str]:
    types = _TYPES_OF.get(keyword, _ANY)
    return sorted(types & allowed_types(schema))


def violations(
    schema: Mapping[str, Any], example: Any = None
) -> dict[str, st.SearchStrategy[Any]]:
    """Keyword -> same-type values breaking it and no other keyword of ``schema``."""
    found = {}
    for keyword, violate in VIOLATORS.items():
        if keyword not in schema or not _kinds(schema, keyword):
            continue
        values = violate(schema, example)
        if values is None:
            continue
        rest = {k: v for k, v in schema.items() if k != keyword}
        if "type" in schema:
            rest["type"] = sorted(allowed_types(schema))

        def breaks(value: Any, rest: Mapping[str, Any] = rest) -> bool:
            return not _is_valid(schema, value) and _is_valid(rest, value)

        found[keyword] = values.filter(breaks)
    return found


def wrong_types(schema: Mapping[str, Any]) -> list[str]:
    """The JSON types ``schema`` forbids by its ``type`` (none when it has no type)."""
    if "type" not in schema:
        return []
    return [t for t in JSON_TYPES if t not in allowed_types(schema)]


def wrong_typed(schema: Mapping[str, Any]) -> st.SearchStrategy[tuple[str, Any]]:
    """(type name, value) of a JSON type ``schema`` forbids, confirmed by jsonschema."""
    only_type = {"type": schema["type"]}
    return st.sampled_from(wrong_types(schema)).flatmap(
        lambda t: (
            _OF_TYPE[t]
            .filter(lambda v: not _is_valid(only_type, v))
            .map(lambda v: (t, v))
        )
    )
