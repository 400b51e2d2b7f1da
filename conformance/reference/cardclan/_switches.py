"""Fault and tolerance switch ids, validated into one frozen settings object."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from errcontract._near import closest


class Fault(StrEnum):
    """At least one switch per CardClan clause id; turning one on breaks exactly that
    clause. A clause covering several defect kinds has more, named ``<clause
    id>:<variant>``; the part before the colon is always the clause it breaks."""

    BODY_1 = "CC-BODY-1"
    BODY_2 = "CC-BODY-2"
    BODY_3 = "CC-BODY-3"
    TS_1 = "CC-TS-1"
    TS_2 = "CC-TS-2"
    HDR_1 = "CC-HDR-1"
    AUTH_1 = "CC-AUTH-1"
    AUTH_2 = "CC-AUTH-2"
    AUTH_3 = "CC-AUTH-3"
    AUTH_4 = "CC-AUTH-4"
    AUTH_4_CASE = "CC-AUTH-4:case-insensitive"
    # passport-http-bearer's own default: the token read from `access_token` in the
    # query (and body) when the header has none; the conforming guard reads the
    # header only (passport-jwt's ExtractJwt.fromAuthHeaderAsBearerToken()).
    AUTH_5 = "CC-AUTH-5"
    # A hand-written guard's `header.startsWith('Bearer ')`, where passport's
    # /^Bearer$/i takes the scheme in any case (RFC 9110 section 11.1).
    AUTH_6 = "CC-AUTH-6"
    VAL_1 = "CC-VAL-1"
    VAL_2 = "CC-VAL-2"
    VAL_3 = "CC-VAL-3"
    VAL_4 = "CC-VAL-4"
    VAL_5 = "CC-VAL-5"
    RES_1 = "CC-RES-1"
    RES_1_REASON = "CC-RES-1:reason-member"
    CONFLICT_1 = "CC-CONFLICT-1"
    CONFLICT_2 = "CC-CONFLICT-2"
    FIVEXX_1 = "CC-5XX-1"
    FIVEXX_1_ASTRAL = "CC-5XX-1:astral-id"
    FIVEXX_1_DEEP = "CC-5XX-1:deep-nesting"
    LEAK_1 = "CC-LEAK-1"
    # The router's own answers (no document lists them):
    METHOD_1 = "CC-METHOD-1"  # any method reaches a path's handler (NestJS `@All()`)
    METHOD_1_NO_ALLOW = "CC-METHOD-1:no-allow"  # 405 for an unserved method, no Allow
    ROUTE_1 = "CC-ROUTE-1"  # a GET nothing serves gets a single-page app's index, 200
    BODY_1_ROUTER = "CC-BODY-1:router"  # router answers in NestJS's default body
    # HEAD not routed with GET (NestJS on Fastify before v4's exposeHeadRoutes): 404.
    METHOD_2 = "CC-METHOD-2"
    # `app.enableCors()`: the cors middleware answers every OPTIONS as a preflight,
    # 204 with Access-Control-Allow-Methods and no Allow.
    METHOD_2_OPTIONS = "CC-METHOD-2:options"
    # An Accept admitting no JSON (_negotiate): a guard refusing it with 400 in the
    # error shape, and an `app.use()` middleware whose NotAcceptableException, outside
    # Nest's exception filters, Express's finalhandler answers as an HTML 406 page.
    ACCEPT_1 = "CC-ACCEPT-1"
    BODY_1_ACCEPT = "CC-BODY-1:accept"


class Tolerance(StrEnum):
    """Variations the contract allows, so the suite can prove it does not flag them."""

    EXTRA_FIELDS = "extra-fields"
    PLUS_OFFSET = "plus-offset"
    NO_FRACTION = "no-fraction"
    CHARSET = "charset"
    STATUS_200 = "status-200"
    HEADER_CASE = "header-case"
    # An unserved method answers 405 with Allow (RFC 9110 section 15.5.6) in the error
    # shape, instead of NestJS's 404.
    METHOD_405 = "method-405"
    # OPTIONS answered as plain Express does when no route handles it: 200, Allow
    # listing the path's methods (HEAD with GET), the list again as a text body.
    OPTIONS_EXPRESS = "options-express"
    # An Accept admitting no JSON answers 406 `Not Acceptable` in the error shape (a
    # guard's NotAcceptableException through the app's filter), not as if unsent.
    ACCEPT_406 = "accept-406"


FAULTS: frozenset[str] = frozenset(fault.value for fault in Fault)
TOLERANCES: frozenset[str] = frozenset(tolerance.value for tolerance in Tolerance)


@dataclass(frozen=True)
class Switches:
    """The faults and tolerances one app instance was built with."""

    faults: frozenset[Fault] = frozenset()
    tolerances: frozenset[Tolerance] = frozenset()

    def broken(self, fault: Fault) -> bool:
        """Whether the clause behind ``fault`` is to be broken."""
        return fault in self.faults

    def allows(self, tolerance: Tolerance) -> bool:
        """Whether the allowed variation ``tolerance`` is to be shown."""
        return tolerance in self.tolerances


def _checked(kind: str, names: Collection[str], known: frozenset[str]) -> list[str]:
    """Return ``names`` as a list, or raise naming the first unknown one."""
    if isinstance(names, str | bytes):
        raise TypeError(
            f"{kind}s must be a collection of {kind} names, not the string {names!r}"
        )
    checked = list(names)
    for name in checked:
        if name in known:
            continue
        near = closest(name, sorted(known))
        hint = (
            f"did you mean {near!r}?"
            if near is not None
            else f"expected one of {sorted(known)}."
        )
        raise ValueError(f"Unknown CardClan {kind} {name!r}; {hint}")
    return checked


def switches_from(*, faults: Collection[str], tolerances: Collection[str]) -> Switches:
    """Validate user-given switch names once, so a typo fails loudly at build time."""
    return Switches(
        faults=frozenset(Fault(n) for n in _checked("fault", faults, FAULTS)),
        tolerances=frozenset(
            Tolerance(n) for n in _checked("tolerance", tolerances, TOLERANCES)
        ),
    )
