"""Settings: resolved once, from flags, environment and defaults, into a frozen object.

Every bad value becomes a ``ConfigError`` whose one sentence names the setting, the
value (secrets masked) and where it came from, so a misconfigured run (exit 2) is never
mistaken for a broken contract (exit 1).
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from errcontract import zeroconfig
from errcontract.baseline import Baseline, load_baseline, parse_fail_on
from errcontract.exceptions import ConfigError
from errcontract.near import near_miss
from errcontract.options import OPTIONS, Options
from errcontract.profile import (
    Profile,
    available_apis,
    load_profile,
    unknown_api_message,
)
from errcontract.redact import ENV_PREFIX, shown_url


@dataclass(frozen=True)
class Target:
    """Where one profile's run goes and with what values."""

    profile: Profile
    base_url: str | None
    fixtures: Mapping[str, str]
    env_names: Mapping[str, str]
    paths: Mapping[str, str] = field(default_factory=dict)

    @property
    def embedded(self) -> bool:
        """Whether the run starts the profile's reference server itself."""
        return self.base_url is None

    def secrets(self) -> dict[str, str]:
        """The secret fixture values (only the client holds them)."""
        return {
            name: value
            for name, value in self.fixtures.items()
            if name in self.profile.secret_fixtures
        }


@dataclass(frozen=True)
class Settings:
    """The effective settings of a run."""

    targets: tuple[Target, ...]
    report_dir: Path | None
    seed: int | None
    read_only: bool
    rate_limit: float | None
    rate_limit_given: bool
    examples: int | None
    depth: str
    clock_skew_s: float
    timeout_s: float
    max_requests: int
    max_duration_s: float
    max_rps: float
    faults: tuple[str, ...]
    tolerances: tuple[str, ...]
    baseline: Baseline | None = None
    fail_on: frozenset[str] = frozenset({"documented", "reading"})
    screenshot: bool = False

    def describe(self) -> dict[str, Any]:
        """The secret-free view shown in report headers and results.json."""
        return {
            "apis": [t.profile.api for t in self.targets],
            "base_urls": {
                t.profile.api: t.base_url or "embedded reference server"
                for t in self.targets
            },
            "read_only": self.read_only,
            "rate_limit": self.rate_limit,
            "examples": self.examples,
            "depth": self.depth,
            "clock_skew_s": self.clock_skew_s,
            "timeout_s": self.timeout_s,
            "max_requests": self.max_requests,
            "max_duration_s": self.max_duration_s,
            "max_rps": self.max_rps,
            "faults": list(self.faults),
            "tolerances": list(self.tolerances),
            "baseline": None if self.baseline is None else self.baseline.source,
            "fail_on": sorted(self.fail_on),
        }


def _check_writable(directory: Path, source: str = "--report-dir") -> None:
    """The report directory exists or can be made, and takes a file."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".conformance-write-check"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"report directory {str(directory)!r} cannot be written: "
            f"{exc.strerror or exc} (from {source})"
        ) from None


def check_base_url(url: str, source: str, *, what: str = "base URL") -> str:
    """An absolute http(s) URL with a host, without a query or fragment."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:
        parts, hostname = urlsplit(""), None
    shown = shown_url(url)
    if parts.scheme not in {"http", "https"} or not hostname:
        raise ConfigError(
            f"{what} must be an absolute http(s) URL with a host, got {shown!r} "
            f"(from {source})"
        )
    if parts.query or parts.fragment:
        raise ConfigError(
            f"{what} must not carry a query or fragment, got {shown!r} (from {source})"
        )
    if parts.username or parts.password:
        raise ConfigError(
            f"{what} must not carry credentials; give them as fixtures (from {source})"
        )
    return url.rstrip("/")


