"""``results.json`` read back into the result model, for ``conformance merge``.

The file is checked against ``schemas/meta/results.schema.json`` first; every
verdict is then the result model's own again (``outcome``, ``verdict``): a field
the file states about itself (its ``verdict``, a clause's ``outcome``) is derived,
never trusted. Evidence comes back as the redacted exchanges it was written from.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from errcontract._http.exchange import Exchange, Received, SentRequest
from errcontract._http.probe import Probe
from errcontract._input.loading import load_data
from errcontract.exceptions import ConfigError
from errcontract.results import (
    RESULTS_FORMAT,
    ApiResult,
    ClauseResult,
    RunResult,
    Violation,
)

MAX_RESULTS_BYTES = 1 << 30
_NO_TIME = datetime.fromtimestamp(0, UTC)  # results.json keeps no arrival time


@cache
def _validator() -> jsonschema.Draft202012Validator:
    from errcontract._contract.profile import meta_schema

    return jsonschema.Draft202012Validator(meta_schema("results.schema.json"))


def results_format(data: Mapping[str, Any]) -> int:
    """The file's format (a file written before the field is format 1)."""
    return int(data.get("format", 1))


def read_run(path: Path) -> RunResult:
    """The run a ``results.json`` holds; anything else is one ``ConfigError``
    sentence naming the file."""
    data = load_data(
        path,
        json_only=True,
        limit=MAX_RESULTS_BYTES,
        fail=lambda problem: ConfigError(f"{str(path)!r} (a results.json) {problem}"),
    )
    if not isinstance(data, Mapping):
        raise ConfigError(f"{str(path)!r} is not a results.json: not a JSON object")
    error = jsonschema.exceptions.best_match(_validator().iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the top level"
        raise ConfigError(
            f"{str(path)!r} is not a results.json of this suite: at {where}, "
            f"{error.message}"
        )
    found = results_format(data)
    if found != RESULTS_FORMAT:
        raise ConfigError(
            f"{str(path)!r} is a results.json of format {found} (errcontract "
            f"{data['version']}); this version reads format {RESULTS_FORMAT}: rerun "
            "that job with this version"
        )
    return RunResult(
        apis=[_api(a) for a in data["apis"]],
        started_at=data["started_at"],
        duration_s=float(data["duration_s"]),
        seed=data.get("seed"),
        version=data["version"],
        settings=dict(data.get("settings") or {}),
        baseline=data.get("baseline"),
        stopped=list(data.get("stopped") or []),
    )


def _api(data: Mapping[str, Any]) -> ApiResult:
    return ApiResult(
        api=data["api"],
        title=data["title"],
        base_url=data["base_url"],
        clauses=[_clause(c) for c in data["clauses"]],
        requests=data["requests"],
        notes=list(data.get("notes") or []),
        status_matrix=list(data.get("status_matrix") or []),
    )


def _clause(data: Mapping[str, Any]) -> ClauseResult:
    return ClauseResult(
        id=data["id"],
        text=data["text"],
        kind=data["kind"],
        family=data["family"],
        status=data["status"],
        reason=data.get("reason", ""),
        violations=[_violation(v) for v in data.get("violations") or []],
        exchanges=data.get("exchanges", 0),
        notes=list(data.get("notes") or []),
        violated_operations=list(data.get("violated_operations") or []),
        # Only their number is written: the sequence numbers are not needed again.
        violating=list(range(data.get("violating_exchanges", 0))),
        new_operations=list(data.get("new_operations") or []),
        # A failure the baseline covered is written as ``known``.
        excused=bool(data["known"]),
        gates=data["gates"],
        gate_notes=list(data.get("gate_notes") or []),
        internal_error=data["internal_error"],
        requests=data.get("requests", 0),
        duration_s=float(data.get("duration_s", 0.0)),
        coverage=data.get("coverage"),
    )


def _violation(data: Mapping[str, Any]) -> Violation:
    violation = Violation(
        data["clause"],
        data["title"],
        expected=data["expected"],
        actual=data["actual"],
        exchanges=tuple(_exchange(e) for e in data["exchanges"]),
    )
    violation.known = bool(data.get("known", False))
    violation.known_note = data.get("known_note", "")
    violation.also = tuple(data.get("also_breaks") or ())
    return violation


def _exchange(data: Mapping[str, Any]) -> Exchange:
    request = data["request"]
    answer = data["response"]
    return Exchange(
        seq=data["seq"],
        probe=Probe(
            operation=data.get("operation") or "",
            method=request["method"],
            path="",
            defect=data.get("defect") or "",
        ),
        request=SentRequest(
            method=request["method"],
            url=request["url"],
            headers=tuple((k, v) for k, v in request["headers"]),
            body=request.get("body"),
        ),
        curl=data["curl"],
        response=None
        if answer is None
        else Received(
            status=answer["status"],
            headers=tuple((k, v) for k, v in answer["headers"]),
            body=answer["body"].encode("utf-8", errors="surrogatepass"),
            truncated=bool(answer.get("body_truncated", False)),
            received_at=_NO_TIME,
            elapsed_s=float(answer.get("elapsed_s", 0.0)),
        ),
        failure=data.get("failure"),
    )
