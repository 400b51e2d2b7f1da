"""``results.json``: the machine-readable result."""

from __future__ import annotations

import json
from pathlib import Path

from errcontract.results import RunResult


def write_json(result: RunResult, path: Path) -> Path:
    """Write the result document; bodies in evidence are cut at 4 KiB."""
    path.write_text(
        json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return path
