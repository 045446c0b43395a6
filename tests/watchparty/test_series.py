from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.watchparty.series import next_occurrence, weekly_occurrences

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("zone", "first", "offsets"),
    [
        # Saturdays 20:00 from October to April: autumn change (Nov 1 / Oct 25) and spring change (Mar 13 / Mar 28).
        (NEW_YORK, datetime(2026, 10, 3, 20, 0), {timedelta(hours=-4), timedelta(hours=-5)}),
        (BERLIN, datetime(2026, 10, 3, 20, 0), {timedelta(hours=2), timedelta(hours=1)}),
    ],
)
def test_weekly_series_keeps_local_wall_time_across_both_dst_changes(
    zone: ZoneInfo, first: datetime, offsets: set[timedelta]
) -> None:
    occurrences = weekly_occurrences(first, zone, 30)  # into May 2027
    assert [o.local(zone).replace(tzinfo=None) for o in occurrences] == [
        first + timedelta(weeks=k) for k in range(30)
    ]
    assert {o.local(zone).utcoffset() for o in occurrences} == offsets
    assert not any(o.gap_shifted for o in occurrences)
    # The UTC instant moves when the clocks do: 7 days apart except across a change.
    gaps = {b.utc - a.utc for a, b in zip(occurrences, occurrences[1:], strict=False)}
    assert gaps == {timedelta(days=7), timedelta(days=7, hours=1), timedelta(days=7, hours=-1)}


def test_week_in_a_dst_gap_is_shifted_forward_and_flagged() -> None:
    occurrences = weekly_occurrences(datetime(2027, 2, 28, 2, 30), NEW_YORK, 4)  # Sundays 02:30
    shifted = [o for o in occurrences if o.gap_shifted]
    assert [o.wall.date().isoformat() for o in shifted] == ["2027-03-14"]
    assert shifted[0].local(NEW_YORK).replace(tzinfo=None) == datetime(2027, 3, 14, 3, 30)
    assert shifted[0].utc == datetime(2027, 3, 14, 7, 30, tzinfo=UTC)
    # The week after is back at 02:30 (now EDT).
    assert occurrences[3].local(NEW_YORK).replace(tzinfo=None) == datetime(2027, 3, 21, 2, 30)


def test_week_in_a_dst_overlap_takes_the_first_occurrence() -> None:
    occurrences = weekly_occurrences(datetime(2026, 10, 25, 1, 30), NEW_YORK, 2)
    assert occurrences[1].utc == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, not EST
    assert not occurrences[1].gap_shifted


def test_series_rejects_aware_start() -> None:
    with pytest.raises(ValueError):
        weekly_occurrences(datetime(2026, 1, 1, tzinfo=UTC), BERLIN, 3)


def test_next_occurrence_skips_past_weeks() -> None:
    first = datetime(2026, 10, 3, 20, 0)
    found = next_occurrence(first, BERLIN, datetime(2026, 10, 31, 19, 0, tzinfo=UTC))  # 20:00 CET Oct 31
    assert found.local(BERLIN).replace(tzinfo=None) == datetime(2026, 11, 7, 20, 0)
    early = next_occurrence(first, BERLIN, datetime(2020, 1, 1, tzinfo=UTC))
    assert early.wall == first


ZONES = st.sampled_from(
    [
        "America/New_York",
        "Europe/Berlin",
        "Australia/Sydney",
        "Australia/Lord_Howe",  # 30-minute DST shift
        "America/Sao_Paulo",
        "Asia/Seoul",
        "Europe/London",
        "America/Santiago",
        "Pacific/Chatham",
    ]
)
WALLS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 1, 1)).map(
    lambda d: d.replace(second=0, microsecond=0)
)


@settings(max_examples=200, deadline=None)
@given(first=WALLS, zone_name=ZONES, count=st.integers(min_value=1, max_value=60))
def test_every_occurrence_keeps_the_wall_time_unless_flagged(
    first: datetime, zone_name: str, count: int
) -> None:
    zone = ZoneInfo(zone_name)
    occurrences = weekly_occurrences(first, zone, count)
    assert len(occurrences) == count
    for week, occurrence in enumerate(occurrences):
        wanted = first + timedelta(weeks=week)
        local = occurrence.local(zone).replace(tzinfo=None)
        assert occurrence.wall == wanted
        if occurrence.gap_shifted:
            assert timedelta(0) < local - wanted <= timedelta(hours=2)
        else:
            assert local == wanted
    assert all(a.utc < b.utc for a, b in zip(occurrences, occurrences[1:], strict=False))


@settings(max_examples=200, deadline=None)
@given(first=WALLS, zone_name=ZONES, after_weeks=st.floats(min_value=-3, max_value=50))
def test_next_occurrence_is_the_first_weekly_occurrence_after(
    first: datetime, zone_name: str, after_weeks: float
) -> None:
    zone = ZoneInfo(zone_name)
    after = (first.replace(tzinfo=zone) + timedelta(weeks=after_weeks)).astimezone(UTC)
    expected = next(o for o in weekly_occurrences(first, zone, 60) if o.utc > after)
    assert next_occurrence(first, zone, after) == expected
