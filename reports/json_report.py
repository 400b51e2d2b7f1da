"""``results.json``: the machine-readable result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from errcontract.results import RunResult

LAID_OUT = 2
"""Levels laid out a member or item per line; deeper values are written on one line
(a clause's entry on its own). Indenting all of a 300-operation run's document took
Python's pure-Python encoder five times what its C encoder takes for the lines."""


def write_json(result: RunResult, path: Path) -> Path:
    """Write the result document; bodies in evidence are cut at 4 KiB."""
    path.write_text(laid_out(result.to_dict()) + "\n", encoding="utf-8")
    return path


def laid_out(value: Any, depth: int = 0) -> str:
    """``value`` as JSON, indented by two to ``LAID_OUT`` levels, compact below."""
    if depth >= LAID_OUT or not isinstance(value, dict | list) or not value:
        return json.dumps(value, ensure_ascii=False)
    pad = "  " * (depth + 1)
    if isinstance(value, dict):
        parts = [
            f"{pad}{json.dumps(str(k), ensure_ascii=False)}: {laid_out(v, depth + 1)}"
            for k, v in value.items()
        ]
        opening, closing = "{", "}"
    else:
        parts = [pad + laid_out(v, depth + 1) for v in value]
        opening, closing = "[", "]"
    return opening + "\n" + ",\n".join(parts) + "\n" + "  " * depth + closing
