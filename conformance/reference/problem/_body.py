"""Read a create request's body and validate it against the ``ProjectCreate`` schema.

A Content-Type other than JSON is 415; a body that is not JSON, or JSON but not an
object, is 400; an object breaking the schema is 422 naming every broken field.
Nothing a client can send (any string, number or nesting) escapes as an exception:
Python's ``json`` gives up near 1,000 levels with a ``RecursionError``, caught here
(Starlette's ``request.json()`` would let it through as a 500), and ``1e400`` reads as
``inf``, refused as out of range, never stored or written back.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Collection
from typing import Any

from .._nesting import text_depth
from .._switches import Switches
from . import _contract as c
from ._render import Problem, SimulatedCrash

_NAME_RULE = f"must be a string of 1 to {c.NAME_MAX} characters"
_PRIORITY_RULE = (
    f"must be an integer from {c.PRIORITY_RANGE[0]} to {c.PRIORITY_RANGE[1]}"
)
_VISIBILITY_RULE = f"must be one of {', '.join(c.VISIBILITIES)}"
_TAGS_RULE = f"must be an array of at most {c.TAGS_MAX} strings"
_ARCHIVED_RULE = "must be a boolean"


def is_json_media_type(header: str | None) -> bool:
    """Whether a Content-Type names application/json (parameters allowed)."""
    if header is None:
        return False
    return header.split(";", 1)[0].strip().lower() == c.JSON


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity, -Infinity


def _integer(text: str) -> int | float:
    # Past Python's int-parsing digit limit, a float (inf) keeps it a number, not an
    # error: it is then only out of range.
    try:
        return int(text)
    except ValueError:
        return float(text)


def _strict_integer(text: str) -> int | float:
    if text == "-0":  # PD-5XX-1:negative-zero: canonical JSON has no -0
        raise SimulatedCrash("NonCanonicalNumber: -0")
    return _integer(text)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):  # PD-5XX-1:duplicate-keys
        raise SimulatedCrash("DuplicateKeyError")
    return dict(pairs)


def _crash_if_too_deep(raw: bytes, switches: Switches) -> None:
    """The nesting faults: an object body past their depth crashes (a recursive
    walk over its members); other bodies go on to the parser's own refusal."""
    deep, deeper = c.FAULTY_DEPTH
    limit = (
        deep
        if switches.broken("PD-5XX-1:deep-nesting")
        else deeper
        if switches.broken("PD-5XX-1:deeper-nesting")
        else None
    )
    if limit is not None and raw.lstrip()[:1] == b"{" and text_depth(raw) > limit:
        raise SimulatedCrash("RecursionError: maximum recursion depth exceeded")


def parse_object(raw: bytes, switches: Switches) -> dict[str, Any]:
    """The body as a JSON object, or the 400 problem it deserves."""
    _crash_if_too_deep(raw, switches)
    strict = switches.broken("PD-5XX-1:negative-zero")
    hook = _no_duplicates if switches.broken("PD-5XX-1:duplicate-keys") else None
    try:
        value = json.loads(
            raw.decode("utf-8"),
            parse_constant=_refuse_constant,
            parse_int=_strict_integer if strict else _integer,
            object_pairs_hook=hook,
        )
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        # Under the fault, malformed syntax gets the 422 of a body that parsed (as
        # FastAPI's default does); RFC 9110 section 15.5.1 makes it a 400.
        raise Problem(
            c.UNPARSED_AS_INVALID if switches.broken("PD-REQ-1") else c.MALFORMED
        ) from None
    if not isinstance(value, dict):
        raise Problem(c.NOT_AN_OBJECT)
    return value


def _has_control_character(value: Any) -> bool:
    """Whether any string in ``value`` (keys too) holds a Cc character; no recursion."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and any(
            unicodedata.category(ch) == "Cc" for ch in node
        ):
            return True
    return False


def crash_if_faulty(body: dict[str, Any], switches: Switches) -> None:
    """The PD-5XX-1 switches: input a careless handler would choke on crashes."""
    name = body.get("name")
    if (
        switches.broken("PD-5XX-1")
        and isinstance(name, str)
        and len(name) > c.FAULTY_NAME_LIMIT
    ):
        raise SimulatedCrash("value too long for column name")
    if switches.broken("PD-5XX-1:control") and _has_control_character(body):
        raise SimulatedCrash("control character in input")
    if switches.broken("PD-5XX-1:overflow") and not _all_finite(body):
        raise SimulatedCrash("ValueError: Out of range float values are not JSON")


def _all_finite(value: Any) -> bool:
    """Whether every number in ``value`` is finite (``1e400`` reads as ``inf``)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, float) and not math.isfinite(node):
            return False
    return True


