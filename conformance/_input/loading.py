"""Reading files the suite does not trust: bounded in size, depth and aliases.

A profile, an overrides file, a convention or somebody's OpenAPI document can be
broken or hostile: not UTF-8, a YAML alias bomb ("billion laughs", 549 bytes that
expand to gigabytes), 100,000 levels of nesting, a 300 MB file. Every reader of the
suite goes through here, so each of those ends in one ``ConfigError`` line naming the
file (exit 2) before anything else reads the data, and every later walk over it can
recurse safely: the depth is known to be small.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from errcontract.exceptions import ConfigError

MAX_DOCUMENT_BYTES = 20 << 20
"""Default size cap of one document or file (``--max-document-bytes``)."""
MAX_DEPTH = 128
"""Nesting levels a document may have; real OpenAPI documents stay under 40."""
MAX_ALIAS_NODES = 1_000_000
"""Nodes YAML aliases may add beyond the document's own (a budget, not a ban: a
document that reuses a block with ``*anchor`` is fine, a bomb is not)."""

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Fail = Callable[[str], Exception]


def _default_fail(name: str) -> Fail:
    return lambda problem: ConfigError(f"{name}: {problem}")


def read_bytes(path: Path, *, limit: int = MAX_DOCUMENT_BYTES, fail: Fail) -> bytes:
    """At most ``limit`` bytes of ``path``; a larger or unreadable file fails."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise fail(f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise fail(f"is larger than {_size(limit)}; the suite reads no larger file")
    return data


def _size(limit: int) -> str:
    return f"{limit / (1 << 20):g} MB" if limit >= 1 << 20 else f"{limit} bytes"


def decode(data: bytes, *, fail: Fail) -> str:
    """``data`` as UTF-8 text (a byte-order mark dropped)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def parse_json(text: str, *, fail: Fail) -> Any:
    """Strict JSON, at most ``MAX_DEPTH`` levels deep."""
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise fail(_too_deep()) from None
    except ValueError as exc:
        where = ""
        if isinstance(exc, json.JSONDecodeError):
            where = f" at line {exc.lineno}, column {exc.colno}"
            exc_text = exc.msg
        else:
            exc_text = str(exc)
        raise fail(f"is not valid JSON{where}: {exc_text}") from None
    check_depth(value, fail=fail)
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _too_deep() -> str:
    return f"nests deeper than {MAX_DEPTH} levels; the suite reads no deeper document"


def parse_yaml(text: str, *, fail: Fail) -> Any:
    """YAML (JSON included) with the safe loader, aliases budgeted, depth capped.

    The node graph is measured before any Python object is built: aliases share
    nodes, so an alias bomb is small as a graph and refused by its expanded size.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node, fail)
        value = loader.construct_document(node)
        check_depth(value, fail=fail)
        return value
    except ConfigError:
        raise
    except RecursionError:
        raise fail(_too_deep()) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise fail(f"is not valid YAML{at}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise fail(f"is not valid YAML: {str(exc).splitlines()[0]}") from None
    except (ValueError, TypeError, OverflowError) as exc:
        # The constructor's own failures on odd scalars (a timestamp out of range).
        raise fail(f"is not valid YAML: {exc}") from None
    finally:
        loader.dispose()


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_nodes(root: yaml.Node, fail: Fail) -> None:
    """Refuse a node graph that is too deep, recursive, or expands too far."""
    expanded: dict[int, int] = {}
    depth: dict[int, int] = {}
    unique = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            kids = _children(node)
            on_path.discard(key)
            expanded[key] = 1 + sum(expanded[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if depth[key] > MAX_DEPTH:
                raise fail(_too_deep())
            if expanded[key] > unique + MAX_ALIAS_NODES:
                raise fail(
                    "expands its YAML aliases to more than "
                    f"{MAX_ALIAS_NODES:,} extra nodes (an alias bomb); the suite "
                    "refuses it"
                )
            continue
        if key in expanded:
            continue
        if key in on_path:
            raise fail("holds a recursive YAML alias (an anchor used inside itself)")
        if len(on_path) > MAX_DEPTH:
            raise fail(_too_deep())
        unique += 1
        on_path.add(key)
        stack.append((node, True))
        stack.extend((kid, False) for kid in _children(node) if id(kid) not in expanded)


def check_depth(value: Any, *, fail: Fail) -> None:
    """Refuse data nested deeper than ``MAX_DEPTH`` (iteratively: no recursion), or
    holding a number that is not finite (YAML's ``.nan`` and ``.inf``, JSON's
    ``1e400``): a rate of ``.nan`` passes every ``minimum`` of a schema."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if level > MAX_DEPTH:
            raise fail(_too_deep())
        if isinstance(node, dict):
            stack.extend((v, level + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, level + 1) for v in node)
        elif isinstance(node, float) and not math.isfinite(node):
            raise fail(f"holds the number {node!r}, which is not finite")


def parse(text: str, *, fail: Fail, json_only: bool = False) -> Any:
    """JSON when it looks like JSON (fast, exact), else YAML."""
    if json_only:
        return parse_json(text, fail=fail)
    if text.lstrip()[:1] in ("{", "["):
        try:
            value = json.loads(text, parse_constant=_no_constant)
        except RecursionError:
            raise fail(_too_deep()) from None
        except ValueError:
            pass  # YAML's flow style looks the same: let the YAML reader say why
        else:
            check_depth(value, fail=fail)
            return value
    return parse_yaml(text, fail=fail)


def load_data(
    path: Path,
    *,
    fail: Fail | None = None,
    limit: int = MAX_DOCUMENT_BYTES,
    json_only: bool = False,
) -> Any:
    """A YAML or JSON file, read within every bound above.

    ``fail`` turns a problem into the error to raise (it says which file, and where
    its name came from); by default a ``ConfigError`` naming the path.
    """
    fail = fail or _default_fail(str(path))
    text = decode(read_bytes(path, limit=limit, fail=fail), fail=fail)
    return parse(text, fail=fail, json_only=json_only)


def load_text(
    text: str | bytes, *, name: str, fail: Fail | None = None, json_only: bool = False
) -> Any:
    """Like ``load_data`` for data already in memory (a fetched document)."""
    fail = fail or _default_fail(name)
    if isinstance(text, bytes):
        text = decode(text, fail=fail)
    return parse(text, fail=fail, json_only=json_only)
