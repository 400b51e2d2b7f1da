"""Each framework app works as described, and each framework's known defects hold.

The first half is sanity: ids come from list and create, the nested create and the
item paths work, tokens give 401/403/404 as described, the archive body is ignored,
the second account sees nothing. The second half pins, one test each, what each
framework really answers where it breaks HTTP or RFC 9457 (README.md lists them):
when an upgrade fixes one, its test fails and the README needs the news.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import yaml
from openapi_spec_validator import validate

from apps.frameworks._model import Tokens
from apps.frameworks._serve import PrismServer, run_prism, serve

from .conftest import CONNEXION_OPENAPI

PYTHON_APPS = ["connexion", "fastapi", "fastapi_problem", "rfc9457"]
TOKEN = {"Authorization": "Bearer framework-test-token"}
OTHER = {"Authorization": "Bearer other-account-token"}
READ_ONLY = {"Authorization": "Bearer read-only-token"}
JSON = {"Content-Type": "application/json"}


def client(base_url: str) -> httpx.Client:
    """A client without keep-alive: a server that crashed on one request (the
    defects below) must not reset the next one's connection."""
    return httpx.Client(
        base_url=base_url,
        timeout=5.0,
        limits=httpx.Limits(max_keepalive_connections=0),
    )


@pytest.fixture(params=PYTHON_APPS)
def api(
    request: pytest.FixtureRequest, serve_framework: Callable[..., str]
) -> Iterator[httpx.Client]:
    """A client of a fresh instance of each Python app in turn."""
    with client(serve_framework(request.param)) as http:
        yield http


@pytest.fixture
def connexion(shared_framework: Callable[[str], str]) -> Iterator[httpx.Client]:
    with client(shared_framework("connexion")) as http:
        yield http


@pytest.fixture(params=["fastapi", "fastapi_problem"])
def fastapi(
    request: pytest.FixtureRequest, shared_framework: Callable[[str], str]
) -> Iterator[httpx.Client]:
    """Stock FastAPI and FastAPI with fastapi-problem: the defects they share."""
    with client(shared_framework(request.param)) as http:
        yield http


@pytest.fixture
def fastapi_problem(shared_framework: Callable[[str], str]) -> Iterator[httpx.Client]:
    with client(shared_framework("fastapi_problem")) as http:
        yield http


@pytest.fixture
def careful(shared_framework: Callable[[str], str]) -> Iterator[httpx.Client]:
    with client(shared_framework("rfc9457")) as http:
        yield http


@pytest.fixture
def prism(prism_mock: PrismServer) -> Iterator[httpx.Client]:
    with client(prism_mock.base_url) as http:
        yield http


def create_org(http: httpx.Client, name: str = "acme-labs") -> dict[str, Any]:
    response = http.post("/orgs", json={"name": name, "plan": "team"}, headers=TOKEN)
    assert response.status_code == 201, response.text
    org: dict[str, Any] = response.json()
    return org


def create_repo(http: httpx.Client, org_id: str) -> dict[str, Any]:
    response = http.post(
        f"/orgs/{org_id}/repos",
        json={"name": "rocket", "private": True, "stars": 3},
        headers=TOKEN,
    )
    assert response.status_code == 201, response.text
    repo: dict[str, Any] = response.json()
    return repo


def allowed(response: httpx.Response) -> set[str]:
    return {method.strip() for method in response.headers["Allow"].split(",")}


# Sanity: every Python app does what the shared model says.


def test_create_and_list_produce_ids(api: httpx.Client) -> None:
    assert api.get("/orgs", headers=TOKEN).json() == []
    response = api.post("/orgs", json={"name": "acme-labs"}, headers=TOKEN)
    assert response.status_code == 201
    org = response.json()
    assert org == {
        "id": org["id"],
        "name": "acme-labs",
        "plan": "free",
        "archived": False,
    }
    assert response.headers["Location"] == f"/orgs/{org['id']}"
    second = create_org(api, "globex-labs")
    listed = api.get("/orgs", headers=TOKEN).json()
    assert {o["id"] for o in listed} == {org["id"], second["id"]}
    assert org["id"] != second["id"]


