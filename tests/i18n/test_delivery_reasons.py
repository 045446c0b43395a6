"""Delivery reasons are stored in English and shown to a moderator in their language."""

from __future__ import annotations

from bot.i18n import use_locale
from bot.watchparty import reasons


def test_a_reason_is_recorded_in_english() -> None:
    assert reasons.recorded(reasons.SENT_LATE, late="3 min") == "sent 3 min late"
    gave_up = reasons.recorded(
        reasons.GAVE_UP,
        attempts=5,
        reason=reasons.recorded(reasons.ANSWERED, detail="503 Service Unavailable"),
    )
    assert gave_up == "gave up after 5 attempts: Discord answered 503 Service Unavailable"


def test_a_recorded_reason_is_shown_in_the_readers_language() -> None:
    nested = reasons.recorded(
        reasons.NOT_SENT_AFTER_FAILURE,
        due="2026-12-05T20:00:00Z",
        now="2026-12-05T21:00:00Z",
        reason=reasons.recorded(reasons.NO_ACCESS, where=reasons.A_DM, detail="403 Forbidden"),
    )
    with use_locale("ko"):
        shown = reasons.shown(nested)
        assert shown == (
            "보내지 않음: 예정 2026-12-05T20:00:00Z, 2026-12-05T21:00:00Z에는 이미 너무 늦었어요 "
            "(직전 시도 실패: DM에 접근하거나 권한이 없어요 (403 Forbidden))"
        )
        assert reasons.shown("the party was cancelled") == "같이보기가 취소됐어요"  # a fixed reason
        assert reasons.shown("something an older version wrote") == "something an older version wrote"
    assert reasons.shown(nested) == nested  # English reads it as recorded
    assert reasons.shown(None) == ""


def test_lateness_is_logged_in_english_and_shown_in_the_readers_language() -> None:
    from datetime import timedelta

    from bot.watchparty.delivery import describe_lateness, shown_lateness

    late = timedelta(minutes=65)
    assert describe_lateness(late) == "1 h 5 min"
    with use_locale("ja"):
        assert shown_lateness(late) == "1時間5分"
        assert (
            reasons.shown(reasons.recorded(reasons.SENT_LATE, late=describe_lateness(late)))
            == "1時間5分 遅れて送信"
        )
