"""A profile derived from an OpenAPI document and an error convention: zero-config.

Most teams have an OpenAPI document and errors that follow a known convention (RFC
9457 problem details above all), not a clause catalog. A convention
(``conformance/conventions.py``) holds clause templates; this module reads the
document's facts (security schemes, request bodies, item paths, declared statuses and
headers; ``conformance/document.py`` reads the document) and writes the profile
directory those templates give: the catalog, ``profile.yaml``, the document with the
suite's ``x-conformance-*`` hints added, and the convention's schemas. ``conformance
run --openapi ... --convention ...`` loads it from a temporary directory;
``conformance init`` writes it for the team to take over. The derived profile is then
an ordinary one: linted, run and reported as any other.
"""

from __future__ import annotations

import copy
import json
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from errcontract import error_shapes, resources
from errcontract.conventions import Convention
from errcontract.document import (
    NoExample,
    deref,
    example_of,
    keeps,
    with_unique,
)
from errcontract.exceptions import ConfigError
from errcontract.loading import load_data
from errcontract.near import near_miss
from errcontract.profile import Profile, meta_schema
from errcontract.refs import Local
from errcontract.surface import json_media, parse_operations

REQUEST_ID = re.compile(r"^(x-)?(request|correlation|trace)[-_]?id$", re.IGNORECASE)
"""Response headers taken for a request id when the document declares one."""

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_HTTP_AUTH = frozenset({"http", "oauth2", "openIdConnect"})
"""Schemes whose 401 carries ``WWW-Authenticate`` (RFC 9110 11.6.1, RFC 6750 3)."""


@dataclass
class Derived:
    """A derived profile: its files, and what was left out and why."""

    api: str
    files: dict[str, str]
    clauses: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    profile: Profile | None = None
    """The profile, once linted and loaded (in memory: nothing is written)."""


def _slug(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())
    slug = "-".join(words) or "api"
    return slug if slug[0].isalpha() else f"api-{slug}"


class _Facts:
    """What the templates need to know of a document and of the run."""

    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        request_id_header: str | None,
        rate_limit: float | None,
    ) -> None:
        self.document = document
        self.operations = parse_operations(document)
        self.specs: dict[str, dict[str, Any]] = {}
        for path, item in (document.get("paths") or {}).items():
            item = deref(document, item)
            for method in ("get", "post", "put", "patch", "delete"):
                if isinstance(item.get(method), Mapping):
                    spec = item[method]
                    op_id = spec.get("operationId") or f"{method.upper()} {path}"
                    self.specs[op_id] = spec
        self.schemes = deref(
            document, (document.get("components") or {}).get("securitySchemes") or {}
        )
        self.rate_limit = rate_limit
        self.setup: list[dict[str, Any]] = []
        self.missing: dict[str, str] = {}
        self.naming = error_shapes.Naming(None, None, judged=True)
        self.request_id_header = request_id_header or self._declared_request_id()

    def security(self, op_id: str) -> list[Mapping[str, Any]]:
        spec = self.specs[op_id]
        req = spec.get("security", self.document.get("security", []))
        return list(req or [])

    def secured(self, op_id: str) -> bool:
        requirements = self.security(op_id)
        # An empty requirement ({}) makes the credential optional: not secured.
        return bool(requirements) and all(requirements)

    def scheme(self) -> tuple[str, Mapping[str, Any]] | None:
        """The security scheme most secured operations name first."""
        counts: dict[str, int] = {}
        for op_id in self.operations:
            if self.secured(op_id):
                first = next(iter(self.security(op_id)[0]), None)
                if first is not None and first in self.schemes:
                    counts[first] = counts.get(first, 0) + 1
        if not counts:
            return None
        name = max(sorted(counts), key=lambda n: counts[n])
        return name, deref(self.document, self.schemes[name])

    def responses(self, op_id: str) -> dict[str, Mapping[str, Any]]:
        raw = self.specs[op_id].get("responses") or {}
        return {str(s): deref(self.document, r) for s, r in raw.items()}

    def headers(self, op_id: str, status: str) -> dict[str, Mapping[str, Any]]:
        response = self.responses(op_id).get(status) or {}
        raw = response.get("headers") or {}
        return {str(n): deref(self.document, h) for n, h in raw.items()}

    def _declared_request_id(self) -> str | None:
        counts: dict[str, int] = {}
        for op_id in self.operations:
            for status in self.responses(op_id):
                for name in self.headers(op_id, status):
                    if REQUEST_ID.match(name):
                        counts[name] = counts.get(name, 0) + 1
        return max(sorted(counts), key=lambda n: counts[n]) if counts else None

    def declares(self, op_id: str, status: str) -> bool:
        return status in self.operations[op_id].statuses

    def selection(self, name: str, bodies: Sequence[str]) -> list[str]:
        ops = self.operations
        if name == "secured":
            return [o for o in ops if self.secured(o)]
        if name == "json_bodies":
            return list(bodies)
        if name == "required_queries":
            return [o for o in ops if any(p.required for p in ops[o].params("query"))]
        if name == "constrained_queries":
            return [
                o
                for o in ops
                if any(_constrained(p.schema) for p in ops[o].params("query"))
            ]
        if name == "declares_415":
            return [o for o in bodies if self.declares(o, "415")]
        if name == "declares_409":
            return [
                o for o in bodies if ops[o].method == "POST" and self.declares(o, "409")
            ]
        if name == "items":
            return [
                o
                for o in ops
                if ops[o].params("path") and ops[o].method in ("GET", "DELETE")
            ]
        if name == "rate_limited":
            if self.rate_limit is None:
                return []
            plain = [o for o in self.listings() if self.declares(o, "429")]
            return plain[:1]
        if name == "owned_items":
            return [
                o
                for o in ops
                if self.secured(o)
                and ops[o].params("path")
                and ops[o].path.endswith("}")
            ]
        if name == "secured_writes":
            return [o for o in ops if self.secured(o) and ops[o].method in _WRITES]
        if name == "robustness":
            queried = [o for o in self.listings() if ops[o].params("query")]
            return _ordered([*bodies, *self.selection("items", bodies), *queried])
        raise ValueError(f"unknown selection {name!r}")

    def listings(self) -> list[str]:
        """GET operations a valid request needs nothing discovered for."""
        return [
            o
            for o, op in self.operations.items()
            if op.method == "GET"
            and not op.params("path")
            and not any(p.required for p in op.params("query"))
        ]