def test_nested_create_and_item_paths(api: httpx.Client) -> None:
    org = create_org(api)
    response = api.post(
        f"/orgs/{org['id']}/repos", json={"name": "rocket", "stars": 3}, headers=TOKEN
    )
    assert response.status_code == 201
    repo = response.json()
    assert repo == {
        "id": repo["id"],
        "org_id": org["id"],
        "name": "rocket",
        "private": False,
        "stars": 3,
    }
    assert response.headers["Location"] == f"/repos/{repo['id']}"
    assert api.get(f"/orgs/{org['id']}", headers=TOKEN).json() == org
    assert api.get(f"/orgs/{org['id']}/repos", headers=TOKEN).json() == [repo]
    assert api.get(f"/repos/{repo['id']}", headers=TOKEN).json() == repo

    assert api.delete(f"/repos/{repo['id']}", headers=TOKEN).status_code == 204
    assert api.get(f"/repos/{repo['id']}", headers=TOKEN).status_code == 404
    again = create_repo(api, org["id"])
    assert api.delete(f"/orgs/{org['id']}", headers=TOKEN).status_code == 204
    assert api.get(f"/orgs/{org['id']}", headers=TOKEN).status_code == 404
    assert api.get(f"/repos/{again['id']}", headers=TOKEN).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nobody-issued-this"},
        {"Authorization": "Basic eDp5"},
    ],
    ids=["missing", "unknown", "basic"],
)
def test_missing_or_unknown_token_is_401(
    api: httpx.Client, headers: dict[str, str]
) -> None:
    org = create_org(api)
    assert api.get("/orgs", headers=headers).status_code == 401
    assert api.get(f"/orgs/{org['id']}", headers=headers).status_code == 401
    assert api.post("/orgs", json={"name": "x"}, headers=headers).status_code == 401
    assert api.delete(f"/orgs/{org['id']}", headers=headers).status_code == 401


def test_read_only_token_reads_and_gets_403_on_every_write(api: httpx.Client) -> None:
    org = create_org(api)
    repo = create_repo(api, org["id"])
    assert api.get("/orgs", headers=READ_ONLY).json() == [org]
    assert api.get(f"/repos/{repo['id']}", headers=READ_ONLY).status_code == 200
    writes = [
        api.post("/orgs", json={"name": "x"}, headers=READ_ONLY),
        api.delete(f"/orgs/{org['id']}", headers=READ_ONLY),
        api.post(f"/orgs/{org['id']}/repos", json={"name": "x"}, headers=READ_ONLY),
        api.post(f"/orgs/{org['id']}/archive", json={}, headers=READ_ONLY),
        api.delete(f"/repos/{repo['id']}", headers=READ_ONLY),
    ]
    assert [w.status_code for w in writes] == [403] * 5
    assert api.get(f"/orgs/{org['id']}", headers=TOKEN).json() == org


def test_unknown_ids_are_404(api: httpx.Client) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    assert api.get(f"/orgs/{unknown}", headers=TOKEN).status_code == 404
    assert api.delete(f"/orgs/{unknown}", headers=TOKEN).status_code == 404
    assert api.get(f"/orgs/{unknown}/repos", headers=TOKEN).status_code == 404
    new_repo = api.post(f"/orgs/{unknown}/repos", json={"name": "x"}, headers=TOKEN)
    assert new_repo.status_code == 404
    assert api.get(f"/repos/{unknown}", headers=TOKEN).status_code == 404
    assert api.delete(f"/repos/{unknown}", headers=TOKEN).status_code == 404


def test_second_account_sees_nothing_of_the_first(api: httpx.Client) -> None:
    org = create_org(api)
    repo = create_repo(api, org["id"])
    assert api.get("/orgs", headers=OTHER).json() == []
    assert api.get(f"/orgs/{org['id']}", headers=OTHER).status_code == 404
    assert api.get(f"/orgs/{org['id']}/repos", headers=OTHER).status_code == 404
    assert api.get(f"/repos/{repo['id']}", headers=OTHER).status_code == 404
    assert api.delete(f"/repos/{repo['id']}", headers=OTHER).status_code == 404
    assert api.delete(f"/orgs/{org['id']}", headers=OTHER).status_code == 404
    archive = api.post(f"/orgs/{org['id']}/archive", json={}, headers=OTHER)
    assert archive.status_code == 404
    mine = api.post("/orgs", json={"name": "mine"}, headers=OTHER).json()
    assert api.get("/orgs", headers=OTHER).json() == [mine]
    assert api.get(f"/orgs/{mine['id']}", headers=TOKEN).status_code == 404
    assert api.get("/orgs", headers=TOKEN).json() == [org]
    assert api.get(f"/repos/{repo['id']}", headers=TOKEN).json() == repo


