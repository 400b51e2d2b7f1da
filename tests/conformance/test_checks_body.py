"""Body checks as the shipped catalogs bind them: shapes, codes, status echo, phrases,
leaks. Every case runs the check a clause names, with the clause's own parameters."""

from __future__ import annotations

from typing import Any

import pytest

from errcontract._contract.profile import load_profile
from errcontract.checks import Inapplicable
from errcontract.results import Violation

SHAPE_B_EXAMPLE = {
    "errors": {
        "rut": ["can't be blank", "is invalid"],
        "account_number": ["can't be blank"],
        "bank_id": ["must reference an existing bank"],
    }
}
CARDCLAN_EXAMPLE = {
    "error": "Bad Request",
    "message": "Card ID is required",
    "statusCode": 400,
    "timestamp": "2024-01-15T10:30:00.000Z",
}


# -- CD-BODY-A: shape A ------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"error": "not_found"},
        {"error": "not_found", "message": "Recipient not found"},
        {"error": "rate_limit_exceeded", "message": "", "retry_after": 1},
        {"error": "unauthorized", "request_id": "r-1", "docs": "https://x.test"},
        {"error": "e2e_timeout_v2"},
    ],
    ids=["bare-code", "with-message", "empty-message-extra", "extra-fields", "digits"],
)
def test_shape_a_accepts_a_snake_case_code_with_optional_message(
    judge, make_exchange, body
):
    assert judge("cardda", "CD-BODY-A", make_exchange(404, body)) is None


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b"<html>Not Found</html>", "not JSON"),
        (b"", "not JSON"),
        ([{"error": "not_found"}], "(body)"),
        ({"message": "Recipient not found"}, "(body)"),
        ({"error": "Not Found"}, "error"),
        ({"error": "NOT_FOUND"}, "error"),
        ({"error": 404}, "error"),
        ({"error": "not_found", "message": 42}, "message"),
        ({"error": "not_found", "message": None}, "message"),
    ],
    ids=[
        "html",
        "empty-body",
        "json-array",
        "error-missing",
        "reason-phrase-not-snake",
        "upper-snake",
        "error-not-string",
        "message-number",
        "message-null",
    ],
)
def test_shape_a_rejects_bodies_that_are_not_a_code_object(
    judge, make_exchange, body, where
):
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-BODY-A", make_exchange(404, body))
    assert info.value.clause == "CD-BODY-A"
    assert where in info.value.actual or where in info.value.title


def test_shape_a_violation_carries_the_exchange(judge, make_exchange):
    exchange = make_exchange(404, {"error": "Not Found"})
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-BODY-A", exchange)
    assert info.value.exchanges == (exchange,)


# -- CD-BODY-B: shape B ------------------------------------------------------------


def test_shape_b_accepts_the_seed_example(judge, make_exchange):
    assert judge("cardda", "CD-BODY-B", make_exchange(422, SHAPE_B_EXAMPLE)) is None


def test_shape_b_accepts_extra_members_next_to_errors(judge, make_exchange):
    body = {"error": "unprocessable_entity", **SHAPE_B_EXAMPLE}
    assert judge("cardda", "CD-BODY-B", make_exchange(422, body)) is None


@pytest.mark.parametrize(
    "body",
    [
        {"errors": {}},
        {"errors": {"rut": []}},
        {"errors": {"rut": [1, 2]}},
        {"errors": {"rut": "can't be blank"}},
        {"errors": ["rut can't be blank"]},
        {"error": "unprocessable_entity"},
        b"rut can't be blank",
    ],
    ids=[
        "no-field",
        "empty-list",
        "non-string-items",
        "string-not-list",
        "errors-a-list",
        "shape-a-at-422",
        "not-json",
    ],
)
def test_shape_b_rejects_bodies_that_name_no_usable_field(judge, make_exchange, body):
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-BODY-B", make_exchange(422, body))
    assert info.value.clause == "CD-BODY-B"


