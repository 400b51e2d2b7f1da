"""One resolver for every ``$ref`` of a document the suite reads.

A ``$ref`` is data the document's author wrote, and the suite follows only three
kinds: inside the document, to a file beside it inside its own folder, and to a host
the user allowed (the document's own host, when it came from a URL, or one named
with ``--allow-ref-host``), that last through the bounded fetch. Never ``file://``
elsewhere, never another host. Everything goes through a ``referencing`` registry
whose ``retrieve`` is this policy, not a library's default file and network handlers.

A document is *bundled* once, as it is read: every ``$ref`` that leaves it is
resolved here and its target copied under ``x-conformance-bundled``, the ``$ref``
rewritten to point there. What the rest of the suite (the OpenAPI validator,
Schemathesis, the surface) sees is self-contained: only ``#/...`` references.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from urllib.request import url2pathname

from referencing import Registry, Resource
from referencing.exceptions import (
    NoSuchAnchor,
    PointerToNowhere,
    Unresolvable,
)
from referencing.jsonschema import DRAFT202012

from errcontract._http.redact import shown_url
from errcontract._input.fetch import FetchPolicy, fetch, origin
from errcontract._input.loading import load_data, load_text
from errcontract.exceptions import ConfigError

BUNDLE = "x-conformance-bundled"
"""Where the targets of a document's outside references are copied."""
BUNDLE_FROM = "x-conformance-bundled-from"
"""Each bundled target's key -> the reference it was copied from (its file's name
and fragment, ``shape-a.schema.json#/$defs/401``): what a reader that asks which
file a schema came from (the ``document`` convention's shared error shape) reads."""
DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")
"""The files a document's relative references may name."""
MAX_RESOURCES = 256
"""Files and URLs one document may reach through its references."""
MAX_INLINE_DEPTH = 32
"""References followed within one another when a schema is inlined."""
LOCAL = "urn:conformance:document"
"""The base URI of a document held in memory (it reaches no file and no host)."""

_LITERALS = frozenset({"example", "default", "const", "enum", "value"})
"""Keys whose value is data, not more of the document: a ``$ref`` there is text."""
_NAME_MAPS = frozenset(
    {
        *("properties", "patternProperties", "$defs", "definitions", "schemas"),
        *("dependentSchemas", "responses", "parameters", "examples", "headers"),
        *("requestBodies", "securitySchemes", "links", "callbacks", "pathItems"),
        *("paths", "content", "encoding", "variables", "mapping", "webhooks"),
    }
)
"""Maps whose keys are names (a property called ``value`` is a schema)."""


class Refused(Exception):
    """A ``$ref`` the policy does not follow (the message says why)."""


