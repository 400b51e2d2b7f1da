"""The Cardda reference server keeps its contract; each switch bends one thing."""

from __future__ import annotations

import json
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from errcontract.reference._serve import serve
from errcontract.reference.cardda import (
    DOCUMENTED_RATE_LIMIT,
    FAULTS,
    TOLERANCES,
    create_app,
)
from errcontract.reference.cardda._ratelimit import SlidingWindowLimiter

with warnings.catch_warnings():
    # Starlette nudges towards httpx2, which this project does not use.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

Fixtures = dict[str, str]
Responses = list[httpx.Response]

RECIPIENTS = "/v1/banking/bank_recipients"
TRANSACTIONS = "/v1/banking/bank_transactions"
RECIPIENT = {
    "name": "Acme Vendor",
    "rut": "76543210-K",
    "bank_id": 12,
    "account_type": "checking",
    "account_number": "123456789",
}
DOCUMENTED_CODES = {
    400: {"bad_request"},
    401: {"unauthenticated", "email_not_verified", "unauthorized"},
    403: {"forbidden"},
    404: {"not_found"},
    409: {"conflict"},
    429: {"rate_limit_exceeded"},
    500: {"internal_error"},
}
LEAK_MARKERS = ("ActiveRecord", ".rb:", "Traceback", "/app/")
VOLATILE = {"message", "request_id"}
"""What may differ between two answers CD-TENANT-3 compares (the catalog's reading)."""


def make(**kwargs: Any) -> tuple[TestClient, Fixtures]:
    kwargs.setdefault("rate_limit", None)
    app = create_app(**kwargs)
    return TestClient(app), app.state.fixtures


def auth(fx: Fixtures, key: str = "api_key", *, company: bool = True) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {fx[key]}"}
    if company:
        headers["company-id"] = fx["company_id"]
    return headers


def expect_invalid(r: httpx.Response) -> dict[str, Any]:
    """The fields of a 422 shape-B answer."""
    assert r.status_code == 422, r.text
    errors: dict[str, Any] = r.json()["errors"]
    return errors


def expect(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    body: dict[str, Any] = r.json()
    assert (r.status_code, body.get("error")) == (status, code), r.text
    return body


def request_id(r: httpx.Response) -> str | None:
    return r.headers.get("x-request-id")


def media_type(r: httpx.Response) -> str:
    return r.headers.get("content-type", "").split(";")[0].strip()


def first_id(c: TestClient, fx: Fixtures, path: str) -> str:
    rows = c.get(path, headers=auth(fx)).json()
    return str(rows[0]["id"])


def new_transaction(
    c: TestClient, fx: Fixtures, *, description: str | None = "Invoice 42"
) -> httpx.Response:
    """A valid draft transaction; ``description=None`` leaves the field out."""
    body = {
        "amount": 1500,
        "currency": "CLP",
        "description": description,
        "sender_id": first_id(c, fx, "/v1/banking/bank_accounts"),
        "recipient_id": first_id(c, fx, RECIPIENTS),
    }
    if description is None:
        del body["description"]
    return c.post(TRANSACTIONS, headers=auth(fx), json=body)


def nested(levels: int) -> bytes:
    return b'{"a": ' + b"[" * (levels - 1) + b"]" * (levels - 1) + b"}"


# -- interface ---------------------------------------------------------------------
def test_switch_sets_are_the_catalog_and_the_documented_variations():
    families = ["BODY-A", "BODY-B", "CODE-1", "HDR-1", "HDR-2", "HDR-3"]
    families += ["AUTH-1", "AUTH-2", "AUTH-3", "AUTH-4", "AUTH-5"]
    families += ["TENANT-1", "TENANT-2", "TENANT-3"]
    families += ["TENANT-4", "RES-1", "POLICY-1", "REQ-1", "VAL-1", "CONFLICT-1"]
    families += ["CONFLICT-2", "RATE-1", "RATE-2", "5XX-1", "LEAK-1"]
    families += ["METHOD-1", "ROUTE-1", "METHOD-2", "ACCEPT-1", "ATOMIC-1"]
    clauses = {f"CD-{f}" for f in families}
    # One switch per clause id, and ``<clause id>:<variant>`` ones where a clause
    # covers several defect kinds.
    assert clauses <= FAULTS
    assert {f.partition(":")[0] for f in FAULTS} == clauses
    assert {"CD-5XX-1:long-name", "CD-TENANT-3:reason-member"} <= FAULTS - clauses
    assert len(clauses) == 30
    assert {
        *("extra-fields", "omit-message", "charset"),
        *("header-case", "status-200", "problem-json", "optional-description"),
        *("method-404", "accept-406"),
    } == TOLERANCES
    assert DOCUMENTED_RATE_LIMIT == 10.0


@pytest.mark.parametrize(
    ("kwargs", "bad", "near"),
    [
        ({"faults": ["CD-AUTH1"]}, "CD-AUTH1", "CD-AUTH-1"),
        ({"faults": ["cd-leak-1"]}, "cd-leak-1", "CD-LEAK-1"),
        ({"faults": ["CD-BODY-A", "nonsense"]}, "nonsense", None),
        ({"tolerances": ["charsets"]}, "charsets", "charset"),
        ({"tolerances": ["problem_json"]}, "problem_json", "problem-json"),
    ],
)
def test_unknown_switch_names_are_refused_with_the_near_miss(kwargs, bad, near):
    with pytest.raises(ValueError, match=repr(bad)) as info:
        create_app(**kwargs)
    message = str(info.value)
    if near is not None:
        assert f"did you mean {near!r}?" in message
    else:
        assert "expected one of CD-5XX-1, " in message
        assert ", CD-AUTH-1, " in message


def test_a_lone_string_is_not_taken_for_a_list_of_switches():
    with pytest.raises(TypeError, match="did you mean"):
        create_app(faults="CD-AUTH-1")


@pytest.mark.parametrize("rate", [-1.0, float("nan"), float("inf")])
def test_nonsense_rate_limits_are_refused(rate):
    with pytest.raises(ValueError, match="rate_limit"):
        create_app(rate_limit=rate)


def test_fixtures_are_present_random_per_instance_and_well_formed():
    a, b = make()[1], make()[1]
    for fx in (a, b):
        assert set(fx) == {
            *("api_key", "company_id", "unverified_api_key"),
            *("limited_api_key", "foreign_company_id"),
        }
        assert all(fx[k].startswith("cd_live_") for k in fx if k.endswith("api_key"))
        assert str(uuid.UUID(fx["company_id"])) == fx["company_id"]
        assert str(uuid.UUID(fx["foreign_company_id"])) == fx["foreign_company_id"]
        assert len(set(fx.values())) == 5
    assert not set(a.values()) & set(b.values())


# -- the conforming server -----------------------------------------------------------
def test_surface_answers_documented_success_shapes():
    c, fx = make()
    companies = c.get("/v1/companies", headers=auth(fx, company=False))
    assert companies.status_code == 200
    assert companies.json() == {
        "data": [{"id": fx["company_id"], "name": "Acme SpA"}],
        "total": 1,
    }
    banks = c.get("/v1/banking/banks", headers=auth(fx, company=False)).json()
    assert banks
    assert all(isinstance(b["id"], int) and b["name"] for b in banks)
    for path in ("/v1/banking/bank_accounts", RECIPIENTS, TRANSACTIONS):
        r = c.get(path, headers=auth(fx))
        assert r.status_code == 200
        assert isinstance(r.json(), list)
    assert c.get("/v1/banking/bank_accounts", headers=auth(fx)).json()[0]["id"]


def test_every_response_carries_a_fresh_request_id():
    c, fx = make()
    made = c.post(RECIPIENTS, headers=auth(fx), json=RECIPIENT)
    responses = [
        c.get("/v1/banking/banks", headers=auth(fx, company=False)),
        c.get("/v1/banking/banks", headers=auth(fx, company=False)),
        made,
        c.delete(f"{RECIPIENTS}/{made.json()['id']}", headers=auth(fx)),
        c.get("/v1/nowhere"),
        c.get("/v1/nowhere"),
        c.put(RECIPIENTS, headers=auth(fx)),
        c.get(RECIPIENTS),
    ]
    ids = [request_id(r) for r in responses]
    assert all(ids), ids
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(str(i)).version == 4 for i in ids)
    assert ("X-Request-Id", ids[0]) in [
        (k.decode(), v.decode()) for k, v in responses[0].headers.raw
    ]


