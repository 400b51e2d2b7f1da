"""Schemathesis as the engine for what follows from an OpenAPI document.

Schemathesis loads the document (once per document) and runs its coverage phase on an
operation in negative mode: a deterministic list of cases, each with metadata naming the
schema location it broke (``/properties/amount/exclusiveMinimum``, ``/required``). This
module keeps the cases that break one top-level property of the JSON request body and
turns each into a ``BodyDefect``: the field, the keyword, the broken value. Everything
else about a request (credentials, tenant, the valid rest of the body, sending) is the
suite's: Schemathesis' own requests and transport are never used.
"""

from __future__ import annotations

import json
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator

from errcontract._contract.surface import Operation
from errcontract._input.refs import pointer_tokens
from errcontract.exceptions import BadArgument

from .generation import bounded_document

if TYPE_CHECKING:
    from schemathesis.specs.openapi.schemas import OpenApiSchema

KINDS: Mapping[str, str] = {"required": "missing", "type": "wrong-type"}
"""Keyword broken -> defect kind; every other keyword is an ``invalid`` value."""

_MAX_DOCUMENTS = 8
_lock = threading.Lock()
_loaded: OrderedDict[int, tuple[Mapping[str, Any], OpenApiSchema]] = OrderedDict()
_defects: dict[tuple[int, str], tuple[BodyDefect, ...]] = {}
"""Per (document, operation id), and per (document, body: ``_body_key``)."""


@dataclass(frozen=True)
class BodyDefect:
    """One coverage case of Schemathesis that breaks one top-level body field."""

    operation: str
    field: str
    keyword: str
    """The JSON Schema keyword the value breaks (``required`` for a missing field)."""
    value: Any
    """The broken value (``None`` and unused when the field is missing)."""
    scenario: str
    """Schemathesis' name for the case (``value_below_minimum``...)."""
    named: str = ""
    """A lenient-parser kind this wrong type is (``numeric-string``...: ``lenient``)."""

    @property
    def kind(self) -> str:
        """``missing``, ``wrong-type``, ``invalid`` or the lenient kind it is named."""
        return self.named or KINDS.get(self.keyword, "invalid")


def _schema(document: Mapping[str, Any]) -> OpenApiSchema:
    """The document as Schemathesis loads it, once per document object."""
    key = id(document)
    with _lock:
        hit = _loaded.get(key)
        if hit is not None and hit[0] is document:
            _loaded.move_to_end(key)
            return hit[1]
    import schemathesis  # heavy: only when a body family is built
    from schemathesis.config import SchemathesisConfig

    try:
        # A copy with every request schema bounded (Schemathesis normalises keys in
        # place, and a fan-out of references costs it minutes), and a default
        # configuration: no schemathesis.toml on the way up from the working
        # directory applies.
        schema = schemathesis.openapi.from_dict(
            bounded_document(document), config=SchemathesisConfig()
        )
    except Exception as exc:  # its loader errors have no common public base
        raise BadArgument(
            f"Schemathesis cannot load the OpenAPI document: {exc}"
        ) from exc
    with _lock:
        # The document is kept alive with its schema, so its id cannot be reused.
        _loaded[key] = (document, schema)
        while len(_loaded) > _MAX_DOCUMENTS:
            old, _ = _loaded.popitem(last=False)
            for cache in (_defects, _fuzzed, _parameter_defects):
                for stale in [k for k in cache if k[0] == old]:
                    del cache[stale]
    return schema


def _breaks(schema: Mapping[str, Any], value: Any) -> set[str]:
    """The keywords of ``schema`` that ``value`` breaks (``nested``: inside it)."""
    errors = Draft202012Validator(schema).iter_errors(value)
    return {"nested" if e.absolute_path else str(e.validator) for e in errors}


def _defect(
    op: Operation, body: Any, location: str, scenario: str
) -> BodyDefect | None:
    """The body field and keyword a case broke, or ``None`` if it is not one field."""
    parts = pointer_tokens(location)
    if parts == ["required"] and isinstance(body, dict):
        required = (op.body_schema or {}).get("required", [])
        absent = [name for name in required if name not in body]
        if len(absent) != 1:
            return None
        return BodyDefect(op.id, absent[0], "required", None, scenario)
    if len(parts) == 3 and parts[0] == "properties" and isinstance(body, dict):
        name, keyword = parts[1], parts[2]
        sub = ((op.body_schema or {}).get("properties") or {}).get(name)
        if name not in body or sub is None or _breaks(sub, body[name]) != {keyword}:
            # One mutation means one keyword: '' breaks minLength and a pattern of
            # digits alike, and the keyword the probe names must be the one broken.
            return None
        return BodyDefect(op.id, name, keyword, body[name], scenario)
    # The body as a whole (not an object: malformed_bodies' job) or deeper than one
    # field (an item of an array, a member of a nested object): not one field's defect.
    return None


