"""SpoilerCache: loaded once, no database on the message path, reloaded per server on change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from bot.canon.store import CanonStore
from bot.db import Database
from bot.guard import invalidate_guild, spoiler_cache
from bot.guard import rules as rules_module
from bot.guard import settings as store
from bot.guard.cache import SpoilerCache

TODAY = date(2026, 11, 21)
GUILD, OTHER, THREAD = 1, 2, 30


@dataclass(eq=False)
class FakeBot:
    """What the cache needs from the bot (``invalidate_guild`` takes any such object)."""

    db: Database
    canon: CanonStore


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[FakeBot]:
    async with Database(tmp_path / "c.sqlite3") as db:
        await db.migrate()
        yield FakeBot(db, CanonStore.load())


async def traced(db: Database) -> list[str]:
    statements: list[str] = []
    await db.conn.set_trace_callback(statements.append)
    return statements


async def test_after_start_up_no_server_costs_a_query(bot: FakeBot) -> None:
    await store.set_action(bot.db, GUILD, "flag")
    cache = spoiler_cache(bot)
    await cache.load_all()
    statements = await traced(bot.db)
    configured, fresh = cache.state(GUILD), cache.state(12345)
    assert configured is not None and configured.config.action == "flag"
    assert fresh is not None and fresh.config.action == "nudge"
    for _ in range(100):
        configured.detect(bot.canon.pack, "ivan dies", channel_id=9, parent_id=None, today=TODAY)
        fresh.detect(bot.canon.pack, "hello there", channel_id=9, parent_id=None, today=TODAY)
    await bot.db.fetchval("SELECT 1")  # the trace callback runs on the database thread: flush it
    assert statements == ["SELECT 1"]


async def test_before_start_up_a_server_is_loaded_on_first_use(bot: FakeBot) -> None:
    cache = SpoilerCache(bot.db, bot.canon)
    assert cache.state(GUILD) is None
    state = await cache.load(GUILD)
    assert cache.state(GUILD) is state


async def test_invalidate_guild_reloads_what_another_feature_wrote(bot: FakeBot) -> None:
    cache = spoiler_cache(bot)
    await cache.load_all()
    pack = bot.canon.pack
    before = cache.state(GUILD)
    assert before is not None and before.detect(pack, "sua dies", channel_id=THREAD, parent_id=5, today=TODAY)
    await bot.db.execute(
        "INSERT INTO discussion_threads (guild_id, episode_id, channel_id, thread_id) VALUES (?, ?, ?, ?)",
        (GUILD, "r1", 5, THREAD),
    )
    invalidate_guild(bot, GUILD)
    assert cache.state(GUILD) is None  # never the stale state, never a default one: the caller awaits
    after = await cache.load(GUILD)
    assert after.config.threads == {THREAD: "r1"}
    assert after.detect(pack, "sua dies", channel_id=THREAD, parent_id=5, today=TODAY) is None
    await asyncio.sleep(0.05)  # the background reload finishes quietly
    assert cache.state(GUILD) is not None


async def test_every_server_at_one_horizon_shares_the_compiled_canon_rules(bot: FakeBot) -> None:
    cache = spoiler_cache(bot)
    await cache.load_all()
    pack = bot.canon.pack
    a, b = cache.state(GUILD), cache.state(OTHER)
    assert a is not None and b is not None
    a.refresh(pack, TODAY)
    b.refresh(pack, TODAY)
    assert a.ruleset is b.ruleset and a.ruleset.own is None
    await store.add_rule(bot.db, OTHER, "r6", "ivan cries", 7)
    b = await cache.reload(OTHER)
    statements = await traced(bot.db)
    assert b.detect(pack, "ivan cries", channel_id=9, parent_id=None, today=TODAY) is not None
    # Its own rule is a small addition next to the same shared canon set, compiled before any message.
    assert b.ruleset.shared is a.ruleset.shared and b.ruleset.own is not None and len(b.ruleset.own) == 1
    assert cache.compiled_count == 1
    await bot.db.fetchval("SELECT 1")
    assert statements == ["SELECT 1"]


async def test_a_canon_reload_compiles_the_shared_rules_once_and_keeps_unchanged_additions(
    bot: FakeBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.add_rule(bot.db, GUILD, "r6", "ivan cries", 7)
    cache = spoiler_cache(bot)
    await cache.load_all()
    state, other = cache.state(GUILD), cache.state(OTHER)
    assert state is not None and other is not None
    other.refresh(bot.canon.pack, TODAY)
    old = state.ruleset
    compiled: list[int] = []
    real = rules_module.compile_rules
    monkeypatch.setattr(
        rules_module, "compile_rules", lambda *args, **kwargs: compiled.append(1) or real(*args, **kwargs)
    )
    new_pack = bot.canon.reload()
    # The canon set once; this server's one-rule addition would compile the same (same names, same rule
    # past the horizon), so it is kept.
    assert len(compiled) == 1
    assert cache.compiled_count == 1
    assert state.detect(new_pack, "ivan dies", channel_id=9, parent_id=None, today=TODAY) is not None
    assert state.detect(new_pack, "ivan cries", channel_id=9, parent_id=None, today=TODAY) is not None
    assert state.ruleset is not old and state.pack is new_pack
    assert state.ruleset.own is old.own and state.ruleset.shared is not old.shared
    assert len(compiled) == 1  # nothing compiled on the message path