@pytest.mark.parametrize(
    "header",
    [
        *(None, "", "Bearer", "Bearer ", "Bearer  ", "bare-key"),
        *("Basic dXNlcjpwYXNz", "Token abc", "Bearer cd_live_revoked", "Bearer a b"),
    ],
)
def test_missing_or_malformed_or_unknown_keys_are_unauthenticated(header):
    c, fx = make()
    headers = {"company-id": fx["company_id"]}
    if header is not None:
        headers["Authorization"] = header
    body = expect(c.get(RECIPIENTS, headers=headers), 401, "unauthenticated")
    assert isinstance(body["message"], str)
    assert media_type(c.get(RECIPIENTS, headers=headers)) == "application/json"


def test_the_bare_key_of_a_valid_user_is_still_unauthenticated():
    c, fx = make()
    headers = {"Authorization": fx["api_key"], "company-id": fx["company_id"]}
    expect(c.get(RECIPIENTS, headers=headers), 401, "unauthenticated")


def test_unverified_users_are_told_to_verify_their_email():
    c, fx = make()
    r = c.get(RECIPIENTS, headers=auth(fx, "unverified_api_key"))
    expect(r, 401, "email_not_verified")


@pytest.mark.parametrize("path", ["/v1/banking/bank_accounts", RECIPIENTS])
def test_missing_company_id_gets_the_terse_documented_body(path):
    c, fx = make()
    r = c.get(path, headers=auth(fx, company=False))
    assert (r.status_code, r.json()) == (401, {"error": "unauthorized"})


def test_company_id_is_accepted_with_an_underscore_too():
    c, fx = make()
    headers = {
        "Authorization": f"Bearer {fx['api_key']}",
        "company_id": fx["company_id"],
    }
    assert c.get(RECIPIENTS, headers=headers).status_code == 200


@pytest.mark.parametrize("path", ["/v1/companies", "/v1/banking/banks"])
def test_directory_endpoints_need_no_company_id(path):
    c, fx = make()
    assert c.get(path, headers=auth(fx, company=False)).status_code == 200


def test_non_member_companies_all_get_one_identical_404():
    c, fx = make()
    bodies = []
    for company in (str(uuid.uuid4()), "not-a-uuid", fx["foreign_company_id"]):
        headers = {**auth(fx, company=False), "company-id": company}
        r = c.get(RECIPIENTS, headers=headers)
        expect(r, 404, "not_found")
        bodies.append(r.json())
    assert bodies[0] == bodies[1] == bodies[2]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", RECIPIENTS, RECIPIENT),
        ("PATCH", f"{RECIPIENTS}/{{recipient}}", {"alias": "x"}),
        ("DELETE", f"{RECIPIENTS}/{{recipient}}", None),
        ("POST", TRANSACTIONS, {"amount": 1}),
        ("POST", f"{TRANSACTIONS}/{{transaction}}/authorize", None),
    ],
)
def test_the_limited_role_may_read_but_not_write(method, path, body):
    c, fx = make()
    recipient = first_id(c, fx, RECIPIENTS)
    transaction = new_transaction(c, fx).json()["id"]
    url = path.format(recipient=recipient, transaction=transaction)
    limited = auth(fx, "limited_api_key")
    expect(c.request(method, url, headers=limited, json=body), 403, "forbidden")
    assert c.get(f"{RECIPIENTS}/{recipient}", headers=limited).status_code == 200
    assert c.get(RECIPIENTS, headers=limited).status_code == 200


@pytest.mark.parametrize(
    "raw",
    [
        *(b"", b"   ", b"{", b"{'name': 1}", b"[1]", b'"name"', b"null", b"42"),
        *(b'{"name": NaN}', b'{"amount": Infinity}', b'{"a": -Infinity}'),
        *(b"[" * 100_000, nested(200), b"\xff\xfe{}", b'{"a": 1e999}'),
        b'{"a": ' + b"9" * 5000 + b"}",
    ],
)
@pytest.mark.parametrize("where", [RECIPIENTS, f"{RECIPIENTS}/{{id}}", TRANSACTIONS])
def test_malformed_bodies_are_bad_requests_never_5xx(raw, where):
    c, fx = make()
    url = where.format(id=first_id(c, fx, RECIPIENTS))
    method = "PATCH" if "{" in where else "POST"
    headers = {**auth(fx), "Content-Type": "application/json"}
    body = expect(
        c.request(method, url, headers=headers, content=raw), 400, "bad_request"
    )
    assert isinstance(body["message"], str)


def test_a_utf8_bom_before_the_json_is_tolerated():
    c, fx = make()
    raw = b"\xef\xbb\xbf" + json.dumps(RECIPIENT).encode()
    assert c.post(RECIPIENTS, headers=auth(fx), content=raw).status_code == 201


def test_the_documented_validation_example_and_every_broken_field():
    c, fx = make()
    r = c.post(RECIPIENTS, headers=auth(fx), json={"name": "Acme Vendor"})
    assert r.status_code == 422
    assert r.json() == {
        "errors": {
            "rut": ["can't be blank", "is invalid"],
            "bank_id": ["must reference an existing bank"],
            "account_type": ["can't be blank"],
            "account_number": ["can't be blank"],
        }
    }
    wrong = {"name": 7, "rut": "12", "bank_id": 999, "account_type": "gold"}
    wrong |= {"account_number": "12a", "email": 3, "alias": []}
    r = c.post(RECIPIENTS, headers=auth(fx), json=wrong)
    assert r.status_code == 422
    assert set(r.json()["errors"]) == set(wrong)
    assert r.json()["errors"]["bank_id"] == ["must reference an existing bank"]


@pytest.mark.parametrize(
    "change",
    [
        *({"rut": "765432109"}, {"rut": "7654321-k"}, {"bank_id": "37"}),
        *({"account_type": "credit_line"}, {"email": "a@b.cl", "alias": "ops"}),
    ],
)
def test_valid_recipient_variants_are_created_without_a_check_digit_test(change):
    c, fx = make()
    r = c.post(RECIPIENTS, headers=auth(fx), json=RECIPIENT | change)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending"
    assert uuid.UUID(r.json()["id"])


