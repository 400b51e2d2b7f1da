"""The Projects (RFC 9457) reference server keeps its document; a switch bends one."""

from __future__ import annotations

import json
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httpx
import openapi_spec_validator
import pytest
import yaml
from jsonschema import Draft202012Validator
from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning

from errcontract.checks.challenges import BEARER_ERRORS, Challenge, parse_challenges
from errcontract.reference.problem import (
    DOCUMENTED_RATE_LIMIT,
    FAULTS,
    OPENAPI,
    TOLERANCES,
    create_app,
)
from errcontract.reference.problem._ratelimit import TokenBucketLimiter

with warnings.catch_warnings():
    # Starlette nudges towards httpx2, which this project does not use.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

PROJECTS = "/projects"
PROBLEM = "application/problem+json"
TYPES = "https://projects.example/problems/"
REALM = 'Bearer realm="projects"'
INVALID = ', error="invalid_token"'
LEAK = 'Traceback (most recent call last):\n  File "/srv/app/store.py", line 42, in get'
INTERNALS = ("Traceback", 'File "', ".py", "SimulatedCrash", "RuntimeError", "Error:")
DOC: dict[str, Any] = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
SEED_NAMES = ("Apollo", "Borealis")


@dataclass
class Server:
    client: TestClient
    app: Starlette

    @property
    def fx(self) -> dict[str, str]:
        fixtures: dict[str, str] = self.app.state.fixtures
        return fixtures

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.fx['api_key']}"}

    def get(self, path: str, key: str = "api_key") -> httpx.Response:
        auth = {"Authorization": f"Bearer {self.fx[key]}"}
        r: httpx.Response = self.client.get(path, headers=auth)
        return r

    def delete(self, path: str) -> httpx.Response:
        r: httpx.Response = self.client.delete(path, headers=self.auth)
        return r

    def update(self, pid: str, body: Any, **kwargs: Any) -> httpx.Response:
        headers = {**self.auth, **kwargs.pop("headers", {})}
        r: httpx.Response = self.client.patch(
            f"{PROJECTS}/{pid}", headers=headers, json=body, **kwargs
        )
        return r

    def create(self, body: Any) -> httpx.Response:
        r: httpx.Response = self.client.post(PROJECTS, headers=self.auth, json=body)
        return r

    def post_raw(
        self, content: bytes, content_type: str | None = "application/json"
    ) -> httpx.Response:
        headers = dict(self.auth)
        if content_type is not None:
            headers["Content-Type"] = content_type
        r: httpx.Response = self.client.post(PROJECTS, headers=headers, content=content)
        return r

    def first_id(self) -> str:
        r = self.get(PROJECTS)
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        assert data, "the store starts with projects"
        return str(data[0]["id"])

    def shift_clock(self, seconds: float) -> None:
        """Move the rate limiter's clock forward, so recovery needs no sleep."""
        limiter = self.app.state.limiter
        assert limiter is not None
        real = limiter.clock
        limiter.clock = lambda: real() + seconds


def make(
    *,
    faults: tuple[str, ...] = (),
    tolerances: tuple[str, ...] = (),
    rate_limit: float | None = None,
) -> Server:
    app = create_app(faults=faults, tolerances=tolerances, rate_limit=rate_limit)
    return Server(TestClient(app), app)


def media_type(r: httpx.Response) -> str:
    return str(r.headers.get("content-type", "")).split(";")[0].strip()


def request_id(r: httpx.Response) -> str | None:
    value: str | None = r.headers.get("request-id")
    return value


def unknown_id() -> str:
    return str(uuid.uuid4())


def expect_problem(
    r: httpx.Response, status: int, slug: str, *, instance: str | None = None
) -> dict[str, Any]:
    """A conforming problem: status, media type, every member, a uuid4 Request-Id."""
    assert r.status_code == status, r.text
    assert media_type(r) == PROBLEM
    body: dict[str, Any] = r.json()
    assert body["type"] == TYPES + slug
    assert isinstance(body["title"], str)
    assert body["title"]
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    assert body["detail"]
    sent = r.request.url.raw_path.decode("ascii").split("?")[0]
    assert body["instance"] == (instance if instance is not None else sent)
    rid = request_id(r)
    assert rid is not None
    assert uuid.UUID(rid).version == 4
    assert not any(marker in r.text for marker in INTERNALS), r.text
    return body


def pointers(r: httpx.Response) -> list[str]:
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert isinstance(errors, list)
    assert errors
    return [e["pointer"] for e in errors]


def drain(s: Server, limit: int = 20) -> httpx.Response | None:
    """Spend the bucket of ``s``'s credential: the first 429, or None if none came."""
    for _ in range(limit):
        r = s.get(PROJECTS)
        if r.status_code == 429:
            return r
        assert r.status_code == 200, r.text
    return None


def nested(levels: int, inner: bytes = b"") -> bytes:
    return b"[" * levels + inner + b"]" * levels


