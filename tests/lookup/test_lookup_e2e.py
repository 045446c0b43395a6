"""The lookup commands end to end: the real bot answers members through the emulator (one bot for the
module). Spoiler checks read the exact request bodies the bot sent, not just what a test helper renders."""

from __future__ import annotations

import re

import pytest

from bot.canon.loader import load_pack
from bot.spoilers import escape_spoiler
from tests.emulator import CommandHidden, Permission
from tests.guard.conftest import run
from tests.lookup.conftest import World

pytestmark = pytest.mark.asyncio(loop_scope="module")

PACK = load_pack()
IVAN_R3 = PACK.character("ivan").facts[3].text  # "Wins ROUND 3."
IVAN_R6 = next(f.text for f in PACK.character("ivan").facts if f.revealed_in == "r6")
IVAN_SCARS = next(f.text for f in PACK.character("ivan").facts if f.revealed_in == "scars")
R5_OUTCOME = "Luka wins the round."


def sent_since(world: World, mark: int) -> str:
    return "\n".join(world.request_bodies(mark))


async def test_autocomplete_finds_typos_hangul_and_episode_shorthands(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina")
    assert (await mina.autocomplete("character", "name", "ivna"))[0]["value"] == "ivan"
    assert (await mina.autocomplete("character", "name", "루카"))[0]["value"] == "luka"
    assert (await mina.autocomplete("episode", "title", "r5"))[0] == {
        "name": "ROUND 5: Ruler of My Heart",
        "value": "r5",
    }
    assert (await mina.autocomplete("lore", "term", "garden"))[0]["value"] == "anakt-garden"
    main_cast = await mina.autocomplete("character", "name", "")
    assert [c["value"] for c in main_cast] == [c.id for c in PACK.characters if c.main]
    episodes = await mina.autocomplete("episode", "title", "")
    assert len(episodes) <= 25 and episodes[0]["value"] == "r1"


async def test_public_answer_in_general_never_sends_facts_past_the_place(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina")
    await world.set_progress(
        mina, main="final"
    )  # she has seen a lot, but #general shows only the public part
    mark = len(world.emulator.requests)
    reply = await mina.slash("character", name="ivan")
    assert not reply.ephemeral
    body = sent_since(world, mark)
    for fact in PACK.character("ivan").facts:
        assert fact.text not in body
    assert f"{len(PACK.character('ivan').facts)} later facts hidden" in reply.text
    assert "private: True" in reply.text  # her own progress would show more, privately
    assert [b["label"] for b in reply.buttons] == ["Reveal"]
    assert reply.buttons[0]["custom_id"] == "lookup:reveal:character:ivan"


async def test_reveal_shows_what_is_past_the_clickers_progress_spoiler_tagged_only_to_them(
    world: World,
) -> None:
    guild = world.emulator.guild
    mina, bob = world.emulator.member(guild, "Mina"), world.emulator.member(guild, "Bob")
    await world.set_progress(bob, main="r3")
    public = await mina.slash("character", name="ivan")
    mark = len(world.emulator.requests)
    revealed = await bob.click(public, "Reveal")
    assert revealed.ephemeral and revealed.user.id == bob.id
    text = revealed.embed["description"]
    assert f"• {IVAN_R3}" in text  # he has seen ROUND 3: plain
    assert f"||(ROUND 6: Cure) {escape_spoiler(IVAN_R6)}||" in text
    assert f"||(Scars) {escape_spoiler(IVAN_SCARS)}||" in text
    assert IVAN_R6 not in text.replace(f"||(ROUND 6: Cure) {escape_spoiler(IVAN_R6)}||", "")
    assert sent_since(world, mark).count("||") == text.count("||")  # nothing else was sent


async def test_private_answer_shows_facts_up_to_the_members_progress(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina")
    before = await mina.slash("character", name="ivan", private=True)
    assert before.ephemeral and f"{len(PACK.character('ivan').facts)} later facts hidden" in before.text
    assert "/progress" in before.text  # no progress yet: the hint says how to get more
    await world.set_progress(mina, main="r6")
    after = await mina.slash("character", name="ivan", private=True)
    assert IVAN_R3 in after.text and IVAN_R6 in after.text
    assert IVAN_SCARS not in after.text and "1 later fact hidden" in after.text
    assert "/progress" not in after.text


async def test_spoiler_channel_shows_progress_publicly_and_general_does_not(world: World) -> None:
    guild = world.emulator.guild
    # Server settings change through the commands (the bot keeps them in memory, reloaded on change).
    await run(
        world.emulator.moderator(guild, "Mod Jo"), "spoilers channel add", channel=guild.channel("spoilers")
    )
    jin = world.emulator.member(guild, "Jin")
    await world.set_progress(jin, main="r6")
    mark = len(world.emulator.requests)
    general = await jin.slash("character", name="ivan", channel=guild.channel("general"))
    assert IVAN_R6 not in sent_since(world, mark)
    spoilers = await jin.slash("character", name="ivan", channel=guild.channel("spoilers"))
    assert not general.ephemeral and not spoilers.ephemeral
    assert IVAN_R6 in spoilers.text and IVAN_SCARS not in spoilers.text


async def test_a_moderator_set_public_horizon_shows_in_general(world: World) -> None:
    guild = world.emulator.guild
    mod = world.emulator.moderator(guild, "Mod Kim")
    await mod.slash("spoilers horizon", episode="r1")
    try:
        kai = world.emulator.member(guild, "Kai")  # no progress: sees what the server made public
        reply = await kai.slash("character", name="sua")
        assert "Dies on stage after losing ROUND 1 to Mizi." in reply.text
        assert "First appearance" in reply.text and "ROUND 1: MY CLEMATIS" in reply.text
    finally:
        await mod.slash("spoilers horizon", track="main")


async def test_episode_card_shows_dates_as_timestamps_warnings_tagged_and_performers_gated(
    world: World,
) -> None:
    guild = world.emulator.guild
    lee = world.emulator.member(guild, "Lee")
    r1 = await lee.slash("episode", title="r1")
    released = next(f["value"] for f in r1.embed["fields"] if f["name"] == "Released")
    assert released.startswith("<t:1662552000:D> (<t:1662552000:R>)")  # 2022-09-07 12:00 UTC
    warnings = next(f["value"] for f in r1.embed["fields"] if f["name"].startswith("Content warnings"))
    assert "||Death of a main character||" in warnings and "||Execution / death on stage||" in warnings
    assert "Mizi, Sua" in r1.text  # nothing comes before ROUND 1, so who is on stage is no spoiler

    r2 = await lee.slash("episode", title="ROUND 2")
    assert "Date unknown" in r2.text and "exact date not confirmed" in r2.text
    karma = await lee.slash("episode", title="karma")
    assert "date unconfirmed" in karma.text

    mark = len(world.emulator.requests)
    r5 = await lee.slash("episode", title="ruler of my heart")
    assert "Hidden in public answers here until ROUND 3: Black Sorrow may be discussed" in r5.text
    assert "BL8M" not in sent_since(world, mark) and R5_OUTCOME not in sent_since(world, mark)
    await world.set_progress(lee, main="r3")
    r5_private = await lee.slash("episode", title="r5", private=True)
    assert "Mizi, Luka" in r5_private.text and "BL8M as Luka" in r5_private.text
    assert R5_OUTCOME not in r5_private.text and "5 later details hidden" in r5_private.text
    revealed = await lee.click(r5_private, "Reveal")
    assert f"||(ROUND 5: Ruler of My Heart) {escape_spoiler(R5_OUTCOME)}||" in revealed.text


async def test_episode_links_its_discussion_thread_once_one_exists(world: World) -> None:
    guild = world.emulator.guild
    lee = world.emulator.member(guild, "Lee")
    await world.set_progress(lee, main="final")
    assert "Discussion" not in (await lee.slash("episode", title="r6")).text
    forum = guild.channel("discussion")
    await run(world.emulator.moderator(guild, "Mod Lin"), "spoilers discussion-channel", channel=forum)
    await lee.slash("discuss", episode="r6")
    thread = next(t for t in guild.threads if t.parent_id == forum.id and "ROUND 6" in (t.name or ""))
    reply = await lee.slash("episode", title="r6")
    assert {"name": "Discussion", "value": f"<#{thread.id}>", "inline": True} in reply.embed["fields"]


async def test_a_discussion_thread_allows_its_episode_in_public_answers(world: World) -> None:
    guild = world.emulator.guild
    mina = world.emulator.member(guild, "Mina")
    await world.set_progress(
        mina, comics="remember-everything"
    )  # which requires the main story through KARMA
    forum = guild.channel("discussion")
    await run(world.emulator.moderator(guild, "Mod Min"), "spoilers discussion-channel", channel=forum)
    await mina.slash("discuss", episode="r3")
    thread = next(t for t in guild.threads if t.parent_id == forum.id and "ROUND 3" in (t.name or ""))
    reply = await mina.slash("character", name="ivan", channel=thread)
    assert not reply.ephemeral and IVAN_R3 in reply.text
    assert IVAN_R6 not in reply.text and "3 later facts hidden" in reply.text


async def test_lore_gates_its_facts_like_characters(world: World) -> None:
    guild = world.emulator.guild
    kai = world.emulator.member(guild, "Kai")
    await world.set_progress(kai)
    garden = PACK.term("anakt-garden")
    mark = len(world.emulator.requests)
    reply = await kai.slash("lore", term="anakt garden")
    assert reply.embed["title"] == "Anakt Garden" and garden.summary in reply.text
    assert all(f.text not in sent_since(world, mark) for f in garden.facts)
    assert "3 later facts hidden" in reply.text and "Hangul" in reply.text
    await world.set_progress(kai, main="sweet-dream")  # the classes name who first appears there
    private = await kai.slash("lore", term="anakt-garden", private=True)
    assert all(f.text in private.text for f in garden.facts)
    assert "*(unconfirmed)*" in private.text  # one of its facts is low confidence


async def test_unknown_name_offers_buttons_that_post_the_entry(world: World) -> None:
    guild = world.emulator.guild
    mina = world.emulator.member(guild, "Mina")
    reply = await mina.slash("character", name="hyun")
    assert reply.ephemeral and "Did you mean" in reply.text
    assert [b["label"] for b in reply.buttons] == ["Hyuna (현아)", "Hyunwoo (현우)"]
    opened = await mina.click(reply, "Hyuna (현아)")
    assert opened.message is not None and not opened.message.ephemeral  # a public command stays public
    assert opened.embed["title"] == "Hyuna"


async def test_a_suggestion_posted_publicly_shows_only_what_the_place_allows(world: World) -> None:
    guild = world.emulator.guild
    mina = world.emulator.member(guild, "Mina")
    await world.set_progress(mina, main="wiege")  # she has seen it all, but #general is not a spoiler place
    reply = await mina.slash("character", name="hyun", channel=guild.channel("general"))
    mark = len(world.emulator.requests)
    opened = await mina.click(reply, "Hyuna (현아)")
    assert opened.message is not None and not opened.message.ephemeral
    body = sent_since(world, mark)
    assert all(f.text not in body for f in PACK.character("hyuna").facts)
    assert f"{len(PACK.character('hyuna').facts)} later facts hidden" in opened.text


async def test_unknown_names_are_answered_in_plain_english(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina")
    assert "I don't know an episode called “r4”" in (await mina.slash("episode", title="r4")).text
    assert "I don't know a character called" in (await mina.slash("character", name="zzz")).text
    assert "I don't know a place, group or term called" in (await mina.slash("lore", term="zzz")).text
    assert "Type the name of an episode" in (await mina.slash("episode", title="\u200b")).text


async def test_private_suggestion_turns_into_the_entry_in_place(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina")
    reply = await mina.slash("character", name="hyun", private=True)
    opened = await mina.click(reply, "Hyunwoo (현우)")
    assert opened.callback_type == 7 and opened.message is reply.message
    assert opened.message.ephemeral and opened.embed["title"] == "Hyunwoo" and opened.content == ""


async def test_an_episode_title_typed_as_a_character_suggests_the_episode(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina")
    reply = await mina.slash("character", name="ROUND 5")
    assert reply.buttons and reply.buttons[0]["custom_id"] == "lookup:open:p:episode:r5"
    opened = await mina.click(reply, reply.buttons[0]["label"])
    assert opened.embed["title"] == "ROUND 5: Ruler of My Heart"


GARBAGE = [
    "x" * 100,
    "🔥🔥🔥 😭",
    "\u200b\u200b\u200d",
    "**__~~bold~~__** [link](https://example.com)",
    "@everyone @here",
    "<@123456789012345678> <#123456789012345678> <@&123456789012345678>",
    "||hidden|| `code` > quote",
]


@pytest.mark.parametrize("garbage", GARBAGE)
async def test_garbage_is_answered_without_pings_or_broken_markup(world: World, garbage: str) -> None:
    guild = world.emulator.guild
    mina = world.emulator.member(guild, "Mina")
    choices = await mina.autocomplete("character", "name", garbage)
    assert len(choices) <= 25
    for command, option in (
        ("character", "name"),
        ("episode", "title"),
        ("lore", "term"),
        ("search", "query"),
    ):
        reply = await mina.slash(command, **{option: garbage})
        assert reply.ephemeral, f"/{command} {garbage!r} answered publicly: {reply.text!r}"
        for message in reply.messages:
            assert not message.pings
            for raw in ("@everyone", "@here", "<@1", "<#1", "<@&", "||", "**", "`", "[link]("):
                unescaped = re.search(r"(?<!\\)" + re.escape(raw), message.text)
                assert unescaped is None, f"/{command} echoed {raw!r} unescaped: {message.text!r}"


async def test_search_lists_kinds_and_opens_a_result_for_whoever_clicks(world: World) -> None:
    guild = world.emulator.guild
    mina, bob = world.emulator.member(guild, "Mina"), world.emulator.member(guild, "Bob")
    reply = await mina.slash("search", query="luka")
    assert not reply.ephemeral
    assert "**Luka (루카)** · character" in reply.text and "· lore" in reply.text
    assert reply.buttons[0]["custom_id"] == "lookup:open:e:character:luka"
    opened = await bob.click(reply, "Luka (루카)")
    assert opened.ephemeral and opened.embed["title"] == "Luka"
    hangul = await mina.slash("search", query="미지", private=True)
    assert hangul.ephemeral and "Mizi" in hangul.text


async def test_search_autocompletes_across_kinds_and_a_picked_choice_opens_the_entry(world: World) -> None:
    guild = world.emulator.guild
    mina = world.emulator.member(guild, "Mina")
    await world.set_progress(mina, main="wiege")
    choices = await mina.autocomplete("search", "query", "루카")
    assert choices[0] == {"name": "Luka (루카) · character", "value": "character:luka"}
    mark = len(world.emulator.requests)
    card = await mina.slash("search", query=choices[0]["value"], channel=guild.channel("general"))
    assert not card.ephemeral and card.embed["title"] == "Luka"
    assert all(f.text not in sent_since(world, mark) for f in PACK.character("luka").facts)  # #general
    private = await mina.slash("search", query="episode:r6", private=True)
    assert private.ephemeral and private.embed["title"] == "ROUND 6: Cure"
    assert "Ivan forces a kiss on Till" in private.text  # up to her own progress


async def test_timeline_pages_mark_watched_and_give_others_their_own_copy(world: World) -> None:
    guild = world.emulator.guild
    mina, bob = world.emulator.member(guild, "Mina"), world.emulator.member(guild, "Bob")
    await world.set_progress(mina, main="r5")
    mark = len(world.emulator.requests)
    first = await mina.slash("timeline")
    assert first.embed["title"] == "Timeline · Main story"
    assert first.embed["description"].count("✅") == 6  # five episodes and the legend
    body = sent_since(world, mark)
    assert all(e.premise not in body for e in PACK.episodes)  # titles and dates only
    assert "<t:1662552000:D>" in body
    turned = await mina.click(first, "Next")
    assert turned.callback_type == 7 and turned.embed["title"] == "Timeline · Webcomics"
    await world.set_progress(bob)
    copy = await bob.click(turned, "Next")
    assert copy.ephemeral and copy.embed["title"] == "Timeline · Zombie Stage"
    assert "to see ✅" in copy.text  # Bob has no progress: no marks, and a hint
    assert turned.message is not None and "Webcomics" in turned.message.text  # Mina's page did not move


async def test_direct_messages_use_the_members_own_progress(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina")
    await world.set_progress(mina, main="r6")
    reply = await mina.slash("character", name="ivan", channel=world.emulator.dm_channel(mina.user))
    assert not reply.ephemeral and IVAN_R6 in reply.text


async def test_canon_info_is_for_anyone(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina")
    reply = await mina.slash("canon info")
    assert reply.ephemeral
    assert PACK.name in reply.text and PACK.version in reply.text and "16 episodes" in reply.text
    assert "CANON_DIR is not set" in reply.text
    changes = next(f for f in reply.embed["fields"] if f["name"] == "What changed in 2026.2")
    assert "Sweet Dream is the second release" in changes["value"] and "canon README" in changes["value"]


async def test_canon_reload_is_hidden_from_members_and_refused_to_admins_who_are_not_the_owner(
    world: World,
) -> None:
    guild = world.emulator.guild
    with pytest.raises(CommandHidden):
        await world.emulator.member(guild, "Mina").slash("canon-reload")
    admin = world.emulator.member(guild, "Admin", permissions=Permission.ADMINISTRATOR)
    refused = await admin.slash("canon-reload")
    assert refused.ephemeral and "Only the bot's owner" in refused.text
    owner = guild.members[world.emulator.owner.id]
    done = await owner.slash("canon-reload")
    assert done.ephemeral and "Canon pack reloaded" in done.text


async def test_buttons_keep_working_after_a_restart(world: World) -> None:
    guild = world.emulator.guild
    mina = world.emulator.member(guild, "Mina")
    await world.set_progress(mina)
    card = await mina.slash("character", name="till")
    suggestion = await mina.slash("character", name="hyun")
    timeline = await mina.slash("timeline")
    assert await world.bot.stop() == 0
    await world.bot.start()
    revealed = await mina.click(card, "Reveal")
    assert revealed.ephemeral and "||(ROUND 2: Unknown (Till the End))" in revealed.text
    opened = await mina.click(suggestion, "Hyunwoo (현우)")
    assert opened.embed["title"] == "Hyunwoo"
    turned = await mina.click(timeline, "Next")
    assert turned.embed["title"] == "Timeline · Webcomics"


async def test_episode_card_spells_out_a_members_chosen_topics_only_in_private(world: World) -> None:
    guild = world.emulator.guild
    nari = world.emulator.member(guild, "Nari")
    before = await nari.slash("episode", title="r6", private=True)  # read (and held) before she chooses
    assert "||Suicide and self-harm||" in before.text
    opened = await nari.slash("cw preferences")
    await nari.select(opened, "cw:topics", ["suicide-self-harm"])
    private = await nari.slash("episode", title="r6", private=True)  # her change is seen at once
    assert private.ephemeral
    assert "**Suicide and self-harm**" in private.text or "Suicide and self-harm**" in private.text
    assert "||Suicide and self-harm||" not in private.text
    public = await nari.slash("episode", title="r6")
    assert not public.ephemeral
    assert "||Suicide and self-harm||" in public.text
    await nari.click(opened, "Clear")
    cleared = await nari.slash("episode", title="r6", private=True)
    assert "||Suicide and self-harm||" in cleared.text and "**Suicide and self-harm**" not in cleared.text


async def test_a_lookup_follows_every_change_to_the_members_progress_at_once(world: World) -> None:
    """The bot holds members in memory: each change (set, clear, deletion) shows in the very next answer."""
    ria = world.emulator.member(world.emulator.guild, "Ria")
    await world.set_progress(ria, main="r6")
    assert IVAN_R6 in (await ria.slash("character", name="ivan", private=True)).text
    await ria.slash("progress set", episode="r3")
    moved = (await ria.slash("character", name="ivan", private=True)).text
    assert IVAN_R3 in moved and IVAN_R6 not in moved
    await ria.slash("progress clear")
    assert IVAN_R3 not in (await ria.slash("character", name="ivan", private=True)).text
    await ria.slash("progress set", episode="r6")
    assert IVAN_R6 in (await ria.slash("character", name="ivan", private=True)).text
    await ria.click(await ria.slash("privacy delete"), "Delete my data")
    after = (await ria.slash("character", name="ivan", private=True)).text
    assert IVAN_R3 not in after and IVAN_R6 not in after
