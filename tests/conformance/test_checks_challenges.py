"""Header values (issue 20, item 3): ``WWW-Authenticate`` parsed as RFC 9110 section
11.6.1 writes it and judged as RFC 6750 section 3.1 reads a Bearer challenge
(``www_authenticate``, PD-AUTH-6 derived for the Projects API), and any header's
value matched by a pattern (``header_value``).

Clauses are made here on the Cardda profile (its credential goes in
``Authorization``), with the parameters a profile gives them.
"""

from __future__ import annotations

from typing import Any

import pytest

from errcontract._contract.clauses import Clause
from errcontract._contract.profile import load_profile
from errcontract._http.exchange import SentRequest
from errcontract._http.probe import Credential, Probe
from errcontract.checks import REGISTRY, CheckContext, Inapplicable
from errcontract.checks.challenges import (
    Challenge,
    MalformedChallenge,
    parse_challenges,
)
from errcontract.results import Violation

PROBLEM = {"title": "Authentication required", "status": 401}
NO_CREDENTIAL = Probe(operation="listCompanies", method="GET", path="/v1/companies")
REFUSED = Probe(
    operation="listCompanies",
    method="GET",
    path="/v1/companies",
    credential=Credential(literal="not-a-key"),
)


# -- the parser: RFC 9110 section 11.6.1 / 11.2 ----------------------------------------
@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ('Bearer realm="example"', [Challenge("Bearer", (("realm", "example"),))]),
        # RFC 9110 section 11.6.1's own example: two challenges, escapes, a token.
        (
            'Basic realm="simple", Newauth realm="apps", type=1, '
            'title="Login to \\"apps\\""',
            [
                Challenge("Basic", (("realm", "simple"),)),
                Challenge(
                    "Newauth",
                    (("realm", "apps"), ("type", "1"), ("title", 'Login to "apps"')),
                ),
            ],
        ),
        # RFC 6750 section 3's examples.
        (
            'Bearer realm="example", error="invalid_token", '
            'error_description="The access token expired"',
            [
                Challenge(
                    "Bearer",
                    (
                        ("realm", "example"),
                        ("error", "invalid_token"),
                        ("error_description", "The access token expired"),
                    ),
                )
            ],
        ),
        # A comma inside a quoted string is no separator.
        (
            'Bearer scope="a, b", realm=x',
            [Challenge("Bearer", (("scope", "a, b"), ("realm", "x")))],
        ),
        # token68 (RFC 4559's Negotiate), padding included.
        (
            "Negotiate YIIBhwYGKwYBBQUCoIIBezCCAXeg==",
            [Challenge("Negotiate", token68="YIIBhwYGKwYBBQUCoIIBezCCAXeg==")],
        ),
        (
            "Negotiate abc, Bearer",
            [Challenge("Negotiate", token68="abc"), Challenge("Bearer")],
        ),
        # A bare word after the scheme is a token68, "=" padding included.
        ("Bearer realm", [Challenge("Bearer", token68="realm")]),
        ("Bearer realm=", [Challenge("Bearer", token68="realm=")]),
        # Schemes alone, empty list elements (section 5.6.1), spaces around "=".
        (" , Basic,, bearer ,", [Challenge("Basic"), Challenge("bearer")]),
        (
            'Bearer realm = x ,, scope="r w"',
            [Challenge("Bearer", (("realm", "x"), ("scope", "r w")))],
        ),
        # Parameter names in any case (lower-cased here); values kept as sent.
        ("BEARER REALM=Projects", [Challenge("BEARER", (("realm", "Projects"),))]),
        # Two field lines, combined with ", " (section 5.3).
        (
            'DPoP algs="ES256", Bearer realm="p"',
            [
                Challenge("DPoP", (("algs", "ES256"),)),
                Challenge("Bearer", (("realm", "p"),)),
            ],
        ),
    ],
)
def test_challenges_are_parsed_as_rfc_9110_writes_them(
    value: str, parsed: list[Challenge]
) -> None:
    assert parse_challenges(value) == parsed


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("", "no challenge"),
        (" , ", "no challenge"),
        ('Bearer realm="open', "unterminated"),
        ('Bearer realm="a" error="b"', "expected ','"),
        ("Bearer realm==x", "expected a value"),
        ("Bearer realm x=1", "expected '='"),
        ('Bearer realm="a", realm="b"', "given twice"),
        ("Bearer\trealm=a", "expected a space"),
        ('"Bearer"', "expected an auth-scheme"),
        ("Bearer realm=a/b", "expected ','"),
        ("Basic ==", "token68"),
        ('Bearer realm="a\x01"', "control character"),
    ],
)
def test_a_value_outside_the_grammar_is_malformed(value: str, says: str) -> None:
    with pytest.raises(MalformedChallenge, match=says):
        parse_challenges(value)


def test_a_challenge_answers_by_name_in_any_case() -> None:
    (challenge,) = parse_challenges("bearer Realm=x")
    assert challenge.names("Bearer")
    assert challenge.param("REALM") == "x"
    assert challenge.param("error") is None


# -- www_authenticate --------------------------------------------------------------
def _clause(check: str, params: dict[str, Any]) -> CheckContext:
    clause = Clause.read(
        {
            "id": "LT-HDR-1",
            "text": "a header's value",
            "kind": "documented",
            "family": "headers",
            "check": check,
            "with": params,
        }
    )
    return CheckContext(clause=clause, profile=load_profile("cardda"))


