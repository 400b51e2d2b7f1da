"""One row of the option table: how a setting is spelt at every front door, and the
parser that turns its raw text into the typed value a run uses.

Kept apart from the table (``options``) so the parsers can name ``Option`` in their
signatures without importing the table they are declared in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from errcontract._http.redact import ENV_PREFIX

Kind = Literal["text", "bool", "list"]
Value = str | bool | tuple[str, ...] | None

Parser = Callable[[Value, str, "Option"], Any]
"""``(raw value, where it came from, its row) -> the typed value``, or a
``ConfigError`` whose one sentence names the option, the value and the source."""


@dataclass(frozen=True)
class Option:
    """One setting of a run, as every front door spells it and as it is parsed."""

    name: str
    help: str
    # The typed value out of the raw one; ``kind`` says only how the raw value is
    # taken (a flag's argument, a yes/no switch, a repeatable flag).
    parse: Parser
    kind: Kind = "text"
    default: str | None = None
    metavar: str | None = None
    # The CLI flag is ``--<name>``; pytest's is ``--conformance-<name>``, its ini twin
    # ``conformance_<ini or name>``. ``env`` is off for settings that come in many
    # (fixtures have a variable each) or that only switch the embedded server.
    env: bool = True
    env_name: str | None = None  # when the variable is not CONFORMANCE_<NAME>
    ini: str | None = None
    # pytest-base-url already owns ``--base-url`` and ``base_url`` under pytest.
    pytest_owner: str | None = None
    # How a list variable is split (a path list by default: os.pathsep).
    separator: str | None = None
    # A former name, still taken everywhere the option is (flag, pytest flag, ini
    # key, variable): ``--profile`` for ``--depth``.
    alias: str | None = None

    @property
    def dest(self) -> str:
        """The key of the value in ``Options``."""
        return self.name.replace("-", "_")

    @property
    def cli_flag(self) -> str:
        """The ``conformance run`` flag."""
        return f"--{self.name}"

    @property
    def pytest_flag(self) -> str:
        """The pytest flag (namespaced, so it never collides with another plugin)."""
        if self.pytest_owner:
            return self.cli_flag
        return f"--conformance-{self.name}"

    @property
    def ini_key(self) -> str:
        """The pytest ini key (``pytest.ini``, ``[tool.pytest.ini_options]``)."""
        if self.pytest_owner:
            return self.dest
        return f"conformance_{(self.ini or self.name).replace('-', '_')}"

    @property
    def env_var(self) -> str | None:
        """The environment variable, where the setting has one."""
        if not self.env:
            return None
        return self.env_name or f"{ENV_PREFIX}{self.dest.upper()}"

    @property
    def aliased(self) -> Option | None:
        """The option under its former name, for the flags, key and variable it
        still answers to."""
        if self.alias is None:
            return None
        return replace(self, name=self.alias, alias=None)
