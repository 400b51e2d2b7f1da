"""The clause catalog: a convention's templates filled in for one document.

A template may stand for no clause (its condition unmet, nothing to select), one,
or one per declared header; each instance names the operations it probes and says
in its text where the promise comes from. Why a template gave nothing goes to the
notes, so a team reading the derived profile knows what was left out.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from typing import Any

from errcontract._contract.conventions import Convention, available_conventions
from errcontract._contract.declared import error_contract
from errcontract._derive.facts import SELECTIONS, Facts
from errcontract.checks.answers import path_text
from errcontract.exceptions import ConfigError

_HTTP_AUTH = frozenset({"http", "oauth2", "openIdConnect"})
"""Schemes whose 401 carries ``WWW-Authenticate`` (RFC 9110 11.6.1, RFC 6750 3)."""


def _fill(value: Any, names: Mapping[str, str]) -> Any:
    """``$placeholders`` of a template filled, in every string of ``value``."""
    if isinstance(value, str):
        return string.Template(value).safe_substitute(names)
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


_TEMPLATE_ONLY = ("source", "select", "when", "each")


def _ops_text(ops: Sequence[str]) -> str:
    return ", ".join(ops)


def clauses(
    convention: Convention,
    facts: Facts,
    bodies: Sequence[str],
    scheme: tuple[str, Mapping[str, Any]] | None,
    notes: list[str],
) -> list[dict[str, Any]]:
    """The clauses ``convention``'s templates give for the document, in order."""
    fields = facts.naming.fields_field
    names = {
        **{k: str(v) for k, v in (convention.data.get("sources") or {}).items()},
        "naming": (
            f", naming the broken field where the body lists `{path_text(fields)}`"
            if fields and facts.naming.judged
            else ""
        ),
        "media_type": str(convention.data["media_type"]),
        "request_id_header": facts.request_id_header or "",
        "retry_header": "Retry-After",
        "schemes": scheme[0] if scheme else "none",
        "auth_scheme": _auth_scheme(scheme),
    }
    if convention.data.get("declared"):
        names.update(_declared(convention, facts))
    invalid = [
        s for s in ("400", "422") if any(facts.declares(o, s) for o in bodies)
    ] or ["400", "422"]
    names["invalid_statuses"] = " or ".join(invalid) + (
        " (as each operation declares)" if len(invalid) > 1 else ""
    )
    out: list[dict[str, Any]] = []
    for template in convention.data["clauses"]:
        out.extend(_instances(template, facts, bodies, names, invalid, scheme, notes))
    return out


def _instances(
    template: Mapping[str, Any],
    facts: Facts,
    bodies: Sequence[str],
    names: Mapping[str, str],
    invalid: Sequence[str],
    scheme: tuple[str, Mapping[str, Any]] | None,
    notes: list[str],
) -> list[dict[str, Any]]:
    """The clauses one template gives for the document (none, one or several)."""
    cid = str(template["id"])
    when = template.get("when")
    if when == "request_id" and not facts.request_id_header:
        notes.append(
            f"{cid}: left out: the document declares no request-id response header "
            "(name one with --request-id-header)"
        )
        return []
    if when == "http_auth" and not _http_auth(scheme):
        return []
    if when == "rate_limit" and facts.rate_limit is None:
        notes.append(f"{cid}: left out: give the documented --rate-limit N to burst")
        return []
    body = {k: v for k, v in template.items() if k not in _TEMPLATE_ONLY}
    if body.get("expect") == "$invalid_answers":
        naming: dict[str, Any] = (
            {"name_field": "if-listed"} if facts.naming.judged else {}
        )
        body["expect"] = [
            {"status": int(s), "declared": True, **naming} for s in invalid
        ]
    if template.get("each") == "declared_headers":
        return [
            _with_source(
                _fill(
                    {**body, "id": f"{cid}-{suffix}"},
                    {
                        **names,
                        "header": header,
                        "statuses": ", ".join(statuses),
                        "operations": _ops_text(ops),
                    },
                ),
                _fill(str(template["source"]), {"operations": _ops_text(ops)}),
                scope={"statuses": statuses, "operations": ops},
            )
            for suffix, header, statuses, ops in _declared_headers(facts, scheme)
        ]
    select = template.get("select")
    if select:
        ops = facts.selection(str(select), bodies)
        if not ops:
            notes.append(
                f"{cid}: left out: no operation of the document "
                f"{SELECTIONS[str(select)]}"
            )
            return []
        probes = dict(body.get("probes") or {})
        probes["operations"] = ops
        body["probes"] = probes
    return [_with_source(_fill(body, names), _fill(str(template["source"]), names))]