# -- CD-CODE-1: the code documented for the status -----------------------------------


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "bad_request"),
        (401, "unauthenticated"),
        (401, "email_not_verified"),
        (401, "unauthorized"),
        (403, "forbidden"),
        (404, "not_found"),
        (409, "conflict"),
        (429, "rate_limit_exceeded"),
        (500, "internal_error"),
        (502, "bad_gateway"),
        (502, "upstream_unavailable"),
        (503, "service_unavailable"),
        (504, "gateway_timeout"),
    ],
)
def test_code_passes_when_documented_for_the_status(judge, make_exchange, status, code):
    exchange = make_exchange(status, {"error": code, "message": "x"})
    assert judge("cardda", "CD-CODE-1", exchange) is None


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "unprocessable_entity"),
        (401, "forbidden"),
        (403, "unauthenticated"),
        (404, "forbidden"),
        (409, "bad_request"),
        (429, "too_many_requests"),
        (500, "server_error"),
    ],
)
def test_code_fails_when_not_documented_for_the_status(
    judge, make_exchange, status, code
):
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-CODE-1", make_exchange(status, {"error": code}))
    assert info.value.clause == "CD-CODE-1"
    assert str(status) in info.value.actual


@pytest.mark.parametrize("status", [402, 405, 418, 451])
def test_code_leaves_a_status_outside_the_documented_table_to_the_shape_clause(
    judge, make_exchange, status
):
    """The seed: "The Cardda API uses standard HTTP status codes". Its table gives
    codes for the statuses it lists; a 405 for a method the API does not serve has
    none to compare with. Its body is still judged by the shape clause."""
    exchange = make_exchange(status, {"error": "method_not_allowed"})
    # Not judged by the code table (no documented code): its premise is not met.
    assert isinstance(judge("cardda", "CD-CODE-1", exchange), Inapplicable)
    assert judge("cardda", "CD-BODY-A", exchange) is None
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-BODY-A", make_exchange(status, {"error": "Not Allowed"}))
    assert info.value.clause == "CD-BODY-A"


def test_code_does_not_judge_a_body_that_is_not_json(judge, make_exchange):
    exchange = make_exchange(
        400, b"<html>Bad Request</html>", [("Content-Type", "text/html")]
    )
    assert judge("cardda", "CD-CODE-1", exchange) is None


def test_code_leaves_a_missing_code_to_the_shape_clause(judge, make_exchange):
    exchange = make_exchange(404, {"message": "not here"})
    assert judge("cardda", "CD-CODE-1", exchange) is None
    with pytest.raises(Violation):
        judge("cardda", "CD-BODY-A", exchange)


# -- CC-BODY-1: the CardClan error shape ---------------------------------------------


def test_cardclan_shape_accepts_the_documented_example(judge, make_exchange):
    assert judge("cardclan", "CC-BODY-1", make_exchange(400, CARDCLAN_EXAMPLE)) is None


def test_cardclan_shape_accepts_extra_fields(judge, make_exchange):
    body = {**CARDCLAN_EXAMPLE, "path": "/integration/send-card", "requestId": "r1"}
    assert judge("cardclan", "CC-BODY-1", make_exchange(400, body)) is None


def test_cardclan_shape_accepts_an_integral_float_status_code(judge, make_exchange):
    body = b'{"error":"Bad Request","message":"m","statusCode":400.0,"timestamp":"t"}'
    assert judge("cardclan", "CC-BODY-1", make_exchange(400, body)) is None


@pytest.mark.parametrize("missing", ["error", "message", "statusCode", "timestamp"])
def test_cardclan_shape_rejects_a_missing_field(judge, make_exchange, missing):
    body = {k: v for k, v in CARDCLAN_EXAMPLE.items() if k != missing}
    with pytest.raises(Violation) as info:
        judge("cardclan", "CC-BODY-1", make_exchange(400, body))
    assert missing in info.value.actual


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("message", ""),
        ("message", "   "),
        ("message", None),
        ("statusCode", "400"),
        ("statusCode", 400.5),
        ("statusCode", None),
        ("error", 400),
        ("timestamp", 1705314600),
    ],
    ids=[
        "empty-message",
        "blank-message",
        "null-message",
        "status-string",
        "status-fraction",
        "status-null",
        "error-number",
        "timestamp-number",
    ],
)
def test_cardclan_shape_rejects_a_field_of_the_wrong_kind(
    judge, make_exchange, field, value
):
    body = {**CARDCLAN_EXAMPLE, field: value}
    with pytest.raises(Violation) as info:
        judge("cardclan", "CC-BODY-1", make_exchange(400, body))
    assert f"at {field}:" in info.value.actual


