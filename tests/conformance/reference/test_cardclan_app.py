"""Pins the CardClan reference server: conforming answers, faults, tolerances."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from errcontract.reference._serve import serve
from errcontract.reference.cardclan import FAULTS, TOLERANCES, create_app
from errcontract.reference.cardclan import _messages as msg

BASE = "/api/integration"
ERROR_KEYS = {"error", "message", "statusCode", "timestamp"}
HEX24 = re.compile(r"^[0-9a-f]{24}$")
RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)
DOCUMENTED_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
LEAK_PATTERNS = [
    re.compile(p)
    for p in (r"Traceback", r"\bat \S+ \(", r"\.(ts|js|py|rb):\d+", r"TypeError")
]
SKEW = timedelta(seconds=5)
MISSING = object()
TAGS = [{"name": "Ada", "email": "ada@example.com", "company": "Example"}]


@dataclass
class Api:
    """One app instance with a client and the ids a test needs."""

    client: TestClient
    fixtures: dict[str, str]
    integration: str | None = None

    @property
    def key(self) -> str:
        return self.fixtures["api_key"]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def get(self, path: str, *, headers=None, **kwargs) -> httpx.Response:
        headers = self.auth if headers is None else headers
        return self.client.get(BASE + path, headers=headers, **kwargs)

    def post(self, path: str, *, headers=None, **kwargs) -> httpx.Response:
        headers = self.auth if headers is None else headers
        return self.client.post(BASE + path, headers=headers, **kwargs)

    def user_id(self) -> str:
        return self.get("/auth/validate").json()["user_id"]

    def config_body(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "userId": self.user_id(),
            "workspaceId": self.fixtures["workspace_id"],
            "cardId": self.fixtures["card_id"],
        }
        return _merged(body, overrides)

    def integration_id(self) -> str:
        """Create the configuration of card_id once, as the suite does."""
        if self.integration is None:
            created = self.post("/config", json=self.config_body())
            assert created.status_code in (200, 201), created.text
            self.integration = created.json()["data"]["_id"]
        return self.integration

    def card_body(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "card": self.fixtures["card_id"],
            "integrationId": self.integration_id(),
            "mergeTags": TAGS,
        }
        return _merged(body, overrides)

    def foreign_integration_id(self) -> str:
        store = self.client.app.state.store  # type: ignore[attr-defined]
        foreign = store.configuration_for_card(self.fixtures["foreign_card_id"])
        return foreign.id

    def foreign_workspace_id(self) -> str:
        store = self.client.app.state.store  # type: ignore[attr-defined]
        return store.card(self.fixtures["foreign_card_id"]).workspace_id


def _merged(body: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    merged = {**body, **overrides}
    return {k: v for k, v in merged.items() if v is not MISSING}


def make_api(*, faults=(), tolerances=(), **kwargs) -> Api:
    app = create_app(faults=faults, tolerances=tolerances, **kwargs)
    return Api(TestClient(app), app.state.fixtures)


@pytest.fixture
def api() -> Api:
    return make_api()


def parse_ts(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def assert_error(
    response: httpx.Response, status: int, message: str | None = None
) -> dict[str, Any]:
    """The documented error shape, exactly, with ``message`` when given."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["error"] == HTTPStatus(status).phrase
    assert body["statusCode"] == status
    if message is None:
        assert isinstance(body["message"], str)
        assert body["message"].strip()
    else:
        assert body["message"] == message
    assert DOCUMENTED_TS.match(body["timestamp"]), body["timestamp"]
    assert abs(parse_ts(body["timestamp"]) - datetime.now(UTC)) < SKEW
    return body


# --- interface ---------------------------------------------------------------


def clause_of(fault: str) -> str:
    """The clause a fault switch breaks: ``CC-5XX-1:astral-id`` breaks CC-5XX-1."""
    return fault.partition(":")[0]


CLAUSE_IDS = {
    "CC-BODY-1", "CC-BODY-2", "CC-BODY-3", "CC-TS-1", "CC-TS-2", "CC-HDR-1",
    "CC-AUTH-1", "CC-AUTH-2", "CC-AUTH-3", "CC-AUTH-4", "CC-AUTH-5", "CC-AUTH-6",
    "CC-VAL-1", "CC-VAL-2",
    "CC-VAL-3", "CC-VAL-4", "CC-VAL-5", "CC-RES-1", "CC-CONFLICT-1",
    "CC-CONFLICT-2", "CC-5XX-1", "CC-LEAK-1", "CC-METHOD-1", "CC-ROUTE-1",
    "CC-METHOD-2", "CC-ACCEPT-1",
}  # fmt: skip


def test_faults_are_the_clause_ids_and_their_variants():
    """One switch named by each clause id; more, ``<clause id>:<variant>``, where a
    clause covers several defect kinds."""
    assert CLAUSE_IDS <= FAULTS
    assert {clause_of(f) for f in FAULTS} == CLAUSE_IDS
    assert {"CC-RES-1:reason-member", "CC-5XX-1:astral-id"} <= FAULTS - CLAUSE_IDS
    assert isinstance(FAULTS, frozenset)
    assert all(type(name) is str for name in FAULTS)


def test_tolerances_are_exactly_the_documented_variations():
    assert {
        "extra-fields",
        "plus-offset",
        "no-fraction",
        "charset",
        "status-200",
        "header-case",
        "method-405",
        "options-express",
        "accept-406",
    } == TOLERANCES
    assert all(type(name) is str for name in TOLERANCES)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"faults": ["CC-BODY-9"]}, r"'CC-BODY-9'.*did you mean 'CC-BODY-\d'\?"),
        ({"faults": ["cc-auth-1"]}, r"'cc-auth-1'"),
        ({"tolerances": ["charsets"]}, r"'charsets'.*did you mean 'charset'\?"),
        ({"tolerances": ["zzzz"]}, r"'zzzz'.*expected one of"),
        ({"faults": ["CC-VAL-1", "CC-VAL-9"]}, r"fault 'CC-VAL-9'"),
    ],
)
def test_unknown_switch_names_are_rejected_with_a_suggestion(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        create_app(**kwargs)


def test_a_bare_string_of_switches_is_rejected():
    with pytest.raises(TypeError, match="not the string"):
        create_app(faults="CC-BODY-1")


def test_all_switches_at_once_are_accepted():
    app = create_app(faults=FAULTS, tolerances=TOLERANCES, rate_limit=None)
    assert app.state.faults == FAULTS
    assert app.state.tolerances == TOLERANCES


def test_fixtures_are_present_and_shaped_like_cardclan_ids():
    first, second = create_app().state.fixtures, create_app().state.fixtures
    assert set(first) == {"api_key", "workspace_id", "card_id", "foreign_card_id"}
    assert str(uuid.UUID(first["api_key"], version=4)) == first["api_key"]
    for name in ("workspace_id", "card_id", "foreign_card_id"):
        assert HEX24.match(first[name])
    assert first["card_id"] != first["foreign_card_id"]
    assert first["api_key"] != second["api_key"]


def test_rate_limit_is_accepted_and_ignored():
    api = make_api(rate_limit=1.0)
    statuses = {api.get("/auth/validate").status_code for _ in range(10)}
    assert statuses == {200}


# --- mounting and routing ----------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/integration/auth/validate"),
        ("GET", "/"),
        ("GET", "/api"),
        ("GET", "/api/"),
        ("GET", "/api/integration/unknown"),
        ("GET", "/api/integration/workspaces/"),
        ("POST", "/api/integration/workspaces"),
        ("DELETE", "/api/integration/config"),
        # NestJS's not-found handler follows the routes: Express's own OPTIONS answer
        # never comes.
        ("OPTIONS", "/api/integration/config"),
    ],
)
def test_unrouted_requests_answer_404_in_the_error_shape(api, method, path):
    response = api.client.request(method, path, headers=api.auth)
    assert_error(response, 404, f"Cannot {method} {path}")