def _fixtures(
    profile: Profile,
    pairs: Sequence[str],
    env: Mapping[str, str],
    multi: bool,
    source: str = "--fixture",
) -> tuple[dict[str, str], dict[str, str]]:
    """Fixture values for ``profile``: flags over ``CONFORMANCE_<API>_<NAME>`` over
    ``CONFORMANCE_<NAME>``. Returns the values and the env names that hold secrets."""
    known = {f.name: f for f in profile.fixtures}
    taken = {o.env_var: o.name for o in OPTIONS if o.env_var}
    for name in known:
        if ENV_PREFIX + name.upper() in taken:
            raise ConfigError(
                f"profile {profile.api} declares fixture {name!r}, whose variable "
                f"{ENV_PREFIX}{name.upper()} is the setting "
                f"--{taken[ENV_PREFIX + name.upper()]}'s: rename the fixture in its "
                "profile.yaml"
            )
    values: dict[str, str] = {}
    env_names: dict[str, str] = {}
    origins: dict[str, str] = {}
    api_prefix = f"{ENV_PREFIX}{profile.api.upper().replace('-', '_')}_"
    for name in known:
        for var in (api_prefix + name.upper(), ENV_PREFIX + name.upper()):
            if var in env:
                if not env[var].strip():
                    raise ConfigError(
                        f"fixture {name} is empty (from environment variable {var})"
                    )
                values[name] = env[var]
                env_names[name] = var
                origins[name] = f"environment variable {var}"
                break
        env_names.setdefault(name, ENV_PREFIX + name.upper())
    for pair in pairs:
        if "=" not in pair:
            raise ConfigError(
                "fixture takes NAME=VALUE, got a value without 'NAME=' (from "
                f"{source}; the value is not shown in case it is a secret)"
            )
        key, _, value = pair.partition("=")
        key = key.strip()
        api, dot, name = key.rpartition(".")
        if dot and api != profile.api:
            continue
        if not dot and multi and name not in known:
            continue
        if name not in known:
            hint = near_miss(name, known)
            raise ConfigError(
                f"unknown fixture {name!r} for {profile.api} from {source}{hint}; "
                f"known: {', '.join(known)}"
            )
        if not value.strip():
            raise ConfigError(f"fixture {name} is empty (from {source} {key}=)")
        values[name] = value
        origins[name] = f"{source} {key}="
    for name, value in values.items():
        _check_value(name, value, known[name].secret, origins[name])
    return values, env_names


_SHOWN = {"\r": "a carriage return", "\n": "a line feed", "\x00": "a NUL byte"}


def _check_value(name: str, value: str, secret: bool, where: str) -> None:
    """A fixture goes into headers, paths and queries: no control character; a
    secret goes into a header as it is, so it is printable ASCII (RFC 9110 5.5)."""
    for index, char in enumerate(value):
        bad = None
        if char in _SHOWN:
            bad = _SHOWN[char]
        elif unicodedata.category(char) == "Cc":
            bad = f"the control character U+{ord(char):04X}"
        elif secret and not (" " <= char <= "~"):
            bad = f"the non-ASCII character U+{ord(char):04X}"
        if bad is not None:
            shown = "the value is not shown" if secret else f"value {value!r}"
            raise ConfigError(
                f"fixture {name} holds {bad} at position {index + 1}, which cannot "
                f"go in a request header ({shown}; from {where})"
            )


DEPTHS = ("ci", "thorough")


def _profile_dirs(options: Options) -> tuple[Path, ...]:
    """The ``--profile-dir`` directories, each one checked to hold a profile."""
    source = options.source("profile_dir")
    dirs = []
    for raw in options.items("profile_dir"):
        path = Path(raw).expanduser()
        if not path.is_dir():
            raise ConfigError(
                f"profile directory {raw!r} does not exist (from {source})"
            )
        if not (path / "profile.yaml").is_file() and not any(
            path.glob("*/profile.yaml")
        ):
            raise ConfigError(
                f"profile directory {raw!r} holds no profile.yaml, nor folders with "
                f"one (from {source})"
            )
        dirs.append(path.resolve())
    return tuple(dirs)


def _choose_apis(options: Options, dirs: tuple[Path, ...]) -> list[str]:
    api, source = options.text("api"), options.source("api")
    known = available_apis(dirs)
    if not api and dirs:
        # ``--profile-dir ./mine`` alone runs the profile found there.
        shipped = set(available_apis())
        own = [name for name in known if name not in shipped]
        if len(own) == 1:
            return own
    if not api:
        raise ConfigError(
            "no API chosen: give --api (pytest: --conformance-api) with one of "
            f"{', '.join(known)} or 'all'"
        )
    names = known if api == "all" else [api]
    for name in names:
        if name not in known:
            raise ConfigError(unknown_api_message(name, source, dirs))
    return names


