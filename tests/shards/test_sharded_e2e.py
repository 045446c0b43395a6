"""The real bot sharded against the emulator: above 2,500 servers it must shard, and two processes on
disjoint shard ranges of one bot each serve (and remind) only their own servers."""

from __future__ import annotations

import time
from datetime import timedelta

from tests.conftest import assert_clean_exit
from tests.emulator import Emulator
from tests.emulator.process import BotProcess
from tests.emulator.snowflakes import shard_of
from tests.watchparty.test_dispatch_e2e import World, world  # noqa: F401 - fixture

__all__ = ["world"]


async def test_above_2500_servers_the_bot_connects_sharded(emulator: Emulator, tmp_path) -> None:
    started = time.perf_counter()
    for i in range(2600):  # lightweight servers: one channel each
        emulator.add_guild(f"Server {i}", channels=("general",))
    emulator.max_concurrency = 4  # a bot this size may identify several shards at once
    built = time.perf_counter() - started
    bot = BotProcess(emulator, tmp_path / "clematis.db")
    await bot.start(timeout=60)
    await emulator.wait_until(lambda: len(emulator.ready_sessions()) == 3, 30, "three ready shards")

    shards = sorted(tuple(s.identify["shard"]) for s in emulator.ready_sessions())
    assert shards == [(0, 3), (1, 3), (2, 3)]  # /gateway/bot recommended ceil(2601 / 1000) = 3
    assert "in 2601 servers" in bot.output
    assert emulator.identifies_refused == 0  # three buckets of four: all three at once, none refused
    last = list(emulator.guilds.values())[-1]
    member = emulator.member(last, "Mina")
    reply = await member.slash("about", channel=last.channel("general"))
    assert reply.ephemeral and "Clematis" in reply.text
    assert_clean_exit(bot, await bot.stop())
    assert built < 5


async def test_shards_sharing_an_identify_bucket_wait_their_turn_and_are_never_refused(
    emulator: Emulator, tmp_path
) -> None:
    assert emulator.max_concurrency == 1 and emulator.identify_interval == 5.0  # Discord's default
    bot = BotProcess(emulator, tmp_path / "clematis.db", {"SHARD_COUNT": "2"})
    await bot.start(timeout=30)
    await emulator.wait_until(lambda: len(emulator.ready_sessions()) == 2, 20, "both shards")
    assert (emulator.identifies, emulator.identifies_refused) == (2, 0)
    (first, at_first), (second, at_second) = emulator.identify_log
    assert {first, second} == {0, 1} and at_second - at_first >= 5.0  # one bucket: 5 s apart
    assert_clean_exit(bot, await bot.stop())


async def test_two_processes_on_disjoint_shards_serve_and_remind_only_their_own_servers(
    emulator: Emulator, world: World
) -> None:
    zero = emulator.add_guild("Shard Zero Fans", channels=("general",), shard=(0, 2))
    one = emulator.add_guild("Shard One Fans", channels=("general",), shard=(1, 2))
    rows = {}
    for guild in (zero, one):
        party = await world.party(guild.channel("general"), starts_in=timedelta(hours=1))
        rows[guild.id] = await world.due(party, "reminder", at=timedelta(seconds=3))

    first = BotProcess(emulator, world.path, {"SHARD_COUNT": "2", "SHARD_IDS": "0"})
    second = BotProcess(emulator, world.path, {"SHARD_COUNT": "2", "SHARD_IDS": "1"})
    await first.start()
    await second.start()
    await emulator.wait_until(lambda: len(emulator.ready_sessions()) == 2, 10, "both shards")
    assert sorted(tuple(s.identify["shard"]) for s in emulator.ready_sessions()) == [(0, 2), (1, 2)]
    assert "shards 0 of 2" in first.output and "shards 1 of 2" in second.output

    # Each server's commands reach the one process holding its shard, and are answered once.
    for guild in (zero, one, emulator.guild):
        reply = await emulator.member(guild, "Mina").slash("about", channel=guild.channel("general"))
        assert "Clematis" in reply.text

    settled = {gid: row for gid, row in zip(rows, await world.settled(*rows.values()), strict=True)}
    for guild, holder in ((zero, first), (one, second)):
        row = settled[guild.id]
        assert row["status"] == "delivered"
        assert holder.proc is not None and row["claimed_by"].split(":")[1] == str(holder.proc.pid)
        assert len(emulator.messages_in(guild.channel("general"))) == 1
        assert shard_of(guild.id, 2) == (0 if holder is first else 1)
    assert "ANOTHER CLEMATIS PROCESS" not in first.output + second.output
    for process in (first, second):
        assert_clean_exit(process, await process.stop())
