"""The bot's own words pass the guard: a watch party's title or note that would spoil never appears
unspoilered in its announcement, Discord event, reminders or DMs."""

from __future__ import annotations

from datetime import timedelta

from bot.canon.horizon import Horizon
from bot.canon.loader import load_pack
from bot.guard.published import Published
from bot.guard.state import Detection
from bot.spoilers import visible_text
from bot.watchparty.announce import announcement_embed
from bot.watchparty.rsvp import RsvpCounts
from tests.database import connect
from tests.emulator import Emulator
from tests.emulator.process import BotProcess
from tests.guard.conftest import run
from tests.watchparty.test_dispatch_e2e import World, run_bot, stop_bot, world  # noqa: F401 - fixture
from tests.watchparty.test_party_rsvp import calendar_of
from tests.watchparty.test_party_scheduling import announcement, last_party, saved_zone
from tests.watchparty.test_party_units import party

SPOILING_TITLE = "Ivan dies in round 6 rewatch"
SPOILING_NOTE = "bring tissues, till got shot too"


def shows(text: str, phrase: str) -> bool:
    """Whether ``phrase`` can be read in ``text`` without opening a spoiler tag."""
    return phrase in visible_text(text).lower()


def parties_of(bot: BotProcess) -> int:
    with connect(bot.db_target) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM watch_parties").fetchone()[0])


async def test_a_members_spoiling_title_or_note_is_refused_before_anything_is_created(
    emulator: Emulator, bot: BotProcess
) -> None:
    host = await saved_zone(emulator)
    refused = await host.slash(
        "watchparty schedule", episode="r1", when="2027-06-05 20:00", title=SPOILING_TITLE
    )
    assert refused.ephemeral and "ROUND 6" in refused.text and "title" in refused.text
    assert "ivan" not in refused.text.lower() and "dies" not in refused.text.lower()
    refused = await host.slash(
        "watchparty schedule", episode="r1", when="2027-06-05 20:00", note=SPOILING_NOTE
    )
    assert refused.ephemeral and "FINAL" in refused.text and "note" in refused.text
    assert "till got shot" not in refused.text.lower()
    assert parties_of(bot) == 0 and not emulator.guild.scheduled_events
    assert not [m for m in emulator.bot_messages() if m.embeds and not m.ephemeral]

    await host.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00", title="Round one night")
    party = last_party(bot, host)
    refused = await host.slash("watchparty edit", party=str(party["id"]), note=SPOILING_NOTE)
    assert refused.ephemeral and "FINAL" in refused.text
    assert last_party(bot, host)["note"] is None
    event = emulator.guild.scheduled_events[party["event_id"]]
    assert "till" not in event["description"].lower()


async def test_in_a_spoiler_channel_the_title_is_allowed_but_the_event_stays_neutral(
    emulator: Emulator, bot: BotProcess
) -> None:
    guild = emulator.guild
    mod = emulator.moderator(guild)
    spoilers = guild.channel("spoilers")
    await run(mod, "spoilers channel add", channel=spoilers)
    host = await saved_zone(emulator)
    done = await run(
        host,
        "watchparty schedule",
        episode="r1",
        when="2027-06-05 20:00",
        channel=spoilers,
        title=SPOILING_TITLE,
        note=SPOILING_NOTE,
    )
    assert "Scheduled" in done.text
    party = last_party(bot, host)
    posted = announcement(emulator, party["id"])
    assert posted.channel is spoilers  # anything goes there: shown as typed
    assert SPOILING_TITLE in posted.embeds[0]["title"]
    event = guild.scheduled_events[party["event_id"]]  # every member sees events, and tags don't render
    assert event["name"] == "Watch party"  # ROUND 1 isn't public on this server either
    assert "ivan" not in event["name"].lower() and "ivan" not in event["description"].lower()
    assert "till got shot" not in event["description"].lower()
    ics = await emulator.member(guild, "Mina").click(posted, "Add to calendar")  # calendars can't hide text
    entry = calendar_of(ics.attachments[0].data).events[0]
    assert str(entry["SUMMARY"]) == "Watch party"
    assert (
        "ivan" not in str(entry["DESCRIPTION"]).lower()
        and "till got shot" not in str(entry["DESCRIPTION"]).lower()
    )


