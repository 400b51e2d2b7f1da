"""Settings: resolved once, from flags, environment and defaults, into a frozen object.

Every bad value becomes a ``ConfigError`` whose one sentence names the setting, the
value (secrets masked) and where it came from, so a misconfigured run (exit 2) is never
mistaken for a broken contract (exit 1).
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.profile import (
    Profile,
    available_apis,
    load_profile,
    unknown_api_message,
)
from conformance.redact import ENV_PREFIX


class ConfigError(ValueError):
    """A setting is missing or malformed: the run cannot start (exit status 2)."""


@dataclass(frozen=True)
class Options:
    """The raw options as a front door (CLI or pytest) collected them."""

    api: str | None = None
    base_url: str | None = None
    fixtures: Sequence[str] = ()
    report_dir: str | None = "conformance-report"
    seed: str | None = None
    read_only: bool = False
    rate_limit: str | None = None
    examples: str | None = None
    hypothesis_profile: str = "ci"
    clock_skew: str | None = None
    timeout: str | None = None
    max_requests: str | None = None
    max_duration: str | None = None
    max_rps: str | None = None
    faults: Sequence[str] = ()
    tolerances: Sequence[str] = ()
    paths: Sequence[str] = ()
    baseline: str | None = None
    fail_on: str | None = None
    screenshot: bool = False
    source: str = "flag"


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
    hypothesis_profile: str
    clock_skew_s: float
    timeout_s: float
    max_requests: int
    max_duration_s: float
    max_rps: float
    faults: tuple[str, ...]
    tolerances: tuple[str, ...]
    baseline: Any = None
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
            "hypothesis_profile": self.hypothesis_profile,
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


def _number(
    raw: str | None,
    name: str,
    default: float,
    source: str,
    *,
    minimum: float = 0.0,
    integer: bool = False,
    allow_zero: bool = False,
) -> float:
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


def _shown_url(url: str) -> str:
    """A URL fit for an error message: user info and query masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "[unparseable URL]"
    netloc = parts.netloc.rpartition("@")[2]
    if "@" in parts.netloc:
        netloc = "[redacted]@" + netloc
    shown = f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme else url
    if "@" in shown and "@" not in netloc:
        shown = "[redacted]@" + shown.rpartition("@")[2]
    return shown + ("?…" if parts.query or parts.fragment else "")


def _check_writable(directory: Path) -> None:
    """The report directory exists or can be made, and takes a file."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".conformance-write-check"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"report directory {str(directory)!r} cannot be written: "
            f"{exc.strerror or exc} (from --report-dir)"
        ) from None


def check_base_url(url: str, source: str) -> str:
    """An absolute http(s) URL with a host, without a query or fragment."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:
        parts, hostname = urlsplit(""), None
    shown = _shown_url(url)
    if parts.scheme not in {"http", "https"} or not hostname:
        raise ConfigError(
            f"base URL must be an absolute http(s) URL with a host, got {shown!r} "
            f"(from {source})"
        )
    if parts.query or parts.fragment:
        raise ConfigError(
            f"base URL must not carry a query or fragment, got {shown!r} "
            f"(from {source})"
        )
    if parts.username or parts.password:
        raise ConfigError(
            "base URL must not carry credentials; give them as fixtures "
            f"(from {source})"
        )
    return url.rstrip("/")


def _fixtures(
    profile: Profile, pairs: Sequence[str], env: Mapping[str, str], multi: bool
) -> tuple[dict[str, str], dict[str, str]]:
    """Fixture values for ``profile``: flags over ``CONFORMANCE_<API>_<NAME>`` over
    ``CONFORMANCE_<NAME>``. Returns the values and the env names that hold secrets."""
    known = {f.name: f for f in profile.fixtures}
    values: dict[str, str] = {}
    env_names: dict[str, str] = {}
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
                break
        env_names.setdefault(name, ENV_PREFIX + name.upper())
    for pair in pairs:
        if "=" not in pair:
            raise ConfigError(
                "--fixture takes NAME=VALUE, got a value without 'NAME=' (from flag; "
                "the value is not shown in case it is a secret)"
            )
        key, _, value = pair.partition("=")
        key = key.strip()
        api, dot, name = key.rpartition(".")
        if dot and api != profile.api:
            continue
        if not dot and multi and name not in known:
            continue
        if name not in known:
            near = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise ConfigError(
                f"unknown fixture {name!r} for {profile.api} from --fixture{hint}; "
                f"known: {', '.join(known)}"
            )
        if not value.strip():
            raise ConfigError(f"fixture {name} is empty (from --fixture {key}=)")
        values[name] = value
    return values, env_names


