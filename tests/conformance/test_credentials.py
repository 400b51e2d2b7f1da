"""A probe's credential is rendered in one place: on the wire, and in a curl line."""

from __future__ import annotations

import base64

from errcontract._http.credentials import CredentialRenderer, Placement
from errcontract._http.probe import Credential
from errcontract._http.redact import curl_line

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


def test_a_fixture_the_run_was_not_given_is_not_sent():
    """A derived profile's optional key (a document that secures nothing), not
    given: no credential goes out, and nothing stands in for it; a required fixture
    is refused before the run starts (``_config/resolve``), never reaching here."""
    assert renderer().wire(Credential.of("unverified_api_key")) == []
    assert renderer().wire(Credential.of("api_key")) == [
        ("Authorization", f"Bearer {SECRET}")
    ]


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


def test_basic_sends_the_key_base64_encoded_and_curl_encodes_the_variable():
    credential = Credential.of("api_key", template="Basic {token_base64}")
    encoded = base64.b64encode(SECRET.encode()).decode()
    assert renderer().wire(credential) == [("Authorization", f"Basic {encoded}")]
    assert renderer().shown(credential) == (
        [],
        {"Authorization": "Basic $(printf %s $CONFORMANCE_API_KEY | base64 -w0)"},
    )


def test_a_query_placement_sends_no_header_and_names_the_variable_in_the_url():
    query = CredentialRenderer(Placement(query="key"), {"api_key": SECRET})
    credential = Credential.of("api_key", template="{token}")
    assert query.wire(credential) == []
    assert query.query(credential) == [("key", SECRET)]
    assert query.shown(credential) == ([], {})
    assert query.shown_query(credential) == ("key", "$CONFORMANCE_API_KEY")
    assert query.query(Credential.none()) == []
    junk = Credential(template="{token}", literal="a b&c")
    assert query.shown_query(junk) == ("key", "a%20b%26c")


def test_a_curl_line_with_the_key_in_the_query_expands_only_the_variable():
    line = curl_line(
        "GET",
        "https://api.example.test/v1/$x?a=1",
        [],
        None,
        query_from_env="key=$CONFORMANCE_API_KEY",
    )
    assert line == (
        'curl -i -X GET "https://api.example.test/v1/\\$x?a=1&key=$CONFORMANCE_API_KEY"'
    )
    assert SECRET not in line
