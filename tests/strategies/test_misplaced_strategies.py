"""misplaced_credentials and ignored_inputs' scheme-case: the valid key, named (never
held), put where the API does not read it or under its scheme in another case."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from errcontract._http.credentials import CredentialRenderer, Placement
from errcontract._http.probe import Credential
from errcontract.exceptions import BadArgument
from errcontract.strategies import FAMILIES, ignored_inputs, misplaced_credentials

SETTINGS = settings(max_examples=30, deadline=None, database=None)
OPS = ["listCompanies", "listRecipients", "createRecipient"]
KEY = "cd_live_Zq8-Rt2_wX9k"
WIRE = {
    # Restated here: what each kind puts on the wire for a Bearer template.
    "query": ([], [("access_token", KEY)]),
    "cookie": ([("Cookie", f"access_token={KEY}")], []),
    "other-header": ([("X-API-Key", KEY)], []),
}


def first(strategy: st.SearchStrategy[Any], where: Any = lambda _: True) -> Any:
    """The simplest example of ``strategy`` meeting ``where``."""
    return find(strategy, where, settings=settings(database=None, max_examples=50))


def _sent(credential: Credential) -> tuple[list[tuple[str, str]], list[Any]]:
    renderer = CredentialRenderer(Placement(), {"api_key": KEY})
    return renderer.wire(credential), renderer.query(credential)


@SETTINGS
@given(data=st.data())
def test_misplaced_credentials_move_only_the_credential(cardda, oracle, data):
    (probe,) = data.draw(misplaced_credentials(cardda, OPS))
    oracle.check_common(cardda, (probe,))
    assert oracle.differences(cardda, probe) == {"credential"}
    kind = probe.defect.split(":")[0]
    assert probe.credential.fixture == "api_key"  # named, never held
    assert KEY not in repr(probe)
    assert _sent(probe.credential) == WIRE[kind]
    assert probe.writes == cardda.operation(probe.operation).writes


@pytest.mark.parametrize("kind", sorted(WIRE))
def test_each_kind_is_sent_alone(cardda, kind):
    family = FAMILIES["misplaced_credentials"]
    assert family.kinds == ("query", "cookie", "other-header")
    (probe,) = first(misplaced_credentials(cardda, OPS, kinds=[kind]))
    assert probe.defect.startswith(f"{kind}: ")


def test_an_x_api_key_api_gets_the_key_as_a_bearer_token(cardda):
    ctx = replace(cardda, credential_template="{token}", credential_header="X-API-Key")
    (probe,) = first(misplaced_credentials(ctx, OPS, kinds=["other-header"]))
    assert probe.credential.placement == Placement(header="Authorization")
    renderer = CredentialRenderer(Placement(header="X-API-Key"), {"api_key": KEY})
    assert renderer.wire(probe.credential) == [("Authorization", f"Bearer {KEY}")]
    (query,) = first(misplaced_credentials(ctx, OPS, kinds=["query"]))
    assert query.credential.placement == Placement(query="api_key")


def test_a_query_key_api_leaves_the_query_kind_out(cardda):
    ctx = replace(cardda, credential_query="api_key", credential_template="{token}")
    kinds = {"cookie", "other-header"}
    for kind in kinds:
        assert first(
            misplaced_credentials(ctx, OPS), lambda s, k=kind: s[0].defect.startswith(k)
        )
    with pytest.raises(Exception, match="No examples found"):
        first(
            misplaced_credentials(ctx, OPS), lambda s: s[0].defect.startswith("query")
        )
    with pytest.raises(BadArgument, match="reads the key from query parameter"):
        misplaced_credentials(ctx, OPS, kinds=["query"])


def test_a_cookie_api_leaves_the_cookie_kind_out(cardda):
    ctx = replace(cardda, credential_header="Cookie", credential_template="s={token}")
    with pytest.raises(BadArgument, match="reads the key from a cookie"):
        misplaced_credentials(ctx, OPS, kinds=["cookie"])


@SETTINGS
@given(data=st.data())
def test_scheme_case_changes_only_the_scheme_word(cardda, data):
    setup, probe = data.draw(ignored_inputs(cardda, OPS[:2], kinds=["scheme-case"]))
    assert setup.role == "setup"
    assert probe.defect_kind == "scheme-case"
    assert probe.credential.template in ("bearer {token}", "BEARER {token}")
    assert replace(probe.credential, template="Bearer {token}") == setup.credential
    assert replace(probe, credential=setup.credential, defect="", defect_kind="") == (
        replace(setup, role="probe", defect="", defect_kind="")
    )


def test_scheme_case_needs_a_scheme_word(cardda):
    ctx = replace(cardda, credential_template="{token}", credential_header="X-API-Key")
    with pytest.raises(BadArgument, match="needs a scheme word"):
        ignored_inputs(ctx, OPS, kinds=["scheme-case"])
    assert "scheme-case" not in FAMILIES["ignored_inputs"].kinds
