"""Discussion threads without Discord: names, forum tags, the opening message, stored rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.canon.loader import load_pack
from bot.canon.model import Episode
from bot.content_warnings import CardContext
from bot.db import Database
from bot.discussion import (
    discussion_settings,
    forget_thread,
    matching_tags,
    opening_embed,
    record_thread,
    round_numbers,
    stored_thread,
    thread_name,
)
from bot.spoilers import visible_text
from tests.database import database_for

PACK = load_pack()


def test_thread_names_follow_the_episode_title() -> None:
    assert thread_name(PACK.episode("r5")) == "ROUND 5 — Ruler of My Heart (spoilers)"
    assert thread_name(PACK.episode("sweet-dream")) == "Sweet Dream (spoilers)"


@given(st.text(min_size=1, max_size=300).filter(str.strip))
def test_thread_names_always_fit_discord(title: str) -> None:
    episode = Episode(id="x", track="main", kind="round", title=title, premise="p")
    name = thread_name(episode)
    assert 0 < len(name) <= 100 and name.endswith("(spoilers)")


def test_round_numbers_come_from_ids_and_aliases() -> None:
    assert round_numbers(PACK.episode("r5")) == {5}
    assert round_numbers(PACK.episode("sweet-dream")) == set()


def test_forum_tags_match_the_episode_and_spoilers() -> None:
    tags = [(1, "Theory"), (2, "Episode 5"), (3, "Spoilers"), (4, "Episode 6")]
    assert matching_tags(tags, PACK.episode("r5")) == [2, 3]
    assert matching_tags(tags, PACK.episode("r6")) == [4, 3]
    assert matching_tags(tags, PACK.episode("sweet-dream")) == [3]
    assert matching_tags([(9, "sweet dream"), (8, "Fan art")], PACK.episode("sweet-dream")) == [9]
    assert matching_tags([(1, "Theory")], PACK.episode("r1")) == []


def test_opening_has_premise_rule_and_tagged_card() -> None:
    embed = opening_embed(PACK, PACK.episode("r1"), CardContext({"r1": "uncut"}, None))
    assert PACK.episode("r1").premise in (embed.description or "")
    assert "Spoilers up to and including" in (embed.description or "")
    values = "\n".join(str(f.value) for f in embed.fields)
    assert "||Suicide and self-harm||" in values and "||uncut||" in values
    assert "Suicide" not in visible_text(values)
    assert len(embed) <= 6000


@pytest.fixture
async def db(tmp_path: Path):
    async with Database(database_for(tmp_path / "d.sqlite3")) as database:
        await database.migrate()
        yield database


async def test_a_thread_row_is_replaced_and_forgotten(db: Database) -> None:
    assert await stored_thread(db, 1, "r5") is None
    await record_thread(db, 1, "r5", 10, 100)
    await record_thread(db, 1, "r5", 10, 101)
    assert await stored_thread(db, 1, "r5") == 101
    assert await forget_thread(db, 100) is None
    assert await forget_thread(db, 101) == 1
    assert await stored_thread(db, 1, "r5") is None


async def test_settings_default_to_no_channel_and_open_threads(db: Database) -> None:
    settings = await discussion_settings(db, 1)
    assert settings.channel_id is None and not settings.gated
    await db.execute(
        "INSERT INTO guild_spoiler_settings (guild_id, discussion_channel, gated_threads) VALUES (1, 55, 1)"
    )
    settings = await discussion_settings(db, 1)
    assert settings.channel_id == 55 and settings.gated
