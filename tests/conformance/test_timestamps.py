"""CC-TS-1 (RFC 3339 with a zone) and CC-TS-2 (within the clock skew of arrival),
as properties over every way RFC 3339 lets one write an instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errcontract.checks.timestamps import parse_rfc3339
from errcontract.results import Violation

ARRIVED = datetime(2024, 1, 15, 10, 30, 0, tzinfo=UTC)
MAX_OFFSET_MIN = 23 * 60 + 59
MICRO = 10**6

PROPERTY = settings(max_examples=200, deadline=None)


def _zone(offset_min: int) -> str:
    sign = "-" if offset_min < 0 else "+"
    hours, minutes = divmod(abs(offset_min), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


@st.composite
def rfc3339_texts(draw, instant: datetime) -> tuple[str, datetime]:
    """``instant`` written in RFC 3339 (any zone, fraction, letter case), with the
    instant the text names (the fraction cut to the digits written)."""
    zone = draw(
        st.one_of(
            st.sampled_from(["Z", "z"]),
            st.integers(-MAX_OFFSET_MIN, MAX_OFFSET_MIN).map(_zone),
            st.sampled_from(["+00:00", "-00:00"]),
        )
    )
    offset = (
        0
        if zone in ("Z", "z")
        else int(zone[0] + "1") * (int(zone[1:3]) * 60 + int(zone[4:6]))
    )
    local = instant.astimezone(timezone(timedelta(minutes=offset)))
    digits = draw(st.integers(0, 6))
    separator = draw(st.sampled_from(["T", "t"]))
    micro = int(f"{local.microsecond:06d}"[:digits].ljust(6, "0")) if digits else 0
    frac = "." + f"{local.microsecond:06d}"[:digits] if digits else ""
    text = local.strftime("%Y-%m-%d") + separator + local.strftime("%H:%M:%S")
    return text + frac + zone, local.replace(microsecond=micro)


skews = st.sampled_from([2, 30, 300, 3600])


def _error(make_exchange, timestamp, received_at=ARRIVED):
    body = {
        "error": "Bad Request",
        "message": "Card ID is required",
        "statusCode": 400,
        "timestamp": timestamp,
    }
    return make_exchange(400, body, received_at=received_at)


# -- properties ---------------------------------------------------------------------


@PROPERTY
@given(data=st.data(), skew=skews)
def test_any_rfc3339_text_within_the_skew_passes_both_clauses(
    judge, make_exchange, data, skew
):
    delta_us = data.draw(st.integers(-(skew - 1) * MICRO, (skew - 1) * MICRO))
    text, _ = data.draw(rfc3339_texts(ARRIVED + timedelta(microseconds=delta_us)))
    exchange = _error(make_exchange, text)
    assert judge("cardclan", "CC-TS-1", exchange) is None
    assert judge("cardclan", "CC-TS-2", exchange, clock_skew_s=skew) is None


@PROPERTY
@given(data=st.data())
def test_parsing_names_the_instant_written(data):
    instant = data.draw(
        st.datetimes(
            min_value=datetime(1970, 1, 2), max_value=datetime(2999, 12, 30)
        ).map(lambda d: d.replace(tzinfo=UTC))
    )
    text, named = data.draw(rfc3339_texts(instant))
    assert parse_rfc3339(text) == named


@PROPERTY
@given(
    data=st.data(),
    skew=skews,
    direction=st.sampled_from([-1, 1]),
)
def test_any_text_beyond_the_skew_fails_the_skew_clause(
    judge, make_exchange, data, skew, direction
):
    beyond_us = data.draw(st.integers((skew + 1) * MICRO, 10 * 86400 * MICRO))
    instant = ARRIVED + timedelta(microseconds=direction * beyond_us)
    text, _ = data.draw(rfc3339_texts(instant))
    exchange = _error(make_exchange, text)
    assert judge("cardclan", "CC-TS-1", exchange) is None
    with pytest.raises(Violation) as info:
        judge("cardclan", "CC-TS-2", exchange, clock_skew_s=skew)
    assert info.value.clause == "CC-TS-2"
    sign = "+" if direction > 0 else "-"
    assert f"({sign}" in info.value.actual


@PROPERTY
@given(data=st.data())
def test_any_text_without_a_zone_fails_the_format_clause(judge, make_exchange, data):
    delta_us = data.draw(st.integers(-299 * MICRO, 299 * MICRO))
    text, _ = data.draw(rfc3339_texts(ARRIVED + timedelta(microseconds=delta_us)))
    zoneless = text[:-1] if text[-1] in "Zz" else text[:-6]
    exchange = _error(make_exchange, zoneless)
    with pytest.raises(Violation) as info:
        judge("cardclan", "CC-TS-1", exchange)
    assert info.value.actual == repr(zoneless)
    # The skew clause leaves what it cannot read to the format clause.
    assert judge("cardclan", "CC-TS-2", exchange) is None


# -- fixed examples -----------------------------------------------------------------


def test_the_documented_example_passes_both_clauses(judge, make_exchange):
    exchange = _error(make_exchange, "2024-01-15T10:30:00.000Z")
    assert judge("cardclan", "CC-TS-1", exchange) is None
    assert judge("cardclan", "CC-TS-2", exchange) is None


def test_the_skew_is_measured_from_when_the_response_arrived(judge, make_exchange):
    later = ARRIVED + timedelta(hours=2)
    exchange = _error(make_exchange, "2024-01-15T10:30:00.000Z", received_at=later)
    with pytest.raises(Violation) as info:
        judge("cardclan", "CC-TS-2", exchange)
    assert "(-7200 s)" in info.value.actual


def test_the_default_skew_is_300_seconds(judge, make_exchange):
    inside = _error(make_exchange, "2024-01-15T10:34:59Z")
    assert judge("cardclan", "CC-TS-2", inside) is None
    outside = _error(make_exchange, "2024-01-15T10:35:01Z")
    with pytest.raises(Violation):
        judge("cardclan", "CC-TS-2", outside)


@pytest.mark.parametrize(
    "value",
    [
        "1705314600",
        "1705314600000",
        "15/01/2024 10:30",
        "Mon, 15 Jan 2024 10:30:00 GMT",
        # RFC 3339's note allows a space for readability; CC-TS-1 spells out the
        # `T` form (date, `T`, time), so the space form is reported.
        "2024-01-15 10:30:00Z",
        "2024-01-15T10:30:00.000",
        "2024-01-15T10:30:00",
        "2024-13-01T00:00:00Z",
        "2024-02-30T00:00:00Z",
        "2024-01-15T25:00:00Z",
        "2024-01-15T10:60:00Z",
        "2024-01-15T10:30Z",
        "2024-01-15T10:30:00.Z",
        "2024-01-15T10:30:00,5Z",
        "2024-01-15T10:30:00+0100",
        "2024-01-15T10:30:00+01",
        "2024-01-15T10:30:00+24:00",
        "2024-01-15T10:30:00 Z",
        "20240115T103000Z",
        "",
    ],
)
def test_other_date_forms_fail_the_format_clause(judge, make_exchange, value):
    with pytest.raises(Violation) as info:
        judge("cardclan", "CC-TS-1", _error(make_exchange, value))
    assert info.value.clause == "CC-TS-1"


@pytest.mark.parametrize(
    "value",
    ["2024-01-15T10:30:00Z\n", "\n2024-01-15T10:30:00Z", " 2024-01-15T10:30:00Z"],
)
def test_surrounding_white_space_fails_the_format_clause(judge, make_exchange, value):
    """An RFC 3339 date-time is the whole string: nothing before or after it."""
    with pytest.raises(Violation):
        judge("cardclan", "CC-TS-1", _error(make_exchange, value))


@pytest.mark.parametrize("value", [1705314600, None, {"at": "now"}])
def test_a_timestamp_that_is_not_a_string_is_left_to_the_shape_clause(
    judge, make_exchange, value
):
    exchange = _error(make_exchange, value)
    assert judge("cardclan", "CC-TS-1", exchange) is None
    assert judge("cardclan", "CC-TS-2", exchange) is None
