"""/cw through the emulator: the card on every surface, member preferences, moderator notes, link cards."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from bot.content_warnings.card import DEFAULT_SUPPORT
from bot.spoilers import spoiler_tag_count, visible_text
from tests.content_warnings.world import R1_VIDEO, R5_VIDEO, World, start_world
from tests.emulator import CommandHidden

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    async for w in start_world(tmp_path_factory.mktemp("cw")):
        yield w


@pytest.fixture(autouse=True)
def no_violations(world: World) -> Iterator[None]:
    yield
    assert world.emulator.violations == [], world.emulator.violations


def field_values(embed: dict) -> str:
    return "\n".join(f["value"] for f in embed.get("fields", []))


async def test_cw_episode_is_private_and_every_topic_is_spoiler_tagged(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina")
    reply = await mina.slash("cw episode", episode="r1")
    assert reply.ephemeral
    values = field_values(reply.embed)
    assert "||Suicide and self-harm||" in values and "||Death of a main character||" in values
    assert "Suicide" not in visible_text(values) and "Death" not in visible_text(values)
    assert reply.embed["fields"][-1]["name"] == "Support"
    assert DEFAULT_SUPPORT in reply.embed["fields"][-1]["value"]


async def test_public_card_is_posted_with_topics_tagged(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina public")
    reply = await mina.slash("cw episode", episode="r5", public=True)
    assert not reply.ephemeral
    assert "||Graphic violence||" in field_values(reply.embed)


async def test_member_topics_are_spelled_out_only_in_their_own_answers(world: World) -> None:
    guild = world.emulator.guild
    mina, jun = world.emulator.member(guild, "Mina prefs"), world.emulator.member(guild, "Jun")
    opened = await mina.slash("cw preferences")
    assert opened.ephemeral and "None: every topic stays behind a spoiler tag" in opened.text
    chosen = await mina.select(opened, "cw:topics", ["suicide-self-harm", "grief"])
    assert "Suicide and self-harm" in chosen.text and "Grief and loss" in chosen.text

    own = field_values((await mina.slash("cw episode", episode="r1")).embed)
    assert "**Suicide and self-harm**" in own and "**Grief and loss**" in own
    assert "||Death of a main character||" in own

    public = field_values((await mina.slash("cw episode", episode="r1", public=True)).embed)
    assert "||Suicide and self-harm||" in public and "**Suicide" not in public
    other = field_values((await jun.slash("cw episode", episode="r1")).embed)
    assert "||Grief and loss||" in other

    dm_card = await mina.slash("cw episode", episode="r1", channel=world.emulator.dm_channel(mina.user))
    assert "**Grief and loss**" in field_values(dm_card.embed)


async def test_clear_forgets_the_members_topics(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina clears")
    opened = await mina.slash("cw preferences")
    await mina.select(opened, "cw:topics", ["blood"])
    cleared = await mina.click(opened, "Clear")
    assert "Cleared" in cleared.text
    assert "||Blood||" in field_values((await mina.slash("cw episode", episode="r5")).embed)


async def test_a_typed_name_offers_the_closest_episodes_as_buttons(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina typo")
    reply = await mina.slash("cw episode", episode="round")
    assert reply.ephemeral and "Did you mean" in reply.text
    picked = await mina.click(reply, reply.buttons[0]["label"])
    assert picked.embeds and "Content warnings" in picked.text


async def test_members_cannot_set_notes_or_the_support_message(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina not a mod")
    for path, options in [
        ("cw-admin note", {"episode": "r5", "text": "x"}),
        ("cw-admin support-message", {}),
        ("cw-admin link-cards", {"state": "off"}),
    ]:
        with pytest.raises(CommandHidden):  # Discord hides /cw-admin from members
            await mina.slash(path, **options)
    # An admin opens /cw-admin to her (Integrations settings): the check at run time still refuses.
    world.emulator.guild.open_command("cw-admin", mina)
    assert await mina.autocomplete("cw-admin note", "episode", "round") == []
    note = await mina.slash("cw-admin note", episode="r5", text="I am not a moderator")
    assert note.ephemeral and "Manage Server" in note.text
    support = await mina.slash("cw-admin support-message", text="nope")
    assert "Manage Server" in support.text
    cards = await mina.slash("cw-admin link-cards", state="off")
    assert "Manage Server" in cards.text
    assert world.sql("SELECT * FROM cw_episode_notes WHERE note = 'I am not a moderator'") == []
    assert world.sql("SELECT * FROM cw_guild_settings") == []


async def test_a_note_cannot_ping_or_break_out_of_its_spoiler_tag(world: World) -> None:
    guild = world.emulator.guild
    modlog = guild.channel("mod-log")
    world.sql(
        "INSERT INTO guild_settings (guild_id, modlog_channel) VALUES (?, ?) "
        "ON CONFLICT (guild_id) DO UPDATE SET modlog_channel = excluded.modlog_channel",
        (guild.id, modlog.id),
    )
    mod = world.emulator.moderator(guild, "Mod Note")
    moderator_role = guild.role("Moderator")
    text = f"@everyone uncut || version <@&{moderator_role.id}> `code"
    saved = await mod.slash("cw-admin note", episode="top3", text=text)
    assert saved.ephemeral and "saved" in saved.text

    logged = await world.emulator.wait_for_message(modlog)
    assert not logged.pings and "TOP 3" in logged.text

    card = field_values(
        (await world.emulator.member(guild, "Reader").slash("cw episode", episode="top3")).embed
    )
    line = next(line for line in card.splitlines() if line.startswith("**Server note:**"))
    assert spoiler_tag_count(line) == 1 and visible_text(line) == "**Server note:**"
    assert "@everyone" not in line and f"<@&{moderator_role.id}>" not in line

    cleared = await mod.slash("cw-admin note", episode="top3")
    assert "removed" in cleared.text
    assert world.sql("SELECT * FROM cw_episode_notes WHERE episode_id = 'top3'") == []


async def test_support_message_follows_the_default_on_heavy_cards(world: World) -> None:
    guild = world.emulator.guild
    modlog, help_desk = guild.channel("mod-log"), guild.add_text_channel("support")
    world.sql(
        "INSERT INTO guild_settings (guild_id, modlog_channel) VALUES (?, ?) "
        "ON CONFLICT (guild_id) DO UPDATE SET modlog_channel = excluded.modlog_channel",
        (guild.id, modlog.id),
    )
    mod = world.emulator.moderator(guild, "Mod Support")
    # A client turns "#support" typed into an option into a channel link, <#id>: it must stay a link.
    text = f"Our {help_desk.mention} channel is open, or DM a mod. @here"
    saved = await mod.slash("cw-admin support-message", text=text)
    assert saved.ephemeral and help_desk.mention in saved.embed["description"]
    logged = await world.emulator.wait_for_message(modlog, lambda m: "support message" in m.text)
    assert help_desk.mention in logged.text and not logged.pings
    card = (await world.emulator.member(guild, "Reader 2").slash("cw episode", episode="r1")).embed
    support = card["fields"][-1]["value"]
    assert support.startswith(DEFAULT_SUPPORT)
    assert f"Our {help_desk.mention} channel is open" in support and "@here" not in support
    await mod.slash("cw-admin support-message")
    card = (await world.emulator.member(guild, "Reader 3").slash("cw episode", episode="r1")).embed
    assert card["fields"][-1]["value"] == DEFAULT_SUPPORT


async def test_an_episode_link_gets_one_card_per_channel_per_hour(world: World) -> None:
    guild = world.emulator.guild
    chat = guild.add_text_channel("watch-links")
    other = guild.add_text_channel("more-links")
    mina = world.emulator.member(guild, "Linker")
    posted = await mina.say(chat, f"rewatching https://youtu.be/{R5_VIDEO} tonight")
    card = await world.emulator.wait_for_message(chat)
    assert card.message_reference and int(card.message_reference["message_id"]) == posted.id
    assert not card.pings
    assert "ROUND 5" in card.text and "||Graphic violence||" in field_values(card.embeds[0])

    await mina.say(chat, f"again: https://www.youtube.com/watch?v={R5_VIDEO}&t=42")
    await mina.say(chat, f"and https://m.youtube.com/shorts/{R1_VIDEO}")
    second = await world.emulator.wait_for_message(chat)
    assert "ROUND 1" in second.text and "ROUND 5" not in second.text
    await mina.say(other, f"https://youtu.be/{R5_VIDEO}")
    assert "ROUND 5" in (await world.emulator.wait_for_message(other)).text
    await asyncio.sleep(0.5)
    assert len(world.emulator.bot_messages(chat)) == 2


async def test_moderators_can_turn_link_cards_off(world: World) -> None:
    guild = world.emulator.guild
    mod = world.emulator.moderator(guild, "Mod Links")
    chat = guild.add_text_channel("quiet-links")
    off = await mod.slash("cw-admin link-cards", state="off")
    assert "off" in off.text
    await mod.say(chat, f"https://youtu.be/{R1_VIDEO}")
    await asyncio.sleep(1.0)
    assert world.emulator.bot_messages(chat) == []
    await mod.slash("cw-admin link-cards", state="on")
    await mod.say(chat, f"https://youtu.be/{R1_VIDEO}")
    assert "ROUND 1" in (await world.emulator.wait_for_message(chat)).text


async def test_party_dm_opt_in_sends_a_confirmation_dm(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina DMs")
    opened = await mina.slash("cw preferences")
    turned = await mina.click(opened, "DM me before parties")
    await turned.wait_for(lambda r: "On" in r.text and "Stop DMs" in str(r.buttons))
    dm = await world.emulator.wait_for_message(world.emulator.dm_channel(mina.user))
    assert "before watch parties" in dm.text
    row = world.sql("SELECT dm_before_parties FROM member_preferences WHERE user_id = ?", (mina.id,))
    assert row[0]["dm_before_parties"] == 1


async def test_closed_dms_keep_the_opt_in_off_and_are_recorded(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina closed", dms_closed=True)
    opened = await mina.slash("cw preferences")
    turned = await mina.click(opened, "DM me before parties")
    await turned.wait_for(lambda r: "couldn't DM you" in r.text)
    row = world.sql(
        "SELECT dm_before_parties, dm_closed_at FROM member_preferences WHERE user_id = ?", (mina.id,)
    )
    assert row[0]["dm_before_parties"] == 0 and row[0]["dm_closed_at"]


async def test_party_dms_can_be_turned_off_again(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina stops DMs")
    dms = world.emulator.dm_channel(mina.user)
    opened = await mina.slash("cw preferences")
    turned = await mina.click(opened, "DM me before parties")
    await turned.wait_for(lambda r: "Stop DMs" in str(r.buttons))
    await world.emulator.wait_for_message(dms)
    stopped = await mina.click(opened, "Stop DMs before parties")
    assert "DM me before parties" in str(stopped.buttons)
    row = world.sql("SELECT dm_before_parties FROM member_preferences WHERE user_id = ?", (mina.id,))
    assert row[0]["dm_before_parties"] == 0
    assert len(world.emulator.messages_in(dms)) == 1, "turning DMs off sends no DM"


async def test_choosing_no_topics_hides_every_topic_again(world: World) -> None:
    mina = world.emulator.member(world.emulator.guild, "Mina changes her mind")
    opened = await mina.slash("cw preferences")
    await mina.select(opened, "cw:topics", ["blood"])
    assert "**Blood**" in field_values((await mina.slash("cw episode", episode="r5")).embed)
    none = await mina.select(opened, "cw:topics", [])
    assert "None: every topic stays behind a spoiler tag" in none.text
    assert "||Blood||" in field_values((await mina.slash("cw episode", episode="r5")).embed)