@pytest.mark.parametrize(
    "body", [{}, {"force": True, "reason": ["anything", 1]}], ids=["empty", "any"]
)
def test_archive_ignores_its_body(api: httpx.Client, body: dict[str, Any]) -> None:
    org = create_org(api)
    response = api.post(f"/orgs/{org['id']}/archive", json=body, headers=TOKEN)
    assert response.status_code in {200, 202}
    assert response.json() == {**org, "archived": True}


@pytest.mark.parametrize("name", PYTHON_APPS)
def test_tokens_come_from_the_constructor_or_the_environment(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps.frameworks._serve import APPS

    with serve(APPS[name](Tokens(token="given-token"))) as url, client(url) as http:
        assert http.get("/orgs", headers=TOKEN).status_code == 401
        ok = http.get("/orgs", headers={"Authorization": "Bearer given-token"})
        assert ok.status_code == 200
    monkeypatch.setenv("FRAMEWORK_TEST_TOKEN", "env-token")
    monkeypatch.setenv("FRAMEWORK_READ_ONLY_TOKEN", "env-read-only")
    with serve(APPS[name](Tokens.from_env())) as url, client(url) as http:
        assert http.get("/orgs", headers=TOKEN).status_code == 401
        ok = http.get("/orgs", headers={"Authorization": "Bearer env-token"})
        assert ok.status_code == 200
        read_only = {"Authorization": "Bearer env-read-only"}
        assert (
            http.post("/orgs", json={"name": "x"}, headers=read_only).status_code == 403
        )


def test_each_app_serves_a_valid_document_with_bearer_auth(api: httpx.Client) -> None:
    document = api.get("/openapi.json").json()
    validate(document)
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    operations = [
        operation
        for path in document["paths"].values()
        for method, operation in path.items()
        if method in {"get", "post", "delete"}
    ]
    assert len(operations) == 9
    assert all(
        op.get("security", document.get("security")) == [{"bearerAuth": []}]
        for op in operations
    )


@pytest.mark.parametrize(
    "path",
    [CONNEXION_OPENAPI, CONNEXION_OPENAPI.parents[1] / "orgs_rfc9457" / "openapi.yaml"],
    ids=["connexion", "rfc9457"],
)
def test_hand_written_documents_are_valid(path: Any) -> None:
    validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def test_prism_mocks_the_connexion_document(prism: httpx.Client) -> None:
    """Static mode: answers are the document's examples, whatever was sent."""
    listed = prism.get("/orgs", headers=TOKEN)
    assert listed.status_code == 200
    assert listed.json()[0]["id"] == "0b6f8c1e-5a0d-4a57-b1a9-3f1b6f0c2d4e"
    created = prism.post("/orgs", json={"name": "x"}, headers=TOKEN)
    assert created.status_code == 201
    assert created.headers["Location"] == "/orgs/0b6f8c1e-5a0d-4a57-b1a9-3f1b6f0c2d4e"
    repo = prism.post("/orgs/x/repos", json={"name": "x"}, headers=TOKEN)
    assert repo.status_code == 201
    assert repo.headers["Location"] == "/repos/7d3b3c4e-2f7a-4f0e-9a55-8a1c2f3e4d5b"
    assert prism.delete("/repos/x", headers=TOKEN).status_code == 204
    assert prism.get("/orgs").status_code == 401
    invalid = prism.post("/orgs", json={}, headers=TOKEN)
    assert invalid.status_code == 400
    assert invalid.headers["Content-Type"] == "application/problem+json"
    assert prism.get("/nowhere", headers=TOKEN).status_code == 404
    archive = prism.post("/orgs/x/archive", json={"anything": 1}, headers=TOKEN)
    assert archive.status_code == 202


# The careful baseline: what the framework defects below look like done right.


def test_careful_401_challenges_with_bearer(careful: httpx.Client) -> None:
    missing = careful.get("/orgs")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="orgs"'
    assert missing.headers["Content-Type"] == "application/problem+json"
    unknown = careful.get("/orgs", headers={"Authorization": "Bearer nope"})
    assert (
        unknown.headers["WWW-Authenticate"]
        == 'Bearer realm="orgs", error="invalid_token"'
    )


def test_careful_422_points_at_each_member(careful: httpx.Client) -> None:
    org = create_org(careful)
    body = {"name": "x" * 65, "private": "yes", "stars": -1}
    response = careful.post(f"/orgs/{org['id']}/repos", json=body, headers=TOKEN)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "https://orgs.example/problems/invalid-body"
    assert problem["errors"] == [
        {"pointer": "#/name", "detail": "must be at most 64 characters long"},
        {"pointer": "#/private", "detail": "must be of type boolean"},
        {"pointer": "#/stars", "detail": "must be at least 0"},
    ]
    missing = careful.post("/orgs", json={"plan": "team"}, headers=TOKEN)
    assert missing.json()["errors"] == [{"pointer": "#/name", "detail": "is required"}]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/orgs", "GET, HEAD, POST"),
        ("PATCH", "/orgs/x", "GET, HEAD, DELETE"),
        ("PUT", "/orgs/x/repos", "GET, HEAD, POST"),
        ("GET", "/orgs/x/archive", "POST"),
        ("POST", "/repos/x", "GET, HEAD, DELETE"),
    ],
)
def test_careful_405_allows_every_method_the_path_takes(
    careful: httpx.Client, method: str, path: str, allow: str
) -> None:
    response = careful.request(method, path, headers=TOKEN)
    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    assert response.json()["status"] == 405


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b'{"name": "\xff"}', "The body is not valid UTF-8."),
        (b'{"name": NaN}', "The body is not well-formed JSON: NaN is not JSON."),
        (b'{"name": "a", "name": "b"}', "an object has a member twice"),
        (b'{"name": "\\ud800"}', "unpaired surrogate"),
        (b'{"name": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", "nests deeper"),
    ],
    ids=["utf8", "nan", "duplicate", "surrogate", "deep"],
)
def test_careful_rejects_what_is_not_i_json_with_400(
    careful: httpx.Client, content: bytes, detail: str
) -> None:
    response = careful.post("/orgs", content=content, headers={**TOKEN, **JSON})
    assert response.status_code == 400
    assert detail in response.json()["detail"]