def _keyed(op: Operation) -> tuple[tuple[int, str], OpenApiSchema]:
    """The cache key of ``op`` and its document as Schemathesis loads it."""
    document = op.document
    if document is None:
        raise BadArgument(
            f"operation {op.id!r} has no OpenAPI document (read it with "
            "parse_operations)"
        )
    return (id(document), op.id), _schema(document)


def _negative_coverage(schema: OpenApiSchema, op: Operation) -> Iterator[Any]:
    """(case, its coverage metadata) of Schemathesis' negative coverage phase."""
    from schemathesis.generation import GenerationMode
    from schemathesis.generation.meta import CoveragePhaseData

    target = _operation(schema, op)
    for case in schema.iter_coverage_cases(
        target,
        generation_modes=[GenerationMode.NEGATIVE],
        generation_config=schema.config.generation_for(operation=target),
    ):
        data = case.meta.phase.data if case.meta is not None else None
        if isinstance(data, CoveragePhaseData):
            yield case, data


def body_defects(op: Operation) -> tuple[BodyDefect, ...]:
    """Schemathesis' coverage cases for ``op`` that break one top-level body field.

    Deterministic, in Schemathesis' order, without duplicates; computed once per
    operation of a document.
    """
    key, schema = _keyed(op)
    # Operations that declare the same body (a shared component, a create and its
    # update) get the same cases: Schemathesis is asked once per body, not per
    # operation, and the cases are named after each operation.
    same = (key[0], _body_key(op))
    with _lock:
        cached = _defects.get(key)
        alike = _defects.get(same)
    if cached is not None:
        return cached
    if alike is not None:
        defects = tuple(replace(d, operation=op.id) for d in alike)
        with _lock:
            _defects[key] = defects
        return defects
    from schemathesis.core.parameters import ParameterLocation

    found: dict[tuple[str, str, str], BodyDefect] = {}
    for case, data in _negative_coverage(schema, op):
        if data.parameter_location is not ParameterLocation.BODY or not data.location:
            continue
        defect = _defect(op, case.body, data.location, data.scenario.value)
        if defect is not None:
            value = json.dumps(defect.value, sort_keys=True, default=repr)
            found.setdefault((defect.field, defect.keyword, value), defect)
    defects = tuple(found.values())
    with _lock:
        _defects[key] = _defects[same] = defects
    return defects


def _body_key(op: Operation) -> str:
    """What Schemathesis' body cases of ``op`` depend on: its request body as the
    document writes it (references unresolved: within one document the same text
    resolves the same) and its media type. Never the resolved schema: a document
    whose references fan out resolves to a graph whose text is exponential."""
    document = op.document or {}
    raw = ((document.get("paths") or {}).get(op.path) or {}).get(op.method.lower())
    declared = raw.get("requestBody") if isinstance(raw, Mapping) else None
    if not isinstance(declared, Mapping):
        return "\0op:" + op.id  # not declared as a request body: not shared
    # A NUL first: no operation id (the other keys of the cache) looks like it.
    text = json.dumps([declared, op.body_media_type], sort_keys=True, default=repr)
    return "\0body:" + text


@dataclass(frozen=True)
class ParameterDefect:
    """One coverage case of Schemathesis that breaks one query parameter's schema."""

    operation: str
    name: str
    keyword: str
    value: str
    """The broken value, as it goes in the query string."""
    scenario: str

    @property
    def kind(self) -> str:
        """``wrong-type`` or ``invalid``."""
        return KINDS.get(self.keyword, "invalid")


_parameter_defects: dict[tuple[int, str], tuple[ParameterDefect, ...]] = {}


def parameter_defects(op: Operation) -> tuple[ParameterDefect, ...]:
    """Schemathesis' coverage cases for ``op`` that give one query parameter a value
    its schema refuses (a type, a bound, a pattern, an enum), each once.

    A case that repeats the parameter (a list value) or changes anything else is
    left out: one defect per probe. Deterministic, computed once per operation.
    """
    key, schema = _keyed(op)
    with _lock:
        cached = _parameter_defects.get(key)
    if cached is not None:
        return cached
    from schemathesis.core.parameters import ParameterLocation

    declared = {p.name for p in op.params("query")}
    found: dict[tuple[str, str], ParameterDefect] = {}
    for case, data in _negative_coverage(schema, op):
        if (
            data.parameter_location is not ParameterLocation.QUERY
            or data.parameter not in declared
            or not data.location
        ):
            continue
        value = (case.query or {}).get(data.parameter)
        keyword = data.location.rstrip("/").rpartition("/")[2]
        if not isinstance(value, str) or keyword in ("", "required"):
            continue
        defect = ParameterDefect(
            op.id, data.parameter, keyword, value, data.scenario.value
        )
        found.setdefault((defect.name, value), defect)
    defects = tuple(found.values())
    with _lock:
        _parameter_defects[key] = defects
    return defects


