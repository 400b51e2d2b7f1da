"""Every literal of the Projects API the reference server speaks, kept in one place.

Switch names, the credential, problem types and titles, header names and the texts the
fault switches give live here, so the behaviour modules hold no contract literal of
their own.
"""

from __future__ import annotations

from typing import Final, NamedTuple

DOCUMENTED_RATE_LIMIT: Final = None
"""The Projects API documents no rate limit; one is enforced only when given."""

FAULTS: Final = frozenset(
    {
        "PD-BODY-1",  # 404 problems lack `title`
        "PD-BODY-2",  # the `status` member of 422 problems says 400
        "PD-BODY-3",  # 422 `errors` pointers are bare field names, not JSON Pointers
        "PD-HDR-1",  # 404 problems are labelled application/json
        # unknown routes, methods and ids: Starlette's plain-text default
        "PD-HDR-1:framework-default",
        "PD-HDR-2",  # 401 responses lack Request-Id
        "PD-HDR-3",  # every response's Request-Id is the same constant
        "PD-HEADER-LOCATION",  # 201 lacks Location
        "PD-AUTH-1",  # no Authorization header is served as if authenticated
        "PD-AUTH-2",  # any well-formed `Bearer <token>` is accepted
        "PD-AUTH-2:case-insensitive",  # tokens compared case-folded
        "PD-AUTH-2:prefix-match",  # a token a key starts with is taken for it
        "PD-AUTH-2:extra-ignored",  # a token starting with a key is taken for it
        "PD-AUTH-3",  # 401s lack WWW-Authenticate
        "PD-AUTH-4",  # an access_token query parameter is read as the key
        "PD-AUTH-4:cookie",  # an access_token cookie is read as the key
        "PD-AUTH-4:other-header",  # an X-API-Key header is read as the key
        "PD-AUTH-5",  # the scheme compared case-sensitively: `bearer` refused
        "PD-AUTH-6",  # 401s challenge with Basic, not Bearer
        # error="invalid_token" on a 401 to a request that sent no token
        "PD-AUTH-6:error-without-credential",
        "PD-AUTH-6:unknown-error",  # a refused token's error is `unauthorized`
        "PD-VAL-1:out-of-range",  # a priority outside 1..5 is accepted
        "PD-VAL-1:coerces",  # a digit string `priority` ("3") is read as the integer
        "PD-VAL-1:coerces-boolean",  # "true"/"false" for `archived` read as booleans
        "PD-VAL-1:zero-for-boolean",  # 0/1 for `archived` read as false/true
        "PD-VAL-1:object-as-array",  # an object for `tags` read as its values' list
        "PD-VAL-1:unwraps",  # a one-item array for a scalar field read as its item
        "PD-VAL-1",  # a body without `name` is created, named "untitled"
        "PD-VAL-1:unnamed-field",  # 422 items point at `#/body`, naming no field
        "PD-VAL-3",  # an out-of-range or non-integer `limit` is ignored (200)
        "PD-REQ-1",  # a body that is not valid JSON answers 422, not 400
        "PD-REQ-2",  # a non-JSON Content-Type is ignored
        "PD-RES-1",  # an unknown well-formed project id answers 403
        "PD-TENANT-1",  # another account's project is served (read, deleted) as its own
        "PD-TENANT-1:exists",  # another account's project answers 403, unknown ids 404
        "PD-ROLE-1",  # the read-only key may create and delete
        # the project looked up before the role: a read-only write to an unknown id
        # answers 404, not the documented 403 "before anything else"
        "PD-ROLE-2",
        "PD-5XX-1",  # a name longer than 1000 characters crashes
        "PD-5XX-1:control",  # a control character in any body string crashes
        # an object body nesting past FAULTY_DEPTH[0] levels crashes (a recursive walk
        # over its members at the default recursion limit)
        "PD-5XX-1:deep-nesting",
        # past FAULTY_DEPTH[1] levels only: the recursion limit raised, still finite
        "PD-5XX-1:deeper-nesting",
        # a number past a double's range (1e400, read as inf) crashes when written back
        # (a strict encoder echoing the value, as pydantic's 422 `input` does)
        "PD-5XX-1:overflow",
        # an integer written -0 crashes (a canonical-JSON reader refuses it with an
        # error of its own that no handler maps)
        "PD-5XX-1:negative-zero",
        # a member written twice crashes (a strict object hook's error, unmapped)
        "PD-5XX-1:duplicate-keys",
        "PD-LEAK-1",  # 404 details carry a Python traceback
        "PD-CONFLICT-1",  # a duplicate name is created again (or renamed to)
        # an update with an invalid field writes its valid fields, then answers 422
        "PD-ATOMIC-1",
        # a read-only key's update is written, then refused with 403
        "PD-ATOMIC-1:forbidden",
        "PD-RATE-1",  # no rate limit at all
        "PD-RATE-1:retry-after",  # Retry-After is `soon`
        "PD-RATE-2",  # limited 30 s after a 429, whatever Retry-After says
        "PD-METHOD-1",  # a 405's Allow names one of the path's methods only
        "PD-METHOD-1:no-allow",  # a 405 without Allow
        "PD-ROUTE-1",  # an unknown path answers 403, as a gateway's missing route
        "PD-ROUTE-1:prefix",  # an item path with more segments is served as the item
        "PD-METHOD-2",  # HEAD answers 405, as a router that does not add it to GET
        "PD-METHOD-2:options",  # OPTIONS answers 204 with CORS headers, no Allow
        "PD-ACCEPT-1",  # an unacceptable Accept answers 415, read as the body's label
        "PD-ACCEPT-1:html",  # 406 as a framework's text/html page (fails PD-HDR-1)
        "PD-SIZE-1",  # a body above the limit crashes the reader (500)
        "PD-SIZE-1:accepts",  # no body limit: a valid body of any size is created
        "PD-IGNORE-1",  # a query parameter no operation declares answers 400
        "PD-IGNORE-1:read-only",  # a create stores the read-only `id` sent
        "PD-IGNORE-2",  # a client's Request-Id is adopted as the response's
    }
)
"""Fault switches, named by the clause each breaks (``<clause>:<variant>`` where a
clause covers several defect kinds); each breaks exactly one promise."""