def read_leniently(body: dict[str, Any], switches: Switches) -> dict[str, Any]:
    """``body`` as a lenient framework reads it under the PD-VAL-1 coercion faults
    (unchanged without them): each turns one wrong type into a valid value."""
    out = dict(body)
    if switches.broken("PD-VAL-1:unwraps"):  # ["x"] for a scalar: its item
        for name in ("name", "priority", "visibility", "archived"):
            value = out.get(name)
            if isinstance(value, list) and len(value) == 1:
                out[name] = value[0]
    if switches.broken("PD-VAL-1:object-as-array") and isinstance(
        out.get("tags"), dict
    ):  # a form decoder's {"0": "a"} for ["a"]: the values, in order
        out["tags"] = list(out["tags"].values())
    archived = out.get("archived")
    if switches.broken("PD-VAL-1:coerces-boolean") and archived in ("true", "false"):
        out["archived"] = archived == "true"
    zero_or_one = type(archived) is int and archived in (0, 1)
    if switches.broken("PD-VAL-1:zero-for-boolean") and zero_or_one:
        out["archived"] = bool(archived)
    return out


def integer_value(value: Any, *, coerce: bool = False) -> int | None:
    """``value`` as a JSON Schema integer (``2.0`` counts, ``true`` does not).

    2020-12 makes an integer "a number with a zero fractional part", so ``2.0`` is one;
    a string never is: ``coerce`` (the ``PD-VAL-1:coerces`` fault) reads a digit string
    as its integer, as a lenient framework would.
    """
    if coerce and isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value) if len(value) <= 18 else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def field_errors(
    body: dict[str, Any], switches: Switches, *, partial: bool = False
) -> list[tuple[str, str]]:
    """``(field, detail)`` for every field of ``body`` breaking ``ProjectCreate``
    (``ProjectUpdate`` when ``partial``: no field required)."""
    errors: list[tuple[str, str]] = []
    if "name" not in body:
        if not partial and not switches.broken("PD-VAL-1"):
            errors.append(("name", "is required"))
    else:
        name = body["name"]
        if not isinstance(name, str) or not 1 <= len(name) <= c.NAME_MAX:
            errors.append(("name", _NAME_RULE))
    if "priority" in body:
        coerce = switches.broken("PD-VAL-1:coerces")
        priority = integer_value(body["priority"], coerce=coerce)
        low, high = c.PRIORITY_RANGE
        in_range = priority is not None and low <= priority <= high
        if priority is None or not (
            in_range or switches.broken("PD-VAL-1:out-of-range")
        ):
            errors.append(("priority", _PRIORITY_RULE))
    if "visibility" in body and body["visibility"] not in c.VISIBILITIES:
        errors.append(("visibility", _VISIBILITY_RULE))
    if "tags" in body:
        tags = body["tags"]
        if (
            not isinstance(tags, list)
            or len(tags) > c.TAGS_MAX
            or not all(isinstance(tag, str) for tag in tags)
        ):
            errors.append(("tags", _TAGS_RULE))
    if "archived" in body and not isinstance(body["archived"], bool):
        errors.append(("archived", _ARCHIVED_RULE))
    return errors


def project_values(body: dict[str, Any]) -> dict[str, Any]:
    """The stored fields of a valid body, defaults filled; unknown members dropped."""
    # A digit string is here only under PD-VAL-1:coerces, which stores its integer.
    priority = integer_value(body.get("priority", c.DEFAULT_PRIORITY), coerce=True)
    return {
        "name": body["name"],
        "priority": c.DEFAULT_PRIORITY if priority is None else priority,
        "visibility": body.get("visibility", c.DEFAULT_VISIBILITY),
        "tags": list(body.get("tags", [])),
        "archived": body.get("archived", c.DEFAULT_ARCHIVED),
    }


def changed_values(
    body: dict[str, Any], refused: Collection[str] = ()
) -> dict[str, Any]:
    """The stored fields an update sets: those of ``body`` (but ``refused``), as
    ``project_values`` stores them; unknown members dropped."""
    sent = {k: v for k, v in body.items() if k not in refused}
    values = project_values({"name": "", **sent})
    return {k: v for k, v in values.items() if k in sent}
