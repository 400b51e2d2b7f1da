"""The registry entry of a family: checks parameter names, then calls the factory."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from conformance.exceptions import BadArgument
from conformance.surface import ProbeContext

from .common import Scenario, near_miss


@dataclass(frozen=True)
class Family:
    """A named factory; a catalog's misspelt parameter fails here, naming it."""

    name: str
    build: Callable[..., st.SearchStrategy[Scenario]]

    def _keywords(self) -> dict[str, inspect.Parameter]:
        found = inspect.signature(self.build).parameters.items()
        return {
            name: p
            for name, p in found
            if p.kind is inspect.Parameter.KEYWORD_ONLY and name != "allow_writes"
        }

    @property
    def params(self) -> tuple[str, ...]:
        """The parameters a catalog may give under ``with``."""
        return tuple(self._keywords())

    @property
    def required(self) -> tuple[str, ...]:
        """The parameters a catalog must give."""
        return tuple(
            name
            for name, p in self._keywords().items()
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
