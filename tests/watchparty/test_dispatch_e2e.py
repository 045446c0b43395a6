"""Watch-party reminders through the emulator: the real bot delivers due work seeded in its database."""

# Waiting helpers take `timeout=` on purpose: tests read better with a per-call deadline.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.db import Database
from bot.watchparty.due import to_db_time
from tests.conftest import assert_clean_exit
from tests.database import database_for
from tests.emulator import Channel, CommandHidden, Emulator, Member, Permission
from tests.emulator.process import BotProcess

FINAL = ("delivered", "late", "skipped", "failed", "cancelled")


class World:
    """The bot's database, seeded by the test before (or while) the bot runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = Database(database_for(path))  # the file, or the PostgreSQL database standing in for it

    async def open(self) -> None:
        await self.db.open()
        await self.db.migrate()

    async def party(
        self,
        channel: Channel,
        *,
        starts_in: timedelta,
        title: str = "Round 1 rewatch",
        voice: Channel | None = None,
        thread: Channel | None = None,
        episodes: Iterable[str] = ("r1",),
        going: Iterable[Member] = (),
        maybe: Iterable[Member] = (),
        not_going: Iterable[Member] = (),
        duration_minutes: int = 60,
    ) -> int:
        assert channel.guild is not None
        async with self.db.transaction() as conn:
            inserted = await conn.fetchone(
                "INSERT INTO watch_parties (guild_id, channel_id, voice_channel_id, thread_id, host_id, title, "
                "episodes, starts_at, zone, duration_minutes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'Asia/Seoul', ?) "
                "RETURNING id",
                (
                    channel.guild.id,
                    channel.id,
                    voice.id if voice else None,
                    thread.id if thread else None,
                    channel.guild.owner_id,
                    title,
                    json.dumps(list(episodes)),
                    to_db_time(datetime.now(UTC) + starts_in),
                    duration_minutes,
                ),
            )
            found = inserted
            assert found is not None
            party_id = int(found[0])
            for order, (status, members) in enumerate(
                (("going", going), ("maybe", maybe), ("not_going", not_going))
            ):
                for index, member in enumerate(members):
                    await conn.execute(
                        "INSERT INTO party_rsvps (party_id, user_id, status, updated_at) VALUES (?, ?, ?, ?)",
                        (party_id, member.id, status, f"2026-01-01T00:{order:02d}:{index:02d}Z"),
                    )
        return party_id

    async def due(self, party_id: int, kind: str, *, at: timedelta, label: str = "1h") -> int:
        """A due row `at` from now (negative: in the past)."""
        async with self.db.transaction() as conn:
            inserted = await conn.fetchone(
                "INSERT INTO due_work (kind, party_id, offset_label, due_at) VALUES (?, ?, ?, ?) RETURNING id",
                (kind, party_id, label, to_db_time(datetime.now(UTC) + at)),
            )
            found = inserted
        assert found is not None
        return int(found[0])

    async def wants_dms(self, *members: Member) -> None:
        for member in members:
            await self.db.execute(
                "INSERT INTO member_preferences (user_id, dm_before_parties) VALUES (?, 1)", (member.id,)
            )

    async def row(self, row_id: int) -> dict[str, Any]:
        found = await self.db.fetchone("SELECT * FROM due_work WHERE id = ?", (row_id,))
        assert found is not None
        return dict(found)

    async def rows(self, where: str = "1", params: tuple = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.db.fetchall(f"SELECT * FROM due_work WHERE {where}", params)]  # noqa: S608

    async def settled(self, *row_ids: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        """Wait until every row has a final status; returns them."""
        await until(lambda: self._all_final(row_ids), timeout, f"rows {row_ids} to settle")
        return [await self.row(r) for r in row_ids]

    async def _all_final(self, row_ids: tuple[int, ...]) -> bool:
        return all([(await self.row(r))["status"] in FINAL for r in row_ids])


async def until(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():  # noqa: ASYNC110 - polling the bot's database is the point
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    seeded = World(tmp_path / "clematis.db")
    await seeded.open()
    yield seeded
    await seeded.db.close()


async def run_bot(emulator: Emulator, world: World) -> BotProcess:
    process = BotProcess(emulator, world.path)
    await process.start()
    return process


async def stop_bot(process: BotProcess) -> None:
    assert_clean_exit(process, await process.stop())


# --- who hears about it ---------------------------------------------------------------------------


async def test_a_reminder_pings_only_going_members_and_dms_those_who_asked(
    emulator: Emulator, world: World
) -> None:
    guild = emulator.guild
    general = guild.channel("general")
    mina = emulator.member(guild, "Mina")
    jun = emulator.member(guild, "Jun", dms_closed=True)
    ari = emulator.member(guild, "Ari")
    sua, lee = emulator.member(guild, "Sua"), emulator.member(guild, "Lee")
    party = await world.party(
        general,
        starts_in=timedelta(hours=1),
        voice=guild.channel("Watch Party"),
        going=[mina, jun, ari],
        maybe=[sua],
        not_going=[lee],
    )
    await world.wants_dms(mina, jun, sua)
    reminder = await world.due(party, "reminder", at=timedelta(seconds=-1))
    bot = await run_bot(emulator, world)

    message = await emulator.wait_for_message(general)
    assert message.pings.users == {mina.id, jun.id, ari.id}
    assert not message.pings.roles and not message.pings.everyone
    assert "Round 1 rewatch" in message.content and "<t:" in message.content
    assert f"<#{guild.channel('Watch Party').id}>" in message.content
    # The reminder carries the content-warning card, every topic behind a spoiler tag.
    assert message.embeds and message.embeds[0]["title"] == "Before you watch: content warnings"
    assert all("||" in f["value"] for f in message.embeds[0]["fields"] if f["name"] != "Support")
    dm = await emulator.wait_for_message(emulator.dm_channel(mina.user))
    assert "Round 1 rewatch" in dm.content and "Alien Stage Fans" in dm.content and not dm.pings
    assert dm.embeds and dm.embeds[0]["title"] == "Before you watch: content warnings"

    (row,) = await world.settled(reminder)
    assert (row["status"], row["message_id"]) == ("delivered", message.id)
    dms = {r["user_id"]: r for r in await world.rows("kind = 'dm'")}
    assert set(dms) == {mina.id, jun.id}  # Sua is only a maybe, Ari did not ask for DMs
    await world.settled(*(r["id"] for r in dms.values()))
    assert (await world.row(dms[mina.id]["id"]))["status"] == "delivered"
    closed = await world.row(dms[jun.id]["id"])
    assert closed["status"] == "failed" and "DMs are closed" in closed["reason"] and closed["attempts"] == 1
    assert await world.db.fetchval("SELECT dm_closed_at FROM member_preferences WHERE user_id = ?", (jun.id,))
    assert emulator.messages_in(emulator.dm_channel(ari.user)) == []
    assert emulator.messages_in(emulator.dm_channel(sua.user)) == []
    await stop_bot(bot)


async def test_the_start_post_goes_to_the_party_thread_with_voice_link_and_warning_card(
    emulator: Emulator, world: World
) -> None:
    guild = emulator.guild
    general, voice = guild.channel("general"), guild.channel("Watch Party")
    owner = guild.members[guild.owner_id]
    thread = guild.add_thread(general, "Round 1 rewatch", owner=owner)
    mina = emulator.member(guild, "Mina")
    party = await world.party(
        general, starts_in=timedelta(seconds=0), voice=voice, thread=thread, going=[mina]
    )
    start = await world.due(party, "start", at=timedelta(seconds=-1), label="0")
    await world.wants_dms(mina)
    topic = "death-main-character"  # one of ROUND 1's warnings, which Mina wants spelled out
    await world.db.execute(
        "UPDATE member_preferences SET cw_topics = ? WHERE user_id = ?", (f'["{topic}"]', mina.id)
    )
    bot = await run_bot(emulator, world)

    message = await emulator.wait_for_message(thread)
    assert "starting now" in message.content and f"<#{voice.id}>" in message.content
    assert message.pings.users == {mina.id}
    assert message.embeds and message.embeds[0]["title"] == "Before you watch: content warnings"
    assert all("||" in f["value"] for f in message.embeds[0]["fields"] if f["name"] != "Support")
    assert emulator.messages_in(general) == []
    dm = await emulator.wait_for_message(emulator.dm_channel(mina.user))
    assert "starting now" in dm.content
    assert "**Death of a main character**" in dm.embeds[0]["fields"][0]["value"]  # her own card: plain
    assert "**Death of a main character**" not in message.embeds[0]["fields"][0]["value"]
    (row,) = await world.settled(start)
    assert row["status"] == "delivered"
    await stop_bot(bot)


async def test_mark_as_watched_works_after_a_restart(emulator: Emulator, world: World) -> None:
    guild = emulator.guild
    general = guild.channel("general")
    owner = guild.members[guild.owner_id]
    discussion = guild.add_thread(
        guild.channel("discussion"), "Round 2 discussion", owner=owner, content="Talk"
    )
    mina = emulator.member(guild, "Mina")
    party = await world.party(general, starts_in=timedelta(hours=-1), episodes=("r1", "r2"), going=[mina])
    await world.db.execute(
        "INSERT INTO discussion_threads (guild_id, episode_id, channel_id, thread_id) VALUES (?, 'r2', ?, ?)",
        (guild.id, guild.channel("discussion").id, discussion.id),
    )
    followup = await world.due(party, "followup", at=timedelta(seconds=-1), label="end")
    bot = await run_bot(emulator, world)
    message = await emulator.wait_for_message(general)
    assert f"<#{discussion.id}>" in message.content and not message.pings
    assert (await world.settled(followup))[0]["status"] == "delivered"
    await stop_bot(bot)

    bot = await run_bot(emulator, world)
    reply = await mina.click(message, "Mark as watched")
    assert reply.ephemeral and "Marked as watched" in reply.text and "ROUND 2" in reply.text
    progress = await world.db.fetchall(
        "SELECT track, episode_id FROM member_progress WHERE user_id = ?", (mina.id,)
    )
    assert ("r2",) in [(r[1],) for r in progress]
    again = await mina.click(message, "Mark as watched")
    assert again.ephemeral and "already watched" in again.text
    await stop_bot(bot)


# --- late, skipped, failed ------------------------------------------------------------------------


async def test_work_missed_while_the_bot_was_down_is_sent_late_or_skipped(
    emulator: Emulator, world: World
) -> None:
    guild = emulator.guild
    general, spoilers = guild.channel("general"), guild.channel("spoilers")
    soon = await world.party(general, starts_in=timedelta(minutes=20), title="Soon")
    started = await world.party(spoilers, starts_in=timedelta(minutes=-5), title="Started")
    late = await world.due(soon, "reminder", at=timedelta(minutes=-10), label="30m")
    stale = await world.due(started, "reminder", at=timedelta(minutes=-65))
    stale_start = await world.due(started, "start", at=timedelta(minutes=-5), label="0")
    bot = await run_bot(emulator, world)

    rows = await world.settled(late, stale, stale_start)
    assert [r["status"] for r in rows] == ["late", "skipped", "skipped"]
    assert rows[0]["reason"].startswith("sent 10 min late")
    message = await emulator.wait_for_message(general)
    assert "10 min late" in message.content and "Soon" in message.content
    assert emulator.messages_in(spoilers) == []  # no burst of stale posts
    await stop_bot(bot)


async def test_refused_and_deleted_channels_fail_once_a_deleted_thread_falls_back_to_its_channel(
    emulator: Emulator, world: World
) -> None:
    guild = emulator.guild
    modlog = guild.channel("mod-log")
    locked = guild.add_text_channel("locked")
    guild.set_overwrite(locked, guild.bot_role, deny=Permission.SEND_MESSAGES)
    gone = guild.add_text_channel("gone")
    guild.delete_channel(gone)
    await world.db.execute(
        "INSERT INTO guild_settings (guild_id, modlog_channel) VALUES (?, ?)", (guild.id, modlog.id)
    )
    refused = await world.due(
        await world.party(locked, starts_in=timedelta(hours=1)), "reminder", at=timedelta(0)
    )
    missing = await world.due(
        await world.party(gone, starts_in=timedelta(hours=1)), "reminder", at=timedelta(0)
    )
    general = guild.channel("general")
    thread = guild.add_thread(general, "Party thread", owner=guild.members[guild.owner_id])
    guild.delete_channel(thread)
    moved = await world.due(
        await world.party(general, thread=thread, starts_in=timedelta(hours=1)), "reminder", at=timedelta(0)
    )
    bot = await run_bot(emulator, world)
    (moved_row,) = await world.settled(moved)
    (in_channel,) = emulator.messages_in(general)  # the thread is gone: the party's channel gets it
    assert (moved_row["status"], moved_row["message_id"]) == ("delivered", in_channel.id)

    refused_row, missing_row = await world.settled(refused, missing)
    assert refused_row["status"] == "failed" and "missing access" in refused_row["reason"]
    assert missing_row["status"] == "failed" and "no longer exists" in missing_row["reason"]
    assert refused_row["attempts"] == missing_row["attempts"] == 1
    await emulator.wait_until(lambda: len(emulator.messages_in(modlog)) == 2, 5, "two mod-log notes")
    assert all("couldn't post" in m.content and not m.pings for m in emulator.messages_in(modlog))
    posts = [r for r in emulator.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert sum(f"/{locked.id}/" in r.path for r in posts) == 1
    assert sum(f"/{gone.id}/" in r.path for r in posts) == 1

    mod = emulator.moderator(guild)
    status = await mod.slash("watchparty-admin status")
    assert status.ephemeral
    assert "missing access" in status.text and "no longer exists" in status.text and "failed 2" in status.text
    mina = emulator.member(guild, "Mina")
    with pytest.raises(CommandHidden):
        await mina.slash("watchparty-admin status")
    guild.open_command("watchparty-admin", mina)
    refused = await mina.slash("watchparty-admin status")  # opened to her, refused at run time
    assert refused.ephemeral and "Manage Server" in refused.text and "failed" not in refused.text
    await stop_bot(bot)
