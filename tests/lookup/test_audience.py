"""Which horizon an answer uses: public answers the place's, private ones and DMs the member's own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.canon.horizon import Horizon, horizon_through
from bot.canon.loader import load_pack
from bot.canon.store import CanonStore
from bot.content_warnings.preferences import set_cw_topics
from bot.content_warnings.server import set_support_message
from bot.db import Database
from bot.guard.cache import SpoilerCache
from bot.lookups.audience import audience_for

PACK = load_pack()
GUILD, GENERAL, SPOILERS, USER = 1, 10, 11, 100


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "a.sqlite3") as database:
        await database.migrate()
        await database.execute(
            "INSERT INTO member_progress (user_id, track, episode_id) VALUES (?, 'main', 'r6')", (USER,)
        )
        await database.execute(
            "INSERT INTO spoiler_channels (guild_id, channel_id) VALUES (?, ?)", (GUILD, SPOILERS)
        )
        yield database


async def ask(db: Database, *, guild: int | None = GUILD, channel: int = GENERAL, private: bool = False):  # type: ignore[no-untyped-def]
    server = None
    if guild is not None:  # what the spoiler guard holds in memory for the server
        server = (await SpoilerCache(db, CanonStore.load()).load(guild)).places(PACK, date(2026, 1, 1))
    return await audience_for(
        db, PACK, user_id=USER, server=server, guild_id=guild, channel_id=channel, parent_id=None,
        private=private, progress_command="</progress:5>",
    )  # fmt: skip


async def test_an_answer_reads_the_member_once_and_then_everything_from_memory(db: Database) -> None:
    await set_cw_topics(db, USER, ["blood"])
    await set_support_message(db, GUILD, "Talk to us in #support")
    server = (await SpoilerCache(db, CanonStore.load()).load(GUILD)).places(PACK, date(2026, 1, 1))
    statements: list[str] = []
    await db.conn.set_trace_callback(statements.append)
    await audience_for(db, PACK, user_id=USER, server=server, guild_id=GUILD, channel_id=GENERAL,
                       parent_id=None, private=True)  # fmt: skip
    assert sum("member_progress" in s for s in statements) == 1  # the member, in one query
    read = len(statements)
    seen = await audience_for(db, PACK, user_id=USER, server=server, guild_id=GUILD, channel_id=GENERAL,
                              parent_id=None, private=True)  # fmt: skip
    await db.conn.set_trace_callback(None)
    assert len(statements) == read  # the second answer reads nothing
    assert seen.horizon == horizon_through(PACK, "r6")
    assert seen.warnings.plain_topics == {"blood"}
    assert seen.warnings.support_message == "Talk to us in #support"
    await set_support_message(db, GUILD, "Ask a moderator")  # a change is seen at once
    again = await audience_for(db, PACK, user_id=USER, server=server, guild_id=GUILD, channel_id=GENERAL,
                               parent_id=None, private=False)  # fmt: skip
    assert again.warnings.support_message == "Ask a moderator" and again.warnings.plain_topics == frozenset()


async def test_a_public_answer_in_general_shows_only_what_the_server_made_public(db: Database) -> None:
    seen = await ask(db)
    assert seen.horizon == Horizon() and not seen.private
    assert seen.personal == horizon_through(PACK, "r6") and seen.has_progress
    assert seen.progress_command == "</progress:5>"


async def test_a_public_answer_in_a_spoiler_channel_shows_the_members_progress(db: Database) -> None:
    assert (await ask(db, channel=SPOILERS)).horizon == horizon_through(PACK, "r6")


async def test_a_private_answer_and_a_dm_show_the_members_progress(db: Database) -> None:
    for seen in (await ask(db, private=True), await ask(db, guild=None)):
        assert seen.private and seen.horizon == horizon_through(PACK, "r6")
