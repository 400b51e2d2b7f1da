"""Error-contract conformance suite: holds a deployment to its documented errors.

The public names are below; every module whose name starts with ``_`` (and every
subpackage that does) is the suite's own and may change without notice. The front
doors are the ``conformance`` command (``errcontract.cli``), the pytest plugin
(``errcontract.plugin``, with ``pytest --pyargs errcontract.suite``) and the
Schemathesis hooks (``errcontract.schemathesis``).

Names are imported on first use (PEP 562), so ``import errcontract`` stays cheap for
the pytest plugin, which every pytest session of the environment loads.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> the module that defines it.
_WHERE = {
    "main": "errcontract.cli",
    "Profile": "errcontract._contract.profile",
    "load_profile": "errcontract._contract.profile",
    "load_profile_at": "errcontract._contract.profile",
    "available_apis": "errcontract._contract.profile",
    "schemas_root": "errcontract._contract.profile",
    "Settings": "errcontract._config.settings",
    "Target": "errcontract._config.settings",
    "create_reference_app": "errcontract._config.embedded",
    "serve": "errcontract.reference._serve",
    "RunResult": "errcontract.results",
    "ApiResult": "errcontract.results",
    "ClauseResult": "errcontract.results",
    "Violation": "errcontract.results",
    "Outcome": "errcontract.results",
    "REGISTRY": "errcontract.checks",
    "CheckContext": "errcontract.checks",
    "Inapplicable": "errcontract.checks",
    "ConformanceError": "errcontract.exceptions",
    "ConfigError": "errcontract.exceptions",
    "ProfileError": "errcontract.exceptions",
}

# Kept equal to _WHERE's keys by tests/test_packaging.py.
__all__ = [
    "REGISTRY",
    "ApiResult",
    "CheckContext",
    "ClauseResult",
    "ConfigError",
    "ConformanceError",
    "Inapplicable",
    "Outcome",
    "Profile",
    "ProfileError",
    "RunResult",
    "Settings",
    "Target",
    "Violation",
    "__version__",
    "available_apis",
    "create_reference_app",
    "load_profile",
    "load_profile_at",
    "main",
    "schemas_root",
    "serve",
]

if TYPE_CHECKING:
    from errcontract._config.embedded import create_reference_app
    from errcontract._config.settings import Settings, Target
    from errcontract._contract.profile import (
        Profile,
        available_apis,
        load_profile,
        load_profile_at,
        schemas_root,
    )
    from errcontract.checks import REGISTRY, CheckContext, Inapplicable
    from errcontract.cli import main
    from errcontract.exceptions import ConfigError, ConformanceError, ProfileError
    from errcontract.reference._serve import serve
    from errcontract.results import (
        ApiResult,
        ClauseResult,
        Outcome,
        RunResult,
        Violation,
    )


def __getattr__(name: str) -> Any:
    try:
        module = _WHERE[name]
    except KeyError:
        raise AttributeError(
            f"module 'errcontract' has no attribute {name!r}"
        ) from None
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
