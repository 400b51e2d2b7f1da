"""Zero-config: what a convention and an OpenAPI document derive, and every way a
zero-config command can be wrong (exit 2, one sentence, the near miss)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from errcontract._contract import conventions
from errcontract._contract.surface import UNIQUE_DIGITS, parse_operations
from errcontract._derive import derive
from errcontract.exceptions import ConfigError

if TYPE_CHECKING:
    from conftest import CliRun

RFC9457 = conventions.load_convention("rfc9457")

BASE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Shop API", "version": "1"},
    "security": [{"key": []}],
    "components": {
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}
    },
    "paths": {
        "/orders": {
            "get": {
                "operationId": "listOrders",
                "responses": {
                    "200": {
                        "description": "orders",
                        "headers": {
                            "X-Request-Id": {"schema": {"type": "string"}},
                            "X-Total": {"schema": {"type": "integer"}},
                            "X-Maybe": {
                                "required": False,
                                "schema": {"type": "string"},
                            },
                        },
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "items": {
                                            "type": "array",
                                            "items": {
                                                "type": "object",
                                                "properties": {
                                                    "orderId": {"type": "string"}
                                                },
                                            },
                                        }
                                    },
                                }
                            }
                        },
                    },
                    "429": {
                        "description": "slow down",
                        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                    },
                },
            },
            "post": {
                "operationId": "createOrder",
                "requestBody": {
                    "content": {
                        "application/json; charset=utf-8": {
                            "schema": {
                                "type": "object",
                                "required": ["sku", "qty", "email", "kind"],
                                "properties": {
                                    "sku": {
                                        "type": "string",
                                        "minLength": 3,
                                        "maxLength": 40,
                                    },
                                    "qty": {
                                        "type": "integer",
                                        "minimum": 2,
                                        "maximum": 9,
                                    },
                                    "email": {"type": "string", "format": "email"},
                                    "kind": {"enum": ["a", "b"]},
                                    "note": {"type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {
                    "201": {"description": "made"},
                    "409": {"description": "dup"},
                    "415": {"description": "media"},
                    "422": {"description": "invalid"},
                },
            },
        },
        "/orders/{orderId}": {
            "parameters": [
                {
                    "name": "orderId",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                }
            ],
            "get": {
                "operationId": "getOrder",
                "responses": {
                    "200": {"description": "one"},
                    "404": {"description": "no"},
                },
            },
            "delete": {
                "operationId": "deleteOrder",
                "responses": {"204": {"description": "gone"}},
            },
        },
        "/health": {
            "get": {
                "operationId": "health",
                "security": [],
                "responses": {"200": {"description": "ok"}},
            }
        },
    },
}


def derived(document: dict[str, Any] | None = None, **kw: Any) -> derive.Derived:
    return derive.derive(RFC9457, copy.deepcopy(document or BASE), **kw)


def by_id(result: derive.Derived) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in result.clauses}


def meta(result: derive.Derived) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(result.files["profile.yaml"])
    return data


def test_clauses_follow_the_document() -> None:
    clauses = by_id(derived())
    assert clauses["PD-AUTH-1"]["probes"]["operations"] == [
        "listOrders",
        "createOrder",
        "getOrder",
        "deleteOrder",
    ], "the unsecured health check is not probed for a 401"
    assert clauses["PD-REQ-2"]["probes"]["operations"] == ["createOrder"]
    assert clauses["PD-CONFLICT-1"]["probes"]["operations"] == ["createOrder"]
    assert clauses["PD-RES-1"]["probes"]["operations"] == ["getOrder", "deleteOrder"]
    # Only 422 is declared for the body: the documented 4xx, not "400 or 422".
    assert clauses["PD-VAL-1"]["expect"] == [
        {"status": 422, "declared": True, "name_field": "if-listed"}
    ]
    assert clauses["PD-HDR-2"]["with"]["header"] == "X-Request-Id"
    assert "PD-AUTH-3" not in clauses, "an apiKey scheme sends no WWW-Authenticate"
    assert "PD-AUTH-6" not in clauses, "nor names a scheme in one"
    assert "PD-RATE-1" not in clauses, "no --rate-limit given"
    for clause in clauses.values():
        assert clause["text"].endswith("]"), "each clause says where it came from"


def test_declared_headers_each_get_a_clause_scoped_where_declared() -> None:
    clauses = by_id(derived())
    total = clauses["PD-HEADER-XTOTAL"]
    assert total["scope"] == {
        "responses": "all",
        "status": [200],
        "operations": ["listOrders"],
    }
    names = {c["with"].get("header") for c in clauses.values() if "with" in c}
    assert "X-Maybe" not in names, "a header marked required: false may be absent"
    assert not any(i.startswith("PD-HEADER-RETRYAFTER") for i in clauses), (
        "Retry-After on 429 is the rate clauses' business"
    )


def test_rate_limit_adds_the_burst_clauses() -> None:
    clauses = by_id(derived(rate_limit=5.0))
    assert clauses["PD-RATE-1"]["probes"] == {
        "scenario": "burst",
        "operations": ["listOrders"],
    }
    assert meta(derived(rate_limit=5.0))["rate_limit"] == {"per_second": 5.0}


def test_hints_make_the_document_probeable() -> None:
    result = derived()
    document = yaml.safe_load(result.files["openapi.yaml"])
    ops = parse_operations(document)
    create = ops["createOrder"]
    assert create.writes
    assert ops["deleteOrder"].writes
    assert not ops["getOrder"].writes
    example = create.body_example
    assert example is not None
    assert UNIQUE_DIGITS in example["sku"], "a free-text field keeps creates apart"
    filled = {**example, "sku": example["sku"].replace("${unique_digits}", "0" * 12)}
    assert Draft202012Validator(create.body_schema).is_valid(filled), filled
    assert create.cleanup == {
        "operation": "deleteOrder",
        "var": "orderId",
        "pick": "/id",
    }
    assert meta(result)["setup"] == [
        {
            "var": "orderId",
            "operation": "listOrders",
            "pick": "/items/0/orderId",
            # an empty listing, or a read-only run: the create gives one instead
            "or": [{"operation": "createOrder", "pick": "/id"}],
        }
    ]
    assert ops["getOrder"].needed_vars() == {"orderId"}


@pytest.mark.parametrize(
    ("scheme", "placement"),
    [
        (
            {"type": "apiKey", "in": "header", "name": "X-Key"},
            {"credential_header": "X-Key: {token}"},
        ),
        ({"type": "apiKey", "in": "query", "name": "key"}, {"credential_query": "key"}),
        (
            {"type": "apiKey", "in": "cookie", "name": "sid"},
            {"credential_header": "Cookie: sid={token}"},
        ),
        (
            {"type": "http", "scheme": "bearer"},
            {"credential_header": "Authorization: Bearer {token}"},
        ),
        (
            {"type": "http", "scheme": "basic"},
            {"credential_header": "Authorization: Basic {token_base64}"},
        ),
        (
            {"type": "oauth2", "flows": {}},
            {"credential_header": "Authorization: Bearer {token}"},
        ),
    ],
)
def test_the_credential_goes_where_the_scheme_says(
    scheme: dict[str, Any], placement: dict[str, str]
) -> None:
    document = copy.deepcopy(BASE)
    document["components"]["securitySchemes"]["key"] = scheme
    data = meta(derived(document))
    assert {k: data[k] for k in placement} == placement
    http = scheme["type"] in ("http", "oauth2")
    clauses = by_id(derived(document))
    assert ("PD-AUTH-3" in clauses) is http
    # The challenge's scheme: the http scheme's own, Bearer for OAuth 2 tokens; an
    # API key has no HTTP scheme to name (no PD-AUTH-6).
    assert ("PD-AUTH-6" in clauses) is http
    if http:
        wanted = "Basic" if scheme.get("scheme") == "basic" else "Bearer"
        assert clauses["PD-AUTH-6"]["with"] == {"scheme": wanted, "absent_ok": True}
        assert f"`{wanted}` challenge" in clauses["PD-AUTH-6"]["text"]


def test_the_written_profile_lints_clean(tmp_path: Path) -> None:
    from errcontract._config.lint import check_profile

    derive.write(derived(rate_limit=3.0), tmp_path)
    assert (tmp_path / "problem.schema.json").is_file()
    assert check_profile(tmp_path) == ()


def test_overrides_switch_off_and_change_clauses() -> None:
    result = derived(
        overrides={
            "skip": ["PD-HDR-3"],
            "clauses": {"PD-VAL-1": {"expect": [{"status": 400}]}},
        }
    )
    clauses = by_id(result)
    assert "PD-HDR-2" in clauses
    assert "PD-HDR-3" not in clauses
    assert clauses["PD-VAL-1"]["expect"] == [{"status": 400}]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"of": ["PD-HDR-3"]}, "unknown key 'of'"),
        ({"skip": ["PD-HDR-9"]}, "no derived clause 'PD-HDR-9' (did you mean"),
        ({False: ["PD-HDR-3"]}, "write `skip:`"),
        ({"clauses": {"PD-VAL-1": {"kind": "maybe"}}}, "clauses/PD-VAL-1 at kind"),
        ({"clauses": {"PD-VAL-1": {"id": "PD-VAL-9"}}}, "not the id"),
    ],
)
def test_bad_overrides_are_one_sentence(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=r"overrides\.yaml") as caught:
        derived(overrides=overrides, overrides_source="overrides.yaml")
    assert message in str(caught.value)


@pytest.fixture
def document_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(yaml.safe_dump(BASE), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--openapi", "{doc}"), "add --convention NAME"),
        (("--convention", "rfc9547"), "did you mean 'rfc9457'"),
        (
            ("--convention", "rfc9457", "--api", "cardda"),
            "cannot be combined with --api",
        ),
        (("--convention", "rfc9457", "--openapi", "{doc}"), "give its --base-url"),
        (
            ("--convention", "rfc9457", "--base-url", "http://127.0.0.1:9"),
            "give --openapi",
        ),
        (
            (
                "--convention",
                "rfc9457",
                "--openapi",
                "{missing}",
                "--base-url",
                "http://127.0.0.1:9",
            ),
            "cannot be read: No such file",
        ),
        (
            (
                "--convention",
                "rfc9457",
                "--openapi",
                "{notapi}",
                "--base-url",
                "http://127.0.0.1:9",
            ),
            "is not an OpenAPI document",
        ),
        (
            (
                "--convention",
                "rfc9457",
                "--openapi",
                "{invalid}",
                "--base-url",
                "http://127.0.0.1:9",
            ),
            "not a valid OpenAPI document",
        ),
        (
            ("--convention", "rfc9457", "--overrides", "{missing}"),
            "cannot be read",
        ),
        (("--request-id-header", "X-Id"), "add --convention NAME"),
    ],
)
def test_zero_config_mistakes_exit_2(
    args: tuple[str, ...],
    message: str,
    document_file: Path,
    tmp_path: Path,
    run_cli: Callable[..., CliRun],
) -> None:
    notapi = tmp_path / "notapi.yaml"
    notapi.write_text("just: text\n", encoding="utf-8")
    invalid = tmp_path / "invalid.yaml"
    broken = copy.deepcopy(BASE)
    del broken["paths"]["/orders/{orderId}"]["parameters"][0]["schema"]
    invalid.write_text(yaml.safe_dump(broken), encoding="utf-8")
    names = {
        "doc": document_file,
        "missing": tmp_path / "nope.yaml",
        "notapi": notapi,
        "invalid": invalid,
    }
    run = run_cli("run", *(a.format(**names) for a in args))
    assert run.code == 2, run.out + run.err
    assert message in run.err
    assert "Traceback" not in run.err


def test_init_writes_the_profile_a_run_derives(
    document_file: Path, tmp_path: Path, run_cli: Callable[..., CliRun]
) -> None:
    target = tmp_path / "shop"
    done = run_cli(
        "init", str(target), "--openapi", str(document_file), "--convention", "rfc9457"
    )
    assert done.code == 0, done.err
    assert "run it: conformance run --profile-dir" in done.out
    written = yaml.safe_load((target / "clauses.yaml").read_text(encoding="utf-8"))
    assert [c["id"] for c in written["clauses"]] == [c["id"] for c in derived().clauses]
    check = run_cli("check-profile", str(target))
    assert check.code == 0, check.out
    again = run_cli(
        "init", str(target), "--openapi", str(document_file), "--convention", "rfc9457"
    )
    assert again.code == 2
    assert "already has files" in again.err


def test_the_readme_overrides_example_applies() -> None:
    """The README's overrides file, as written there, parses and takes effect."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index("# overrides.yaml")
    block = readme[start : readme.index("```", start)]
    overrides = yaml.safe_load(block)
    assert overrides["skip"] == ["PD-HDR-3"]
    clauses = by_id(derived(overrides=overrides))
    assert "PD-HDR-3" not in clauses
    assert clauses["PD-VAL-1"]["expect"] == [{"status": 422, "name_field": True}]


def test_a_header_most_operations_require_is_the_tenant() -> None:
    assert "tenant" not in meta(derived())
    document = copy.deepcopy(BASE)
    header = {"name": "X-Account", "in": "header", "required": True}
    header["schema"] = {"type": "string"}
    for path in ("/orders", "/orders/{orderId}"):
        for method in ("get", "post", "delete"):
            if method in document["paths"][path]:
                document["paths"][path][method]["parameters"] = [header]
    data = meta(derived(document))
    assert data["tenant"] == {"header": "X-Account", "fixture": "x_account"}
    fixture = next(f for f in data["fixtures"] if f["name"] == "x_account")
    assert fixture["required"] is True
    # A header only a minority of operations require is not taken for a tenant.
    document["paths"]["/orders"]["get"]["parameters"] = []
    document["paths"]["/orders"]["post"]["parameters"] = []
    document["paths"]["/orders/{orderId}"]["delete"]["parameters"] = []
    assert "tenant" not in meta(derived(document))
