"""/progress: set (with autocomplete and suggestions), show, clear; private answers, kept across servers."""

from __future__ import annotations

import pytest

from tests.emulator import Emulator, Member
from tests.guard.conftest import new_server

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_set_show_and_clear_progress(emulator: Emulator) -> None:
    guild = await new_server(emulator)
    mina = emulator.member(guild, "Mina")
    choices = await mina.autocomplete("progress set", "episode", "round 5")
    assert choices[0]["value"] == "r5"
    saved = await mina.slash("progress set", episode="r5")
    assert saved.ephemeral and "**ROUND 5: Ruler of My Heart**" in saved.text
    assert "Main story: up to **ROUND 5: Ruler of My Heart** (5 of 12)" in saved.text
    shown = await mina.slash("progress show")
    assert (
        shown.ephemeral
        and "Main story: up to **ROUND 5" in shown.text
        and "Webcomics: nothing yet" in shown.text
    )
    cleared = await mina.slash("progress clear")
    assert cleared.ephemeral and "forgotten" in cleared.text
    shown = await mina.slash("progress show")
    assert "haven't told me" in shown.text and "Main story: nothing public" in shown.text
    again = await mina.slash("progress clear")
    assert "nothing to forget" in again.text


async def test_progress_is_kept_across_servers_and_in_dms(emulator: Emulator) -> None:
    first, second = await new_server(emulator), await new_server(emulator)
    mina = emulator.member(first, "Mina")
    await mina.slash("progress set", episode="scars")
    elsewhere = second.members[mina.id] = Member(mina.user, second)  # the same person in another server
    shown = await elsewhere.slash("progress show")
    assert "Webcomics: up to **Scars**" in shown.text
    assert "Main story: up to **KARMA**" in shown.text  # reading Scars implies the whole main story
    in_dm = await mina.slash("progress show", channel=emulator.dm_channel(mina.user))
    assert "Scars" in in_dm.text


async def test_an_unclear_episode_offers_buttons(emulator: Emulator) -> None:
    guild = await new_server(emulator)
    mina = emulator.member(guild, "Mina")
    unsure = await mina.slash("progress set", episode="round")
    assert unsure.ephemeral and "Tap the one you meant" in unsure.text
    chosen = await mina.click(unsure, "ROUND 3: Black Sorrow")
    await chosen.wait_for(lambda r: "Saved" in r.text)
    assert "up to **ROUND 3: Black Sorrow**" in chosen.text
    unknown = await mina.slash("progress set", episode="xyzzy")
    assert "I don't know an episode" in unknown.text