# -- the document -------------------------------------------------------------------
def resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = DOC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in DOC["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def response_of(path: str, method: str, status: int) -> dict[str, Any] | None:
    declared = DOC["paths"][path][method]["responses"].get(str(status))
    return None if declared is None else resolve(declared)


def validate(instance: Any, schema: dict[str, Any]) -> None:
    rooted = {**schema, "components": DOC["components"]}
    validator = Draft202012Validator(
        rooted, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(instance)


def assert_documented(r: httpx.Response, path: str, method: str) -> None:
    """``r`` is a response the document declares, with its headers and body schema."""
    response = response_of(path, method, r.status_code)
    assert response is not None, f"{r.status_code} not declared for {method} {path}"
    for name, header in response.get("headers", {}).items():
        header = resolve(header)
        if header.get("required"):
            assert name in r.headers, f"{name} missing from {r.status_code}"
        if header["schema"].get("type") == "integer" and name in r.headers:
            assert int(r.headers[name]) >= header["schema"].get("minimum", 0)
    content = response.get("content")
    if content is None:
        assert r.content == b""
        return
    ((media, spec),) = content.items()
    assert media_type(r) == media
    validate(r.json(), spec["schema"])


def test_the_document_is_valid_openapi_3_1() -> None:
    assert OPENAPI.name == "openapi.yaml"
    assert OPENAPI.parent.name == "problem"
    assert DOC["openapi"].startswith("3.1")
    openapi_spec_validator.validate(DOC)


def test_the_document_declares_security_operations_and_parameters() -> None:
    schemes = DOC["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert DOC["security"] == [{"bearerAuth": []}]
    ops = {(path, method): op["operationId"] for path, method, op in operations()}
    assert ops == {
        ("/projects", "get"): "listProjects",
        ("/projects", "post"): "createProject",
        ("/projects/{projectId}", "get"): "getProject",
        ("/projects/{projectId}", "patch"): "updateProject",
        ("/projects/{projectId}", "delete"): "deleteProject",
    }
    statuses = {op["operationId"]: set(op["responses"]) for _, _, op in operations()}
    assert statuses == {
        "listProjects": {"200", "400", "401", "429"},
        "createProject": {
            *("201", "400", "401", "403", "409", "413", "415", "422", "429"),
        },
        "getProject": {"200", "401", "404", "429"},
        "updateProject": {
            *("200", "400", "401", "403", "404", "409", "413", "415", "422", "429"),
        },
        "deleteProject": {"204", "401", "403", "404", "429"},
    }
    (param,) = DOC["paths"]["/projects/{projectId}"]["parameters"]
    param = resolve(param)
    assert (param["name"], param["in"], param["required"]) == (
        "projectId",
        "path",
        True,
    )
    assert param["schema"] == {"type": "string", "format": "uuid"}


def test_the_document_declares_the_create_schema_exactly() -> None:
    body = DOC["paths"]["/projects"]["post"]["requestBody"]
    assert body["required"] is True
    assert set(body["content"]) == {"application/json"}
    schema = resolve(body["content"]["application/json"]["schema"])
    assert schema["type"] == "object"
    assert schema["required"] == ["name"]
    assert schema.get("additionalProperties", True) is not False
    assert schema["properties"] == {
        "id": {
            "type": "string",
            "format": "uuid",
            "readOnly": True,
            "description": "Assigned by the server; an id sent with a create is "
            "ignored.",
        },
        "name": {"type": "string", "minLength": 1, "maxLength": 80},
        "priority": {"type": "integer", "minimum": 1, "maximum": 5},
        "visibility": {"type": "string", "enum": ["private", "team", "public"]},
        "tags": {"type": "array", "maxItems": 10, "items": {"type": "string"}},
        "archived": {"type": "boolean", "default": False},
    }
    project = DOC["components"]["schemas"]["Project"]
    assert set(project["properties"]) == {
        *("id", "name", "priority", "visibility", "tags", "archived", "created_at")
    }
    assert project["properties"]["id"] == {"type": "string", "format": "uuid"}
    assert project["properties"]["created_at"]["format"] == "date-time"


def test_every_response_declares_request_id_and_errors_are_problems() -> None:
    seen = 0
    for path, method, op in operations():
        for status, declared in op["responses"].items():
            response = resolve(declared)
            headers = {k: resolve(v) for k, v in response.get("headers", {}).items()}
            assert headers["Request-Id"]["schema"] == {"type": "string"}
            if status == "201":
                assert headers["Location"]["required"] is True
            if status == "401":
                assert headers["WWW-Authenticate"]["schema"]["type"] == "string"
            if status == "429":
                assert headers["Retry-After"]["schema"]["type"] == "integer"
            if int(status) >= 400:
                content = response["content"]
                assert set(content) == {PROBLEM}, (path, method, status)
                ref = content[PROBLEM]["schema"]["$ref"]
                expected = "ValidationProblem" if status == "422" else "Problem"
                assert ref == f"#/components/schemas/{expected}"
            seen += 1
    assert seen == 4 + 9 + 4 + 10 + 5
    problem = DOC["components"]["schemas"]["Problem"]["properties"]
    assert set(problem) == {"type", "title", "status", "detail", "instance"}
    items = DOC["components"]["schemas"]["ValidationProblem"]["allOf"][1]
    assert set(items["properties"]["errors"]["items"]["properties"]) == {
        "detail",
        "pointer",
    }


def test_every_operation_of_the_document_is_served_as_documented() -> None:
    s = make()
    valid = {
        "createProject": {"name": "served", "priority": 5, "tags": ["a"]},
        "updateProject": {"name": "renamed", "archived": True},
    }
    for path, method, op in operations():
        url = path.replace("{projectId}", s.first_id())
        r = s.client.request(
            method.upper(), url, headers=s.auth, json=valid.get(op["operationId"])
        )
        success = [k for k in op["responses"] if k.startswith("2")]
        assert [str(r.status_code)] == success, (op["operationId"], r.text)
        assert_documented(r, path, method)


def test_error_answers_match_the_document() -> None:
    s = make()
    item = "/projects/{projectId}"
    cases: list[tuple[httpx.Response, str, str]] = [
        (s.client.get(PROJECTS), PROJECTS, "get"),
        (s.post_raw(b"{"), PROJECTS, "post"),
        (s.create({"name": "Apollo"}), PROJECTS, "post"),
        (s.post_raw(b"{}", "text/plain"), PROJECTS, "post"),
        (s.create({"name": "", "tags": [1]}), PROJECTS, "post"),
        (s.get(f"/projects/{unknown_id()}"), item, "get"),
        (s.delete(f"/projects/{unknown_id()}"), item, "delete"),
        (s.post_raw(_padded(65_537)), PROJECTS, "post"),
        (s.update(s.first_id(), {"name": "Borealis"}), item, "patch"),
        (s.update(s.first_id(), {"priority": 9}), item, "patch"),
        (s.update(unknown_id(), {"priority": 2}), item, "patch"),
    ]
    statuses = [r.status_code for r, _, _ in cases]
    assert statuses == [401, 400, 409, 415, 422, 404, 404, 413, 409, 422, 404]
    for r, path, method in cases:
        assert_documented(r, path, method)
    limited = make(rate_limit=5.0)
    r429 = drain(limited)
    assert r429 is not None
    assert_documented(r429, PROJECTS, "get")


# -- interface ------------------------------------------------------------------------
def test_switch_sets_are_exactly_the_named_ones() -> None:
    assert {
        *("PD-BODY-1", "PD-BODY-2", "PD-BODY-3", "PD-HDR-1"),
        "PD-HDR-1:framework-default",
        *("PD-HDR-2", "PD-HDR-3", "PD-HEADER-LOCATION", "PD-AUTH-1", "PD-AUTH-2"),
        *(
            "PD-AUTH-3",
            "PD-VAL-1:out-of-range",
            "PD-VAL-1:coerces",
            "PD-VAL-1:coerces-boolean",
            "PD-VAL-1:zero-for-boolean",
            "PD-VAL-1:object-as-array",
            "PD-VAL-1:unwraps",
            "PD-VAL-1:unnamed-field",
            "PD-REQ-1",
            "PD-REQ-2",
        ),
        "PD-VAL-1",
        "PD-VAL-3",
        *("PD-RES-1", "PD-5XX-1", "PD-5XX-1:control", "PD-LEAK-1", "PD-CONFLICT-1"),
        *("PD-5XX-1:deep-nesting", "PD-5XX-1:deeper-nesting", "PD-5XX-1:overflow"),
        *("PD-5XX-1:negative-zero", "PD-5XX-1:duplicate-keys"),
        *("PD-TENANT-1", "PD-TENANT-1:exists", "PD-ROLE-1", "PD-ROLE-2"),
        *("PD-RATE-1", "PD-RATE-1:retry-after", "PD-RATE-2"),
        *("PD-AUTH-2:case-insensitive", "PD-AUTH-2:prefix-match"),
        "PD-AUTH-2:extra-ignored",
        *("PD-METHOD-1", "PD-METHOD-1:no-allow", "PD-ROUTE-1", "PD-ROUTE-1:prefix"),
        *("PD-METHOD-2", "PD-METHOD-2:options"),
        *("PD-ACCEPT-1", "PD-ACCEPT-1:html", "PD-SIZE-1", "PD-SIZE-1:accepts"),
        *("PD-IGNORE-1", "PD-IGNORE-1:read-only", "PD-IGNORE-2"),
        *("PD-ATOMIC-1", "PD-ATOMIC-1:forbidden"),
        *("PD-AUTH-4", "PD-AUTH-4:cookie", "PD-AUTH-4:other-header", "PD-AUTH-5"),
        *("PD-AUTH-6", "PD-AUTH-6:error-without-credential", "PD-AUTH-6:unknown-error"),
    } == FAULTS
    assert {
        *("extra-members", "about-blank", "no-type", "no-detail", "relative-type"),
        *("charset", "header-case", "no-status"),
        *("allow-lines", "allow-lower-case", "allow-options", "options-501"),
        *("accept-406", "size-400", "body-on-get-400", "read-only-422"),
        *("challenge-detail", "challenge-case", "challenge-lines"),
    } == TOLERANCES
    assert DOCUMENTED_RATE_LIMIT is None


def test_the_app_is_starlette_with_fixtures_and_an_empty_base_path() -> None:
    a, b = create_app(), create_app()
    assert isinstance(a, Starlette)
    assert set(a.state.fixtures) == {"api_key", "other_api_key", "read_only_api_key"}
    keys = set(a.state.fixtures.values())
    assert len(keys) == 3  # three accounts' keys, all different
    for key in keys:
        assert isinstance(key, str)
        assert len(key) >= 20
    assert a.state.fixtures == b.state.fixtures  # fixed, not per instance
    assert a.state.base_path == ""


@pytest.mark.parametrize(
    ("kwargs", "bad"),
    [
        ({"faults": ["PD-AUTH1"]}, "PD-AUTH1"),
        ({"faults": ["pd-leak-1"]}, "pd-leak-1"),
        ({"faults": ["PD-BODY-1", "nonsense"]}, "nonsense"),
        ({"faults": ["PD-5XX-1:long-name"]}, "PD-5XX-1:long-name"),
        ({"tolerances": ["charsets"]}, "charsets"),
        ({"tolerances": ["PD-AUTH-1"]}, "PD-AUTH-1"),
        ({"faults": ["charset"]}, "charset"),
    ],
)
def test_unknown_switch_names_raise_value_error(
    kwargs: dict[str, Any], bad: str
) -> None:
    with pytest.raises(ValueError, match=repr(bad)):
        create_app(**kwargs)


def test_a_lone_string_is_not_taken_for_a_list_of_switches() -> None:
    with pytest.raises(TypeError, match="did you mean"):
        create_app(faults="PD-AUTH-1")


@pytest.mark.parametrize("rate", [-1.0, float("nan"), float("inf")])
def test_nonsense_rate_limits_are_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="rate_limit"):
        create_app(rate_limit=rate)


# -- the conforming server: surface -----------------------------------------------
def test_list_answers_the_seeded_projects_in_one_page() -> None:
    s = make()
    r = s.get(PROJECTS)
    assert r.status_code == 200
    assert media_type(r) == "application/json"
    body = r.json()
    assert body["next"] is None
    assert [p["name"] for p in body["data"]] == list(SEED_NAMES)
    first = body["data"][0]
    assert str(uuid.UUID(first["id"])) == first["id"]
    assert set(first) == {
        *("id", "name", "priority", "visibility", "tags", "archived", "created_at")
    }
    assert_documented(r, PROJECTS, "get")


def test_create_answers_201_with_location_and_the_project() -> None:
    s = make()
    r = s.create({"name": "Cassini", "priority": 1, "visibility": "public"})
    assert r.status_code == 201, r.text
    project = r.json()
    assert project["name"] == "Cassini"
    assert (project["priority"], project["visibility"]) == (1, "public")
    assert project["tags"] == []
    assert r.headers["Location"] == f"/projects/{project['id']}"
    assert uuid.UUID(project["id"]).version == 4
    fetched = s.get(r.headers["Location"])
    assert fetched.status_code == 200
    assert fetched.json() == project
    names = [p["name"] for p in s.get(PROJECTS).json()["data"]]
    assert names == [*SEED_NAMES, "Cassini"]


def test_create_fills_defaults_and_drops_unknown_members() -> None:
    s = make()
    r = s.create({"name": "Defaults", "owner": {"deep": [1, 2]}, "x": None})
    assert r.status_code == 201, r.text
    project = r.json()
    assert (project["priority"], project["visibility"], project["tags"]) == (
        3,
        "private",
        [],
    )
    assert "owner" not in project
    assert "x" not in project


def test_get_and_delete_a_project() -> None:
    s = make()
    pid = s.first_id()
    assert s.get(f"/projects/{pid}").json()["id"] == pid
    r = s.delete(f"/projects/{pid}")
    assert r.status_code == 204
    assert r.content == b""
    assert "content-type" not in r.headers
    assert request_id(r) is not None
    expect_problem(s.get(f"/projects/{pid}"), 404, "not-found")
    expect_problem(s.delete(f"/projects/{pid}"), 404, "not-found")


def test_an_update_changes_only_the_fields_sent() -> None:
    s = make()
    pid = s.first_id()
    before = s.get(f"/projects/{pid}").json()
    r = s.update(pid, {"priority": 5, "tags": ["x"], "unknown": 1})
    assert r.status_code == 200, r.text
    after = s.get(f"/projects/{pid}").json()
    assert r.json() == after
    assert after == {**before, "priority": 5, "tags": ["x"]}
    assert s.update(pid, {"name": before["name"]}).status_code == 200  # not taken
    expect_problem(s.update(pid, {"name": "Borealis"}), 409, "name-taken")


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ({"name": "fresh", "priority": 0}, {}, 422),
        ({"name": "fresh", "visibility": "secret", "tags": [1]}, {}, 422),
        ({"name": "fresh"}, {"Content-Type": "text/plain"}, 415),
        (None, {"Content-Type": "application/json"}, 400),
    ],
    ids=["one-invalid", "two-invalid", "label", "malformed"],
)
def test_a_refused_update_changes_nothing(
    body: Any, headers: dict[str, str], status: int
) -> None:
    s = make()
    pid = s.first_id()
    before = s.get(f"/projects/{pid}").json()
    if body is None:
        r = s.client.patch(
            f"/projects/{pid}", headers={**s.auth, **headers}, content=b"{"
        )
    else:
        r = s.update(pid, body, headers=headers)
    assert r.status_code == status, r.text
    assert s.get(f"/projects/{pid}").json() == before