def _declared(convention: Convention, facts: Facts) -> dict[str, str]:
    """``$media_type`` and ``$error_schema`` from the document's own error
    responses, for a convention that judges by them (``declared: true``); a
    document that declares no error schema is a settings mistake, said in one
    sentence."""
    contract = error_contract(facts.document)
    if contract.shared is None or contract.media_type is None:
        others = [n for n in available_conventions() if n != convention.name]
        raise ConfigError(
            f"--convention {convention.name} judges errors by the schemas the "
            "document declares, and it declares none (no 4XX, 5XX or default "
            "response with a schema): name the convention its errors follow "
            f"instead ({', '.join(others)})"
        )
    return {"media_type": contract.media_type, "error_schema": contract.shared}


def _http_auth(scheme: tuple[str, Mapping[str, Any]] | None) -> bool:
    return scheme is not None and scheme[1].get("type") in _HTTP_AUTH


def _auth_scheme(scheme: tuple[str, Mapping[str, Any]] | None) -> str:
    """The HTTP auth-scheme a 401's challenge names: an ``http`` scheme's own (as
    the document writes it, a lower-case one capitalized: names are case-insensitive,
    RFC 9110 section 11.1), ``Bearer`` for OAuth 2 and OpenID Connect (RFC 6750,
    the scheme the derived credential is sent with); empty for an API key."""
    if not _http_auth(scheme):
        return ""
    assert scheme is not None
    if scheme[1].get("type") != "http":
        return "Bearer"
    name = str(scheme[1].get("scheme") or "Bearer")
    return name.capitalize() if name.islower() else name


def _with_source(
    clause: dict[str, Any], source: str, scope: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The clause with where it came from in its text, and a narrowed scope."""
    clause["text"] = f"{clause['text']} [{source}]"
    if scope is not None:
        narrowed = dict(clause.get("scope") or {"responses": "all"})
        narrowed["status"] = [int(s) for s in scope["statuses"]]
        narrowed["operations"] = list(scope["operations"])
        clause["scope"] = narrowed
    return clause


def _declared_headers(
    facts: Facts, scheme: tuple[str, Mapping[str, Any]] | None
) -> list[tuple[str, str, list[str], list[str]]]:
    """(id suffix, header, statuses, operations) per declared response header.

    Left to other clauses: the request id (PD-HDR-2), ``WWW-Authenticate`` under an
    HTTP scheme (PD-AUTH-3), ``Retry-After`` on 429 (PD-RATE-1, which provokes it),
    and ``Content-Type`` (OpenAPI ignores it as a header). A header the document
    marks ``required: false`` may be absent; a declared one is otherwise expected.
    """
    skipped = {"content-type"}
    if facts.request_id_header:
        skipped.add(facts.request_id_header.lower())
    if _http_auth(scheme):
        skipped.add("www-authenticate")
    where: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    per: dict[str, dict[str, list[str]]] = {}
    for op_id in facts.operations:
        for status in facts.responses(op_id):
            if not status.isdigit():
                continue  # "default", "4XX": no one status to scope to
            for name, spec in facts.headers(op_id, status).items():
                lowered = name.lower()
                if lowered in skipped or spec.get("required") is False:
                    continue
                if status == "429" and lowered == "retry-after":
                    continue
                per.setdefault(name, {}).setdefault(op_id, []).append(status)
    for name, by_op in per.items():
        for op_id, statuses in by_op.items():
            where.setdefault((name, tuple(sorted(statuses))), []).append(op_id)
    out = []
    used: dict[str, int] = {}
    for (name, codes), ops in sorted(where.items()):
        base = re.sub(r"[^A-Z0-9]", "", name.upper()) or "X"
        used[base] = used.get(base, 0) + 1
        suffix = base if used[base] == 1 else f"{base}{used[base]}"
        out.append((suffix, name, list(codes), ops))
    return out
