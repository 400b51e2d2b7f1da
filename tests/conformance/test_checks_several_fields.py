"""A probe that breaks several fields (CD-VAL-1's documented exception to one defect
per request) passes only with an answer naming every one of them."""

from __future__ import annotations

import pytest

from errcontract._contract.profile import load_profile
from errcontract._http.probe import Probe
from errcontract.results import Violation

FIELDS = ("name", "rut", "account_type")


def several(kind: str = "missing", fields: tuple[str, ...] = FIELDS) -> Probe:
    """A several-field probe carrying CD-VAL-1's documented answers."""
    clause = load_profile("cardda").clause("CD-VAL-1")
    probe = Probe(
        operation="createRecipient",
        method="POST",
        path="/v1/banking/bank_recipients",
        defect=f"{len(fields)} fields broken at once",
        defect_kind=kind,  # type: ignore[arg-type]
        field=fields[0],
        fields=fields,
    )
    return probe.with_expectation("CD-VAL-1", clause.answers(kind))


def test_naming_every_broken_field_passes(judge, make_exchange):
    body = {"errors": {name: ["is invalid"] for name in FIELDS}}
    assert (
        judge("cardda", "CD-VAL-1", make_exchange(422, body, probe=several())) is None
    )


@pytest.mark.parametrize("named", [FIELDS[:1], FIELDS[:2], ("base",)])
def test_naming_only_some_of_them_fails(judge, make_exchange, named):
    body = {"errors": {name: ["is invalid"] for name in named}}
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-VAL-1", make_exchange(422, body, probe=several()))
    assert "naming fields 'name', 'rut', 'account_type'" in info.value.expected
    assert f"naming {sorted(named)}" in info.value.actual


def test_extra_names_are_allowed(judge, make_exchange):
    body = {"errors": {name: ["is invalid"] for name in (*FIELDS, "base")}}
    assert (
        judge("cardda", "CD-VAL-1", make_exchange(422, body, probe=several())) is None
    )


def test_a_wrong_type_among_them_allows_the_400_alternative(judge, make_exchange):
    """Several defects on purpose: any answer documented for them passes."""
    probe = several("wrong-type")
    answer = make_exchange(400, {"error": "bad_request"}, probe=probe)
    assert judge("cardda", "CD-VAL-1", answer) is None
    partial = make_exchange(422, {"errors": {"name": ["is invalid"]}}, probe=probe)
    with pytest.raises(Violation):
        judge("cardda", "CD-VAL-1", partial)


def test_broken_fields_fall_back_to_the_one_field():
    probe = Probe(operation="x", method="POST", path="/", field="rut")
    assert probe.broken_fields == ("rut",)
    assert several().broken_fields == FIELDS