def test_recipient_lifecycle_and_duplicates():
    c, fx = make()
    made = c.post(RECIPIENTS, headers=auth(fx), json=RECIPIENT)
    url = f"{RECIPIENTS}/{made.json()['id']}"
    expect(c.post(RECIPIENTS, headers=auth(fx), json=RECIPIENT), 409, "conflict")
    assert c.get(url, headers=auth(fx)).json()["name"] == "Acme Vendor"
    patch = {"alias": "ops", "email": "a@b.cl", "metadata": {"k": [1]}}
    assert c.patch(url, headers=auth(fx), json=patch).json()["metadata"] == {"k": [1]}
    bad = c.patch(url, headers=auth(fx), json={"alias": 1, "metadata": "x"})
    assert (bad.status_code, set(bad.json()["errors"])) == (422, {"alias", "metadata"})
    malformed = c.patch(url, headers=auth(fx), content=b"{")
    assert malformed.status_code == 400
    assert c.get(url, headers=auth(fx)).json()["metadata"] == {"k": [1]}  # unchanged
    gone = c.delete(url, headers=auth(fx))
    assert (gone.status_code, gone.content, bool(request_id(gone))) == (204, b"", True)
    expect(c.get(url, headers=auth(fx)), 404, "not_found")


def test_unknown_or_foreign_resource_ids_are_not_found():
    c, fx = make()
    store = c.app.state.store  # type: ignore[attr-defined]
    foreign = fx["foreign_company_id"]
    theirs = {
        RECIPIENTS: next(
            r for r in store.recipients.values() if r["company_id"] == foreign
        ),
        TRANSACTIONS: next(t for t in store.transactions.values()),
    }
    for base, record in theirs.items():
        for rid in (str(uuid.uuid4()), "123", record["id"]):
            expect(c.get(f"{base}/{rid}", headers=auth(fx)), 404, "not_found")
    unknown = f"{TRANSACTIONS}/{uuid.uuid4()}/authorize"
    expect(c.post(unknown, headers=auth(fx)), 404, "not_found")
    for method in ("PATCH", "DELETE"):
        r = c.request(method, f"{RECIPIENTS}/{uuid.uuid4()}", headers=auth(fx), json={})
        expect(r, 404, "not_found")


def test_transactions_validate_each_field_then_authorize_once():
    c, fx = make()
    foreign_account = next(
        a["id"]
        for a in c.app.state.store.accounts.values()  # type: ignore[attr-defined]
        if a["company_id"] == fx["foreign_company_id"]
    )
    bad = {"amount": True, "currency": "USD", "description": 5}
    bad |= {"sender_id": foreign_account, "recipient_id": str(uuid.uuid4())}
    r = c.post(TRANSACTIONS, headers=auth(fx), json=bad)
    assert (r.status_code, set(r.json()["errors"])) == (422, set(bad))
    r = c.post(TRANSACTIONS, headers=auth(fx), json={"amount": 0})
    assert r.json()["errors"]["amount"] == ["must be greater than 0"]
    made = new_transaction(c, fx)
    assert (made.status_code, made.json()["status"]) == (201, "draft")
    url = f"{TRANSACTIONS}/{made.json()['id']}"
    assert c.get(url, headers=auth(fx)).json()["id"] == made.json()["id"]
    ok = c.post(f"{url}/authorize", headers=auth(fx))
    assert (ok.status_code, ok.json()["status"]) == (200, "authorized")
    expect(c.post(f"{url}/authorize", headers=auth(fx)), 409, "conflict")


@pytest.mark.parametrize(
    "query",
    ["_start=0&_end=1", "_order=DESC&_field=name", "_order=asc", "_field=created_at"],
)
def test_valid_pagination_is_honoured(query):
    c, fx = make()
    c.post(RECIPIENTS, headers=auth(fx), json=RECIPIENT)
    rows = c.get(f"{RECIPIENTS}?{query}", headers=auth(fx)).json()
    assert rows
    if "_end=1" in query:
        assert len(rows) == 1
    if "_field=name" in query:
        assert [r["name"] for r in rows] == ["Proveedor Uno", "Acme Vendor"]


@pytest.mark.parametrize(
    "query",
    [
        *("_start=-1", "_start=x", "_end=", "_end=1.5", "_order=UP"),
        *("_field=nope", "_field=metadata", "_start=" + "9" * 5000),
    ],
)
@pytest.mark.parametrize(
    "path", ["/v1/banking/bank_accounts", RECIPIENTS, TRANSACTIONS]
)
def test_invalid_pagination_is_a_bad_request(query, path):
    c, fx = make()
    expect(c.get(f"{path}?{query}", headers=auth(fx)), 400, "bad_request")


def test_unknown_routes_and_methods_answer_shape_a():
    c, fx = make()
    expect(c.get("/v1/nowhere", headers=auth(fx)), 404, "not_found")
    expect(c.get("/", headers=auth(fx)), 404, "not_found")
    r = c.put(RECIPIENTS, headers=auth(fx))
    expect(r, 405, "method_not_allowed")
    assert allow(r) == {"GET", "HEAD", "POST"}
    assert request_id(r)


def allow(r: httpx.Response) -> set[str]:
    """The methods a 405's Allow field lines list, combined (RFC 9110 section 5.3)."""
    return {
        m.strip().upper()
        for line in r.headers.get_list("allow")
        for m in line.split(",")
        if m.strip()
    }


@pytest.mark.parametrize(
    ("tolerances", "status", "code", "allowed"),
    [
        ((), 405, "method_not_allowed", {"GET", "HEAD", "POST"}),
        (("method-404",), 404, "not_found", set()),
    ],
)
def test_options_is_an_unserved_method(
    tolerances: tuple[str, ...], status: int, code: str, allowed: set[str]
) -> None:
    """OPTIONS is routed nowhere: 405 with Allow in shape A, or Rails' router's 404
    under method-404; HEAD is the GET without content."""
    c, fx = make(tolerances=tolerances)
    r = c.options(RECIPIENTS, headers=auth(fx))
    expect(r, status, code)
    assert allow(r) == allowed
    head = c.head(RECIPIENTS, headers=auth(fx))
    assert (head.status_code, head.content) == (200, b"")
    assert request_id(head)


def test_an_unexpected_error_is_a_bare_500(monkeypatch):
    c, fx = make()

    def boom() -> None:
        raise KeyError("secret internals")

    monkeypatch.setattr(c.app.state.store, "banks", boom)  # type: ignore[attr-defined]
    r = c.get("/v1/banking/banks", headers=auth(fx, company=False))
    assert (r.status_code, r.json()) == (
        500,
        {"error": "internal_error", "message": "Unexpected error"},
    )
    assert request_id(r)
    assert "secret" not in r.text


# -- fault switches: one probe per clause, its conforming and its faulty reading
Probe = Callable[[TestClient, Fixtures], Responses]
Check = Callable[[Responses], None]


@dataclass(frozen=True)
class FaultCase:
    probe: Probe
    conforming: Check
    faulty: Check
    rate_limit: float | None = None
    slow: bool = False


def _in_company(fx: Fixtures, company: str) -> dict[str, str]:
    return {**auth(fx, company=False), "company-id": company}


def _burst(c: TestClient, fx: Fixtures) -> Responses:
    for _ in range(20):  # bounded: the limit is 10 per second
        r = c.get(RECIPIENTS, headers=auth(fx))
        if r.status_code == 429:
            return [r]
    raise AssertionError("no 429 within 20 requests")


def _burst_then_wait(c: TestClient, fx: Fixtures) -> Responses:
    limited = _burst(c, fx)[0]
    time.sleep(int(limited.headers.get("retry-after", "1")) + 0.1)
    return [limited, c.get(RECIPIENTS, headers=auth(fx))]


