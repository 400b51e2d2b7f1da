"""``profile.yaml`` of a derived profile: fixtures, credential and setup.

What the suite needs to run that the catalog does not say: the fixtures a team
gives (credentials, ids nothing produces, a tenant header), where the credential
goes as the security scheme says, the preflight listing and the setup steps. Each
guess is a note, so the team can correct what the document left unclear.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from errcontract._contract.conventions import Convention
from errcontract._derive.facts import Facts


def _slug(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())
    slug = "-".join(words) or "api"
    return slug if slug[0].isalpha() else f"api-{slug}"


def profile_meta(
    convention: Convention,
    facts: Facts,
    scheme: tuple[str, Mapping[str, Any]] | None,
    notes: list[str],
    embedded: bool,
) -> dict[str, Any]:
    """``profile.yaml``'s members; its ``notes`` end with every note of the
    derivation, those this adds (fixtures to give, credential guesses) included."""
    document = facts.document
    title = str((document.get("info") or {}).get("title") or "API")
    meta: dict[str, Any] = {
        "api": _slug(title),
        "title": f"{title} ({convention.data['title']}, derived)",
        "openapi": "openapi.yaml",
        "catalog": "clauses.yaml",
    }
    if embedded and convention.reference_app:
        meta["reference_app"] = convention.reference_app
    meta["error_body"] = dict(convention.data["error_body"])
    for key in ("fields_field", "field_member"):
        value = getattr(facts.naming, key)
        if value:
            meta["error_body"][key] = value
    secured = scheme is not None
    meta["fixtures"] = [
        {
            "name": "api_key",
            "required": secured,
            "secret": True,
            "description": (
                f"the credential of security scheme {scheme[0]!r}"
                if scheme
                else "the document declares no security scheme"
            ),
        }
    ]
    produced = {step["var"] for step in facts.setup}
    needed = sorted(
        {v for op in facts.operations.values() for v in op.needed_vars()} | produced
    )
    for var in needed:
        # A value the team gives always wins over discovery; one nothing in the
        # document produces must be given, else the probes that need a real one
        # are not sent (and say so).
        why = facts.missing.get(var, "nothing in the document produces it")
        found = var in produced
        meta["fixtures"].append(
            {
                "name": var,
                "description": f"an existing {var} "
                + ("(discovered by setup unless given)" if found else f"({why})"),
            }
        )
        if not found:
            notes.append(
                f"{var}: {why}; probes that need one are not sent: give "
                f"--fixture {var}=…"
            )
    if secured:
        # Another account's key and a read-only one: the tenant and role clauses
        # run when they are given (and say which fixture they need when not).
        for name, what in (
            (
                "other_api_key",
                "the credential of another account (a second user or "
                "tenant) that must not reach this account's resources",
            ),
            ("read_only_api_key", "a credential whose role or scopes allow no write"),
        ):
            meta["fixtures"].append({"name": name, "secret": True, "description": what})
    meta["credential"] = "api_key"
    if scheme is not None:
        placement = _placement(scheme, notes)
        meta.update(placement)
    tenant = _tenant_header(facts, str(meta.get("credential_header", "")))
    if tenant is not None:
        fixture = re.sub(r"[^a-z0-9]+", "_", tenant.lower()).strip("_") or "tenant"
        if not fixture[0].isalpha():
            fixture = f"tenant_{fixture}"
        meta["tenant"] = {"header": tenant, "fixture": fixture}
        meta["fixtures"].append(
            {
                "name": fixture,
                "required": True,
                "description": f"the `{tenant}` header every secured operation "
                "requires (a tenant, account or company)",
            }
        )
    if facts.rate_limit is not None:
        meta["rate_limit"] = {"per_second": facts.rate_limit}
    listings = [o for o in facts.listings() if facts.secured(o) or not secured]
    if listings:
        meta["preflight"] = listings[0]
    if facts.setup:
        meta["setup"] = facts.setup
    meta["notes"] = [
        f"Derived from the OpenAPI document with the {convention.name} convention.",
        *notes,
    ]
    return meta


def _tenant_header(facts: Facts, credential_header: str) -> str | None:
    """A header parameter most secured operations require (not the credential's): a
    tenant or account header valid requests carry where it is declared."""
    secured = [facts.operations[o] for o in facts.operations if facts.secured(o)]
    credential = credential_header.partition(":")[0].strip().lower()
    skipped = {credential, "authorization", "content-type", "accept"}
    counts: dict[str, int] = {}
    names: dict[str, str] = {}
    for op in secured:
        for param in op.params("header"):
            lowered = param.name.lower()
            if param.required and lowered not in skipped:
                counts[lowered] = counts.get(lowered, 0) + 1
                names[lowered] = param.name
    if not counts:
        return None
    best = max(sorted(counts), key=lambda n: counts[n])
    tied = [n for n in counts if counts[n] == counts[best]]
    if len(tied) > 1 or 2 * counts[best] < len(secured):
        return None  # several, or a minority's: which is the tenant is the team's call
    return names[best]


def _placement(
    scheme: tuple[str, Mapping[str, Any]], notes: list[str]
) -> dict[str, str]:
    """Where the credential goes, as the security scheme says."""
    name, spec = scheme
    kind = spec.get("type")
    if kind == "apiKey":
        where, header = spec.get("in"), str(spec.get("name", ""))
        if where == "query":
            return {"credential_query": header}
        if where == "cookie":
            return {"credential_header": f"Cookie: {header}={{token}}"}
        return {"credential_header": f"{header}: {{token}}"}
    if kind == "http" and str(spec.get("scheme", "")).lower() == "basic":
        notes.append(f"{name}: HTTP Basic: give the api_key fixture as user:password")
        return {"credential_header": "Authorization: Basic {token_base64}"}
    if kind == "http" and str(spec.get("scheme", "")).lower() != "bearer":
        scheme_word = str(spec.get("scheme", "Bearer")).capitalize()
        return {"credential_header": f"Authorization: {scheme_word} {{token}}"}
    return {"credential_header": "Authorization: Bearer {token}"}
