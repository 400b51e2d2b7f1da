"""Odd values kept as JSON text: what a careful encoder cannot write, or what writing
and reading back would recurse on, spliced into the valid body's text as it is.

* ``Nested``: a value nested thousands of levels deep (``deep-nesting``,
  ``deeper-nesting``). Encoding, ``repr`` and validating the real thing would recurse
  as deep (Python's ``json`` gives up near 1,000 levels), so it is built as bytes.
* ``Spliced``: a number's own text (``huge-exponent``: ``1e400``, which overflows a
  double, so a careful encoder cannot write it; ``negative-zero``: ``-0``, which
  Python writes ``0``).
* ``Duplicated``: a member written twice (``duplicate-keys``: ``"name":"x","name":"x"``,
  which no dict can hold).

Each says what a reader gets (``shallow``), so the probe can ask whether the body is
still valid (and may change state) without reading the text itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from errcontract._http.probe import json_body

DEEP = (1_000, 1_200)
"""Levels of ``deep-nesting``: where common parsers give up (Python's ``json`` and
recursive walks at the default recursion limit near 1,000, Jackson's
``maxNestingDepth`` 1,000), past the 32 to 512 others stop at; ~2 to 7 KB."""
DEEPER = (10_000, 10_400)
"""Levels of ``deeper-nesting``: past a raised recursion limit and Go's 10,000; always
arrays, two bytes a level, so at most ~21 KB on the wire."""
SHALLOW = 8
"""Levels of a deep value that are validated against the body schema: no body schema
nests anywhere near as deep, so the first levels decide."""

HUGE_EXPONENTS = ("1e400", "-1e400", "1E400", "9.9e999", "1e+400")
"""Numbers past a double's range (about 1.8e308): Python's ``json`` reads them as
``inf``, which a strict encoder then refuses to write. The first is the simplest."""
NEGATIVE_ZEROS = {"integer": ("-0",), "number": ("-0", "-0.0", "-0e0")}
"""Negative zero by declared type. An integer field gets ``-0`` only: 2020-12 makes
``-0.0`` an integer too, but it is the text a number field gets."""


@dataclass(frozen=True)
class Nested:
    """A value nested ``depth`` levels deep around ``inner``, kept as its JSON text."""

    depth: int
    objects: bool
    inner: Any

    def json(self) -> bytes:
        """The value's JSON text, built without recursion."""
        opening, closing = (b'{"a":', b"}") if self.objects else (b"[", b"]")
        return opening * self.depth + json_body(self.inner) + closing * self.depth

    def shallow(self) -> Any:
        """The same value cut at ``SHALLOW`` levels, as a Python value."""
        value = self.inner
        for _ in range(min(SHALLOW, self.depth)):
            value = {"a": value} if self.objects else [value]
        return value

    def __str__(self) -> str:
        return self.json().decode()

    def __repr__(self) -> str:
        return self.json()[:40].decode() + "..."


@dataclass(frozen=True)
class Spliced:
    """A number's JSON text as it is sent (``1e400``, ``-0``)."""

    text: str

    def json(self) -> bytes:
        """The text itself."""
        return self.text.encode()

    def shallow(self) -> Any:
        """What Python's ``json`` reads (``inf``, ``0``, ``-0.0``)."""
        return json.loads(self.text)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Duplicated:
    """A member's value, written twice under its ``key``."""

    key: str
    value: Any

    def json(self) -> bytes:
        """The value, then the key again with the value: it follows ``"key":``."""
        value = json_body(self.value)
        return value + b"," + json_body(self.key) + b":" + value

    def shallow(self) -> Any:
        """Both copies are the same: whichever a parser keeps, this is the value."""
        return self.value

    def __repr__(self) -> str:
        return f"{self.value!r} twice"


Raw = Nested | Spliced | Duplicated
"""A value the probe splices into the body's text."""


def nested(
    levels: tuple[int, int], objects: bool, inner: Any
) -> st.SearchStrategy[tuple[Raw, str]]:
    """``(Nested, what is odd)`` from ``levels[0]`` (the simplest) to ``levels[1]``."""

    def build(depth: int) -> tuple[Raw, str]:
        what = "objects" if objects else "arrays"
        return Nested(depth, objects, inner), f"{what} nested {depth} deep"

    return st.builds(build, st.integers(*levels))


def huge_exponent() -> st.SearchStrategy[tuple[Raw, str]]:
    """A number past a double's range."""
    return st.sampled_from(HUGE_EXPONENTS).map(
        lambda text: (Spliced(text), "overflows a double")
    )


def negative_zero(
    schema: Mapping[str, Any], base: Any
) -> st.SearchStrategy[tuple[Raw, str]]:
    """Negative zero, as a field of ``schema`` (valid value ``base``) takes it: an
    integer field (by its ``type``, or its value where it has none) or a number."""
    declared = schema.get("type")
    if declared is None:
        integer = isinstance(base, int) and not isinstance(base, bool)
    else:
        types = {declared} if isinstance(declared, str) else set(declared)
        integer = "integer" in types and "number" not in types
    texts = NEGATIVE_ZEROS["integer" if integer else "number"]
    return st.sampled_from(texts).map(lambda text: (Spliced(text), "negative zero"))


def duplicated(key: str, value: Any) -> st.SearchStrategy[tuple[Raw, str]]:
    """The member ``key`` written twice with its valid value."""
    return st.just((Duplicated(key, value), f"member {key!r} written twice"))
