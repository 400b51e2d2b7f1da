"""The near miss of a mistyped name: the one place "did you mean …?" is worked out."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(value: object, known: Iterable[str]) -> str | None:
    """The known name ``value`` was most likely meant to be, if any is close (case
    aside: ``pd-leak-1`` is ``PD-LEAK-1``)."""
    if not isinstance(value, str | int):
        return None
    folded = {k.casefold(): k for k in known}
    found = difflib.get_close_matches(str(value).casefold(), list(folded), n=1)
    return folded[found[0]] if found else None


def near_miss(value: object, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when ``value`` is close to a known name, else ``""``."""
    found = closest(value, known)
    return f" (did you mean {found!r}?)" if found is not None else ""
