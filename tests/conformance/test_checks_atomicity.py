"""unchanged_after_refusal (CD-ATOMIC-1, and ATOMIC-1 of the conventions): after a
write refused with a 4xx, the item reads back as it read just before; a write the
server took, or a read before it that failed, is not judged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from errcontract._http.exchange import Exchange
from errcontract._http.probe import Probe
from errcontract.checks import REGISTRY, CheckContext, Inapplicable
from errcontract.checks.answers import VOLATILE
from errcontract.results import Violation

ITEM = "/v1/banking/bank_recipients/0b7c9d1e-7f43-4f38-9d3a-1f7d1c2b9e11"
READ = Probe("getRecipient", "GET", ITEM, role="setup", fresh=True)
WRITE = Probe(
    "updateRecipient",
    "PATCH",
    ITEM,
    body=b'{"alias": "new", "email": 0}',
    defect="invalid-body: 'email' = 0 is integer",
    defect_kind="wrong-type",
    field="email",
    fresh=True,
)
RECIPIENT = {"id": "0b7c", "alias": "old", "metadata": {"a": 1, "b": 2}}

Scenario = Callable[..., Any]


@pytest.fixture
def scenario(
    check_ctx: Callable[..., CheckContext], make_exchange: Callable[..., Exchange]
) -> Scenario:
    """``scenario(before, status, after, volatile=())``: the check's verdict on a
    read answering ``before``, a write answered ``status``, a read answering
    ``after`` (each a body, or ``(status, body)``)."""
    ctx = check_ctx("cardda", "CD-ATOMIC-1")

    def run(
        before: Any, status: int, after: Any, volatile: tuple[str, ...] = ()
    ) -> Any:
        clause = replace(ctx.clause, params={"volatile": list(volatile)})
        here = replace(ctx, clause=clause)
        reads = [b if isinstance(b, tuple) else (200, b) for b in (before, after)]
        exchanges = [
            make_exchange(*reads[0], probe=READ),
            make_exchange(status, {"errors": {"email": ["is invalid"]}}, probe=WRITE),
            make_exchange(*reads[1], probe=replace(READ, role="probe")),
        ]
        return REGISTRY.get("unchanged_after_refusal").fn(here, exchanges)

    return run


def test_the_catalog_binds_the_check() -> None:
    spec = REGISTRY.get("unchanged_after_refusal")
    assert spec.scope == "scenario"
    assert spec.params["properties"]["volatile"] == VOLATILE
    # One syntax for volatile members: the same schema as the pair check's.
    pair = REGISTRY.get("indistinguishable")
    assert pair.params["properties"]["volatile"] == VOLATILE


def test_the_same_item_before_and_after_passes(scenario: Scenario) -> None:
    # Key order is no change: JSON is compared canonically.
    reordered = {"metadata": {"b": 2, "a": 1}, "alias": "old", "id": "0b7c"}
    assert scenario(RECIPIENT, 422, reordered) is None
    assert scenario(RECIPIENT, 400, RECIPIENT) is None


def test_a_half_written_refusal_fails_naming_the_member(scenario: Scenario) -> None:
    with pytest.raises(Violation) as caught:
        scenario(RECIPIENT, 422, {**RECIPIENT, "alias": "new"})
    violation = caught.value
    assert violation.clause == "CD-ATOMIC-1"
    assert "'alias' differs" in violation.actual
    assert '"old" then "new"' in violation.actual
    assert "422" in violation.expected
    # The write first (what a baseline keys on), then the reads in order.
    assert [e.probe.method for e in violation.exchanges] == ["PATCH", "GET", "GET"]
    assert violation.operation == "updateRecipient"


@pytest.mark.parametrize(
    "after",
    [
        {"id": "0b7c", "alias": "old"},  # a member gone
        {**RECIPIENT, "metadata": {"a": 1, "b": 3}},  # a nested value
        {**RECIPIENT, "alias": None},  # null is a value
        (404, {"error": "not_found"}),  # the item gone
    ],
)
def test_any_change_fails(scenario: Scenario, after: Any) -> None:
    with pytest.raises(Violation):
        scenario(RECIPIENT, 422, after)


def test_volatile_members_are_not_compared_by_name_or_pattern(
    scenario: Scenario,
) -> None:
    after = {**RECIPIENT, "read_at": "later", "metadata": {"a": 1, "b": 2, "x_at": 1}}
    before = {**RECIPIENT, "read_at": "now"}
    assert scenario(before, 422, after, volatile=("*_at",)) is None
    assert scenario(before, 422, after, volatile=("read_at", "x_at")) is None
    with pytest.raises(Violation):
        scenario(before, 422, after, volatile=("read_at",))
    with pytest.raises(Violation):  # case-sensitive
        scenario(before, 422, after, volatile=("*_AT",))


@pytest.mark.parametrize(
    ("before", "status", "after", "reason"),
    [
        (RECIPIENT, 200, {**RECIPIENT, "alias": "new"}, "answered 200"),
        (RECIPIENT, 500, {**RECIPIENT, "alias": "new"}, "answered 500"),
        ((404, {"error": "not_found"}), 422, RECIPIENT, "read before"),
        (RECIPIENT, 422, (429, {"error": "rate_limit_exceeded"}), "read after"),
    ],
    ids=["write-taken", "server-error", "read-before-failed", "read-after-throttled"],
)
def test_no_premise_no_verdict(
    scenario: Scenario, before: Any, status: int, after: Any, reason: str
) -> None:
    verdict = scenario(before, status, after)
    assert isinstance(verdict, Inapplicable)
    assert reason in verdict.reason
