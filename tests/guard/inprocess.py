"""The real bot with only the spoiler cogs, run in this process so a test can watch (or break) its
database while the emulator drives it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest

from bot.client import Clematis
from bot.config import load_settings
from bot.db import Database
from tests.conftest import build_community
from tests.emulator import Emulator
from tests.guard.conftest import assert_no_stray_pings

GUARD_COGS = ("cogs.spoiler_guard", "cogs.spoiler_settings")


class GuardOnly(Clematis):
    """The real bot with only the spoiler cogs, counting the messages it has seen."""

    seen = 0

    async def load_cogs(self) -> None:
        for name in GUARD_COGS:
            await self.load_extension(name)

    async def on_message(self, message: discord.Message) -> None:
        self.seen += 1


@pytest.fixture(name="emulator")
async def inprocess_emulator() -> AsyncIterator[Emulator]:
    """A fresh emulator of the usual community, without the module's bot process."""
    emu = Emulator()
    build_community(emu)
    await emu.start()
    yield emu
    await emu.stop()
    emu.assert_clean()
    assert_no_stray_pings(emu)


@pytest.fixture(name="live")
async def inprocess_bot(emulator: Emulator, tmp_path: Path) -> AsyncIterator[GuardOnly]:
    base = discord.http.Route.BASE
    settings = load_settings(
        {
            **emulator.env(),
            "DATABASE_PATH": str(tmp_path / "live.sqlite3"),
            "DISCORD_GUILD_READY_TIMEOUT": "0.05",
        }
    )
    bot = GuardOnly(settings, Database(settings.database_path))
    runner = asyncio.create_task(bot.start(settings.token))
    await emulator.wait_until(lambda: bot.is_ready() or runner.done(), 20, "the in-process bot to be ready")
    cog = bot.get_cog("SpoilerGuard")
    await emulator.wait_until(lambda: cog is not None and cog.cache.loaded_all, 5, "spoiler states to load")
    yield bot
    await bot.close()
    await asyncio.wait_for(runner, 10)
    discord.http.Route.BASE = base


# A test module uses these with ``from tests.guard.inprocess import inprocess_bot, inprocess_emulator``
# (then asks for ``emulator`` and ``live``).