@pytest.mark.parametrize("body", [b"Bad Request", [CARDCLAN_EXAMPLE], "Bad Request"])
def test_cardclan_shape_rejects_a_body_that_is_not_a_json_object(
    judge, make_exchange, body
):
    with pytest.raises(Violation):
        judge("cardclan", "CC-BODY-1", make_exchange(400, body))


# -- CC-BODY-2: statusCode repeats the status ----------------------------------------


@pytest.mark.parametrize(
    ("status", "raw"),
    [(400, b"400"), (404, b"404"), (400, b"400.0"), (500, b"500")],
)
def test_status_field_passes_when_it_equals_the_status(
    judge, make_exchange, status, raw
):
    body = b'{"error":"x","statusCode":' + raw + b"}"
    assert judge("cardclan", "CC-BODY-2", make_exchange(status, body)) is None


@pytest.mark.parametrize(("status", "value"), [(404, 400), (400, 200), (400, 400.5)])
def test_status_field_fails_when_it_differs(judge, make_exchange, status, value):
    body = {**CARDCLAN_EXAMPLE, "statusCode": value}
    with pytest.raises(Violation) as info:
        judge("cardclan", "CC-BODY-2", make_exchange(status, body))
    assert info.value.actual == f"statusCode = {value}"
    assert info.value.expected == f"statusCode = {status}"


@pytest.mark.parametrize(
    "body",
    [
        {"error": "Bad Request"},
        {"statusCode": "404"},
        {"statusCode": None},
        {"statusCode": True},
        [404],
        b"statusCode: 404",
    ],
    ids=["absent", "string", "null", "boolean", "array-body", "not-json"],
)
def test_status_field_is_not_judged_unless_a_number(judge, make_exchange, body):
    assert isinstance(
        judge("cardclan", "CC-BODY-2", make_exchange(400, body)), Inapplicable
    )


# -- CC-BODY-3: error is the reason phrase ------------------------------------------


@pytest.mark.parametrize(
    ("status", "phrase"),
    [
        (400, "Bad Request"),
        (400, "bad request"),
        (400, " Bad Request "),
        (401, "Unauthorized"),
        (404, "NOT FOUND"),
        (409, "Conflict"),
        (422, "Unprocessable Entity"),
        (500, "Internal Server Error"),
        (502, "Bad Gateway"),
        (503, "Service Unavailable"),
    ],
)
def test_reason_phrase_accepts_the_phrase_in_any_case(
    judge, make_exchange, status, phrase
):
    body = {**CARDCLAN_EXAMPLE, "error": phrase, "statusCode": status}
    assert judge("cardclan", "CC-BODY-3", make_exchange(status, body)) is None


@pytest.mark.parametrize(
    ("status", "phrase"),
    [
        (422, "Unprocessable Content"),
        (422, "Unprocessable Entity"),
        (413, "Content Too Large"),
        (413, "Payload Too Large"),
        (413, "Request Entity Too Large"),
        (414, "URI Too Long"),
        (414, "Request-URI Too Long"),
        (416, "Range Not Satisfiable"),
        (416, "Requested Range Not Satisfiable"),
    ],
)
def test_reason_phrase_accepts_current_and_former_iana_phrases(
    judge, make_exchange, status, phrase
):
    """The contract allows RFC 9110's phrase and the former one, whatever Python's
    own table knows (before 3.13 it predates the renames)."""
    body = {**CARDCLAN_EXAMPLE, "error": phrase, "statusCode": status}
    assert judge("cardclan", "CC-BODY-3", make_exchange(status, body)) is None


