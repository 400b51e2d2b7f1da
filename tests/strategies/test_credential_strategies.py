"""Credential families: only the credential changes, no secret is ever held."""

from __future__ import annotations

import re
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errcontract._http.probe import Credential
from errcontract.strategies import (
    CREDENTIAL_KINDS,
    FAMILIES,
    absent_credentials,
    fixture_credentials,
    malformed_credentials,
)

SETTINGS = settings(max_examples=40, deadline=None, database=None)
OPS = ["listCompanies", "listRecipients", "createRecipient", "getTransaction"]


@SETTINGS
@given(data=st.data())
def test_absent_credentials_drop_only_the_credential(cardda, oracle, data):
    (probe,) = data.draw(absent_credentials(cardda, OPS))
    oracle.check_common(cardda, (probe,))
    assert probe.credential == Credential.none()
    assert oracle.differences(cardda, probe) == {"credential"}
    assert probe.defect_kind == "credential"


@SETTINGS
@given(data=st.data())
def test_malformed_credentials_break_only_the_credential(cardda, oracle, data):
    (probe,) = data.draw(malformed_credentials(cardda, OPS))
    oracle.check_common(cardda, (probe,))
    assert oracle.differences(cardda, probe) == {"credential"}
    assert probe.defect_kind == "credential"
    kind = probe.defect.split(":")[0]
    credential = probe.credential
    rendered = oracle.rendered_credential(credential)
    assert rendered is not None
    if kind == "bare-key":
        assert credential == Credential.of("api_key", "{token}")
    elif kind == "other-scheme":
        assert credential.fixture == "api_key"
        assert not credential.template.startswith("Bearer {token}")
        assert credential.template.split()[0] != "Bearer"
    else:
        assert credential.fixture is None
        token = rendered.removeprefix("Bearer").strip(" ")
        if kind == "empty-token":
            assert rendered in ("Bearer", "Bearer ")
        elif kind == "whitespace-token":
            assert token.strip(" \t") == ""
            assert credential.literal
        elif kind == "random-token":
            assert token
            assert token == credential.literal
            assert " " not in token
        else:
            assert kind == "unknown-uuid"
            assert str(uuid.UUID(token)) == token


def test_malformed_credentials_show_every_kind_early(cardda):
    """Kinds are drawn first: 60 examples meet all six."""
    seen = set()

    @settings(max_examples=60, deadline=None, database=None, derandomize=True)
    @given(malformed_credentials(cardda, OPS))
    def collect(scenario):
        seen.add(scenario[0].defect.split(":")[0])

    collect()
    assert seen == set(CREDENTIAL_KINDS)


@pytest.mark.parametrize("kind", CREDENTIAL_KINDS)
def test_malformed_credentials_honour_kinds(cardda, kind):
    @settings(max_examples=10, deadline=None, database=None)
    @given(malformed_credentials(cardda, ["listCompanies"], kinds=[kind]))
    def check(scenario):
        assert scenario[0].defect.startswith(f"{kind}:")

    check()


def test_read_only_malformed_credentials_skip_keyed_kinds_on_writes(cardda, oracle):
    @settings(max_examples=40, deadline=None, database=None)
    @given(malformed_credentials(cardda, ["createRecipient"], allow_writes=False))
    def check(scenario):
        oracle.check_common(cardda, scenario)
        assert not scenario[0].writes
        assert scenario[0].credential.fixture is None

    check()


@SETTINGS
@given(data=st.data())
def test_fixture_credentials_name_the_other_key(cardda, oracle, data):
    (probe,) = data.draw(
        FAMILIES["fixture_credentials"](cardda, OPS, fixture="limited_api_key")
    )
    oracle.check_common(cardda, (probe,))
    assert probe.credential == Credential.of("limited_api_key", "Bearer {token}")
    assert oracle.differences(cardda, probe) == {"credential"}
    assert probe.writes == (probe.operation == "createRecipient")


@pytest.mark.parametrize(
    ("fixture", "words"),
    [
        ("api_key", ["fixture='api_key'", "valid credential"]),
        ("limited_key", ["fixture='limited_key'", "known"]),
        (3, ["fixture=3"]),
        ("", ["fixture=''"]),
    ],
)
def test_fixture_credentials_reject_bad_fixture(cardda, fixture, words):
    with pytest.raises(ValueError, match=re.escape(words[0])) as info:
        fixture_credentials(cardda, OPS, fixture=fixture)
    assert all(w in str(info.value) for w in words), str(info.value)


ITEM_OPS = ["getRecipient", "deleteRecipient", "getTransaction"]


@SETTINGS
@given(data=st.data())
def test_foreign_credentials_pair_a_real_resource_with_one_nowhere(
    cardda, oracle, data
):
    """Another account's key on this account's resource, then on an id that exists
    nowhere: the same key both times, only the path id differs."""
    theirs, nowhere = data.draw(
        FAMILIES["foreign_credentials"](cardda, ITEM_OPS, fixture="limited_api_key")
    )
    oracle.check_common(cardda, (theirs,))
    key = Credential.of("limited_api_key", "Bearer {token}")
    assert theirs.credential == key
    assert nowhere.credential == key
    assert oracle.differences(cardda, theirs) == {"credential"}
    assert theirs.operation == nowhere.operation
    assert theirs.path != nowhere.path
    assert theirs.path.rsplit("/", 1)[0] == nowhere.path.rsplit("/", 1)[0]
    assert theirs.writes == (theirs.operation == "deleteRecipient")
    assert not nowhere.writes


def test_foreign_credentials_leave_out_writes_in_read_only_runs(cardda):
    @settings(max_examples=30, deadline=None, database=None)
    @given(
        FAMILIES["foreign_credentials"](
            cardda, ITEM_OPS, fixture="limited_api_key", allow_writes=False
        )
    )
    def check(scenario):
        assert all(p.operation != "deleteRecipient" for p in scenario)

    check()


def test_foreign_credentials_need_an_id_in_the_path(cardda):
    with pytest.raises(ValueError, match="name no resource in their path"):
        FAMILIES["foreign_credentials"](
            cardda, ["listCompanies"], fixture="limited_api_key"
        )
