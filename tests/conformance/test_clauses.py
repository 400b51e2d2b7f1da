"""How a clause is run is decided once, when its catalog entry is read: the mode, and
the typed scope and probes every part of the engine asks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from errcontract._contract.clauses import Clause, Mode, Scope
from errcontract._contract.profile import load_profile
from errcontract._http.exchange import Exchange, Received, SentRequest
from errcontract._http.probe import Probe

BASE = {"id": "X-1", "text": "t", "kind": "documented", "family": "f"}


@pytest.mark.parametrize(
    ("entry", "mode"),
    [
        ({"check": "expected_answer", "probes": {"strategy": "absent_credentials",
          "operations": ["a"]}}, Mode.TARGETED),
        ({"check": "body_schema", "scope": {"responses": "errors"}},
         Mode.EVERY_RESPONSE),
        ({"check": "no_server_error", "scope": {"responses": "defective"},
          "probes": {"strategy": "robustness_probes", "operations": ["a"]}},
         Mode.EVERY_RESPONSE_PROBED),
        ({"check": "rate_limited", "probes": {"scenario": "burst",
          "operations": ["a"]}}, Mode.BURST),
        ({"check": "header_unique", "scope": {"responses": "all"}}, Mode.RUN),
    ],
    ids=lambda v: v.value if isinstance(v, Mode) else "",
)  # fmt: skip
def test_the_mode_follows_from_scope_probes_and_the_check(
    entry: dict[str, Any], mode: Mode
) -> None:
    clause = Clause.read({**BASE, **entry})
    assert clause.mode is mode
    assert clause.mode.over_responses == (clause.scope is not None)


def test_the_shipped_profiles_judge_over_responses_last() -> None:
    from errcontract._engine.run import clause_order

    for api in ("cardda", "cardclan"):
        ordered = clause_order(load_profile(api).clauses)
        orders = [c.mode.order for c in ordered]
        assert orders == sorted(orders)
        assert {c.mode for c in ordered} >= {Mode.TARGETED, Mode.EVERY_RESPONSE}


def _exchange(status: int, *, defective: bool = False, op: str = "op") -> Exchange:
    return Exchange(
        seq=1,
        probe=Probe(
            operation=op,
            method="GET",
            path="/",
            defect_kind="body" if defective else "",
        ),
        request=SentRequest("GET", "http://127.0.0.1/", (), None),
        curl="",
        response=Received(status, (), b"", False, datetime.now(UTC), 0.0),
    )


def test_a_scope_holds_the_responses_it_names() -> None:
    errors = Scope.read({"responses": "errors", "status": [400, 422]})
    assert errors.holds(_exchange(422))
    assert not errors.holds(_exchange(404))
    assert not errors.holds(_exchange(200))
    defective = Scope.read({"responses": "defective", "except_status": [429]})
    assert defective.holds(_exchange(500, defective=True))
    assert not defective.holds(_exchange(500))
    assert not defective.holds(_exchange(429, defective=True))
    only = Scope.read({"operations": ["mine"]})
    assert only.holds(_exchange(200, op="mine"))
    assert not only.holds(_exchange(200, op="other"))
    assert errors.nothing_seen() == (
        "no error response with status 400/422 was seen in this run"
    )