def test_read_only_and_foreign_updates_change_nothing() -> None:
    s = make()
    pid = s.first_id()
    before = s.get(f"/projects/{pid}").json()
    for key, status in (("read_only_api_key", 403), ("other_api_key", 404)):
        auth = {"Authorization": f"Bearer {s.fx[key]}"}
        r = s.client.patch(f"/projects/{pid}", headers=auth, json={"name": "fresh"})
        assert r.status_code == status, r.text
    assert s.get(f"/projects/{pid}").json() == before


def test_an_upper_case_uuid_names_the_same_project() -> None:
    s = make()
    pid = s.first_id()
    assert s.get(f"/projects/{pid.upper()}").json()["id"] == pid


@pytest.mark.parametrize(
    "bad_id",
    [
        "not-a-uuid",
        "123",
        "00000000000000000000000000000000",
        "{12345678-1234-4234-8234-123456789abc}",
        "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
        "%00",
        "%2e%2e",
        "a%2Fb",
    ],
)
@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_a_non_uuid_or_unknown_id_is_not_found(bad_id: str, method: str) -> None:
    s = make()
    r = s.client.request(method, f"/projects/{bad_id}", headers=s.auth)
    expect_problem(r, 404, "not-found")
    unknown = s.client.request(method, f"/projects/{unknown_id()}", headers=s.auth)
    expect_problem(unknown, 404, "not-found")
    assert len(s.get(PROJECTS).json()["data"]) == 2


# -- the conforming server: authentication ------------------------------------------
BAD_CREDENTIALS = [
    pytest.param(None, id="missing"),
    pytest.param("", id="empty"),
    pytest.param("   ", id="whitespace"),
    pytest.param("Bearer", id="scheme-only"),
    pytest.param("Bearer   ", id="scheme-and-spaces"),
    pytest.param("Basic dXNlcjpwYXNz", id="basic"),
    pytest.param("Token {key}", id="wrong-scheme"),
    pytest.param("{key}", id="no-scheme"),
    pytest.param("Bearer wrong-token", id="unknown"),
    pytest.param("Bearer {key}x", id="longer"),
    pytest.param("Bearer {key} {key}", id="two-tokens"),
    pytest.param(f"Bearer {uuid.uuid4()}", id="random-uuid"),
]


@pytest.mark.parametrize("credential", BAD_CREDENTIALS)
def test_bad_credentials_answer_401_with_the_challenge(credential: str | None) -> None:
    s = make()
    headers = {}
    if credential is not None:
        headers["Authorization"] = credential.format(key=s.fx["api_key"])
    requests = [
        s.client.get(PROJECTS, headers=headers),
        s.client.post(
            PROJECTS,
            headers=headers,
            content=b"{",
        ),
        s.client.get(f"/projects/{s.first_id()}", headers=headers),
        s.client.delete(f"/projects/{unknown_id()}", headers=headers),
        s.client.get("/no/such/route", headers=headers),
        s.client.put(PROJECTS, headers=headers),
    ]
    for r in requests:
        expect_problem(r, 401, "unauthenticated")
        assert r.headers["WWW-Authenticate"] == REALM
    assert len(s.get(PROJECTS).json()["data"]) == 2  # nothing was deleted


def test_the_bearer_scheme_name_is_case_insensitive() -> None:
    s = make()
    key = s.fx["api_key"]
    for header in (f"bearer {key}", f"BEARER {key}", f"  Bearer {key}  "):
        r = s.client.get(PROJECTS, headers={"Authorization": header})
        assert r.status_code == 200, header


# -- the conforming server: headers and framework answers ----------------------------
def test_every_response_has_its_own_uuid4_request_id() -> None:
    s = make()
    pid = s.first_id()
    responses = [
        s.get(PROJECTS),
        s.create({"name": "ids"}),
        s.create({"name": "ids"}),
        s.create({"name": ""}),
        s.post_raw(b"[", "application/json"),
        s.post_raw(b"{}", "text/plain"),
        s.client.get(PROJECTS),
        s.get(f"/projects/{unknown_id()}"),
        s.get("/nowhere"),
        s.client.patch(PROJECTS, headers=s.auth),
        s.delete(f"/projects/{pid}"),
    ]
    assert [r.status_code for r in responses] == [
        *(200, 201, 409, 422, 400, 415, 401, 404, 404, 405, 204)
    ]
    ids = [request_id(r) for r in responses]
    assert all(i is not None for i in ids)
    assert all(uuid.UUID(str(i)).version == 4 for i in ids)
    assert len(set(ids)) == len(ids)
    for r in responses:
        names = [name for name, _ in r.headers.raw]
        assert b"Request-Id" in names  # the canonical spelling on the wire


@pytest.mark.parametrize(
    ("method", "path", "status", "slug"),
    [
        ("GET", "/", 404, "not-found"),
        ("GET", "/nowhere", 404, "not-found"),
        ("GET", "/projects/", 404, "not-found"),
        ("GET", "/projects/a/b", 404, "not-found"),
        ("POST", "/projects/x/y", 404, "not-found"),
        ("PUT", "/projects", 405, "method-not-allowed"),
        ("DELETE", "/projects", 405, "method-not-allowed"),
        ("PUT", "/projects/{id}", 405, "method-not-allowed"),
        ("POST", "/projects/{id}", 405, "method-not-allowed"),
    ],
)
def test_unknown_routes_and_methods_answer_problems(
    method: str, path: str, status: int, slug: str
) -> None:
    s = make()
    url = path.replace("{id}", s.first_id())
    r = s.client.request(method, url, headers=s.auth)
    expect_problem(r, status, slug, instance=url)
    if status == 405:
        assert set(r.headers["Allow"].replace(" ", "").split(",")) >= {"GET"}


# -- the conforming server: create-request handling ----------------------------------
@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/xml",
        "application/problem+json",
        "application/json-patch+json",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
    ],
)
def test_a_non_json_content_type_answers_415(content_type: str | None) -> None:
    s = make()
    r = s.post_raw(b'{"name": "typed"}', content_type)
    expect_problem(r, 415, "unsupported-media-type")
    assert "typed" not in [p["name"] for p in s.get(PROJECTS).json()["data"]]


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "Application/JSON"],
)
def test_json_content_types_with_parameters_are_accepted(content_type: str) -> None:
    r = make().post_raw(b'{"name": "typed"}', content_type)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"{", id="truncated"),
        pytest.param(b"name=x", id="form"),
        pytest.param(b"{'name': 'x'}", id="single-quotes"),
        pytest.param(b'{"name": "x",}', id="trailing-comma"),
        pytest.param(b'{"name": NaN}', id="nan"),
        pytest.param(b'{"priority": Infinity, "name": "x"}', id="infinity"),
        pytest.param(b"\xff\xfe{}", id="not-utf8"),
        pytest.param(b'\xef\xbb\xbf{"name": "x"}', id="bom"),
        pytest.param(b"[]", id="empty-array"),
        pytest.param(b'[{"name": "x"}]', id="array"),
        pytest.param(b'"x"', id="string"),
        pytest.param(b"42", id="number"),
        pytest.param(b"null", id="null"),
        pytest.param(b"true", id="true"),
        pytest.param(nested(300), id="nested-300"),
        pytest.param(nested(30_000), id="nested-30000"),  # 60 KB: within the limit,
    ],
)
def test_a_body_that_is_not_a_json_object_answers_400(content: bytes) -> None:
    s = make()
    expect_problem(s.post_raw(content), 400, "malformed-body")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"name": 5}, "name"),
        ({"name": ["x"]}, "name"),
        ({"name": "ok", "priority": 0}, "priority"),
        ({"name": "ok", "priority": 6}, "priority"),
        ({"name": "ok", "priority": -3}, "priority"),
        ({"name": "ok", "priority": 2.5}, "priority"),
        ({"name": "ok", "priority": "3"}, "priority"),
        ({"name": "ok", "priority": True}, "priority"),
        ({"name": "ok", "priority": None}, "priority"),
        ({"name": "ok", "priority": 10**30}, "priority"),
        ({"name": "ok", "visibility": "secret"}, "visibility"),
        ({"name": "ok", "visibility": "Private"}, "visibility"),
        ({"name": "ok", "visibility": None}, "visibility"),
        ({"name": "ok", "visibility": ["team"]}, "visibility"),
        ({"name": "ok", "tags": "a"}, "tags"),
        ({"name": "ok", "tags": [1]}, "tags"),
        ({"name": "ok", "tags": ["a", None]}, "tags"),
        ({"name": "ok", "tags": ["t"] * 11}, "tags"),
        ({"name": "ok", "tags": None}, "tags"),
    ],
)
def test_each_broken_field_answers_422_pointing_at_it(
    body: dict[str, Any], field: str
) -> None:
    s = make()
    r = s.create(body)
    problem = expect_problem(r, 422, "invalid-project")
    assert pointers(r) == [f"#/{field}"]
    assert all(isinstance(e["detail"], str) and e["detail"] for e in problem["errors"])
    assert_documented(r, PROJECTS, "post")


def test_every_broken_field_is_listed() -> None:
    r = make().create({"priority": False, "visibility": 1, "tags": [[]], "extra": 1})
    expect_problem(r, 422, "invalid-project")
    assert sorted(pointers(r)) == ["#/name", "#/priority", "#/tags", "#/visibility"]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x"},
        {"name": "x" * 80},
        {"name": "ok", "priority": 1},
        {"name": "ok", "priority": 5},
        {"name": "ok", "priority": 4.0},  # a JSON Schema integer
        {"name": "ok", "tags": []},
        {"name": "ok", "tags": ["t"] * 10},
        {"name": "ok", "visibility": "team"},
        {"name": "ok", "additional": {"anything": [None, True]}},
    ],
)
def test_valid_edge_bodies_are_created(body: dict[str, Any]) -> None:
    r = make().create(body)
    assert r.status_code == 201, r.text
    assert_documented(r, PROJECTS, "post")


