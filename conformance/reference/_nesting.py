"""How deep a JSON text nests, read from the text: the reference servers' nesting
faults ask before parsing, as a parser that recurses would fail there."""

from __future__ import annotations

import re

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_OPEN, _CLOSE = frozenset(b"[{"), frozenset(b"]}")


def text_depth(raw: bytes) -> int:
    """The deepest level of arrays and objects in ``raw`` (strings skipped); no
    recursion, whatever the depth."""
    deepest = level = 0
    for byte in _STRINGS.sub(b'""', raw):
        if byte in _OPEN:
            level += 1
            deepest = max(deepest, level)
        elif byte in _CLOSE:
            level -= 1
    return deepest
