"""The google convention's data: the google.rpc.Code -> HTTP mapping table
(status-codes.schema.json) against code.proto's own `HTTP Mapping` lines, the AIP-193
error shape and its ErrorInfo and payload readings, and the two reaches the checks
gained for it (a JSON Pointer ``field``; a path to the field list with protobuf field
paths)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from errcontract._contract import conventions
from errcontract._contract.document import load_document
from errcontract._contract.profile import Profile, load_profile_at, schemas_root
from errcontract._derive import derive
from errcontract._http.exchange import Exchange, Received, SentRequest
from errcontract._http.probe import Probe
from errcontract.checks.answers import member_at, named_fields, path_text
from errcontract.checks.body import body_field
from errcontract.reference import google

# google/rpc/code.proto (googleapis), each code's "HTTP Mapping" comment, as read.
CODE_PROTO = {
    "CANCELLED": 499,
    "UNKNOWN": 500,
    "INVALID_ARGUMENT": 400,
    "DEADLINE_EXCEEDED": 504,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "PERMISSION_DENIED": 403,
    "UNAUTHENTICATED": 401,
    "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400,
    "ABORTED": 409,
    "OUT_OF_RANGE": 400,
    "UNIMPLEMENTED": 501,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DATA_LOSS": 500,
}
# code.proto's NOTE on FAILED_PRECONDITION: a server that sees Etag-related headers
# "may choose to return 412 instead of 400".
ALSO = {("FAILED_PRECONDITION", 412)}
TABLE = json.loads(
    (schemas_root() / "conventions" / "google" / "status-codes.schema.json").read_text()
)
T = "type.googleapis.com/google.rpc."
# AIP-193's own example error (its "JSON representation" section).
AIP_EXAMPLE = {
    "error": {
        "code": 429,
        "message": "The zone 'us-east1-a' does not have enough resources available.",
        "status": "RESOURCE_EXHAUSTED",
        "details": [
            {
                "@type": T + "ErrorInfo",
                "reason": "RESOURCE_AVAILABILITY",
                "domain": "compute.googleapis.com",
                "metadata": {"zone": "us-east1-a", "vmType": "e2-medium"},
            },
            {"@type": T + "LocalizedMessage", "locale": "en-US", "message": "..."},
            {"@type": T + "Help", "links": [{"description": "d", "url": "https://x"}]},
        ],
    }
}


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Profile:
    folder = tmp_path_factory.mktemp("google")
    document = load_document(google.OPENAPI)
    result = derive.derive(conventions.load_convention("google"), document)
    derive.write(result, folder)
    return load_profile_at(folder)


def _errors(profile: Profile, reference: str, body: Any) -> list[str]:
    return [e.message for e in profile.validator(reference).iter_errors(body)]


def _with_status(name: str) -> dict[str, Any]:
    return {"error": {"status": name}}


def test_the_table_is_code_proto_read_backwards(profile: Profile) -> None:
    """Every code's HTTP mapping has a row that takes it, and no row takes a code
    that does not map to its status."""
    rows = {int(s) for s in TABLE["$defs"]}
    assert rows == set(CODE_PROTO.values()) | {s for _, s in ALSO}
    for status in rows:
        reference = f"status-codes.schema.json#/$defs/{status}"
        for name, mapped in CODE_PROTO.items():
            errors = _errors(profile, reference, _with_status(name))
            takes = mapped == status or (name, status) in ALSO
            assert (not errors) == takes, (status, name, errors)
    # Several codes share a status: all of them are its codes.
    assert TABLE["$defs"]["400"]["properties"]["error"]["properties"]["status"][
        "enum"
    ] == ["INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE"]
    for row in TABLE["$defs"].values():
        assert "code.proto" in row["$comment"], row


def test_a_status_no_code_maps_to_has_no_row() -> None:
    """405, 406, 413, 415, 422: code.proto names no code for them, so GA-BODY-3
    does not judge them (body_schema by_status: no row, not judged)."""
    for status in ("405", "406", "413", "415", "422", "200"):
        assert status not in TABLE["$defs"]


def test_the_aip_example_passes_every_shape(profile: Profile) -> None:
    for reference in (
        "google-error.schema.json",
        "google-error.schema.json#/$defs/error_info",
        "google-error.schema.json#/$defs/payloads",
        "status-codes.schema.json#/$defs/429",
    ):
        assert not _errors(profile, reference, AIP_EXAMPLE), reference


def _info(**info: Any) -> dict[str, Any]:
    return {"error": {"details": [{"@type": T + "ErrorInfo", **info}]}}


@pytest.mark.parametrize(
    ("reason", "ok"),
    [
        ("CPU_AVAILABILITY", True),
        ("NO_STOCK", True),
        ("A1B", True),
        ("X" * 63, True),
        ("X" * 64, False),  # at most 63 characters
        ("noBooks", False),  # AIP-193's own examples of reasons that breach it
        ("librariesAreGreat", False),
        ("ERROR_", False),  # the last character is a letter or digit
        ("1ERROR", False),  # the first a letter
        ("AB", False),  # [A-Z][A-Z0-9_]+[A-Z0-9] is three characters at least
        ("NOT-FOUND", False),
    ],
)
def test_error_info_reason(profile: Profile, reason: str, ok: bool) -> None:
    body = _info(reason=reason, domain="library.example.com")
    errors = _errors(profile, "google-error.schema.json#/$defs/error_info", body)
    assert (not errors) == ok, errors


def test_error_info_is_required_once_with_a_domain(profile: Profile) -> None:
    reference = "google-error.schema.json#/$defs/error_info"
    info = {"@type": T + "ErrorInfo", "reason": "NO_STOCK", "domain": "x"}
    assert _errors(profile, reference, {"error": {"details": []}})
    assert _errors(profile, reference, {"error": {"message": "m"}})
    assert _errors(profile, reference, {"error": {"details": [info, info]}})
    assert _errors(profile, reference, _info(reason="NO_STOCK"))
    assert _errors(profile, reference, _info(reason="NO_STOCK", domain=""))
    bad_metadata = _info(reason="NO_STOCK", domain="x", metadata={"limit": 100})
    assert _errors(profile, reference, bad_metadata)
    # Metadata keys are not judged (AIP-193 and error_details.proto disagree).
    assert not _errors(
        profile, reference, _info(reason="NO_STOCK", domain="x", metadata={"K": "v"})
    )


def test_payloads_once_each_and_field_violations_name_a_field(
    profile: Profile,
) -> None:
    reference = "google-error.schema.json#/$defs/payloads"
    bad = {"@type": T + "BadRequest", "fieldViolations": [{"field": "theme"}]}
    assert not _errors(profile, reference, {"error": {"details": [bad]}})
    assert _errors(profile, reference, {"error": {"details": [bad, bad]}})
    unnamed = {"@type": T + "BadRequest", "fieldViolations": [{"description": "x"}]}
    assert _errors(profile, reference, {"error": {"details": [unnamed]}})
    own = {"@type": "type.googleapis.com/library.v1.Hint"}
    assert not _errors(profile, reference, {"error": {"details": [own, own]}})


def test_the_status_shape(profile: Profile) -> None:
    reference = "google-error.schema.json"
    base = {"code": 404, "message": "Shelf not found.", "status": "NOT_FOUND"}
    assert not _errors(profile, reference, {"error": base})
    assert not _errors(profile, reference, {"error": {**base, "errors": []}})
    assert _errors(profile, reference, base)  # no envelope
    for member in ("code", "message", "status"):
        less = {k: v for k, v in base.items() if k != member}
        assert _errors(profile, reference, {"error": less}), member
    assert _errors(profile, reference, {"error": {**base, "status": "OK"}})
    assert _errors(profile, reference, {"error": {**base, "status": "Not Found"}})
    assert _errors(profile, reference, {"error": {**base, "message": ""}})
    assert _errors(profile, reference, {"error": {**base, "details": [{"x": 1}]}})


def _exchange(status: int, body: Any) -> Exchange:
    return Exchange(
        seq=0,
        probe=Probe(operation="x", method="GET", path="/"),
        request=SentRequest("GET", "http://127.0.0.1/", (), None),
        curl="",
        response=Received(
            status,
            (("Content-Type", "application/json"),),
            json.dumps(body).encode(),
            False,
            datetime.now(UTC),
            0.0,
        ),
    )


def test_a_json_pointer_field_reaches_into_the_envelope() -> None:
    exchange = _exchange(404, {"error": {"code": 404, "details": [{"n": 1}]}})
    assert body_field(exchange, "/error/code") == 404
    assert body_field(exchange, "/error/details/0/n") == 1
    assert body_field(exchange, "/error/nothing/x") is None
    assert body_field(exchange, "error") == {"code": 404, "details": [{"n": 1}]}


def test_the_field_list_is_found_by_its_path_and_named_by_protobuf_paths(
    profile: Profile,
) -> None:
    fields = profile.error_body
    where = fields["fields_field"]
    assert path_text(where) == (
        "error.details[@type=type.googleapis.com/google.rpc.BadRequest].fieldViolations"
    )
    body = AIP_EXAMPLE["error"]["details"]
    assert member_at({"error": {"details": body}}, where) is None  # not listed
    violations = [
        {"field": "theme"},
        {"field": "shelf.capacity"},  # the body is the request's `shelf` (AIP-133)
        {"field": "tags[1]"},
    ]
    bad = {"@type": T + "BadRequest", "fieldViolations": violations}
    listed = member_at({"error": {"details": [body[0], bad]}}, where)
    assert listed == violations
    named = named_fields(listed, fields, 400)
    assert named is not None
    assert {"theme", "capacity", "tags"} <= named
    # Without field_path a name is taken whole.
    plain = {k: v for k, v in fields.items() if k != "field_path"}
    assert named_fields(listed, plain, 400) == {"theme", "shelf.capacity", "tags[1]"}


def test_the_convention_cites_its_texts() -> None:
    text = Path(
        schemas_root() / "conventions" / "google" / "convention.yaml"
    ).read_text()
    for source in (
        "https://google.aip.dev/193",
        "google/rpc/code.proto",
        "google/rpc/error_details.proto",
        "HTTP mapping",
    ):
        assert source in text, source
