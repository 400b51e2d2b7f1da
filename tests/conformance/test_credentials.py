"""A probe's credential is rendered in one place: on the wire, and in a curl line."""

from __future__ import annotations

import pytest

from conformance.credentials import CredentialRenderer, Placement
from conformance.probe import Credential

SECRET = "sk_live_7Qv2pX9mR4tK8wZ1"


def renderer(header: str = "Authorization", **env: str) -> CredentialRenderer:
    return CredentialRenderer(Placement(header=header), {"api_key": SECRET}, env)


def test_a_fixture_is_resolved_into_the_template_on_the_wire():
    assert renderer().wire(Credential.of("api_key")) == [
        ("Authorization", f"Bearer {SECRET}")
    ]


def test_the_placement_names_the_header():
    credential = Credential.of("api_key", template="{token}")

    assert renderer("X-Api-Key").wire(credential) == [("X-Api-Key", SECRET)]


def test_no_credential_renders_nothing():
    assert renderer().wire(Credential.none()) == []
    assert renderer().shown(Credential.none()) == ([], {})


def test_an_unknown_fixture_is_a_key_error_naming_it():
    with pytest.raises(KeyError, match="unverified_api_key"):
        renderer().wire(Credential.of("unverified_api_key"))


def test_a_literal_is_sent_trimmed_and_shown_as_sent():
    credential = Credential(template=" Basic {token} ", literal="Zm9v")

    assert renderer().wire(credential) == [("Authorization", "Basic Zm9v")]
    assert renderer().shown(credential) == ([("Authorization", "Basic Zm9v")], {})


def test_a_fixture_is_shown_as_its_environment_variable_never_its_value():
    shown, from_env = renderer().shown(Credential.of("api_key"))

    assert shown == []
    assert from_env == {"Authorization": "Bearer $CONFORMANCE_API_KEY"}


def test_a_given_environment_name_is_used_in_the_curl_form():
    _, from_env = renderer(api_key="STAGING_KEY").shown(Credential.of("api_key"))

    assert from_env == {"Authorization": "Bearer $STAGING_KEY"}
