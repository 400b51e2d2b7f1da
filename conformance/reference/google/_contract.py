"""What the Shelves API promises (``openapi.yaml``, AIP-193) and the switches that
break or bend it: the keys, the errors it answers, the fault and tolerance names.

Each error is a ``Kind``: its HTTP status, the google.rpc.Code name code.proto maps to
that status, the ErrorInfo ``reason`` and the ``message``. A status no code maps to
(405, 406, 413) carries the code a Google front end would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

API_KEY: Final = "AIzaReferenceMainKey0000000000000000001"
OTHER_API_KEY: Final = "AIzaReferenceOtherKey000000000000000002"
READ_ONLY_API_KEY: Final = "AIzaReferenceReadOnlyKey00000000000003"
MAIN_ACCOUNT: Final = "main"
OTHER_ACCOUNT: Final = "other"
KEY_HEADER: Final = "x-goog-api-key"
DOMAIN: Final = "shelves.reference.errcontract.invalid"
TYPE: Final = "type.googleapis.com/google.rpc."
JSON: Final = "application/json"
CHARSET: Final = "; charset=utf-8"
BODY_LIMIT: Final = 65_536
"""The document's x-conformance-max-body for createShelf."""
MAX_DEPTH: Final = 64
"""How deep a body may nest; deeper is refused (400), or a crash under GA-5XX-1."""
CANONICAL_HEADERS: Final = {
    b"content-type": b"Content-Type",
    b"content-length": b"Content-Length",
    b"allow": b"Allow",
}
FAULTY_LEAK: Final = (
    'Traceback (most recent call last):\n  File "/srv/shelves/store.py", line 88, '
    "in get\nKeyError: 'shelf'"
)
FAULTY_FIELD: Final = "request"
"""The field a GA-VAL-1:unnamed BadRequest names: none the client sent."""
GRPC_NUMBERS: Final = {
    "INVALID_ARGUMENT": 3,
    "NOT_FOUND": 5,
    "PERMISSION_DENIED": 7,
    "UNAUTHENTICATED": 16,
    "UNIMPLEMENTED": 12,
    "INTERNAL": 13,
}
"""google.rpc.Code's numbers, which GA-BODY-2 puts where the HTTP status belongs."""


@dataclass(frozen=True)
class Kind:
    """One kind of error: HTTP status, google.rpc.Code name, ErrorInfo reason, text."""

    status: int
    code: str
    reason: str
    message: str


UNAUTHENTICATED = Kind(
    401, "UNAUTHENTICATED", "API_KEY_INVALID", "API key not valid. Pass a valid key."
)
# What Google's own front ends answer a request without a key: 403, not RFC 9110's
# 401 (GA-AUTH-1:missing-key-403; docs/conventions/google.md shows the overrides
# file a team that answers so writes).
MISSING_KEY = Kind(
    403,
    "PERMISSION_DENIED",
    "API_KEY_MISSING",
    "The request is missing a valid API key.",
)
READ_ONLY = Kind(
    403, "PERMISSION_DENIED", "READ_ONLY_KEY", "This API key may not create shelves."
)
NOT_FOUND = Kind(404, "NOT_FOUND", "SHELF_NOT_FOUND", "Shelf not found.")
INVALID = Kind(400, "INVALID_ARGUMENT", "INVALID_SHELF", "The shelf is not valid.")
MALFORMED = Kind(
    400, "INVALID_ARGUMENT", "MALFORMED_BODY", "Invalid JSON payload received."
)
MALFORMED_AS_422 = Kind(
    422, "INVALID_ARGUMENT", "MALFORMED_BODY", "Invalid JSON payload received."
)
TOO_LARGE = Kind(
    400,
    "INVALID_ARGUMENT",
    "PAYLOAD_TOO_LARGE",
    f"Request payload size exceeds the limit: {BODY_LIMIT} bytes.",
)
TOO_LARGE_413 = Kind(413, "INVALID_ARGUMENT", TOO_LARGE.reason, TOO_LARGE.message)
UNKNOWN_PARAMETER = Kind(
    400, "INVALID_ARGUMENT", "UNKNOWN_PARAMETER", "Cannot bind query parameter."
)
UNACCEPTABLE = Kind(
    406, "INVALID_ARGUMENT", "NOT_ACCEPTABLE", "No acceptable media type: JSON only."
)
ACCEPT_AS_BAD = Kind(
    400, "INVALID_ARGUMENT", "BAD_ACCEPT", "Accept must name application/json."
)
DENIED = Kind(403, "PERMISSION_DENIED", "SHELF_DENIED", "Permission denied.")
NO_ROUTE = Kind(404, "NOT_FOUND", "ROUTE_NOT_FOUND", "The requested URL was not found.")
METHOD_NOT_ALLOWED = Kind(
    405, "UNIMPLEMENTED", "METHOD_NOT_ALLOWED", "The method is not allowed here."
)
INTERNAL = Kind(500, "INTERNAL", "INTERNAL_ERROR", "Internal error encountered.")

FAULTS: Final = frozenset(
    {
        "GA-BODY-1",  # 404s without the `error` envelope
        "GA-BODY-2",  # `code` the gRPC number, not the HTTP status
        "GA-BODY-3",  # 401 with status PERMISSION_DENIED
        "GA-BODY-4",  # ErrorInfo reason in lower case
        "GA-BODY-5",  # the BadRequest twice in `details`
        "GA-HDR-1",  # 404s labelled text/plain
        "GA-AUTH-1",  # no key taken for the main account
        "GA-AUTH-1:missing-key-403",  # no key answered 403 PERMISSION_DENIED
        "GA-AUTH-2",  # an unknown key taken for the main account
        "GA-AUTH-4",  # the key also read from an `api_key` query parameter
        "GA-VAL-1",  # a create's fields not validated
        "GA-VAL-1:unnamed",  # the BadRequest names a field nobody sent
        "GA-REQ-1",  # a body that is not JSON answered 422
        "GA-ACCEPT-1",  # an Accept without JSON refused with 400
        "GA-SIZE-1",  # no body limit
        "GA-RES-1",  # an unknown shelf answered 403
        "GA-METHOD-1",  # 405 without Allow
        "GA-METHOD-2",  # HEAD answered 405
        "GA-ROUTE-1",  # an item path with more segments served as the item
        "GA-IGNORE-1",  # an unknown query parameter refused (400)
        "GA-TENANT-1",  # another account's shelf served
        "GA-ROLE-1",  # a read-only key creates
        "GA-5XX-1",  # a deeply nested body crashes the parser (500)
        "GA-LEAK-1",  # a 404's message carries a traceback
    }
)
TOLERANCES: Final = frozenset(
    {
        "extra-members",  # the v1 `errors` list, extra metadata, more payloads
        "minimal",  # ErrorInfo alone: no metadata, no BadRequest, no other payload
        "member-order",  # members and payloads in reverse order
        "charset",  # application/json; charset=utf-8
        "header-case",  # header names in lower case
        "request-field-path",  # fieldViolations name `shelf.theme` (AIP-133 body)
        "accept-406",  # an Accept without JSON answered 406 (RFC 9110 12.5.1)
        "size-413",  # a body over the limit answered 413 rather than 400
    }
)
