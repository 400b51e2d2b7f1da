"""Every literal of the Cardda contract the reference server speaks, kept in one place.

Statuses, machine codes, messages, header names, validation wording and the replacement
answers the fault switches give all live here, so the behaviour modules hold no contract
literal of their own.
"""

from __future__ import annotations

from typing import Final, NamedTuple

DOCUMENTED_RATE_LIMIT: Final = 10.0
"""Requests per second per bucket, as the rate-limits page documents."""

FAULTS: Final = frozenset(
    {
        "CD-BODY-A",
        "CD-BODY-B",
        "CD-CODE-1",
        "CD-HDR-1",
        "CD-HDR-2",
        "CD-HDR-3",
        "CD-AUTH-1",
        "CD-AUTH-2",
        "CD-AUTH-2:any-token",
        "CD-AUTH-2:case-insensitive",  # keys compared case-folded
        "CD-AUTH-2:prefix-match",  # a token a key starts with is taken for it
        "CD-AUTH-2:extra-ignored",  # a token starting with a key is taken for it
        "CD-AUTH-3",
        # Rails' `params[:access_token]` read when the header is missing (a
        # "download link" shortcut): the key in a query parameter is taken
        "CD-AUTH-4",
        # Rails' ActionController::HttpAuthentication::Token::TOKEN_REGEX,
        # /^(Token|Bearer)\s+/, compares the scheme case-sensitively: `bearer` refused
        "CD-AUTH-5",
        "CD-TENANT-1",
        "CD-TENANT-2",
        "CD-TENANT-3",
        "CD-TENANT-4",
        "CD-RES-1",
        "CD-POLICY-1",
        "CD-REQ-1",
        "CD-REQ-1:array-as-object",
        "CD-VAL-1",
        "CD-VAL-1:first-field-only",
        # a recipient update with an invalid field writes its valid ones, then 422
        "CD-ATOMIC-1",
        "CD-CONFLICT-1",
        "CD-CONFLICT-2",
        "CD-RATE-1",
        "CD-RATE-2",
        "CD-5XX-1",
        "CD-5XX-1:long-name",
        # An object body nesting past FAULTY_DEEP_NESTING levels crashes: the depth
        # guard sits after a recursive walk over the members (the old 200 to 300
        # levels of the probes passed it)
        "CD-5XX-1:deep-nesting",
        "CD-TENANT-3:reason-member",
        "CD-LEAK-1",
        # The router's own answers (no document lists them):
        "CD-METHOD-1",  # routed by path alone: a path's GET serves any method
        "CD-METHOD-1:no-allow",  # a 405 without Allow
        "CD-ROUTE-1",  # a path nothing serves answers 403 `forbidden`
        "CD-BODY-A:router",  # the router's 404 and 405 as `{"message": ...}`
        "CD-METHOD-2",  # HEAD routed as no route: 404 `not_found` where GET answers
        "CD-METHOD-2:options",  # a catch-all preflight route: OPTIONS 200, no Allow
        # An Accept admitting no JSON (_negotiate):
        "CD-ACCEPT-1",  # a view looked up for its format: 500 `internal_error`
        "CD-BODY-A:accept",  # `head :not_acceptable`: 406, no body, image/png
    }
)
"""Fault switches: at least one per clause of the catalog, named by the clause id;
turning one on breaks exactly that clause. A clause that covers several defect kinds
has more, named ``<clause id>:<variant>`` (``CD-5XX-1:long-name``); the part before
the colon is always the clause the switch breaks."""


def clause_of(fault: str) -> str:
    """The clause a fault switch breaks: its name up to the first colon."""
    return fault.partition(":")[0]


TOLERANCES: Final = frozenset(
    {
        "extra-fields",
        "omit-message",
        "charset",
        "header-case",
        "status-200",
        "problem-json",
        "optional-description",
        # A method a path does not serve answers 404 `not_found`, as Rails' router
        # does (an unrouted method is an unknown route), not 405 with Allow.
        "method-404",
        # An Accept admitting no JSON answers 406 `not_acceptable` in shape A (Rails'
        # respond_to, its UnknownFormat rescued by the API), not as if unsent.
        "accept-406",
    }
)
"""Variations the contract allows, so the suite can prove it does not fail them."""


class Problem(NamedTuple):
    """A shape-A answer: status, machine code and optional human message."""

    status: int
    code: str
    message: str | None


