"""The once-an-hour link card is remembered across a restart of the bot."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.content_warnings.world import R1_VIDEO, R5_VIDEO, write_canon_override
from tests.emulator import Emulator
from tests.emulator.process import BotProcess


async def test_the_hour_survives_a_restart(emulator: Emulator, tmp_path: Path) -> None:
    bot = BotProcess(
        emulator, tmp_path / "clematis.db", env_extra={"CANON_DIR": str(write_canon_override(tmp_path / "c"))}
    )
    await bot.start()
    guild = emulator.guild
    chat = guild.channel("general")
    mina = emulator.member(guild, "Mina")
    await mina.say(chat, f"https://youtu.be/{R5_VIDEO}")
    assert "ROUND 5" in (await emulator.wait_for_message(chat)).text
    assert await bot.stop() == 0

    await bot.start()
    await mina.say(chat, f"once more https://youtu.be/{R5_VIDEO}")
    await mina.say(chat, f"https://youtu.be/{R1_VIDEO}")  # a different episode still gets its card
    assert "ROUND 1" in (await emulator.wait_for_message(chat)).text
    await asyncio.sleep(0.5)
    assert len([m for m in emulator.bot_messages(chat) if "ROUND 5" in m.text]) == 1
    assert await bot.stop() == 0
    assert not bot.tracebacks
