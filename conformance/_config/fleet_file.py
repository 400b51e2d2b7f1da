"""A fleet file (``--fleet FILE``): several deployments, each one API, in one YAML file.

Each entry names an API (its name in the report), where its contract comes from (a
profile, or an OpenAPI document and a convention: zero-config), its deployment's base
URL and what may differ per deployment (fixtures, paths, pacing). The file is checked
by ``schemas/meta/fleet.schema.json`` before anything is loaded; every mistake is one
sentence naming the file, the entry, the key and the value (a secret never shown),
with the near miss, so a wrong file is exit 2 before any request.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from errcontract._config import zero_config as zeroconfig
from errcontract._config.options import BY_DEST, Options
from errcontract._contract.profile import (
    Profile,
    available_apis,
    load_profile,
    load_profile_at,
    meta_schema,
)
from errcontract._input.loading import load_data
from errcontract._near import near_miss
from errcontract.exceptions import ConfigError

ZERO_KEYS = ("openapi", "convention", "request_id_header", "overrides")
"""An entry's zero-config keys (all but ``openapi`` mean nothing without it)."""

OWN = {
    "rate_limit": "rate_limit",
    "max_rps": "max_rps",
    "max_requests": "max_requests",
    "timeout": "timeout_s",
    "read_only": "read_only",
}
"""Per-deployment settings: the entry's key -> the ``Settings`` field it replaces.
Each is parsed by its option's row, as the flag would be."""


@dataclass(frozen=True)
class Entry:
    """One deployment of a fleet file, read and its contract loaded."""

    name: str
    where: str  # "the fleet file F, entry 'name'": how messages name it
    profile: Profile
    base_url: str
    fixtures: Mapping[str, str] = field(default_factory=dict)
    fixture_env: Mapping[str, str] = field(default_factory=dict)
    paths: Mapping[str, str] = field(default_factory=dict)
    own: Mapping[str, Any] = field(default_factory=dict)


def _label(data: Any, index: int) -> str:
    entries = data.get("apis") if isinstance(data, Mapping) else None
    entry = entries[index] if isinstance(entries, list) else None
    name = entry.get("name") if isinstance(entry, Mapping) else None
    return f"entry {name!r}" if isinstance(name, str) else f"entry #{index + 1}"


def _schema_error(err: jsonschema.ValidationError, data: Any, file: str) -> str:
    """One sentence for a schema error: the file, the entry, the key, the value
    (never a fixture's: it may be a secret) and the near miss."""
    path = list(err.absolute_path)
    place = f"the fleet file {file}"
    if len(path) >= 2 and path[0] == "apis" and isinstance(path[1], int):
        place += f", {_label(data, path[1])}"
        path = path[2:]
    key = "/".join(str(p) for p in path)
    schema = err.schema if isinstance(err.schema, Mapping) else {}
    known = list((schema.get("properties") or {}).keys())
    if err.validator == "additionalProperties" and isinstance(err.instance, Mapping):
        extra = next(str(k) for k in err.instance if k not in known)
        where = f"{place}, under {key}" if key else place
        return (
            f"{where}: unknown key {extra!r}{near_miss(extra, known)}; known: "
            f"{', '.join(known)}"
        )
    if err.validator == "required" and isinstance(err.instance, Mapping):
        missing = next(k for k in schema.get("required", []) if k not in err.instance)
        about = meta_schema("fleet.schema.json")["properties"]["apis"]["items"]
        what = str(about["properties"].get(missing, {}).get("description", "")).rstrip(
            "."
        )
        what = what[:1].lower() + what[1:]
        return f"{place}: key {missing!r} is missing" + (f": {what}" if what else "")
    if path and path[0] in ("fixtures", "fixture_env"):
        wanted = err.validator_value
        if err.validator == "type":
            kinds = wanted if isinstance(wanted, list) else [wanted]
            named = {"integer": "number", "object": "mapping", "array": "list"}
            words = dict.fromkeys(named.get(str(k), str(k)) for k in kinds)
            rule = f"must be a {' or a '.join(words)}"
        else:
            rule = f"does not meet {err.validator} {wanted!r}"
        return (
            f"{place}, key {key}: the value {rule} (it is not shown, in case it is "
            "a secret)"
        )
    return f"{place}, key {key or '(top)'}: {err.message}"