def test_a_taken_name_answers_409_case_sensitively() -> None:
    s = make()
    expect_problem(s.create({"name": "Apollo"}), 409, "name-taken")
    assert s.create({"name": "apollo"}).status_code == 201
    assert s.create({"name": "Apollo "}).status_code == 201
    expect_problem(s.create({"name": "apollo"}), 409, "name-taken")
    names = [p["name"] for p in s.get(PROJECTS).json()["data"]]
    assert names.count("Apollo") == 1


ODD_STRINGS = [
    pytest.param("a\x00b", id="nul"),
    pytest.param("tab\there\nnewline\x1b[31m", id="controls"),
    pytest.param("\x7f\x85", id="del-and-nel"),
    pytest.param("zero\u200bwidth\ufeff", id="zero-width"),
    pytest.param("\u202eRTL\u200f", id="rtl-marks"),
    pytest.param("\U0001f600\U00010348", id="astral"),
    pytest.param("e\u0301" * 40, id="combining"),
]


@pytest.mark.parametrize("name", ODD_STRINGS)
def test_odd_strings_are_ordinary_data(name: str) -> None:
    s = make()
    r = s.create({"name": name, "tags": [name], name: name})
    assert r.status_code == 201, r.text
    assert r.json()["name"] == name
    assert s.get(r.headers["Location"]).json()["tags"] == [name]


@pytest.mark.parametrize(
    ("content", "status"),
    [
        pytest.param(b'{"name": "\\ud800"}', 201, id="lone-surrogate"),
        pytest.param(b'{"name": "\\udfff\\ud800x"}', 201, id="reversed-surrogates"),
        pytest.param(json.dumps({"name": "x" * 60_000}).encode(), 422, id="name-60000"),
        pytest.param(
            json.dumps({"name": "ok", "tags": ["y" * 60_000]}).encode(),
            201,
            id="tag-60000",
        ),
        pytest.param(b'{"name": "ok", "priority": 1e400}', 422, id="overflow"),
        pytest.param(b'{"name": "ok", "priority": -1e400}', 422, id="neg-overflow"),
        pytest.param(
            b'{"name": "ok", "priority": ' + b"9" * 5000 + b"}", 422, id="5000-digits"
        ),
        pytest.param(b'{"name": "ok", "priority": 1e-300}', 422, id="tiny"),
        pytest.param(b'{"name": "ok", "priority": -7}', 422, id="negative"),
        pytest.param(b'{"name": "ok", "priority": 3.14}', 422, id="fraction"),
        pytest.param(b'{"name": "ok", "priority": -0}', 422, id="negative-zero"),
        pytest.param(
            b'{"name": "ok", "deep": ' + nested(300) + b"}", 201, id="nested-member"
        ),
        pytest.param(b'{"name": ' + nested(300) + b"}", 422, id="nested-name"),
        pytest.param(
            b'{"name": "ok", "tags": ' + nested(300) + b"}", 422, id="nested-tags"
        ),
        pytest.param(
            b'{"name": "ok", "d": ' + nested(30_000) + b"}", 400, id="nested-30000"
        ),
    ],
)
def test_no_string_number_or_nesting_gets_a_5xx(content: bytes, status: int) -> None:
    s = make()
    r = s.post_raw(content)
    assert r.status_code == status, r.text[:500]
    assert request_id(r) is not None
    assert not any(marker in r.text for marker in INTERNALS)
    if status >= 400:
        expect_problem(
            r, status, "invalid-project" if status == 422 else "malformed-body"
        )


def _padded(size: int) -> bytes:
    """A valid create body of exactly ``size`` bytes: an unknown member pads it."""
    head, tail = b'{"name": "ok-' + str(size).encode() + b'", "blob": "', b'"}'
    return head + b"z" * (size - len(head) - len(tail)) + tail


def test_a_large_unknown_member_is_ignored_up_to_the_documented_limit() -> None:
    limit = DOC["paths"]["/projects"]["post"]["x-conformance-max-body"]
    assert make().post_raw(_padded(limit)).status_code == 201
    r = make().post_raw(_padded(limit + 1))
    expect_problem(r, 413, "body-too-large")


@pytest.mark.parametrize("tolerance", [(), ("size-400",)])
def test_a_body_above_the_limit_is_refused_before_it_is_read_as_json(
    tolerance: tuple[str, ...],
) -> None:
    """413 (or 400 under size-400) whatever the body holds, and nothing created."""
    s = make(tolerances=tolerance)
    before = len(s.app.state.store.projects)
    r = s.post_raw(b"[" * 70_000)
    expect_problem(r, 400 if tolerance else 413, "body-too-large")
    assert len(s.app.state.store.projects) == before


@pytest.mark.parametrize(
    ("accept", "acceptable"),
    [
        (None, True),
        ("application/json", True),
        ("application/problem+json", True),
        ("application/*;q=0.5, image/png", True),
        ("*/*", True),
        ("image/png", False),
        ("text/html, image/*", False),
        ("application/json;q=0, image/png", False),
    ],
)
@pytest.mark.parametrize("tolerance", [(), ("accept-406",)])
def test_an_unacceptable_accept_is_disregarded_or_answered_406(
    accept: str | None, acceptable: bool, tolerance: tuple[str, ...]
) -> None:
    """RFC 9110 section 12.5.1: either is allowed; the 406 is a problem."""
    s = make(tolerances=tolerance)
    headers = {**s.auth, **({"Accept": accept} if accept is not None else {})}
    r = s.client.get(PROJECTS, headers=headers)
    if acceptable or not tolerance:
        assert r.status_code == 200, r.text
    else:
        expect_problem(r, 406, "not-acceptable")


# -- the conforming server: inputs it ignores ---------------------------------------
READ_ONLY_ID = "00000000-0000-4000-8000-000000000042"
CLIENT_ID = "errcontract-client-000000000042"


@pytest.mark.parametrize("tolerance", [(), ("body-on-get-400",)])
@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_content_on_get_or_delete_is_ignored_or_refused_with_400(
    method: str, tolerance: tuple[str, ...]
) -> None:
    """RFC 9110 sections 9.3.1 and 9.3.5: no defined semantics, may be rejected."""
    s = make(tolerances=tolerance)
    path = f"{PROJECTS}/{s.first_id()}"
    headers = {**s.auth, "Content-Type": "application/json"}
    r = s.client.request(method, path, headers=headers, content=b'{"a": 1}')
    if tolerance:
        expect_problem(r, 400, "content-not-allowed")
        assert s.get(path).status_code == 200  # the DELETE did nothing
    else:
        assert r.status_code == (200 if method == "GET" else 204), r.text


@pytest.mark.parametrize("tolerance", [(), ("read-only-422",)])
def test_a_read_only_id_sent_is_never_stored(tolerance: tuple[str, ...]) -> None:
    """OpenAPI's readOnly: ignored (a fresh id), or refused with 422 naming it."""
    s = make(tolerances=tolerance)
    r = s.create({"name": "chosen-id", "id": READ_ONLY_ID})
    if tolerance:
        assert pointers(r) == ["#/id"]
    else:
        assert r.status_code == 201, r.text
        assert r.json()["id"] != READ_ONLY_ID
    assert s.get(f"{PROJECTS}/{READ_ONLY_ID}").status_code == 404


def test_unknown_query_parameters_and_a_client_request_id_are_ignored() -> None:
    s = make()
    r = s.client.get(
        f"{PROJECTS}?utm_source=x&_=1", headers={**s.auth, "Request-Id": CLIENT_ID}
    )
    assert r.status_code == 200, r.text
    assert r.headers["request-id"] != CLIENT_ID
    uuid.UUID(r.headers["request-id"])


# -- the conforming server: rate limit ----------------------------------------------
def test_no_rate_limit_unless_one_is_given() -> None:
    s = make()
    assert s.app.state.limiter is None
    for _ in range(30):
        assert s.get(PROJECTS).status_code == 200


def test_the_rate_limit_refuses_with_retry_after_then_recovers() -> None:
    s = make(rate_limit=5.0)
    admitted = 0
    refused: httpx.Response | None = None
    for _ in range(20):
        r = s.get(PROJECTS)
        if r.status_code == 429:
            refused = r
            break
        admitted += 1
    assert refused is not None, "a 429 within 20 requests at 5 requests/s"
    assert admitted >= 5  # a burst of max(1, rate), plus whatever refilled meanwhile
    expect_problem(refused, 429, "rate-limited")
    retry_after = refused.headers["Retry-After"]
    assert retry_after.isdigit()
    assert int(retry_after) == 1
    assert [n for n, _ in refused.headers.raw if n.lower() == b"retry-after"] == [
        b"Retry-After"
    ]
    time.sleep(int(retry_after) + 0.05)
    assert s.get(PROJECTS).status_code == 200


def test_the_rate_limit_has_one_bucket_per_credential() -> None:
    s = make(rate_limit=5.0)
    assert drain(s) is not None
    anonymous = s.client.get(PROJECTS)
    expect_problem(anonymous, 401, "unauthenticated")  # its own (client) bucket
    other = s.client.get(PROJECTS, headers={"Authorization": "Bearer other"})
    expect_problem(other, 401, "unauthenticated")
    assert s.get(PROJECTS).status_code == 429


def test_the_token_bucket_on_a_fake_clock() -> None:
    now = [100.0]
    bucket = TokenBucketLimiter(2.0, clock=lambda: now[0])
    assert [bucket.acquire("k") for _ in range(3)] == [None, None, 1]
    assert bucket.acquire("other") is None
    now[0] += 0.5
    assert bucket.acquire("k") is None
    assert bucket.acquire("k") == 1
    slow = TokenBucketLimiter(0.25, clock=lambda: now[0])
    assert slow.capacity == 1.0
    assert slow.acquire("k") is None
    assert slow.acquire("k") == 4
    now[0] += 4.0
    assert slow.acquire("k") is None
    with pytest.raises(ValueError, match="positive"):
        TokenBucketLimiter(0.0)


