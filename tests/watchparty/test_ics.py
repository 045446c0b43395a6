from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bot.watchparty.ics import CalendarParty, export_calendar, party_description

STAMP = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SEOUL_PARTY = CalendarParty(
    party_id=7,
    guild_id=123456789012345678,
    title="ALNST rewatch: episodes 1–3",
    start_utc=datetime(2026, 12, 5, 11, 0, tzinfo=UTC),
    zone=ZoneInfo("Asia/Seoul"),
    duration=timedelta(hours=2),
    description=party_description(["Episode 1", "Episode 2"], ["violence", "death"], "Bring snacks!"),
    location="#watch-party",
    url="https://example.org/party/7",
    sequence=0,
)
NEW_YORK_PARTY = CalendarParty(
    party_id=8,
    guild_id=42,
    title="Winter party",
    start_utc=datetime(2027, 1, 9, 1, 0, tzinfo=UTC),  # 20:00 EST
    zone=ZoneInfo("America/New_York"),
    duration=timedelta(minutes=90),
)


def events_of(data: bytes) -> dict[str, Event]:
    return {str(event.uid): event for event in Calendar.from_ical(data).events}


def start_of(event: Event) -> datetime:
    start = event.start
    assert isinstance(start, datetime)
    return start


def test_export_round_trips_instant_zone_and_fields() -> None:
    data = export_calendar([SEOUL_PARTY, NEW_YORK_PARTY], prodid="-//Test//EN", stamp=STAMP)
    calendar = Calendar.from_ical(data)
    assert str(calendar["PRODID"]) == "-//Test//EN"
    events = events_of(data)
    seoul = events["watchparty-7@123456789012345678.clematis"]
    assert seoul["DTSTART"].params["TZID"] == "Asia/Seoul"
    assert seoul.start == SEOUL_PARTY.start_utc
    assert start_of(seoul).astimezone(ZoneInfo("Asia/Seoul")).hour == 20
    assert seoul.end - seoul.start == timedelta(hours=2)
    assert str(seoul["SUMMARY"]) == "ALNST rewatch: episodes 1–3"
    assert "Episode 2" in str(seoul["DESCRIPTION"]) and "violence, death" in str(seoul["DESCRIPTION"])
    assert str(seoul["LOCATION"]) == "#watch-party"
    assert str(seoul["URL"]) == "https://example.org/party/7"
    assert seoul.stamp == STAMP
    assert str(seoul["STATUS"]) == "CONFIRMED"
    ny = events["watchparty-8@42.clematis"]
    assert ny["DTSTART"].params["TZID"] == "America/New_York"
    assert ny.start == NEW_YORK_PARTY.start_utc


def test_export_includes_a_vtimezone_for_every_tzid() -> None:
    calendar = Calendar.from_ical(export_calendar([SEOUL_PARTY, NEW_YORK_PARTY], stamp=STAMP))
    assert {tz.tz_name for tz in calendar.timezones} == {"Asia/Seoul", "America/New_York"}
    assert calendar.get_missing_tzids() == set()


def test_reexport_keeps_uid_and_bumps_sequence() -> None:
    before = events_of(export_calendar([SEOUL_PARTY], stamp=STAMP))
    edited = replace(SEOUL_PARTY, start_utc=SEOUL_PARTY.start_utc + timedelta(hours=1), sequence=1)
    after = events_of(export_calendar([edited], stamp=STAMP + timedelta(days=1)))
    assert before.keys() == after.keys()
    (uid,) = after
    assert before[uid].sequence == 0 and after[uid].sequence == 1


def test_same_input_exports_identical_bytes() -> None:
    assert export_calendar([SEOUL_PARTY], stamp=STAMP) == export_calendar([SEOUL_PARTY], stamp=STAMP)


def test_cancelled_party_is_marked_cancelled() -> None:
    events = events_of(export_calendar([replace(SEOUL_PARTY, cancelled=True, sequence=3)], stamp=STAMP))
    (event,) = events.values()
    assert str(event["STATUS"]) == "CANCELLED"


def test_second_occurrence_of_an_ambiguous_local_time_survives_the_round_trip() -> None:
    second = replace(NEW_YORK_PARTY, start_utc=datetime(2026, 11, 1, 6, 30, tzinfo=UTC))  # 01:30 EST
    first = replace(
        NEW_YORK_PARTY, party_id=9, start_utc=datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    )  # 01:30 EDT
    events = events_of(export_calendar([second, first], stamp=STAMP))
    # astimezone: Python never calls an ambiguous local time equal to an instant in another zone (PEP 495).
    assert start_of(events["watchparty-8@42.clematis"]).astimezone(UTC) == second.start_utc
    assert start_of(events["watchparty-9@42.clematis"]).astimezone(UTC) == first.start_utc
    assert events["watchparty-9@42.clematis"]["DTSTART"].params["TZID"] == "America/New_York"


def test_utc_party_needs_no_vtimezone() -> None:
    party = replace(SEOUL_PARTY, zone=ZoneInfo("UTC"))
    calendar = Calendar.from_ical(export_calendar([party], stamp=STAMP))
    (event,) = calendar.events
    assert event.start == party.start_utc
    assert calendar.timezones == []


def test_empty_export_is_a_valid_calendar() -> None:
    calendar = Calendar.from_ical(export_calendar([], stamp=STAMP))
    assert calendar.events == []
    assert str(calendar["VERSION"]) == "2.0"


def test_description_has_episodes_warnings_and_note() -> None:
    text = party_description(["Ep 1"], ["blood"], "  Be kind.  ")
    assert text == "Episodes:\n- Ep 1\n\nContent warnings: blood\n\nBe kind."
    assert party_description() == ""