@dataclass
class Origin:
    """Where a document came from, and so what its references may reach."""

    uri: str
    """Its base URI: a ``file:`` URI, the URL it was fetched from, or ``LOCAL``."""
    name: str
    """How messages name it (the user's path, or the URL with its query masked)."""
    folder: Path | None = None
    """The folder its relative references may reach (a local document's own)."""
    policy: FetchPolicy = field(default_factory=FetchPolicy)
    _cache: dict[str, Resource[Any]] = field(default_factory=dict, repr=False)

    @classmethod
    def of_file(cls, path: Path, policy: FetchPolicy | None = None) -> Origin:
        """A document read from ``path``."""
        resolved = path.expanduser().resolve()
        return cls(
            uri=resolved.as_uri(),
            name=str(path),
            folder=resolved.parent,
            policy=policy or FetchPolicy(),
        )

    @classmethod
    def of_url(cls, url: str, policy: FetchPolicy | None = None) -> Origin:
        """A document fetched from ``url``."""
        return cls(uri=url, name=shown_url(url), policy=policy or FetchPolicy())

    def retrieve(self, uri: str) -> Resource[Any]:
        """The resource at ``uri``, if the policy lets the document reach it (each
        one read once)."""
        if uri in self._cache:
            return self._cache[uri]
        if len(self._cache) >= MAX_RESOURCES:
            raise Refused(
                f"reaches more than {MAX_RESOURCES} files or URLs; the suite follows "
                "no more"
            )
        scheme = urlsplit(uri).scheme.lower()
        if scheme == "file":
            self._cache[uri] = _resource(self._file(uri))
        elif scheme in ("http", "https"):
            self._cache[uri] = _resource(self._remote(uri))
        else:
            raise Refused(
                f"uses {scheme or 'no'} scheme ({_short(uri)}); the suite follows "
                "$ref only inside the document, to files beside it, or to hosts "
                "you allow"
            )
        return self._cache[uri]

    def _file(self, uri: str) -> Any:
        if self.folder is None:
            raise Refused(
                f"names a local file ({_short(uri)}), and the document is not one: "
                "the suite reads no local file for a fetched document"
            )
        path = Path(url2pathname(urlsplit(uri).path)).resolve()
        if not path.is_relative_to(self.folder):
            raise Refused(
                f"names a file outside the document's folder ({_short(uri)}); the "
                f"suite reads only files inside {self.folder}"
            )
        relative = path.relative_to(self.folder)
        if any(part.startswith(".") for part in relative.parts) or (
            path.suffix.lower() not in DOCUMENT_SUFFIXES
        ):
            raise Refused(
                f"names {relative}, which is not a document file: the suite reads "
                f"only {', '.join(DOCUMENT_SUFFIXES)} files, and no hidden one"
            )
        if not path.is_file():
            raise Refused(f"names no file: {relative}")
        contents = load_data(
            path, limit=self.policy.max_bytes, fail=lambda p: Refused(f"{path} {p}")
        )
        if not isinstance(contents, Mapping | list):
            raise Refused(f"names {relative}, which holds no JSON or YAML document")
        return contents

    def _remote(self, uri: str) -> Any:
        host = origin(uri)[1]
        if origin(uri) == origin(self.uri) or host in self.policy.allowed_hosts:
            data = fetch(uri, policy=self.policy, what=f"$ref target {_short(uri)}")
            return load_text(data, name=_short(uri), fail=lambda p: Refused(p))
        own = self._by_id(uri)
        if own is not None:
            return own
        raise Refused(
            f"names another host ({host}); the suite fetches nothing from a host you "
            f"did not allow (--allow-ref-host {host})"
        )

    def _by_id(self, uri: str) -> Any:
        """A file beside the document whose ``$id`` is ``uri``: a schema named by
        its identifier, not by where it lies (a profile's schema files are)."""
        if self.folder is None:
            return None
        name = Path(urlsplit(uri).path).name
        candidate = self.folder / name
        if not name or not candidate.is_file():
            return None
        contents = load_data(
            candidate,
            limit=self.policy.max_bytes,
            fail=lambda p: Refused(f"{candidate} {p}"),
        )
        if isinstance(contents, Mapping) and contents.get("$id") == uri:
            return contents
        return None


def _resource(contents: Any) -> Resource[Any]:
    return Resource.from_contents(contents, default_specification=DRAFT202012)


def _short(uri: str) -> str:
    return shown_url(uri) if "://" in uri else uri


