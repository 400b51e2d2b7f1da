"""The parsers an option row declares: raw text (and where it came from) in, the typed
value out, or a ``ConfigError`` whose one sentence names the option, the value, its
source (flag, variable or ini key) and the near miss.

Every parser has the ``Parser`` shape (``row.Parser``); the factories (``number``,
``choice``) make one. Imports stay light: the pytest plugin loads this module into
every session, so the exceptions (httpx, Hypothesis) and the baseline are imported
only when a parser needs them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from errcontract._config.row import Option, Parser, Value
from errcontract._http.redact import shown_url
from errcontract._near import near_miss

if TYPE_CHECKING:
    from errcontract._contract.baseline import Baseline
    from errcontract.exceptions import ConfigError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _error(message: str) -> ConfigError:
    from errcontract.exceptions import ConfigError

    return ConfigError(message)


def parse_bool(raw: str, source: str, name: str) -> bool:
    """A yes/no value from the environment or an ini file."""
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _error(f"{name} must be true or false, got {raw!r} (from {source})")


def parse_number(
    raw: str | None,
    name: str,
    default: float,
    source: str,
    *,
    minimum: float = 0.0,
    integer: bool = False,
    allow_zero: bool = False,
) -> float:
    """A number setting: finite, not negative (nor zero unless allowed), whole
    where it must be; ``nan``, ``inf`` and ``-1`` are one-sentence errors."""
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise _error(f"{name} must be a number, got {raw!r} (from {source})") from None
    if not math.isfinite(value) or value < minimum or (value == 0 and not allow_zero):
        raise _error(f"{name} must be a positive number, got {raw!r} (from {source})")
    if integer and value != int(value):
        raise _error(f"{name} must be a whole number, got {raw!r} (from {source})")
    return value


def text(raw: Value, source: str, option: Option) -> str | None:
    """The text as given (``None`` when unset and without a default)."""
    return raw if isinstance(raw, str) else None


def flag(raw: Value, source: str, option: Option) -> bool:
    """A yes/no switch (``collect`` has read the variable's or ini's words)."""
    return bool(raw)


def items(raw: Value, source: str, option: Option) -> tuple[str, ...]:
    """A repeatable option's values, in the order given."""
    return raw if isinstance(raw, tuple) else ()


def number(
    *, whole: bool = False, zero: bool = False, optional: bool = False
) -> Parser:
    """A positive number (an ``int`` when ``whole``; zero too when ``zero``); unset,
    the row's default, or ``None`` when ``optional``."""

    def parse(raw: Value, source: str, option: Option) -> float | None:
        given = text(raw, source, option)
        if optional and not given:
            return None
        default = float(option.default) if option.default is not None else 0.0
        value = parse_number(
            given, option.name, default, source, integer=whole, allow_zero=zero
        )
        return int(value) if whole else value

    return parse


def rate(raw: Value, source: str, option: Option) -> float | None:
    """A number per second, or ``None`` (unset, ``none``, ``off``: no pacing)."""
    given = text(raw, source, option)
    if given and given.lower() not in {"none", "off"}:
        return float(number()(given, source, option))
    return None


def choice(*names: str) -> Parser:
    """One of ``names`` (empty: the row's default), or the near miss."""
    either = " or ".join(
        filter(None, [", ".join(repr(n) for n in names[:-1]), repr(names[-1])])
    )

    def parse(raw: Value, source: str, option: Option) -> str:
        value = text(raw, source, option) or option.default
        if value not in names:
            hint = near_miss(value, names)
            raise _error(
                f"{option.name} must be {either}, got {value!r}{hint} (from {source})"
            )
        return value

    return parse


def path(raw: Value, source: str, option: Option) -> Path | None:
    """A file or directory path (not checked here: what it must be is the user's)."""
    given = text(raw, source, option)
    return Path(given) if given else None


def check_base_url(url: str, source: str, *, what: str = "base URL") -> str:
    """An absolute http(s) URL with a host, without a query or fragment."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:
        parts, hostname = urlsplit(""), None
    shown = shown_url(url)
    if parts.scheme not in {"http", "https"} or not hostname:
        raise _error(
            f"{what} must be an absolute http(s) URL with a host, got {shown!r} "
            f"(from {source})"
        )
    if parts.query or parts.fragment:
        raise _error(
            f"{what} must not carry a query or fragment, got {shown!r} (from {source})"
        )
    if parts.username or parts.password:
        raise _error(
            f"{what} must not carry credentials; give them as fixtures (from {source})"
        )
    return url.rstrip("/")


def base_url(raw: Value, source: str, option: Option) -> str | None:
    """The deployment's API root without its trailing slash; ``None``: embedded."""
    given = text(raw, source, option)
    return None if given is None else check_base_url(given, source)


def proxy_url(raw: Value, source: str, option: Option) -> str | None:
    """An http(s) or socks5 proxy URL."""
    proxy = text(raw, source, option)
    if proxy is not None:
        parts = urlsplit(proxy)
        if parts.scheme not in {"http", "https", "socks5"} or not parts.netloc:
            raise _error(
                f"{option.name} must be a proxy URL (http://proxy.example:3128), got "
                f"{shown_url(proxy)!r} (from {source})"
            )
    return proxy


def hosts(raw: Value, source: str, option: Option) -> frozenset[str]:
    """Host names, lower-cased, a port dropped (``api.example.com:443``)."""
    found = []
    for given in items(raw, source, option):
        host = given.strip().lower()
        if not host or "/" in host or "@" in host or " " in host:
            raise _error(
                f"{option.name} takes a host name (api.example.com), got {given!r} "
                f"(from {source})"
            )
        found.append(host.rpartition(":")[0] if host.count(":") == 1 else host)
    return frozenset(found)


def operation_paths(raw: Value, source: str, option: Option) -> dict[str, str]:
    """``OPERATION=/path`` pairs (whether the operation exists is the profile's)."""
    paths: dict[str, str] = {}
    for pair in items(raw, source, option):
        op, eq, where = pair.partition("=")
        if not eq or not where.startswith("/"):
            raise _error(
                f"{option.name} takes OPERATION=/path, got {pair!r} (from {source})"
            )
        paths[op.strip()] = where
    return paths


def profile_dirs(raw: Value, source: str, option: Option) -> tuple[Path, ...]:
    """Directories, each one holding a profile or folders of them."""
    dirs = []
    for given in items(raw, source, option):
        found = Path(given).expanduser()
        if not found.is_dir():
            raise _error(f"profile directory {given!r} does not exist (from {source})")
        if not (found / "profile.yaml").is_file() and not any(
            found.glob("*/profile.yaml")
        ):
            raise _error(
                f"profile directory {given!r} holds no profile.yaml, nor folders "
                f"with one (from {source})"
            )
        dirs.append(found.resolve())
    return tuple(dirs)


def fail_on(raw: Value, source: str, option: Option) -> frozenset[str]:
    """The clause kinds that gate the exit status."""
    from errcontract._contract.baseline import parse_fail_on

    return parse_fail_on(text(raw, source, option), source)


def baseline(raw: Value, source: str, option: Option) -> Baseline | None:
    """The file of known violations, read and checked."""
    from errcontract._contract.baseline import load_baseline

    given = text(raw, source, option)
    return load_baseline(Path(given), source) if given else None
