"""dm_member against the emulator: closed DMs are recorded and not retried; open ones get through."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest

from bot.client import Clematis
from bot.config import load_settings
from bot.db import Database
from bot.dm import dm_member, dms_closed_at
from tests.emulator import Emulator


@pytest.fixture
async def live_bot(emulator: Emulator, tmp_path: Path) -> AsyncIterator[Clematis]:
    """The real Clematis class in this process, logged in over REST (no gateway needed to send DMs)."""
    base = discord.http.Route.BASE
    settings = load_settings(
        {
            "DISCORD_TOKEN": emulator.token,
            "DISCORD_API_BASE_URL": emulator.base_url,
            "DATABASE_PATH": str(tmp_path / "dm.sqlite3"),
        }
    )
    bot = Clematis(settings, Database(settings.database_path))
    try:
        await bot.login(settings.token)
        yield bot
    finally:
        await bot.close()
        discord.http.Route.BASE = base


def dm_sends(emulator: Emulator, channel_id: int) -> int:
    return sum(
        1
        for r in emulator.requests
        if r.method == "POST" and re.fullmatch(rf"/channels/{channel_id}/messages", r.path)
    )


async def test_closed_dms_are_recorded_and_not_retried(emulator: Emulator, live_bot: Clematis) -> None:
    member = emulator.member(emulator.guild, "Closed Inbox", dms_closed=True)
    channel = emulator.dm_channel(member.user)
    assert not await dm_member(live_bot, member.id, content="a card")
    assert await dms_closed_at(live_bot.db, member.id) is not None
    assert dm_sends(emulator, channel.id) == 1

    for _ in range(3):
        assert not await dm_member(live_bot, member.id, content="a card")
    assert dm_sends(emulator, channel.id) == 1, "a closed inbox is not retried"


async def test_a_dm_the_member_asks_for_is_tried_and_clears_the_record(
    emulator: Emulator, live_bot: Clematis
) -> None:
    member = emulator.member(emulator.guild, "Reopened Inbox", dms_closed=True)
    assert not await dm_member(live_bot, member.id, content="first")
    member.user.dms_closed = False
    assert await dm_member(live_bot, member.id, retry_closed=True, content="@everyone hello")
    assert await dms_closed_at(live_bot.db, member.id) is None
    message = emulator.messages_in(emulator.dm_channel(member.user))[-1]
    assert message.content == "@everyone hello" and not message.pings


async def test_open_dms_are_delivered(emulator: Emulator, live_bot: Clematis) -> None:
    member = emulator.member(emulator.guild, "Open Inbox")
    embed = discord.Embed(title="Tonight's party", description="card")
    assert await dm_member(live_bot, member.id, embed=embed)
    assert emulator.messages_in(emulator.dm_channel(member.user))[-1].embeds[0]["title"] == "Tonight's party"
