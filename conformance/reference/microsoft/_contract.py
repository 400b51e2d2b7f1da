"""Every literal of the Gadgets API the microsoft reference server speaks: switch
names, keys, error codes and messages, the texts the fault switches give."""

from __future__ import annotations

from typing import Final, NamedTuple

FAULTS: Final = frozenset(
    {
        "MS-BODY-1",  # 404 errors lack `message`
        "MS-BODY-1:details",  # a 400's `details` items lack `code`
        "MS-BODY-1:innererror",  # a 400's `innererror` is a string, not an object
        "MS-CODE-1",  # 401 errors lack x-ms-error-code
        "MS-CODE-2",  # a 404's x-ms-error-code is `notFound`, its error.code `NotFound`
        "MS-HDR-1",  # 404 errors are labelled application/problem+json
        "MS-AUTH-1",  # no api-key is served as if authenticated
        "MS-AUTH-2",  # any api-key is accepted
        "MS-AUTH-4",  # the api-key also taken from `Authorization: Bearer`
        "MS-VAL-1",  # a body without `name` is created, named "untitled"
        "MS-VAL-2",  # a request without api-version is served
        "MS-VAL-3",  # an api-version the API does not speak is served
        "MS-REQ-1",  # a body that is not valid JSON answers 422, not 400
        "MS-SIZE-1",  # no body limit: a valid body of any size is created
        "MS-RES-1",  # an unknown well-formed gadget id answers 403
        "MS-TENANT-1",  # another account's gadget is served as its own
        "MS-ROLE-1",  # the read-only key may create
        "MS-METHOD-1",  # a 405's Allow names one of the path's methods only
        "MS-METHOD-2",  # HEAD answers 405, as a router that does not add it to GET
        "MS-ROUTE-1",  # an unknown path answers 403, as a gateway's missing route
        "MS-ACCEPT-1",  # an unacceptable Accept answers 415, read as the body's label
        "MS-IGNORE-1",  # a query parameter no operation declares answers 400
        "MS-5XX-1",  # an object body nesting past FAULTY_DEPTH levels crashes (500)
        "MS-LEAK-1",  # 404 messages carry a Python traceback
    }
)
"""Fault switches, named by the derived clause each breaks (``<clause>:<variant>``
where one clause can be broken several ways); each breaks exactly one promise."""

TOLERANCES: Final = frozenset(
    {
        # Azure's ErrorDetail "_additional properties_"; 7.10.2 "custom server-defined
        # name/value pairs" and annotations "in any of their JSON objects":
        "extra-members",
        "minimal",  # `target`, `details` and `innererror` never sent (all optional)
        "member-order",  # `message` before `code`, `error` after other members
        "charset",  # application/json; charset=utf-8
        "header-case",  # X-MS-Error-Code, Content-Type: field names are
        # case-insensitive (RFC 9110 section 5.1)
        "accept-406",  # an Accept naming no JSON type answers a 406 error (12.5.1)
        "size-400",  # a body above the limit answers 400, not 413 (15.5.1)
    }
)
"""Variations the guidelines (and RFC 9110) allow: a server showing them conforms."""

API_KEY: Final = "ref-gadgets-Hq3v8LmX2cR7tZw5KpN9sB4d"
"""The main account's key (the ``api_key`` fixture), sent in ``api-key``."""
OTHER_API_KEY: Final = "ref-gadgets-oth-6Jf2Tn9Wq4Lx8Rb3Mv5Kc7Z"
"""Another account's key (``other_api_key``): it sees none of the main account's
gadgets, and has one of its own."""
READ_ONLY_API_KEY: Final = "ref-gadgets-ro-3Dp7Yk2Gs9Vh5Nc8Qw4Lt6R"
"""The main account's read-only key (``read_only_api_key``): its writes are 403."""
MAIN_ACCOUNT: Final = "main"
OTHER_ACCOUNT: Final = "other"

KEY_HEADER: Final = "api-key"
ERROR_CODE_HEADER: Final = "x-ms-error-code"
API_VERSIONS: Final = ("2024-06-01",)
JSON: Final = "application/json"
NAME_MAX: Final = 64
COLORS: Final = ("red", "green", "blue")
MAX_BODY: Final = 65_536
"""The documented body limit (``x-conformance-max-body``), in bytes."""
FAULTY_DEPTH: Final = 100
"""Under MS-5XX-1, a body nesting deeper than this crashes a recursive walk."""
FAULTY_LEAK: Final = (
    "Traceback (most recent call last):\n"
    '  File "/srv/gadgets/app.py", line 88, in get_gadget\n'
    "KeyError: 'gadget'"
)


class Kind(NamedTuple):
    """One kind of error: its status, its code (body and header) and message."""

    status: int
    code: str
    message: str


UNAUTHENTICATED: Final = Kind(
    401, "Unauthorized", "The api-key header is missing or names no key."
)
READ_ONLY: Final = Kind(
    403, "AuthorizationFailed", "This key may read gadgets, not change them."
)
NOT_FOUND: Final = Kind(404, "NotFound", "No gadget has this id.")
FORBIDDEN: Final = Kind(403, "Forbidden", "This gadget may not be read.")
NO_ROUTE: Final = Kind(404, "NotFound", "Nothing is served at this path.")
GATEWAY_NO_ROUTE: Final = Kind(403, "Forbidden", "The gateway has no route here.")
METHOD_NOT_ALLOWED: Final = Kind(
    405, "MethodNotAllowed", "This path does not serve this method."
)
NO_API_VERSION: Final = Kind(
    400, "MissingApiVersionParameter", "The api-version query parameter is required."
)
BAD_API_VERSION: Final = Kind(
    400,
    "UnsupportedApiVersionValue",
    f"The api-version must be one of: {', '.join(API_VERSIONS)}.",
)
UNKNOWN_QUERY: Final = Kind(400, "InvalidQueryParameter", "Unknown query parameter.")
UNSUPPORTED_MEDIA_TYPE: Final = Kind(
    415, "UnsupportedMediaType", "The body must be application/json."
)
NOT_ACCEPTABLE: Final = Kind(406, "NotAcceptable", "Only application/json is served.")
MALFORMED: Final = Kind(400, "InvalidRequestContent", "The body is not valid JSON.")
MALFORMED_AS_INVALID: Final = Kind(
    422, "InvalidRequestContent", "The body is not valid JSON."
)
NOT_AN_OBJECT: Final = Kind(
    400, "InvalidRequestContent", "The body must be a JSON object."
)
INVALID: Final = Kind(400, "ValidationError", "The gadget is not valid.")
TOO_LARGE: Final = Kind(
    413, "RequestEntityTooLarge", f"The body is larger than {MAX_BODY} bytes."
)
TOO_LARGE_400: Final = Kind(
    400, "RequestEntityTooLarge", f"The body is larger than {MAX_BODY} bytes."
)
INTERNAL: Final = Kind(500, "InternalServerError", "Something went wrong.")
