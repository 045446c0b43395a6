from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.watchparty.zones import ZoneError, resolve_zone, zone_choices


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("europe/berlin", "Europe/Berlin"),
        ("ASIA/SEOUL", "Asia/Seoul"),
        ("Seoul", "Asia/Seoul"),
        ("New York", "America/New_York"),
        ("new_york", "America/New_York"),
        ("LA", "America/Los_Angeles"),
        ("São Paulo", "America/Sao_Paulo"),
        ("sao paulo", "America/Sao_Paulo"),
        ("Berlin", "Europe/Berlin"),
        ("London", "Europe/London"),
        ("Tokyo", "Asia/Tokyo"),
        ("Sydney", "Australia/Sydney"),
        ("Manila", "Asia/Manila"),
        ("Jakarta", "Asia/Jakarta"),
        ("Mexico City", "America/Mexico_City"),
        ("Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("Busan", "Asia/Seoul"),
        ("South Korea", "Asia/Seoul"),
        ("Philippines", "Asia/Manila"),
        ("KST", "Asia/Seoul"),
        ("jst", "Asia/Tokyo"),
        ("UTC", "UTC"),
        ("GMT", "UTC"),
        ("Etc/UTC", "UTC"),
        ("US/Eastern", "America/New_York"),
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("Japan", "Asia/Tokyo"),
        ("Europe/Oslo", "Europe/Oslo"),
        ("UTC+9", "Etc/GMT-9"),
        ("utc-3", "Etc/GMT+3"),
        ("+0", "UTC"),
    ],
)
def test_resolve_zone_accepts_names_cities_and_clear_abbreviations(text: str, expected: str) -> None:
    assert resolve_zone(text).key == expected


def test_fixed_offset_zone_has_the_offset_that_was_typed() -> None:
    assert resolve_zone("UTC+9").utcoffset(datetime(2026, 1, 1)) == ZoneInfo("Asia/Seoul").utcoffset(
        datetime(2026, 1, 1)
    )


@pytest.mark.parametrize(
    ("text", "suggested"),
    [
        ("EST", "America/New_York"),
        ("cst", "America/Chicago"),
        ("IST", "Asia/Kolkata"),
        ("PST", "Asia/Manila"),
    ],
)
def test_ambiguous_abbreviations_are_refused_with_iana_suggestions(text: str, suggested: str) -> None:
    with pytest.raises(ZoneError) as caught:
        resolve_zone(text)
    assert "ambiguous" in str(caught.value)
    assert suggested in caught.value.suggestions
    assert suggested in str(caught.value)


@pytest.mark.parametrize(
    ("typo", "meant"), [("Seol", "Asia/Seoul"), ("new yrok", "America/New_York"), ("berln", "Europe/Berlin")]
)
def test_unknown_zone_suggests_the_closest_names(typo: str, meant: str) -> None:
    with pytest.raises(ZoneError) as caught:
        resolve_zone(typo)
    assert caught.value.suggestions[0] == meant
    assert meant in str(caught.value)


def test_country_with_several_zones_asks_which_one() -> None:
    with pytest.raises(ZoneError) as caught:
        resolve_zone("Australia")
    assert "several" in str(caught.value)
    assert "Australia/Sydney" in caught.value.suggestions


@pytest.mark.parametrize("text", ["", "   ", "localtime", "Factory", "+05:30"])
def test_host_and_unusable_zones_are_refused(text: str) -> None:
    with pytest.raises(ZoneError):
        resolve_zone(text)


def test_half_hour_offset_suggests_places_with_that_offset() -> None:
    with pytest.raises(ZoneError) as caught:
        resolve_zone("UTC+05:30")
    assert "Asia/Kolkata" in caught.value.suggestions


def test_zone_choices_label_shows_city_zone_and_current_offset() -> None:
    winter = zone_choices("new york", now=datetime(2026, 1, 15, tzinfo=UTC))
    summer = zone_choices("new york", now=datetime(2026, 7, 15, tzinfo=UTC))
    assert winter[0] == ("New York — America/New_York (UTC-05:00)", "America/New_York")
    assert summer[0] == ("New York — America/New_York (UTC-04:00)", "America/New_York")


def test_zone_choices_prefix_puts_the_city_first() -> None:
    assert zone_choices("seo")[0][1] == "Asia/Seoul"
    assert zone_choices("manil")[0][1] == "Asia/Manila"
    assert zone_choices("KST")[0] == ("KST — Asia/Seoul (UTC+09:00)", "Asia/Seoul")


def test_zone_choices_tolerates_typos() -> None:
    assert "America/New_York" in [value for _, value in zone_choices("nwe york")]


def test_zone_choices_empty_query_offers_popular_zones() -> None:
    values = [value for _, value in zone_choices("")]
    assert values[0] == "Asia/Seoul"
    assert {"America/New_York", "Europe/Berlin", "UTC"} <= set(values)


def test_zone_choices_has_no_duplicate_values() -> None:
    values = [value for _, value in zone_choices("s")]
    assert len(values) == len(set(values)) == 25


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.integers(min_value=1, max_value=25))
def test_zone_choices_always_fit_discord_limits(query: str, limit: int) -> None:
    choices = zone_choices(query, limit)
    assert len(choices) <= limit
    for label, value in choices:
        assert 1 <= len(label) <= 100
        assert ZoneInfo(value).key == value
        assert resolve_zone(value).key == value
