"""Every literal of the Articles API the reference server speaks, kept in one place:
its switch names, its media type and the texts of its errors."""

from __future__ import annotations

from typing import Final

JSONAPI: Final = "application/vnd.api+json"
"""The JSON:API media type (JSON:API 1.1, "The JSON:API Media Type")."""
MEDIA_PARAMETERS: Final = frozenset({"ext", "profile"})
"""The two media type parameters JSON:API 1.1 defines; no extension is supported."""
SEEDED: Final = "5b2f1b7e-2c1d-4c5a-9a57-1d3c8e0f4a11"
"""The article the store starts with."""
MAX_BODY: Final = 65_536
"""The documented body limit (x-conformance-max-body), in bytes."""
MAX_TITLE: Final = 200
MAX_TEXT: Final = 10_000

FAULTS: Final = frozenset(
    {
        "JA-BODY-1",  # 404's `errors` is one error object, not an array
        "JA-BODY-1:data",  # error documents carry `"data": null` beside `errors`
        "JA-BODY-1:number-status",  # `status` is a number (404), not a string
        "JA-BODY-2",  # the 404's error says status "400"
        "JA-MEDIA-1",  # application/vnd.api+json; version=1 (or charset) is taken
        "JA-MEDIA-2",  # Accept parameters are ignored: a served 200, not 406
        "JA-HDR-1",  # errors are labelled application/json
        "JA-VAL-1",  # validation errors carry no `source`: no member is named
        "JA-VAL-1:wrong-pointer",  # validation errors point at `/meta`
        "JA-REQ-1",  # a body that is not JSON answers 422
        "JA-REQ-2",  # any Content-Type is read as JSON:API
        "JA-ACCEPT-1",  # an Accept naming only image/png answers 400
        "JA-SIZE-1",  # a body over the limit crashes (500)
        "JA-RES-1",  # an unknown id answers 200 with `"data": null`
        "JA-ATOMIC-1",  # a refused PATCH still marks the title "(edited)"
        "JA-METHOD-1",  # 405 without Allow
        "JA-METHOD-2",  # HEAD answers 405
        "JA-ROUTE-1",  # an unknown route answers 400
        "JA-IGNORE-1",  # an undeclared query parameter answers 400
        "JA-5XX-1",  # a refused member crashes (500) instead of 422
        "JA-LEAK-1",  # the 404's detail shows a stack trace
    }
)
"""Each breaks the clause of the same id (``:<variant>`` another way)."""

TOLERANCES: Final = frozenset(
    {
        "extra-meta",  # `meta` on each error and the document, `jsonapi`, `links`
        "minimal",  # errors carry `status` only (and `source`): no title, detail
        "no-status",  # no error carries `status` (a SHOULD)
        "several-errors",  # a validation answer lists two errors, "422" and "400"
        "member-order",  # members written in reverse order
        "media-case",  # Application/Vnd.Api+JSON
        "charset",  # application/vnd.api+json; charset=utf-8 on answers
        "profile",  # answers carry a `profile` media type parameter
        "accept-ignored",  # an Accept naming only image/png is served (200)
        "pointer-root",  # a missing `data` is pointed at with "" (the document)
        "options-405",  # OPTIONS answers 405 with Allow
    }
)
"""Each a variation JSON:API 1.1 (or RFC 9110) allows; the suite must pass it."""

NOT_FOUND: Final = ("404", "Resource not found", "No article has that id.")
NO_ROUTE: Final = ("404", "Not found", "Nothing is served at this path.")
NOT_ALLOWED: Final = ("405", "Method not allowed", "The path does not serve it.")
NOT_ACCEPTABLE: Final = (
    "406",
    "Not acceptable",
    "Every JSON:API media type in Accept carries a parameter other than ext or "
    "profile, or Accept admits no JSON:API document.",
)
TOO_LARGE: Final = ("413", "Content too large", f"The limit is {MAX_BODY} bytes.")
UNSUPPORTED: Final = (
    "415",
    "Unsupported media type",
    f"Send {JSONAPI}, with no media type parameter other than ext or profile.",
)
NOT_JSON: Final = ("400", "Malformed document", "The body is not a JSON object.")
INVALID: Final = ("422", "Invalid document", "")
MISMATCH: Final = ("409", "Conflict", "The document's id is not the article's.")
INTERNAL: Final = ("500", "Internal server error", "Something broke on our side.")
LEAK: Final = (
    'Traceback (most recent call last):\n  File "/srv/articles/app.py", line 42, '
    "in find\nKeyError: 'article'"
)