def test_careful_unknown_path_and_wrong_media_type(careful: httpx.Client) -> None:
    nowhere = careful.get("/nowhere")
    assert (nowhere.status_code, nowhere.headers["Content-Type"]) == (
        404,
        "application/problem+json",
    )
    text = careful.post(
        "/orgs",
        content=b'{"name": "a"}',
        headers={**TOKEN, "Content-Type": "text/plain"},
    )
    assert text.status_code == 415
    assert careful.head("/orgs", headers=TOKEN).status_code == 200


# Connexion 3.3 (AsyncApp): what it really answers.


def test_connexion_500_on_invalid_utf8_in_a_json_body(connexion: httpx.Client) -> None:
    response = connexion.post(
        "/orgs", content=b'{"name": "\xff"}', headers={**TOKEN, **JSON}
    )
    assert response.status_code == 500
    assert response.json()["title"] == "Internal Server Error"


def test_connexion_500_on_a_json_body_without_content_type(
    connexion: httpx.Client,
) -> None:
    """The handler is given the raw bytes instead of a 415 or a parsed body."""
    response = connexion.post("/orgs", content=b'{"name": "a"}', headers=TOKEN)
    assert response.status_code == 500


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}])
def test_connexion_401_without_www_authenticate(
    connexion: httpx.Client, headers: dict[str, str]
) -> None:
    response = connexion.get("/orgs", headers=headers)
    assert response.status_code == 401
    assert "WWW-Authenticate" not in response.headers


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/orgs"), ("PATCH", "/orgs/x"), ("PUT", "/orgs/x/repos")],
)
def test_connexion_405_allows_only_get_and_head(
    connexion: httpx.Client, method: str, path: str
) -> None:
    """POST (or DELETE) is missing from Allow: the first route's methods win, in
    an order that changes from process to process (a set of strings)."""
    response = connexion.request(method, path, headers=TOKEN)
    assert response.status_code == 405
    assert allowed(response) == {"GET", "HEAD"}


def test_connexion_400_on_an_absent_optional_body(connexion: httpx.Client) -> None:
    """``requestBody.required: false`` is not honoured (spec-first/connexion#1317)."""
    org = create_org(connexion)
    response = connexion.post(f"/orgs/{org['id']}/archive", headers=TOKEN)
    assert response.status_code == 400
    assert response.json()["detail"] == "Request body must not be empty"