def _why(exc: Exception) -> str:
    """The policy's reason behind a ``referencing`` error, else its own."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, Refused | ConfigError):
            return str(cause)
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, PointerToNowhere | NoSuchAnchor):
        return "points at nothing in its target"
    return "cannot be resolved"


def _key(absolute: str, taken: Mapping[str, str]) -> str:
    """A readable, unique member name for a bundled target."""
    path, fragment = urldefrag(absolute)
    name = Path(urlsplit(path).path).name or urlsplit(path).netloc or "document"
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{name}-{unquote(fragment)}").strip("-")
    return f"{len(taken)}-{slug[:60]}"


def bundle(document: Any, where: Origin) -> Any:
    """``document`` self-contained: every outside reference resolved by the policy,
    its target copied under ``x-conformance-bundled``. Cycles stay references."""
    if not isinstance(document, Mapping):
        return document
    registry: list[Registry[Any]] = [
        Registry(retrieve=where.retrieve).with_resource(  # type: ignore[call-arg]
            where.uri, Resource.opaque(document)
        )
    ]
    keys: dict[str, str] = {}
    bundled: dict[str, Any] = {}
    came_from: dict[str, str] = {}

    def walk(node: Any, base: str, parent: str, at: str) -> Any:
        if isinstance(node, list):
            return [walk(v, base, "", f"{at}/{i}") for i, v in enumerate(node)]
        if not isinstance(node, Mapping):
            return node
        if isinstance(node.get("$id"), str) and parent not in _NAME_MAPS:
            # An embedded resource (OpenAPI 3.1 schemas may carry $id): references
            # inside it are relative to it.
            base = urldefrag(urljoin(base, node["$id"]))[0]
            registry[0] = registry[0].with_resource(base, _resource(node))
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$id" and isinstance(value, str) and parent not in _NAME_MAPS:
                # Every reference below is rewritten to the bundle's root, which an
                # identifier kept here would make relative to itself instead.
                continue
            if key == "$ref" and isinstance(value, str):
                out[key] = reference(value, base, at)
            elif key in _LITERALS and parent not in _NAME_MAPS:
                out[key] = value
            else:
                out[key] = walk(value, base, key, f"{at}/{_escape(key)}")
        return out

    def reference(ref: str, base: str, at: str) -> str:
        if base == where.uri and (ref == "#" or ref.startswith("#/")):
            return ref  # the document's own: left for the reader (and checked there)
        if urlsplit(ref).scheme.lower() == "file":
            raise ConfigError(
                f"{where.name} at {at or '(top)'}: $ref {_short(ref)!r} names a local "
                "file by an absolute file: URI; the suite follows only relative "
                "references to files beside the document"
            )
        absolute = urljoin(base, ref)
        key = keys.get(absolute)
        if key is None:
            key = keys[absolute] = _key(absolute, keys)
            try:
                resolved = registry[0].resolver(base).lookup(ref)
            except (Unresolvable, ValueError, TypeError) as exc:
                raise ConfigError(
                    f"{where.name} at {at or '(top)'}: $ref {ref!r} {_why(exc)}"
                ) from None
            target, fragment = urldefrag(absolute)
            came_from[key] = f"{Path(urlsplit(target).path).name}#{fragment}"
            bundled[key] = walk(resolved.contents, target, "", at)
        return f"#/{BUNDLE}/{_escape(key)}"

    out = walk(document, where.uri, "", "")
    if bundled:
        out[BUNDLE] = {**(out.get(BUNDLE) or {}), **bundled}
        out[BUNDLE_FROM] = {**(out.get(BUNDLE_FROM) or {}), **came_from}
    return out


def _escape(token: str) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


class Local:
    """A self-contained document's own ``#/...`` references, followed safely.

    Lookups go through ``referencing`` (JSON Pointer escapes, percent-encoding);
    ``inline`` expands references for the code that reads schemas as plain data,
    a recursive schema cut where it recurs (an open schema there, as Schemathesis
    and hypothesis-jsonschema stop generating at a depth) and a fan-out kept within
    a budget by sharing what was expanded once.
    """

    def __init__(self, document: Any) -> None:
        self.document = document
        registry: Registry[Any] = Registry().with_resource(
            LOCAL, Resource.opaque(document)
        )
        self._resolver = registry.resolver(LOCAL)
        self._inlined: dict[str, Any] = {}

    def target(self, ref: str) -> Any:
        """What the local reference ``ref`` points at; ``KeyError`` if nothing."""
        if not (ref == "#" or ref.startswith("#/")):
            raise KeyError(ref)
        try:
            return self._resolver.lookup(ref).contents
        except (Unresolvable, ValueError, TypeError):
            raise KeyError(ref) from None

    def deref(self, node: Any) -> Any:
        """The node a (chain of) local reference(s) points at; else the node."""
        seen: set[str] = set()
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                return node
            seen.add(ref)
            try:
                node = self.target(ref)
            except KeyError:
                return node
        return node

    def inline(self, node: Any) -> Any:
        """``node`` with its local references expanded (cycles cut open)."""
        return self._inline(node, ())

    def _inline(self, node: Any, stack: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [self._inline(v, stack) for v in node]
        if not isinstance(node, Mapping):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in stack or len(stack) >= MAX_INLINE_DEPTH:
                return {}  # recursion (or a chain too long): any value from here
            if ref in self._inlined:
                # Shared, not copied: a fan-out of references costs one expansion
                # each. (A cut made on one path is an open schema on another too,
                # which only makes the suite more lenient.)
                return self._inlined[ref]
            try:
                target = self.target(ref)
            except KeyError:
                return {k: v for k, v in node.items() if k != "$ref"}
            expanded = self._inline(target, (*stack, ref))
            self._inlined[ref] = expanded
            return expanded
        return {k: self._inline(v, stack) for k, v in node.items()}


def refs_in(node: Any) -> Iterator[str]:
    """Every ``$ref`` string under ``node``."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            ref = item.get("$ref")
            if isinstance(ref, str):
                yield ref
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def pointer_tokens(pointer: str) -> list[str]:
    """The reference tokens of a JSON Pointer (RFC 6901), ``#`` form or plain,
    percent- and ``~``-escapes undone: the one place a pointer is split."""
    text = unquote(pointer[1:]) if pointer.startswith("#") else pointer
    if not text:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in text.split("/")[1:]]


def pick(document: Any, pointer: str) -> Any:
    """The value at JSON Pointer ``pointer`` in ``document``, or ``None``."""
    node = document
    for token in pointer_tokens(pointer):
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        elif isinstance(node, Mapping) and token in node:
            node = node[token]
        else:
            return None
    return node