@pytest.mark.parametrize(
    ("status", "phrase"),
    [
        (400, "Error"),
        (404, "NotFound"),
        (404, "Bad Request"),
        (400, "bad_request"),
        (500, "Internal Error"),
    ],
)
def test_reason_phrase_rejects_other_text(judge, make_exchange, status, phrase):
    body = {**CARDCLAN_EXAMPLE, "error": phrase, "statusCode": status}
    with pytest.raises(Violation) as info:
        judge("cardclan", "CC-BODY-3", make_exchange(status, body))
    assert info.value.actual == repr(phrase)
    assert info.value.clause == "CC-BODY-3"


@pytest.mark.parametrize(
    "body", [{"error": 400}, {"message": "m"}, [1], b"Bad Request"], ids=str
)
def test_reason_phrase_is_not_judged_unless_a_string(judge, make_exchange, body):
    assert judge("cardclan", "CC-BODY-3", make_exchange(400, body)) is None


# -- CD-LEAK-1 / CC-LEAK-1: no internals ----------------------------------------------

LEAKS = {
    "python-traceback": (
        "Traceback (most recent call last):\n"
        '  File "/srv/app/views.py", line 88, in create\n'
        "KeyError: 'rut'"
    ),
    "java-frame": (
        "java.lang.NullPointerException\n"
        "\tat com.cardda.banking.RecipientService.create(RecipientService.java:57)"
    ),
    "ruby-path-with-line": (
        "/app/app/controllers/recipients_controller.rb:12:in `create'"
    ),
    "ruby-exception-class": "undefined method `id' for nil:NilClass (NoMethodError)",
    "sql-state": "SQLSTATE[23505]: Unique violation",
    "sql-postgres": 'PG::UndefinedTable: ERROR: relation "recipients" does not exist',
    "sql-text": "SELECT id, rut FROM recipients WHERE company_id = 7",
    "node-frame": (
        "TypeError: x is not a function\n"
        "    at Object.handler (/srv/app/routes/cards.js:41:17)"
    ),
    "node-internal-frame": (
        "    at process.processTicksAndRejections"
        " (node:internal/process/task_queues:95:5)"
    ),
}


@pytest.mark.parametrize("api", ["cardda", "cardclan"])
@pytest.mark.parametrize("leak", list(LEAKS.values()), ids=list(LEAKS))
def test_no_internals_flags_a_leak_in_the_body(judge, make_exchange, api, leak):
    clause = "CD-LEAK-1" if api == "cardda" else "CC-LEAK-1"
    exchange = make_exchange(500, {"error": "internal_error", "message": leak})
    with pytest.raises(Violation) as info:
        judge(api, clause, exchange)
    assert info.value.clause == clause
    assert info.value.title == "error body leaks internals"


def test_no_internals_flags_a_leak_in_a_body_that_is_not_json(judge, make_exchange):
    exchange = make_exchange(500, LEAKS["python-traceback"].encode(), [])
    with pytest.raises(Violation):
        judge("cardda", "CD-LEAK-1", exchange)


def _documented_bodies() -> list[tuple[str, str, int, Any]]:
    """One body per documented answer of both catalogs, built from its ``expect``."""
    out: list[tuple[str, str, int, Any]] = []
    for api, leak_clause in (("cardda", "CD-LEAK-1"), ("cardclan", "CC-LEAK-1")):
        for clause in load_profile(api).clauses:
            for entry in clause.expect:
                status = str(entry["status"])
                code = int(status.replace("XX", "00"))
                if entry.get("message"):
                    body: Any = {
                        "error": "Bad Request",
                        "message": entry["message"],
                        "statusCode": code,
                        "timestamp": "2024-01-15T10:30:00.000Z",
                    }
                elif entry.get("error"):
                    body = {"error": entry["error"], "message": entry["error"]}
                elif entry.get("name_field"):
                    body = SHAPE_B_EXAMPLE
                else:
                    continue
                out.append((f"{clause.id}-{status}", leak_clause, code, body))
    # Documented in the contract's headers section rather than in an `expect` entry.
    out.append(
        (
            "CD-RATE-1-429",
            "CD-LEAK-1",
            429,
            {
                "error": "rate_limit_exceeded",
                "message": "Too many requests. Please retry after 1 second.",
                "retry_after": 1,
            },
        )
    )
    return out


