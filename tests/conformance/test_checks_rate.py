"""CD-RATE-1 (a burst gets a usable 429) and CD-RATE-2 (waiting Retry-After helps),
judged over hand-made bursts."""

from __future__ import annotations

import pytest

from errcontract.checks.rate import Burst
from errcontract.results import Violation

LIMITED_BODY = {
    "error": "rate_limit_exceeded",
    "message": "Too many requests. Please retry after 1 second.",
    "retry_after": 1,
}


def _ok(make_exchange):
    return make_exchange(200, {"data": [], "total": 0})


def _burst(make_exchange, limited=None, recovery=None, sent=12):
    exchanges = tuple(_ok(make_exchange) for _ in range(sent))
    if limited is not None:
        exchanges = (*exchanges, limited)
    return Burst(
        exchanges=exchanges,
        limit_per_s=10,
        duration_s=0.8,
        limited=limited,
        recovery=recovery,
        waited_s=1.0,
    )


def _limited(make_exchange, retry_after="1", body=LIMITED_BODY, status=429):
    headers = [("Content-Type", "application/json")]
    if retry_after is not None:
        headers.append(("Retry-After", retry_after))
    return make_exchange(status, body, headers)


# -- CD-RATE-1 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("retry_after", "body"),
    [
        ("1", LIMITED_BODY),
        (" 1 ", LIMITED_BODY),
        ("30", {**LIMITED_BODY, "retry_after": 30}),
        ("2", {"error": "rate_limit_exceeded"}),
        ("1", {**LIMITED_BODY, "retry_after": 1.0}),
    ],
    ids=["documented", "padded", "thirty", "no-body-field", "integral-float"],
)
def test_a_usable_429_passes(judge, make_exchange, retry_after, body):
    burst = _burst(make_exchange, _limited(make_exchange, retry_after, body))
    assert judge("cardda", "CD-RATE-1", burst) is None


def test_a_burst_without_a_429_fails_showing_the_last_request(judge, make_exchange):
    burst = _burst(make_exchange, sent=40)
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-RATE-1", burst)
    assert info.value.clause == "CD-RATE-1"
    assert info.value.exchanges == burst.exchanges[-1:]
    assert "40 requests" in info.value.actual
    assert "above 10/s" in info.value.expected


def test_a_limited_exchange_without_a_response_fails(judge, make_exchange):
    lost = make_exchange(None, failure="connection reset")
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-RATE-1", _burst(make_exchange, lost))
    assert info.value.title == "no 429 for a burst above the rate limit"


@pytest.mark.parametrize(
    ("retry_after", "shown"),
    [
        (None, "no header"),
        ("", "''"),
        ("0", "'0'"),
        ("-1", "'-1'"),
        ("+1", "'+1'"),
        ("1.5", "'1.5'"),
        ("1s", "'1s'"),
        ("Wed, 21 Oct 2015 07:28:00 GMT", "'Wed, 21 Oct 2015 07:28:00 GMT'"),
    ],
    ids=[
        "missing",
        "empty",
        "zero",
        "negative",
        "plus-sign",
        "fraction",
        "unit",
        "date",
    ],
)
def test_a_429_without_a_positive_integer_retry_after_fails(
    judge, make_exchange, retry_after, shown
):
    burst = _burst(make_exchange, _limited(make_exchange, retry_after))
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-RATE-1", burst)
    assert info.value.title == "429 without a usable Retry-After"
    assert info.value.actual == shown
    assert info.value.exchanges == (burst.limited,)


@pytest.mark.parametrize("retry_after", ["\u00b2", "\u00b9", "\u00b3"])
def test_a_superscript_digit_retry_after_is_a_violation_not_a_crash(
    judge, make_exchange, retry_after
):
    """Header bytes are decoded as latin-1, where 0xB2 is '²': a digit to
    ``str.isdigit`` but not to ``int`` nor to RFC 9110's ``delay-seconds``."""
    burst = _burst(make_exchange, _limited(make_exchange, retry_after))
    with pytest.raises(Violation):
        judge("cardda", "CD-RATE-1", burst)


