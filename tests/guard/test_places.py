"""Where spoilers are allowed (tags, spoiler channels, an episode's thread, the release window), what
counts as visible (edits, bypasses), and who is exempt."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.db import Database
from tests.conftest import assert_clean_exit
from tests.emulator import Channel, Emulator, Guild
from tests.emulator.process import BotProcess
from tests.guard.conftest import assert_pings_only, configured_server, run, settle, wait_deleted

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Emulator, BotProcess]]:
    """A server whose forum #discussion already has the threads for ROUND 1 and ROUND 6 (as the
    discussion-thread feature records them) when the bot starts."""
    emu = Emulator()
    guild = emu.add_guild("Threads", channels=["general", "mod-log", "forum:discussion"], roles=["Moderator"])
    owner = guild.members[guild.owner_id]
    forum = guild.channel("discussion")
    r1 = guild.add_thread(forum, "ROUND 1 discussion", owner=owner, content="Talk about ROUND 1 here")
    r6 = guild.add_thread(forum, "ROUND 6 discussion", owner=owner, content="Talk about ROUND 6 here")
    path = tmp_path_factory.mktemp("places") / "clematis.db"
    async with Database(path) as db:
        await db.migrate()
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO discussion_threads (guild_id, episode_id, channel_id, thread_id) VALUES (?, ?, ?, ?)",
            [(guild.id, "r1", forum.id, r1.id), (guild.id, "r6", forum.id, r6.id)],
        )
    await emu.start()
    bot = BotProcess(emu, path)
    await bot.start()
    yield emu, bot
    code = await bot.stop()
    await emu.stop()
    assert_clean_exit(bot, code)
    emu.assert_clean()


def _threads(emu: Emulator) -> tuple[Guild, Channel, Channel]:
    guild = next(g for g in emu.guilds.values() if g.name == "Threads")
    return guild, guild.channel("ROUND 1 discussion"), guild.channel("ROUND 6 discussion")


async def test_spoiler_tags_hide_a_spoiler(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    hidden = [
        await mina.say(general, "||Ivan dies|| at the end"),
        await mina.say(general, "Ivan ||dies|| :("),
        await mina.say(general, "no way (||ivan dies||)"),
    ]
    await settle(emulator, mina, general)
    assert not any(m.deleted for m in hidden)


async def test_anything_goes_in_a_spoiler_channel_and_its_threads(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator)
    spoilers = guild.channel("spoilers")
    await run(mod, "spoilers channel add", channel=spoilers)
    mina = emulator.member(guild, "Mina")
    thread = await mina.start_thread(spoilers, "finale feelings")
    kept = [
        await mina.say(spoilers, "Ivan dies and till was shot"),
        await mina.say(thread, "luka wins the final"),
    ]
    await settle(emulator, mina, guild.channel("general"))
    assert not any(m.deleted for m in kept)
    await run(mod, "spoilers channel remove", channel=spoilers)
    caught = await mina.say(spoilers, "Ivan dies")
    await wait_deleted(emulator, caught)


async def test_an_episode_thread_allows_that_episode_and_catches_later_ones(emulator: Emulator) -> None:
    guild, r1_thread, r6_thread = _threads(emulator)
    mina = emulator.member(guild, "Mina")
    allowed = [await mina.say(r1_thread, "sua dies and it hurts"), await mina.say(r6_thread, "ivan dies!!")]
    allowed.append(await mina.say(r6_thread, "and sua dies in round 1 too"))  # earlier episodes are fine
    later = await mina.say(r1_thread, "wait till you see ivan dies")
    await wait_deleted(emulator, later, "the ROUND 6 spoiler in the ROUND 1 thread to be removed")
    notice = await emulator.wait_for_message(r1_thread)
    assert "ROUND 6" in notice.text
    await settle(emulator, mina, guild.channel("general"))
    assert not any(m.deleted for m in allowed)
    assert_pings_only(emulator, guild, {mina.id})


async def test_release_window_makes_old_episodes_public(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    before = await mina.say(general, "sua dies")
    await wait_deleted(emulator, before)
    await mod.slash("spoilers window", days=30)
    old = await mina.say(general, "sua dies")  # ROUND 1 came out in 2022
    wiege = await mina.say(general, "hyuna still loves luka")  # undated, but before KARMA (2025): public
    undated = await mina.say(general, "till hallucinates ivan")  # the comics have no date: only by hand
    await wait_deleted(emulator, undated)
    await settle(emulator, mina, general, "sua is dismembered")  # Zombie Stage has no date either
    assert not wiege.deleted
    assert not old.deleted


async def test_an_edit_that_adds_a_spoiler_is_caught(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    message = await mina.say(general, "guess what happens in round 6")
    await mina.edit(message, "guess what happens in round 6: ivan dies")
    await wait_deleted(emulator, message, "the edited spoiler to be removed")
    notice = await emulator.wait_for_message(general)
    assert "edited message" in notice.text


@pytest.mark.parametrize(
    "text",
    [
        "Ivan d||i||es",
        "Iv||an di||es",
        "Iv\u200ban d\u200bies",  # zero-width spaces
        "Ｉｖａｎ ｄｉｅｓ",  # full-width
        "Іvаn dіеs",  # Cyrillic look-alikes
        "ivan\n\n**dies**",
        "이반 죽었어",
        "ivan <:sob:1234567890> dies",  # a custom emoji between the words
    ],
)
async def test_bypasses_are_caught(emulator: Emulator, text: str) -> None:
    guild = next(g for g in emulator.guilds.values() if g.name == "Threads")
    mina = emulator.member(guild, "Mina")
    spoiler = await mina.say(guild.channel("general"), text)
    await wait_deleted(emulator, spoiler, f"{text!r} to be removed")


async def test_exempt_roles_are_not_checked(emulator: Emulator) -> None:
    guild, mod = await configured_server(emulator)
    staff = guild.add_role("Story team")
    await mod.slash("spoilers exempt add", role=staff)
    writer = emulator.member(guild, "Writer", roles=[staff])
    mina = emulator.member(guild, "Mina")
    kept = await writer.say(guild.channel("general"), "ivan dies (pinned recap)")
    await settle(emulator, mina, guild.channel("general"))
    assert not kept.deleted


async def test_bots_and_webhooks_are_not_checked(emulator: Emulator) -> None:
    guild, _ = await configured_server(emulator, action="repost")
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    spoiler = await mina.say(general, "ivan dies")
    await wait_deleted(emulator, spoiler)
    repost = await emulator.wait_for_message(general, lambda m: m.webhook_id is not None)
    other_bot = emulator.user("Other Bot", bot=True)
    guild.members[other_bot.id] = type(mina)(other_bot, guild)
    from_bot = await guild.members[other_bot.id].say(general, "ivan dies")
    sentinel = await mina.say(general, "till was shot")
    await wait_deleted(emulator, sentinel)
    await emulator.wait_for_message(general, lambda m: m.webhook_id is not None and "FINAL" in m.content)
    assert not repost.deleted and not from_bot.deleted
