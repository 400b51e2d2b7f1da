"""The run's request cap reached inside a fuzz example is "stopped early", never an
internal error: raised into Hypothesis, it was taken for the example's failure,
replayed, the replay rejected (the cap still reached), and reported as a flaky test
(``FlakyFailure: Unreliable assumption``), which the thorough soak showed as exit 4
on PD-5XX-1 and DC-5XX-1 at seeds 2 and 3."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure, HypothesisException

from errcontract._engine import execute
from errcontract._engine.sender import Budget
from errcontract._engine.tally import CoverageRecord
from errcontract.exceptions import BudgetExhausted
from errcontract.results import Violation

if TYPE_CHECKING:
    from conftest import CliRun


class CappedSender:
    """Reaches the cap on its first send; a replay then sends nothing (``None``), as
    the real sender does once the budget is spent."""

    def __init__(self) -> None:
        self.calls = 0

    def send_all(self, scenario: Any, budget: Budget) -> None:
        self.calls += 1
        if self.calls == 1:
            raise BudgetExhausted("the request cap of 1 is reached")
        return None


def _run(body: Any) -> None:
    profile = settings.get_profile("conformance-ci")
    settings(profile, max_examples=5)(given(st.integers(0, 9))(body))()


def test_the_cap_inside_an_example_is_kept_and_the_example_rejected() -> None:
    sender = CappedSender()
    seen: list[Violation] = []
    spent: list[BudgetExhausted] = []
    record = CoverageRecord(kinds=None, operations=("op",))
    probe_test = execute._fuzz_test(sender, record, "op", Budget(10), seen, spent)  # type: ignore[arg-type]
    try:
        _run(lambda n: probe_test(()))
    except FlakyFailure:  # pragma: no cover - the failure this test guards against
        pytest.fail("the cap was reported as a flaky test")
    except HypothesisException:
        pass  # every example rejected: Hypothesis says so; the cap explains it
    assert sender.calls == 1, "nothing is sent once the cap is reached"
    assert len(spent) == 1
    assert "request cap" in str(spent[0])
    assert not seen


def test_raised_into_hypothesis_the_cap_is_a_flaky_failure() -> None:
    """The failure mode itself, so the test above can fail: the cap raised from the
    test body, a replay rejected, is what Hypothesis calls flaky."""
    sender = CappedSender()

    def raw(n: int) -> None:
        from hypothesis import reject

        if sender.send_all((), Budget(10)) is None:
            reject()

    with pytest.raises(FlakyFailure):
        _run(raw)


def test_a_clause_whose_probes_the_cap_cut_is_not_run(
    run_cli: Callable[..., CliRun],
) -> None:
    """The run's cap reached before a clause's own probes all went out is no
    verdict on it: CD-5XX-1 is judged over every response and sends its probes
    last, so at 60 requests it has seen responses but sent none of its own. It
    passed on what it had seen; it is not run, with the reason. A violation it had
    found would still fail it (the tally's ``found`` comes first)."""
    done = run_cli("run", "--api", "cardda", "--max-requests", "60", "--quiet")
    clauses = {c["id"]: c for c in done.results["clauses"]}
    cut = [c for c in clauses.values() if "stopped early" in (c["reason"] or "")]
    assert cut, "the cap stopped no clause: the test proves nothing"
    assert clauses["CD-5XX-1"]["status"] == "not-run", clauses["CD-5XX-1"]
    assert "stopped early" in clauses["CD-5XX-1"]["reason"]
    for clause in cut:
        if clause["status"] == "pass":
            # Only a clause whose every cell was sent (the cap cut its fuzzing)
            # keeps its verdict.
            coverage = clause["coverage"]
            cells = len(coverage["operations"]) * len(coverage["kinds"] or [None])
            assert len(coverage["sent"]) + len(coverage["skipped"]) == cells, clause
    # What finished before the cap keeps its verdict.
    assert clauses["CD-AUTH-1"]["status"] == "pass"
