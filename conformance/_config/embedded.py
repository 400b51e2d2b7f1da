"""The embedded default: each profile's reference server, started on loopback."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from types import ModuleType
from typing import Any

from errcontract._config.settings import Settings, Target
from errcontract._contract.profile import Profile
from errcontract._near import near_miss
from errcontract.exceptions import ConfigError
from errcontract.reference._serve import serve


def reference_module(profile: Profile) -> ModuleType:
    """The module of ``profile``'s reference app (named in its profile.yaml)."""
    name = profile.meta.get("reference_app")
    if not name:
        raise ConfigError(f"{profile.api} ships no reference server; give --base-url")
    return importlib.import_module(name)


def _unknown(kind: str, name: str, known: Sequence[str]) -> ConfigError:
    hint = near_miss(name, sorted(set(known)))
    return ConfigError(f"unknown {kind} {name!r} from --{kind}{hint}")


def check_switches(
    module: ModuleType, faults: Sequence[str], tolerances: Sequence[str]
) -> None:
    """Refuse a ``--fault`` or ``--tolerance`` that one reference app does not know."""
    for fault in faults:
        if fault not in module.FAULTS:
            raise _unknown("fault", fault, list(module.FAULTS))
    for tolerance in tolerances:
        if tolerance not in module.TOLERANCES:
            raise _unknown("tolerance", tolerance, list(module.TOLERANCES))


def split_switches(
    profiles: Sequence[Profile], faults: Sequence[str], tolerances: Sequence[str]
) -> dict[str, tuple[list[str], list[str]]]:
    """Route each ``--fault`` and ``--tolerance`` to the reference apps that know it."""
    modules = {p.api: reference_module(p) for p in profiles}
    routed: dict[str, tuple[list[str], list[str]]] = {p: ([], []) for p in modules}
    for fault in faults:
        owners = [api for api, m in modules.items() if fault in m.FAULTS]
        if not owners:
            raise _unknown(
                "fault", fault, [f for m in modules.values() for f in m.FAULTS]
            )
        for api in owners:
            routed[api][0].append(fault)
    for tolerance in tolerances:
        owners = [api for api, m in modules.items() if tolerance in m.TOLERANCES]
        if not owners:
            known = [t for m in modules.values() for t in m.TOLERANCES]
            raise _unknown("tolerance", tolerance, known)
        for api in owners:
            routed[api][1].append(tolerance)
    return routed


def create_reference_app(
    profile: Profile,
    *,
    faults: Sequence[str] = (),
    tolerances: Sequence[str] = (),
    rate_limit: float | None = None,
    rate_limit_given: bool = False,
) -> Any:
    """The reference app with its documented rate limit unless one is given."""
    module = reference_module(profile)
    documented = (profile.rate_limit or {}).get("per_second")
    limit = rate_limit if rate_limit_given else documented
    return module.create_app(faults=faults, tolerances=tolerances, rate_limit=limit)


def convention_app(
    name: str,
    faults: Sequence[str],
    tolerances: Sequence[str],
    rate_limit: float | None,
) -> tuple[str, Any]:
    """A convention's embedded server, as ``run --convention NAME`` alone starts it,
    for ``conformance serve --convention``: its title and the app."""
    from errcontract._contract.conventions import load_convention

    convention = load_convention(name)
    if convention.reference_app is None:
        raise ConfigError(f"convention {name} ships no reference server")
    module = importlib.import_module(convention.reference_app)
    check_switches(module, faults, tolerances)
    app = module.create_app(faults=faults, tolerances=tolerances, rate_limit=rate_limit)
    return f"{name} ({convention.reference_app})", app


@contextmanager
def embedded_targets(settings: Settings) -> Iterator[tuple[Target, ...]]:
    """Start a reference server for every embedded target; yield resolved targets."""
    embedded = [t for t in settings.targets if t.embedded]
    routed = split_switches(
        [t.profile for t in embedded], settings.faults, settings.tolerances
    )
    with ExitStack() as stack:
        resolved = []
        for target in settings.targets:
            if not target.embedded:
                resolved.append(target)
                continue
            faults, tolerances = routed[target.profile.api]
            app = create_reference_app(
                target.profile,
                faults=faults,
                tolerances=tolerances,
                rate_limit=settings.rate_limit,
                rate_limit_given=settings.rate_limit_given,
            )
            base = stack.enter_context(serve(app))
            prefix = getattr(app.state, "base_path", "")
            resolved.append(
                replace(
                    target,
                    base_url=base + prefix,
                    fixtures=dict(app.state.fixtures),
                )
            )
        yield tuple(resolved)
