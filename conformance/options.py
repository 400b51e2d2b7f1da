"""The run's options, declared once: the CLI parser, the pytest options, their ini
twins, the environment variables and the ``Options`` object are all built from
``OPTIONS``.

Precedence is flag > environment > ini > default, and every value remembers where it
came from, so an error can name the flag, the variable or the ini file and key.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from errcontract.redact import ENV_PREFIX

Kind = Literal["text", "bool", "list"]
Value = str | bool | tuple[str, ...] | None


@dataclass(frozen=True)
class Option:
    """One setting of a run, as every front door spells it."""

    name: str
    help: str
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


OPTIONS: tuple[Option, ...] = (
    Option(
        "api",
        "API profile to check: cardda, cardclan, one found in a profile directory, "
        "or all",
        metavar="API",
    ),
    Option(
        "profile-dir",
        "a directory holding a profile (profile.yaml, clauses.yaml, openapi.yaml) or "
        "folders of them; repeatable (the variable takes a path list)",
        kind="list",
        metavar="DIR",
        env_name=f"{ENV_PREFIX}PROFILE_PATH",
        ini="profile_dirs",
    ),
    Option(
        "openapi",
        "zero-config: the API's OpenAPI document (file or URL) to derive the error "
        "contract from, with --convention",
        metavar="FILE_OR_URL",
    ),
    Option(
        "convention",
        "zero-config: the error convention the API follows (rfc9457); alone, it runs "
        "against the convention's embedded reference server",
        metavar="NAME",
    ),
    Option(
        "request-id-header",
        "zero-config: the response header carrying a request id, when the document "
        "declares none",
        metavar="NAME",
    ),
    Option(
        "overrides",
        "zero-config: a YAML file switching derived clauses off (skip: [ID]) or "
        "changing them (clauses: {ID: {...}})",
        metavar="FILE",
    ),
    Option(
        "allow-ref-host",
        "zero-config: a host the document's remote $ref may be fetched from "
        "(besides the document's own host); repeatable (the variable takes a comma "
        "list). By default none is",
        kind="list",
        metavar="HOST",
        env_name=f"{ENV_PREFIX}ALLOW_REF_HOSTS",
        ini="allow_ref_hosts",
        separator=",",
    ),
    Option(
        "max-document-bytes",
        "size cap of the OpenAPI document and of each file or URL its $ref reach",
        default=str(20 << 20),
        metavar="N",
    ),
    Option(
        "fetch-proxy",
        "a proxy for fetching the OpenAPI document and allowed $ref (the "
        "environment's HTTP_PROXY is never used)",
        metavar="URL",
    ),
    Option(
        "base-url",
        "the deployment's API root (default: the embedded reference server)",
        metavar="URL",
        pytest_owner="pytest-base-url",
    ),
    Option(
        "fixture",
        "a fixture value NAME=VALUE (or API.NAME=VALUE); repeatable. Secrets are "
        "better given as environment variables (CONFORMANCE_API_KEY, …)",
        kind="list",
        metavar="NAME=VALUE",
        env=False,
        ini="fixtures",
    ),
    Option(
        "report-dir",
        "where junit.xml, results.json and report.html go",
        default="conformance-report",
        metavar="DIR",
    ),
    Option("seed", "replay a run: the same seed sends the same probes", metavar="N"),
    Option(
        "depth",
        "how deep each clause is probed: ci (coverage and a small derandomized "
        "fuzz) or thorough (a large fuzz, random unless a seed is given); "
        "--profile is its former name",
        default="ci",
        metavar="NAME",
        alias="profile",
    ),
    Option(
        "examples",
        "Hypothesis examples per clause, spread over its operations",
        metavar="N",
    ),
    Option(
        "read-only",
        "send no probe that would change state on a conforming target",
        kind="bool",
    ),
    Option(
        "rate-limit",
        "the target's limit per second and bucket, or 'none' (default: the "
        "documented one)",
        metavar="N",
    ),
    Option(
        "clock-skew",
        "allowed distance of an error timestamp from the response's arrival, seconds",
        default="300",
        metavar="S",
    ),
    Option("timeout", "per request, seconds", default="10", metavar="S"),
    Option("max-requests", "request cap per API", default="2000", metavar="N"),
    Option(
        "max-duration", "time budget of the run, seconds", default="600", metavar="S"
    ),
    Option(
        "max-rps",
        "cap on requests per second over all buckets",
        default="25",
        metavar="N",
    ),
    Option(
        "path",
        "OPERATION=/path/{id} for an operation whose path differs on the target; "
        "repeatable",
        kind="list",
        metavar="OP=/path",
        env=False,
        ini="paths",
    ),
    Option(
        "baseline",
        "a file of known violations: only new ones fail the run",
        metavar="FILE",
    ),
    Option(
        "fail-on",
        "clause kinds that gate the exit status: documented, reading or all",
        default="all",
        metavar="KINDS",
    ),
    Option(
        "screenshot",
        "also save report.png of the HTML report (needs Chromium)",
        kind="bool",
    ),
    Option(
        "fault",
        "embedded server only: break this clause id on purpose; repeatable",
        kind="list",
        metavar="CLAUSE-ID",
        env=False,
        ini="faults",
    ),
    Option(
        "tolerance",
        "embedded server only: switch on an allowed variation; repeatable",
        kind="list",
        metavar="NAME",
        env=False,
        ini="tolerances",
    ),
)

BY_DEST: Mapping[str, Option] = {o.dest: o for o in OPTIONS}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_bool(raw: str, source: str, name: str) -> bool:
    """A yes/no value from the environment or an ini file."""
    from errcontract.exceptions import ConfigError

    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r} (from {source})")


@dataclass(frozen=True)
class Options:
    """The raw value of every option and where it came from, before validation."""

    values: Mapping[str, Value]
    sources: Mapping[str, str]

    def text(self, dest: str) -> str | None:
        """A text option's value (``None`` when unset and without a default)."""
        value = self.values.get(_known(dest).dest)
        return value if isinstance(value, str) else None

    def flag(self, dest: str) -> bool:
        """A yes/no option's value."""
        return bool(self.values.get(_known(dest).dest))

    def items(self, dest: str) -> tuple[str, ...]:
        """A repeatable option's values."""
        value = self.values.get(_known(dest).dest)
        return value if isinstance(value, tuple) else ()

    def source(self, dest: str) -> str:
        """Where the value came from: a flag, a variable, an ini key, or the default."""
        return self.sources.get(_known(dest).dest, "the default")

    def number(
        self, dest: str, *, integer: bool = False, allow_zero: bool = False
    ) -> float:
        """A numeric option (its default is the table's), naming its source when
        bad."""
        option = _known(dest)
        return parse_number(
            self.text(dest),
            option.name,
            float(option.default) if option.default is not None else 0.0,
            self.source(dest),
            integer=integer,
            allow_zero=allow_zero,
        )

    def rate_limit(self) -> float | None:
        """``--rate-limit``: a number per second, or ``None`` (``none``, ``off``)."""
        raw = self.text("rate_limit")
        if raw and raw.lower() not in {"none", "off"}:
            return self.number("rate_limit")
        return None

    def given(self, dest: str) -> bool:
        """Whether the user set the option at all (anywhere)."""
        return self.source(dest) != "the default"


