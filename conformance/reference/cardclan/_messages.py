"""Every text the CardClan reference server says, kept in one place.

Documented texts come from the seed and ``shared/contracts/cardclan.md`` section 3; the
rest are our wording where the documents are silent.
"""

from __future__ import annotations

from typing import Final

# Documented error messages (compared exactly by the suite).
AUTH_REQUIRED: Final = "Authorization header with Bearer token required"
TOKEN_EMPTY: Final = "Bearer token is empty"
USER_NOT_FOUND: Final = "Invalid bearer token - user not found"
CARD_ID_REQUIRED: Final = "Card ID is required"
INTEGRATION_ID_REQUIRED: Final = "Integration ID is required"
MERGE_TAGS_REQUIRED: Final = "mergeTags is required and must be a non-empty array"
WORKSPACE_REQUIRED: Final = "Workspace parameter is required"
CARD_NOT_FOUND: Final = "Card not found or you do not have access to this card"
CONFIG_EXISTS: Final = "Integration configuration already exists"
CONFIG_MISSING: Final = "Integration configuration doesn't exist"

# Undocumented error messages: our wording.
INVALID_JSON: Final = "Invalid JSON body"
BODY_NOT_OBJECT: Final = "Request body must be a JSON object"
FIELD_REQUIRED: Final = "{field} is required"
FIELD_NOT_STRING: Final = "{field} must be a string"
MERGE_TAG_INVALID: Final = (
    "Each merge tag must be an object with a non-empty name and email"
)
CONFIG_USER_MISMATCH: Final = "User not found or you do not have access to this user"
WORKSPACE_NOT_FOUND: Final = "Workspace not found"
CARD_ID_QUERY_REQUIRED: Final = "cardId is required"
CONFIG_NOT_FOUND: Final = "Integration configuration not found"
ROUTE_NOT_FOUND: Final = "Cannot {method} {path}"
METHOD_NOT_ALLOWED: Final = "{method} is not allowed on {path}"
INTERNAL: Final = "Internal server error"
NOT_ACCEPTABLE: Final = "Not Acceptable"
"""accept-406: NestJS's NotAcceptableException's default message."""

# Success messages.
AUTH_OK: Final = "Bearer token authentication successful"
CONFIG_CREATED: Final = "Integration configuration created"
CONFIG_FOUND: Final = "Integration configuration found"
CARD_SENT: Final = "Card successfully sent to recipient: {email}"
DEFAULT_SENDER: Final = "CardClan"
WHITE_LABEL_NAME: Final = "CardClan"
# A reserved top-level domain: the fake never points anywhere real.
PUBLIC_BASE: Final = "https://reference.cardclan.invalid"

# What the fault switches say instead.
FAULT_UNAUTHORIZED: Final = "Unauthorized"
FAULT_CARD_REQUIRED: Final = "card is required"
FAULT_NO_ACCESS: Final = "You do not have access to this card"
FAULT_EXISTENCE_MEMBER: Final = {"reason": "no_access"}
"""CC-RES-1:reason-member: what the foreign card's 404 adds, revealing it exists."""
FAULT_COLLATION: Final = "Illegal mix of collations (utf8mb3_general_ci,IMPLICIT)"
"""CC-5XX-1:astral-id: a card id with a non-BMP character breaks a utf8mb3 lookup."""
FAULT_ERROR_PHRASE: Final = "Error"
FAULT_SPA_PAGE: Final = (
    "<!doctype html><html><head><title>CardClan</title></head>"
    '<body><div id="root"></div></body></html>'
)
"""CC-ROUTE-1: the single-page app's index, served for any GET nothing else serves."""
FAULT_ACCEPT: Final = "Accept header must allow application/json"
"""CC-ACCEPT-1: a guard that reads Accept as a request defect (a 400)."""
FAULT_FINALHANDLER_PAGE: Final = (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    "<title>Error</title>\n</head>\n<body>\n<pre>Not Acceptable</pre>\n"
    "</body>\n</html>\n"
)
"""CC-BODY-1:accept: Express's finalhandler page for an error with status 406 (as
in production: the status message, no stack)."""
FAULT_TYPE_ERROR: Final = "Cannot read properties of undefined (reading 'length')"
FAULT_STACK: Final = (
    "TypeError: Cannot read properties of undefined (reading 'id')\n"
    "    at IntegrationController.sendCard "
    "(/app/src/integration/integration.controller.ts:42:13)"
)
