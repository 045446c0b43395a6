"""Pack 2026.2 as members meet it, through the emulator: the corrected release order gates what a member
sees (Sweet Dream is second, KARMA is last), and the credits fans check first are right."""

from __future__ import annotations

import pytest

from bot.canon.horizon import horizon_through
from bot.canon.loader import load_pack
from bot.lookups.entries import gated_facts
from tests.lookup.conftest import World

pytestmark = pytest.mark.asyncio(loop_scope="module")

PACK = load_pack()
ENTRIES = [
    *(("episode", "title", e.id) for e in PACK.episodes),
    *(("character", "name", c.id) for c in PACK.characters),
    *(("lore", "term", t.id) for t in PACK.terms),
]


def entry_of(command: str, entry_id: str):  # type: ignore[no-untyped-def]
    if command == "episode":
        return PACK.episode(entry_id)
    return PACK.character(entry_id) if command == "character" else PACK.term(entry_id)


async def everything_a_member_is_shown(world: World, name: str, progress: str) -> tuple[str, list[str]]:
    """Set ``progress`` with /progress, look up every entry privately; return all the bot sent, and the
    fact texts past that progress (which must not be in it)."""
    member = world.emulator.member(world.emulator.guild, name)
    set_reply = await member.slash("progress set", episode=progress)
    assert set_reply.ephemeral, set_reply.text
    mark = len(world.emulator.requests)
    for command, option, entry_id in ENTRIES:
        reply = await member.slash(command, private=True, **{option: entry_id})
        assert reply.ephemeral and reply.embed, f"/{command} {entry_id}: {reply.text}"
    seen = horizon_through(PACK, progress)
    later = [
        fact.text
        for command, _, entry_id in ENTRIES
        for fact in gated_facts(entry_of(command, entry_id))
        if not seen.allows(PACK, fact.revealed_in)
    ]
    return "\n".join(world.request_bodies(mark)), later


async def test_progress_sweet_dream_shows_nothing_from_round_2_or_3(world: World) -> None:
    body, later = await everything_a_member_is_shown(world, "Sol", "sweet-dream")
    assert later and all(text not in body for text in later)
    for r2_or_r3 in ("Till wins his round.", "Ivan wins his round.", "Wins ROUND 2.", "Wins ROUND 3."):
        assert r2_or_r3 in later and r2_or_r3 not in body
    assert "A scene from the past shows Hyuna trying to stab Luka." in body  # Sweet Dream's own


async def test_progress_wiege_shows_nothing_from_karma(world: World) -> None:
    body, later = await everything_a_member_is_shown(world, "Wren", "wiege")
    karma = [f.text for f in PACK.episode("karma").details]
    assert karma and all(text in later and text not in body for text in karma)
    assert all(text not in body for text in later)
    assert "Hyuna still loves Luka, even though she blames him for her brother's death." in body


async def test_ivan_is_sung_by_park_byeong_hoon(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina")
    reply = await mina.slash("character", name="ivan")
    vocals = next(f["value"] for f in reply.embed["fields"] if f["name"] == "Vocals")
    assert vocals == "PARK BYEONG HOON *(medium confidence)*"
    assert "BEYOND" not in reply.text
    till = await mina.slash("character", name="till")
    assert "AKUGETSU *(medium confidence)*" in till.text


async def test_the_final_shows_blink_gone_and_its_singers(world: World) -> None:
    guild = world.emulator.guild
    ara = world.emulator.member(guild, "Ara")
    for typed in ("blink gone", "round 7", "파이널"):
        assert (await ara.autocomplete("episode", "title", typed))[0]["value"] == "final", typed
    await ara.slash("progress set", episode="all-in")
    reply = await ara.slash("episode", title="blink gone", private=True)
    assert reply.embed["title"] == "FINAL: BLINK GONE"
    on_stage = next(f["value"] for f in reply.embed["fields"] if f["name"] == "On stage")
    assert (
        on_stage == "Till, Luka\nBL8M as Luka *(medium confidence)*\nAKUGETSU as Till *(medium confidence)*"
    )
    # Before All-in, who is on stage (and so who won ROUND 6) stays hidden; the title does not.
    kim = world.emulator.member(guild, "Kim")
    await kim.slash("progress set", episode="r6")
    early = await kim.slash("episode", title="r7", private=True)
    assert early.embed["title"] == "FINAL: BLINK GONE" and "AKUGETSU" not in early.text
