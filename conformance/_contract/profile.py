"""Profiles: everything the suite knows about one API, loaded from ``schemas/<api>/``.

A profile is files only (profile.yaml, clauses.yaml, openapi.yaml, JSON Schemas); this
module reads and validates them once, so that a typo in a catalog is a clear error at
start-up rather than a silent gap in the run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from errcontract._contract.clauses import Clause
from errcontract._contract.surface import Operation, parse_operations
from errcontract._input.folder import Folder
from errcontract._input.loading import load_data
from errcontract._input.refs import LOCAL, Origin, bundle
from errcontract._near import near_miss
from errcontract.exceptions import ConfigError, ProfileError

DEFAULT_CREDENTIAL = "Authorization: Bearer {token}"
"""Where a credential goes unless the profile says otherwise (``credential_header``)."""


def schemas_root() -> Path:
    """Where the profiles live: inside the installed package, else the source tree."""
    packaged = resources.files("errcontract") / "_schemas"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "schemas"


def profiles_in(directory: Path) -> list[Path]:
    """A profile directory itself, or a folder of profile directories."""
    if (directory / "profile.yaml").is_file():
        return [directory]
    return sorted(p.parent for p in directory.glob("*/profile.yaml"))


def _api_of(directory: Path) -> str:
    """The ``api`` a profile directory declares (its folder name if it says none)."""
    meta = _read_yaml(directory / "profile.yaml")
    name = meta.get("api") if isinstance(meta, Mapping) else None
    if not isinstance(name, str) or not name:
        raise ProfileError(f"{directory / 'profile.yaml'}: at (top): 'api' is missing")
    return name


@cache
def find_profiles(extra: tuple[Path, ...] = ()) -> Mapping[str, Path]:
    """Every profile found: api name -> directory. The shipped ones first, then each
    extra directory (a profile, or a folder of profiles) in the order given."""
    found: dict[str, Path] = {}
    for root in (schemas_root(), *extra):
        for directory in profiles_in(root):
            api = directory.name if root == schemas_root() else _api_of(directory)
            if api in found and found[api] != directory:
                raise ProfileError(
                    f"two profiles are named {api!r}: {found[api]} and {directory}; "
                    "give one of them another 'api' in its profile.yaml"
                )
            found[api] = directory
    return found


def available_apis(extra: tuple[Path, ...] = ()) -> list[str]:
    """Names of the profiles shipped with the suite and found in ``extra``."""
    return sorted(find_profiles(extra))


def unknown_api_message(name: str, where: str, extra: tuple[Path, ...] = ()) -> str:
    """One sentence for an unknown api name, with the near miss."""
    apis = available_apis(extra)
    hint = near_miss(name, [*apis, "all"])
    return (
        f"unknown api {name!r} from {where}{hint}; known: {', '.join(apis)}, or 'all'"
    )


@dataclass(frozen=True)
class Fixture:
    """A value the target provides (a key, a company id, a card id)."""

    name: str
    required: bool = False
    secret: bool = False
    description: str = ""


def _read_yaml(path: Path) -> Any:
    """A profile's YAML file; any problem is one ``ProfileError`` line naming it."""
    return load_data(path, fail=lambda problem: ProfileError(f"{path} {problem}"))


@cache
def meta_schema(name: str) -> dict[str, Any]:
    """A meta-schema of the profile format (``schemas/meta/``), read once."""
    data: dict[str, Any] = json.loads(
        (schemas_root() / "meta" / name).read_text(encoding="utf-8")
    )
    return data


