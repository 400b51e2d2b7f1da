"""Hypothesis strategies of probes: requests that break exactly one rule of a contract.

Every family has the same call shape (``StrategyFactory``)::

    factory(ctx, operations, *, allow_writes=True, **params) -> SearchStrategy[Scenario]

and starts each probe from ``ctx.valid_probe(...)``, changing one thing. Two
documented exceptions: ``invalid_bodies(..., kinds=["several"])`` breaks two or three
body fields at once, for a clause promising an answer that names every broken field
(CD-VAL-1); only a catalog entry listing that kind gets such probes.
``combined_defects`` carries the defects of two or more other families in one request,
for a clause stating which answer wins (``strategies/_internal/combined.py``). The
suite looks
families up by name in ``FAMILIES``. Errors are raised when a factory is called:

    Exception
    ├── NothingToProbe      this run leaves nothing to probe (clause not-run, reason)
    │   └── NothingInDocument  nor would any run: the document leaves nothing
    │                          (check-profile reports it)
    └── BadArgument         a call that can never work (catalog or programming error);
                            an ``InvalidArgument`` and a ``ValueError``

The coverage protocol. Before Hypothesis fuzzes a clause, the suite's coverage phase
sends every defect kind of the clause's family at least once on every operation the
clause names, the same probes whatever ``--seed``. What a family offers for that:

* its kinds, declared where it is registered below: ``Family.of(factory,
  kinds=KINDS)``; a bare factory in ``FAMILIES`` is a family without kinds (one
  coverage example per operation);
* a ``kinds: Sequence[str] | None = None`` keyword that restricts the strategy to
  those kinds (``kinds=[kind]`` must draw only that kind; ``None`` means all);
* called with one operation and one kind it either returns a strategy whose every
  example has that kind, or raises ``NothingToProbe`` or ``BadArgument`` when the
  kind does not apply there (the pair is then listed as skipped, with the reason);
* its simplest example is a fine representative of the kind: the phase draws one
  example per (operation, kind) from a fixed seed, without shrinking.

A catalog's ``with: {kinds: [...]}`` limits the kinds covered to those listed.
"""

from __future__ import annotations

from collections.abc import Mapping

from errcontract.exceptions import BadArgument, NothingToProbe
from errcontract.strategies._internal.atomicity import (
    OPT_IN_REFUSALS,
    REFUSAL_KINDS,
    refused_writes,
)
from errcontract.strategies._internal.bodies import (
    JSONAPI_PARAMETER,
    MALFORMED,
    MEDIA_TYPES,
    malformed_bodies,
    unsupported_media_types,
)
from errcontract.strategies._internal.combined import combined_defects
from errcontract.strategies._internal.common import (
    Scenario,
    StrategyFactory,
    first_example_only,
    restart_serial,
    serial_now,
)
from errcontract.strategies._internal.credentials import (
    CREDENTIAL_KINDS,
    absent_credentials,
    fixture_credentials,
    foreign_credentials,
    malformed_credentials,
)
from errcontract.strategies._internal.ignored import (
    CLIENT_REQUEST_ID,
    IGNORED_KINDS,
    SCHEME_CASE,
    ignored_inputs,
)
from errcontract.strategies._internal.invalid import (
    BODY_DEFECTS,
    SEVERAL,
    invalid_bodies,
)
from errcontract.strategies._internal.misplaced import (
    MISPLACED_KINDS,
    misplaced_credentials,
)
from errcontract.strategies._internal.negotiation import (
    ACCEPT_KINDS,
    unacceptable_accepts,
)
from errcontract.strategies._internal.parameters import (
    PARAMETER_DEFECTS,
    invalid_parameters,
    missing_parameters,
)
from errcontract.strategies._internal.registry import Family, registry
from errcontract.strategies._internal.resources import unknown_resources
from errcontract.strategies._internal.robustness import (
    ROBUSTNESS_KINDS,
    robustness_probes,
)
from errcontract.strategies._internal.routes import (
    METHOD_PROBES,
    ROUTE_KINDS,
    UNSERVED_METHODS,
    head_and_options,
    unknown_routes,
    unserved_methods,
)
from errcontract.strategies._internal.sizes import SIZE_KINDS, oversized_bodies
from errcontract.strategies._internal.state import duplicate_creates, repeated_actions
from errcontract.strategies._internal.tenants import (
    absent_tenants,
    paired_tenants,
    unknown_tenants,
)

