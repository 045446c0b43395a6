"""What must survive a restart: the nudge copy button and the once-only permission warning."""

from __future__ import annotations

import pytest

from tests.emulator import Emulator, Permission
from tests.emulator.permissions import BOT_DEFAULT
from tests.emulator.process import BotProcess
from tests.guard.conftest import configured_server, modlog_texts, wait_deleted, wait_modlog

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_the_copy_button_works_after_a_restart(emulator: Emulator, bot: BotProcess) -> None:
    guild, _ = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    spoiler = await mina.say(general, "ivan dies and I'm not ok")
    await wait_deleted(emulator, spoiler)
    notice = await emulator.wait_for_message(general)
    await bot.stop()
    await bot.start()
    copy = await mina.click(notice, "Get my message back")
    assert copy.ephemeral and copy.content == "||ivan dies and I'm not ok||"


async def test_a_missing_permission_is_reported_once_across_restarts_and_again_after_it_returns(
    emulator: Emulator, bot: BotProcess
) -> None:
    guild, _ = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")

    def warnings() -> int:
        return sum("**Manage Messages**" in t for t in modlog_texts(emulator, guild))

    def flags() -> int:
        return sum("🚩" in t for t in modlog_texts(emulator, guild))

    guild.set_bot_permissions(BOT_DEFAULT & ~Permission.MANAGE_MESSAGES)
    await mina.say(general, "ivan dies")
    await emulator.wait_until(lambda: flags() == 1 and warnings() == 1, 5, "a flag and one warning")
    await bot.stop()
    await bot.start()
    await mina.say(general, "till was shot")
    await emulator.wait_until(lambda: flags() == 2, 5, "the second flag")
    assert warnings() == 1

    guild.set_bot_permissions(BOT_DEFAULT)
    removed = await mina.say(general, "sua dies")
    await wait_deleted(emulator, removed)
    await wait_modlog(emulator, guild, lambda t: removed.jump_url in t and "I removed it" in t, "the outcome")
    guild.set_bot_permissions(BOT_DEFAULT & ~Permission.MANAGE_MESSAGES)
    await mina.say(general, "ivan dies again")
    await emulator.wait_until(lambda: warnings() == 2, 5, "a new warning once the permission went away again")
