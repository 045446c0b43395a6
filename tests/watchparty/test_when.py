import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.watchparty.when import EXAMPLES, WhenError, parse_when

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
SYDNEY = ZoneInfo("Australia/Sydney")
UTC_ZONE = ZoneInfo("UTC")

# Wednesday 10 June 2026, seen from each zone.
NOW_SEOUL = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)  # 21:00 KST
NOW_NY = datetime(2026, 6, 10, 14, 0, tzinfo=UTC)  # 10:00 EDT
NOW_BERLIN = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)  # 12:00 CEST
NOW_SYDNEY = datetime(2026, 6, 10, 0, 0, tzinfo=UTC)  # 10:00 AEST (southern winter)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "zone", "now", "wall", "instant"),
    [
        ("2026-12-05 20:00", SEOUL, NOW_SEOUL, datetime(2026, 12, 5, 20, 0), utc(2026, 12, 5, 11, 0)),
        ("2026-12-05T20:00", SEOUL, NOW_SEOUL, datetime(2026, 12, 5, 20, 0), utc(2026, 12, 5, 11, 0)),
        ("Dec 5 8pm", SEOUL, NOW_SEOUL, datetime(2026, 12, 5, 20, 0), utc(2026, 12, 5, 11, 0)),
        ("5 Dec 20:00", SEOUL, NOW_SEOUL, datetime(2026, 12, 5, 20, 0), utc(2026, 12, 5, 11, 0)),
        ("saturday 20:00", SEOUL, NOW_SEOUL, datetime(2026, 6, 13, 20, 0), utc(2026, 6, 13, 11, 0)),
        ("sat 8pm", SEOUL, NOW_SEOUL, datetime(2026, 6, 13, 20, 0), utc(2026, 6, 13, 11, 0)),
        ("tomorrow 7:30pm", SEOUL, NOW_SEOUL, datetime(2026, 6, 11, 19, 30), utc(2026, 6, 11, 10, 30)),
        ("tonight 11pm", SEOUL, NOW_SEOUL, datetime(2026, 6, 10, 23, 0), utc(2026, 6, 10, 14, 0)),
        ("in 3 hours", SEOUL, NOW_SEOUL, datetime(2026, 6, 11, 0, 0), utc(2026, 6, 10, 15, 0)),
        ("in 90 minutes", SEOUL, NOW_SEOUL, datetime(2026, 6, 10, 22, 30), utc(2026, 6, 10, 13, 30)),
        ("20:00", SEOUL, NOW_SEOUL, datetime(2026, 6, 11, 20, 0), utc(2026, 6, 11, 11, 0)),  # passed today
        ("8pm", SEOUL, NOW_SEOUL, datetime(2026, 6, 11, 20, 0), utc(2026, 6, 11, 11, 0)),
        ("21:30", SEOUL, NOW_SEOUL, datetime(2026, 6, 10, 21, 30), utc(2026, 6, 10, 12, 30)),
        (
            "wed 20:00",
            SEOUL,
            NOW_SEOUL,
            datetime(2026, 6, 17, 20, 0),
            utc(2026, 6, 17, 11, 0),
        ),  # passed today
        ("8pm kst", NEW_YORK, NOW_NY, datetime(2026, 6, 11, 20, 0), utc(2026, 6, 11, 11, 0)),  # 23:00 KST now
        ("20:00", NEW_YORK, NOW_NY, datetime(2026, 6, 10, 20, 0), utc(2026, 6, 11, 0, 0)),
        ("8pm", NEW_YORK, NOW_NY, datetime(2026, 6, 10, 20, 0), utc(2026, 6, 11, 0, 0)),
        ("tonight 9pm", NEW_YORK, NOW_NY, datetime(2026, 6, 10, 21, 0), utc(2026, 6, 11, 1, 0)),
        ("sat 8pm", NEW_YORK, NOW_NY, datetime(2026, 6, 13, 20, 0), utc(2026, 6, 14, 0, 0)),
        ("Dec 5 8pm", NEW_YORK, NOW_NY, datetime(2026, 12, 5, 20, 0), utc(2026, 12, 6, 1, 0)),  # EST by then
        ("december 5th at 8pm", NEW_YORK, NOW_NY, datetime(2026, 12, 5, 20, 0), utc(2026, 12, 6, 1, 0)),
        ("tomorrow 7:30pm", BERLIN, NOW_BERLIN, datetime(2026, 6, 11, 19, 30), utc(2026, 6, 11, 17, 30)),
        ("5 Dec 20:00", BERLIN, NOW_BERLIN, datetime(2026, 12, 5, 20, 0), utc(2026, 12, 5, 19, 0)),
        ("this evening 7", BERLIN, NOW_BERLIN, datetime(2026, 6, 10, 19, 0), utc(2026, 6, 10, 17, 0)),
        (
            "2026-12-05 20:00",
            SYDNEY,
            NOW_SYDNEY,
            datetime(2026, 12, 5, 20, 0),
            utc(2026, 12, 5, 9, 0),
        ),  # AEDT
        ("saturday 20:00", SYDNEY, NOW_SYDNEY, datetime(2026, 6, 13, 20, 0), utc(2026, 6, 13, 10, 0)),  # AEST
        ("in 3 hours", UTC_ZONE, NOW_SEOUL, datetime(2026, 6, 10, 15, 0), utc(2026, 6, 10, 15, 0)),
        ("08:00", UTC_ZONE, NOW_SEOUL, datetime(2026, 6, 11, 8, 0), utc(2026, 6, 11, 8, 0)),
        ("noon", UTC_ZONE, NOW_SEOUL, datetime(2026, 6, 11, 12, 0), utc(2026, 6, 11, 12, 0)),
    ],
)
def test_parse_when_reads_common_forms(
    text: str, zone: ZoneInfo, now: datetime, wall: datetime, instant: datetime
) -> None:
    result = parse_when(text, zone, now)
    assert result.needs_confirmation is None
    assert result.local.replace(tzinfo=None) == wall
    assert result.utc == instant
    assert result.utc.tzinfo is UTC
    assert result.local.tzinfo is result.zone
    assert result.options == [instant]


