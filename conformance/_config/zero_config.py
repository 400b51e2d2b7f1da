"""Zero-config: the one entry from an OpenAPI document and a convention to a profile.

``conformance run --openapi … --convention …``, ``conformance init`` and the
Schemathesis hooks all come here. The document is read by the suite's bounded reader
and one resolver (``document.read_document``), the convention's templates give the
clauses (``derive``), and the result is linted before anything uses it; a mistake in
what the user gave is named by what they gave (the overrides file, the document),
never by a temporary copy.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from errcontract._config.options import Options
from errcontract._contract import conventions, document
from errcontract._contract.profile import Profile
from errcontract._derive import derive
from errcontract._derive.overrides import read_overrides
from errcontract._http.redact import shown_url
from errcontract._input.fetch import FetchPolicy
from errcontract._input.folder import Folder
from errcontract._input.refs import LOCAL, Origin
from errcontract.exceptions import ConfigError, ProfileError

ZERO_ONLY = (
    "openapi",
    "request_id_header",
    "overrides",
    "allow_ref_host",
    "fetch_proxy",
)
"""Options that mean nothing without ``--convention``."""


def fetch_policy(options: Options) -> FetchPolicy:
    """How documents and allowed ``$ref`` are fetched: within ``--timeout`` in all,
    ``--max-document-bytes``, the hosts of ``--allow-ref-host``, ``--fetch-proxy``."""
    # Keyword order is parse order: of two bad values, the first is named.
    return FetchPolicy(
        allowed_hosts=options.value("allow_ref_host"),
        proxy=options.value("fetch_proxy"),
        deadline_s=options.value("timeout"),
        max_bytes=options.value("max_document_bytes"),
    )


def from_options(
    options: Options, rate: float | None, *, embedded_allowed: bool = True
) -> derive.Derived | None:
    """The profile ``--openapi`` and ``--convention`` give, checked; ``None`` when no
    convention is given (a profile is chosen with ``--api`` instead)."""
    name = options.text("convention")
    document_at = options.text("openapi")
    if not name:
        given = [o for o in ZERO_ONLY if options.given(o)]
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
        if base_url is not None or not embedded_allowed:
            raise ConfigError(
                f"--convention {name} against a deployment needs the API's OpenAPI "
                "document: give --openapi FILE_OR_URL"
            )
        if convention.reference_app is None:
            raise ConfigError(f"convention {name} ships no reference server")
        app = importlib.import_module(convention.reference_app)
        document_at, source = str(app.OPENAPI), f"{convention.reference_app}.OPENAPI"
    else:
        source = options.source("openapi")
        if base_url is None and embedded_allowed:
            raise ConfigError(
                f"--openapi {shown_url(document_at)} checks a deployment: give its "
                f"--base-url (--convention {name} alone runs its embedded reference "
                "server)"
            )
    overrides_at = options.text("overrides")
    derived = derive.derive(
        convention,
        document.read_document(document_at, source, fetch_policy(options)),
        request_id_header=options.text("request_id_header"),
        rate_limit=rate,
        overrides=(
            read_overrides(overrides_at, options.source("overrides"))
            if overrides_at
            else {}
        ),
        overrides_source=f"the overrides file {overrides_at}",
        embedded=base_url is None and embedded_allowed,
    )
    named = (
        f"the overrides file {overrides_at}"
        if overrides_at
        else f"the profile derived from {shown_url(document_at)}"
    )
    return checked(derived, named)


def checked(derived: derive.Derived, given: str) -> derive.Derived:
    """``derived``, linted as any profile is, and loaded, all in memory; a problem
    names ``given`` (what the user gave: the overrides file or the document)."""
    from errcontract._config.lint import check_profile

    folder = Folder.in_memory(given, derived.files)
    problems = check_profile(folder)
    if problems:
        first = problems[0]
        raise ProfileError(f"{given}: {first.where}: {first.message}")
    derived.profile = Profile(folder)
    return derived


def for_hooks(
    name: str,
    raw: Mapping[str, Any],
    *,
    request_id_header: str | None,
    source: str,
) -> Profile:
    """The profile a Schemathesis run's document and ``convention`` give (the hooks
    hold the document Schemathesis loaded; it reaches no file and no host)."""
    convention = conventions.load_convention(name, source)
    where = Origin(uri=LOCAL, name="the document Schemathesis loaded")
    derived = derive.derive(
        convention,
        document.checked(dict(raw), where, source),
        request_id_header=request_id_header,
        overrides_source=source,
    )
    result = checked(derived, f"{source}: the profile derived from the document")
    assert result.profile is not None
    return result.profile