def _duplicate(c: TestClient, fx: Fixtures) -> Responses:
    return [c.post(RECIPIENTS, headers=auth(fx), json=RECIPIENT) for _ in range(2)]


def _authorize_twice(c: TestClient, fx: Fixtures) -> Responses:
    url = f"{TRANSACTIONS}/{new_transaction(c, fx).json()['id']}/authorize"
    return [c.post(url, headers=auth(fx)) for _ in range(2)]


def _statuses_codes(rs: Responses) -> list[tuple[int, Any]]:
    return [(r.status_code, r.json().get("error")) for r in rs]


def _message_is_string(rs: Responses) -> None:
    assert all(isinstance(r.json().get("message", ""), str) for r in rs)


def _message_is_list(rs: Responses) -> None:
    assert rs[0].json()["error"] == "unauthenticated"
    assert isinstance(rs[0].json()["message"], list)


def _fields_are_strings(rs: Responses) -> None:
    errors = rs[0].json()["errors"]
    assert errors
    assert all(v and all(isinstance(m, str) for m in v) for v in errors.values())


def _fields_are_objects(rs: Responses) -> None:
    errors = rs[0].json()["errors"]
    assert set(errors) == {"rut", "bank_id", "account_type", "account_number"}
    assert all(
        isinstance(m, dict) and "message" in m for v in errors.values() for m in v
    )


def _documented_code(rs: Responses) -> None:
    assert rs[0].json()["error"] in DOCUMENTED_CODES[rs[0].status_code]


def _all_ok(rs: Responses) -> None:
    assert all(200 <= r.status_code < 300 for r in rs), [r.text for r in rs]


def _ids_present(rs: Responses) -> None:
    assert all(request_id(r) for r in rs)


def _ids_unique(rs: Responses) -> None:
    assert request_id(rs[0]) != request_id(rs[1])


def _json_type(rs: Responses) -> None:
    assert media_type(rs[0]) in {"application/json", "application/problem+json"}


def _equal(*expected: tuple[int, Any]) -> Check:
    def check(rs: Responses) -> None:
        assert _statuses_codes(rs) == list(expected), [r.text for r in rs]

    return check


def _same_answer(rs: Responses) -> None:
    """The same status and body, message wording and request ids aside."""
    a, b = ({k: v for k, v in r.json().items() if k not in VOLATILE} for r in rs)
    assert rs[0].status_code == rs[1].status_code
    assert a == b, (a, b)


def _tenant_3_reveals(rs: Responses) -> None:
    assert _statuses_codes(rs) == [(404, "not_found"), (404, "not_found")]
    assert "reason" not in rs[0].json()
    assert rs[1].json()["reason"] == "not_a_member"


def _tenant_3_leaks(rs: Responses) -> None:
    assert _statuses_codes(rs) == [(404, "not_found"), (403, "forbidden")]


def _tenant_1_faulty(rs: Responses) -> None:
    expect(rs[0], 400, "bad_request")
    assert isinstance(rs[0].json()["message"], str)


def _invalid_id(rs: Responses) -> None:
    for r in rs:
        assert expect(r, 400, "bad_request")["message"] == "invalid id"


def _req_1_faulty(rs: Responses) -> None:
    assert rs[0].status_code == 422
    assert rs[0].json() == {"errors": {"base": ["must be an object"]}}
    expect(rs[1], 400, "bad_request")


def _names_fields(rs: Responses) -> None:
    assert rs[0].status_code == 422
    assert set(rs[0].json()["errors"]) == {
        "rut",
        "bank_id",
        "account_type",
        "account_number",
    }


def _fail(rs: Responses) -> None:
    raise AssertionError([(r.status_code, r.text) for r in rs])


def _all_422(rs: Responses) -> None:
    assert [r.status_code for r in rs] == [422] * len(rs), [r.text for r in rs]


def _names_one_field(rs: Responses) -> None:
    assert rs[0].status_code == 422
    assert len(rs[0].json()["errors"]) == 1


def _names_base(rs: Responses) -> None:
    assert rs[0].status_code == 422
    assert set(rs[0].json()["errors"]) == {"base"}


def _created_then_conflict(rs: Responses) -> None:
    assert rs[0].status_code in (200, 201)
    expect(rs[1], 409, "conflict")


def _created_then_taken(rs: Responses) -> None:
    assert rs[0].status_code == 201
    assert (rs[1].status_code, rs[1].json()) == (
        422,
        {"errors": {"rut": ["has already been taken"]}},
    )


def _retry_after_matches(rs: Responses) -> None:
    r = rs[0]
    expect(r, 429, "rate_limit_exceeded")
    assert r.headers["retry-after"] == str(r.json()["retry_after"]) == "1"


def _retry_after_missing(rs: Responses) -> None:
    expect(rs[0], 429, "rate_limit_exceeded")
    assert "retry-after" not in rs[0].headers
    assert rs[0].json()["retry_after"] >= 1


def _recovered(rs: Responses) -> None:
    assert rs[1].status_code == 200


def _still_blocked(rs: Responses) -> None:
    assert rs[0].headers["retry-after"] == "1"
    expect(rs[1], 429, "rate_limit_exceeded")


def _no_5xx(rs: Responses) -> None:
    assert all(r.status_code < 500 for r in rs), [r.text for r in rs]


def _long_names(c: TestClient, fx: Fixtures) -> Responses:
    names = ("n" * 255, "n" * 256, "\U0001f600" * 300)
    return [
        c.post(
            RECIPIENTS,
            headers=auth(fx),
            json={**RECIPIENT, "name": name, "account_number": f"{9000 + i}"},
        )
        for i, name in enumerate(names)
    ]


def _long_name_crashes(rs: Responses) -> None:
    assert rs[0].status_code == 201, rs[0].text
    _bare_500(rs[1:])


def _bare_500(rs: Responses) -> None:
    for r in rs:
        assert (r.status_code, r.json()) == (
            500,
            {"error": "internal_error", "message": "Unexpected error"},
        )


def _no_internals(rs: Responses) -> None:
    assert not any(m in rs[0].text for m in LEAK_MARKERS), rs[0].text


def _internals(rs: Responses) -> None:
    expect(rs[0], 404, "not_found")
    assert all(m in rs[0].text for m in ("ActiveRecord::RecordNotFound", ".rb:42"))


def _hdr_1_faulty(rs: Responses) -> None:
    assert rs[0].status_code == 200
    assert request_id(rs[0]) is None
    assert request_id(rs[1])


def _ids_repeat(rs: Responses) -> None:
    assert request_id(rs[0]) == request_id(rs[1]) is not None


def _plain_text(rs: Responses) -> None:
    assert media_type(rs[0]) == "text/plain"
    expect(rs[0], 404, "not_found")


# Probes: each builds the one-defect requests its clause is about.
def _unknown_key(c: TestClient, fx: Fixtures) -> Responses:
    headers = {
        "Authorization": "Bearer cd_live_unknown",
        "company-id": fx["company_id"],
    }
    return [c.get(RECIPIENTS, headers=headers)]


def _name_only(c: TestClient, fx: Fixtures) -> Responses:
    return [c.post(RECIPIENTS, headers=auth(fx), json={"name": "Acme Vendor"})]


def _limited_create(c: TestClient, fx: Fixtures) -> Responses:
    limited = auth(fx, "limited_api_key")
    return [c.post(RECIPIENTS, headers=limited, json=RECIPIENT)]


