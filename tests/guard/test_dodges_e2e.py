"""Through the emulator: a member writing around the filter (every category of the corpus) gets the
spoiler handled; fan chat that only looks like it (slang, idols, other languages) is left alone."""

from __future__ import annotations

import itertools

import pytest

from tests.emulator import Emulator, Guild, Member
from tests.guard.conftest import run, settle, wait_deleted
from tests.spoilers.corpus_data import OUT_OF_SCOPE, Case, should_catch

pytestmark = pytest.mark.asyncio(loop_scope="module")

CHANNELS = [f"chat-{i}" for i in range(1, 9)]
_servers = itertools.count(1)


def first_of_each_category() -> list[Case]:
    seen: dict[str, Case] = {}
    for case in should_catch():
        if case.category != OUT_OF_SCOPE:
            seen.setdefault(case.category, case)
    return list(seen.values())


async def chat_server(emu: Emulator) -> tuple[Guild, Member]:
    """A fresh server with several chat channels (so the bot's notices spread over them) and a mod log."""
    guild = emu.add_guild(
        f"Dodgers {next(_servers)}", channels=["general", "mod-log", *CHANNELS], roles=["Moderator"]
    )
    mod = emu.moderator(guild)
    await run(mod, "spoilers modlog", channel=guild.channel("mod-log"))
    return guild, mod


@pytest.mark.parametrize("case", first_of_each_category(), ids=lambda c: c.category)
async def test_a_dodged_spoiler_is_removed(emulator: Emulator, case: Case) -> None:
    guild, _ = await chat_server(emulator)
    mina = emulator.member(guild, "Mina")
    posted = await mina.say(guild.channel("general"), case.text)
    await wait_deleted(emulator, posted, f"the {case.category} spoiler {case.text!r} to be removed")
    notice = await emulator.wait_for_message(
        guild.channel("general"), lambda m: m.author.id == emulator.bot_user.id and mina.mention in m.content
    )
    assert notice is not None


INNOCENT = [
    "I'll wait till Friday for the next episode",
    "stan till i die",
    "a titled game",
    "Is Till dead? I haven't watched yet",
    "does mizi die? DON'T answer i'll find out",
    "i would literally die for till",
    "o m g",
    "#ivanfanart",
    "이반 죽이게 잘생겼다",
    "이반 죽겠다 너무 귀여워서",
    "틸 목소리 죽인다",
    "현아 신곡 죽이네",
    "수아 춤 죽인다",
    "이미지 죽이네",
    "이 반죽 진짜 좋다",
    "이반 죽 먹는 팬아트 귀엽다",
    "Иван умер вчера, это ужасно",
    "Ο Ιβάν πέθανε στο έκτο επεισόδιο",
    "still dying over this fanart",
    "r5 was a masterpiece",
]


async def test_fan_chat_that_only_looks_like_a_spoiler_is_left_alone(emulator: Emulator) -> None:
    guild, _ = await chat_server(emulator)
    mina = emulator.member(guild, "Mina")
    posted = [await mina.say(guild.channel(CHANNELS[i % len(CHANNELS)]), t) for i, t in enumerate(INNOCENT)]
    for channel in CHANNELS:
        await settle(emulator, mina, guild.channel(channel))
    assert [m.content for m in posted if m.deleted] == []


async def test_korean_slang_is_left_alone_while_the_spoiler_spelled_out_is_removed(
    emulator: Emulator,
) -> None:
    guild, _ = await chat_server(emulator)
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    slang = await mina.say(general, "이반 죽이네 진짜")
    spelled = await mina.say(general, "이 반 죽 었 어")
    await wait_deleted(emulator, spelled, "the syllable-by-syllable spoiler to be removed")
    assert not slang.deleted
