"""Whether a request's ``Accept`` admits JSON: the Cardda and CardClan reference
servers produce nothing else, so a request that admits no JSON type is one they can
only answer by disregarding ``Accept`` or with 406 (RFC 9110 section 12.5.1)."""

from __future__ import annotations

from collections.abc import Collection


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value.strip())
            except ValueError:
                return 0.0
    return 1.0


def admits(header: str | None, produced: Collection[str]) -> bool:
    """Whether ``Accept`` admits one of the ``produced`` media types (ranges and
    ``*/*`` count, ``q=0`` excludes; RFC 9110 section 12.5.1); no header, or an empty
    one, admits anything."""
    if header is None or not header.strip():
        return True
    for part in header.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if _quality(params) <= 0:
            continue
        media = media.lower()
        for kind in produced:
            if media in ("*/*", f"{kind.split('/')[0]}/*", kind):
                return True
    return False


def admits_json(header: str | None) -> bool:
    """Whether ``Accept`` admits ``application/json``."""
    return admits(header, ("application/json",))