def read_file(path: Path, source: str) -> list[Mapping[str, Any]]:
    """The fleet file's entries, checked by its meta-schema; two entries of one
    name are a mistake (the name is the API's in the report)."""
    file = str(path)
    data = load_data(
        path,
        fail=lambda problem: ConfigError(
            f"the fleet file {file} {problem} (from {source})"
        ),
    )
    validator = jsonschema.Draft202012Validator(meta_schema("fleet.schema.json"))
    # Of two mistakes in one place, the unknown key first: its near miss is
    # usually the key said to be missing.
    errors = sorted(
        validator.iter_errors(data),
        key=lambda e: (
            [str(p) for p in e.absolute_path],
            e.validator != "additionalProperties",
        ),
    )
    if errors:
        raise ConfigError(_schema_error(errors[0], data, file))
    entries: list[Mapping[str, Any]] = data["apis"]
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        name = entry["name"]
        # Told apart as its variables' prefix is (CONFORMANCE_<NAME>_), and as
        # a folder on a file system that ignores case.
        same = name.upper().replace("-", "_")
        if same in seen:
            first = entries[seen[same]]["name"]
            raise ConfigError(
                f"the fleet file {file}, entry #{index + 1}: key name {name!r} is "
                f"entry #{seen[same] + 1}'s too"
                + ("" if first == name else f" ({first!r}, as a variable's prefix)")
                + "; each entry is one API of the report, so give each its own name"
            )
        seen[same] = index
        where = f"the fleet file {file}, entry {name!r}"
        has = [k for k in ("profile", "openapi") if k in entry]
        if len(has) != 1:
            raise ConfigError(
                f"{where}: give one of key 'profile' (a profile directory or API "
                "name) and key 'openapi' (zero-config, with 'convention')"
                + (", not both" if has else "")
            )
        stray = [k for k in ZERO_KEYS[1:] if k in entry and "openapi" not in entry]
        if stray:
            raise ConfigError(
                f"{where}: key {stray[0]!r} ({entry[stray[0]]!r}) derives a profile "
                "from an OpenAPI document: add key 'openapi', or drop it"
            )
    return entries


def _local(value: str, folder: Path) -> str:
    """A file named in the fleet file, read from the file's folder (a URL as is)."""
    if "://" in value:
        return value
    found = Path(value).expanduser()
    return str(found if found.is_absolute() else folder / found)


def _profile(
    entry: Mapping[str, Any], where: str, folder: Path, dirs: tuple[Path, ...]
) -> Profile:
    """An entry's profile: a directory beside the fleet file, or an API's name."""
    given = str(entry["profile"])
    directory = Path(_local(given, folder))
    if (directory / "profile.yaml").is_file():
        return load_profile_at(directory.resolve())
    known = available_apis(dirs)
    if given in known:
        return load_profile(given, dirs)
    raise ConfigError(
        f"{where}, key profile: {given!r} is neither a profile directory (read from "
        f"{folder}) nor a known API{near_miss(given, known)}; known: {', '.join(known)}"
    )


def _derived(
    entry: Mapping[str, Any], where: str, folder: Path, options: Options, rate: Any
) -> Profile:
    """Zero-config: the profile an entry's document and convention give, derived as
    ``--openapi`` and ``--convention`` would (the run's fetch policy)."""
    values = dict(options.values)
    sources = dict(options.sources)
    values["api"] = None
    given = {
        "openapi": _local(str(entry["openapi"]), folder),
        "convention": str(entry.get("convention", "rfc9457")),
        "base_url": str(entry["base_url"]),
        "request_id_header": entry.get("request_id_header"),
        "overrides": (
            _local(str(entry["overrides"]), folder) if "overrides" in entry else None
        ),
    }
    for key, value in given.items():
        values[key] = value
        if value is not None:
            sources[key] = f"{where}, key {key}"
        else:
            sources.pop(key, None)
    derived = zeroconfig.from_options(Options(values=values, sources=sources), rate)
    assert derived is not None
    assert derived.profile is not None
    return derived.profile


def _own(entry: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The entry's own settings, each parsed by its option's row."""
    own: dict[str, Any] = {}
    for key, setting in OWN.items():
        if key not in entry:
            continue
        option = BY_DEST[key]
        raw = entry[key]
        value = raw if isinstance(raw, bool) else str(raw)
        own[setting] = option.parse(value, f"{where}, key {key}", option)
        if key == "rate_limit":
            own["rate_limit_given"] = True
    return own


def read_fleet(
    path: Path, source: str, options: Options, dirs: tuple[Path, ...]
) -> list[Entry]:
    """Every entry of the fleet file, its contract loaded and its values parsed."""
    from errcontract._config.parsers import check_base_url

    entries = read_file(path, source)
    folder = path.parent
    read: list[Entry] = []
    for entry in entries:
        name = str(entry["name"])
        where = f"the fleet file {path}, entry {name!r}"
        base_url = check_base_url(str(entry["base_url"]), f"{where}, key base_url")
        own = _own(entry, where)
        rate = own.get("rate_limit", options.value("rate_limit"))
        profile = (
            _profile(entry, where, folder, dirs)
            if "profile" in entry
            else _derived(entry, where, folder, options, rate)
        )
        # The entry's name is the API's in the report and its variables' prefix;
        # the loaded profile is shared (cached), so the entry has its own copy.
        # Two entries may share a profile (staging and production): each is its
        # own run, and the fleet tells their clauses apart by this name.
        named = copy.copy(profile)
        named.api = name
        read.append(
            Entry(
                name=name,
                where=where,
                profile=named,
                base_url=base_url,
                fixtures={k: str(v) for k, v in entry.get("fixtures", {}).items()},
                fixture_env=dict(entry.get("fixture_env", {})),
                paths=dict(entry.get("paths", {})),
                own=own,
            )
        )
    return read