@pytest.mark.parametrize("text", ["8", "at 8"])
def test_bare_hour_offers_morning_and_evening(text: str) -> None:
    result = parse_when(text, SEOUL, NOW_SEOUL)  # 21:00 KST: both readings are tomorrow
    assert result.needs_confirmation is not None and "morning or evening" in result.needs_confirmation
    assert [o.astimezone(SEOUL).replace(tzinfo=None) for o in result.options] == [
        datetime(2026, 6, 11, 8, 0),
        datetime(2026, 6, 11, 20, 0),
    ]


def test_bare_hour_with_minutes_and_a_date_is_also_ambiguous() -> None:
    result = parse_when("tomorrow at 8:30", BERLIN, NOW_BERLIN)
    assert [o.astimezone(BERLIN).hour for o in result.options] == [8, 20]
    assert result.needs_confirmation is not None


@pytest.mark.parametrize(
    ("text", "hour"), [("tonight 8", 20), ("08:00", 8), ("8am", 8), ("tomorrow morning 8", 8)]
)
def test_context_settles_the_hour(text: str, hour: int) -> None:
    result = parse_when(text, NEW_YORK, NOW_NY)
    assert result.needs_confirmation is None
    assert result.local.hour == hour


def test_ambiguous_hour_whose_morning_reading_is_past_needs_no_choice() -> None:
    result = parse_when("today 8", NEW_YORK, NOW_NY)  # 10:00 now: only 20:00 is left
    assert result.needs_confirmation is None
    assert result.local.hour == 20


def test_midnight_with_a_day_offers_start_and_end_but_00_00_does_not() -> None:
    worded = parse_when("sat midnight", SEOUL, NOW_SEOUL)
    assert [o.astimezone(SEOUL).day for o in worded.options] == [13, 14]
    assert worded.needs_confirmation is not None
    numeric = parse_when("sat 00:00", SEOUL, NOW_SEOUL)
    assert numeric.needs_confirmation is None and numeric.local.day == 13