def _operation(schema: OpenApiSchema, op: Operation) -> Any:
    """Schemathesis' view of ``op`` in ``schema``."""
    from schemathesis.core.result import Ok

    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            continue  # an operation Schemathesis cannot read is not this one
        candidate = result.ok()
        if op.id in (candidate.definition.raw.get("operationId"), candidate.label):
            return candidate
    raise BadArgument(f"Schemathesis finds no operation {op.id!r} in the document")


FUZZ_CASES = 12
"""Bodies drawn from Schemathesis' negative fuzzing per operation, once per process."""

_APPLICATORS = frozenset(
    {
        *("items", "prefixItems", "contains", "properties", "patternProperties"),
        *("additionalProperties", "propertyNames", "unevaluatedItems"),
        *("unevaluatedProperties", "allOf", "anyOf", "oneOf", "not", "if", "then"),
        *("else", "dependentSchemas", "$ref", "nested"),
    }
)
"""Keywords broken inside a value (an item, a member; ``_breaks`` says ``nested``):
not one field's defect."""

_fuzzed: dict[tuple[int, str], tuple[BodyDefect, ...]] = {}


def _plain(value: Any) -> bool:
    """Whether every string in ``value`` keeps to assigned, printable BMP characters.

    A validation probe changes one thing, the keyword it breaks. Control, format,
    surrogate, private-use and astral characters are the robustness family's
    probes: in a validation probe they would let one defect (a 500 on a control
    character) fail another clause (the 422 of a bad enum value).
    """
    if isinstance(value, str):
        return all(
            ord(c) <= 0xFFFF and not unicodedata.category(c).startswith("C")
            for c in value
        )
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return True


def fuzzed_body_defects(op: Operation) -> tuple[BodyDefect, ...]:
    """One-field defects taken from Schemathesis' negative fuzzing of ``op``'s body.

    Schemathesis' negative strategy does not replay inside another Hypothesis test
    (``FlakyStrategyDefinition`` while shrinking), so a fixed pool is drawn here,
    once, derandomized, and never inside a running test (empty there, so a family
    built inside a test keeps to the coverage cases): each fuzzed body gives every
    top-level field that breaks exactly one keyword of its schema, with a plain
    value (``_plain``), as a defect of its own; the probe grafts that one value onto
    the valid body. The pool depends on Schemathesis' version and the document
    only (``derandomize``; not on ``PYTHONHASHSEED`` or ``--seed``).
    """
    from hypothesis import (
        HealthCheck,
        Phase,
        Verbosity,
        currently_in_test_context,
        given,
        settings,
    )
    from schemathesis.generation import GenerationMode

    document = op.document
    if document is None:
        raise BadArgument(f"operation {op.id!r} has no OpenAPI document")
    key = (id(document), op.id)
    with _lock:
        cached = _fuzzed.get(key)
    if cached is not None:
        return cached
    if currently_in_test_context():
        return ()
    target = _operation(_schema(document), op)
    bodies: list[Any] = []

    @settings(
        max_examples=FUZZ_CASES,
        database=None,
        deadline=None,
        derandomize=True,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    @given(target.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    def collect(case: Any) -> None:
        bodies.append(case.body)

    collect()
    properties = (op.body_schema or {}).get("properties") or {}
    found: dict[tuple[str, str, str], BodyDefect] = {}
    for body in bodies:
        if not isinstance(body, dict):
            continue
        for name in sorted(set(body) & set(properties)):
            if not _plain(body[name]):
                continue
            broken = _breaks(properties[name], body[name])
            if len(broken) != 1 or broken & _APPLICATORS:
                continue
            value = json.dumps(body[name], sort_keys=True, default=repr)
            defect = BodyDefect(
                op.id, name, next(iter(broken)), body[name], "negative fuzzing"
            )
            found.setdefault((name, defect.keyword, value), defect)
    defects = tuple(found.values())
    with _lock:
        _fuzzed[key] = defects
    return defects
