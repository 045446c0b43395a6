"""The whole message path of the real bot, run in this process so its database can be watched:
ordinary chat costs no query at all; the thread feature's hook reloads a server's state."""

from __future__ import annotations

import asyncio

import pytest

from tests.emulator import Emulator
from tests.guard.conftest import run, wait_deleted
from tests.guard.inprocess import GuardOnly, inprocess_bot, inprocess_emulator  # noqa: F401 - fixtures


async def test_ordinary_chat_costs_no_database_query(emulator: Emulator, live: GuardOnly) -> None:
    guild = emulator.guild
    mod = emulator.moderator(guild)
    await run(mod, "spoilers modlog", channel=guild.channel("mod-log"))
    await run(mod, "spoilers channel add", channel=guild.channel("spoilers"))
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    statements: list[str] = []
    await live.db.conn.set_trace_callback(statements.append)
    start = live.seen
    chat = [
        "good morning!",
        "the vocals in ROUND 6 ✨",
        "||ivan dies|| 😭",
        "Ivan is my favourite",
        "수아 최고",
    ]
    for i in range(300):
        await mina.say(general, chat[i % len(chat)])
    await mina.say(guild.channel("spoilers"), "ivan dies and till was shot")  # a hit, in a spoiler channel
    await emulator.wait_until(lambda: live.seen - start >= 301, 20, "the bot to see every message")
    await asyncio.sleep(0.2)  # listeners run as tasks right after
    await live.db.fetchval("SELECT 1")  # flush the database thread's trace
    assert statements == ["SELECT 1"]
    spoiler = await mina.say(general, "ivan dies")
    await wait_deleted(emulator, spoiler)
    assert any("guild_settings" in s for s in statements)  # the spoiler path does use the database


async def test_the_state_changed_event_reloads_a_server(emulator: Emulator, live: GuardOnly) -> None:
    guild = emulator.guild
    mina = emulator.member(guild, "Mina")
    thread = await mina.start_thread(guild.channel("discussion"), "ROUND 1", content="talk")
    await live.db.execute(
        "INSERT INTO discussion_threads (guild_id, episode_id, channel_id, thread_id) VALUES (?, ?, ?, ?)",
        (guild.id, "r1", guild.channel("discussion").id, thread.id),
    )
    live.dispatch("spoiler_state_changed", guild.id)
    await asyncio.sleep(0.1)
    kept = await mina.say(thread, "sua dies")
    caught = await mina.say(thread, "ivan dies")
    await wait_deleted(emulator, caught)
    assert not kept.deleted


async def test_the_nudge_notice_removes_itself(
    emulator: Emulator, live: GuardOnly, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.guard import actions

    assert 20 <= actions.NOTICE_SECONDS <= 60  # "after about 30 seconds"; shortened below to keep this fast
    monkeypatch.setattr(actions, "NOTICE_SECONDS", 0.3)
    mina = emulator.member(emulator.guild, "Mina")
    general = emulator.guild.channel("general")
    spoiler = await mina.say(general, "ivan dies")
    await wait_deleted(emulator, spoiler)
    notice = await emulator.wait_for_message(general)
    assert mina.mention in notice.content
    await emulator.wait_until(lambda: notice.deleted, 5, "the notice to remove itself")


async def test_ordinary_chat_is_passed_over_before_discord_py_builds_it(
    emulator: Emulator, live: GuardOnly
) -> None:
    guild = emulator.guild
    live.remove_listener(live.count_message, "on_message")  # only the guard's listener is left
    built: list[str] = []
    parse = live._parse_message_create  # noqa: SLF001

    def counting_parse(data: dict[str, object]) -> None:
        built.append(str(data["content"]))
        parse(data)

    live._parse_message_create = counting_parse  # noqa: SLF001
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    for text in ("good morning!", "||ivan dies|| 😭", "Ivan is my favourite", "수아 최고"):
        last = await mina.say(general, text)
    await emulator.wait_until(
        lambda: live.get_channel(general.id).last_message_id == last.id,  # type: ignore[union-attr]
        10,
        "the bot to note the channel's last message",
    )
    spoiler = await mina.say(general, "ivan dies")
    await wait_deleted(emulator, spoiler)
    assert built == ["ivan dies"]  # only the message a listener acts on became a discord.py Message