@pytest.mark.parametrize(
    "body",
    [
        {"error": "too_many_requests", "retry_after": 1},
        {"error": "Too Many Requests"},
        {"message": "slow down", "retry_after": 1},
        ["rate_limit_exceeded"],
        b"Too Many Requests",
    ],
    ids=["other-code", "reason-phrase", "no-code", "array", "not-json"],
)
def test_a_429_without_the_documented_code_fails(judge, make_exchange, body):
    burst = _burst(make_exchange, _limited(make_exchange, "1", body))
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-RATE-1", burst)
    assert info.value.title == "429 without the documented code"
    assert info.value.expected == "error 'rate_limit_exceeded'"


@pytest.mark.parametrize(
    "retry_after_body",
    [2, 0, "1", None],
    ids=["other-number", "zero", "string", "null"],
)
def test_a_body_retry_after_differing_from_the_header_fails(
    judge, make_exchange, retry_after_body
):
    body = {**LIMITED_BODY, "retry_after": retry_after_body}
    burst = _burst(make_exchange, _limited(make_exchange, "1", body))
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-RATE-1", burst)
    assert info.value.title == "body retry_after differs from Retry-After"
    assert info.value.expected == "retry_after = 1"


def test_a_boolean_body_retry_after_is_not_the_number_of_seconds(judge, make_exchange):
    """JSON ``true`` is not the number 1, though Python compares them equal."""
    body = {**LIMITED_BODY, "retry_after": True}
    burst = _burst(make_exchange, _limited(make_exchange, "1", body))
    with pytest.raises(Violation):
        judge("cardda", "CD-RATE-1", burst)


# -- CD-RATE-2 -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 201, 204])
def test_a_success_after_waiting_passes(judge, make_exchange, status):
    recovery = make_exchange(status, {"data": []})
    burst = _burst(make_exchange, _limited(make_exchange), recovery)
    assert judge("cardda", "CD-RATE-2", burst) is None


@pytest.mark.parametrize("status", [429, 401, 500, 302])
def test_a_refusal_after_waiting_fails(judge, make_exchange, status):
    recovery = make_exchange(status, LIMITED_BODY)
    burst = _burst(make_exchange, _limited(make_exchange), recovery)
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-RATE-2", burst)
    assert info.value.clause == "CD-RATE-2"
    assert info.value.actual == f"{status} after waiting 1.00 s"
    assert info.value.exchanges == (recovery,)


def test_no_answer_after_waiting_fails(judge, make_exchange):
    recovery = make_exchange(None, failure="no answer within 10 s")
    burst = _burst(make_exchange, _limited(make_exchange), recovery)
    with pytest.raises(Violation) as info:
        judge("cardda", "CD-RATE-2", burst)
    assert info.value.actual == "no response (no answer within 10 s)"


@pytest.mark.parametrize("limited", [True, False], ids=["limited", "never-limited"])
def test_recovery_is_not_judged_when_no_retry_was_made(judge, make_exchange, limited):
    burst = _burst(make_exchange, _limited(make_exchange) if limited else None)
    assert judge("cardda", "CD-RATE-2", burst) is None


@pytest.mark.parametrize(
    ("seconds", "holds"), [(60, True), (61, False), (86400, False)]
)
def test_retry_after_is_capped_at_a_minute_for_a_per_second_limit(
    judge, make_exchange, seconds, holds
):
    body = {**LIMITED_BODY, "retry_after": seconds}
    burst = _burst(make_exchange, _limited(make_exchange, str(seconds), body))
    if holds:
        assert judge("cardda", "CD-RATE-1", burst) is None
    else:
        with pytest.raises(Violation) as info:
            judge("cardda", "CD-RATE-1", burst)
        assert str(seconds) in info.value.actual