def _success_then_error(c: TestClient, fx: Fixtures) -> Responses:
    banks = c.get("/v1/banking/banks", headers=auth(fx, company=False))
    return [banks, c.get("/v1/nowhere")]


def _same_request_twice(c: TestClient, fx: Fixtures) -> Responses:
    return [c.get("/v1/nowhere"), c.get("/v1/nowhere")]


def _unknown_route(c: TestClient, fx: Fixtures) -> Responses:
    return [c.get("/v1/nowhere", headers=auth(fx))]


def _no_authorization(c: TestClient, fx: Fixtures) -> Responses:
    return [c.get(RECIPIENTS, headers={"company-id": fx["company_id"]})]


def _malformed_authorizations(c: TestClient, fx: Fixtures) -> Responses:
    values = (fx["api_key"], f"Basic {fx['api_key']}", "Bearer cd_live_unknown")
    company = {"company-id": fx["company_id"]}
    return [c.get(RECIPIENTS, headers={**company, "Authorization": v}) for v in values]


def _random_tokens(c: TestClient, fx: Fixtures) -> Responses:
    company = {"company-id": fx["company_id"]}
    tokens = ("cd_live_unknown", "a0b1c2", "123e4567-e89b-12d3-a456-426614174000")
    return [
        c.get(RECIPIENTS, headers={**company, "Authorization": f"Bearer {t}"})
        for t in tokens
    ]


def _near_misses(c: TestClient, fx: Fixtures) -> Responses:
    """The valid key with its case swapped, its last character cut, one more."""
    key, company = fx["api_key"], {"company-id": fx["company_id"]}
    tokens = (key.swapcase(), key[:-1], key + "x")
    return [
        c.get(RECIPIENTS, headers={**company, "Authorization": f"Bearer {t}"})
        for t in tokens
    ]


def _misplaced(c: TestClient, fx: Fixtures) -> Responses:
    """The valid key in the query, a cookie and X-API-Key, no Authorization."""
    key, company = fx["api_key"], {"company-id": fx["company_id"]}
    return [
        c.get(RECIPIENTS, headers=company, params={"access_token": key}),
        c.get(RECIPIENTS, headers={**company, "Cookie": f"access_token={key}"}),
        c.get(RECIPIENTS, headers={**company, "X-API-Key": key}),
    ]


def _scheme_cases(c: TestClient, fx: Fixtures) -> Responses:
    """The valid key under `Bearer`, `bearer` and `BEARER`."""
    key, company = fx["api_key"], {"company-id": fx["company_id"]}
    return [
        c.get(RECIPIENTS, headers={**company, "Authorization": f"{s} {key}"})
        for s in ("Bearer", "bearer", "BEARER")
    ]


def _only_passes(index: int) -> Check:
    """Of the near misses, only the one at ``index`` is taken for the key."""

    def check(rs: Responses) -> None:
        expected = [200 if i == index else 401 for i in range(len(rs))]
        assert [r.status_code for r in rs] == expected, [r.text for r in rs]

    return check


def _arrays(c: TestClient, fx: Fixtures) -> Responses:
    return [
        c.post(RECIPIENTS, headers=auth(fx), content=raw) for raw in (b"[]", b"[1]")
    ]


def _unverified(c: TestClient, fx: Fixtures) -> Responses:
    return [c.get(RECIPIENTS, headers=auth(fx, "unverified_api_key"))]


def _no_company(c: TestClient, fx: Fixtures) -> Responses:
    return [c.get(RECIPIENTS, headers=auth(fx, company=False))]


def _non_member_companies(c: TestClient, fx: Fixtures) -> Responses:
    companies = (str(uuid.uuid4()), "not-a-uuid", fx["foreign_company_id"])
    return [c.get(RECIPIENTS, headers=_in_company(fx, co)) for co in companies]


def _absent_then_foreign(c: TestClient, fx: Fixtures) -> Responses:
    companies = (str(uuid.uuid4()), fx["foreign_company_id"])
    return [c.get(RECIPIENTS, headers=_in_company(fx, co)) for co in companies]


def _directories_without_company(c: TestClient, fx: Fixtures) -> Responses:
    paths = ("/v1/companies", "/v1/banking/banks")
    return [c.get(p, headers=auth(fx, company=False)) for p in paths]


def _unknown_ids(c: TestClient, fx: Fixtures) -> Responses:
    paths = (f"{RECIPIENTS}/{uuid.uuid4()}", f"{TRANSACTIONS}/{uuid.uuid4()}")
    return [c.get(p, headers=auth(fx)) for p in paths]


def _not_objects(c: TestClient, fx: Fixtures) -> Responses:
    return [c.post(RECIPIENTS, headers=auth(fx), content=raw) for raw in (b"[1]", b"{")]


AUTHORIZE = TRANSACTIONS + "/{id}/authorize"
SERVED = {
    "/v1/companies": {"GET", "HEAD"},
    RECIPIENTS: {"GET", "HEAD", "POST"},
    AUTHORIZE: {"POST"},
}
"""What each path of the method probes serves (HEAD with GET, as Starlette adds it)."""


def _unserved(c: TestClient, fx: Fixtures) -> Responses:
    """Methods the documented paths do not serve: a read, a collection, an action."""
    authorize = AUTHORIZE.format(id=uuid.uuid4())  # routed whatever the id
    return [
        c.delete("/v1/companies", headers=auth(fx, company=False)),
        c.patch(RECIPIENTS, headers=auth(fx)),
        c.get(authorize, headers=auth(fx)),
    ]


def _refused_as_documented(rs: Responses) -> None:
    """404, or 405 with Allow listing exactly the path's methods, OPTIONS listed or
    not (CD-METHOD-1)."""
    for r, served in zip(rs, SERVED.values(), strict=True):
        assert r.status_code in (404, 405), r.text
        if r.status_code == 405:
            assert allow(r) - {"OPTIONS"} == served, r.headers


def _served_by_get(rs: Responses) -> None:
    """Routed by path alone: a path with a GET serves every method with it."""
    assert [r.status_code for r in rs] == [200, 200, 405], [r.text for r in rs]


def _no_allow(rs: Responses) -> None:
    assert [r.status_code for r in rs] == [405] * 3
    assert not any("allow" in r.headers for r in rs), [r.headers for r in rs]


def _unknown_paths(c: TestClient, fx: Fixtures) -> Responses:
    recipient = f"{RECIPIENTS}/{first_id(c, fx, RECIPIENTS)}"
    return [
        c.get("/nowhere", headers=auth(fx)),
        c.get(f"{recipient}/more", headers=auth(fx)),
    ]


def _statuses(*expected: int) -> Check:
    def check(rs: Responses) -> None:
        assert [r.status_code for r in rs] == list(expected), [r.text for r in rs]

    return check


def _router_answers(c: TestClient, fx: Fixtures) -> Responses:
    """A path nothing serves and a method the action path does not serve (it has no
    GET, so no path-only routing serves it)."""
    authorize = AUTHORIZE.format(id=uuid.uuid4())  # routed whatever the id
    return [
        c.get("/v1/nowhere", headers=auth(fx)),
        c.delete(authorize, headers=auth(fx)),
    ]


def _codes_present(rs: Responses) -> None:
    for r in rs:
        assert isinstance(r.json().get("error"), str), r.text


def _message_only(rs: Responses) -> None:
    assert [set(r.json()) for r in rs] == [{"message"}] * 2, [r.text for r in rs]


