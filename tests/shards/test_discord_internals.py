"""discord.py internals the shard start-up relies on (``bot.client.register_shard``).

discord.py has no public way to register a shard connected by hand, which start-up needs to report a
refused gateway instead of retrying forever. These tests fail loudly when a discord.py release renames
or reshapes the private shard table or event queue, or stops registering shards the same way.
"""

from __future__ import annotations

import inspect

import discord
from discord.ext import commands

from bot.client import EVENT_QUEUE, SHARD_TABLE


def test_autoshardedclient_still_registers_shards_as_register_shard_does() -> None:
    source = inspect.getsource(discord.AutoShardedClient.launch_shard)
    assert "self.__shards[shard_id] = ret = Shard(ws, self, self.__queue.put_nowait)" in source, (
        f"discord.py {discord.__version__} changed how launch_shard registers a shard: update "
        "bot.client.register_shard"
    )
    assert list(inspect.signature(discord.shard.Shard).parameters) == ["ws", "client", "queue_put"]


async def test_the_private_shard_table_and_event_queue_exist_where_register_shard_looks() -> None:
    bot = commands.AutoShardedBot(command_prefix=(), intents=discord.Intents.none(), shard_count=1)
    try:
        assert getattr(bot, SHARD_TABLE) == {}
        await bot._async_setup_hook()  # noqa: SLF001 - where discord.py creates the queue
        assert hasattr(getattr(bot, EVENT_QUEUE), "put_nowait")
    finally:
        await bot.close()
