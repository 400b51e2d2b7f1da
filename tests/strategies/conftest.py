"""Contexts and an independent oracle for the probe strategies' round-trip tests.

The oracle restates the rules (what a valid request is, what counts as a write, what
"not JSON" means) without using the strategies' code, so a wrong strategy fails here.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker

from errcontract._contract.surface import ProbeContext, parse_operations
from errcontract._http.probe import VALID_KINDS, Credential, Probe

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
"""Methods that change state (RFC 9110 section 9.2.1: not safe)."""

ROOT = Path(__file__).resolve().parents[2]
SECRETS = frozenset({"api_key", "unverified_api_key", "limited_api_key"})
HEX24 = "^[0-9a-f]{24}$"
BOM = b"\xef\xbb\xbf"

CARDDA_VALUES = {
    "company_id": str(uuid.UUID(int=0x1C0)),
    "bank_id": 3,
    "sender_id": "acc_1",
    "recipient_id": str(uuid.UUID(int=0x2EC)),
    "transaction_id": str(uuid.UUID(int=0x7A)),
    "foreign_company_id": str(uuid.UUID(int=0xF0)),
}

_SEND_CARD = {
    "type": "object",
    "required": ["card", "integrationId", "mergeTags"],
    "properties": {
        "card": {"type": "string", "pattern": HEX24},
        "integrationId": {"type": "string"},
        "mergeTags": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "email"],
                "properties": {
                    "name": {"type": "string"},
                    "email": {"type": "string"},
                },
            },
        },
        "emailAccount": {"type": "string"},
    },
}
_SEND_CARD_EXAMPLE = {
    "card": "${card_id}",
    "integrationId": "${integration_id}",
    "mergeTags": [{"name": "Ada", "email": "ada@example.com"}],
}
_SINK = {
    "type": "object",
    "required": ["color", "qty", "flag"],
    "properties": {
        "color": {"type": "string", "enum": ["red", "green"]},
        "version": {"const": 2},
        "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "nick": {"type": "string", "minLength": 2, "maxLength": 5},
        "qty": {"type": "integer", "minimum": 1, "maximum": 10},
        "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "tags": {
            "type": "array",
            "minItems": 1,
            "maxItems": 3,
            "items": {"type": "string"},
        },
        "meta": {"type": "object", "minProperties": 1, "maxProperties": 2},
        "flag": {"type": "boolean"},
        "note": {"type": ["string", "null"]},
        "anything": {},
    },
}
_SINK_EXAMPLE = {
    "color": "red",
    "version": 2,
    "code": "ABC",
    "nick": "ann",
    "qty": 3,
    "ratio": 0.5,
    "tags": ["a"],
    "meta": {"k": "v"},
    "flag": True,
    "note": None,
    "anything": 1,
}


def _body(schema: dict[str, Any], example: Any) -> dict[str, Any]:
    return {
        "required": True,
        "content": {"application/json": {"schema": schema, "example": example}},
    }


def _query(name: str, var: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": True,
        "schema": schema,
        "x-conformance-var": var,
    }


SYNTHETIC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "CardClan-like shapes", "version": "1"},
    "paths": {
        "/integration/cards": {
            "post": {
                "operationId": "listCards",
                "parameters": [
                    _query("workspace", "workspace_id", {"type": "string"}),
                    {"name": "page", "in": "query", "schema": {"type": "integer"}},
                ],
            }
        },
        "/integration/config/by-card": {
            "get": {
                "operationId": "getConfigByCard",
                "parameters": [
                    _query("cardId", "card_id", {"type": "string", "pattern": HEX24})
                ],
            }
        },
        "/integration/send-card": {
            "post": {
                "operationId": "sendCard",
                "x-conformance-writes": True,
                "requestBody": _body(_SEND_CARD, _SEND_CARD_EXAMPLE),
            }
        },
        "/integration/get-card-url": {
            "post": {
                "operationId": "getCardUrl",
                "requestBody": _body(_SEND_CARD, _SEND_CARD_EXAMPLE),
            }
        },
        "/things/{thingId}": {
            "get": {
                "operationId": "getThing",
                "parameters": [
                    {
                        "name": "thingId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": HEX24},
                        "x-conformance-var": "thing_id",
                    }
                ],
            }
        },
        "/orders/{orderId}/lines/{line}": {
            "get": {
                "operationId": "getOrderLine",
                "parameters": [
                    {
                        "name": "orderId",
                        "in": "path",
                        "schema": {"type": "integer", "minimum": 1},
                        "x-conformance-var": "order_id",
                    },
                    {
                        "name": "line",
                        "in": "path",
                        "schema": {"type": "string"},
                        "x-conformance-var": "line_id",
                    },
                ],
            }
        },
        "/kitchen-sink": {
            "post": {
                "operationId": "kitchenSink",
                "x-conformance-writes": True,
                "requestBody": _body(_SINK, _SINK_EXAMPLE),
            }
        },
    },
}
SYNTHETIC_VALUES = {
    "workspace_id": "60f7b2b5b8f4a20015a4f5a3",
    "card_id": "60f7b2b5b8f4a20015a4f5a4",
    "integration_id": "60f7b2b5b8f4a20015a4f5a5",
    "foreign_card_id": "60f7b2b5b8f4a20015a4f5a6",
    "thing_id": "60f7b2b5b8f4a20015a4f5a7",
    "order_id": 42,
    "line_id": "line-1",
}


@pytest.fixture(scope="session")
def cardda() -> ProbeContext:
    """The Cardda profile's operations with a full set of run values."""
    document = yaml.safe_load((ROOT / "schemas/cardda/openapi.yaml").read_text())
    return ProbeContext(
        operations=parse_operations(document),
        credential="api_key",
        values=CARDDA_VALUES,
        tenant_header="company-id",
        tenant_fixture="company_id",
        secret_fixtures=SECRETS,
    )


