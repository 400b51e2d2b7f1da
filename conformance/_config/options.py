"""The run's options, declared once: one ``Option`` row each, with its parser. The CLI
parser, the pytest options, their ini twins, the environment variables, the README's
table (``front_doors``) and the ``Options`` object are all built from ``OPTIONS``.

Precedence is flag > environment > ini > default, and every value remembers where it
came from, so an error can name the flag, the variable or the ini file and key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from errcontract._config import parsers as parse
from errcontract._config.parsers import parse_bool
from errcontract._config.row import Option, Value
from errcontract._http.redact import ENV_PREFIX

DEPTHS = ("ci", "thorough")
"""How deep each clause is probed (``--depth``)."""

OPTIONS: tuple[Option, ...] = (
    Option(
        "api",
        "API profile to check: cardda, cardclan, one found in a profile directory, "
        "or all",
        metavar="API",
        parse=parse.text,
    ),
    Option(
        "profile-dir",
        "a directory holding a profile (profile.yaml, clauses.yaml, openapi.yaml) or "
        "folders of them; repeatable (the variable takes a path list)",
        kind="list",
        metavar="DIR",
        env_name=f"{ENV_PREFIX}PROFILE_PATH",
        ini="profile_dirs",
        parse=parse.profile_dirs,
    ),
    Option(
        "fleet",
        "a YAML file listing deployments, each one API (name, profile or "
        "openapi with convention, base_url, and its own fixtures, paths and "
        "pacing), run side by side into one report; with -n each API runs whole "
        "on one worker",
        metavar="FILE",
        parse=parse.text,
    ),
    Option(
        "openapi",
        "zero-config: the API's OpenAPI document (file or URL) to derive the error "
        "contract from, with --convention",
        metavar="FILE_OR_URL",
        parse=parse.text,
    ),
    Option(
        "convention",
        "zero-config: the error convention the API follows, one of "
        "schemas/conventions/ (rfc9457, document, google, ...; an unknown name is "
        "refused with the list); alone, it runs against the convention's embedded "
        "reference server",
        metavar="NAME",
        parse=parse.text,
    ),
    Option(
        "request-id-header",
        "zero-config: the response header carrying a request id, when the document "
        "declares none",
        metavar="NAME",
        parse=parse.text,
    ),
    Option(
        "overrides",
        "zero-config: a YAML file switching derived clauses off (skip: [ID]) or "
        "changing them (clauses: {ID: {...}})",
        metavar="FILE",
        parse=parse.text,
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
        parse=parse.hosts,
    ),
    Option(
        "max-document-bytes",
        "size cap of the OpenAPI document and of each file or URL its $ref reach",
        default=str(20 << 20),
        metavar="N",
        parse=parse.number(whole=True),
    ),
    Option(
        "fetch-proxy",
        "a proxy for fetching the OpenAPI document and allowed $ref (the "
        "environment's HTTP_PROXY is never used)",
        metavar="URL",
        parse=parse.proxy_url,
    ),
    Option(
        "base-url",
        "the deployment's API root (default: the embedded reference server)",
        metavar="URL",
        pytest_owner="pytest-base-url",
        parse=parse.base_url,
    ),
    Option(
        "fixture",
        "a fixture value NAME=VALUE (or API.NAME=VALUE); repeatable. Secrets are "
        "better given as environment variables (CONFORMANCE_API_KEY, …)",
        kind="list",
        metavar="NAME=VALUE",
        env=False,
        ini="fixtures",
        parse=parse.items,
    ),
    Option(
        "report-dir",
        "where junit.xml, results.json and report.html go",
        default="conformance-report",
        metavar="DIR",
        parse=parse.path,
    ),
    Option(
        "seed",
        "replay a run: the same seed sends the same probes",
        metavar="N",
        parse=parse.number(whole=True, zero=True, optional=True),
    ),
    Option(
        "depth",
        "how deep each clause is probed: ci (coverage and a small derandomized "
        "fuzz) or thorough (a large fuzz, random unless a seed is given); "
        "--profile is its former name",
        default="ci",
        metavar="NAME",
        alias="profile",
        parse=parse.choice(*DEPTHS),
    ),
    Option(
        "examples",
        "Hypothesis examples per clause, spread over its operations",
        metavar="N",
        parse=parse.number(whole=True, optional=True),
    ),
    Option(
        "read-only",
        "send no probe that would change state on a conforming target",
        kind="bool",
        parse=parse.flag,
    ),
    Option(
        "rate-limit",
        "the target's limit per second and bucket, or 'none' (default: the "
        "documented one)",
        metavar="N",
        parse=parse.rate,
    ),
    Option(
        "clock-skew",
        "allowed distance of an error timestamp from the response's arrival, seconds",
        default="300",
        metavar="S",
        parse=parse.number(),
    ),
    Option(
        "timeout",
        "per request, seconds",
        default="10",
        metavar="S",
        parse=parse.number(),
    ),
    Option(
        "max-requests",
        "request cap per API",
        default="2000",
        metavar="N",
        parse=parse.number(whole=True),
    ),
    Option(
        "max-duration",
        "time budget of the run, seconds",
        default="600",
        metavar="S",
        parse=parse.number(),
    ),
    Option(
        "max-rps",
        "cap on requests per second over all buckets",
        default="25",
        metavar="N",
        parse=parse.number(),
    ),
    Option(
        "workers",
        "coverage examples in flight at once, within the rate limits (default: as "
        "many as reach the pace at the target's round trip in setup, 1 to 8; at "
        "most 64; a write or a scenario of several requests is always sent alone)",
        metavar="N",
        parse=parse.number(whole=True, optional=True),
    ),
    Option(
        "path",
        "OPERATION=/path/{id} for an operation whose path differs on the target; "
        "repeatable",
        kind="list",
        metavar="OP=/path",
        env=False,
        ini="paths",
        parse=parse.operation_paths,
    ),
    Option(
        "baseline",
        "a file of known violations: only new ones fail the run",
        metavar="FILE",
        parse=parse.baseline,
    ),
    Option(
        "fail-on",
        "clause kinds that gate the exit status: documented, reading or all",
        default="all",
        metavar="KINDS",
        parse=parse.fail_on,
    ),
    Option(
        "screenshot",
        "also save report.png of the HTML report (needs Chromium)",
        kind="bool",
        parse=parse.flag,
    ),
    Option(
        "quiet",
        "no live progress on screen, only the verdict (pytest's own -q does the "
        "same for a pytest run)",
        kind="bool",
        parse=parse.flag,
    ),
    Option(
        "fault",
        "embedded server only: break this clause id on purpose; repeatable",
        kind="list",
        metavar="CLAUSE-ID",
        env=False,
        ini="faults",
        parse=parse.items,
    ),
    Option(
        "tolerance",
        "embedded server only: switch on an allowed variation; repeatable",
        kind="list",
        metavar="NAME",
        env=False,
        ini="tolerances",
        parse=parse.items,
    ),
)

BY_DEST: Mapping[str, Option] = {o.dest: o for o in OPTIONS}


@dataclass(frozen=True)
class Options:
    """The raw value of every option and where it came from, before validation."""

    values: Mapping[str, Value]
    sources: Mapping[str, str]

    def text(self, dest: str) -> str | None:
        """A text option's raw value (``None`` when unset and without a default)."""
        value = self.values.get(BY_DEST[dest].dest)
        return value if isinstance(value, str) else None

    def flag(self, dest: str) -> bool:
        """A yes/no option's value."""
        return bool(self.values.get(BY_DEST[dest].dest))

    def items(self, dest: str) -> tuple[str, ...]:
        """A repeatable option's raw values."""
        value = self.values.get(BY_DEST[dest].dest)
        return value if isinstance(value, tuple) else ()

    def source(self, dest: str) -> str:
        """Where the value came from: a flag, a variable, an ini key, or the default."""
        return self.sources.get(BY_DEST[dest].dest, "the default")

    def given(self, dest: str) -> bool:
        """Whether the user set the option at all (anywhere)."""
        return self.source(dest) != "the default"

    def value(self, dest: str) -> Any:
        """The typed value, parsed by the option's row; a bad one is a
        ``ConfigError`` naming its source."""
        option = BY_DEST[dest]
        return option.parse(self.values.get(option.dest), self.source(dest), option)


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