def parse_number(
    raw: str | None,
    name: str,
    default: float,
    source: str,
    *,
    minimum: float = 0.0,
    integer: bool = False,
    allow_zero: bool = False,
) -> float:
    """A number setting: finite, not negative (nor zero unless allowed), whole
    where it must be; ``nan``, ``inf`` and ``-1`` are one-sentence errors."""
    from errcontract.exceptions import ConfigError

    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(
            f"{name} must be a number, got {raw!r} (from {source})"
        ) from None
    if not math.isfinite(value) or value < minimum or (value == 0 and not allow_zero):
        raise ConfigError(
            f"{name} must be a positive number, got {raw!r} (from {source})"
        )
    if integer and value != int(value):
        raise ConfigError(f"{name} must be a whole number, got {raw!r} (from {source})")
    return value


def _known(dest: str) -> Option:
    return BY_DEST[dest]


def collect(
    flags: Mapping[str, Value],
    *,
    env: Mapping[str, str] | None = None,
    ini: Mapping[str, tuple[Value, str]] | None = None,
    flag_names: Mapping[str, str] | None = None,
) -> Options:
    """Merge one front door's flags with the environment, ini values and defaults.

    ``flags`` maps dest to what the parser got (``None``/empty when not given);
    ``ini`` maps dest to (value, where); ``flag_names`` says how a flag is spelt at
    this front door (the CLI's ``--seed`` or pytest's ``--conformance-seed``).
    """
    from errcontract.exceptions import ConfigError

    env = os.environ if env is None else env
    ini = ini or {}
    values: dict[str, Value] = {}
    sources: dict[str, str] = {}
    for option in OPTIONS:
        dest = option.dest
        given = flags.get(dest)
        if given not in (None, (), [], False):
            values[dest] = tuple(given) if isinstance(given, list) else given
            sources[dest] = (flag_names or {}).get(dest, option.cli_flag)
            continue
        old = option.aliased
        var = next(
            (
                v
                for v in (option.env_var, old.env_var if old else None)
                if v is not None and env.get(v, "") != ""
            ),
            None,
        )
        if var is not None:
            where = f"environment variable {var}"
            raw = env[var]
            if option.kind == "bool":
                values[dest] = parse_bool(raw, where, var)
            elif option.kind == "list":
                parts = raw.split(option.separator or os.pathsep)
                values[dest] = tuple(p.strip() for p in parts if p.strip())
            else:
                values[dest] = raw
            sources[dest] = where
            continue
        if dest in ini and ini[dest][0] not in (None, "", (), False):
            values[dest], sources[dest] = ini[dest]
            continue
        if option.kind == "list":
            values[dest] = ()
        elif option.kind == "bool":
            values[dest] = False
        else:
            values[dest] = option.default
    unknown = set(flags) - set(BY_DEST)
    if unknown:  # a front door out of step with the table is a suite bug
        raise ConfigError(f"unknown option(s) {', '.join(sorted(unknown))}")
    return Options(values=values, sources=sources)


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


def cli_flags(options: Iterable[Option] = OPTIONS) -> dict[str, str]:
    """dest -> the CLI's spelling of the flag."""
    return {o.dest: o.cli_flag for o in options}


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