def test_the_api_lives_under_api(api):
    assert api.client.get("/api/integration/auth/validate", headers=api.auth).is_success


# --- authentication ------------------------------------------------------------

AUTH_CASES = [
    pytest.param(lambda key: None, 401, msg.AUTH_REQUIRED, id="no-header"),
    pytest.param(lambda key: key, 401, msg.AUTH_REQUIRED, id="bare-key"),
    pytest.param(lambda key: f"Basic {key}", 401, msg.AUTH_REQUIRED, id="basic"),
    pytest.param(lambda key: f"Token {key}", 401, msg.AUTH_REQUIRED, id="token"),
    pytest.param(lambda key: f"Bearer{key}", 401, msg.AUTH_REQUIRED, id="glued"),
    pytest.param(lambda key: "", 401, msg.AUTH_REQUIRED, id="empty-header"),
    pytest.param(lambda key: "Bearer", 401, msg.TOKEN_EMPTY, id="bearer-alone"),
    pytest.param(lambda key: "Bearer ", 401, msg.TOKEN_EMPTY, id="bearer-space"),
    pytest.param(lambda key: "Bearer    ", 401, msg.TOKEN_EMPTY, id="bearer-spaces"),
    pytest.param(lambda key: "Bearer \t ", 401, msg.TOKEN_EMPTY, id="bearer-tab"),
    pytest.param(
        lambda key: f"Bearer {uuid.uuid4()}", 404, msg.USER_NOT_FOUND, id="unknown-uuid"
    ),
    pytest.param(
        lambda key: f"Bearer {key.upper()}", 404, msg.USER_NOT_FOUND, id="wrong-case"
    ),
    pytest.param(lambda key: "Bearer x", 404, msg.USER_NOT_FOUND, id="not-a-uuid"),
]

ENDPOINTS = [
    ("GET", "/auth/validate"),
    ("GET", "/workspaces"),
    ("POST", "/cards"),
    ("GET", "/email-accounts"),
    ("POST", "/config"),
    ("GET", "/config/by-card"),
    ("POST", "/send-card"),
    ("POST", "/get-card-url"),
]


def _headers(value: str | None) -> dict[str, str]:
    return {} if value is None else {"Authorization": value}


@pytest.mark.parametrize(("header", "status", "message"), AUTH_CASES)
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_auth_is_checked_first_on_every_endpoint(
    api, method, path, header, status, message
):
    """Auth answers even when query and body are missing or malformed."""
    response = api.client.request(
        method, BASE + path, headers=_headers(header(api.key)), content=b"{not json"
    )
    body = assert_error(response, status, message)
    assert body["message"] == message


def test_401_names_the_bearer_scheme(api):
    assert api.get("/auth/validate", headers={}).headers["www-authenticate"] == "Bearer"


def test_header_name_case_does_not_matter(api):
    headers = {"AUTHORIZATION": f"Bearer {api.key}"}
    assert api.get("/auth/validate", headers=headers).status_code == 200


# --- successes -------------------------------------------------------------------


def test_validate_returns_the_user_id(api):
    response = api.get("/auth/validate")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body == {"success": True, "message": msg.AUTH_OK, "user_id": body["user_id"]}
    assert HEX24.match(body["user_id"])


def test_workspaces_lists_the_fixture_workspace(api):
    response = api.get("/workspaces")
    assert response.status_code == 200
    [group] = response.json()
    assert group["key"] == "workspace"
    for choice in group["choices"]:
        assert set(choice) == {"key", "label", "value", "id", "name"}
    ids = {choice["id"] for choice in group["choices"]}
    assert ids == {api.fixtures["workspace_id"]}


def test_cards_lists_own_cards_only(api):
    response = api.post("/cards", params={"workspace": api.fixtures["workspace_id"]})
    assert response.status_code == 200
    [group] = response.json()
    assert group["key"] == "card"
    for choice in group["choices"]:
        assert set(choice) == {"key", "label", "value", "id", "title", "name"}
    ids = [choice["id"] for choice in group["choices"]]
    assert 2 <= len(ids) <= 3
    assert api.fixtures["card_id"] in ids
    assert api.fixtures["foreign_card_id"] not in ids


def test_email_accounts_lists_the_default_sender(api):
    response = api.get("/email-accounts")
    assert response.status_code == 200
    [group] = response.json()
    assert group["key"] == "email-account"
    assert msg.DEFAULT_SENDER in [choice["value"] for choice in group["choices"]]


def test_configuration_lifecycle(api):
    """Create answers 201, a second create 409, lookup finds the same record."""
    created = api.post("/config", json=api.config_body())
    assert created.status_code == 201
    body = created.json()
    assert body["message"] == msg.CONFIG_CREATED
    data = body["data"]
    assert set(data) == {
        "_id",
        "userId",
        "workspaceId",
        "cardId",
        "createdAt",
        "updatedAt",
    }
    assert HEX24.match(data["_id"])
    assert data["cardId"] == api.fixtures["card_id"]
    assert DOCUMENTED_TS.match(data["createdAt"])
    again = api.post("/config", json=api.config_body())
    assert_error(again, 409, msg.CONFIG_EXISTS)
    found = api.get("/config/by-card", params={"cardId": api.fixtures["card_id"]})
    assert found.status_code == 200
    assert found.json() == {"data": data, "message": msg.CONFIG_FOUND}


def test_send_card_answers_201_naming_the_first_recipient(api):
    tags = [*TAGS, {"name": "Bob", "email": "bob@example.com"}]
    response = api.post("/send-card", json=api.card_body(mergeTags=tags))
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"message", "status", "recipient_id", "tracking_url"}
    assert body["message"] == msg.CARD_SENT.format(email="ada@example.com")
    assert body["status"] is True
    assert HEX24.match(body["recipient_id"])
    assert re.match(rf"^https://.+/track/{body['recipient_id']}$", body["tracking_url"])


def test_send_card_accepts_an_email_account(api):
    body = api.card_body(emailAccount=msg.DEFAULT_SENDER)
    assert api.post("/send-card", json=body).status_code == 201


