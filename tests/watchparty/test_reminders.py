import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.watchparty.durations import format_duration, parse_duration
from bot.watchparty.reminders import (
    OffsetError,
    classify_due,
    describe_offsets,
    format_offset,
    format_offsets,
    is_permanent_failure,
    parse_offsets,
    read_offsets,
    reminder_times,
    retry_delay,
)

START = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)
GRACE = timedelta(minutes=2)


def test_reminder_times_are_before_the_start_earliest_first() -> None:
    offsets = [timedelta(hours=1), timedelta(0), timedelta(days=1), timedelta(hours=1)]
    assert reminder_times(START, offsets) == [START - timedelta(days=1), START - timedelta(hours=1), START]


def test_reminder_times_reject_negative_offsets() -> None:
    with pytest.raises(ValueError):
        reminder_times(START, [timedelta(minutes=-5)])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h, 1h, 0", [timedelta(hours=24), timedelta(hours=1), timedelta(0)]),
        ("1d,30m", [timedelta(days=1), timedelta(minutes=30)]),
        ("1h30m, 90 minutes", [timedelta(minutes=90)]),
        ("2 days, start", [timedelta(days=2), timedelta(0)]),
        ("1 week", [timedelta(weeks=1)]),
    ],
)
def test_parse_offsets_reads_lists_largest_first(text: str, expected: list[timedelta]) -> None:
    assert parse_offsets(text) == expected


@pytest.mark.parametrize(
    "text", ["", " , ", "soon", "1h, lunch", "5 weeks", ",".join(f"{n}m" for n in range(1, 13))]
)
def test_parse_offsets_refuses_what_it_cannot_use(text: str) -> None:
    with pytest.raises(OffsetError):
        parse_offsets(text)


def test_format_offset_is_compact() -> None:
    assert format_offset(timedelta(0)) == "0"
    assert format_offset(timedelta(days=1, hours=2)) == "1d 2h"
    assert format_offset(timedelta(minutes=90)) == "1h 30m"
    assert format_offsets([timedelta(0), timedelta(days=1)]) == "1d, 0"


@given(st.lists(st.integers(min_value=0, max_value=28 * 24 * 60), min_size=1, max_size=10))
def test_formatted_offsets_parse_back(minutes: list[int]) -> None:
    offsets = [timedelta(minutes=m) for m in minutes]
    assert parse_offsets(format_offsets(offsets)) == sorted(set(offsets), reverse=True)


@given(st.integers(min_value=0, max_value=10**6))
def test_durations_round_trip(minutes: int) -> None:
    assert parse_duration(format_duration(timedelta(minutes=minutes))) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("due", "now", "expected"),
    [
        (START - timedelta(hours=1), START - timedelta(hours=1), "on_time"),
        (START - timedelta(hours=1), START - timedelta(hours=1) + GRACE, "on_time"),  # within grace
        (START - timedelta(hours=1), START - timedelta(minutes=50), "late"),  # bot was down 10 min
        (START - timedelta(days=1), START - timedelta(seconds=1), "late"),
        (START - timedelta(hours=1), START, "skip"),  # party started
        (START - timedelta(hours=1), START + timedelta(hours=3), "skip"),
        (START, START + timedelta(minutes=1), "on_time"),  # "starting now" slightly late still goes out
        (START, START + timedelta(minutes=10), "skip"),
        (START - timedelta(hours=1), START - timedelta(hours=2), "on_time"),  # not due yet
    ],
)
def test_classify_due_policy(due: datetime, now: datetime, expected: str) -> None:
    assert classify_due(due, START, now, GRACE) == expected


def test_retry_delay_doubles_up_to_a_cap() -> None:
    delays = [retry_delay(n) for n in range(1, 12)]
    assert delays[:4] == [timedelta(seconds=s) for s in (5, 10, 20, 40)]
    assert delays[-1] == timedelta(minutes=15)
    assert delays == sorted(delays)


@given(st.integers(min_value=1, max_value=1000), st.integers())
def test_retry_delay_jitter_stays_within_half_to_full_delay(attempt: int, seed: int) -> None:
    plain = retry_delay(attempt)
    jittered = retry_delay(attempt, rng=random.Random(seed))
    assert plain / 2 <= jittered <= plain
    assert jittered == retry_delay(attempt, rng=random.Random(seed))  # injected rng: reproducible


def test_retry_delay_rejects_attempt_zero() -> None:
    with pytest.raises(ValueError):
        retry_delay(0)


@pytest.mark.parametrize(
    ("status", "permanent"),
    [
        (403, True),
        (404, True),
        (400, True),
        (401, True),
        (429, False),
        (408, False),
        (500, False),
        (502, False),
        (503, False),
        (None, False),
    ],
)
def test_permanent_failures(status: int | None, permanent: bool) -> None:
    assert is_permanent_failure(status) is permanent


# --- the `reminders:` option ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("24h, 1h, 0", "1d, 1h, 0"), ("0, 2h", "2h, 0"), ("at start", "0"), ("90 minutes, 1h30m", "1h 30m")],
)
def test_a_reminders_option_is_stored_in_one_canonical_form(typed: str, stored: str) -> None:
    assert read_offsets(typed) == stored


@pytest.mark.parametrize("typed", ["default", " Default ", "reset"])
def test_default_means_the_servers_times(typed: str) -> None:
    assert read_offsets(typed) is None


@pytest.mark.parametrize("typed", ["soon", "5 weeks", " , ", "1h, lunch"])
def test_an_unusable_reminders_option_says_what_works(typed: str) -> None:
    with pytest.raises(OffsetError) as caught:
        read_offsets(typed)
    assert "`24h, 1h, 15m, 0`" in str(caught.value) and "default" in str(caught.value)


@given(st.lists(st.integers(min_value=0, max_value=28 * 24 * 60 * 60), min_size=1, max_size=10))
def test_stored_reminder_text_reads_back_to_itself(seconds: list[int]) -> None:
    typed = ", ".join(format_duration(timedelta(seconds=s)) if s else "0" for s in seconds)
    stored = read_offsets(typed)
    assert stored is not None and read_offsets(stored) == stored
    assert all(offset % timedelta(minutes=1) == timedelta(0) for offset in parse_offsets(stored))


def test_sub_minute_offsets_go_on_the_whole_minute() -> None:
    assert parse_offsets("1.5m, 0.5m") == [timedelta(minutes=1), timedelta(0)]


@pytest.mark.parametrize(
    ("offsets", "shown"),
    [
        ("1d, 1h, 0", "1d, 1h and at the start"),
        ("2h, 0", "2h and at the start"),
        ("0", "at the start"),
        ("30m", "30m before the start"),
        ("1d, 2h, 30m", "1d, 2h and 30m before the start"),
    ],
)
def test_reminder_times_are_described_for_people(offsets: str, shown: str) -> None:
    assert describe_offsets(parse_offsets(offsets)) == shown