TOLERANCES: Final = frozenset(
    {
        "extra-members",  # extension members (RFC 9457 section 3.2)
        "about-blank",  # `type: about:blank`, title the reason phrase (section 4.2.1)
        "no-type",  # `type` omitted, which means about:blank (section 3.1.1)
        "no-detail",  # `detail` and `instance` omitted (sections 3.1.4, 3.1.5)
        "relative-type",  # `type` a relative URI reference (section 3.1.1)
        "charset",  # application/problem+json; charset=utf-8
        "header-case",  # header names in lower case (names are case-insensitive)
        "no-status",  # the advisory `status` member omitted (section 3.1.2)
        # RFC 9110 section 10.2.1 (Allow) and 5.3 (field lines combined):
        "allow-lines",  # one Allow field line per method, in another order
        "allow-lower-case",  # Allow's methods in lower case (a lenient reading)
        "allow-options",  # OPTIONS served and listed, HEAD not listed
        # RFC 9110 sections 9.1 and 15.6.2: OPTIONS implemented for no resource.
        "options-501",  # OPTIONS answers 501, and no Allow lists it
        # RFC 9110 section 12.5.1 (406 or Accept disregarded), 15.5.14 and 15.5.1:
        "accept-406",  # an Accept naming no JSON type answers a 406 problem
        "size-400",  # a body above the limit answers a 400 problem, not 413
        # RFC 9110 sections 9.3.1 and 9.3.5, OpenAPI's readOnly ("SHOULD NOT be sent"):
        "body-on-get-400",  # content on a GET or DELETE answers a 400 problem
        "read-only-422",  # a read-only `id` sent answers 422 naming it
        # RFC 9110 sections 11.1, 11.2, 11.6.1 and 5.3, RFC 6750 section 3.1:
        "challenge-detail",  # error and error_description for a refused token
        "challenge-case",  # `bearer REALM=projects`: names in any case, a token value
        "challenge-lines",  # a DPoP challenge on a field line before the Bearer one
    }
)
"""Variations RFC 9457 allows: a server showing them stays conformant."""

