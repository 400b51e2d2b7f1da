"""The front doors built from ``OPTIONS``: the ``conformance run`` flags, the keyword
arguments argparse and pytest's ``addoption`` share, the help text every door shows,
and the README's options table.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from errcontract._config.options import OPTIONS
from errcontract._config.row import Option, Value


def add_cli_options(parser: argparse.ArgumentParser) -> None:
    """The ``conformance run`` flags (defaults stay ``None``: ``collect`` fills in)."""
    for option in OPTIONS:
        former = [option.aliased.cli_flag] if option.aliased else []
        parser.add_argument(
            option.cli_flag, *former, dest=option.dest, **argparse_kwargs(option)
        )


def argparse_kwargs(option: Option) -> dict[str, Any]:
    """How a parser takes the option (argparse's and pytest's ``addoption`` alike).

    Every default is ``None``, so ``collect`` can tell "not given" from a value.
    """
    extra: dict[str, Any] = {"help": describe(option), "default": None}
    if option.kind == "bool":
        extra["action"] = "store_true"
    else:
        extra["metavar"] = option.metavar
        if option.kind == "list":
            extra["action"] = "append"
    return extra


def describe(option: Option) -> str:
    """The help text with the default and the variable, as every front door shows."""
    parts = [option.help]
    if option.default is not None:
        parts.append(f"default: {option.default}")
    if option.env_var:
        parts.append(f"env: {option.env_var}")
    return f"{parts[0]} ({'; '.join(parts[1:])})" if len(parts) > 1 else parts[0]


def from_namespace(namespace: argparse.Namespace) -> dict[str, Value]:
    """The table's values out of a parsed ``conformance run`` namespace."""
    found: dict[str, Value] = {}
    for option in OPTIONS:
        raw = getattr(namespace, option.dest, None)
        found[option.dest] = tuple(raw) if isinstance(raw, list) else raw
    return found


def markdown_table(options: Sequence[Option] = OPTIONS) -> str:
    """The README's options table, rendered from ``OPTIONS`` (a test compares them)."""
    rows = [
        "| `conformance run` | pytest flag / ini key | environment | default | what |",
        "| --- | --- | --- | --- | --- |",
    ]
    for o in options:
        flag = o.cli_flag + (f" {o.metavar}" if o.metavar and o.kind != "bool" else "")
        owner = f" ({o.pytest_owner}'s)" if o.pytest_owner else ""
        pytest_names = f"`{o.pytest_flag}` / `{o.ini_key}`{owner}"
        env = f"`{o.env_var}`" if o.env_var else ""
        default = f"`{o.default}`" if o.default is not None else ""
        rows.append(f"| `{flag}` | {pytest_names} | {env} | {default} | {o.help} |")
    return "\n".join(rows)
