"""Server notes, support text, member preferences, link recognition and the once-an-hour link card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.canon.model import CanonPack, Episode
from bot.content_warnings import load_card_context
from bot.content_warnings.links import claim_link_card, episode_links, link_keys, linked_episodes
from bot.content_warnings.preferences import clear_preferences, get_preferences, set_cw_topics, set_party_dms
from bot.content_warnings.server import (
    MAX_NOTE,
    MAX_SUPPORT_MESSAGE,
    clean_note,
    clean_support_message,
    link_cards_enabled,
    set_episode_note,
    set_link_cards,
    set_support_message,
)
from bot.db import Database
from bot.dm import DM_CLOSED_BACKOFF, dms_closed_recently, record_dms_closed, wants_party_dms
from bot.errors import UserError
from tests.database import database_for

GUILD, OTHER_GUILD, USER = 1, 2, 7
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path):
    async with Database(database_for(tmp_path / "cw.sqlite3")) as database:
        await database.migrate()
        yield database


async def test_notes_and_support_message_reach_the_card_context(db: Database) -> None:
    await set_episode_note(db, GUILD, "r5", clean_note("  our party shows\nthe uncut version "), set_by=9)
    await set_support_message(db, GUILD, clean_support_message("Ping a mod in #support"))
    ctx = await load_card_context(db, GUILD)
    assert ctx.guild_notes == {"r5": "our party shows the uncut version"}
    assert ctx.support_message == "Ping a mod in #support"
    assert ctx.plain_topics == frozenset()
    other = await load_card_context(db, OTHER_GUILD)
    assert other.guild_notes == {} and other.support_message is None


async def test_empty_note_clears_it(db: Database) -> None:
    await set_episode_note(db, GUILD, "r5", clean_note("a note"), set_by=9)
    await set_episode_note(db, GUILD, "r5", clean_note("   "), set_by=9)
    assert (await load_card_context(db, GUILD)).guild_notes == {}


def test_over_long_texts_are_refused_with_the_limit() -> None:
    with pytest.raises(UserError, match=str(MAX_NOTE)):
        clean_note("x" * (MAX_NOTE + 1))
    assert clean_note("x" * MAX_NOTE) == "x" * MAX_NOTE
    with pytest.raises(UserError, match=str(MAX_SUPPORT_MESSAGE)):
        clean_support_message("y" * (MAX_SUPPORT_MESSAGE + 1))


def test_support_message_keeps_single_blank_lines() -> None:
    assert clean_support_message("  Talk to us \r\n\n\n\n  in #support  ") == "Talk to us\n\nin #support"
    assert clean_support_message("\n \n") is None


async def test_member_topics_only_load_for_that_member(db: Database) -> None:
    stored = await set_cw_topics(db, USER, ["grief", "not-a-topic", "blood"])
    assert stored == frozenset({"grief", "blood"})
    assert (await load_card_context(db, GUILD, USER)).plain_topics == stored
    assert (await load_card_context(db, GUILD)).plain_topics == frozenset()
    assert (await load_card_context(db, None, 8)).plain_topics == frozenset()


async def test_clear_keeps_the_time_zone_of_another_feature(db: Database) -> None:
    await set_cw_topics(db, USER, ["grief"])
    await set_party_dms(db, USER, True)
    await db.execute("UPDATE member_preferences SET time_zone = 'Asia/Seoul' WHERE user_id = ?", (USER,))
    await clear_preferences(db, USER)
    prefs = await get_preferences(db, USER)
    assert prefs.cw_topics == frozenset() and not prefs.dm_before_parties
    assert (
        await db.fetchval("SELECT time_zone FROM member_preferences WHERE user_id = ?", (USER,))
        == "Asia/Seoul"
    )


async def test_link_cards_are_on_until_turned_off(db: Database) -> None:
    assert await link_cards_enabled(db, GUILD)
    await set_link_cards(db, GUILD, False)
    assert not await link_cards_enabled(db, GUILD)
    await set_support_message(db, GUILD, "kept")
    assert not await link_cards_enabled(db, GUILD)


@pytest.mark.parametrize(
    "text",
    [
        "https://www.youtube.com/watch?v=AbCdEfGhIj0",
        "watch this!! https://youtube.com/watch?feature=share&v=AbCdEfGhIj0&t=30s",
        "https://m.youtube.com/watch?v=AbCdEfGhIj0",
        "https://youtu.be/AbCdEfGhIj0?si=xyz",
        "<https://youtu.be/AbCdEfGhIj0>",
        "||https://youtu.be/AbCdEfGhIj0||",
        "https://www.youtube.com/shorts/AbCdEfGhIj0",
        "https://www.youtube.com/embed/AbCdEfGhIj0",
        "https://www.youtube-nocookie.com/embed/AbCdEfGhIj0",
        "youtube.com/live/AbCdEfGhIj0",
    ],
)
def test_every_youtube_form_of_a_video_is_the_same_link(text: str) -> None:
    assert link_keys(text) == ["youtube:AbCdEfGhIj0"]


def test_other_videos_and_longer_ids_do_not_match() -> None:
    assert "youtube:AbCdEfGhIj0" not in link_keys("https://youtu.be/AbCdEfGhIj01")
    assert link_keys("https://youtu.be/ZZZZZZZZZZZ") == ["youtube:ZZZZZZZZZZZ"]
    assert link_keys("no links here") == []


def test_official_page_links_match_without_www_query_or_trailing_slash() -> None:
    episode = Episode(
        id="e0",
        track="main",
        kind="round",
        title="E",
        premise="p",
        official_url="https://www.example.org/alien-stage/round-5/",
        video_urls=("https://www.youtube.com/watch?v=AbCdEfGhIj0",),
    )
    pack = CanonPack(name="t", version="1", episodes=(episode,), characters=(), terms=())
    links = episode_links(pack)
    assert linked_episodes(
        links, "see https://example.org/alien-stage/round-5?ref=x and youtu.be/AbCdEfGhIj0"
    ) == ["e0"]
    assert linked_episodes(links, "https://example.org/alien-stage/round-6") == []


async def test_one_link_card_per_channel_per_episode_per_hour(db: Database) -> None:
    assert await claim_link_card(db, GUILD, 10, "r5", NOW)
    assert not await claim_link_card(db, GUILD, 10, "r5", NOW + timedelta(minutes=59))
    assert await claim_link_card(db, GUILD, 11, "r5", NOW + timedelta(minutes=1))
    assert await claim_link_card(db, GUILD, 10, "r6", NOW + timedelta(minutes=1))
    assert await claim_link_card(db, GUILD, 10, "r5", NOW + timedelta(hours=1))
    assert not await claim_link_card(db, GUILD, 10, "r5", NOW + timedelta(hours=1, minutes=30))


async def test_closed_dms_are_skipped_until_the_backoff_passes(db: Database) -> None:
    await set_party_dms(db, USER, True)
    assert await wants_party_dms(db, USER, NOW)
    await record_dms_closed(db, USER, NOW)
    assert await dms_closed_recently(db, USER, NOW + timedelta(days=1))
    assert not await wants_party_dms(db, USER, NOW + timedelta(days=1))
    assert not await dms_closed_recently(db, USER, NOW + DM_CLOSED_BACKOFF)
    assert await wants_party_dms(db, USER, NOW + DM_CLOSED_BACKOFF)


async def test_no_party_dms_without_the_opt_in(db: Database) -> None:
    assert not await wants_party_dms(db, USER, NOW)
    await set_cw_topics(db, USER, ["grief"])
    assert not await wants_party_dms(db, USER, NOW)