# -- conforming answers (section 1 of the contract) ---------------------------------
UNAUTHENTICATED: Final = Problem(
    401, "unauthenticated", "Missing or invalid Authorization header."
)
EMAIL_NOT_VERIFIED: Final = Problem(
    401,
    "email_not_verified",
    "The user owning the API key has not verified their email.",
)
# Documented as the terse body: no message on purpose.
COMPANY_REQUIRED: Final = Problem(401, "unauthorized", None)
FORBIDDEN: Final = Problem(
    403, "forbidden", "Your role in this company does not allow this action."
)
NOT_FOUND: Final = Problem(404, "not_found", "Resource not found.")
ROUTE_NOT_FOUND: Final = Problem(404, "not_found", "No such endpoint.")
METHOD_NOT_ALLOWED: Final = Problem(
    405, "method_not_allowed", "This endpoint does not accept that method."
)
NOT_ACCEPTABLE: Final = Problem(
    406, "not_acceptable", "This endpoint only produces application/json."
)
"""accept-406: the seed's table has no 406, so its code is undocumented (as
``method_not_allowed`` is for 405); shape A, as every transport-level error."""
INVALID_JSON: Final = Problem(400, "bad_request", "The request body is not valid JSON.")
TOO_DEEP: Final = Problem(400, "bad_request", "The request body is nested too deeply.")
NOT_AN_OBJECT: Final = Problem(
    400, "bad_request", "The request body must be a JSON object."
)
BAD_QUERY: Final = Problem(400, "bad_request", "Invalid query parameter {param}.")
RECIPIENT_EXISTS: Final = Problem(
    409,
    "conflict",
    "A recipient with this rut, bank and account number already exists.",
)
ALREADY_AUTHORIZED: Final = Problem(
    409, "conflict", "The transaction is already authorized."
)
INTERNAL: Final = Problem(500, "internal_error", "Unexpected error")
RATE_LIMITED: Final = Problem(
    429, "rate_limit_exceeded", "Too many requests. Please retry after {n} {unit}."
)
GENERIC_CODES: Final = {400: "bad_request", 404: "not_found", 413: "bad_request"}
"""Codes for framework-raised HTTP errors other than 404 and 405."""
GENERIC_FALLBACK: Final = "bad_request"

RETRY_AFTER_FIELD: Final = "retry_after"

# -- what the fault switches answer instead -----------------------------------------
FAULTY: Final = {
    "CD-AUTH-1": Problem(403, "forbidden", "Authentication required."),
    "CD-AUTH-2": Problem(400, "bad_request", "Malformed Authorization header."),
    "CD-AUTH-3": UNAUTHENTICATED,
    "CD-TENANT-1": Problem(400, "bad_request", "The company-id header is required."),
    "CD-TENANT-2": Problem(403, "forbidden", "You do not have access to this company."),
    "CD-TENANT-3": Problem(403, "forbidden", "You do not have access to this company."),
    "CD-RES-1": Problem(400, "bad_request", "invalid id"),
    "CD-POLICY-1": Problem(401, "unauthorized", "You may not perform this action."),
    # A gateway or policy layer that denies what it does not know.
    "CD-ROUTE-1": Problem(403, "forbidden", "You do not have access to this path."),
}
FAULTY_PREFLIGHT_HEADERS: Final = {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
}
"""CD-METHOD-2:options: what a Rails catch-all preflight route (``match '*path',
via: :options``, answering ``head :ok``) sends on every path: CORS headers, no Allow."""
FAULTY_MISSING_TEMPLATE: Final = (
    "Missing template recipients/index, application/index with {:formats=>[:png]}"
)
"""CD-ACCEPT-1: what a jbuilder view looked up for the Accept's format raises
(ActionView::MissingTemplate), answered as any unexpected error: a bare 500."""
FAULTY_CODE_403: Final = "access_denied"
FAULTY_NOT_OBJECT_ERRORS: Final = {"base": ["must be an object"]}
FAULTY_DUPLICATE_ERRORS: Final = {"rut": ["has already been taken"]}
FAULTY_VALIDATION_FIELD: Final = "base"
FAULTY_MAX_DEPTH: Final = 32
FAULTY_DEEP_NESTING: Final = 500
"""CD-5XX-1:deep-nesting: object bodies nesting deeper than this crash."""
FAULTY_NAME_LIMIT: Final = 255
"""CD-5XX-1:long-name: a recipient name longer than this crashes (a varchar(255))."""
FAULTY_EXISTENCE_MEMBER: Final = {"reason": "not_a_member"}
"""CD-TENANT-3:reason-member: what the not-member 404 adds, revealing the company."""
FAULTY_RATE_PENALTY_S: Final = 3.0
FAULTY_LEAK: Final = (
    "ActiveRecord::RecordNotFound: Couldn't find Recipient "
    "(app/models/recipient.rb:42)\n"
    "from /app/app/controllers/recipients_controller.rb:17:in 'show'"
)

# -- shape B wording (Rails' defaults, as the documented example uses) ------------
BLANK: Final = "can't be blank"
INVALID: Final = "is invalid"
NO_BANK: Final = "must reference an existing bank"
NO_ACCOUNT: Final = "must reference an existing bank account"
NO_RECIPIENT: Final = "must reference an existing recipient"
NOT_POSITIVE: Final = "must be greater than 0"

# -- headers and media types ---------------------------------------------------------
REQUEST_ID_HEADER: Final = "X-Request-Id"
RETRY_AFTER_HEADER: Final = "Retry-After"
AUTHORIZATION_HEADER: Final = "authorization"
COMPANY_HEADERS: Final = ("company-id", "company_id")
BEARER_PREFIX: Final = "Bearer "
JSON_TYPE: Final = "application/json"
PROBLEM_JSON_TYPE: Final = "application/problem+json"
CHARSET_SUFFIX: Final = "; charset=utf-8"
FAULTY_ERROR_TYPE: Final = "text/plain"
EXTRA_FIELDS: Final = {"docs_url": "https://docs.cardda.com/reference/errors"}

# -- domain values ----------------------------------------------------------------
RUT_PATTERN: Final = r"\d{7,8}-?[\dkK]"
ACCOUNT_TYPES: Final = frozenset({"checking", "savings", "vista", "rut", "credit_line"})
CURRENCIES: Final = frozenset({"CLP"})
RECIPIENT_STATUS: Final = "pending"
DRAFT: Final = "draft"
AUTHORIZED: Final = "authorized"
