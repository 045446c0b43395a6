"""Members act only within their own reach: where a party may be announced, how many parties a member and
a server may have, and who may host. Through the real bot and the emulator."""

from __future__ import annotations

import asyncio

import pytest

from tests.database import connect
from tests.emulator import CommandHidden, Emulator, Member, Permission, actions
from tests.emulator.interactions import Reply
from tests.emulator.models import Channel
from tests.emulator.process import BotProcess
from tests.watchparty.test_party_scheduling import last_party, saved_zone


def parties(process: BotProcess, host: Member | None = None) -> int:
    sql, params = "SELECT count(*) FROM watch_parties WHERE status = 'scheduled'", ()
    if host is not None:
        sql, params = sql + " AND host_id = ?", (host.id,)
    with connect(process.db_target) as conn:
        return int(conn.execute(sql, params).fetchone()[0])


async def schedule_in(
    member: Member, announce: Channel, command: str = "watchparty schedule", **options: object
) -> Reply:
    """Run from #general, with the `channel` option (where to announce) set to `announce`."""
    options = {"episode": "r1", "when": "2027-06-05 20:00", "channel": announce, **options}
    return await actions.slash(member, command, channel=None, timeout=10.0, options=options)


def announcements(emulator: Emulator) -> int:
    return sum(
        1 for m in emulator.bot_messages() if not m.ephemeral and m.embeds and "Party #" in str(m.embeds)
    )


# --- where a party may be announced ------------------------------------------------------------------


async def test_a_member_cannot_announce_a_party_where_they_cannot_post(
    emulator: Emulator, bot: BotProcess
) -> None:
    guild = emulator.guild
    news = guild.add_text_channel("announcements")
    guild.set_overwrite(news, guild.everyone, deny=Permission.SEND_MESSAGES)
    guild.set_overwrite(news, guild.role("Moderator"), allow=Permission.SEND_MESSAGES)
    guild.set_overwrite(news, guild.bot_role, allow=Permission.SEND_MESSAGES)
    host = await saved_zone(emulator)
    reply = await schedule_in(host, news)
    assert reply.ephemeral and "you don't have **Send Messages** there" in reply.text
    assert f"<#{news.id}>" in reply.text
    assert parties(bot) == 0 and not emulator.messages_in(news)
    series = await schedule_in(host, news, "watchparty series", count=2)
    assert series.ephemeral and "Send Messages" in series.text and parties(bot) == 0
    # Where they may post, it works; a moderator may post in #announcements, so may announce there.
    mod = emulator.member(guild, "Mod Ari", roles=["Moderator"])
    await mod.slash("timezone set", zone="Asia/Seoul")
    done = await schedule_in(mod, news)
    assert "Scheduled" in done.text and last_party(bot, mod)["channel_id"] == news.id


async def test_a_party_is_refused_where_the_bot_cannot_post_its_announcement(
    emulator: Emulator, bot: BotProcess
) -> None:
    guild = emulator.guild
    plain = guild.add_text_channel("plain-text")
    guild.set_overwrite(plain, guild.bot_role, deny=Permission.EMBED_LINKS)
    host = await saved_zone(emulator)
    reply = await schedule_in(host, plain)
    assert reply.ephemeral and "I'm missing **Embed Links** there" in reply.text
    assert parties(bot) == 0 and not emulator.messages_in(plain)


async def test_a_member_who_cannot_post_here_cannot_announce_here(
    emulator: Emulator, bot: BotProcess
) -> None:
    guild = emulator.guild
    readonly = guild.add_text_channel("read-only")
    guild.set_overwrite(readonly, guild.everyone, deny=Permission.SEND_MESSAGES)
    guild.set_overwrite(readonly, guild.bot_role, allow=Permission.SEND_MESSAGES)  # I could post; they can't
    host = await saved_zone(emulator)
    reply = await host.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00", channel=readonly)
    assert reply.ephemeral and "you don't have **Send Messages** there" in reply.text
    assert parties(bot) == 0 and not emulator.messages_in(readonly)


# --- limits ---------------------------------------------------------------------------------------


async def test_ten_weekly_series_at_once_stop_at_the_members_limit(
    emulator: Emulator, bot: BotProcess
) -> None:
    """The reproduction: ten weekly series in two seconds made 110 announcements. Now the member's limit
    (12 by default; every party of a series counts) holds, even for concurrent requests."""
    host = await saved_zone(emulator)
    replies = await asyncio.gather(
        *(host.slash("watchparty series", episode="r1", when="2027-06-05 20:00", count=11) for _ in range(10))
    )
    done = [r for r in replies if "Scheduled a weekly rewatch" in r.text]
    refused = [r for r in replies if "allows 12 per member" in r.text]
    assert len(done) == 1 and len(refused) == 9, [r.text for r in replies]
    assert all(r.ephemeral for r in refused) and "count: 1" in refused[0].text
    assert parties(bot, host) == 11 and announcements(emulator) == 11
    assert len(emulator.guild.scheduled_events) == 11


async def test_the_servers_limit_holds_for_many_members_at_once(emulator: Emulator, bot: BotProcess) -> None:
    hosts = [await saved_zone(emulator) for _ in range(6)]
    replies = await asyncio.gather(
        *(h.slash("watchparty series", episode="r1", when="2027-06-05 20:00", count=10) for h in hosts)
    )
    assert sum("Scheduled a weekly rewatch" in r.text for r in replies) == 5
    assert sum("This server already has" in r.text and "allows 50" in r.text for r in replies) == 1
    assert parties(bot) == 50 and len(emulator.guild.scheduled_events) == 50


async def test_moderators_set_the_limits_and_the_host_role(emulator: Emulator, bot: BotProcess) -> None:
    guild = emulator.guild
    mod = emulator.member(guild, "Mod Ari", roles=["Moderator"])
    shown = await mod.slash("watchparty-admin limits")
    assert "12 per member, 50 for the whole server" in shown.text and "every member" in shown.text
    saved = await mod.slash("watchparty-admin limits", member=2)
    assert saved.ephemeral and "2 per member, 50 for the whole server" in saved.text
    host = await saved_zone(emulator)
    assert (
        "Scheduled" in (await host.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00")).text
    )
    series = await host.slash("watchparty series", episode="r1", when="2027-06-12 20:00", count=3)
    assert "allows 2 per member" in series.text and "`count: 1`" in series.text
    assert parties(bot, host) == 1

    hosts_role = guild.add_role("Hosts")
    await mod.slash("watchparty-admin host-role", role=hosts_role)
    fan = await saved_zone(emulator)
    refused = await fan.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00")
    assert refused.ephemeral and f"<@&{hosts_role.id}>" in refused.text and parties(bot, fan) == 0
    guild.give_role(fan, hosts_role)
    assert "Scheduled" in (await fan.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00")).text
    await mod.slash("timezone set", zone="Asia/Seoul")  # moderators host without the role
    assert "Scheduled" in (await mod.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00")).text
    cleared = await mod.slash("watchparty-admin host-role")
    assert "every member" in cleared.text
    with pytest.raises(CommandHidden):
        await fan.slash("watchparty-admin limits", member=50)
