"""The members held in memory for lookups (`bot.members`): every write path drops the stale copy, a read
that overlaps a change is not kept, and the copy is bounded."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import members
from bot.canon.horizon import horizon_through
from bot.canon.loader import load_pack
from bot.content_warnings.preferences import clear_preferences, set_cw_topics
from bot.db import Database
from bot.db.notify import MEMBER_DELETED, PROGRESS, Invalidations, attach
from bot.members import forget_member, held_members, listen_for_changes, member
from bot.privacy.store import delete_user
from bot.progress import advance_progress, clear_progress, set_progress

PACK = load_pack()
USER, OTHER = 100, 200


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "m.sqlite3") as database:
        await database.migrate()
        yield database


async def test_a_member_is_read_once_then_held(db: Database) -> None:
    await set_progress(db, PACK, USER, "r3")
    statements: list[str] = []
    await db.conn.set_trace_callback(statements.append)
    first = await member(db, USER)
    again = await member(db, USER)
    await db.conn.set_trace_callback(None)
    assert len(statements) == 1 and again is first
    assert first.progress(PACK) == horizon_through(PACK, "r3")


async def test_setting_advancing_and_clearing_progress_are_seen_at_once(db: Database) -> None:
    assert (await member(db, USER)).progress(PACK) is None  # nothing set, and held as such
    await set_progress(db, PACK, USER, "r3")
    assert (await member(db, USER)).progress(PACK) == horizon_through(PACK, "r3")
    await set_progress(db, PACK, USER, "r2")  # back on its own track (a correction)
    assert (await member(db, USER)).progress(PACK) == horizon_through(PACK, "r2")
    assert await advance_progress(db, PACK, USER, "r6")
    assert (await member(db, USER)).progress(PACK) == horizon_through(PACK, "r6")
    await clear_progress(db, USER)
    assert (await member(db, USER)).progress(PACK) is None


async def test_changing_and_clearing_topics_are_seen_at_once(db: Database) -> None:
    assert (await member(db, USER)).plain_topics == frozenset()
    await set_cw_topics(db, USER, ["blood"])
    assert (await member(db, USER)).plain_topics == {"blood"}
    await clear_preferences(db, USER)
    assert (await member(db, USER)).plain_topics == frozenset()


async def test_a_privacy_deletion_drops_what_is_held(db: Database) -> None:
    await set_progress(db, PACK, USER, "r6")
    await set_cw_topics(db, USER, ["blood"])
    await set_progress(db, PACK, OTHER, "r2")
    assert (await member(db, USER)).progress(PACK) is not None
    await member(db, OTHER)
    await delete_user(db, USER, now=datetime.now(UTC))
    gone = await member(db, USER)
    assert gone.progress(PACK) is None and gone.plain_topics == frozenset()
    assert (await member(db, OTHER)).progress(PACK) == horizon_through(PACK, "r2")  # others are untouched


async def test_a_read_overlapping_a_change_is_answered_but_not_kept(db: Database) -> None:
    await set_progress(db, PACK, USER, "r3")
    reading = asyncio.ensure_future(member(db, USER))
    await asyncio.sleep(0)  # the read is now waiting for the database
    forget_member(db, OTHER)  # a change (to anyone) commits meanwhile
    await reading
    assert held_members(db) == 0  # it may have read before the change: not kept
    await member(db, USER)
    assert held_members(db) == 1


async def test_the_copy_is_bounded_and_drops_the_least_recently_used(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(members, "MAX_MEMBERS", 2)
    await set_progress(db, PACK, USER, "r3")
    await member(db, 1)
    await member(db, USER)
    await member(db, 1)  # used again: USER is now the oldest
    await member(db, 2)
    assert held_members(db) == 2
    statements: list[str] = []
    await db.conn.set_trace_callback(statements.append)
    await member(db, 1)
    await member(db, 2)
    assert statements == []
    assert (await member(db, USER)).progress(PACK) == horizon_through(PACK, "r3")  # read again
    await db.conn.set_trace_callback(None)
    assert len(statements) == 1


async def test_progress_is_recomputed_for_a_reloaded_pack(db: Database) -> None:
    await set_progress(db, PACK, USER, "r3")
    held = await member(db, USER)
    reloaded = load_pack()
    assert reloaded is not PACK
    assert held.progress(reloaded) == held.progress(PACK) == horizon_through(PACK, "r3")


async def test_a_change_no_notice_reaches_is_seen_after_the_hold_time(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The privacy command line on a SQLite bot's live database: no notice, but a bounded wait."""
    await set_progress(db, PACK, USER, "r3")
    assert (await member(db, USER)).progress(PACK) is not None
    await db.execute("DELETE FROM member_progress WHERE user_id = ?", (USER,))  # as another process would
    assert (await member(db, USER)).progress(PACK) is not None  # still held
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + members.HOLD_SECONDS)
    assert (await member(db, USER)).progress(PACK) is None


async def test_another_processs_change_or_deletion_drops_the_member(db: Database) -> None:
    """What `bot.db.notify` delivers from another process on the same PostgreSQL (no listening here)."""
    await set_progress(db, PACK, USER, "r3")
    await set_progress(db, PACK, OTHER, "r2")
    hub = attach(db, Invalidations("postgresql://other-processes.invalid/clematis"))
    listen_for_changes(db)
    for user_id, topic in ((USER, PROGRESS), (OTHER, MEMBER_DELETED)):
        assert (await member(db, user_id)).progress(PACK) is not None
        await db.execute("DELETE FROM member_progress WHERE user_id = ?", (user_id,))  # the other process
        assert (await member(db, user_id)).progress(PACK) is not None  # not told yet
        hub.deliver(topic, user_id)
        assert (await member(db, user_id)).progress(PACK) is None
    assert held_members(db) == 2
    hub.reset()  # notices may have been missed while the listener reconnected
    assert held_members(db) == 0
