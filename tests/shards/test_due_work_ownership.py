"""Due work about a whole server, or about none, is done by exactly one of the processes that split the
shards: a removed server's purge by the holder of that server's shard (computed from its id, since the
bot is no longer in it), the retention sweep by the holder of shard 0. Real SQLite, the real claim."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.db import Database
from bot.privacy.store import KIND_GUILD_PURGE, KIND_RETENTION_SWEEP, queue_work
from bot.shards import Shards, shard_of
from bot.watchparty.dispatcher import claim_due, next_wake
from bot.watchparty.due import to_db_time

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
COUNT = 4
GUILDS = [(n << 22) | 7 for n in range(8)]  # two servers on each of shards 0-3


async def _party(db: Database, guild_id: int) -> int:
    async with db.transaction() as conn:
        inserted = await conn.fetchone(
            "INSERT INTO watch_parties (guild_id, channel_id, host_id, title, episodes, starts_at, zone) "
            "VALUES (?, 2, 3, 'Party', '[\"r1\"]', ?, 'UTC') RETURNING id",
            (guild_id, to_db_time(NOW + timedelta(hours=2))),
        )
        row = inserted
    assert row is not None
    return int(row[0])


async def test_each_row_is_claimed_by_the_one_process_holding_its_shard(db: Database) -> None:
    async with db.transaction() as conn:
        for guild_id in GUILDS:
            await queue_work(conn, KIND_GUILD_PURGE, now=NOW, guild_id=guild_id)
        await queue_work(conn, KIND_RETENTION_SWEEP, now=NOW)
    party_guild = GUILDS[3]  # shard 3
    party = await _party(db, party_guild)
    async with db.transaction() as conn:
        await queue_work(conn, "reminder", now=NOW, party_id=party, label="1h")

    low, high = Shards(COUNT, frozenset({0, 1})), Shards(COUNT, frozenset({2, 3}))
    assert await next_wake(db, NOW, shards=low) == NOW
    got_low = await claim_due(db, "low", NOW, shards=low, limit=100)
    got_high = await claim_due(db, "high", NOW, shards=high, limit=100)

    purged_low = {r.guild_id for r in got_low if r.kind == KIND_GUILD_PURGE}
    purged_high = {r.guild_id for r in got_high if r.kind == KIND_GUILD_PURGE}
    assert purged_low == {g for g in GUILDS if shard_of(g, COUNT) in {0, 1}}
    assert purged_high == {g for g in GUILDS if shard_of(g, COUNT) in {2, 3}}
    assert [r.kind for r in got_low if r.guild_id is None and r.party_id is None] == [KIND_RETENTION_SWEEP]
    assert not [r for r in got_high if r.kind == KIND_RETENTION_SWEEP]
    assert [r.party_id for r in got_high if r.kind == "reminder"] == [party]
    assert not [r for r in got_low if r.kind == "reminder"]
    assert len(got_low) + len(got_high) == len(GUILDS) + 2  # every row, each once


async def test_a_process_without_shard_0_never_takes_the_sweep(db: Database) -> None:
    async with db.transaction() as conn:
        await queue_work(conn, KIND_RETENTION_SWEEP, now=NOW)
    assert await claim_due(db, "b", NOW, shards=Shards(COUNT, frozenset({1, 2, 3}))) == []
    assert [r.kind for r in await claim_due(db, "a", NOW, shards=Shards(COUNT, frozenset({0})))] == [
        KIND_RETENTION_SWEEP
    ]
