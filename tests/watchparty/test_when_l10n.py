"""Typed times in Korean, Japanese, Spanish and Portuguese, and zone names in those languages."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import use_locale
from bot.watchparty.when import WhenError, parse_when
from bot.watchparty.zones import resolve_zone, zone_choices

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # Monday 7 Dec 2026, 10:00 in Seoul


def local(text: str, locale: str, zone: ZoneInfo = SEOUL, now: datetime = NOW):
    with use_locale(locale):
        return parse_when(text, zone, now)


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [
        ("ko", "토요일 오후 8시", "2026-12-12 20:00"),
        ("ko", "내일 저녁 8시 반", "2026-12-08 20:30"),
        ("ko", "다음주 화요일 20:00", "2026-12-15 20:00"),
        ("ko", "이번주 금요일 21시", "2026-12-11 21:00"),
        ("ko", "12월 24일 오후 7시 30분", "2026-12-24 19:30"),
        ("ko", "오늘 밤 9시", "2026-12-07 21:00"),
        ("ko", "토요일 20시에", "2026-12-12 20:00"),
        ("ja", "土曜日 20時", "2026-12-12 20:00"),
        ("ja", "明日の夜8時", "2026-12-08 20:00"),
        ("ja", "来週の火曜日 20時", "2026-12-15 20:00"),
        ("ja", "１２月２４日 午後７時半", "2026-12-24 19:30"),
        ("es-419", "sábado 20:00", "2026-12-12 20:00"),
        ("es-419", "mañana a las 8 pm", "2026-12-08 20:00"),
        ("es-419", "el sábado a las 8 de la noche", "2026-12-12 20:00"),
        ("es-419", "24 de diciembre a las 9 y media de la noche", "2026-12-24 21:30"),
        ("es-419", "mañana a las 8 de la mañana", "2026-12-08 08:00"),
        ("pt-BR", "amanhã às 20h", "2026-12-08 20:00"),
        ("pt-BR", "sábado às 8 da noite", "2026-12-12 20:00"),
        ("pt-BR", "sexta-feira às 21h30", "2026-12-11 21:30"),
        ("pt-BR", "24 de dezembro às 20h", "2026-12-24 20:00"),
    ],
)
def test_typed_times_in_each_language(locale: str, text: str, expected: str) -> None:
    result = local(text, locale)
    assert result.local.strftime("%Y-%m-%d %H:%M") == expected
    assert result.needs_confirmation is None


@pytest.mark.parametrize(
    ("locale", "text", "hours"),
    [
        ("ko", "3시간 후", 3),
        ("ja", "3時間後", 3),
        ("es-419", "en 3 horas", 3),
        ("pt-BR", "daqui a 2 horas", 2),
    ],
)
def test_relative_times(locale: str, text: str, hours: int) -> None:
    assert (local(text, locale).utc - NOW).total_seconds() == hours * 3600


def test_an_hour_without_am_or_pm_is_confirmed_in_korean() -> None:
    result = local("토요일 8시", "ko")
    assert result.needs_confirmation and "`8`" in result.needs_confirmation
    assert [o.astimezone(SEOUL).hour for o in result.options] == [8, 20]
    with use_locale("ko"):
        assert "12월 12일" in result.option_labels()[0]  # the choice shows a Korean date


def test_next_week_on_a_sunday_asks_which_week() -> None:
    sunday = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
    result = local("다음주 화요일 20:00", "ko", now=sunday)
    assert [o.astimezone(SEOUL).day for o in result.options] == [8, 15]
    assert "다음주 화요일 20:00" in (result.needs_confirmation or "")


def test_dst_gap_is_explained_for_a_korean_typed_time() -> None:
    new_york = ZoneInfo("America/New_York")
    result = local("2027년 3월 14일 새벽 2시 30분", "ko", zone=new_york)
    assert result.needs_confirmation is not None
    assert "America/New_York" in result.needs_confirmation
    assert result.local.hour == 3  # 02:30 does not exist that night


def test_dst_overlap_offers_both_for_a_spanish_typed_time() -> None:
    new_york = ZoneInfo("America/New_York")
    result = local("7 de noviembre de 2027 a la 1:30 de la madrugada", "es-419", zone=new_york)
    assert len(result.options) == 2 and result.needs_confirmation


def test_english_still_works_for_every_member() -> None:
    assert local("sat 8pm", "ko").local.strftime("%a %H:%M") == "Sat 20:00"


def test_unreadable_text_is_refused_with_examples() -> None:
    with pytest.raises(WhenError):
        local("언젠가", "ko")


def test_a_past_time_is_refused() -> None:
    with pytest.raises(WhenError):
        local("12월 1일 오후 8시 2026", "ko")  # a year given: no rolling forward


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("서울", "Asia/Seoul"),
        ("東京", "Asia/Tokyo"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Ciudad de México", "America/Mexico_City"),
        ("도쿄", "Asia/Tokyo"),
        ("대한민국", "Asia/Seoul"),
        ("ソウル", "Asia/Seoul"),
        ("Cidade do México", "America/Mexico_City"),
    ],
)
def test_zone_names_in_every_language_complete_and_resolve(typed: str, zone: str) -> None:
    assert zone_choices(typed)[0][1] == zone
    assert resolve_zone(typed).key == zone


def test_zone_prefix_in_hangul_completes() -> None:
    assert zone_choices("서")[0][1] == "Asia/Seoul"