def test_the_token_bucket_forgets_idle_buckets() -> None:
    now = [0.0]
    bucket = TokenBucketLimiter(10.0, clock=lambda: now[0])
    for i in range(1500):
        bucket.acquire(f"k{i}")
        now[0] += 0.01
    assert len(bucket._buckets) < 1500


# -- fault switches: each breaks one promise, and only that one -----------------------
Factory = Callable[..., Server]


def _route_404(s: Server) -> httpx.Response:
    r = s.get("/projects/not-a-uuid")
    assert r.status_code == 404
    return r


def _challenges(r: httpx.Response) -> list[Challenge]:
    """The challenges of a response's WWW-Authenticate field lines, combined."""
    return parse_challenges(", ".join(r.headers.get_list("www-authenticate")))


def _bearer_or_none(r: httpx.Response) -> bool:
    """Whether a challenge sent names Bearer (no challenge at all: PD-AUTH-3's)."""
    if "www-authenticate" not in r.headers:
        return True
    return any(c.names("Bearer") for c in _challenges(r))


def _bearer_param(r: httpx.Response, name: str) -> str | None:
    """Parameter ``name`` of the Bearer challenge a 401 sends, if any."""
    if r.status_code != 401 or "www-authenticate" not in r.headers:
        return None
    found = [c.param(name) for c in _challenges(r) if c.names("Bearer")]
    return next((v for v in found if v is not None), None)


def _malformed_401(s: Server) -> httpx.Response:
    # Refused under every auth fault (PD-AUTH-1 only admits no header at all).
    r: httpx.Response = s.client.get(PROJECTS, headers={"Authorization": "Basic abc"})
    assert r.status_code == 401
    return r


def _framework_answers(s: Server) -> tuple[tuple[int, bool], ...]:
    out = []
    for r in (
        s.get("/nowhere"),
        s.client.put(PROJECTS, headers=s.auth),
        s.get(f"/projects/{unknown_id()}"),
    ):
        try:
            is_object = isinstance(json.loads(r.content), dict)
        except ValueError:
            is_object = False
        out.append((r.status_code, is_object))
    return tuple(out)


def _status_member_agrees(s: Server) -> bool:
    r = s.create({"name": ""})
    assert r.status_code == 422
    return bool(r.json().get("status", 422) == 422)  # absent is allowed (no-status)


def _rate_limited(s: Server) -> bool:
    return drain(s) is not None


def _retry_after(s: Server) -> str | None:
    r = drain(s)
    return None if r is None else r.headers.get("Retry-After")


def _after_waiting(s: Server) -> int | None:
    if drain(s) is None:
        return None
    s.shift_clock(1.5)  # past the conforming Retry-After of 1 s at 5/s
    return s.get(PROJECTS).status_code


def _location_names_project(s: Server) -> bool:
    r = s.create({"name": "located"})
    assert r.status_code == 201
    return bool(r.headers.get("Location") == f"/projects/{r.json()['id']}")


def _foreign_read(s: Server) -> int:
    """Another account reading one of the main account's projects."""
    return s.get(f"/projects/{s.first_id()}", key="other_api_key").status_code


def _read_only_write(s: Server) -> int:
    auth = {"Authorization": f"Bearer {s.fx['read_only_api_key']}"}
    r = s.client.post(PROJECTS, headers=auth, json={"name": "not-mine-to-make"})
    return r.status_code


def _read_only_writes_to_unknown(s: Server) -> list[int]:
    """A read-only key's PATCH and DELETE of an id nobody has, and its DELETE of a
    real project: the role is refused first (the document's "before anything
    else"), so all three are 403."""
    auth = {"Authorization": f"Bearer {s.fx['read_only_api_key']}"}
    unknown = f"{PROJECTS}/{unknown_id()}"
    return [
        s.client.patch(unknown, headers=auth, json={"priority": 2}).status_code,
        s.client.delete(unknown, headers=auth).status_code,
        s.client.delete(f"{PROJECTS}/{s.first_id()}", headers=auth).status_code,
    ]


def _near_miss(s: Server, change: Callable[[str], str]) -> int:
    """The status of a read under the valid key changed by ``change``."""
    token = change(s.fx["api_key"])
    auth = {"Authorization": f"Bearer {token}"}
    return int(s.client.get(PROJECTS, headers=auth).status_code)


def _unserved(s: Server) -> httpx.Response:
    """DELETE on the collection, which the document does not declare."""
    r: httpx.Response = s.client.delete(PROJECTS, headers=s.auth)
    assert r.status_code == 405
    return r


def _allow(s: Server) -> tuple[str, ...]:
    """The methods a 405's ``Allow`` lists, as RFC 9110 reads them: field lines
    combined, order aside; HEAD and OPTIONS left out (either way is allowed).
    Letter case aside too: the ``allow-lower-case`` tolerance is the suite's lenient
    reading, and this probe must say what the clause says."""
    listed = {
        m.strip().upper()
        for line in _unserved(s).headers.get_list("allow")
        for m in line.split(",")
        if m.strip()
    }
    return tuple(sorted(listed - {"HEAD", "OPTIONS"}))


def _head(s: Server) -> tuple[int, int, int]:
    """HEAD on the collection: its status, the GET's, the content's length."""
    r = s.client.head(PROJECTS, headers=s.auth)
    return r.status_code, s.get(PROJECTS).status_code, len(r.content)


def _options(s: Server) -> bool:
    """OPTIONS on the collection: whether it is a 2xx or 405 with Allow, or a 501
    (the answers RFC 9110 allows, each shown by a tolerance)."""
    r = s.client.options(PROJECTS, headers=s.auth)
    listed = bool(r.headers.get_list("allow"))
    return (r.status_code in (200, 204, 405) and listed) or r.status_code == 501


def _unknown_route(s: Server) -> int:
    return s.get(f"/{unknown_id()}-nowhere").status_code


def _item_with_more(s: Server) -> int:
    return s.get(f"/projects/{s.first_id()}/more").status_code


def _accept_png(s: Server) -> httpx.Response:
    r: httpx.Response = s.client.get(
        PROJECTS, headers={**s.auth, "Accept": "image/png"}
    )
    return r


def _accept_answered(s: Server) -> bool:
    """RFC 9110 section 12.5.1's answers: 406, or Accept disregarded (200)."""
    return _accept_png(s).status_code in (200, 406)


def _accept_media(s: Server) -> str:
    """The answer's media type, a success's or a problem's, not a page's."""
    answer = media_type(_accept_png(s))
    return "json" if answer in ("application/json", PROBLEM) else answer


def _unknown_query(s: Server) -> int:
    return s.get(f"{PROJECTS}?utm_source=newsletter").status_code


def _read_only_stored(s: Server) -> bool:
    """Whether a create takes the read-only ``id`` sent (a 422 stores nothing)."""
    r = s.create({"name": "chosen", "id": READ_ONLY_ID})
    return r.status_code < 300 and r.json()["id"] == READ_ONLY_ID


def _client_request_id(s: Server) -> bool:
    """Whether the answer's Request-Id is the one the client sent."""
    r = s.client.get(PROJECTS, headers={**s.auth, "Request-Id": CLIENT_ID})
    return bool(r.headers.get("request-id") == CLIENT_ID)


def _no_crash_for_a_large_body(s: Server) -> bool:
    return s.post_raw(_padded(1 << 20)).status_code < 500


def _refused_above_the_limit(s: Server) -> bool:
    """A valid body one byte above the documented limit is refused (413 or 400)."""
    return s.post_raw(_padded(65_537)).status_code in (400, 413)


def _created_priority(r: httpx.Response) -> tuple[int, Any]:
    """The status and, on a success, the priority the project was stored with."""
    return r.status_code, r.json().get("priority") if r.status_code == 201 else None


def _deep(levels: int) -> bytes:
    """A project whose extra member nests ``levels`` deep."""
    return b'{"name": "deep", "x": ' + nested(levels) + b"}"


def _crashes(s: Server, content: bytes) -> bool:
    return s.post_raw(content).status_code >= 500


def _half_written(s: Server) -> tuple[int, bool]:
    """An update with one invalid field: its answer, and whether the valid field
    was written anyway."""
    pid = s.first_id()
    r = s.update(pid, {"name": "half-written", "visibility": "secret"})
    return r.status_code, s.get(f"/projects/{pid}").json()["name"] == "half-written"


def _forbidden_written(s: Server) -> tuple[int, bool]:
    """A read-only key's valid update: its answer, and whether it was written."""
    pid = s.first_id()
    key = {"Authorization": f"Bearer {s.fx['read_only_api_key']}"}
    r = s.update(pid, {"name": "forbidden-write"}, headers=key)
    return r.status_code, s.get(f"/projects/{pid}").json()["name"] == "forbidden-write"


def _lower_case_scheme(s: Server) -> int:
    headers = {"Authorization": f"bearer {s.fx['api_key']}"}
    return s.client.get(PROJECTS, headers=headers).status_code


def _two_ids_differ(s: Server) -> bool:
    a, b = request_id(s.get(PROJECTS)), request_id(s.get(PROJECTS))
    assert a is not None
    assert b is not None
    return a != b