def test_get_card_url_answers_200(api):
    response = api.post("/get-card-url", json=api.card_body())
    assert response.status_code == 200
    assert set(response.json()) == {
        "view_card_url",
        "white_label_app_name",
        "card_cover",
        "unsubscribe_link_url",
    }


@pytest.mark.parametrize("path", ["/send-card", "/get-card-url"])
def test_a_utf8_bom_before_the_body_is_ignored(api, path):
    raw = "\ufeff".encode() + json.dumps(api.card_body()).encode()
    response = api.post(path, content=raw, headers={**api.auth})
    assert response.status_code in (200, 201), response.text


def test_a_lone_surrogate_in_a_merge_tag_is_not_a_5xx(api):
    raw = json.dumps(api.card_body()).replace("ada@", "\\ud800@").encode()
    response = api.post("/send-card", content=raw)
    assert response.status_code == 201
    assert response.json()["message"].endswith("\ud800@example.com")


def test_no_undocumented_headers_are_added(api):
    for response in (api.get("/auth/validate"), api.get("/auth/validate", headers={})):
        assert "x-request-id" not in response.headers
        assert not any(name.startswith("x-ratelimit") for name in response.headers)


# --- documented and profile errors -------------------------------------------------

Request = Callable[[Api], httpx.Response]


def _cards(params: dict[str, str]) -> Request:
    return lambda api: api.post("/cards", params=params)


def _config(**overrides: Any) -> Request:
    return lambda api: api.post("/config", json=api.config_body(**overrides))


def _raw(path: str, raw: bytes) -> Request:
    return lambda api: api.post(path, content=raw)


ERROR_CASES = [
    pytest.param(_cards({}), 400, msg.WORKSPACE_REQUIRED, id="cards-no-workspace"),
    pytest.param(
        _cards({"workspace": ""}), 400, msg.WORKSPACE_REQUIRED, id="cards-empty"
    ),
    pytest.param(
        _cards({"workspace": "  "}), 400, msg.WORKSPACE_REQUIRED, id="cards-blank"
    ),
    pytest.param(
        _cards({"workspace": "0" * 24}),
        404,
        msg.WORKSPACE_NOT_FOUND,
        id="cards-unknown-workspace",
    ),
    pytest.param(
        lambda api: api.post(
            "/cards", params={"workspace": api.foreign_workspace_id()}
        ),
        404,
        msg.WORKSPACE_NOT_FOUND,
        id="cards-foreign-workspace",
    ),
    pytest.param(_raw("/config", b"{"), 400, None, id="config-bad-json"),
    pytest.param(_raw("/config", b"[]"), 400, None, id="config-array"),
    pytest.param(_raw("/config", b""), 400, None, id="config-empty-body"),
    *[
        pytest.param(
            _config(**{field: value}),
            400,
            msg.FIELD_REQUIRED.format(field=field),
            id=f"config-{field}-{label}",
        )
        for field in ("userId", "workspaceId", "cardId")
        for label, value in (("missing", MISSING), ("null", None), ("empty", ""))
    ],
    pytest.param(
        _config(cardId=7),
        400,
        msg.FIELD_NOT_STRING.format(field="cardId"),
        id="config-card-not-string",
    ),
    pytest.param(
        _config(userId="0" * 24), 404, msg.CONFIG_USER_MISMATCH, id="config-other-user"
    ),
    pytest.param(
        _config(workspaceId="0" * 24),
        404,
        msg.WORKSPACE_NOT_FOUND,
        id="config-unknown-workspace",
    ),
    pytest.param(
        _config(cardId="0" * 24), 404, msg.CARD_NOT_FOUND, id="config-unknown-card"
    ),
    pytest.param(
        lambda api: api.post(
            "/config", json=api.config_body(cardId=api.fixtures["foreign_card_id"])
        ),
        404,
        msg.CARD_NOT_FOUND,
        id="config-foreign-card",
    ),
    pytest.param(
        lambda api: api.get("/config/by-card"),
        400,
        msg.CARD_ID_QUERY_REQUIRED,
        id="by-card-missing",
    ),
    pytest.param(
        lambda api: api.get(
            "/config/by-card", params={"cardId": api.fixtures["card_id"]}
        ),
        404,
        msg.CONFIG_NOT_FOUND,
        id="by-card-unconfigured",
    ),
    pytest.param(
        lambda api: api.get(
            "/config/by-card", params={"cardId": api.fixtures["foreign_card_id"]}
        ),
        404,
        msg.CONFIG_NOT_FOUND,
        id="by-card-foreign",
    ),
]


@pytest.mark.parametrize(("request_", "status", "message"), ERROR_CASES)
def test_documented_errors(api, request_, status, message):
    assert_error(request_(api), status, message)


BAD_BODIES = [
    b"",
    b"{",
    b"not json",
    b"NaN",
    b'{"card": NaN}',
    b'{"card": Infinity}',
    b'{"card": -Infinity}',
    b'{"card": 1e400}',
    b"[" * 5000 + b"]" * 5000,
    b'{"a":' * 5000 + b"1" + b"}" * 5000,
    b"\xff\xfe{}",
    b"[]",
    b"null",
    b'"card"',
    b"12",
    b"1" * 5000,
]


@pytest.mark.parametrize("path", ["/send-card", "/get-card-url", "/config"])
@pytest.mark.parametrize("raw", BAD_BODIES, ids=lambda raw: repr(raw[:12]))
def test_bodies_that_are_not_json_objects_answer_400(api, path, raw):
    assert_error(api.post(path, content=raw), 400)


CARD_CASES = [
    pytest.param({"card": MISSING}, 400, msg.CARD_ID_REQUIRED, id="no-card"),
    pytest.param({"card": ""}, 400, msg.CARD_ID_REQUIRED, id="empty-card"),
    pytest.param({"card": "   "}, 400, msg.CARD_ID_REQUIRED, id="blank-card"),
    pytest.param({"card": None}, 400, msg.CARD_ID_REQUIRED, id="null-card"),
    pytest.param(
        {"card": MISSING, "integrationId": MISSING},
        400,
        msg.CARD_ID_REQUIRED,
        id="card-checked-before-integration",
    ),
    pytest.param(
        {"integrationId": MISSING}, 400, msg.INTEGRATION_ID_REQUIRED, id="no-integ"
    ),
    pytest.param(
        {"integrationId": ""}, 400, msg.INTEGRATION_ID_REQUIRED, id="empty-integ"
    ),
    pytest.param(
        {"integrationId": MISSING, "mergeTags": MISSING},
        400,
        msg.INTEGRATION_ID_REQUIRED,
        id="integration-checked-before-tags",
    ),
    *[
        pytest.param(
            {"mergeTags": tags}, 400, msg.MERGE_TAGS_REQUIRED, id=f"tags-{label}"
        )
        for label, tags in (
            ("missing", MISSING),
            ("empty", []),
            ("null", None),
            ("string", "ada@example.com"),
            ("object", TAGS[0]),
            ("number", 3),
        )
    ],
    *[
        pytest.param({"mergeTags": tags}, 400, msg.MERGE_TAG_INVALID, id=f"tag-{label}")
        for label, tags in (
            ("no-email", [{"name": "Ada"}]),
            ("no-name", [{"email": "ada@example.com"}]),
            ("empty-email", [{"name": "Ada", "email": ""}]),
            ("not-object", ["ada@example.com"]),
            ("second-bad", [*TAGS, {"name": 5, "email": "b@example.com"}]),
        )
    ],
    pytest.param(
        {"mergeTags": [], "integrationId": "0" * 24},
        400,
        msg.MERGE_TAGS_REQUIRED,
        id="tags-checked-before-integration-lookup",
    ),
    pytest.param(
        {"integrationId": "0" * 24}, 409, msg.CONFIG_MISSING, id="unknown-integ"
    ),
    pytest.param({"integrationId": 42}, 409, msg.CONFIG_MISSING, id="numeric-integ"),
    pytest.param(
        {"integrationId": "0" * 24, "card": "0" * 24},
        409,
        msg.CONFIG_MISSING,
        id="integration-checked-before-card",
    ),
    pytest.param({"card": "0" * 24}, 404, msg.CARD_NOT_FOUND, id="unknown-card"),
    pytest.param({"card": "nonsense"}, 404, msg.CARD_NOT_FOUND, id="odd-card"),
    pytest.param({"card": 12}, 404, msg.CARD_NOT_FOUND, id="numeric-card"),
]