def _challenged(make_exchange, lines, probe=NO_CREDENTIAL, **params):
    params = {"scheme": "Bearer", **params}
    headers = [("Content-Type", "application/problem+json")]
    headers += [("WWW-Authenticate", line) for line in lines]
    exchange = make_exchange(401, PROBLEM, headers, probe)
    return REGISTRY.get("www_authenticate").fn(
        _clause("www_authenticate", params), exchange
    )


@pytest.mark.parametrize(
    "lines",
    [
        ['Bearer realm="projects"'],
        ["Bearer"],
        ["bearer REALM=projects"],
        ['Bearer realm="projects", scope="read write"'],
        ['DPoP algs="ES256"', 'Bearer realm="projects"'],
        ['Basic realm="x", Bearer realm="y"'],
    ],
)
def test_any_bearer_challenge_rfc_9110_allows_passes(make_exchange, lines) -> None:
    assert _challenged(make_exchange, lines) is None
    assert _challenged(make_exchange, lines, REFUSED) is None


@pytest.mark.parametrize(
    "error", ["invalid_token", "invalid_request", "insufficient_scope"]
)
def test_a_refused_credential_may_get_a_registered_error(make_exchange, error) -> None:
    line = f'Bearer realm="p", error="{error}", error_description="no, not this"'
    assert _challenged(make_exchange, [line], REFUSED) is None


def test_a_request_without_a_credential_gets_no_error_information(
    make_exchange,
) -> None:
    for extra in ('error="invalid_token"', 'error_description="x"', "error_uri=u"):
        with pytest.raises(Violation) as info:
            _challenged(make_exchange, [f'Bearer realm="p", {extra}'])
        assert "RFC 6750 section 3.1" in info.value.expected
        assert "no credential header" in info.value.actual


def test_a_credential_sent_as_the_request_shows_it_counts(make_exchange) -> None:
    """A request the suite did not build (the Schemathesis hooks): the credential
    header as sent says a credential was there."""
    exchange = make_exchange(
        401,
        PROBLEM,
        [("WWW-Authenticate", 'Bearer error="invalid_token"')],
        NO_CREDENTIAL,
    )
    sent = SentRequest("GET", exchange.request.url, (("Authorization", "x"),), None)
    object.__setattr__(exchange, "request", sent)
    ctx = _clause("www_authenticate", {"scheme": "Bearer"})
    assert REGISTRY.get("www_authenticate").fn(ctx, exchange) is None


def test_an_unregistered_error_code_fails(make_exchange) -> None:
    with pytest.raises(Violation) as info:
        _challenged(make_exchange, ['Bearer error="unauthorized"'], REFUSED)
    assert "invalid_token" in info.value.expected


@pytest.mark.parametrize(
    ("lines", "actual"),
    [
        (['Basic realm="projects"'], "(schemes 'Basic')"),
        (["Bearerx realm=p"], "(schemes 'Bearerx')"),
        (['Bearer realm="projects'], "unterminated quoted string"),
    ],
)
def test_no_bearer_challenge_or_a_malformed_one_fails(make_exchange, lines, actual):
    with pytest.raises(Violation) as info:
        _challenged(make_exchange, lines, REFUSED)
    assert actual in info.value.actual
    assert repr(lines[0]) in info.value.actual


def test_a_missing_header_fails_unless_absent_ok(make_exchange) -> None:
    with pytest.raises(Violation) as info:
        _challenged(make_exchange, [])
    assert info.value.actual == "401 without it"
    assert isinstance(_challenged(make_exchange, [], absent_ok=True), Inapplicable)


def test_realm_required(make_exchange) -> None:
    assert _challenged(make_exchange, ["Bearer realm=p"], realm_required=True) is None
    with pytest.raises(Violation, match="without realm"):
        _challenged(make_exchange, ['Bearer scope="a"'], realm_required=True)


def test_error_rules_are_bearer_s_only(make_exchange) -> None:
    line = 'Basic realm="x", error="whatever"'
    assert _challenged(make_exchange, [line], scheme="basic") is None


# -- header_value -------------------------------------------------------------------
def _valued(make_exchange, lines, **params):
    headers = [("Allow", line) for line in lines]
    exchange = make_exchange(405, PROBLEM, headers)
    return REGISTRY.get("header_value").fn(
        _clause("header_value", {"header": "allow", **params}), exchange
    )


def test_a_value_matching_the_pattern_whole_passes(make_exchange) -> None:
    assert _valued(make_exchange, ["GET, POST"], pattern="GET, POST") is None
    # Field lines combined with ", " (RFC 9110 section 5.3).
    assert _valued(make_exchange, ["GET", "POST"], pattern="GET, POST") is None
    assert _valued(make_exchange, ["get, post"], pattern="(?i)GET, POST") is None


@pytest.mark.parametrize(
    ("lines", "pattern"),
    [(["GET, POST"], "GET"), (["get, post"], "GET, POST"), (["GET"], "GET, POST")],
)
def test_a_value_the_pattern_does_not_match_whole_fails(make_exchange, lines, pattern):
    with pytest.raises(Violation) as info:
        _valued(make_exchange, lines, pattern=pattern)
    assert info.value.actual == f"405 with allow {', '.join(lines)!r}"


def test_a_missing_header_fails_unless_absent_ok_says_not_judged(make_exchange):
    with pytest.raises(Violation, match="lacks allow"):
        _valued(make_exchange, [], pattern="GET")
    found = _valued(make_exchange, [], pattern="GET", absent_ok=True)
    assert isinstance(found, Inapplicable)


def test_a_very_long_value_is_not_matched(make_exchange) -> None:
    """re has no time limit: a hostile target's long value is not judged."""
    found = _valued(make_exchange, ["a" * 5000], pattern="(a+)+b")
    assert isinstance(found, Inapplicable)
    assert "4,096" in found.reason