async def test_a_party_that_spoils_since_it_was_planned_is_tagged_in_reminders_and_dms_and_neutral_as_an_event(
    emulator: Emulator,
    world: World,  # noqa: F811 - the fixture
) -> None:
    """A party stored before the rule or horizon that makes its title a spoiler (seeded directly, as an
    older version or a since-changed horizon would have left it): not the member's to fix now."""
    guild = emulator.guild
    general = guild.channel("general")
    mina = emulator.member(guild, "Mina")
    party_id = await world.party(general, starts_in=timedelta(hours=1), title=SPOILING_TITLE, going=[mina])
    await world.db.execute("UPDATE watch_parties SET note = ? WHERE id = ?", (SPOILING_NOTE, party_id))
    await world.wants_dms(mina)
    reminder = await world.due(party_id, "reminder", at=timedelta(seconds=-1))
    bot = await run_bot(emulator, world)

    message = await emulator.wait_for_message(general)
    assert f"||{SPOILING_TITLE}||" in message.content and not shows(message.content, "ivan dies")
    dm = await emulator.wait_for_message(emulator.dm_channel(mina.user))
    assert f"||{SPOILING_TITLE}||" in dm.content and not shows(dm.content, "ivan dies")
    await world.settled(reminder)

    owner = guild.members[guild.owner_id]
    await owner.slash("watchparty edit", party=str(party_id), capacity=10)  # mirrors the party as an event
    event_id = await world.db.fetchval("SELECT event_id FROM watch_parties WHERE id = ?", (party_id,))
    event = guild.scheduled_events[event_id]
    assert event["name"] == "Watch party" and "till got shot" not in event["description"].lower()
    await stop_bot(bot)


def test_an_announcement_whose_title_spoils_there_shows_it_only_behind_a_tag() -> None:
    """Embed titles can't hide text: a spoiling title moves into the description, tagged; the note too."""
    pack = load_pack()
    shown = party(title="Ivan dies || @everyone", note="till got shot " * 200)
    spoils = Detection("r6", "ivan dies", "canon")
    title = Published(shown.title, spoils, "ROUND 6: Cure", Horizon())
    note = Published(shown.note or "", Detection("final", "till got shot", "canon"), "FINAL", Horizon())
    embed = announcement_embed(shown, RsvpCounts(0, 0, 0, 0), pack, title=title, note=note)
    assert embed.title == "Watch party"
    assert embed.description is not None and not shows(embed.description, "ivan")
    assert "||Ivan dies \\|\\| @\u200beveryone||" in embed.description
    (note_field,) = [f for f in embed.fields if f.name == "Note"]
    assert note_field.value is not None and len(note_field.value) <= 1024
    assert note_field.value.startswith("||") and not shows(note_field.value, "till got shot")


async def test_a_rule_added_after_a_party_was_planned_renames_its_event_and_tags_its_announcement(
    emulator: Emulator, bot: BotProcess
) -> None:
    guild = emulator.guild
    host = await saved_zone(emulator)
    await host.slash(
        "watchparty schedule", episode="r1", when="2027-06-05 20:00", title="Mizi wins everything night"
    )
    party = last_party(bot, host)
    assert guild.scheduled_events[party["event_id"]]["name"] == "Mizi wins everything night"  # no rule yet

    mod = emulator.moderator(guild)
    await run(mod, "spoilers rule add", episode="r5", phrase="Mizi wins everything")
    await emulator.wait_until(
        lambda: guild.scheduled_events[party["event_id"]]["name"] == "Watch party",
        10,
        "the event to be renamed",
    )
    await emulator.wait_until(
        lambda: "Mizi" not in announcement(emulator, party["id"]).embeds[0]["title"],
        10,
        "the announcement redrawn",
    )
    posted = announcement(emulator, party["id"]).embeds[0]
    assert "||Mizi wins everything night||" in posted["description"]
    assert not shows(posted["description"], "mizi wins")