@pytest.fixture(scope="session")
def synthetic() -> ProbeContext:
    """CardClan-like shapes: no tenant, query ids, body ids, keyword-rich bodies."""
    return ProbeContext(
        operations=parse_operations(SYNTHETIC),
        credential="api_key",
        values=SYNTHETIC_VALUES,
        secret_fixtures=frozenset({"api_key"}),
    )


_DISCOVERED = re.compile(r"\$\{(?!unique_digits\})[a-z_]+\}")
"""An example value that is exactly one discovered value (``${bank_id}``)."""
_LEGAL_VALUE = re.compile(r"(?:[\x21-\x7e]+(?:[ \t]+[\x21-\x7e]+)*)?")


_DEEP_RUN = re.compile(rb'(?:\[){100,}|(?:\{"a":){100,}')
KEEP_LEVELS = 8
"""Levels of a deep value the oracle reads (the families validate as many)."""


def _deep(raw: bytes) -> tuple[int, int, int, bool] | None:
    """(start, end, levels, objects) of the first value nested 100 or more levels:
    a run of openings, a scalar, and as many closings (a parent's opening or closing
    next to it is left out)."""
    found = _DEEP_RUN.search(raw)
    if found is None:
        return None
    objects = found.group(0).startswith(b"{")
    opening, closing = (b'{"a":', b"}") if objects else (b"[", b"]")
    width = len(opening)
    inner_at = found.end()
    close_at = raw.index(closing, inner_at)
    closings = len(raw[close_at:]) - len(raw[close_at:].lstrip(closing))
    levels = min(len(found.group(0)) // width, closings)
    start = inner_at - levels * width
    return start, close_at + levels, levels, objects


def deep_run(raw: bytes) -> tuple[int, bool] | None:
    """(levels, objects) of the first value nested 100 or more levels in ``raw``."""
    found = _deep(raw)
    return None if found is None else (found[2], found[3])


def cut_deep(raw: bytes) -> bytes:
    """``raw`` with a value nested 100 or more levels cut at ``KEEP_LEVELS``:
    reading it whole would recurse past Python's limit."""
    found = _deep(raw)
    if found is None:
        return raw
    start, end, levels, objects = found
    opening, closing = (b'{"a":', b"}") if objects else (b"[", b"]")
    inner = raw[start + levels * len(opening) : end - levels]
    kept = opening * KEEP_LEVELS + inner + closing * KEEP_LEVELS
    return raw[:start] + kept + raw[end:]


class Oracle:
    """The rules, restated independently of the strategies."""

    @staticmethod
    def deep_run(raw: bytes) -> tuple[int, bool] | None:
        """(levels, objects) of the first value nested 100 or more levels deep."""
        return deep_run(raw)

    def strict_json(self, raw: bytes) -> Any:
        """Parse ``raw`` as RFC 8259 JSON: UTF-8, no BOM, no NaN; raises otherwise.
        A value nested 100 levels or more is read cut (``cut_deep``)."""

        def refuse(name: str) -> Any:
            raise ValueError(f"not JSON: {name}")

        return json.loads(cut_deep(raw).decode("utf-8"), parse_constant=refuse)

    def body_ok(self, ctx: ProbeContext, probe: Probe) -> bool:
        """Whether the body is what the operation takes: none, or a valid object."""
        schema = ctx.operation(probe.operation).body_schema
        if schema is None:
            return probe.body is None
        if probe.body is None:
            return False
        try:
            value = self.strict_json(probe.body)
        except (ValueError, RecursionError):
            return False
        return isinstance(value, dict) and Draft202012Validator(schema).is_valid(value)

    def differences(self, ctx: ProbeContext, probe: Probe) -> set[str]:
        """Which parts of ``probe`` break the rules a valid request keeps."""
        valid = ctx.valid_probe(probe.operation)
        found = set()
        if probe.credential != valid.credential:
            found.add("credential")
        tenant = ctx.tenant_header or "company-id"
        if probe.header(tenant) != valid.header(tenant):
            found.add("tenant")
        others = {(k.lower(), v) for k, v in probe.headers if k.lower() != tenant}
        if others != {(k.lower(), v) for k, v in valid.headers if k.lower() != tenant}:
            found.add("headers")
        if (probe.method, probe.path) != (valid.method, valid.path):
            found.add("path")
        if sorted(probe.query) != sorted(valid.query):
            found.add("query")
        if not self.body_ok(ctx, probe):
            found.add("body")
        return found

    def unique_fields(self, ctx: ProbeContext, op_id: str) -> set[str]:
        """Body fields that take the fresh ``unique`` number."""
        a, b = ctx.valid_body(op_id, 1) or {}, ctx.valid_body(op_id, 2) or {}
        return {k for k in a if a.get(k) != b.get(k)}

    def same_body_but(self, ctx: ProbeContext, probe: Probe, field: str) -> bool:
        """Whether every body field but ``field`` is the valid example's."""
        assert probe.body is not None
        body, valid = json.loads(probe.body), ctx.valid_body(probe.operation, 0)
        free = self.unique_fields(ctx, probe.operation) | {field}
        return all(body.get(k) == v for k, v in valid.items() if k not in free) and {
            k for k in body if k not in free
        } <= set(valid)

    def literal_fields(self, ctx: ProbeContext, op_id: str) -> set[str]:
        """Body fields that are plain data (a name, an amount), not a discovered
        value: any valid value of theirs still makes a real request."""
        example = ctx.operation(op_id).body_example or {}
        schema = ctx.operation(op_id).body_schema or {}
        properties = schema.get("properties") or {}
        return {
            k
            for k, v in example.items()
            if not (isinstance(v, str) and _DISCOVERED.fullmatch(v))
            and "x-conformance-var" not in properties.get(k, {})
        }

    def expected_writes(self, ctx: ProbeContext, probe: Probe) -> bool:
        """The writes rule: valid body, real resources and a key or none, on a write.

        A router probe (its operation ``"<METHOD> <path>"``, no operation of the
        document) writes when its method would, were it served after all; an unknown
        route, HEAD and OPTIONS never do."""
        if probe.operation not in ctx.operations:
            assert probe.defect_kind in ("method", "route", "head", "options"), probe
            return probe.defect_kind == "method" and probe.method in WRITE_METHODS
        op = ctx.operation(probe.operation)
        known = {str(v) for v in ctx.values.values()}
        valid = ctx.valid_probe(probe.operation)
        real_path = all(
            a == b or a in known
            for a, b in zip(probe.path.split("/"), valid.path.split("/"), strict=True)
        )
        query, valid_query = dict(probe.query), dict(valid.query)
        real_query = set(query) >= set(valid_query) and all(
            query[k] == v or query[k] in known for k, v in valid_query.items()
        )
        real_body = True
        if probe.body is not None and self.body_ok(ctx, probe):
            body = self.strict_json(probe.body)
            example = ctx.valid_body(probe.operation, 0)
            free = self.unique_fields(ctx, probe.operation)
            free |= self.literal_fields(ctx, probe.operation)
            real_body = all(
                body.get(k) == v or str(body.get(k)) in known
                for k, v in example.items()
                if k not in free
            )
        tenant = probe.header(ctx.tenant_header) if ctx.tenant_header else None
        real_tenant = tenant is None or tenant in known
        keyed = probe.credential.absent or probe.credential.fixture is not None
        return (
            op.writes
            and self.body_ok(ctx, probe)
            and real_path
            and real_query
            and real_body
            and real_tenant
            and keyed
        )

    def rendered_credential(self, credential: Credential) -> str | None:
        """The credential header value, with ``<secret>`` for a fixture's key."""
        if credential.absent:
            return None
        token = "<secret>" if credential.fixture else (credential.literal or "")
        return credential.template.replace("{token}", token)

    def check_common(self, ctx: ProbeContext, scenario: tuple[Probe, ...]) -> None:
        """What holds for every probe: no secret, legal headers, small, writes rule."""
        assert isinstance(scenario, tuple)
        assert scenario
        assert all(isinstance(p, Probe) for p in scenario)
        assert [p.role for p in scenario] == sorted(
            (p.role for p in scenario), key=lambda r: r != "setup"
        ), "setup probes come first"
        for probe in scenario:
            credential = probe.credential
            assert credential.literal not in ctx.secret_fixtures
            assert credential.fixture is None or credential.fixture in (
                ctx.secret_fixtures
            )
            assert not (credential.fixture and credential.literal is not None)
            values = [v for _, v in probe.headers]
            rendered = self.rendered_credential(credential)
            blank_token = (
                credential.literal is not None and not credential.literal.strip()
            )
            for value in [*values, *([rendered] if rendered is not None else [])]:
                assert all(c == "\t" or " " <= c <= "~" for c in value), value
                if not (value == rendered and blank_token):
                    assert _LEGAL_VALUE.fullmatch(value), (
                        f"illegal on the wire: {value!r}"
                    )
            # 10,000 levels of nesting are two bytes a level.
            deep = probe.defect.startswith("deeper-nesting:")
            assert len(probe.body or b"") < (24 if deep else 16) * 1024
            assert (
                probe.defect == ""
                or probe.defective
                or probe.role == "setup"
                or ("not required" in probe.defect)
                or probe.defect_kind in VALID_KINDS  # HEAD, OPTIONS: no defect
            )
            assert probe.writes == self.expected_writes(ctx, probe), probe

    def path_values_fit(self, ctx: ProbeContext, probe: Probe) -> dict[str, str]:
        """The path parameter values of ``probe``, each checked against its schema."""
        op = ctx.operation(probe.operation)
        pattern = re.escape(op.path)
        for param in op.params("path"):
            pattern = pattern.replace(
                re.escape("{" + param.name + "}"), f"(?P<{param.name}>[^/]+)"
            )
        match = re.fullmatch(pattern, probe.path)
        assert match, probe.path
        found = match.groupdict()
        for param in op.params("path"):
            value: Any = found[param.name]
            if param.schema.get("type") == "integer":
                value = int(value)
            checker = Draft202012Validator(param.schema, format_checker=FormatChecker())
            assert checker.is_valid(value), (param.name, value)
        return found


@pytest.fixture(scope="session")
def oracle() -> Oracle:
    """The independent oracle."""
    return Oracle()
