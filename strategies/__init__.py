"""Hypothesis strategies of probes: requests that break exactly one rule of a contract.

Every family has the same call shape (``StrategyFactory``)::

    factory(ctx, operations, *, allow_writes=True, **params) -> SearchStrategy[Scenario]

and starts each probe from ``ctx.valid_probe(...)``, changing one thing. The suite looks
families up by name in ``FAMILIES``. Errors are raised when a factory is called:

    Exception
    ├── NothingToProbe      this run leaves nothing to probe (clause not-run, reason)
    └── BadArgument         a call that can never work (catalog or programming error);
                            an ``InvalidArgument`` and a ``ValueError``
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from conformance.exceptions import BadArgument, NothingToProbe
from strategies._internal.bodies import MALFORMED, malformed_bodies
from strategies._internal.common import Scenario, StrategyFactory
from strategies._internal.credentials import (
    CREDENTIAL_KINDS,
    absent_credentials,
    fixture_credentials,
    malformed_credentials,
)
from strategies._internal.invalid import BODY_DEFECTS, invalid_bodies
from strategies._internal.parameters import missing_parameters
from strategies._internal.registry import Family
from strategies._internal.resources import unknown_resources
from strategies._internal.state import duplicate_creates, repeated_actions
from strategies._internal.tenants import absent_tenants, paired_tenants, unknown_tenants

MALFORMED_KINDS: tuple[str, ...] = tuple(MALFORMED)
"""The kinds of body ``malformed_bodies`` draws from (the first word of its defect)."""

FAMILIES: Mapping[str, StrategyFactory] = MappingProxyType(
    {
        f.__name__: Family(f.__name__, f)
        for f in (
            absent_credentials,
            malformed_credentials,
            fixture_credentials,
            absent_tenants,
            unknown_tenants,
            paired_tenants,
            unknown_resources,
            malformed_bodies,
            invalid_bodies,
            missing_parameters,
            duplicate_creates,
            repeated_actions,
        )
    }
)
"""Family name (as catalogs write it) -> factory; the one registry the suite uses."""

__all__ = [
    "BODY_DEFECTS",
    "CREDENTIAL_KINDS",
    "FAMILIES",
    "MALFORMED_KINDS",
    "BadArgument",
    "Family",
    "NothingToProbe",
    "Scenario",
    "StrategyFactory",
    "absent_credentials",
    "absent_tenants",
    "duplicate_creates",
    "fixture_credentials",
    "invalid_bodies",
    "malformed_bodies",
    "malformed_credentials",
    "missing_parameters",
    "paired_tenants",
    "repeated_actions",
    "unknown_resources",
    "unknown_tenants",
]