API_KEY: Final = "ref-projects-7Qm2xV9cR4tLw8ZsK3bN6yHd"
"""The main account's bearer token (the ``api_key`` fixture)."""
OTHER_API_KEY: Final = "ref-projects-oth-4Tn8Wq2Lx6Rb9Jd3Mv7Kc5Zf"
"""Another account's token (``other_api_key``): it sees none of the main account's
projects, and has one of its own."""
READ_ONLY_API_KEY: Final = "ref-projects-ro-8Hs3Nd6Qw2Pz5Lk9Xc4Vb7Mj"
"""A read-only token of the main account (``read_only_api_key``): 403 on writes."""
MAIN_ACCOUNT: Final = "main"
OTHER_ACCOUNT: Final = "other"
OTHER_SEED: Final = ("Cassini", 1, "team")

REALM: Final = 'Bearer realm="projects"'
REFUSED_DETAIL: Final = (
    ', error="invalid_token", error_description="The token is unknown, expired, '
    'or revoked"'
)
"""``challenge-detail``'s error information for a refused token (commas in a quoted
string; RFC 6750 section 3 allows no quote or backslash in a description)."""
SCOPE_DETAIL: Final = ', scope="projects:read projects:write"'
LOWER_CASE_CHALLENGE: Final = "bearer REALM=projects"
OTHER_CHALLENGE: Final = 'DPoP algs="ES256 PS256"'
BASIC_CHALLENGE: Final = 'Basic realm="projects"'
INVALID_TOKEN: Final = ', error="invalid_token"'
UNKNOWN_ERROR: Final = ', error="unauthorized"'
TYPE_BASE: Final = "https://projects.example/problems/"
RELATIVE_TYPE_BASE: Final = "/problems/"
PROBLEM_JSON: Final = "application/problem+json"
JSON: Final = "application/json"
CHARSET: Final = "; charset=utf-8"

REQUEST_ID: Final = "Request-Id"
CANONICAL_HEADERS: Final = {
    name.lower().encode("latin-1"): name.encode("latin-1")
    for name in (
        *(REQUEST_ID, "WWW-Authenticate", "Retry-After", "Location", "Allow"),
        *("Content-Type", "Content-Length"),
    )
}
"""Raw header name (as Starlette lower-cases it) -> the name the server sends."""
CONSTANT_REQUEST_ID: Final = "00000000-0000-4000-8000-000000000000"
"""The one id every response carries under PD-HDR-3."""

BODY_LIMIT: Final = 65_536
"""Bytes of a request body the server reads; the document states it
(``x-conformance-max-body``) and a larger body answers 413."""
ACCEPTABLE: Final = ("application/json", "application/problem+json")
"""What the server produces: an Accept naming neither (nor a range of them) is
answered 406 under ``accept-406``, and disregarded otherwise."""
HTML_406: Final = (
    b"<html><head><title>406 Not Acceptable</title></head>"
    b"<body><h1>Not Acceptable</h1></body></html>"
)
"""PD-ACCEPT-1:html's answer: a framework's default error page."""
NAME_MAX: Final = 80
PRIORITY_RANGE: Final = (1, 5)
DEFAULT_PRIORITY: Final = 3
VISIBILITIES: Final = ("private", "team", "public")
DEFAULT_VISIBILITY: Final = "private"
TAGS_MAX: Final = 10
DEFAULT_ARCHIVED: Final = False
SEED_PROJECTS: Final = (("Apollo", 2, "team"), ("Borealis", 4, "private"))

FAULTY_NAME_LIMIT: Final = 1000
"""Names longer than this crash the handler under PD-5XX-1."""
FAULTY_DEPTH: Final = (500, 5_000)
"""Object bodies nesting deeper crash under PD-5XX-1:deep-nesting and
PD-5XX-1:deeper-nesting: past the 200 to 300 levels probes used to send."""
FAULTY_PENALTY_S: Final = 30.0
"""How long PD-RATE-2 keeps a credential limited after its first 429."""
FAULTY_RETRY_AFTER: Final = "soon"
FAULTY_POINTER: Final = "#/body"
FAULTY_LEAK: Final = (
    "Traceback (most recent call last):\n"
    '  File "/srv/app/store.py", line 42, in get\n'
    "KeyError: 'project'"
)