def test_slashed_date_offers_both_orders() -> None:
    result = parse_when("5/12 20:00", SEOUL, NOW_SEOUL)
    assert result.needs_confirmation is not None
    assert [o.astimezone(SEOUL).date().isoformat() for o in result.options] == ["2026-12-05", "2027-05-12"]


def test_next_weekday_offers_this_week_and_the_one_after() -> None:
    result = parse_when("next sat 8pm", SEOUL, NOW_SEOUL)
    assert [o.astimezone(SEOUL).day for o in result.options] == [13, 20]
    assert result.needs_confirmation is not None


def test_dst_gap_shifts_forward_and_explains() -> None:
    result = parse_when("2027-03-14 02:30", NEW_YORK, NOW_NY)
    assert result.local.replace(tzinfo=None) == datetime(2027, 3, 14, 3, 30)
    assert result.utc == utc(2027, 3, 14, 7, 30)
    assert result.options == [result.utc]
    assert result.needs_confirmation is not None
    assert "does not exist" in result.needs_confirmation and "03:30" in result.needs_confirmation


@pytest.mark.parametrize(
    ("text", "zone", "instant"),
    [
        ("2027-03-28 02:30", BERLIN, utc(2027, 3, 28, 1, 30)),  # 03:30 CEST
        ("2026-10-04 02:30", SYDNEY, utc(2026, 10, 3, 16, 30)),  # 03:30 AEDT, southern spring
    ],
)
def test_dst_gap_in_other_hemispheres(text: str, zone: ZoneInfo, instant: datetime) -> None:
    result = parse_when(text, zone, NOW_SYDNEY)
    assert result.utc == instant
    assert result.local.hour == 3 and result.local.minute == 30
    assert result.needs_confirmation is not None


def test_dst_overlap_offers_both_occurrences_with_offsets() -> None:
    result = parse_when("2026-11-01 01:30", NEW_YORK, NOW_NY)
    assert result.options == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)]
    assert result.needs_confirmation is not None and "twice" in result.needs_confirmation
    first, second = result.option_labels()
    assert "01:30 EDT (UTC-04:00)" in first
    assert "01:30 EST (UTC-05:00)" in second


def test_dst_overlap_in_sydney_autumn() -> None:
    result = parse_when("2027-04-04 02:30", SYDNEY, NOW_SYDNEY)
    assert [o.astimezone(SYDNEY).utcoffset() for o in result.options] == [
        timedelta(hours=11),
        timedelta(hours=10),
    ]


def test_dst_overlap_with_first_occurrence_past_needs_no_choice() -> None:
    now = utc(2026, 11, 1, 6, 0)  # 01:00 EST, after the first 01:30 already happened
    result = parse_when("1:30am", NEW_YORK, now)
    assert result.options == [utc(2026, 11, 1, 6, 30)]
    assert result.needs_confirmation is None


def test_in_hours_counts_real_time_across_a_clock_change() -> None:
    now = utc(2027, 3, 14, 5, 0)  # 00:00 EST, clocks jump at 02:00
    result = parse_when("in 3 hours", NEW_YORK, now)
    assert result.utc == now + timedelta(hours=3)
    assert result.local.replace(tzinfo=None) == datetime(2027, 3, 14, 4, 0)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("yesterday 8pm", "Tue 9 Jun 2026, 20:00 KST"),
        ("2020-01-01 10:00", "Wed 1 Jan 2020, 10:00 KST"),
        ("tonight 9pm", "Wed 10 Jun 2026, 21:00"),
    ],
)
def test_past_time_is_refused_showing_what_was_understood(text: str, shown: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text, SEOUL, NOW_SEOUL)
    assert "in the past" in str(caught.value)
    assert shown in str(caught.value)