class Profile:
    """One API's profile: its files read (from ``schemas/<api>/``, a team's profile
    directory, or a derived profile's files in memory), checked by the meta-schemas."""

    def __init__(self, where: Path | Folder) -> None:
        folder = where if isinstance(where, Folder) else Folder.on_disk(where)
        self.folder = folder
        self.directory = folder.path("")
        """How messages name the profile (its directory, or what it was derived
        from)."""
        self._data: dict[str, Any] = {}
        self._validators: dict[str, jsonschema.protocols.Validator] = {}
        meta = self._read("profile.yaml")
        self._validate(meta, "profile.schema.json", folder.path("profile.yaml"))
        self.meta: Mapping[str, Any] = meta
        self.api: str = meta["api"]
        self.title: str = meta["title"]
        catalog_name = str(meta.get("catalog", "clauses.yaml"))
        catalog = self._read(catalog_name)
        self._validate(catalog, "catalog.schema.json", folder.path(catalog_name))
        self.clauses: tuple[Clause, ...] = tuple(
            Clause.read(c) for c in catalog["clauses"]
        )
        ids = [c.id for c in self.clauses]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ProfileError(f"{self.api}: duplicate clause ids {sorted(dupes)}")
        self.fixtures: tuple[Fixture, ...] = tuple(
            Fixture(
                name=f["name"],
                required=bool(f.get("required", False)),
                secret=bool(f.get("secret", False)),
                description=f.get("description", ""),
            )
            for f in meta["fixtures"]
        )
        self.openapi: Mapping[str, Any] = self._document(
            str(meta.get("openapi", "openapi.yaml"))
        )
        self.operations: dict[str, Operation] = parse_operations(self.openapi)
        # Whether the files agree with each other is the linter's business
        # (``errcontract._config.lint``), checked before every run.

    def _read(self, relative: str, *, json_only: bool = False) -> Any:
        """A file of the profile; any problem is one ``ProfileError`` line."""
        path = self.folder.path(relative)
        return self.folder.load(
            relative,
            json_only=json_only,
            fail=lambda problem: ProfileError(f"{path} {problem}"),
        )

    def _document(self, relative: str) -> Mapping[str, Any]:
        """The OpenAPI document, self-contained by the suite's one resolver: files
        beside it are copied in, nothing outside its folder is read (a derived
        profile's document is self-contained already)."""
        raw = self._read(relative)
        root = self.folder.root
        where = (
            Origin.of_file(root / relative)
            if root is not None
            else Origin(uri=LOCAL, name=str(self.folder.path(relative)))
        )
        try:
            document: Mapping[str, Any] = bundle(raw, where)
        except ConfigError as exc:
            raise ProfileError(str(exc)) from None
        return document

    @staticmethod
    def _validate(data: Any, schema_name: str, path: Path) -> None:
        validator = jsonschema.Draft202012Validator(meta_schema(schema_name))
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
        if errors:
            err = errors[0]
            where = "/".join(str(p) for p in err.absolute_path) or "(top)"
            raise ProfileError(f"{path}: at {where}: {err.message}")

    @property
    def error_body(self) -> Mapping[str, Any]:
        """Where the machine code, message and per-field errors sit in a body (each
        a member name; ``field_member`` may also be a status -> member table)."""
        eb: Mapping[str, Any] = self.meta.get("error_body", {})
        return eb

    @property
    def credential_placement(self) -> tuple[str, str | None, str]:
        """(header, query parameter or ``None``, template) of the credential."""
        query = self.meta.get("credential_query")
        if query:
            return "Authorization", str(query), "{token}"
        spec = str(self.meta.get("credential_header") or DEFAULT_CREDENTIAL)
        header, _, template = spec.partition(":")
        return header.strip(), None, template.strip()

    @property
    def secret_fixtures(self) -> frozenset[str]:
        """Names of fixtures whose values must never be shown."""
        return frozenset(f.name for f in self.fixtures if f.secret)

    @property
    def setup(self) -> list[Mapping[str, Any]]:
        """Discovery and creation steps run before probing."""
        steps: list[Mapping[str, Any]] = self.meta.get("setup", [])
        return steps

    @property
    def rate_limit(self) -> Mapping[str, Any] | None:
        """The documented rate limit, if the API documents one."""
        rl: Mapping[str, Any] | None = self.meta.get("rate_limit")
        return rl

    @property
    def tenant(self) -> Mapping[str, str] | None:
        """The tenant header and the fixture a valid request sends in it."""
        tenant: Mapping[str, str] | None = self.meta.get("tenant")
        return tenant

    def clause(self, clause_id: str) -> Clause:
        """The clause ``clause_id``."""
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise KeyError(clause_id)

    @cached_property
    def schema_registry(self) -> Registry[Any]:
        """Every JSON Schema of the profile (and the shared ones), for ``$ref``."""
        registry: Registry[Any] = Registry()
        for name in self.folder.glob("*.schema.json"):
            contents = self._read(name, json_only=True)
            if not isinstance(contents, dict):
                raise ProfileError(
                    f"{self.folder.path(name)} is not a JSON Schema (not an object)"
                )
            resource = Resource.from_contents(
                contents, default_specification=DRAFT202012
            )
            registry = registry.with_resource(contents.get("$id", name), resource)
            registry = registry.with_resource(name, resource)
        return registry

    def schema(self, reference: str) -> dict[str, Any]:
        """A schema by file name, optionally with a ``#/$defs/...`` pointer."""
        name, _, pointer = reference.partition("#")
        contents = self.schema_registry.contents(name)
        if pointer:
            return {"$ref": f"{contents.get('$id', name)}#{pointer}"}
        return {"$ref": contents.get("$id", name)}

    def has_schema_def(self, name: str, key: str) -> bool:
        """Whether schema file ``name`` has ``$defs/key``."""
        contents = self.schema_registry.contents(name)
        return key in contents.get("$defs", {})

    def validator(self, reference: str) -> jsonschema.protocols.Validator:
        """A 2020-12 validator for ``reference`` that resolves the profile's refs
        (built once: a check asks for it on every response)."""
        found = self._validators.get(reference)
        if found is None:
            found = self._validators[reference] = jsonschema.Draft202012Validator(
                self.schema(reference),
                registry=self.schema_registry,
                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
            )
        return found

    def data_path(self, relative: str) -> Path:
        """Where a data file the profile names lies; ``ProfileError`` if outside.

        A profile is somebody's files: it names its own data, or data shared by
        the folder of profiles it sits in (``../common/``), nothing else; checked
        lexically, as an installed link tree (an editable install) resolves each
        file elsewhere, and ``..`` is what must not climb out.
        """
        if not self.folder.within(relative, shared=schemas_root()):
            raise ProfileError(
                f"{relative!r} lies outside the folder of profile {self.directory}"
            )
        return self.folder.path(relative)

    def data_file(self, relative: str) -> Any:
        """A JSON data file named relative to the profile (read once)."""
        if relative not in self._data:
            self.data_path(relative)
            self._data[relative] = self._read(relative, json_only=True)
        return self._data[relative]


def load_profile(api: str, extra: tuple[Path, ...] = ()) -> Profile:
    """The profile named ``api``, shipped or in one of the ``extra`` directories."""
    directory = find_profiles(extra).get(api)
    if directory is None:
        raise ProfileError(unknown_api_message(api, "the profile loader", extra))
    return load_profile_at(directory)


@cache
def load_profile_at(directory: Path) -> Profile:
    """The profile in ``directory`` (cached: profiles are immutable files)."""
    return Profile(directory)


def derived_profile(label: str, files: Mapping[str, str]) -> Profile:
    """A profile from files held in memory (zero-config's derived profile)."""
    return Profile(Folder.in_memory(label, files))
