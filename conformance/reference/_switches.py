"""What the reference servers share about their switches: the fault and tolerance
names one app runs with, checked when the app is built, and its rate-limit argument."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from errcontract._near import closest


def checked_names(
    server: str, kind: str, names: Collection[str], known: frozenset[str]
) -> frozenset[str]:
    """Return ``names`` as a set, refusing any that is not a known switch of
    ``server`` (the near miss, letter case aside, in the message)."""
    if isinstance(names, str | bytes):
        raise TypeError(
            f"{server} reference {kind}s must be a collection of names, not the string "
            f"{names!r}; did you mean [{names!r}]?"
        )
    for name in names:
        if name not in known:
            near = closest(name, sorted(known))
            hint = (
                f"did you mean {near!r}?"
                if near is not None
                else f"expected one of {', '.join(sorted(known))}."
            )
            raise ValueError(f"Unknown {server} reference {kind} {name!r}; {hint}")
    return frozenset(names)


@dataclass(frozen=True)
class Switches:
    """The faults and tolerances one app instance runs with."""

    faults: frozenset[str] = frozenset()
    tolerances: frozenset[str] = frozenset()

    def broken(self, fault: str) -> bool:
        """Whether the fault switch ``fault`` is on."""
        return fault in self.faults

    def allows(self, tolerance: str) -> bool:
        """Whether the tolerance switch ``tolerance`` is on."""
        return tolerance in self.tolerances


def checked_rate(rate_limit: float | None) -> float | None:
    """The limit to enforce: ``None`` (or 0) for none, else a positive finite rate."""
    if rate_limit is None or rate_limit == 0:
        return None
    if not (rate_limit > 0 and math.isfinite(rate_limit)):
        raise ValueError(
            f"rate_limit must be a positive number of requests per second, None or 0 "
            f"to disable, got {rate_limit!r}."
        )
    return rate_limit


def lenient_key(
    token: str, keys: Iterable[str], broken: Callable[[str], bool], clause: str
) -> str | None:
    """The key a lenient comparison takes ``token`` for, under ``clause``'s variant
    faults: ``:case-insensitive`` (keys case-folded), ``:prefix-match`` (a token a key
    starts with, as ``LIKE 'token%'``), ``:extra-ignored`` (a token that starts with a
    key: only the key's length compared); ``None`` when none is on or matches."""
    for key in keys:
        if (
            (broken(f"{clause}:case-insensitive") and token.lower() == key.lower())
            or (broken(f"{clause}:prefix-match") and key.startswith(token))
            or (broken(f"{clause}:extra-ignored") and token.startswith(key))
        ):
            return key
    return None
