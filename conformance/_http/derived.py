"""Keys derived from a valid key: its letter case swapped, one character less or more,
or spaces around it (sent in a query only: see ``padded``).

A server that case-folds keys, matches a prefix or compares only the key's length of
the token takes them for the key, so "an invalid key answers 401" breaks without any
random token showing it. A probe only names the change (``Credential.derived``); the
key is changed here, at send time, and a derived key is as secret as the key (it shows
all of it, or all but one character): the redactor masks every derived key of every
secret, and a ``curl`` line rebuilds it in the shell from the environment variable.
"""

from __future__ import annotations

import string
from typing import Final, Literal, get_args

Derivation = Literal["swapcase", "truncated", "extended", "padded"]
DERIVATIONS: Final[tuple[Derivation, ...]] = get_args(Derivation)

# ASCII only, as ``tr a-zA-Z A-Za-z`` in the curl line: ``str.swapcase`` would turn
# ``ß`` into ``SS`` and change the length too.
_SWAP: Final = str.maketrans(
    string.ascii_letters, string.ascii_uppercase + string.ascii_lowercase
)

SHOWN: Final[dict[Derivation, str]] = {
    "swapcase": "its letter case swapped",
    "truncated": "its last character cut",
    "extended": "its last character repeated",
    "padded": "a space on either side",
}
"""How evidence describes a derived key (``<api_key, its last character cut>``)."""


def derive(key: str, how: Derivation) -> str:
    """``key`` changed as ``how`` says.

    ``extended`` repeats the last character rather than adding a fixed one: the result
    stays in the key's own alphabet, so a format check cannot refuse it before the
    comparison does."""
    if how == "swapcase":
        return key.translate(_SWAP)
    if how == "truncated":
        return key[:-1]
    if how == "padded":
        # Another key only where whitespace is data: a query parameter, not a header
        # field (RFC 9110 section 5.5), so the probe family sends it in a query only.
        return f" {key} "
    return key + key[-1:]


def underivable(key: str, how: Derivation) -> str | None:
    """Why ``how`` gives no other key from ``key`` (``None``: it does). Says a fact
    about the key, never the key."""
    if how == "swapcase" and derive(key, how) == key:
        return "the key has no ASCII letter, so changing its letter case gives the key"
    if how == "truncated" and len(key) < 2:
        return "the key is one character long, so without it nothing is left"
    if not key:
        return "the key is empty"
    return None


def reasons(key: str) -> dict[str, str]:
    """Why each derivation gives no other key from ``key``, for those that do not."""
    return {how: why for how in DERIVATIONS if (why := underivable(key, how))}


def derived_keys(secret: str) -> set[str]:
    """Every other key ``secret`` derives (each one a secret too)."""
    return {
        derive(secret, how) for how in DERIVATIONS if underivable(secret, how) is None
    } - {secret}


def shell(variable: str, how: Derivation | None) -> str:
    """A POSIX shell expression that expands to the key in ``$variable``, derived."""
    if how == "swapcase":
        return f"$(printf %s ${variable} | tr a-zA-Z A-Za-z)"
    if how == "truncated":
        return f"${{{variable}%?}}"
    if how == "extended":
        return f"${variable}$(printf %s ${variable} | tail -c 1)"
    if how == "padded":  # in a query string (its only place): a space is %20
        return f"%20${variable}%20"
    return f"${variable}"