@pytest.mark.parametrize("path", ["/send-card", "/get-card-url"])
@pytest.mark.parametrize(("overrides", "status", "message"), CARD_CASES)
def test_card_request_errors(api, path, overrides, status, message):
    assert_error(api.post(path, json=api.card_body(**overrides)), status, message)


@pytest.mark.parametrize("path", ["/send-card", "/get-card-url"])
def test_foreign_and_unknown_cards_cannot_be_told_apart(api, path):
    foreign = api.post(path, json=api.card_body(card=api.fixtures["foreign_card_id"]))
    unknown = api.post(path, json=api.card_body(card="0" * 24))
    bodies = [assert_error(r, 404, msg.CARD_NOT_FOUND) for r in (foreign, unknown)]
    for body in bodies:
        del body["timestamp"]
    assert bodies[0] == bodies[1]
    assert foreign.headers == unknown.headers


@pytest.mark.parametrize("path", ["/send-card", "/get-card-url"])
def test_another_accounts_integration_id_does_not_exist(api, path):
    body = api.card_body(integrationId=api.foreign_integration_id())
    assert_error(api.post(path, json=body), 409, msg.CONFIG_MISSING)


def test_unexpected_errors_answer_500_without_internals(api, monkeypatch):
    def explode(key: str) -> None:
        raise RuntimeError("boom at /app/src/store.py:12")

    monkeypatch.setattr(api.client.app.state.store, "user_for_key", explode)
    response = api.get("/auth/validate")
    assert_error(response, 500, msg.INTERNAL)
    assert "boom" not in response.text


# --- clause probes: each passes on a conforming server ----------------------------


def _no_auth(api: Api) -> httpx.Response:
    return api.get("/auth/validate", headers={})


def _unknown_card(api: Api) -> httpx.Response:
    return api.post("/send-card", json=api.card_body(card="0" * 24))


def _unrouted(api: Api) -> httpx.Response:
    """A router answer no other switch bends: no path matches (so no method does),
    and the method is not GET (a single-page app's fallback answers GETs only)."""
    return api.client.delete(BASE + "/nowhere", headers=api.auth)


SERVED = {
    "/auth/validate": {"GET", "HEAD"},
    "/config": {"POST"},
    "/send-card": {"POST"},
}
"""What each path of the method probes serves (HEAD with GET, as Starlette adds it)."""


def _unserved(api: Api) -> list[httpx.Response]:
    """A method each path does not serve: a read's DELETE, a write's GET and PUT."""
    return [
        api.client.request(method, BASE + path, headers=api.auth)
        for method, path in zip(("DELETE", "GET", "PUT"), SERVED, strict=True)
    ]


def allow(response: httpx.Response) -> set[str]:
    """The methods a 405's Allow field lines list, combined (RFC 9110 section 5.3)."""
    return {
        m.strip().upper()
        for line in response.headers.get_list("allow")
        for m in line.split(",")
        if m.strip()
    }


PNG = {"Accept": "image/png"}


def _unacceptable_no_auth(api: Api) -> httpx.Response:
    """An error whatever is done with the Accept: no key, and Accept admitting no
    JSON (a middleware refusing the Accept answers it before authentication)."""
    return api.get("/auth/validate", headers=PNG)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise AssertionError(response.text) from exc


def probe_body_1(api: Api) -> None:
    errors = (_no_auth(api), _unknown_card(api), _unrouted(api))
    for response in (*errors, _unacceptable_no_auth(api)):
        body = _json(response)
        assert isinstance(body, dict)
        assert isinstance(body.get("error"), str)
        assert isinstance(body.get("message"), str)
        assert body["message"].strip()
        assert type(body.get("statusCode")) is int
        assert isinstance(body.get("timestamp"), str)


def probe_body_2(api: Api) -> None:
    for response in (_no_auth(api), _unknown_card(api)):
        assert response.json()["statusCode"] == response.status_code


def probe_body_3(api: Api) -> None:
    for response in (_no_auth(api), _unknown_card(api)):
        error = response.json().get("error")
        if error is not None:  # a missing field is CC-BODY-1's to report
            assert error.lower() == HTTPStatus(response.status_code).phrase.lower()


def probe_ts_1(api: Api) -> None:
    assert RFC3339.match(_no_auth(api).json()["timestamp"])


def probe_ts_2(api: Api) -> None:
    stamp = parse_ts(_no_auth(api).json()["timestamp"])
    assert abs(stamp - datetime.now(UTC)) < timedelta(seconds=300)


def probe_hdr_1(api: Api) -> None:
    for response in (_no_auth(api), _unknown_card(api), _unacceptable_no_auth(api)):
        media = response.headers["content-type"].split(";")[0].strip().lower()
        assert media == "application/json" or media.endswith("+json")


