"""Limits on upcoming watch parties, in the store: what counts, who is held to what, and that concurrent
inserts never overshoot (the count and the insert share one transaction)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from bot.db import Database
from bot.watchparty.parties import cancel_party, create_party, create_series
from bot.watchparty.quota import (
    DEFAULT_MEMBER_LIMIT,
    DEFAULT_SERVER_LIMIT,
    Quota,
    QuotaExceeded,
    party_limits,
    set_party_limits,
)
from tests.watchparty.test_party_store import NOW, draft

MEMBER = Quota(moderator=False)


async def test_defaults_leave_room_for_a_full_series_and_below_discords_event_cap(db: Database) -> None:
    limits = await party_limits(db, 10)
    assert (limits.member, limits.server, limits.host_role_id) == (12, 50, None)
    assert DEFAULT_MEMBER_LIMIT >= 12 and DEFAULT_SERVER_LIMIT < 100
    changed = await set_party_limits(db, 10, member=3)
    assert (changed.member, changed.server) == (3, 50)
    assert (await set_party_limits(db, 10, server=7)).member == 3  # the other limit stays


async def test_ended_and_cancelled_parties_do_not_count(db: Database) -> None:
    await set_party_limits(db, 10, member=2)
    ended = await create_party(db, draft(NOW - timedelta(hours=3)), now=NOW - timedelta(days=1))
    cancelled = await create_party(db, draft(NOW + timedelta(days=1)), now=NOW)
    await cancel_party(db, cancelled)
    running = await create_party(db, draft(NOW - timedelta(minutes=30)), now=NOW - timedelta(days=1))
    assert ended and running
    await create_party(db, draft(NOW + timedelta(days=2)), now=NOW, quota=MEMBER)  # 2 with the running one
    with pytest.raises(QuotaExceeded, match="You already host 2 upcoming watch parties here"):
        await create_party(db, draft(NOW + timedelta(days=3)), now=NOW, quota=MEMBER)


async def test_a_series_counts_every_party_and_says_how_many_fit(db: Database) -> None:
    await set_party_limits(db, 10, member=5)
    drafts = [draft(NOW + timedelta(weeks=w + 1)) for w in range(6)]
    with pytest.raises(QuotaExceeded, match="`count: 5`"):
        await create_series(
            db,
            drafts,
            wall_time=datetime(2026, 12, 8, 20),
            zone="Europe/Berlin",
            next_episode=None,
            now=NOW,
            quota=MEMBER,
        )
    assert await db.fetchval("SELECT count(*) FROM watch_parties") == 0  # nothing half-stored
    assert await db.fetchval("SELECT count(*) FROM party_series") == 0


async def test_moderators_are_held_only_to_the_servers_limit(db: Database) -> None:
    await set_party_limits(db, 10, member=1, server=3)
    mod = Quota(moderator=True)
    for day in (1, 2, 3):
        await create_party(db, draft(NOW + timedelta(days=day)), now=NOW, quota=mod)
    with pytest.raises(QuotaExceeded, match="This server already has 3 upcoming watch parties"):
        await create_party(db, draft(NOW + timedelta(days=4)), now=NOW, quota=mod)


async def test_concurrent_requests_never_overshoot(db: Database) -> None:
    await set_party_limits(db, 10, member=4)

    async def one(day: int) -> bool:
        try:
            await create_party(db, draft(NOW + timedelta(days=day)), now=NOW, quota=MEMBER)
        except QuotaExceeded:
            return False
        return True

    made = await asyncio.gather(*(one(day) for day in range(1, 21)))
    assert sum(made) == 4
    assert await db.fetchval("SELECT count(*) FROM watch_parties") == 4