MALFORMED_KINDS: tuple[str, ...] = tuple(MALFORMED)
"""The kinds of body ``malformed_bodies`` draws from (the first word of its defect)."""

FAMILIES: Mapping[str, Family] = registry(
    (
        absent_credentials,
        Family.of(malformed_credentials, kinds=CREDENTIAL_KINDS),
        fixture_credentials,
        foreign_credentials,
        absent_tenants,
        unknown_tenants,
        paired_tenants,
        unknown_resources,
        Family.of(malformed_bodies, kinds=MALFORMED_KINDS),
        Family.of(
            unsupported_media_types,
            kinds=tuple(MEDIA_TYPES),
            opt_in=(JSONAPI_PARAMETER,),
        ),
        Family.of(invalid_bodies, kinds=BODY_DEFECTS, opt_in=(SEVERAL,)),
        missing_parameters,
        Family.of(invalid_parameters, kinds=PARAMETER_DEFECTS),
        duplicate_creates,
        repeated_actions,
        Family.of(robustness_probes, kinds=ROBUSTNESS_KINDS),
        Family.of(unserved_methods, kinds=UNSERVED_METHODS),
        Family.of(unknown_routes, kinds=ROUTE_KINDS),
        Family.of(head_and_options, kinds=METHOD_PROBES),
        Family.of(
            unacceptable_accepts, kinds=ACCEPT_KINDS, opt_in=(JSONAPI_PARAMETER,)
        ),
        Family.of(oversized_bodies, kinds=SIZE_KINDS),
        Family.of(
            ignored_inputs,
            kinds=IGNORED_KINDS,
            opt_in=(CLIENT_REQUEST_ID, SCHEME_CASE),
        ),
        Family.of(misplaced_credentials, kinds=MISPLACED_KINDS),
        Family.of(refused_writes, kinds=REFUSAL_KINDS, opt_in=OPT_IN_REFUSALS),
        combined_defects,
    )
)
"""Family name (as catalogs write it) -> family; the one registry the suite uses.

One entry per family: a bare factory, or ``Family.of(factory, kinds=KINDS)``."""

__all__ = [
    "ACCEPT_KINDS",
    "BODY_DEFECTS",
    "CREDENTIAL_KINDS",
    "FAMILIES",
    "IGNORED_KINDS",
    "MALFORMED_KINDS",
    "MEDIA_TYPES",
    "METHOD_PROBES",
    "MISPLACED_KINDS",
    "OPT_IN_REFUSALS",
    "PARAMETER_DEFECTS",
    "REFUSAL_KINDS",
    "ROBUSTNESS_KINDS",
    "ROUTE_KINDS",
    "SIZE_KINDS",
    "UNSERVED_METHODS",
    "BadArgument",
    "Family",
    "NothingToProbe",
    "Scenario",
    "StrategyFactory",
    "absent_credentials",
    "absent_tenants",
    "combined_defects",
    "duplicate_creates",
    "first_example_only",
    "fixture_credentials",
    "foreign_credentials",
    "head_and_options",
    "ignored_inputs",
    "invalid_bodies",
    "invalid_parameters",
    "malformed_bodies",
    "malformed_credentials",
    "misplaced_credentials",
    "missing_parameters",
    "oversized_bodies",
    "paired_tenants",
    "refused_writes",
    "repeated_actions",
    "restart_serial",
    "robustness_probes",
    "serial_now",
    "unacceptable_accepts",
    "unknown_resources",
    "unknown_routes",
    "unknown_tenants",
    "unserved_methods",
    "unsupported_media_types",
]