def _deep_members(c: TestClient, fx: Fixtures) -> Responses:
    """A recipient whose name nests 300, 1,000 and 10,000 levels, and a top-level
    array nesting 10,000: refused (400) by the conforming server."""
    arrays = {n: b"[" * n + b"]" * n for n in (300, 1_000, 10_000)}
    bodies = [b'{"name": ' + arrays[n] + b', "rut": "1"}' for n in sorted(arrays)]
    bodies.append(arrays[10_000])
    return [c.post(RECIPIENTS, headers=auth(fx), content=raw) for raw in bodies]


def _deep_member_crashes(rs: Responses) -> None:
    """300 levels pass the faulty walk; a deeper object crashes; a deep array is
    refused by the parser as before."""
    assert rs[0].status_code == 400, rs[0].text
    _bare_500(rs[1:3])
    assert rs[3].status_code == 400, rs[3].text


def _head_and_options(c: TestClient, fx: Fixtures) -> Responses:
    """GET then HEAD of the companies read, then OPTIONS on each method-probe path."""
    authorize = AUTHORIZE.format(id=uuid.uuid4())  # routed whatever the id
    companies = auth(fx, company=False)
    return [
        c.get("/v1/companies", headers=companies),
        c.head("/v1/companies", headers=companies),
        c.options("/v1/companies", headers=companies),
        c.options(RECIPIENTS, headers=auth(fx)),
        c.options(authorize, headers=auth(fx)),
    ]


def _head_and_options_as_documented(rs: Responses) -> None:
    """HEAD answers the GET's status, no content; OPTIONS 404 (Rails' router), 501,
    or a 2xx or 405 with Allow exactly the path's methods (CD-METHOD-2)."""
    get, head, *options = rs
    assert (head.status_code, head.content) == (get.status_code, b""), head.text
    for r, served in zip(options, SERVED.values(), strict=True):
        status = r.status_code
        assert status in (404, 405, 501) or 200 <= status < 300, r.text
        if status == 405 or 200 <= status < 300:
            assert allow(r) - {"OPTIONS"} == served, r.headers


def _head_unrouted(rs: Responses) -> None:
    """HEAD is not routed with GET: an unknown route where the GET answers 200."""
    get, head = rs[:2]
    assert (get.status_code, head.status_code) == (200, 404), head.headers


def _preflight_only(rs: Responses) -> None:
    """A catch-all preflight route: 200 with CORS headers on every path, no Allow."""
    for r in rs[2:]:
        assert r.status_code == 200, r.text
        assert "allow" not in r.headers
        assert "OPTIONS" in r.headers["access-control-allow-methods"]
        assert request_id(r)


def _unacceptable(c: TestClient, fx: Fixtures) -> Responses:
    """Two reads, each without and then with an Accept admitting no JSON; one whose
    Accept admits JSON after all, at a lower quality; one without a key."""
    png = {"Accept": "image/png"}
    companies, recipients = auth(fx, company=False), auth(fx)
    return [
        c.get("/v1/companies", headers=companies),
        c.get("/v1/companies", headers={**companies, **png}),
        c.get(RECIPIENTS, headers=recipients),
        c.get(RECIPIENTS, headers={**recipients, **png}),
        c.get(RECIPIENTS, headers={**recipients, "Accept": "image/png, */*;q=0.1"}),
        c.get(RECIPIENTS, headers=png),
    ]


def _accept_as_documented(rs: Responses) -> None:
    """406, or the same request's answer without the Accept, never a 5xx
    (CD-ACCEPT-1); every error body a JSON object with a string code (CD-BODY-A)."""
    for usual, png in (rs[0:2], rs[2:4]):
        assert png.status_code in (406, usual.status_code), png.text
    assert rs[4].status_code == rs[2].status_code, rs[4].text
    for r in rs:
        if r.status_code >= 400:
            assert isinstance(r.json().get("error"), str), r.text


def _missing_template(rs: Responses) -> None:
    """A view looked up for the png format: a bare 500 where a JSON answer exists."""
    _bare_500([rs[1], rs[3]])
    assert [r.status_code for r in (rs[4], rs[5])] == [200, 401], rs[5].text


def _head_not_acceptable(rs: Responses) -> None:
    """`head :not_acceptable` in a before_action: 406, no body, the Accept's type,
    before authentication; an Accept admitting JSON is served."""
    for r in (rs[1], rs[3], rs[5]):
        assert (r.status_code, r.content) == (406, b""), r.text
        assert r.headers["content-type"] == "image/png"
        assert request_id(r)
    assert rs[4].status_code == 200


def _refused_update(c: TestClient, fx: Fixtures) -> Responses:
    """A recipient read, an update with a valid alias and an invalid email, read
    again."""
    made = c.post(RECIPIENTS, headers=auth(fx), json=RECIPIENT)
    url = f"{RECIPIENTS}/{made.json()['id']}"
    before = c.get(url, headers=auth(fx))
    bad = c.patch(url, headers=auth(fx), json={"alias": "half-written", "email": 0})
    return [before, bad, c.get(url, headers=auth(fx))]


def _recipient(r: httpx.Response) -> dict[str, Any]:
    """The recipient a read shows (its per-response ``request_id``, under
    ``extra-fields``, aside: CD-ATOMIC-1's volatile member)."""
    return {k: v for k, v in r.json().items() if k != "request_id"}


def _unchanged(rs: Responses) -> None:
    before, bad, after = rs
    assert bad.status_code == 422, bad.text
    assert _recipient(after) == _recipient(before)


def _half_written(rs: Responses) -> None:
    before, bad, after = rs
    assert bad.status_code == 422, bad.text
    assert _recipient(after) == {**_recipient(before), "alias": "half-written"}


def _crashers(c: TestClient, fx: Fixtures) -> Responses:
    bodies = (nested(40), b'{"name": NaN}')
    return [c.post(RECIPIENTS, headers=auth(fx), content=raw) for raw in bodies]