def _expect(response: httpx.Response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["message"].strip() == message


def probe_auth_1(api: Api) -> None:
    _expect(_no_auth(api), 401, msg.AUTH_REQUIRED)


def probe_auth_2(api: Api) -> None:
    for header in (api.key, f"Basic {api.key}", f"Token {api.key}"):
        response = api.get("/auth/validate", headers={"Authorization": header})
        _expect(response, 401, msg.AUTH_REQUIRED)


def probe_auth_3(api: Api) -> None:
    for header in ("Bearer", "Bearer    "):
        response = api.get("/auth/validate", headers={"Authorization": header})
        _expect(response, 401, msg.TOKEN_EMPTY)


def probe_auth_4(api: Api) -> None:
    # The valid key upper-cased is a well-formed key too (keys are case-sensitive).
    for token in (uuid.uuid4(), api.fixtures["api_key"].upper()):
        headers = {"Authorization": f"Bearer {token}"}
        _expect(api.get("/auth/validate", headers=headers), 404, msg.USER_NOT_FOUND)


def probe_auth_5(api: Api) -> None:
    # The valid key anywhere but Authorization is no key (passport-http-bearer's
    # access_token query parameter is CC-AUTH-5's fault).
    key = api.key
    for params, headers in (
        ({"access_token": key}, {}),
        ({}, {"Cookie": f"access_token={key}"}),
        ({}, {"X-API-Key": key}),
    ):
        response = api.get("/auth/validate", headers=headers, params=params)
        _expect(response, 401, msg.AUTH_REQUIRED)


def probe_auth_6(api: Api) -> None:
    # RFC 9110 section 11.1: the scheme word in any case is Bearer.
    for scheme in ("bearer", "BEARER"):
        headers = {"Authorization": f"{scheme} {api.key}"}
        response = api.get("/auth/validate", headers=headers)
        assert response.status_code == api.get("/auth/validate").status_code, (
            response.text
        )


def probe_val_1(api: Api) -> None:
    response = api.post("/send-card", json=api.card_body(card=MISSING))
    _expect(response, 400, msg.CARD_ID_REQUIRED)


def probe_val_2(api: Api) -> None:
    response = api.post("/get-card-url", json=api.card_body(integrationId=MISSING))
    _expect(response, 400, msg.INTEGRATION_ID_REQUIRED)


def probe_val_3(api: Api) -> None:
    for tags in ([], MISSING, "ada@example.com"):
        response = api.post("/get-card-url", json=api.card_body(mergeTags=tags))
        _expect(response, 400, msg.MERGE_TAGS_REQUIRED)


def probe_val_4(api: Api) -> None:
    _expect(api.post("/cards"), 400, msg.WORKSPACE_REQUIRED)


def probe_val_5(api: Api) -> None:
    for raw in (b"{oops", b"[1, 2]"):
        assert api.post("/send-card", content=raw).status_code == 400


def probe_res_1(api: Api) -> None:
    foreign = api.post(
        "/send-card", json=api.card_body(card=api.fixtures["foreign_card_id"])
    )
    unknown = _unknown_card(api)
    _expect(foreign, 404, msg.CARD_NOT_FOUND)
    _expect(unknown, 404, msg.CARD_NOT_FOUND)
    bodies = [r.json() for r in (foreign, unknown)]
    for body in bodies:  # the whole body but the time it was made
        body.pop("timestamp", None)
        body.pop("requestId", None)
    assert bodies[0] == bodies[1], bodies


def probe_conflict_1(api: Api) -> None:
    api.integration_id()
    _expect(api.post("/config", json=api.config_body()), 409, msg.CONFIG_EXISTS)


def probe_conflict_2(api: Api) -> None:
    response = api.post("/send-card", json=api.card_body(integrationId="0" * 24))
    _expect(response, 409, msg.CONFIG_MISSING)


def probe_5xx_1(api: Api) -> None:
    for tags in ("ada@example.com", {"name": "Ada"}, None, 5):
        response = api.post("/send-card", json=api.card_body(mergeTags=tags))
        assert response.status_code < 500, (tags, response.text)
    for card in ("\U0001f600" + api.fixtures["card_id"], "x" * 10_000):
        response = api.post("/get-card-url", json=api.card_body(card=card))
        assert response.status_code < 500, (card[:8], response.text)
    for levels in (300, 1_000, 10_000):
        response = _post_json(api, "/send-card", _deep_tags(api, levels))
        assert response.status_code < 500, (levels, response.text)


def probe_method_1(api: Api) -> None:
    """404 (NestJS's router), or 405 with Allow exactly the path's methods."""
    for response, served in zip(_unserved(api), SERVED.values(), strict=True):
        assert response.status_code in (404, 405), response.text
        if response.status_code == 405:
            assert allow(response) == served, response.headers


def _head(api: Api) -> tuple[httpx.Response, httpx.Response]:
    """The same valid read as GET, then as HEAD."""
    return api.get("/auth/validate"), api.client.head(
        BASE + "/auth/validate", headers=api.auth
    )


def _options(api: Api) -> list[httpx.Response]:
    return [api.client.options(BASE + path, headers=api.auth) for path in SERVED]


def probe_method_2(api: Api) -> None:
    """HEAD answers the GET's status, no content; OPTIONS 404 (NestJS), 501, or a 2xx
    or 405 with Allow exactly the path's methods (OPTIONS listed or not)."""
    get, head = _head(api)
    assert (head.status_code, head.content) == (get.status_code, b""), head.text
    for response, served in zip(_options(api), SERVED.values(), strict=True):
        status = response.status_code
        assert status in (404, 405, 501) or 200 <= status < 300, response.text
        if status == 405 or 200 <= status < 300:
            assert allow(response) - {"OPTIONS"} == served, response.headers


def _unacceptable(api: Api) -> list[httpx.Response]:
    """Two valid reads, each without and then with an Accept admitting no JSON, and
    one whose Accept admits JSON after all, at a lower quality."""
    card = {"cardId": api.fixtures["card_id"]}
    api.integration_id()  # the configuration the read finds
    out = []
    for path, params in (("/auth/validate", None), ("/config/by-card", card)):
        out.append(api.get(path, params=params))
        out.append(api.get(path, params=params, headers={**api.auth, **PNG}))
    lower = {**api.auth, "Accept": "image/png, application/json;q=0.5"}
    return [*out, api.get("/auth/validate", headers=lower)]


def probe_accept_1(api: Api) -> None:
    """406, or the same request's answer without the Accept, never a 5xx."""
    responses = _unacceptable(api)
    for usual, png in (responses[0:2], responses[2:4]):
        assert png.status_code in (406, usual.status_code), png.text
    assert responses[4].status_code == responses[0].status_code == 200


def probe_route_1(api: Api) -> None:
    for path in ("/api/nowhere", BASE + "/nowhere"):
        response = api.client.get(path, headers=api.auth)
        assert response.status_code == 404, response.text


def probe_leak_1(api: Api) -> None:
    for response in (_no_auth(api), _unknown_card(api), api.post("/config")):
        for pattern in LEAK_PATTERNS:
            assert not pattern.search(response.text), response.text


CLAUSE_PROBES: dict[str, Callable[[Api], None]] = {
    "CC-BODY-1": probe_body_1,
    "CC-BODY-2": probe_body_2,
    "CC-BODY-3": probe_body_3,
    "CC-TS-1": probe_ts_1,
    "CC-TS-2": probe_ts_2,
    "CC-HDR-1": probe_hdr_1,
    "CC-AUTH-1": probe_auth_1,
    "CC-AUTH-2": probe_auth_2,
    "CC-AUTH-3": probe_auth_3,
    "CC-AUTH-4": probe_auth_4,
    "CC-AUTH-5": probe_auth_5,
    "CC-AUTH-6": probe_auth_6,
    "CC-VAL-1": probe_val_1,
    "CC-VAL-2": probe_val_2,
    "CC-VAL-3": probe_val_3,
    "CC-VAL-4": probe_val_4,
    "CC-VAL-5": probe_val_5,
    "CC-RES-1": probe_res_1,
    "CC-CONFLICT-1": probe_conflict_1,
    "CC-CONFLICT-2": probe_conflict_2,
    "CC-5XX-1": probe_5xx_1,
    "CC-LEAK-1": probe_leak_1,
    "CC-METHOD-1": probe_method_1,
    "CC-ROUTE-1": probe_route_1,
    "CC-METHOD-2": probe_method_2,
    "CC-ACCEPT-1": probe_accept_1,
}


def broken_clauses(api: Api) -> set[str]:
    broken = set()
    for clause, probe in CLAUSE_PROBES.items():
        try:
            probe(api)
        except AssertionError:
            broken.add(clause)
    return broken


def test_every_clause_has_a_probe():
    assert set(CLAUSE_PROBES) == {clause_of(f) for f in FAULTS}


def test_conforming_server_keeps_every_clause():
    assert broken_clauses(make_api()) == set()


# Clauses that overlap by nature: a non-array mergeTags answering 500 (CC-5XX-1) is
# also not the documented 400 for a non-array mergeTags (CC-VAL-3).
ALSO_BROKEN = {
    # Its message for no Authorization is also the answer to a key elsewhere.
    "CC-AUTH-1": {"CC-AUTH-5"},
    "CC-5XX-1": {"CC-VAL-3"},
    # OPTIONS, which no route takes, is an unserved method: its 405 has no Allow too.
    "CC-METHOD-1:no-allow": {"CC-METHOD-2"},
    # Express's HTML page for the refused Accept is not JSON, nor labelled so.
    "CC-BODY-1:accept": {"CC-HDR-1"},
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_breaks_exactly_its_clause(fault):
    expected = {clause_of(fault)} | ALSO_BROKEN.get(fault, set())
    assert broken_clauses(make_api(faults=[fault])) == expected


@pytest.mark.parametrize("tolerance", sorted(TOLERANCES))
def test_tolerances_break_no_clause(tolerance):
    assert broken_clauses(make_api(tolerances=[tolerance])) == set()


def test_all_tolerances_together_break_no_clause():
    assert broken_clauses(make_api(tolerances=TOLERANCES)) == set()


def test_all_faults_together_break_every_observable_clause():
    """CC-BODY-3 cannot show once CC-BODY-1 has removed the `error` field, nor
    CC-ACCEPT-1 once CC-BODY-1:accept's middleware answers 406 before its guard."""
    hidden = {"CC-BODY-3", "CC-ACCEPT-1"}
    assert broken_clauses(make_api(faults=FAULTS)) == CLAUSE_IDS - hidden


# --- fault symptoms: what exactly each switch changes ------------------------------


def _error_json(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


def symptom_body_1(api: Api) -> None:
    body = _error_json(_no_auth(api), 401)
    assert set(body) == ERROR_KEYS - {"error"}


def symptom_body_2(api: Api) -> None:
    assert _error_json(_unknown_card(api), 404)["statusCode"] == 400
    assert _error_json(_no_auth(api), 401)["statusCode"] == 400


def symptom_body_3(api: Api) -> None:
    assert _error_json(_unknown_card(api), 404)["error"] == "Error"
    assert _error_json(_no_auth(api), 401)["error"] == "Error"


def symptom_ts_1(api: Api) -> None:
    stamp = _error_json(_no_auth(api), 401)["timestamp"]
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$", stamp)
    assert abs(parse_ts(stamp) - datetime.now(UTC)) < SKEW


def symptom_ts_2(api: Api) -> None:
    stamp = _error_json(_no_auth(api), 401)["timestamp"]
    assert DOCUMENTED_TS.match(stamp)
    lag = datetime.now(UTC) - parse_ts(stamp)
    assert abs(lag - timedelta(hours=1)) < SKEW


def symptom_hdr_1(api: Api) -> None:
    response = _no_auth(api)
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert set(response.json()) == ERROR_KEYS
    assert api.get("/auth/validate").headers["content-type"] == "application/json"


def symptom_auth_1(api: Api) -> None:
    assert_error(_no_auth(api), 401, msg.FAULT_UNAUTHORIZED)
    empty = api.get("/auth/validate", headers={"Authorization": "Bearer "})
    assert_error(empty, 401, msg.TOKEN_EMPTY)


def symptom_auth_2(api: Api) -> None:
    for header in (api.key, f"Basic {api.key}", f"Token {api.key}"):
        response = api.get("/auth/validate", headers={"Authorization": header})
        assert_error(response, 404, msg.USER_NOT_FOUND)
    assert_error(_no_auth(api), 401, msg.AUTH_REQUIRED)


def symptom_auth_3(api: Api) -> None:
    for header in ("Bearer", "Bearer ", "Bearer    "):
        response = api.get("/auth/validate", headers={"Authorization": header})
        assert_error(response, 401, msg.AUTH_REQUIRED)


def symptom_auth_4(api: Api) -> None:
    headers = {"Authorization": f"Bearer {uuid.uuid4()}"}
    assert_error(api.get("/auth/validate", headers=headers), 401, msg.USER_NOT_FOUND)


def symptom_val_1(api: Api) -> None:
    response = api.post("/send-card", json=api.card_body(card=MISSING))
    assert_error(response, 400, msg.FAULT_CARD_REQUIRED)


def symptom_val_2(api: Api) -> None:
    response = api.post("/send-card", json=api.card_body(integrationId=MISSING))
    assert_error(response, 409, msg.CONFIG_MISSING)


def symptom_val_3(api: Api) -> None:
    sent = api.post("/send-card", json=api.card_body(mergeTags=[]))
    assert sent.status_code == 201
    assert api.post("/get-card-url", json=api.card_body(mergeTags=[])).is_success
    for tags in (MISSING, "ada@example.com"):
        response = api.post("/send-card", json=api.card_body(mergeTags=tags))
        assert_error(response, 400, msg.MERGE_TAGS_REQUIRED)


def symptom_val_4(api: Api) -> None:
    response = api.post("/cards")
    assert response.status_code == 200
    assert response.json() == [{"key": "card", "choices": []}]


def symptom_val_5(api: Api) -> None:
    for raw in (b"{oops", b"[1, 2]"):
        assert_error(api.post("/send-card", content=raw), 422)
        assert _error_json(api.post("/config", content=raw), 422)["error"] == (
            "Unprocessable Entity"
        )


def symptom_res_1(api: Api) -> None:
    foreign = api.post(
        "/get-card-url", json=api.card_body(card=api.fixtures["foreign_card_id"])
    )
    assert_error(foreign, 403, msg.FAULT_NO_ACCESS)
    assert _error_json(foreign, 403)["error"] == "Forbidden"
    assert_error(_unknown_card(api), 404, msg.CARD_NOT_FOUND)


def symptom_auth_4_case(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.fixtures['api_key'].upper()}"}
    response = api.get("/auth/validate", headers=headers)
    assert response.status_code == 200, response.text


def symptom_auth_5(api: Api) -> None:
    # passport-http-bearer's default: ?access_token=<key> is taken (a cookie is not).
    query = api.get("/auth/validate", headers={}, params={"access_token": api.key})
    assert query.status_code == 200, query.text
    cookie = api.get("/auth/validate", headers={"Cookie": f"access_token={api.key}"})
    _expect(cookie, 401, msg.AUTH_REQUIRED)


def symptom_auth_6(api: Api) -> None:
    # The scheme as documented passes; in lower case it is "no Bearer scheme".
    assert api.get("/auth/validate").status_code == 200
    headers = {"Authorization": f"bearer {api.key}"}
    _expect(api.get("/auth/validate", headers=headers), 401, msg.AUTH_REQUIRED)


def symptom_res_1_reason(api: Api) -> None:
    foreign = api.post(
        "/send-card", json=api.card_body(card=api.fixtures["foreign_card_id"])
    )
    assert foreign.status_code == 404, foreign.text
    body = foreign.json()
    assert body["message"] == msg.CARD_NOT_FOUND
    assert body.get("reason") == msg.FAULT_EXISTENCE_MEMBER["reason"]
    assert "reason" not in _unknown_card(api).json()


def symptom_5xx_1_astral(api: Api) -> None:
    card = api.fixtures["card_id"]
    response = api.post("/send-card", json=api.card_body(card="\U0001f600" + card))
    assert_error(response, 500, msg.INTERNAL)
    assert msg.FAULT_COLLATION not in response.text  # no internals leak
    # Other odd characters and a long id are still a plain 404.
    for odd in ("\u202e" + card, "\u200b" + card, "x" * 10_000):
        response = api.post("/send-card", json=api.card_body(card=odd))
        assert_error(response, 404, msg.CARD_NOT_FOUND)


def _post_json(api: Api, path: str, raw: bytes) -> httpx.Response:
    headers = {**api.auth, "Content-Type": "application/json"}
    return api.post(path, headers=headers, content=raw)


def _deep_tags(api: Api, levels: int) -> bytes:
    """A card body whose mergeTags nest ``levels`` arrays deep."""
    body = json.dumps(api.card_body(mergeTags="<deep>")).encode()
    return body.replace(b'"<deep>"', b"[" * levels + b"]" * levels)


def symptom_5xx_1_deep(api: Api) -> None:
    # 300 levels parse and are refused as before; deeper object bodies crash.
    response = _post_json(api, "/send-card", _deep_tags(api, 300))
    assert response.status_code == 400, response.text
    for levels in (1_000, 10_000):
        response = _post_json(api, "/send-card", _deep_tags(api, levels))
        assert_error(response, 500, msg.INTERNAL)


def symptom_conflict_1(api: Api) -> None:
    first = api.post("/config", json=api.config_body())
    assert first.status_code == 201
    again = api.post("/config", json=api.config_body())
    assert again.status_code == 200
    assert again.json()["data"] == first.json()["data"]


def symptom_conflict_2(api: Api) -> None:
    response = api.post("/send-card", json=api.card_body(integrationId="0" * 24))
    assert_error(response, 404, msg.CONFIG_NOT_FOUND)


def symptom_5xx_1(api: Api) -> None:
    for tags in ("ada@example.com", {"name": "Ada"}):
        response = api.post("/send-card", json=api.card_body(mergeTags=tags))
        assert_error(response, 500, msg.INTERNAL)
    response = api.post("/send-card", json=api.card_body(mergeTags=MISSING))
    assert_error(response, 400, msg.MERGE_TAGS_REQUIRED)


def symptom_leak_1(api: Api) -> None:
    for response in (_no_auth(api), _unknown_card(api)):
        body = response.json()
        assert body.get("stack") == msg.FAULT_STACK
        assert set(body) == ERROR_KEYS | {"stack"}


def symptom_method_1(api: Api) -> None:
    """Every method reaches the handler (`@All()`): a read answers a DELETE."""
    statuses = [r.status_code for r in _unserved(api)]
    assert statuses[0] == 200, statuses
    assert 404 not in statuses
    assert 405 not in statuses


def symptom_method_1_no_allow(api: Api) -> None:
    responses = _unserved(api)
    assert [r.status_code for r in responses] == [405] * 3
    assert not any("allow" in r.headers for r in responses)


def symptom_route_1(api: Api) -> None:
    response = api.client.get(BASE + "/nowhere", headers=api.auth)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == msg.FAULT_SPA_PAGE


def symptom_body_1_router(api: Api) -> None:
    """NestJS's default body, outside the app's filter: no timestamp."""
    response = _unrouted(api)
    assert response.status_code == 404
    assert response.json() == {
        "statusCode": 404,
        "message": f"Cannot DELETE {BASE}/nowhere",
        "error": "Not Found",
    }


def symptom_method_2(api: Api) -> None:
    """HEAD is not routed with GET: 404 where the GET answers 200."""
    get, head = _head(api)
    assert (get.status_code, head.status_code) == (200, 404)


def symptom_method_2_options(api: Api) -> None:
    """`app.enableCors()`: 204 with the CORS methods, no Allow, on every path."""
    for response in _options(api):
        assert response.status_code == 204
        assert "allow" not in response.headers
        methods = response.headers["access-control-allow-methods"]
        assert methods == "GET,HEAD,PUT,PATCH,POST,DELETE"


def symptom_accept_1(api: Api) -> None:
    """A guard reading Accept as a defect of the request: 400 in the error shape,
    after authentication; an Accept admitting JSON at a lower quality is served."""
    responses = _unacceptable(api)
    for png in (responses[1], responses[3]):
        assert_error(png, 400, msg.FAULT_ACCEPT)
    assert responses[4].status_code == 200
    assert_error(_unacceptable_no_auth(api), 401, msg.AUTH_REQUIRED)


def symptom_body_1_accept(api: Api) -> None:
    """An `app.use()` middleware's NotAcceptableException, outside Nest's filters:
    Express's finalhandler page, 406 text/html, before authentication."""
    responses = _unacceptable(api)
    for png in (responses[1], responses[3], _unacceptable_no_auth(api)):
        assert png.status_code == 406
        assert png.headers["content-type"].startswith("text/html")
        assert png.text == msg.FAULT_FINALHANDLER_PAGE
    assert responses[4].status_code == 200


FAULT_SYMPTOMS: dict[str, Callable[[Api], None]] = {
    "CC-BODY-1": symptom_body_1,
    "CC-BODY-2": symptom_body_2,
    "CC-BODY-3": symptom_body_3,
    "CC-TS-1": symptom_ts_1,
    "CC-TS-2": symptom_ts_2,
    "CC-HDR-1": symptom_hdr_1,
    "CC-AUTH-1": symptom_auth_1,
    "CC-AUTH-2": symptom_auth_2,
    "CC-AUTH-3": symptom_auth_3,
    "CC-AUTH-4": symptom_auth_4,
    "CC-AUTH-4:case-insensitive": symptom_auth_4_case,
    "CC-AUTH-5": symptom_auth_5,
    "CC-AUTH-6": symptom_auth_6,
    "CC-VAL-1": symptom_val_1,
    "CC-VAL-2": symptom_val_2,
    "CC-VAL-3": symptom_val_3,
    "CC-VAL-4": symptom_val_4,
    "CC-VAL-5": symptom_val_5,
    "CC-RES-1": symptom_res_1,
    "CC-RES-1:reason-member": symptom_res_1_reason,
    "CC-CONFLICT-1": symptom_conflict_1,
    "CC-CONFLICT-2": symptom_conflict_2,
    "CC-5XX-1": symptom_5xx_1,
    "CC-5XX-1:astral-id": symptom_5xx_1_astral,
    "CC-5XX-1:deep-nesting": symptom_5xx_1_deep,
    "CC-LEAK-1": symptom_leak_1,
    "CC-METHOD-1": symptom_method_1,
    "CC-METHOD-1:no-allow": symptom_method_1_no_allow,
    "CC-ROUTE-1": symptom_route_1,
    "CC-BODY-1:router": symptom_body_1_router,
    "CC-METHOD-2": symptom_method_2,
    "CC-METHOD-2:options": symptom_method_2_options,
    "CC-ACCEPT-1": symptom_accept_1,
    "CC-BODY-1:accept": symptom_body_1_accept,
}


def test_every_fault_has_a_symptom():
    assert set(FAULT_SYMPTOMS) == FAULTS


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_shows_its_symptom(fault):
    FAULT_SYMPTOMS[fault](make_api(faults=[fault]))


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_symptom_is_absent_without_the_fault(fault):
    with pytest.raises(AssertionError):
        FAULT_SYMPTOMS[fault](make_api())


# --- tolerances ------------------------------------------------------------------


def test_extra_fields_adds_fields_and_a_request_id():
    api = make_api(tolerances=["extra-fields"])
    error = _no_auth(api)
    body = error.json()
    assert set(body) > ERROR_KEYS
    assert body["path"] == f"{BASE}/auth/validate"
    assert "requestId" in body
    assert "x-request-id" in error.headers
    success = api.get("/auth/validate").json()
    assert "requestId" in success
    assert all("requestId" in group for group in api.get("/workspaces").json())


@pytest.mark.parametrize(
    ("tolerance", "pattern"),
    [
        ("plus-offset", r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$"),
        ("no-fraction", r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"),
    ],
)
def test_timestamp_variants(tolerance, pattern):
    api = make_api(tolerances=[tolerance])
    stamp = _no_auth(api).json()["timestamp"]
    assert re.match(pattern, stamp), stamp
    assert abs(parse_ts(stamp) - datetime.now(UTC)) < SKEW
    created = api.post("/config", json=api.config_body()).json()["data"]
    assert re.match(pattern, created["createdAt"])


def test_plus_offset_and_no_fraction_combine():
    api = make_api(tolerances=["plus-offset", "no-fraction"])
    stamp = _no_auth(api).json()["timestamp"]
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$", stamp)


def test_charset_on_every_response():
    api = make_api(tolerances=["charset"])
    for response in (_no_auth(api), api.get("/auth/validate")):
        assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_status_200_for_creations():
    api = make_api(tolerances=["status-200"])
    created = api.post("/config", json=api.config_body())
    assert created.status_code == 200
    api.integration = created.json()["data"]["_id"]
    assert api.post("/send-card", json=api.card_body()).status_code == 200


def test_header_case_spells_content_type_oddly():
    api = make_api(tolerances=["header-case"])
    for response in (_no_auth(api), api.get("/auth/validate")):
        names = [name for name, _ in response.headers.raw]
        assert b"content-type" not in names
        assert any(name.lower() == b"content-type" for name in names)
        assert response.headers["content-type"] == "application/json"


def test_method_405_answers_with_allow_in_the_error_shape():
    """The tolerated alternative to NestJS's 404: RFC 9110's 405, Allow exactly the
    path's methods, the body in the documented shape."""
    api = make_api(tolerances=["method-405"])
    for response, served in zip(_unserved(api), SERVED.values(), strict=True):
        body = assert_error(response, 405)
        assert allow(response) == served
        assert body["message"].startswith(response.request.method)
    # A path nothing serves is still an unknown route.
    assert_error(_unrouted(api), 404, f"Cannot DELETE {BASE}/nowhere")


def test_options_express_answers_as_plain_express_does():
    """The tolerated alternative to NestJS's 404 for OPTIONS: Express's automatic
    answer, 200 with Allow the path's methods and the same list as a text body."""
    api = make_api(tolerances=["options-express"])
    for response, served in zip(_options(api), SERVED.values(), strict=True):
        assert response.status_code == 200
        assert allow(response) == served
        assert set(response.text.split(",")) == served
        assert response.headers["content-type"].startswith("text/html")
    # Another unserved method is still NestJS's 404; so is OPTIONS on no path.
    assert_error(_unrouted(api), 404, f"Cannot DELETE {BASE}/nowhere")
    nowhere = api.client.options(BASE + "/nowhere", headers=api.auth)
    assert_error(nowhere, 404, f"Cannot OPTIONS {BASE}/nowhere")


def test_accept_406_refuses_in_the_error_shape_after_authentication():
    """The tolerated alternative to disregarding Accept: NestJS's
    NotAcceptableException through the app's filter, once the key is checked."""
    api = make_api(tolerances=["accept-406"])
    responses = _unacceptable(api)
    for png in (responses[1], responses[3]):
        assert_error(png, 406, msg.NOT_ACCEPTABLE)
    assert [r.status_code for r in (responses[0], responses[2], responses[4])] == [
        200
    ] * 3
    assert_error(_unacceptable_no_auth(api), 401, msg.AUTH_REQUIRED)


def test_the_conforming_server_disregards_accept():
    """NestJS sends a handler's value as JSON whatever the request accepts."""
    responses = _unacceptable(make_api())
    assert [r.status_code for r in responses] == [200] * 5
    assert responses[0].json() == responses[1].json()
    assert all(r.headers["content-type"] == "application/json" for r in responses)


# --- over a real socket ---------------------------------------------------------


def test_served_over_loopback_with_uvicorn():
    app = create_app(tolerances=["header-case"])
    key = app.state.fixtures["api_key"]
    with serve(app) as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=f"{base_url}/api") as client:
            ok = client.get(
                "/integration/auth/validate", headers={"Authorization": f"Bearer {key}"}
            )
            assert ok.status_code == 200
            assert ok.json()["message"] == msg.AUTH_OK
            denied = client.get("/integration/auth/validate")
            assert denied.status_code == 401
            assert denied.json()["message"] == msg.AUTH_REQUIRED
            # uvicorn (h11) sends the header name as spelled; it does not lowercase it.
            assert b"CONTENT-Type" in [name for name, _ in denied.headers.raw]