Probe = Callable[[Factory], Any]
PROBES: dict[str, tuple[Probe, Any, Any]] = {
    # fault: (probe, what a conforming server shows, what the fault shows)
    "PD-BODY-1": (lambda m: "title" in _route_404(m()).json(), True, False),
    "PD-BODY-2": (lambda m: _status_member_agrees(m()), True, False),
    "PD-HDR-1": (lambda m: media_type(_route_404(m())), PROBLEM, "application/json"),
    "PD-HDR-1:framework-default": (
        lambda m: _framework_answers(m()),
        ((404, True), (405, True), (404, True)),
        ((404, False), (405, False), (404, False)),
    ),
    "PD-HDR-2": (lambda m: request_id(_malformed_401(m())) is not None, True, False),
    "PD-HDR-3": (lambda m: _two_ids_differ(m()), True, False),
    "PD-HEADER-LOCATION": (lambda m: _location_names_project(m()), True, False),
    "PD-AUTH-1": (lambda m: m().client.get(PROJECTS).status_code, 401, 200),
    "PD-AUTH-2": (
        lambda m: (
            m()
            .client.get(PROJECTS, headers={"Authorization": "Bearer wrong"})
            .status_code
        ),
        401,
        200,
    ),
    "PD-AUTH-2:case-insensitive": (lambda m: _near_miss(m(), str.swapcase), 401, 200),
    "PD-AUTH-2:prefix-match": (lambda m: _near_miss(m(), lambda k: k[:-1]), 401, 200),
    "PD-AUTH-2:extra-ignored": (lambda m: _near_miss(m(), lambda k: k + "x"), 401, 200),
    "PD-AUTH-3": (
        lambda m: "www-authenticate" in _malformed_401(m()).headers,
        True,
        False,
    ),
    "PD-AUTH-6": (lambda m: _bearer_or_none(m().client.get(PROJECTS)), True, False),
    "PD-AUTH-6:error-without-credential": (
        lambda m: _bearer_param(m().client.get(PROJECTS), "error"),
        None,
        "invalid_token",
    ),
    "PD-AUTH-6:unknown-error": (
        lambda m: _bearer_param(_malformed_401(m()), "error") in (None, *BEARER_ERRORS),
        True,
        False,
    ),
    "PD-VAL-1:out-of-range": (
        lambda m: m().create({"name": "p9", "priority": 9}).status_code,
        422,
        201,
    ),
    "PD-VAL-1:coerces": (
        lambda m: _created_priority(m().create({"name": "p8", "priority": "3"})),
        (422, None),
        (201, 3),
    ),
    "PD-VAL-1:coerces-boolean": (
        lambda m: m().create({"name": "p7", "archived": "true"}).status_code,
        422,
        201,
    ),
    "PD-VAL-1:zero-for-boolean": (
        lambda m: m().create({"name": "p6", "archived": 0}).status_code,
        422,
        201,
    ),
    "PD-VAL-1:object-as-array": (
        lambda m: m().create({"name": "p5", "tags": {}}).status_code,
        422,
        201,
    ),
    "PD-VAL-1:unwraps": (
        lambda m: _created_priority(m().create({"name": "p4", "priority": [2]})),
        (422, None),
        (201, 2),
    ),
    "PD-VAL-1": (
        lambda m: m().create({"priority": 2}).status_code,
        422,
        201,
    ),
    "PD-VAL-3": (
        lambda m: [m().get(f"{PROJECTS}?limit={v}").status_code for v in ("0", "x")],
        [400, 400],
        [200, 200],
    ),
    "PD-BODY-3": (
        lambda m: pointers(m().create({"name": "", "visibility": "x"})),
        ["#/name", "#/visibility"],
        ["name", "visibility"],
    ),
    "PD-VAL-1:unnamed-field": (
        lambda m: pointers(m().create({"name": "", "visibility": "x"})),
        ["#/name", "#/visibility"],
        ["#/body", "#/body"],
    ),
    "PD-REQ-1": (lambda m: m().post_raw(b"{").status_code, 400, 422),
    "PD-REQ-2": (
        lambda m: m().post_raw(b'{"name": "plain"}', "text/plain").status_code,
        415,
        201,
    ),
    "PD-RES-1": (lambda m: m().get(f"/projects/{unknown_id()}").status_code, 404, 403),
    "PD-TENANT-1": (lambda m: _foreign_read(m()), 404, 200),
    "PD-TENANT-1:exists": (lambda m: _foreign_read(m()), 404, 403),
    "PD-ROLE-1": (lambda m: _read_only_write(m()), 403, 201),
    "PD-ROLE-2": (
        lambda m: _read_only_writes_to_unknown(m()),
        [403, 403, 403],
        [404, 404, 403],
    ),
    "PD-5XX-1": (lambda m: m().create({"name": "n" * 1001}).status_code, 422, 500),
    "PD-5XX-1:control": (
        lambda m: m().create({"name": "bell\x07"}).status_code,
        201,
        500,
    ),
    # Refused or not is the server's choice (400 here, 422 under PD-REQ-1): no 500.
    "PD-5XX-1:deep-nesting": (lambda m: _crashes(m(), _deep(1_000)), False, True),
    "PD-5XX-1:deeper-nesting": (lambda m: _crashes(m(), _deep(10_000)), False, True),
    "PD-5XX-1:overflow": (
        lambda m: m().post_raw(b'{"name": "o", "priority": 1e400}').status_code,
        422,
        500,
    ),
    "PD-5XX-1:negative-zero": (
        lambda m: m().post_raw(b'{"name": "z", "tags": 1, "priority": -0}').status_code,
        422,
        500,
    ),
    "PD-5XX-1:duplicate-keys": (
        lambda m: m().post_raw(b'{"name": "k", "name": "k"}').status_code,
        201,
        500,
    ),
    "PD-LEAK-1": (lambda m: "Traceback" in _route_404(m()).text, False, True),
    "PD-CONFLICT-1": (lambda m: m().create({"name": "Apollo"}).status_code, 409, 201),
    "PD-RATE-1": (lambda m: _rate_limited(m(rate_limit=5.0)), True, False),
    "PD-RATE-1:retry-after": (lambda m: _retry_after(m(rate_limit=5.0)), "1", "soon"),
    "PD-RATE-2": (lambda m: _after_waiting(m(rate_limit=5.0)), 200, 429),
    "PD-METHOD-1": (lambda m: _allow(m()), ("GET", "POST"), ("GET",)),
    "PD-METHOD-1:no-allow": (lambda m: "allow" in _unserved(m()).headers, True, False),
    "PD-ROUTE-1": (lambda m: _unknown_route(m()), 404, 403),
    "PD-METHOD-2": (lambda m: _head(m()), (200, 200, 0), (405, 200, 0)),
    "PD-METHOD-2:options": (lambda m: _options(m()), True, False),
    "PD-ROUTE-1:prefix": (lambda m: _item_with_more(m()), 404, 200),
    "PD-ACCEPT-1": (lambda m: _accept_answered(m()), True, False),
    "PD-ACCEPT-1:html": (lambda m: _accept_media(m()), "json", "text/html"),
    "PD-SIZE-1": (lambda m: _no_crash_for_a_large_body(m()), True, False),
    "PD-SIZE-1:accepts": (lambda m: _refused_above_the_limit(m()), True, False),
    "PD-IGNORE-1": (lambda m: _unknown_query(m()), 200, 400),
    "PD-IGNORE-1:read-only": (lambda m: _read_only_stored(m()), False, True),
    "PD-IGNORE-2": (lambda m: _client_request_id(m()), False, True),
    "PD-ATOMIC-1": (lambda m: _half_written(m()), (422, False), (422, True)),
    "PD-ATOMIC-1:forbidden": (
        lambda m: _forbidden_written(m()),
        (403, False),
        (403, True),
    ),
    "PD-AUTH-4": (lambda m: _misplaced(m(), "query").status_code, 401, 200),
    "PD-AUTH-4:cookie": (lambda m: _misplaced(m(), "cookie").status_code, 401, 200),
    "PD-AUTH-4:other-header": (
        lambda m: _misplaced(m(), "other-header").status_code,
        401,
        200,
    ),
    "PD-AUTH-5": (lambda m: _lower_case_scheme(m()), 200, 401),
}
ALSO_CHANGES = {
    # A request without Authorization is served as authenticated: the misplaced key's
    # requests carry none.
    "PD-AUTH-1": {"PD-AUTH-4", "PD-AUTH-4:cookie", "PD-AUTH-4:other-header"},
    # Any token is accepted: keys built from the valid one too.
    "PD-AUTH-2": {
        "PD-AUTH-2:case-insensitive",
        "PD-AUTH-2:prefix-match",
        "PD-AUTH-2:extra-ignored",
    },
    # Another account's project is not found, as an id nobody has: the unknown-id
    # fault answers both with 403.
    "PD-RES-1": {"PD-HDR-1:framework-default", "PD-TENANT-1", "PD-TENANT-1:exists"},
    "PD-TENANT-1": {"PD-TENANT-1:exists"},
    "PD-TENANT-1:exists": {"PD-TENANT-1"},
    # A read-only key that may write is refused nothing, first or last.
    "PD-ROLE-1": {"PD-ROLE-2", "PD-ATOMIC-1:forbidden"},
    "PD-RATE-1": {"PD-RATE-1:retry-after", "PD-RATE-2"},
    "PD-BODY-3": {"PD-VAL-1:unnamed-field"},
    # Without Allow, nothing is listed either; OPTIONS, not served, gets a 405 too.
    "PD-METHOD-1:no-allow": {"PD-METHOD-1", "PD-METHOD-2:options"},
    # A gateway's 403 for every path nothing serves: the framework-answers probe and
    # an item path with more segments see it too.
    "PD-ROUTE-1": {"PD-HDR-1:framework-default", "PD-ROUTE-1:prefix"},
    "PD-VAL-1:unnamed-field": {"PD-BODY-3"},
    # Past 500 levels is past 5,000 too.
    "PD-5XX-1:deep-nesting": {"PD-5XX-1:deeper-nesting"},
    # A reader that crashes past the limit refuses nothing either.
    "PD-SIZE-1": {"PD-SIZE-1:accepts"},
}
"""Probes a fault changes besides its own: with no limit, nothing to bend; the two
pointer faults both change what the pointers say (the suite's clauses tell a bare
name, which still names the field, from a pointer at the wrong field)."""


def factory(faults: tuple[str, ...] = (), tolerances: tuple[str, ...] = ()) -> Factory:
    def build(rate_limit: float | None = None) -> Server:
        return make(faults=faults, tolerances=tolerances, rate_limit=rate_limit)

    return build


def test_there_is_one_probe_per_fault() -> None:
    assert set(PROBES) == FAULTS


