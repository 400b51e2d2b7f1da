"""What an operation's answer shows of the ids it carries.

A producer is only as good as the place it reads an id from: the member of a
create's body, the first item of a listing (bare or wrapped in ``data``), a
``Location`` header. This module reads those places from a document's response
declarations, following ``$ref`` inside the document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from errcontract._input.refs import Local


class Reader:
    """The parts of a document the producers are read from."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.local = Local(document)

    def responses(self, spec: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        raw = self.local.deref(spec.get("responses")) or {}
        return {
            str(status): self.local.deref(response) or {}
            for status, response in raw.items()
            if isinstance(raw, Mapping)
        }

    def success(self, spec: Mapping[str, Any]) -> Mapping[str, Any]:
        found = self.responses(spec)
        for status in ("201", "200", "202", "2XX"):
            if isinstance(found.get(status), Mapping):
                return found[status]
        return {}

    def body_schema(self, response: Mapping[str, Any]) -> Any:
        content = response.get("content") or {}
        for media_type, media in (
            content.items() if isinstance(content, Mapping) else ()
        ):
            if "json" in str(media_type).lower() and isinstance(media, Mapping):
                return self.local.deref(media.get("schema"))
        return None

    def members(self, schema: Any) -> list[str]:
        schema = self.local.deref(schema)
        if not isinstance(schema, Mapping):
            return []
        found = list((schema.get("properties") or {}).keys())
        for part in schema.get("allOf") or []:
            found += self.members(part)
        return found

    def item_pointer(self, schema: Any, wanted: Iterable[str]) -> str | None:
        """Where the first item's id sits in a listing (``/0/id``, ``/data/0/id``)."""
        schema = self.local.deref(schema)
        if not isinstance(schema, Mapping):
            return None
        prefix = ""
        if schema.get("type") != "array" and "items" not in schema:
            arrays = [
                name
                for name, sub in (schema.get("properties") or {}).items()
                if isinstance(self.local.deref(sub), Mapping)
                and self.local.deref(sub).get("type") == "array"
            ]
            if len(arrays) != 1:
                return None
            prefix = "/" + arrays[0].replace("~", "~0").replace("/", "~1")
            schema = self.local.deref(schema["properties"][arrays[0]])
        members = self.members(schema.get("items"))
        member = id_member(members, wanted)
        return None if member is None else f"{prefix}/0/{member}"

    def headers(self, response: Mapping[str, Any]) -> list[str]:
        raw = response.get("headers") or {}
        return [str(name) for name in raw] if isinstance(raw, Mapping) else []


def id_member(members: list[str], wanted: Iterable[str]) -> str | None:
    for candidate in (*wanted, "id"):
        if candidate in members:
            return candidate
    lowered = {m.lower(): m for m in members}
    for candidate in wanted:
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    return None