def test_connexion_204_says_problem_json(connexion: httpx.Client) -> None:
    org = create_org(connexion)
    response = connexion.delete(f"/orgs/{org['id']}", headers=TOKEN)
    assert response.status_code == 204
    assert response.headers["Content-Type"] == "application/problem+json"


def test_connexion_validates_before_the_handler_can_forbid(
    connexion: httpx.Client,
) -> None:
    """A read-only token learns the schema (400) before it is refused (403)."""
    response = connexion.post("/orgs", json={}, headers=READ_ONLY)
    assert response.status_code == 400


def test_connexion_accepts_a_lone_surrogate(connexion: httpx.Client) -> None:
    response = connexion.post(
        "/orgs", content=b'{"name": "\\ud800"}', headers={**TOKEN, **JSON}
    )
    assert response.status_code == 201
    assert response.content.count(b"\\ud800") == 1


def issue_1956_handler() -> dict[str, bool]:
    """A Connexion view returning a plain dict, as its docs show."""
    return {"ok": True}


def test_connexion_500_when_errors_are_problem_json_and_success_is_not() -> None:
    """spec-first/connexion#1956: the reason the app's handlers name their type."""
    from connexion import AsyncApp
    from connexion.resolver import RelativeResolver

    def content(media_type: str) -> dict[str, Any]:
        return {media_type: {"schema": {"type": "object"}}}

    spec = {
        "openapi": "3.0.3",
        "info": {"title": "issue 1956", "version": "1"},
        "paths": {
            "/probe": {
                "get": {
                    "operationId": "issue_1956_handler",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": content("application/json"),
                        },
                        "404": {
                            "description": "no",
                            "content": content("application/problem+json"),
                        },
                    },
                }
            }
        },
    }
    app = AsyncApp(__name__)
    app.add_api(spec, resolver=RelativeResolver(sys.modules[__name__]))
    with serve(app) as url, client(url) as http:
        response = http.get("/probe")
    assert response.status_code == 500
    assert "Multiple response content types" in response.json()["detail"]


# FastAPI 0.165, stock and with fastapi-problem 0.12.


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_fastapi_500_on_a_non_finite_number(
    fastapi: httpx.Client, constant: bytes
) -> None:
    """Python's json accepts NaN; the 422 handler then cannot serialise the input."""
    org = create_org(fastapi)
    body = b'{"name": "r", "stars": ' + constant + b"}"
    response = fastapi.post(
        f"/orgs/{org['id']}/repos", content=body, headers={**TOKEN, **JSON}
    )
    assert response.status_code == 500


def test_fastapi_500_on_a_lone_surrogate(fastapi: httpx.Client) -> None:
    response = fastapi.post(
        "/orgs", content=b'{"name": "\\ud800"}', headers={**TOKEN, **JSON}
    )
    assert response.status_code == 500


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/orgs"),
        ("PATCH", "/orgs/x"),
        ("PUT", "/orgs/x/repos"),
        ("HEAD", "/orgs"),
    ],
)
def test_fastapi_405_allows_only_get(
    fastapi: httpx.Client, method: str, path: str
) -> None:
    """Allow names the first route's methods only, and GET paths refuse HEAD."""
    response = fastapi.request(method, path, headers=TOKEN)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"


def test_fastapi_parses_the_body_before_authenticating(fastapi: httpx.Client) -> None:
    response = fastapi.post("/orgs", content=b'{"name":', headers=JSON)
    assert response.status_code == 422


@pytest.mark.parametrize("content_type", ["text/plain", None])
def test_fastapi_422_not_415_for_a_body_that_is_not_json(
    fastapi: httpx.Client, content_type: str | None
) -> None:
    headers = {**TOKEN, **({"Content-Type": content_type} if content_type else {})}
    response = fastapi.post("/orgs", content=b'{"name": "a"}', headers=headers)
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("member", "sent", "stored"),
    [
        ("stars", "5", 5),
        ("stars", True, 1),
        ("private", "true", True),
        ("private", 1, True),
    ],
)
def test_fastapi_coerces_what_its_document_calls_invalid(
    fastapi: httpx.Client, member: str, sent: Any, stored: Any
) -> None:
    """Pydantic's lax mode: the document says integer/boolean, strings pass."""
    org = create_org(fastapi)
    body = {"name": "r", member: sent}
    response = fastapi.post(f"/orgs/{org['id']}/repos", json=body, headers=TOKEN)
    assert response.status_code == 201
    assert response.json()[member] == stored