def _base_url(options: Options, names: Sequence[str]) -> str | None:
    raw, source = options.text("base_url"), options.source("base_url")
    if raw is None:
        return None
    base_url = check_base_url(raw, source)
    if len(names) > 1:
        raise ConfigError(
            f"--api all runs each API against its embedded server; to test a "
            f"deployment give one --api with its --base-url (from {source})"
        )
    if options.items("fault") or options.items("tolerance"):
        raise ConfigError(
            "--fault and --tolerance switch the embedded reference server; they "
            f"cannot be combined with a base URL (from {source})"
        )
    return base_url


def _targets(
    options: Options,
    profiles: Sequence[Profile],
    base_url: str | None,
    env: Mapping[str, str],
) -> list[Target]:
    path_source = options.source("path")
    paths: dict[str, str] = {}
    for pair in options.items("path"):
        op, eq, path = pair.partition("=")
        if not eq or not path.startswith("/"):
            raise ConfigError(
                f"path takes OPERATION=/path, got {pair!r} (from {path_source})"
            )
        paths[op.strip()] = path
    targets = []
    from errcontract.lint import refuse_unsound

    for profile in profiles:
        name = profile.api
        refuse_unsound(profile)  # every profile mistake before any request
        if base_url is None and not profile.meta.get("reference_app"):
            raise ConfigError(
                f"profile {name} ({profile.directory}) ships no reference server, so "
                f"it needs the deployment's --base-url: run it with --api {name} "
                "--base-url URL"
            )
        values, env_names = _fixtures(
            profile,
            options.items("fixture"),
            env,
            len(profiles) > 1,
            options.source("fixture"),
        )
        if base_url is not None:
            missing = [
                f.name for f in profile.fixtures if f.required and f.name not in values
            ]
            if missing:
                first = missing[0]
                raise ConfigError(
                    f"fixture {first} is required for {name} against {base_url}: give "
                    f"--fixture {first}=… or set {ENV_PREFIX}{first.upper()}"
                )
        for op in paths:
            if op not in profile.operations:
                hint = near_miss(op, list(profile.operations))
                raise ConfigError(
                    f"path names unknown operation {op!r} of {name}{hint} "
                    f"(from {path_source})"
                )
        targets.append(
            Target(
                profile=profile,
                base_url=base_url,
                fixtures=values,
                env_names=env_names,
                paths=paths,
            )
        )
    return targets


def resolve(options: Options, env: Mapping[str, str] | None = None) -> Settings:
    """Turn raw options into settings, or raise ``ConfigError`` with one sentence.

    Called exactly once per run, by whichever front door starts it.
    """
    env = os.environ if env is None else env
    dirs = _profile_dirs(options)
    rate_limit = options.rate_limit()
    derived = zeroconfig.from_options(options, rate_limit)
    if derived is not None:
        assert derived.profile is not None
        profiles = [derived.profile]
    else:
        profiles = [load_profile(n, dirs) for n in _choose_apis(options, dirs)]
    base_url = _base_url(options, [p.api for p in profiles])
    targets = _targets(options, profiles, base_url, env)
    seed = (
        int(options.number("seed", integer=True, allow_zero=True))
        if options.text("seed")
        else None
    )
    depth = options.text("depth") or "ci"
    if depth not in DEPTHS:
        hint = near_miss(depth, DEPTHS)
        raise ConfigError(
            f"depth must be 'ci' or 'thorough', got {depth!r}{hint} "
            f"(from {options.source('depth')})"
        )
    report = options.text("report_dir")
    report_dir = Path(report) if report else None
    if report_dir is not None:
        _check_writable(report_dir, options.source("report_dir"))
    baseline = options.text("baseline")
    return Settings(
        targets=tuple(targets),
        report_dir=report_dir,
        seed=seed,
        read_only=options.flag("read_only"),
        rate_limit=rate_limit,
        rate_limit_given=bool(options.text("rate_limit")),
        examples=int(options.number("examples", integer=True))
        if options.text("examples")
        else None,
        depth=depth,
        clock_skew_s=options.number("clock_skew"),
        timeout_s=options.number("timeout"),
        max_requests=int(options.number("max_requests", integer=True)),
        max_duration_s=options.number("max_duration"),
        max_rps=options.number("max_rps"),
        faults=options.items("fault"),
        tolerances=options.items("tolerance"),
        baseline=None
        if not baseline
        else load_baseline(Path(baseline), options.source("baseline")),
        fail_on=parse_fail_on(options.text("fail_on"), options.source("fail_on")),
        screenshot=options.flag("screenshot"),
    )
