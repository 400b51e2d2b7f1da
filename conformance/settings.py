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

from conformance.baseline import Baseline, load_baseline, parse_fail_on
from conformance.exceptions import ConfigError
from conformance.options import OPTIONS, Options
from conformance.profile import (
    Profile,
    available_apis,
    load_profile,
    unknown_api_message,
)
from conformance.redact import ENV_PREFIX


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
            near = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise ConfigError(
                f"unknown fixture {name!r} for {profile.api} from {source}{hint}; "
                f"known: {', '.join(known)}"
            )
        if not value.strip():
            raise ConfigError(f"fixture {name} is empty (from {source} {key}=)")
        values[name] = value
    return values, env_names


HYPOTHESIS_PROFILES = ("ci", "thorough")


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


def _rate_limit(options: Options) -> float | None:
    """The ``--rate-limit`` given (``None`` for none, or ``none``/``off``)."""
    raw = options.text("rate_limit")
    if raw and raw.lower() not in {"none", "off"}:
        return _measure(options, "rate_limit")
    return None


def _zero_config(options: Options, rate: float | None) -> Path | None:
    """The profile derived from ``--openapi`` and ``--convention`` (written to a
    temporary directory), or ``None`` when no convention is given."""
    from conformance import conventions, derive, document

    name = options.text("convention")
    document_at = options.text("openapi")
    zero_only = ("openapi", "request_id_header", "overrides")
    if not name:
        given = [o for o in zero_only if options.text(o)]
        if given:
            raise ConfigError(
                f"{options.source(given[0])} derives a profile from an error "
                "convention: add --convention NAME (known: "
                f"{', '.join(conventions.available_conventions())})"
            )
        return None
    if options.text("api"):
        raise ConfigError(
            f"--convention {name} derives the profile itself, so it cannot be combined "
            f"with --api {options.text('api')} (from {options.source('api')})"
        )
    convention = conventions.load_convention(name, options.source("convention"))
    base_url = options.text("base_url")
    if document_at is None:
        if base_url is not None:
            raise ConfigError(
                f"--convention {name} against {base_url} needs the API's OpenAPI "
                "document: give --openapi FILE_OR_URL"
            )
        if convention.reference_app is None:
            raise ConfigError(f"convention {name} ships no reference server")
        import importlib

        app = importlib.import_module(convention.reference_app)
        document_at, source = str(app.OPENAPI), f"{convention.reference_app}.OPENAPI"
    else:
        source = options.source("openapi")
        if base_url is None:
            raise ConfigError(
                f"--openapi {document_at} checks a deployment: give its --base-url "
                f"(--convention {name} alone runs its embedded reference server)"
            )
    overrides_at = options.text("overrides")
    overrides = (
        derive.read_overrides(overrides_at, options.source("overrides"))
        if overrides_at
        else {}
    )
    profile = derive.derive(
        convention,
        document.read_document(document_at, source),
        request_id_header=options.text("request_id_header"),
        rate_limit=rate,
        overrides=overrides,
        overrides_source=f"the overrides file {overrides_at}",
        embedded=base_url is None,
        base=document.document_base(document_at),
    )
    return derive.temporary(profile)


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
    names: Sequence[str],
    base_url: str | None,
    env: Mapping[str, str],
    dirs: tuple[Path, ...],
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
    from conformance.lint import refuse_unsound

    for name in names:
        profile = load_profile(name, dirs)
        refuse_unsound(profile.directory)  # every profile mistake before any request
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
            len(names) > 1,
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
                near = difflib.get_close_matches(op, list(profile.operations), n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
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


def _measure(
    options: Options,
    dest: str,
    *,
    integer: bool = False,
    allow_zero: bool = False,
) -> float:
    """A numeric option (its default is the table's), naming its source when bad."""
    from conformance.options import BY_DEST

    default = BY_DEST[dest].default
    raw = options.text(dest)
    return _number(
        raw,
        BY_DEST[dest].name,
        float(default) if default is not None else 0.0,
        options.source(dest),
        integer=integer,
        allow_zero=allow_zero,
    )


def resolve(options: Options, env: Mapping[str, str] | None = None) -> Settings:
    """Turn raw options into settings, or raise ``ConfigError`` with one sentence.

    Called exactly once per run, by whichever front door starts it.
    """
    env = os.environ if env is None else env
    dirs = _profile_dirs(options)
    rate_limit = _rate_limit(options)
    derived = _zero_config(options, rate_limit)
    if derived is not None:
        names = [derived.name]
        dirs = (*dirs, derived)
    else:
        names = _choose_apis(options, dirs)
    base_url = _base_url(options, names)
    targets = _targets(options, names, base_url, env, dirs)
    seed = (
        int(_measure(options, "seed", integer=True, allow_zero=True))
        if options.text("seed")
        else None
    )
    profile = options.text("profile") or "ci"
    if profile not in HYPOTHESIS_PROFILES:
        near = difflib.get_close_matches(profile, HYPOTHESIS_PROFILES, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise ConfigError(
            f"profile must be 'ci' or 'thorough', got {profile!r}{hint} "
            f"(from {options.source('profile')})"
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
        examples=int(_measure(options, "examples", integer=True))
        if options.text("examples")
        else None,
        hypothesis_profile=profile,
        clock_skew_s=_measure(options, "clock_skew"),
        timeout_s=_measure(options, "timeout"),
        max_requests=int(_measure(options, "max_requests", integer=True)),
        max_duration_s=_measure(options, "max_duration"),
        max_rps=_measure(options, "max_rps"),
        faults=options.items("fault"),
        tolerances=options.items("tolerance"),
        baseline=None
        if not baseline
        else load_baseline(Path(baseline), options.source("baseline")),
        fail_on=parse_fail_on(options.text("fail_on"), options.source("fail_on")),
        screenshot=options.flag("screenshot"),
    )