_CONSTRAINTS = frozenset(
    {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum", "const"}
    | {"pattern", "minLength", "maxLength", "format", "multipleOf"}
)


def _constrained(schema: Mapping[str, Any]) -> bool:
    """Whether a parameter's schema refuses some string a query can carry."""
    kind = schema.get("type")
    return bool(_CONSTRAINTS & set(schema)) or (kind not in (None, "string"))


def _ordered(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


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


SELECTIONS: Mapping[str, str] = {
    "secured": "is secured by a security scheme",
    "json_bodies": "takes a JSON object body the suite can build",
    "required_queries": "has a required query parameter",
    "constrained_queries": "has a query parameter whose schema refuses some value",
    "declares_415": "takes a JSON body and declares 415",
    "declares_409": "creates (POST, JSON body) and declares 409",
    "items": "reads or deletes one item by id (GET or DELETE with a path parameter)",
    "rate_limited": "is a listing GET that declares 429",
    "owned_items": "acts on one secured resource by id (its path ends in one)",
    "secured_writes": "is a secured write (POST, PUT, PATCH or DELETE)",
    "robustness": "takes a body, an id or a query",
}
"""What each template ``select`` picks, as the notes say it."""


def _ops_text(ops: Sequence[str]) -> str:
    return ", ".join(ops)


def derive(
    convention: Convention,
    document: Mapping[str, Any],
    *,
    request_id_header: str | None = None,
    rate_limit: float | None = None,
    overrides: Mapping[str, Any] | None = None,
    overrides_source: str = "--overrides",
    embedded: bool = False,
) -> Derived:
    """The profile ``convention``'s templates give for ``document`` (self-contained,
    as ``document.read_document`` gives it: the derived profile needs no other file
    of the document's)."""
    document = copy.deepcopy(dict(document))
    facts = _Facts(document, request_id_header=request_id_header, rate_limit=rate_limit)
    notes: list[str] = []
    bodies = _add_hints(facts, notes)
    scheme = facts.scheme()
    facts.naming = error_shapes.naming(
        document, [facts.specs[o] for o in bodies], convention.data["error_body"]
    )
    if facts.naming.note:
        notes.append(f"validation answers: {facts.naming.note}")
    fields = facts.naming.fields_field
    names = {
        **{k: str(v) for k, v in (convention.data.get("sources") or {}).items()},
        "naming": (
            f", naming the broken field where the body lists `{fields}`"
            if fields and facts.naming.judged
            else ""
        ),
        "media_type": str(convention.data["media_type"]),
        "request_id_header": facts.request_id_header or "",
        "retry_header": "Retry-After",
        "schemes": scheme[0] if scheme else "none",
    }
    invalid = [
        s for s in ("400", "422") if any(facts.declares(o, s) for o in bodies)
    ] or ["400", "422"]
    names["invalid_statuses"] = " or ".join(invalid) + (
        " (as each operation declares)" if len(invalid) > 1 else ""
    )
    clauses: list[dict[str, Any]] = []
    for template in convention.data["clauses"]:
        clauses.extend(
            _instances(template, facts, bodies, names, invalid, scheme, notes)
        )
    clauses = _overridden(clauses, overrides or {}, overrides_source)
    meta = _profile_meta(convention, facts, scheme, notes, embedded)
    title = str((document.get("info") or {}).get("title") or "API")
    api = str(meta["api"])
    catalog = {"api": api, "clauses": clauses}
    header = (
        f"# {title}: clauses derived from the OpenAPI document and the "
        f"{convention.name} convention\n# ({convention.data.get('reference', '')}).\n"
        "# Written by conformance; edit freely: it is an ordinary profile now.\n"
    )
    files: dict[str, str] = {}
    for name, relative in (convention.data.get("files") or {}).items():
        source = (convention.directory / relative).resolve()
        files[name] = source.read_text(encoding="utf-8")
    files["profile.yaml"] = header + _yaml(meta)
    files["clauses.yaml"] = header + _yaml(catalog)
    files["openapi.yaml"] = _document_text(document)
    return Derived(api=api, files=files, clauses=clauses, notes=notes)


_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
LARGE_DOCUMENT = 1 << 20
"""Past this size the derived document is written as JSON (which is YAML): a
20 MB document takes minutes through a YAML emitter, a second as JSON."""


def _yaml(data: Any) -> str:
    text: str = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=88
    )
    return text


def _document_text(document: Any) -> str:
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return text + "\n" if len(text) > LARGE_DOCUMENT else _yaml(document)


def _instances(
    template: Mapping[str, Any],
    facts: _Facts,
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


def _http_auth(scheme: tuple[str, Mapping[str, Any]] | None) -> bool:
    return scheme is not None and scheme[1].get("type") in _HTTP_AUTH


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
    facts: _Facts, scheme: tuple[str, Mapping[str, Any]] | None
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


def _add_hints(facts: _Facts, notes: list[str]) -> list[str]:
    """Add the suite's ``x-conformance-*`` hints and body examples to the document;
    the operations whose JSON body can be probed."""
    document = facts.document
    bodies = []
    for op_id, op in facts.operations.items():
        spec = facts.specs[op_id]
        if op.method in _WRITES:
            spec.setdefault("x-conformance-writes", True)
        media = _json_media(document, spec)
        if media is None:
            continue
        schema = deref(document, media.get("schema"))
        if not isinstance(schema, Mapping) or not (
            schema.get("type") == "object" or "properties" in schema
        ):
            continue
        resolved = op.body_schema or {}
        if media.get("example") is None:
            try:
                example = example_of(resolved, document)
            except NoExample:
                notes.append(
                    f"{op_id}: no valid body could be made from its schema: give its "
                    "request body an `example` to probe it"
                )
                continue
            if not keeps(resolved, example):
                notes.append(
                    f"{op_id}: the body made from its schema does not keep it: give "
                    "its request body an `example` to probe it"
                )
                continue
            media["example"] = with_unique(example, resolved)
        bodies.append(op_id)
    facts.operations = parse_operations(document)
    graph = resources.discover(document, facts.operations)
    _add_variables(facts, graph)
    facts.setup = graph.steps
    facts.missing = graph.missing
    _add_cleanup(facts, graph)
    facts.operations = parse_operations(document)
    return bodies


def _json_media(document: Mapping[str, Any], spec: Mapping[str, Any]) -> Any:
    body = deref(document, spec.get("requestBody"))
    if not isinstance(body, Mapping):
        return None
    return json_media(body.get("content") or {}) or None


def _add_variables(facts: _Facts, graph: resources.Graph) -> None:
    """Name each path parameter's variable (``x-conformance-var``), so valid requests
    and fixtures use it: the parameter's name, or one per collection where the name
    means different things (``orgs_id`` for ``{id}`` of ``/orgs/{id}``)."""
    local = Local(facts.document)
    for path, item in (facts.document.get("paths") or {}).items():
        item = local.deref(item)
        if not isinstance(item, Mapping):
            continue
        lists = [item.get("parameters") or []] + [
            (item.get(m) or {}).get("parameters") or []
            for m in ("get", "post", "put", "patch", "delete")
        ]
        for params in lists:
            for index, param in enumerate(params):
                target = local.deref(param)
                if not isinstance(target, dict) or target.get("in") != "path":
                    continue
                var = graph.variables.get((path, str(target.get("name"))))
                if var is None or target.get("x-conformance-var") == var:
                    continue
                if target is not param and var != target.get("name"):
                    # A shared component: give this path its own copy to name.
                    target = params[index] = copy.deepcopy(target)
                target.setdefault("x-conformance-var", var)


def _add_cleanup(facts: _Facts, graph: resources.Graph) -> None:
    """A create whose item path has a DELETE deletes what it made."""
    deletes = {
        graph.variables.get((op.path, op.params("path")[-1].name)): op
        for op in facts.operations.values()
        if op.method == "DELETE" and op.params("path") and op.path.endswith("}")
    }
    for producers in graph.producers.values():
        for producer in producers:
            if producer.kind != "create":
                continue
            var = next((v for v, ps in graph.producers.items() if producer in ps), None)
            delete = deletes.get(var)
            if delete is None:
                continue
            facts.specs[producer.operation].setdefault(
                "x-conformance-cleanup",
                {"operation": delete.id, "var": var, "pick": producer.pick},
            )


def _profile_meta(
    convention: Convention,
    facts: _Facts,
    scheme: tuple[str, Mapping[str, Any]] | None,
    notes: list[str],
    embedded: bool,
) -> dict[str, Any]:
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


def _tenant_header(facts: _Facts, credential_header: str) -> str | None:
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


def _overridden(
    clauses: list[dict[str, Any]], overrides: Mapping[Any, Any], source: str
) -> list[dict[str, Any]]:
    """The clauses with an overrides file applied: ``skip`` ids dropped, ``clauses``
    members merged over the derived ones (each result checked as a catalog entry)."""
    if any(isinstance(k, bool) for k in overrides):
        raise ConfigError(
            f"{source}: a key reads as a boolean (YAML takes off, no, on, yes for "
            "true or false): write `skip:` for the clause ids to drop"
        )
    unknown_keys = sorted(str(k) for k in set(overrides) - {"skip", "clauses"})
    if unknown_keys:
        raise ConfigError(
            f"{source}: unknown key {unknown_keys[0]!r}; an overrides file has `skip` "
            "(clause ids to drop) and `clauses` (id -> members to replace)"
        )
    ids = [str(c["id"]) for c in clauses]
    skip = overrides.get("skip") or []
    changes = overrides.get("clauses") or {}
    if not isinstance(skip, list) or not isinstance(changes, Mapping):
        raise ConfigError(
            f"{source}: `skip` must be a list of clause ids and `clauses` a mapping"
        )
    for cid in [*skip, *changes]:
        if cid not in ids:
            hint = near_miss(str(cid), ids)
            raise ConfigError(
                f"{source}: no derived clause {cid!r}{hint}; derived: {', '.join(ids)}"
            )
    entry = meta_schema("catalog.schema.json")["properties"]["clauses"]["items"]
    out = []
    for clause in clauses:
        if clause["id"] in skip:
            continue
        change = changes.get(clause["id"])
        if change is not None:
            if not isinstance(change, Mapping) or "id" in change:
                raise ConfigError(
                    f"{source}: clauses/{clause['id']} must be a mapping of members "
                    "to replace (not the id)"
                )
            clause = {**clause, **change}
            errors = list(jsonschema.Draft202012Validator(entry).iter_errors(clause))
            if errors:
                where = "/".join(str(p) for p in errors[0].absolute_path) or "(top)"
                raise ConfigError(
                    f"{source}: clauses/{clause['id']} at {where}: {errors[0].message}"
                )
        out.append(clause)
    return out


def write(derived: Derived, directory: Path) -> None:
    """Write the profile's files into ``directory`` (created if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in derived.files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text, encoding="utf-8")


def read_overrides(where: str, source: str) -> Mapping[str, Any]:
    """The overrides file, parsed, or a ``ConfigError`` naming it."""
    path = Path(where).expanduser()
    data = load_data(
        path,
        fail=lambda problem: ConfigError(
            f"the overrides file {path} (from {source}) {problem}"
        ),
    )
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"the overrides file {path} (from {source}) is not a mapping")
    return data
