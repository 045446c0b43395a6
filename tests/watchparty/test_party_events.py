"""Parties mirrored as Discord scheduled events: created, updated, cancelled; missing permission and
Discord's limit of 100 upcoming events leave the party working with a clear note."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.database import connect
from tests.emulator import Emulator, Permission
from tests.emulator.process import BotProcess
from tests.watchparty.test_party_scheduling import announcement, last_party, saved_zone


def events_of(emulator: Emulator) -> dict[int, dict[str, Any]]:
    return emulator.guild.scheduled_events


async def test_a_party_without_voice_is_an_external_event_linking_the_announcement(
    emulator: Emulator, bot: BotProcess
) -> None:
    host = await saved_zone(emulator)
    await host.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00", title="Round one night")
    party = last_party(bot, host)
    event = events_of(emulator)[party["event_id"]]
    assert (event["entity_type"], event["name"], event["status"]) == (3, "Round one night", 1)
    assert event["entity_metadata"]["location"] == announcement(emulator, party["id"]).jump_url
    assert event["scheduled_start_time"].startswith("2027-06-05T11:00:00")
    assert event["scheduled_end_time"].startswith("2027-06-05T12:00:00")


async def test_a_voice_party_is_a_voice_event_that_follows_edits_and_cancellation(
    emulator: Emulator, bot: BotProcess
) -> None:
    host = await saved_zone(emulator)
    voice = emulator.guild.channel("Watch Party")
    await host.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00", voice=voice)
    party = last_party(bot, host)
    event_id = party["event_id"]
    assert (events_of(emulator)[event_id]["entity_type"], events_of(emulator)[event_id]["channel_id"]) == (
        2,
        str(voice.id),
    )
    await host.slash("watchparty edit", party=str(party["id"]), when="2027-06-05 21:30", title="Later")
    edited = events_of(emulator)[event_id]
    assert edited["scheduled_start_time"].startswith("2027-06-05T12:30:00") and edited["name"] == "Later"
    await host.slash("watchparty cancel", party=str(party["id"]))
    assert events_of(emulator)[event_id]["status"] == 4  # cancelled: Discord tells interested members


async def test_an_event_deleted_by_hand_is_made_again_on_the_next_edit(
    emulator: Emulator, bot: BotProcess
) -> None:
    host = await saved_zone(emulator)
    await host.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00")
    party = last_party(bot, host)
    del emulator.guild.scheduled_events[party["event_id"]]
    await host.slash("watchparty edit", party=str(party["id"]), title="Renamed")
    remade = last_party(bot, host)["event_id"]
    assert remade != party["event_id"] and events_of(emulator)[remade]["name"] == "Renamed"


async def test_without_create_events_the_party_works_and_the_host_is_told(
    emulator: Emulator, bot: BotProcess
) -> None:
    # Manage Events alone, as a server invited through the README's old link has it: no longer enough.
    emulator.guild.set_bot_permissions(
        Permission.VIEW_CHANNEL
        | Permission.SEND_MESSAGES
        | Permission.EMBED_LINKS
        | Permission.ATTACH_FILES
        | Permission.MANAGE_EVENTS
    )
    host = await saved_zone(emulator)
    reply = await host.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00")
    party = last_party(bot, host)
    assert "Create Events" in reply.text and "works without it" in reply.text
    assert party["event_id"] is None and party["message_id"] is not None and not events_of(emulator)
    going = await emulator.member(emulator.guild, "Mina").click(announcement(emulator, party["id"]), "Going")
    assert "You're going" in going.text
    settings = await emulator.moderator(emulator.guild).slash("watchparty-admin settings")
    assert "I need the **Create Events** permission" in settings.text


async def test_the_event_limit_is_noted_for_the_host_and_in_the_mod_log(
    emulator: Emulator, bot: BotProcess
) -> None:
    modlog = emulator.guild.channel("mod-log")
    with connect(bot.db_target) as conn:
        conn.execute(
            "INSERT INTO guild_settings (guild_id, modlog_channel) VALUES (?, ?)",
            (emulator.guild.id, modlog.id),
        )
    emulator.scheduled_event_limit = 1
    host = await saved_zone(emulator)
    await host.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00")
    reply = await host.slash("watchparty schedule", episode="r2", when="2027-06-12 20:00")
    party = last_party(bot, host)
    assert "limit of 100 upcoming events" in reply.text and party["event_id"] is None
    logged = await emulator.wait_for_message(modlog, lambda m: "limit" in m.content)
    assert f"#{party['id']}" in logged.content and not logged.pings
    assert "Going" in announcement(emulator, party["id"]).text


async def test_a_channel_i_cannot_post_in_schedules_nothing(emulator: Emulator, bot: BotProcess) -> None:
    secret = emulator.guild.add_text_channel("staff")
    emulator.guild.set_overwrite(secret, emulator.guild.me, deny=Permission.SEND_MESSAGES)
    host = await saved_zone(emulator)
    reply = await host.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00", channel=secret)
    assert "Send Messages" in reply.text and "Nothing was scheduled" in reply.text
    with connect(bot.db_target) as conn:
        assert conn.execute("SELECT count(*) FROM watch_parties").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM due_work WHERE party_id IS NOT NULL").fetchone() == (0,)


async def test_a_series_in_a_channel_i_cannot_post_in_schedules_nothing(
    emulator: Emulator, bot: BotProcess
) -> None:
    secret = emulator.guild.add_text_channel("staff")
    emulator.guild.set_overwrite(secret, emulator.guild.me, deny=Permission.SEND_MESSAGES)
    host = await saved_zone(emulator)
    reply = await host.slash(
        "watchparty series", episode="r1", when="2027-06-05 20:00", count=3, channel=secret
    )
    assert "Send Messages" in reply.text and "Nothing was scheduled" in reply.text
    with connect(bot.db_target) as conn:
        assert conn.execute("SELECT count(*) FROM watch_parties").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM party_series").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM due_work WHERE party_id IS NOT NULL").fetchone() == (0,)
    assert "can't find" in (await host.slash("watchparty info", party="1")).text


async def test_a_series_cut_short_by_discord_keeps_the_weeks_announced_and_says_so(
    emulator: Emulator, bot: BotProcess
) -> None:
    general = emulator.guild.channel("general")
    posts = rf"/channels/{general.id}/messages$"
    emulator.faults.delay("POST", posts, seconds=1.0, count=1)
    host = await saved_zone(emulator)
    asked = asyncio.create_task(
        host.slash("watchparty series", episode="r1", when="2027-06-05 20:00", count=3, channel=general)
    )
    await emulator.wait_until(
        lambda: any(
            r.method == "POST" and r.path == f"/channels/{general.id}/messages" for r in emulator.requests
        ),
        10,
        "the first announcement",
    )
    emulator.faults.server_error("POST", posts, status=503, count=1)  # the second week's announcement
    reply = await asked
    assert "1 of 3 parties" in reply.text and "other 2 weeks were not scheduled" in reply.text
    assert "Discord answered 503" in reply.text and "Send Messages" not in reply.text
    with connect(bot.db_target) as conn:
        kept = conn.execute("SELECT id, message_id, series_id FROM watch_parties").fetchall()
        assert len(kept) == 1 and kept[0][1] is not None
        assert conn.execute("SELECT count(*) FROM party_series").fetchone() == (1,)
        assert conn.execute(
            "SELECT DISTINCT party_id FROM due_work WHERE party_id IS NOT NULL"
        ).fetchall() == [(kept[0][0],)]
