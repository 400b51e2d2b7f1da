"""The suite's own errors, in one place (the way httpx keeps its own).

Which one is raised decides the exit status, so the tree is the contract between the
layers and the front doors::

    ConformanceError
    ├── ConfigError            a setting or a profile is wrong: exit 2
    │   └── ProfileError       a profile's files are missing or inconsistent
    ├── ClientError            the target could not be talked to
    │   ├── BudgetExhausted    the request cap or time budget is spent (clause stops)
    │   └── TargetUnreachable  the preflight got no answer: exit 3
    ├── MissingValue           a valid request needs a value the run does not have
    └── NothingToProbe         nothing is left to probe (clause not-run, with why)
        └── NothingInDocument  whatever the run: the profile's document leaves
                               nothing (check-profile reports it)
    BadArgument                a strategy argument that can never work (also
                               Hypothesis' ``InvalidArgument`` and ``ValueError``)
    Stalled                    an answer missed its deadline (an ``httpx`` timeout)

``Stalled`` is an ``httpx`` timeout so the client's timeout handling takes it like any
other. A broken clause is not an error of the suite but a verdict: ``Violation`` and
``ClauseFailed`` belong to the result model (``errcontract.results``), which imports
nothing from here.
"""

from __future__ import annotations

import httpx
from hypothesis.errors import InvalidArgument


class ConformanceError(Exception):
    """Base of the suite's own errors (a verdict is a ``results.Violation``)."""


class ConfigError(ConformanceError, ValueError):
    """A setting is missing or malformed: the run cannot start (exit status 2)."""


class ProfileError(ConfigError):
    """A profile's files are missing or inconsistent (a profile bug, not the run's)."""


class ClientError(ConformanceError):
    """The target could not be talked to."""


class BudgetExhausted(ClientError):
    """The run's request cap or time budget is spent."""


class TargetUnreachable(ClientError):
    """The preflight request got no answer: exit status 3."""


class MissingValue(ConformanceError, LookupError):
    """A valid request needs a value the run does not have (a fixture or discovery)."""

    def __init__(self, operation: str, name: str) -> None:
        super().__init__(f"{operation} needs {name!r}, which this run does not have")
        self.operation = operation
        self.name = name


class NothingToProbe(ConformanceError):
    """Nothing is left to probe in this run; the clause is reported not-run."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NothingInDocument(NothingToProbe):
    """Nothing to probe whatever the target and the run's values: the operations the
    clause names leave its family nothing (a HEAD probe on operations none of which
    is a GET). A profile mistake, so ``check-profile`` reports a clause all of whose
    operations raise it; the run, like for any ``NothingToProbe``, says not-run."""


class BadArgument(InvalidArgument, ValueError):
    """A strategy argument that can never work; caught as either base class."""


class Stalled(httpx.TimeoutException):
    """The answer did not complete within the whole-request deadline."""
