"""Resolution: raw options and the environment into the frozen ``Settings``, once.

Each option's value is parsed by its row (``options.value``); what is left here is
what no single option decides: the profiles chosen, how a base URL combines with them
and with the reference server's switches, each profile's fixtures, and a report
directory that takes a file. Every bad value becomes a ``ConfigError`` whose one
sentence names the setting, the value (secrets masked) and where it came from, so a
misconfigured run (exit 2) is never mistaken for a broken contract (exit 1).
"""

from __future__ import annotations

import os
import tempfile
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path

from errcontract._config import zero_config as zeroconfig
from errcontract._config.options import OPTIONS, Options
from errcontract._config.settings import Settings, Target
from errcontract._contract.profile import (
    Profile,
    available_apis,
    load_profile,
    unknown_api_message,
)
from errcontract._http.redact import ENV_PREFIX
from errcontract._near import near_miss
from errcontract.exceptions import ConfigError


def _check_writable(directory: Path, source: str = "--report-dir") -> None:
    """The report directory exists or can be made, and takes a file."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # A probe of its own: two runs checking one directory at once (pytest-xdist
        # workers, parallel CI jobs) must not unlink each other's.
        handle, probe = tempfile.mkstemp(
            prefix=".conformance-write-check-", dir=directory
        )
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(
            f"report directory {str(directory)!r} cannot be written: "
            f"{exc.strerror or exc} (from {source})"
        ) from None


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


MAX_WORKERS = 64
"""The most coverage examples a run keeps in flight at once (Schemathesis' own cap)."""

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


def _choose_apis(options: Options, dirs: tuple[Path, ...]) -> list[str]:
    """The APIs ``--api`` names (``all``: every one known), or the one profile a
    ``--profile-dir`` alone holds."""
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
    """The deployment's URL, when one API runs against it unswitched."""
    base_url: str | None = options.value("base_url")
    if base_url is None:
        return None
    source = options.source("base_url")
    if len(names) > 1:
        raise ConfigError(
            f"--api all runs each API against its embedded server; to test a "
            f"deployment give one --api with its --base-url (from {source})"
        )
    if options.value("fault") or options.value("tolerance"):
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
    """One target per profile, each checked sound and given its fixtures."""
    paths: dict[str, str] = options.value("path")
    path_source = options.source("path")
    targets = []
    from errcontract._config.lint import refuse_unsound

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
            options.value("fixture"),
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


FLEET_ELSEWHERE = (
    "api",
    "openapi",
    "convention",
    "request_id_header",
    "overrides",
    "base_url",
    "path",
    "fault",
    "tolerance",
)
"""Settings a fleet file gives per entry (or that switch an embedded server)."""


def _fleet_targets(
    options: Options, dirs: tuple[Path, ...], env: Mapping[str, str]
) -> list[Target]:
    """One target per entry of the ``--fleet`` file, each with its deployment, its
    fixtures (the entry's, its variables, ``--fixture API.NAME=``) and own settings."""
    from errcontract._config.fleet_file import read_fleet
    from errcontract._config.lint import refuse_unsound

    source = options.source("fleet")
    given = [o for o in FLEET_ELSEWHERE if options.given(o)]
    if given:
        raise ConfigError(
            f"{options.source(given[0])} cannot be combined with the fleet file (from "
            f"{source}): each entry of it names its API and its deployment"
        )
    path = Path(str(options.text("fleet"))).expanduser()
    if not path.is_file():
        raise ConfigError(
            f"the fleet file {str(path)!r} does not exist (from {source})"
        )
    targets = []
    for entry in read_fleet(path, source, options, dirs):
        profile = entry.profile
        refuse_unsound(profile)
        secret = [n for n in entry.fixtures if n in profile.secret_fixtures]
        if secret:
            raise ConfigError(
                f"{entry.where}, key fixtures/{secret[0]}: a secret has no place in "
                "a fleet file (the value is not shown); name the variable holding it "
                "under fixture_env"
            )
        pairs = [f"{k}={v}" for k, v in entry.fixtures.items()]
        known = [f.name for f in profile.fixtures]
        for name, var in entry.fixture_env.items():
            if name not in known:
                raise ConfigError(
                    f"{entry.where}, key fixture_env: unknown fixture {name!r}"
                    f"{near_miss(name, known)}; known: {', '.join(known)}"
                )
            if not env.get(var, "").strip():
                raise ConfigError(
                    f"{entry.where}, key fixture_env/{name}: environment variable "
                    f"{var} is not set"
                )
            pairs.append(f"{name}={env[var]}")
        values, env_names = _fixtures(
            profile, options.value("fixture"), env, True, options.source("fixture")
        )
        own, _ = _fixtures(profile, pairs, {}, False, entry.where)
        values.update(own)
        env_names.update({n: v for n, v in entry.fixture_env.items()})
        missing = [
            f.name for f in profile.fixtures if f.required and f.name not in values
        ]
        if missing:
            raise ConfigError(
                f"{entry.where}: fixture {missing[0]} is required against "
                f"{entry.base_url}: name its variable under fixture_env (or set "
                f"{ENV_PREFIX}{entry.name.upper().replace('-', '_')}_"
                f"{missing[0].upper()})"
            )
        for op in entry.paths:
            if op not in profile.operations:
                hint = near_miss(op, list(profile.operations))
                raise ConfigError(
                    f"{entry.where}, key paths: unknown operation {op!r}{hint}"
                )
        targets.append(
            Target(
                profile=profile,
                base_url=entry.base_url,
                fixtures=values,
                env_names=env_names,
                paths=dict(entry.paths),
                own=entry.own,
            )
        )
    return targets


def resolve(options: Options, env: Mapping[str, str] | None = None) -> Settings:
    """Turn raw options into settings, or raise ``ConfigError`` with one sentence.

    Called exactly once per run, by whichever front door starts it.
    """
    env = os.environ if env is None else env
    dirs: tuple[Path, ...] = options.value("profile_dir")
    rate_limit: float | None = options.value("rate_limit")
    if options.text("fleet"):
        targets = _fleet_targets(options, dirs, env)
    else:
        derived = zeroconfig.from_options(options, rate_limit)
        if derived is not None:
            assert derived.profile is not None
            profiles = [derived.profile]
        else:
            profiles = [load_profile(n, dirs) for n in _choose_apis(options, dirs)]
        base_url = _base_url(options, [p.api for p in profiles])
        targets = _targets(options, profiles, base_url, env)
    seed: int | None = options.value("seed")
    depth: str = options.value("depth")
    report_dir: Path | None = options.value("report_dir")
    if report_dir is not None:
        _check_writable(report_dir, options.source("report_dir"))
    workers: int | None = options.value("workers")
    if workers is not None and workers > MAX_WORKERS:
        raise ConfigError(
            f"workers {workers} (from {options.source('workers')}) is above "
            f"{MAX_WORKERS}: more requests in flight than that would strain a "
            f"target more than it speeds a run; give at most {MAX_WORKERS}"
        )
    return Settings(
        targets=tuple(targets),
        report_dir=report_dir,
        seed=seed,
        read_only=options.value("read_only"),
        rate_limit=rate_limit,
        rate_limit_given=bool(options.text("rate_limit")),
        examples=options.value("examples"),
        depth=depth,
        clock_skew_s=options.value("clock_skew"),
        timeout_s=options.value("timeout"),
        max_requests=options.value("max_requests"),
        max_duration_s=options.value("max_duration"),
        max_rps=options.value("max_rps"),
        faults=options.value("fault"),
        tolerances=options.value("tolerance"),
        baseline=options.value("baseline"),
        fail_on=options.value("fail_on"),
        screenshot=options.value("screenshot"),
        quiet=options.value("quiet"),
        workers=workers,
        fleet=options.text("fleet"),
    )