def test_fastapi_204_says_json(fastapi: httpx.Client) -> None:
    org = create_org(fastapi)
    response = fastapi.delete(f"/orgs/{org['id']}", headers=TOKEN)
    assert response.status_code == 204
    assert response.headers["Content-Type"] == "application/json"


def test_fastapi_stock_errors_are_not_problem_details(
    shared_framework: Callable[[str], str],
) -> None:
    with client(shared_framework("fastapi")) as http:
        missing = http.get("/orgs")
        invalid = http.post("/orgs", json={}, headers=TOKEN)
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert missing.json() == {"detail": "Not authenticated"}
    assert invalid.headers["Content-Type"] == "application/json"
    assert invalid.json()["detail"][0]["loc"] == ["body", "name"]


def test_fastapi_problem_500_detail_is_the_exception_text(
    fastapi_problem: httpx.Client,
) -> None:
    response = fastapi_problem.post(
        "/orgs", content=b'{"name": NaN}', headers={**TOKEN, **JSON}
    )
    assert response.status_code == 500
    assert response.json() == {
        "type": "unhandled-exception",
        "title": "Unhandled exception occurred.",
        "status": 500,
        "detail": "Out of range float values are not JSON compliant",
    }


def test_fastapi_problem_422_has_no_detail_and_echoes_bytes(
    fastapi_problem: httpx.Client,
) -> None:
    invalid = fastapi_problem.post("/orgs", json={}, headers=TOKEN)
    text = fastapi_problem.post(
        "/orgs",
        content=b'{"name": "a"}',
        headers={**TOKEN, "Content-Type": "text/plain"},
    )
    problem = invalid.json()
    assert invalid.headers["Content-Type"] == "application/problem+json"
    assert "detail" not in problem
    assert problem["errors"][0]["loc"] == ["body", "name"]
    assert text.json()["errors"][0]["input"] == 'b\'{"name": "a"}\''


# Prism 5 (static mock of the Connexion document).


def test_prism_401_without_www_authenticate_and_any_token_passes(
    prism: httpx.Client,
) -> None:
    missing = prism.get("/orgs")
    assert missing.status_code == 401
    assert "WWW-Authenticate" not in missing.headers
    assert (
        prism.get("/orgs", headers={"Authorization": "Bearer nope"}).status_code == 200
    )


@pytest.mark.parametrize(("method", "path"), [("PUT", "/orgs"), ("HEAD", "/orgs")])
def test_prism_405_without_allow(prism: httpx.Client, method: str, path: str) -> None:
    response = prism.request(method, path, headers=TOKEN)
    assert response.status_code == 405
    assert "Allow" not in response.headers


@pytest.mark.parametrize("content", [b'{"name":', b'{"name": NaN}'])
def test_prism_400_for_bad_json_is_neither_problem_nor_documented(
    prism: httpx.Client, content: bytes
) -> None:
    response = prism.post("/orgs", content=content, headers={**TOKEN, **JSON})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {
        "error": {"code": "invalid_json", "message": "Invalid JSON"}
    }


def test_prism_error_bodies_are_the_documents_examples(prism: httpx.Client) -> None:
    """The 400 says 'name' is required when name is there but too long."""
    response = prism.post("/orgs", json={"name": "x" * 65}, headers=TOKEN)
    assert response.status_code == 400
    assert response.json()["detail"] == "'name' is a required property"
    assert "maxLength" in response.headers["sl-violations"]


def test_prism_accepts_invalid_utf8_in_a_body(prism: httpx.Client) -> None:
    response = prism.post(
        "/orgs", content=b'{"name": "\xff"}', headers={**TOKEN, **JSON}
    )
    assert response.status_code == 201


def test_prism_dies_on_an_invalid_utf8_percent_escape_in_the_path(
    prism_executable: str,
) -> None:
    """One request ends the mock: no answer, and the process exits (URIError)."""
    with run_prism(CONNEXION_OPENAPI, prism_executable) as server:
        with client(server.base_url) as http, pytest.raises(httpx.TransportError):
            http.get("/orgs/%FF", headers=TOKEN)
        deadline = time.monotonic() + 10
        while server.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not server.alive()
        assert "URIError: URI malformed" in server.output()