FAULT_CASES: dict[str, FaultCase] = {
    "CD-BODY-A": FaultCase(_unknown_key, _message_is_string, _message_is_list),
    "CD-BODY-B": FaultCase(_name_only, _fields_are_strings, _fields_are_objects),
    "CD-CODE-1": FaultCase(
        _limited_create, _documented_code, _equal((403, "access_denied"))
    ),
    "CD-HDR-1": FaultCase(_success_then_error, _ids_present, _hdr_1_faulty),
    "CD-HDR-2": FaultCase(_same_request_twice, _ids_unique, _ids_repeat),
    "CD-HDR-3": FaultCase(_unknown_route, _json_type, _plain_text),
    "CD-AUTH-1": FaultCase(
        _no_authorization,
        _equal((401, "unauthenticated")),
        _equal((403, "forbidden")),
    ),
    "CD-AUTH-2": FaultCase(
        _malformed_authorizations,
        _equal(*[(401, "unauthenticated")] * 3),
        _equal((400, "bad_request"), (400, "bad_request"), (401, "unauthenticated")),
    ),
    "CD-AUTH-3": FaultCase(
        _unverified,
        _equal((401, "email_not_verified")),
        _equal((401, "unauthenticated")),
    ),
    "CD-TENANT-1": FaultCase(
        _no_company, _equal((401, "unauthorized")), _tenant_1_faulty
    ),
    "CD-TENANT-2": FaultCase(
        _non_member_companies,
        _equal(*[(404, "not_found")] * 3),
        _equal(*[(403, "forbidden")] * 3),
    ),
    "CD-TENANT-3": FaultCase(_absent_then_foreign, _same_answer, _tenant_3_leaks),
    "CD-TENANT-3:reason-member": FaultCase(
        _absent_then_foreign, _same_answer, _tenant_3_reveals
    ),
    "CD-TENANT-4": FaultCase(
        _directories_without_company, _all_ok, _equal(*[(401, "unauthorized")] * 2)
    ),
    "CD-RES-1": FaultCase(_unknown_ids, _equal(*[(404, "not_found")] * 2), _invalid_id),
    "CD-POLICY-1": FaultCase(
        _limited_create, _equal((403, "forbidden")), _equal((401, "unauthorized"))
    ),
    "CD-AUTH-2:any-token": FaultCase(
        _random_tokens,
        _equal(*[(401, "unauthenticated")] * 3),
        # A UUID-shaped unknown key is still refused: only a random token passes.
        lambda rs: [r.status_code for r in rs] == [200, 200, 401] or _fail(rs),
    ),
    "CD-AUTH-2:case-insensitive": FaultCase(
        _near_misses, _equal(*[(401, "unauthenticated")] * 3), _only_passes(0)
    ),
    "CD-AUTH-2:prefix-match": FaultCase(
        _near_misses, _equal(*[(401, "unauthenticated")] * 3), _only_passes(1)
    ),
    "CD-AUTH-2:extra-ignored": FaultCase(
        _near_misses, _equal(*[(401, "unauthenticated")] * 3), _only_passes(2)
    ),
    "CD-AUTH-4": FaultCase(
        _misplaced, _equal(*[(401, "unauthenticated")] * 3), _only_passes(0)
    ),
    "CD-AUTH-5": FaultCase(
        _scheme_cases,
        _all_ok,
        lambda rs: [r.status_code for r in rs] == [200, 401, 401] or _fail(rs),
    ),
    "CD-REQ-1:array-as-object": FaultCase(
        _arrays, _equal(*[(400, "bad_request")] * 2), _all_422
    ),
    "CD-REQ-1": FaultCase(
        _not_objects, _equal(*[(400, "bad_request")] * 2), _req_1_faulty
    ),
    "CD-VAL-1": FaultCase(_name_only, _names_fields, _names_base),
    "CD-ATOMIC-1": FaultCase(_refused_update, _unchanged, _half_written),
    "CD-VAL-1:first-field-only": FaultCase(_name_only, _names_fields, _names_one_field),
    "CD-CONFLICT-1": FaultCase(_duplicate, _created_then_conflict, _created_then_taken),
    "CD-CONFLICT-2": FaultCase(
        _authorize_twice,
        lambda rs: _equal((409, "conflict"))(rs[1:]),
        lambda rs: _all_ok(rs),
    ),
    "CD-RATE-1": FaultCase(
        _burst, _retry_after_matches, _retry_after_missing, rate_limit=10.0
    ),
    "CD-RATE-2": FaultCase(
        _burst_then_wait, _recovered, _still_blocked, rate_limit=10.0, slow=True
    ),
    "CD-5XX-1": FaultCase(_crashers, _no_5xx, _bare_500),
    "CD-5XX-1:long-name": FaultCase(_long_names, _no_5xx, _long_name_crashes),
    "CD-5XX-1:deep-nesting": FaultCase(_deep_members, _no_5xx, _deep_member_crashes),
    "CD-LEAK-1": FaultCase(_unknown_ids, _no_internals, _internals),
    "CD-METHOD-1": FaultCase(_unserved, _refused_as_documented, _served_by_get),
    "CD-METHOD-1:no-allow": FaultCase(_unserved, _refused_as_documented, _no_allow),
    "CD-ROUTE-1": FaultCase(_unknown_paths, _statuses(404, 404), _statuses(403, 403)),
    "CD-BODY-A:router": FaultCase(_router_answers, _codes_present, _message_only),
    "CD-METHOD-2": FaultCase(
        _head_and_options, _head_and_options_as_documented, _head_unrouted
    ),
    "CD-METHOD-2:options": FaultCase(
        _head_and_options, _head_and_options_as_documented, _preflight_only
    ),
    "CD-ACCEPT-1": FaultCase(_unacceptable, _accept_as_documented, _missing_template),
    "CD-BODY-A:accept": FaultCase(
        _unacceptable, _accept_as_documented, _head_not_acceptable
    ),
}


def test_every_clause_has_a_fault_probe():
    assert set(FAULT_CASES) == FAULTS, set(FAULT_CASES) ^ FAULTS


@pytest.mark.parametrize("clause", sorted(FAULTS))
def test_each_fault_switch_breaks_its_clause(clause):
    case = FAULT_CASES[clause]
    c, fx = make(rate_limit=case.rate_limit)
    case.conforming(case.probe(c, fx))
    c, fx = make(faults=[clause], rate_limit=case.rate_limit)
    case.faulty(case.probe(c, fx))


# A fault may only break another clause where the two cannot be told apart.