class Kind(NamedTuple):
    """A problem type: status, slug (the tail of its ``type`` URI), title, detail."""

    status: int
    slug: str
    title: str
    detail: str


MALFORMED = Kind(400, "malformed-body", "Malformed body", "The body is not valid JSON.")
NOT_AN_OBJECT = MALFORMED._replace(detail="The body must be a JSON object.")
UNPARSED_AS_INVALID = Kind(
    422, "invalid-project", "Invalid project", "The body could not be read."
)
"""PD-REQ-1's answer to malformed syntax: a 422 without field errors."""
BAD_QUERY = Kind(
    400, "bad-query", "Bad query parameter", "limit must be an integer from 1 to 100."
)
LIMIT_RANGE: Final = (1, 100)
QUERY_PARAMETERS: Final = frozenset({"limit"})
"""Every query parameter an operation declares (PD-IGNORE-1 refuses the others)."""
UNKNOWN_PARAMETER = BAD_QUERY._replace(
    slug="unknown-parameter",
    title="Unknown query parameter",
    detail="This operation takes no such query parameter.",
)
"""PD-IGNORE-1's answer to a query parameter no operation declares."""
CONTENT_NOT_ALLOWED = Kind(
    400, "content-not-allowed", "Content not allowed", "GET and DELETE take no body."
)
"""``body-on-get-400``'s answer to content on a GET or DELETE."""
READ_ONLY_MEMBER: Final = "id"
"""The create's member the document marks readOnly: the server assigns it."""
UNAUTHENTICATED = Kind(
    401,
    "unauthenticated",
    "Authentication required",
    "A valid bearer token is required.",
)
FORBIDDEN = Kind(403, "forbidden", "Forbidden", "You may not access this project.")
READ_ONLY = Kind(
    403, "read-only", "Read-only credential", "This credential may not change anything."
)
NOT_FOUND = Kind(404, "not-found", "Not found", "No project with that id exists.")
NO_ROUTE = NOT_FOUND._replace(detail="No resource lives at this path.")
GATEWAY_NO_ROUTE = Kind(
    403,
    "missing-authentication-token",
    "Missing authentication token",
    "No route here (a gateway's answer to a path it does not know).",
)
"""PD-ROUTE-1's answer to a path nothing serves (an API gateway's habit)."""
NOT_ACCEPTABLE = Kind(
    406,
    "not-acceptable",
    "Not acceptable",
    "This API answers application/json (and its errors application/problem+json).",
)
TOO_LARGE = Kind(
    413,
    "body-too-large",
    "Body too large",
    f"A request body may have at most {BODY_LIMIT} bytes.",
)
TOO_LARGE_AS_BAD = TOO_LARGE._replace(status=400)
"""``size-400``'s answer to a body above the limit: a 400 problem."""
ACCEPT_AS_CONTENT_TYPE = Kind(
    415,
    "unsupported-media-type",
    "Unsupported media type",
    "This media type is not supported.",
)
"""PD-ACCEPT-1's answer to an unacceptable Accept: a 415, as if it labelled a body."""
METHOD_NOT_ALLOWED = Kind(
    405,
    "method-not-allowed",
    "Method not allowed",
    "This resource does not support that method.",
)
NAME_TAKEN = Kind(
    409, "name-taken", "Name taken", "A project with that name exists already."
)
UNSUPPORTED_MEDIA_TYPE = Kind(
    415,
    "unsupported-media-type",
    "Unsupported media type",
    "Send the body as application/json.",
)
INVALID = Kind(
    422, "invalid-project", "Invalid project", "Some fields of the project are invalid."
)
RATE_LIMITED = Kind(
    429, "rate-limited", "Too many requests", "Slow down; see Retry-After."
)
NOT_IMPLEMENTED = Kind(
    501,
    "not-implemented",
    "Not implemented",
    "This server implements that method for no resource.",
)
"""The answer to OPTIONS under the ``options-501`` tolerance."""
INTERNAL = Kind(
    500, "internal-error", "Internal error", "Something went wrong on our side."
)