DOCUMENTED = _documented_bodies()


def test_the_catalogs_document_messages_for_the_leak_check_to_pass():
    """Guards the parametrisation below against silently shrinking to nothing."""
    messages = {b["message"] for _, clause, _, b in DOCUMENTED if clause == "CC-LEAK-1"}
    assert "Card not found or you do not have access to this card" in messages
    assert len(messages) >= 8
    codes = {b.get("error") for _, clause, _, b in DOCUMENTED if clause == "CD-LEAK-1"}
    assert {"unauthenticated", "not_found", "conflict", "bad_request"} <= codes


@pytest.mark.parametrize(
    ("leak_clause", "status", "body"),
    [d[1:] for d in DOCUMENTED],
    ids=[d[0] for d in DOCUMENTED],
)
def test_no_internals_passes_every_documented_answer(
    judge, make_exchange, leak_clause, status, body
):
    api = "cardda" if leak_clause.startswith("CD") else "cardclan"
    assert judge(api, leak_clause, make_exchange(status, body)) is None


@pytest.mark.parametrize(
    "message",
    [
        "Recipient not found at this path",
        "Error: the card could not be sent",
        "select a workspace from the list",
        "Invalid token type: expected Bearer",
    ],
)
def test_no_internals_passes_ordinary_prose(judge, make_exchange, message):
    body = {"error": "bad_request", "message": message}
    assert judge("cardda", "CD-LEAK-1", make_exchange(400, body)) is None


def test_no_internals_flags_a_java_frame_in_a_plain_text_body(judge, make_exchange):
    """The same frame as above, unescaped: the pattern itself finds it."""
    exchange = make_exchange(500, LEAKS["java-frame"].encode(), [])
    with pytest.raises(Violation):
        judge("cardda", "CD-LEAK-1", exchange)


def test_no_internals_flags_a_spring_style_trace_field(judge, make_exchange):
    """Spring Boot's default error body: the trace sits, JSON-escaped, in `trace`."""
    body = {
        "status": 500,
        "error": "Internal Server Error",
        "trace": "java.lang.IllegalStateException: boom\n\tat "
        "org.springframework.web.servlet.FrameworkServlet.service("
        "FrameworkServlet.java:897)\n\tat javax.servlet.http.HttpServlet.service("
        "HttpServlet.java:750)",
    }
    with pytest.raises(Violation):
        judge("cardclan", "CC-LEAK-1", make_exchange(500, body))


# -- one validation per distinct body ------------------------------------------------


def test_a_repeated_body_is_validated_once_and_judged_each_time(
    judge, make_exchange, monkeypatch
):
    """A server's error bodies repeat: each distinct body is validated once per
    schema, and every exchange carrying it still gets its own verdict."""
    from errcontract.checks import body as body_checks

    calls = []
    real = body_checks.first_error
    monkeypatch.setattr(body_checks, "_memo", {})
    monkeypatch.setattr(
        body_checks, "first_error", lambda v, b: calls.append(b) or real(v, b)
    )
    good = {"error": "not_found", "message": "Recipient not found"}
    bad = {"error": "Not Found"}
    for _ in range(3):
        judge("cardda", "CD-BODY-A", make_exchange(404, good))
    assert len(calls) == 1
    first, second = make_exchange(404, bad), make_exchange(404, bad)
    for exchange in (first, second):
        with pytest.raises(Violation) as info:
            judge("cardda", "CD-BODY-A", exchange)
        assert info.value.exchanges == (exchange,)
    assert len(calls) == 2
    # Another schema (CardClan's shape) judges the same bytes on its own.
    with pytest.raises(Violation):
        judge("cardclan", "CC-BODY-1", make_exchange(404, good))
    assert len(calls) == 3