def resolve(options: Options, env: Mapping[str, str] | None = None) -> Settings:
    """Turn raw options into settings, or raise ``ConfigError`` with one sentence."""
    from conformance.baseline import load_baseline, parse_fail_on

    env = os.environ if env is None else env
    api_source = options.source
    api = options.api or env.get(ENV_PREFIX + "API")
    if not options.api and api:
        api_source = f"environment variable {ENV_PREFIX}API"
    if not api:
        raise ConfigError(
            "no API chosen: give --api with one of "
            f"{', '.join(available_apis())} or 'all'"
        )
    names = available_apis() if api == "all" else [api]
    for name in names:
        if name not in available_apis():
            raise ConfigError(unknown_api_message(name, f"--api ({api_source})"))
    base_url = options.base_url
    url_source = "--base-url"
    if base_url is None and env.get(ENV_PREFIX + "BASE_URL"):
        base_url = env[ENV_PREFIX + "BASE_URL"]
        url_source = f"environment variable {ENV_PREFIX}BASE_URL"
    if base_url is not None:
        base_url = check_base_url(base_url, url_source)
        if len(names) > 1:
            raise ConfigError(
                f"--api all runs each API against its embedded server; to test a "
                f"deployment give one --api with its --base-url (from {url_source})"
            )
    if base_url is not None and (options.faults or options.tolerances):
        raise ConfigError(
            "--fault and --tolerance switch the embedded reference server; they "
            "cannot be combined with --base-url"
        )
    paths = dict(p.partition("=")[::2] for p in options.paths)
    targets = []
    for name in names:
        profile = load_profile(name)
        values, env_names = _fixtures(profile, options.fixtures, env, len(names) > 1)
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
        for op, _ in paths.items():
            if op not in profile.operations:
                raise ConfigError(f"--path names unknown operation {op!r} of {name}")
        targets.append(
            Target(
                profile=profile,
                base_url=base_url,
                fixtures=values,
                env_names=env_names,
                paths=paths,
            )
        )
    seed = None
    if options.seed not in (None, ""):
        seed = int(
            _number(options.seed, "--seed", 0, "flag", integer=True, allow_zero=True)
        )
    rate_given = options.rate_limit not in (None, "")
    rate_limit: float | None = None
    if rate_given:
        raw = str(options.rate_limit)
        rate_limit = (
            None
            if raw.lower() in {"none", "off"}
            else _number(raw, "--rate-limit", 0, "flag")
        )
    if options.hypothesis_profile not in {"ci", "thorough"}:
        raise ConfigError(
            f"--hypothesis-profile must be 'ci' or 'thorough', got "
            f"{options.hypothesis_profile!r} (from flag)"
        )
    examples = options.examples
    report_dir = Path(options.report_dir) if options.report_dir else None
    if report_dir is not None:
        _check_writable(report_dir)
    return Settings(
        targets=tuple(targets),
        report_dir=report_dir,
        seed=seed,
        read_only=options.read_only,
        rate_limit=rate_limit,
        rate_limit_given=rate_given,
        examples=None
        if examples in (None, "")
        else int(_number(examples, "--examples", 0, "flag", integer=True)),
        hypothesis_profile=options.hypothesis_profile,
        clock_skew_s=_number(options.clock_skew, "--clock-skew", 300.0, "flag"),
        timeout_s=_number(options.timeout, "--timeout", 10.0, "flag"),
        max_requests=int(
            _number(options.max_requests, "--max-requests", 2000, "flag", integer=True)
        ),
        max_duration_s=_number(options.max_duration, "--max-duration", 600.0, "flag"),
        max_rps=_number(options.max_rps, "--max-rps", 25.0, "flag"),
        faults=tuple(options.faults),
        tolerances=tuple(options.tolerances),
        baseline=None
        if not options.baseline
        else load_baseline(Path(options.baseline)),
        fail_on=parse_fail_on(options.fail_on),
        screenshot=options.screenshot,
    )