@pytest.mark.parametrize("text", ["banana", "", "   ", "the 5th of never", "x" * 200, "32:00", "13pm"])
def test_unparseable_input_lists_formats_that_work(text: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text, SEOUL, NOW_SEOUL)
    assert EXAMPLES in str(caught.value)


@pytest.mark.parametrize("text", ["dec 5", "friday", "tomorrow"])
def test_date_without_time_asks_for_one(text: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text, SEOUL, NOW_SEOUL)
    assert "At what time?" in str(caught.value)


def test_more_than_two_years_ahead_is_refused() -> None:
    with pytest.raises(WhenError) as caught:
        parse_when("2029-01-01 10:00", SEOUL, NOW_SEOUL)
    assert "too far ahead" in str(caught.value)


def test_ambiguous_zone_abbreviation_in_text_is_refused() -> None:
    with pytest.raises(WhenError) as caught:
        parse_when("8pm est", NEW_YORK, NOW_NY)
    assert "America/New_York" in str(caught.value)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_when("8pm", SEOUL, datetime(2026, 6, 10, 12, 0))


def test_result_ignores_the_host_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = parse_when("sat 8pm", BERLIN, NOW_BERLIN)
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    try:
        assert parse_when("sat 8pm", BERLIN, NOW_BERLIN) == expected
        assert parse_when("december 5th at 8pm", BERLIN, NOW_BERLIN).utc == utc(2026, 12, 5, 19, 0)
    finally:
        monkeypatch.undo()
        time.tzset()


ZONES = st.sampled_from([SEOUL, NEW_YORK, BERLIN, SYDNEY, UTC_ZONE, ZoneInfo("Australia/Lord_Howe")])
NOWS = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(zone=ZONES, now=NOWS, ahead=st.integers(min_value=1, max_value=600 * 24 * 60))
def test_iso_wall_time_round_trips_unless_it_falls_in_a_gap(
    zone: ZoneInfo, now: datetime, ahead: int
) -> None:
    wall = (now.astimezone(zone) + timedelta(minutes=ahead)).replace(tzinfo=None, second=0, microsecond=0)
    assume(wall.replace(tzinfo=zone).astimezone(UTC) > now)
    result = parse_when(f"{wall:%Y-%m-%d %H:%M}", zone, now)
    assert all(option > now for option in result.options)
    assert result.local == result.utc.astimezone(zone)
    if result.local.replace(tzinfo=None) != wall:  # only a DST gap may move the wall time, and says so
        assert result.needs_confirmation is not None and "does not exist" in result.needs_confirmation
        assert timedelta(0) < result.local.replace(tzinfo=None) - wall <= timedelta(hours=1)


@settings(max_examples=300, deadline=None)
@given(zone=ZONES, now=NOWS, hour=st.integers(min_value=12, max_value=23), minute=st.integers(0, 59))
def test_time_without_date_is_the_next_occurrence(
    zone: ZoneInfo, now: datetime, hour: int, minute: int
) -> None:
    result = parse_when(f"{hour}:{minute:02d}", zone, now)
    assert now < result.utc <= now + timedelta(hours=25)
    assert (result.local.hour, result.local.minute) == (hour, minute)
    assert result.needs_confirmation is None


def test_ordinal_day_is_the_next_such_day_of_a_month() -> None:
    result = parse_when("the 5th at 8pm", UTC_ZONE, NOW_SEOUL)  # 10 June: the next 5th is in July
    assert result.local.replace(tzinfo=None) == datetime(2026, 7, 5, 20, 0)
    assert result.needs_confirmation is None


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("8:30pm on the 5th of december", utc(2026, 12, 5, 20, 30)),
        ("Saturday, December 5, 2026 8:00 PM", utc(2026, 12, 5, 20, 0)),
    ],
)
def test_phrasings_left_to_dateparser_are_always_confirmed(text: str, instant: datetime) -> None:
    result = parse_when(text, UTC_ZONE, NOW_SEOUL)
    assert result.utc == instant
    assert result.needs_confirmation is not None and "please check" in result.needs_confirmation