def test_the_conforming_server_shows_every_promise() -> None:
    for fault, (probe, conforming, _) in PROBES.items():
        assert probe(factory()) == conforming, fault


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_breaks_its_promise_and_no_other(fault: str) -> None:
    build = factory(faults=(fault,))
    probe, conforming, broken = PROBES[fault]
    assert conforming != broken
    assert probe(build) == broken
    assert probe(factory()) == conforming
    for other, (other_probe, other_conforming, _) in PROBES.items():
        if other == fault or other in ALSO_CHANGES.get(fault, set()):
            continue
        assert other_probe(build) == other_conforming, f"{fault} changed {other}"


@pytest.mark.parametrize("tolerance", sorted(TOLERANCES))
def test_no_tolerance_breaks_a_promise(tolerance: str) -> None:
    build = factory(tolerances=(tolerance,))
    for fault, (probe, conforming, _) in PROBES.items():
        assert probe(build) == conforming, f"{tolerance} changed {fault}"


# -- fault switches in detail ---------------------------------------------------------
@pytest.mark.parametrize("priority", ["3.0", "x", "", " 3", "٣", True, [3]])
def test_pd_val_1_coerces_digit_strings_only(priority: Any) -> None:
    """The lenient-parser fault reads an ASCII digit string, nothing else."""
    s = make(faults=("PD-VAL-1:coerces",))
    r = s.create({"name": "ok", "priority": priority})
    expect_problem(r, 422, "invalid-project")
    assert pointers(r) == ["#/priority"]
    created = s.create({"name": "ok", "priority": "4"})
    assert created.status_code == 201, created.text
    assert created.json()["priority"] == 4


def test_pd_body_1_drops_title_from_404s_only() -> None:
    s = make(faults=("PD-BODY-1",))
    for r in (s.get(f"/projects/{unknown_id()}"), s.get("/nowhere")):
        assert r.status_code == 404
        body = r.json()
        assert "type" in body
        assert "title" not in body
    assert "title" in s.client.get(PROJECTS).json()
    assert "title" in s.create({}).json()


def test_pd_body_2_says_400_in_422_problems_only() -> None:
    s = make(faults=("PD-BODY-2",))
    r = s.create({"name": 1})
    assert r.status_code == 422
    assert r.json()["status"] == 400
    assert pointers(r) == ["#/name"]
    expect_problem(s.post_raw(b"{"), 400, "malformed-body")
    expect_problem(s.client.get(PROJECTS), 401, "unauthenticated")


def test_pd_hdr_1_labels_404s_as_plain_json() -> None:
    s = make(faults=("PD-HDR-1",))
    for r in (s.get(f"/projects/{unknown_id()}"), s.get("/nowhere")):
        assert r.status_code == 404
        assert media_type(r) == "application/json"
        assert r.json()["status"] == 404
    expect_problem(s.client.get(PROJECTS), 401, "unauthenticated")
    expect_problem(s.create({}), 422, "invalid-project")


def test_pd_hdr_1_framework_default_answers_starlette_plain_text() -> None:
    s = make(faults=("PD-HDR-1:framework-default",))
    missing = s.get("/nowhere")
    assert missing.status_code == 404
    assert media_type(missing) == "text/plain"
    assert missing.text == "Not Found"
    assert request_id(missing) is not None
    wrong = s.client.put(PROJECTS, headers=s.auth)
    assert wrong.status_code == 405
    assert media_type(wrong) == "text/plain"
    assert wrong.text == "Method Not Allowed"
    assert "GET" in wrong.headers["Allow"]
    unknown = s.get(f"/projects/{unknown_id()}")
    assert unknown.status_code == 404
    assert media_type(unknown) == "text/plain", "an unknown id: the framework's 404"
    expect_problem(s.client.get("/nowhere"), 401, "unauthenticated")


def test_pd_hdr_2_drops_request_id_from_401s_only() -> None:
    s = make(faults=("PD-HDR-2",))
    r = s.client.get(PROJECTS)
    assert r.status_code == 401
    assert r.json()["status"] == 401
    assert request_id(r) is None
    for ok in (s.get(PROJECTS), s.get("/nowhere"), s.create({})):
        assert request_id(ok) is not None


def test_pd_hdr_3_repeats_one_request_id() -> None:
    s = make(faults=("PD-HDR-3",))
    ids = {
        request_id(r)
        for r in (s.get(PROJECTS), s.client.get(PROJECTS), s.get("/nowhere"))
    }
    assert len(ids) == 1
    assert None not in ids


def test_pd_header_location_drops_location_from_201() -> None:
    s = make(faults=("PD-HEADER-LOCATION",))
    r = s.create({"name": "nowhere-to-be-found"})
    assert r.status_code == 201
    assert "location" not in r.headers
    assert s.get(f"/projects/{r.json()['id']}").status_code == 200


def test_pd_auth_1_serves_a_request_without_authorization() -> None:
    s = make(faults=("PD-AUTH-1",))
    assert s.client.get(PROJECTS).status_code == 200
    assert s.client.post(PROJECTS, json={"name": "anon"}).status_code == 201
    for header in ("", "Bearer wrong", "Basic abc"):
        r = s.client.get(PROJECTS, headers={"Authorization": header})
        expect_problem(r, 401, "unauthenticated")


def test_pd_auth_2_accepts_any_well_formed_bearer_token() -> None:
    s = make(faults=("PD-AUTH-2",))
    for token in ("wrong", str(uuid.uuid4()), "x"):
        r = s.client.get(PROJECTS, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
    for header in (None, "", "Bearer", "Bearer  ", "Basic abc", "Bearer a b"):
        headers = {} if header is None else {"Authorization": header}
        expect_problem(s.client.get(PROJECTS, headers=headers), 401, "unauthenticated")


def test_pd_auth_3_drops_the_challenge() -> None:
    s = make(faults=("PD-AUTH-3",))
    r = s.client.get(PROJECTS)
    expect_problem(r, 401, "unauthenticated")
    assert "www-authenticate" not in r.headers


def test_the_challenge_is_bearer_without_error_information() -> None:
    s = make()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "x"}):
        r = s.client.get(PROJECTS, headers=headers)
        assert r.headers.get_list("www-authenticate") == [REALM]


@pytest.mark.parametrize(
    ("fault", "sent", "lines"),
    [
        ("PD-AUTH-6", False, ['Basic realm="projects"']),
        ("PD-AUTH-6", True, ['Basic realm="projects"']),
        ("PD-AUTH-6:error-without-credential", False, [REALM + INVALID]),
        ("PD-AUTH-6:error-without-credential", True, [REALM + INVALID]),
        ("PD-AUTH-6:unknown-error", False, [REALM]),
        ("PD-AUTH-6:unknown-error", True, [REALM + ', error="unauthorized"']),
    ],
)
def test_pd_auth_6_bends_the_challenge(
    fault: str, sent: bool, lines: list[str]
) -> None:
    s = make(faults=(fault,))
    headers = {"Authorization": "Bearer wrong"} if sent else {}
    r = s.client.get(PROJECTS, headers=headers)
    expect_problem(r, 401, "unauthenticated")
    assert r.headers.get_list("www-authenticate") == lines


@pytest.mark.parametrize(
    ("tolerance", "sent", "lines"),
    [
        ("challenge-detail", False, [REALM + ', scope="projects:read projects:write"']),
        (
            "challenge-detail",
            True,
            [
                REALM + INVALID + ', error_description="The token is unknown, '
                'expired, or revoked"'
            ],
        ),
        ("challenge-case", False, ["bearer REALM=projects"]),
        ("challenge-case", True, ["bearer REALM=projects"]),
        ("challenge-lines", False, ['DPoP algs="ES256 PS256"', REALM]),
    ],
)
def test_the_challenge_tolerances(tolerance: str, sent: bool, lines: list[str]) -> None:
    """What RFC 9110 and RFC 6750 allow, on the wire as each tolerance sends it."""
    s = make(tolerances=(tolerance,))
    headers = {"Authorization": "Bearer wrong"} if sent else {}
    r = s.client.get(PROJECTS, headers=headers)
    expect_problem(r, 401, "unauthenticated")
    assert r.headers.get_list("www-authenticate") == lines
    assert any(c.names("Bearer") for c in _challenges(r))


def _misplaced(s: Server, where: str) -> httpx.Response:
    key = s.fx["api_key"]
    if where == "query":
        r: httpx.Response = s.client.get(PROJECTS, params={"access_token": key})
    elif where == "cookie":
        s.client.cookies.set("access_token", key)
        r = s.client.get(PROJECTS)
        s.client.cookies.clear()
    else:
        r = s.client.get(PROJECTS, headers={"X-API-Key": key})
    return r


@pytest.mark.parametrize("where", ["query", "cookie", "other-header"])
def test_the_key_is_read_from_authorization_only(where: str) -> None:
    """PD-AUTH-4: the valid key anywhere else, and no Authorization, is no key."""
    expect_problem(_misplaced(make(), where), 401, "unauthenticated")


@pytest.mark.parametrize(
    ("fault", "where"),
    [
        ("PD-AUTH-4", "query"),
        ("PD-AUTH-4:cookie", "cookie"),
        ("PD-AUTH-4:other-header", "other-header"),
    ],
)
def test_pd_auth_4_reads_the_key_from_one_more_place(fault: str, where: str) -> None:
    s = make(faults=(fault,))
    assert _misplaced(s, where).status_code == 200
    for other in {"query", "cookie", "other-header"} - {where}:
        expect_problem(_misplaced(s, other), 401, "unauthenticated")


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "bEaReR"])
def test_the_scheme_word_is_case_insensitive(scheme: str) -> None:
    """RFC 9110 section 11.1; PD-AUTH-5 compares it as written."""
    s = make()
    headers = {"Authorization": f"{scheme} {s.fx['api_key']}"}
    assert s.client.get(PROJECTS, headers=headers).status_code == 200
    broken = make(faults=("PD-AUTH-5",))
    headers = {"Authorization": f"{scheme} {broken.fx['api_key']}"}
    expect_problem(broken.client.get(PROJECTS, headers=headers), 401, "unauthenticated")
    assert broken.get(PROJECTS).status_code == 200