ENTANGLED = {
    # No Authorization answered 403: the key elsewhere is a request without it.
    ("CD-AUTH-1", "CD-AUTH-4"),
    ("CD-CODE-1", "CD-POLICY-1"),  # the policy denial is the 403 whose code changes
    ("CD-TENANT-3", "CD-TENANT-2"),  # the foreign company is also a non-member UUID
    # The shape case provokes its 401 with an unknown token, which that fault lets in.
    ("CD-AUTH-2:any-token", "CD-BODY-A"),
    # OPTIONS, which no route takes, is an unserved method: answered by the same
    # router 405, whose Allow those faults bend.
    *(
        (method_1, method_2)
        for method_1 in ("CD-METHOD-1", "CD-METHOD-1:no-allow")
        for method_2 in ("CD-METHOD-2", "CD-METHOD-2:options")
    ),
    # The same requests with an unacceptable Accept: each fault bends their answer.
    ("CD-ACCEPT-1", "CD-BODY-A:accept"),
    ("CD-BODY-A:accept", "CD-ACCEPT-1"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_leaves_the_other_clauses_conforming(fault):
    broken = []
    for clause, case in sorted(FAULT_CASES.items()):
        if clause.partition(":")[0] == fault.partition(":")[0]:
            continue  # the same clause: its other faults' cases may well notice
        if case.slow or (fault, clause) in ENTANGLED:
            continue
        c, fx = make(faults=[fault], rate_limit=case.rate_limit)
        try:
            case.conforming(case.probe(c, fx))
        except AssertionError as exc:
            broken.append(f"{clause}: {exc}")
    assert not broken


def test_all_tolerances_together_still_keep_every_clause():
    for _, case in sorted(FAULT_CASES.items()):
        if case.slow:
            continue
        c, fx = make(tolerances=TOLERANCES, rate_limit=case.rate_limit)
        case.conforming(case.probe(c, fx))


# -- tolerance switches: allowed variations, each visible against the default
def _errors_and_create(c: TestClient, fx: Fixtures) -> Responses:
    return [
        c.get("/v1/nowhere"),
        c.get(RECIPIENTS, headers={"company-id": fx["company_id"]}),
        c.post(RECIPIENTS, headers=auth(fx), json={"name": "A"}),
        c.post(RECIPIENTS, headers=auth(fx), json=RECIPIENT),
        new_transaction(c, fx),
        c.get("/v1/companies", headers=auth(fx, company=False)),
        new_transaction(c, fx, description=None),
        c.put(RECIPIENTS, headers=auth(fx)),
        c.get(RECIPIENTS, headers={**auth(fx), "Accept": "image/png"}),
    ]


def _default_variation(rs: Responses) -> None:
    route, unauthenticated, invalid, created, transaction, companies, bare, put = rs[:8]
    assert (put.status_code, allow(put)) == (405, {"GET", "HEAD", "POST"})
    # Accept disregarded, as `render json:` does.
    assert isinstance(rs[8].json(), list), rs[8].text
    assert expect_invalid(bare) == {"description": ["can't be blank"]}
    assert set(route.json()) == {"error", "message"}
    assert set(invalid.json()) == {"errors"}
    assert "message" in unauthenticated.json()
    assert all(r.headers["content-type"] == "application/json" for r in rs)
    assert ("X-Request-Id", request_id(route)) in [
        (k.decode(), v.decode()) for k, v in route.headers.raw
    ]
    assert (created.status_code, transaction.status_code) == (201, 201)
    assert set(companies.json()) == {"data", "total"}


def _extra_fields(rs: Responses) -> None:
    route, _, invalid, _, _, companies, _, _, _ = rs
    assert route.json()["request_id"] == request_id(route)
    assert route.json()["docs_url"].startswith("https://")
    assert invalid.json()["request_id"] == request_id(invalid)
    assert companies.json()["request_id"] == request_id(companies)


def _omit_message(rs: Responses) -> None:
    assert rs[1].json() == {"error": "unauthenticated"}
    assert rs[0].json() == {"error": "not_found"}


def _charset(rs: Responses) -> None:
    for r in rs:
        assert r.headers["content-type"] == "application/json; charset=utf-8"


def _header_case(rs: Responses) -> None:
    for r in rs:
        names = [k for k, _ in r.headers.raw]
        assert b"x-request-id" in names
        assert b"X-Request-Id" not in names


def _status_200(rs: Responses) -> None:
    created, transaction = rs[3], rs[4]
    assert (created.status_code, transaction.status_code) == (200, 200)
    assert created.json()["id"]
    assert transaction.json()["status"] == "draft"


def _problem_json(rs: Responses) -> None:
    for r in (*rs[:3], *rs[6:8]):
        assert r.headers["content-type"] == "application/problem+json"
    for r in (*rs[3:6], rs[8]):
        assert r.headers["content-type"] == "application/json"


def _optional_description(rs: Responses) -> None:
    bare = rs[6]
    assert bare.status_code == 201, bare.text
    assert bare.json()["status"] == "draft"
    assert bare.json().get("description") is None


def _method_404(rs: Responses) -> None:
    """Rails' router: an unserved method is an unknown route, 404 without Allow."""
    put = rs[7]
    assert expect(put, 404, "not_found")
    assert "allow" not in put.headers


def _accept_406(rs: Responses) -> None:
    """Rails' respond_to: an Accept admitting no JSON is refused, 406 in shape A."""
    expect(rs[8], 406, "not_acceptable")
    assert rs[8].headers["content-type"] == "application/json"


TOLERANCE_CASES: dict[str, Check] = {
    "extra-fields": _extra_fields,
    "omit-message": _omit_message,
    "charset": _charset,
    "header-case": _header_case,
    "status-200": _status_200,
    "problem-json": _problem_json,
    "optional-description": _optional_description,
    "method-404": _method_404,
    "accept-406": _accept_406,
}


def test_every_tolerance_has_a_check():
    assert set(TOLERANCE_CASES) == TOLERANCES


def test_the_default_server_shows_none_of_the_variations():
    _default_variation(_errors_and_create(*make()))


@pytest.mark.parametrize("tolerance", sorted(TOLERANCES))
def test_each_tolerance_shows_its_variation(tolerance):
    TOLERANCE_CASES[tolerance](_errors_and_create(*make(tolerances=[tolerance])))


def test_omit_message_keeps_retry_after_on_429():
    c, fx = make(tolerances=["omit-message"], rate_limit=10.0)
    r = _burst(c, fx)[0]
    assert r.json() == {"error": "rate_limit_exceeded", "retry_after": 1}


# -- rate limiting ------------------------------------------------------------------
def test_eleven_quick_requests_in_one_bucket_get_the_documented_429():
    c, fx = make(rate_limit=10.0)
    statuses = [c.get(RECIPIENTS, headers=auth(fx)).status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    r = c.get(RECIPIENTS, headers=auth(fx))
    assert r.json() == {
        "error": "rate_limit_exceeded",
        "message": "Too many requests. Please retry after 1 second.",
        "retry_after": 1,
    }
    assert r.headers["retry-after"] == "1"
    assert request_id(r)


def test_buckets_are_independent():
    c, fx = make(rate_limit=10.0)
    _burst(c, fx)
    # Same company under the other header spelling: the same bucket.
    same = {**auth(fx, company=False), "company_id": fx["company_id"]}
    assert c.get(RECIPIENTS, headers=same).status_code == 429
    # No company-id: the key's bucket; no key either: the address's bucket.
    assert (
        c.get("/v1/banking/banks", headers=auth(fx, company=False)).status_code == 200
    )
    assert c.get(RECIPIENTS).status_code == 401
    foreign = _in_company(fx, fx["foreign_company_id"])
    assert c.get(RECIPIENTS, headers=foreign).status_code == 404


def test_the_rate_limit_applies_before_authentication():
    c, _ = make(rate_limit=10.0)
    statuses = [c.get(RECIPIENTS).status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]


def test_rate_limit_none_or_zero_disables_it():
    for rate in (None, 0):
        c, fx = make(rate_limit=rate)
        statuses = {c.get(RECIPIENTS, headers=auth(fx)).status_code for _ in range(30)}
        assert statuses == {200}


def test_after_retry_after_the_same_request_succeeds_unless_cd_rate_2():
    case = FAULT_CASES["CD-RATE-2"]
    _recovered(case.probe(*make(rate_limit=10.0)))
    _still_blocked(case.probe(*make(faults=["CD-RATE-2"], rate_limit=10.0)))


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_limiter_slides_its_window_and_rounds_retry_after_up():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(2.0, clock=clock)
    assert [limiter.acquire("a"), limiter.acquire("a")] == [None, None]
    clock.now += 0.4
    assert limiter.acquire("b") is None
    assert limiter.acquire("a") == 1  # 0.6 s left, rounded up
    clock.now += 0.6
    assert limiter.acquire("a") is None  # refusals did not count


def test_limiter_penalty_outlasts_the_advertised_retry_after():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(1.0, penalty_s=3.0, clock=clock)
    assert limiter.acquire("a") is None
    assert limiter.acquire("a") == 1
    clock.now += 1.5
    assert limiter.acquire("a") == 1
    clock.now += 3.0
    assert limiter.acquire("a") is None


def test_limiter_turns_a_fractional_rate_into_a_longer_window():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(0.5, clock=clock)
    assert limiter.acquire("a") is None
    assert limiter.acquire("a") == 2
    clock.now += 2.0
    assert limiter.acquire("a") is None


# -- over a real socket --------------------------------------------------------------
def test_serves_over_a_real_socket():
    app = create_app()
    fx = app.state.fixtures
    with serve(app) as base:
        assert base.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=base, timeout=5) as client:
            ok = client.get("/v1/banking/banks", headers=auth(fx, company=False))
            missing = client.get("/v1/nowhere")
    assert ok.status_code == 200
    assert b"X-Request-Id" in [k for k, _ in ok.headers.raw]
    assert missing.json()["error"] == "not_found"
    assert request_id(ok) != request_id(missing)
