"""Read request bodies and validate their fields, as tables of field -> rule.

A body that is not JSON, or not an object, is malformed (400); an object with missing or
invalid values is a validation error (422, naming every broken field). A field of the
wrong JSON type answers 422 ``is invalid`` too, which the contract allows.
"""

from __future__ import annotations

import enum
import json
import math
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from .._nesting import text_depth
from .._switches import Switches
from . import _contract as c
from ._render import ApiError, Invalid
from ._store import BANKS

_BOM = b"\xef\xbb\xbf"
_MAX_DEPTH = 64
"""Deeper bodies are refused (400) so no stored value can overflow the encoder later."""


class SimulatedCrash(RuntimeError):
    """The unhandled error CD-5XX-1 provokes on purpose."""


class _NonFinite(ValueError):
    pass


class _Missing(enum.Enum):
    MISSING = enum.auto()


MISSING = _Missing.MISSING
Rule = Callable[[Any], list[str]]


def _refuse_constant(name: str) -> Any:
    raise _NonFinite(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        # 1e999 is valid JSON but no finite number; refuse it rather than store inf.
        raise ValueError(text)
    return value


def depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value``, computed without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        children = (
            node.values()
            if isinstance(node, dict)
            else node
            if isinstance(node, list)
            else None
        )
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def parse_object(raw: bytes, switches: Switches) -> dict[str, Any]:
    """The JSON object in ``raw``, or the contract's refusal (or a fault's crash)."""
    crash = switches.broken("CD-5XX-1")
    if (
        switches.broken("CD-5XX-1:deep-nesting")
        and raw.lstrip()[:1] == b"{"
        and text_depth(raw) > c.FAULTY_DEEP_NESTING
    ):
        raise SimulatedCrash("RecursionError: maximum recursion depth exceeded")
    try:
        value = json.loads(
            raw.removeprefix(_BOM).decode("utf-8"),
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
        )
    except (_NonFinite, RecursionError) as exc:
        if crash:
            raise SimulatedCrash(type(exc).__name__) from exc
        raise ApiError(c.INVALID_JSON) from exc
    except ValueError as exc:  # also UnicodeDecodeError, JSONDecodeError, huge ints
        raise ApiError(c.INVALID_JSON) from exc
    nesting = depth(value)
    if crash and nesting > c.FAULTY_MAX_DEPTH:
        raise SimulatedCrash("nesting")
    if nesting > _MAX_DEPTH:
        raise ApiError(c.TOO_DEEP)
    if isinstance(value, list) and switches.broken("CD-REQ-1:array-as-object"):
        return {}  # an array read as an empty object: validation answers 422
    if not isinstance(value, dict):
        if switches.broken("CD-REQ-1"):
            raise Invalid(c.FAULTY_NOT_OBJECT_ERRORS)
        raise ApiError(c.NOT_AN_OBJECT)
    return value


def errors_of(
    body: Mapping[str, Any], rules: Mapping[str, Rule]
) -> dict[str, list[str]]:
    """Every broken field of ``body`` with its messages; empty when all rules pass."""
    errors: dict[str, list[str]] = {}
    for name, rule in rules.items():
        found = rule(body.get(name, MISSING))
        if found:
            errors[name] = found
    return errors


# -- rules --------------------------------------------------------------------------
def _blank(value: Any) -> bool:
    return (
        value is MISSING
        or value is None
        or (isinstance(value, str) and not value.strip())
    )


def _required_string(value: Any) -> list[str]:
    if _blank(value):
        return [c.BLANK]
    return [] if isinstance(value, str) else [c.INVALID]


def _optional_string(value: Any) -> list[str]:
    return (
        []
        if value is MISSING or value is None or isinstance(value, str)
        else [c.INVALID]
    )


def _optional_object(value: Any) -> list[str]:
    return (
        []
        if value is MISSING or value is None or isinstance(value, dict)
        else [c.INVALID]
    )


def _rut(value: Any) -> list[str]:
    # Format only: the modulo-11 check digit is deliberately not verified.
    if _blank(value):
        return [c.BLANK, c.INVALID]  # as the documented 422 example shows
    ok = isinstance(value, str) and re.fullmatch(c.RUT_PATTERN, value, re.ASCII)
    return [] if ok else [c.INVALID]


def _digits(value: Any) -> list[str]:
    if _blank(value):
        return [c.BLANK]
    ok = isinstance(value, str) and value.isascii() and value.isdigit()
    return [] if ok else [c.INVALID]


def _choice(options: Collection[str]) -> Rule:
    def rule(value: Any) -> list[str]:
        if _blank(value):
            return [c.BLANK]
        return [] if isinstance(value, str) and value in options else [c.INVALID]

    return rule


def bank_id_of(value: Any) -> int | None:
    """``value`` as a bank id (an int or a numeric string), ``None`` if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    # No bank id has more than a few digits; a longer string is not one (and int()
    # refuses strings of thousands of digits).
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value) if len(value) <= 18 else None
    return None


def _bank_id(value: Any) -> list[str]:
    if value is MISSING or value is None:
        return [c.NO_BANK]  # as the documented 422 example shows
    bank_id = bank_id_of(value)
    if bank_id is None:
        return [c.INVALID]
    return [] if bank_id in {known for known, _ in BANKS} else [c.NO_BANK]


def _reference(known: Collection[str], message: str) -> Rule:
    def rule(value: Any) -> list[str]:
        if _blank(value):
            return [c.BLANK]
        if not isinstance(value, str):
            return [c.INVALID]
        return [] if value in known else [message]

    return rule


def _positive_int(value: Any) -> list[str]:
    if value is MISSING or value is None:
        return [c.BLANK]
    if isinstance(value, bool) or not isinstance(value, int):
        return [c.INVALID]
    return [] if value > 0 else [c.NOT_POSITIVE]


RECIPIENT_RULES: Mapping[str, Rule] = {
    "name": _required_string,
    "rut": _rut,
    "bank_id": _bank_id,
    "account_type": _choice(c.ACCOUNT_TYPES),
    "account_number": _digits,
    "email": _optional_string,
    "alias": _optional_string,
}
"""Endpoint #5's body."""

RECIPIENT_PATCH_RULES: Mapping[str, Rule] = {
    "alias": _optional_string,
    "email": _optional_string,
    "metadata": _optional_object,
}
"""Endpoint #7's body: every field optional, ``null`` clears it."""


def transaction_rules(
    accounts: Collection[str],
    recipients: Collection[str],
    *,
    description_optional: bool = False,
) -> dict[str, Rule]:
    """Endpoint #10's body, given the company's account and recipient ids.

    The contract marks no field of #10 required; this server requires them all, and
    with ``description_optional`` (tolerance ``optional-description``) accepts a
    transaction without a description, which the contract allows just as well.
    """
    return {
        "amount": _positive_int,
        "currency": _choice(c.CURRENCIES),
        "description": _optional_string if description_optional else _required_string,
        "sender_id": _reference(accounts, c.NO_ACCOUNT),
        "recipient_id": _reference(recipients, c.NO_RECIPIENT),
    }