@pytest.mark.parametrize("priority", [0, 6, -5, 10**30, 7.0])
def test_pd_val_1_accepts_priorities_out_of_range(priority: float) -> None:
    s = make(faults=("PD-VAL-1:out-of-range",))
    r = s.create({"name": f"p{priority}", "priority": priority})
    assert r.status_code == 201, r.text
    assert r.json()["priority"] == priority
    for wrong_type in ("3", True, None, 2.5):
        assert pointers(s.create({"name": "t", "priority": wrong_type})) == [
            "#/priority"
        ]


def test_pd_val_1_unnamed_field_points_at_the_body() -> None:
    s = make(faults=("PD-VAL-1:unnamed-field",))
    r = s.create({"priority": 0, "tags": "x"})
    assert pointers(r) == ["#/body", "#/body", "#/body"]
    assert r.json()["status"] == 422


def test_pd_req_1_answers_malformed_json_with_422() -> None:
    s = make(faults=("PD-REQ-1",))
    for content in (b"{", b'{"name": "x",}', b"\xff", b"NaN"):
        expect_problem(s.post_raw(content), 422, "invalid-project")
    for content in (b'"x"', b"1", b"null", b"[]"):
        # Well-formed JSON that is no object: still the conforming 400.
        expect_problem(s.post_raw(content), 400, "malformed-body")


def test_pd_req_2_ignores_the_content_type() -> None:
    s = make(faults=("PD-REQ-2",))
    assert s.post_raw(b'{"name": "a"}', "text/plain").status_code == 201
    assert s.post_raw(b'{"name": "b"}', None).status_code == 201
    assert s.post_raw(b'{"name": "c"}', "application/xml").status_code == 201
    expect_problem(s.post_raw(b"name=d", "text/plain"), 400, "malformed-body")


def test_pd_res_1_answers_403_for_unknown_ids() -> None:
    s = make(faults=("PD-RES-1",))
    pid = s.first_id()
    for r in (
        s.get(f"/projects/{unknown_id()}"),
        s.delete(f"/projects/{unknown_id()}"),
    ):
        expect_problem(r, 403, "forbidden")
    expect_problem(s.get("/projects/not-a-uuid"), 404, "not-found")
    assert s.get(f"/projects/{pid}").status_code == 200


def _crash(r: httpx.Response) -> None:
    assert r.status_code == 500
    assert media_type(r) == PROBLEM
    body = r.json()
    assert body["status"] == 500
    assert body["type"] == TYPES + "internal-error"
    assert request_id(r) is not None
    assert not any(marker in r.text for marker in INTERNALS), r.text


def test_pd_5xx_1_crashes_on_names_over_1000_characters() -> None:
    s = make(faults=("PD-5XX-1",))
    _crash(s.create({"name": "n" * 1001}))
    _crash(s.create({"name": "n" * 60_000, "priority": 1}))
    assert pointers(s.create({"name": "n" * 1000})) == ["#/name"]
    assert s.create({"name": "short\x00"}).status_code == 201


def test_pd_5xx_1_control_crashes_on_any_control_character() -> None:
    s = make(faults=("PD-5XX-1:control",))
    for body in (
        {"name": "a\x00"},
        {"name": "ok", "tags": ["\n"]},
        {"name": "ok", "deep": {"x": [["\x7f"]]}},
        {"name": "ok", "k\x1f": 1},
        {"name": "\x85"},
    ):
        _crash(s.create(body))
    assert s.create({"name": "zero\u200bwidth\u202e"}).status_code == 201
    assert s.get(PROJECTS).status_code == 200


def test_pd_leak_1_puts_a_traceback_in_404_details() -> None:
    s = make(faults=("PD-LEAK-1",))
    for r in (s.get(f"/projects/{unknown_id()}"), s.get("/nowhere")):
        assert r.status_code == 404
        assert LEAK in r.json()["detail"]
    assert "Traceback" not in s.client.get(PROJECTS).text
    assert "Traceback" not in s.create({}).text


def test_pd_conflict_1_creates_a_duplicate() -> None:
    s = make(faults=("PD-CONFLICT-1",))
    assert s.create({"name": "Apollo"}).status_code == 201
    names = [p["name"] for p in s.get(PROJECTS).json()["data"]]
    assert names.count("Apollo") == 2


def test_pd_rate_1_enforces_no_limit() -> None:
    s = make(faults=("PD-RATE-1",), rate_limit=5.0)
    assert s.app.state.limiter is None
    assert [s.get(PROJECTS).status_code for _ in range(15)] == [200] * 15


def test_pd_rate_2_says_soon() -> None:
    s = make(faults=("PD-RATE-1:retry-after",), rate_limit=5.0)
    r = drain(s)
    assert r is not None
    expect_problem(r, 429, "rate-limited")
    assert r.headers["Retry-After"] == "soon"


def test_pd_rate_3_keeps_the_credential_limited_for_30_seconds() -> None:
    s = make(faults=("PD-RATE-2",), rate_limit=5.0)
    r = drain(s)
    assert r is not None
    assert r.headers["Retry-After"] == "1"
    s.shift_clock(1.5)
    again = s.get(PROJECTS)
    assert again.status_code == 429
    assert again.headers["Retry-After"] == "1"
    s.shift_clock(29.0)  # 30.5 s after the first refusal
    assert s.get(PROJECTS).status_code == 200


# -- tolerances -------------------------------------------------------------------
def _problems(s: Server) -> list[httpx.Response]:
    responses = [
        s.client.get(PROJECTS),
        s.post_raw(b"{"),
        s.create({"name": "Apollo"}),
        s.post_raw(b"{}", "text/plain"),
        s.create({"tags": 1}),
        s.get(f"/projects/{unknown_id()}"),
        s.get("/nowhere"),
    ]
    assert [r.status_code for r in responses] == [401, 400, 409, 415, 422, 404, 404]
    return responses


def test_extra_members_tolerance() -> None:
    for r in _problems(make(tolerances=("extra-members",))):
        body = r.json()
        assert body["trace"] == {"region": "eu"}
        assert body["code"] == "x"
        assert body["type"].startswith(TYPES)


def test_about_blank_tolerance() -> None:
    for r in _problems(make(tolerances=("about-blank",))):
        body = r.json()
        assert body["type"] == "about:blank"
        assert body["title"] == HTTPStatus(r.status_code).phrase
        assert body["status"] == r.status_code


def test_no_type_tolerance() -> None:
    for r in _problems(make(tolerances=("no-type",))):
        body = r.json()
        assert "type" not in body
        assert body["title"] == HTTPStatus(r.status_code).phrase
        assert body["status"] == r.status_code


def test_no_detail_tolerance() -> None:
    responses = _problems(make(tolerances=("no-detail",)))
    for r in responses:
        body = r.json()
        assert "detail" not in body
        assert "instance" not in body
        assert body["title"]
    assert pointers(responses[4]) == ["#/name", "#/tags"]


def test_relative_type_tolerance() -> None:
    for r in _problems(make(tolerances=("relative-type",))):
        assert r.json()["type"].startswith("/problems/")
    r = make(tolerances=("relative-type",)).get("/nowhere")
    assert r.json()["type"] == "/problems/not-found"


def test_charset_tolerance() -> None:
    for r in _problems(make(tolerances=("charset",))):
        assert r.headers["content-type"] == PROBLEM + "; charset=utf-8"


def test_header_case_tolerance() -> None:
    s = make(tolerances=("header-case",), rate_limit=5.0)
    unauthenticated = s.client.get(PROJECTS)
    limited = drain(s)
    assert limited is not None
    for r in (unauthenticated, limited):
        names = [name for name, _ in r.headers.raw]
        assert names == [name.lower() for name in names]
        assert b"request-id" in names
    assert b"www-authenticate" in [n for n, _ in unauthenticated.headers.raw]
    assert b"retry-after" in [n for n, _ in limited.headers.raw]
    assert unauthenticated.headers["WWW-Authenticate"] == REALM
    conforming = make().client.get(PROJECTS)
    assert {b"Request-Id", b"WWW-Authenticate"} <= {
        n for n, _ in conforming.headers.raw
    }


def test_no_status_tolerance() -> None:
    for r in _problems(make(tolerances=("no-status",))):
        body = r.json()
        assert "status" not in body
        assert body["type"].startswith(TYPES)


@pytest.mark.parametrize("tolerance", sorted(TOLERANCES))
def test_tolerated_problems_still_match_the_document(tolerance: str) -> None:
    s = make(tolerances=(tolerance,))
    item = "/projects/{projectId}"
    paths = [PROJECTS, PROJECTS, PROJECTS, PROJECTS, PROJECTS, item]
    methods = ["get", "post", "post", "post", "post", "get"]
    documented = _problems(s)[:6]  # the last, an unknown route, is in no document
    for r, path, method in zip(documented, paths, methods, strict=True):
        assert_documented(r, path, method)
        assert request_id(r) is not None


@pytest.mark.parametrize(
    ("tolerance", "status", "allow"),
    [
        ((), 405, ["GET", "HEAD", "POST"]),
        (("allow-options",), 204, ["GET", "OPTIONS", "POST"]),
        (("options-501",), 501, []),
    ],
)
def test_options_is_answered_as_rfc_9110_allows(
    tolerance: tuple[str, ...], status: int, allow: list[str]
) -> None:
    """Not served (405 with Allow, a problem), served (204 with Allow), or implemented
    for no resource (501, a problem; no 405's Allow lists it then)."""
    s = make(tolerances=tolerance)
    r = s.client.options(PROJECTS, headers=s.auth)
    lines = r.headers.get_list("allow")
    listed = sorted(m.strip() for v in lines for m in v.split(","))
    assert (r.status_code, listed) == (status, allow)
    if status >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")
    if tolerance == ("options-501",):
        assert "OPTIONS" not in _unserved(s).headers["allow"]


def test_pd_method_2_options_answers_with_the_cors_header_only() -> None:
    s = make(faults=("PD-METHOD-2:options",))
    r = s.client.options(f"/projects/{s.first_id()}", headers=s.auth)
    assert r.status_code == 204
    assert "allow" not in r.headers
    assert r.headers["access-control-allow-methods"] == "GET, PATCH, DELETE, OPTIONS"
