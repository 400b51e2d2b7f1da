"""The registry entry of a family: checks parameter names, then calls the factory.

A family may declare the defect ``kinds`` it can be restricted to (through its
``kinds=`` parameter); the coverage phase sends every declared kind on every operation.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Any

from hypothesis import strategies as st

from errcontract._contract.surface import ProbeContext
from errcontract._near import near_miss
from errcontract.exceptions import BadArgument

from .common import Scenario

KIND_PARAMETERS = ("kinds",)
"""The names a family's kind restriction goes by."""

Factory = Callable[..., st.SearchStrategy[Scenario]]


@dataclass(frozen=True)
class Family:
    """A named factory; a catalog's misspelt parameter fails here, naming it.

    ``kinds`` lists the defect kinds the factory can be restricted to, one at a time,
    through its kind parameter (``kinds=[kind]``); ``None`` for a family with no kinds.
    """

    name: str
    build: Factory
    kinds: tuple[str, ...] | None = None
    # Kinds a clause may ask for by name but that the coverage phase does not send
    # unasked (``several`` of ``invalid_bodies``: more than one defect per request).
    opt_in: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kinds is not None and (not self.kinds or self.kind_param is None):
            raise BadArgument(
                f"{self.name}: declares kinds={self.kinds!r} but takes no "
                f"{' or '.join(KIND_PARAMETERS)}= parameter to restrict them"
            )

    @classmethod
    def of(
        cls,
        entry: Family | Factory,
        *,
        kinds: Sequence[str] | None = None,
        opt_in: Sequence[str] = (),
    ) -> Family:
        """``entry`` as a registry entry, named after its factory."""
        if isinstance(entry, Family):
            if kinds is None:
                return entry
            return cls(entry.name, entry.build, tuple(kinds), tuple(opt_in))
        declared = None if kinds is None else tuple(kinds)
        return cls(entry.__name__, entry, declared, tuple(opt_in))

    @property
    def accepted_kinds(self) -> tuple[str, ...]:
        """Every kind a catalog may name: the declared ones and the opt-in ones."""
        return (*(self.kinds or ()), *self.opt_in)

    @property
    def kind_param(self) -> str | None:
        """The parameter that restricts the family to some of its kinds."""
        return next((p for p in KIND_PARAMETERS if p in self.params), None)

    def coverage_kinds(self, params: Mapping[str, Any]) -> tuple[str, ...] | None:
        """The kinds a clause with ``params`` covers: its own restriction, if any,
        else every declared kind (``None``: the family has no kinds)."""
        if self.kinds is None:
            return None
        for name in KIND_PARAMETERS:
            given = params.get(name)
            if isinstance(given, Sequence) and not isinstance(given, str) and given:
                return tuple(dict.fromkeys(str(k) for k in given))
        return self.kinds

    def restricted(self, params: Mapping[str, Any], kind: str | None) -> dict[str, Any]:
        """``params`` restricted to ``kind`` (unchanged when ``kind`` is ``None``)."""
        if kind is None or self.kind_param is None:
            return dict(params)
        kept = {k: v for k, v in params.items() if k not in KIND_PARAMETERS}
        return {**kept, self.kind_param: [kind]}

    @cached_property
    def _keywords(self) -> dict[str, inspect.Parameter]:
        # Read on every call of the family: the signature is computed once.
        found = inspect.signature(self.build).parameters.items()
        return {
            name: p
            for name, p in found
            if p.kind is inspect.Parameter.KEYWORD_ONLY and name != "allow_writes"
        }

    @property
    def params(self) -> tuple[str, ...]:
        """The parameters a catalog may give under ``with``."""
        return tuple(self._keywords)

    @property
    def required(self) -> tuple[str, ...]:
        """The parameters a catalog must give."""
        return tuple(
            name
            for name, p in self._keywords.items()
            if p.default is inspect.Parameter.empty
        )

    def __call__(
        self,
        ctx: ProbeContext,
        operations: Sequence[str],
        *,
        allow_writes: bool = True,
        **params: Any,
    ) -> st.SearchStrategy[Scenario]:
        """The family's strategy, after checking the parameter names."""
        takes = ", ".join(self.params) or "no parameters"
        for key in params:
            if key not in self.params:
                raise BadArgument(
                    f"{self.name}: unknown parameter {key!r}"
                    f"{near_miss(key, self.params)}; it takes {takes}"
                )
        for key in self.required:
            if key not in params:
                raise BadArgument(f"{self.name}: parameter {key!r} is required")
        if not isinstance(allow_writes, bool):
            raise BadArgument(f"allow_writes={allow_writes!r} must be True or False")
        return self.build(ctx, operations, allow_writes=allow_writes, **params)


def registry(entries: Iterable[Family | Factory]) -> Mapping[str, Family]:
    """Name -> family, read-only; a bare factory is a family without kinds."""
    families = [Family.of(entry) for entry in entries]
    names = [f.name for f in families]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise BadArgument(f"families registered twice: {', '.join(doubled)}")
    return MappingProxyType({f.name: f for f in families})
