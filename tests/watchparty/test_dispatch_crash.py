"""Exactly once as members see it: crashes, clean stops, server errors and a second bot on one database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.emulator import Channel, Emulator, RecordedRequest
from tests.emulator.process import BotProcess
from tests.watchparty.test_dispatch_e2e import World, run_bot, stop_bot, world  # noqa: F401 - fixture

__all__ = ["world"]


def posts_to(emulator: Emulator, channel: Channel) -> list[RecordedRequest]:
    return [
        r for r in emulator.requests if r.method == "POST" and r.path == f"/channels/{channel.id}/messages"
    ]


async def test_a_crash_between_sending_and_recording_leaves_one_message(
    emulator: Emulator, world: World
) -> None:
    general = emulator.guild.channel("general")
    row_id = await world.due(
        await world.party(general, starts_in=timedelta(hours=1)), "reminder", at=timedelta(0)
    )
    # Discord is slow to answer: the bot dies after its POST arrived, before it could record the message id.
    emulator.faults.delay("POST", rf"/channels/{general.id}/messages$", seconds=2.5, count=1)
    bot = await run_bot(emulator, world)
    await emulator.wait_until(lambda: bool(posts_to(emulator, general)), 10, "the reminder's POST")
    bot.kill()
    assert bot.proc is not None
    await bot.proc.wait()
    assert (await world.row(row_id))["status"] == "claimed"
    await emulator.wait_until(
        lambda: len(emulator.messages_in(general)) == 1, 5, "Discord to store the message"
    )

    bot = await run_bot(emulator, world)
    (row,) = await world.settled(row_id)
    (message,) = emulator.messages_in(general)
    assert (row["status"], row["message_id"], row["attempts"]) == ("delivered", message.id, 2)
    first, second = posts_to(emulator, general)
    assert first.json is not None and second.json is not None
    assert first.json["nonce"] == second.json["nonce"] and second.json["enforce_nonce"] is True
    await stop_bot(bot)


async def test_a_clean_stop_mid_send_hands_the_row_back_without_a_duplicate(
    emulator: Emulator, world: World
) -> None:
    general = emulator.guild.channel("general")
    row_id = await world.due(
        await world.party(general, starts_in=timedelta(hours=1)), "reminder", at=timedelta(0)
    )
    emulator.faults.delay("POST", rf"/channels/{general.id}/messages$", seconds=6.5, count=1)
    bot = await run_bot(emulator, world)
    await emulator.wait_until(lambda: bool(posts_to(emulator, general)), 10, "the reminder's POST")
    await stop_bot(bot)  # SIGTERM: the send in flight gets a few seconds, then the row is handed back
    after_stop = await world.row(row_id)
    assert (after_stop["status"], after_stop["claimed_by"]) == ("pending", None)
    await emulator.wait_until(
        lambda: len(emulator.messages_in(general)) == 1, 5, "Discord to store the message"
    )

    bot = await run_bot(emulator, world)
    (row,) = await world.settled(row_id)
    (message,) = emulator.messages_in(general)
    assert (row["status"], row["message_id"]) == ("delivered", message.id)
    await stop_bot(bot)


async def test_server_errors_are_retried_into_exactly_one_message(emulator: Emulator, world: World) -> None:
    guild = emulator.guild
    general, spoilers = guild.channel("general"), guild.channel("spoilers")
    # 500: discord.py retries by itself. 503: it gives up at once and the dispatcher retries with backoff.
    emulator.faults.server_error("POST", rf"/channels/{general.id}/messages$", status=500, count=1)
    emulator.faults.server_error("POST", rf"/channels/{spoilers.id}/messages$", status=503, count=1)
    quick = await world.due(
        await world.party(general, starts_in=timedelta(hours=1)), "reminder", at=timedelta(0)
    )
    backoff = await world.due(
        await world.party(spoilers, starts_in=timedelta(hours=1)), "reminder", at=timedelta(0)
    )
    bot = await run_bot(emulator, world)
    quick_row, backoff_row = await world.settled(quick, backoff)
    assert [len(emulator.messages_in(c)) for c in (general, spoilers)] == [1, 1]
    assert (quick_row["status"], quick_row["attempts"]) == ("delivered", 1)
    assert (backoff_row["status"], backoff_row["attempts"]) == ("delivered", 2)
    assert [r.status for r in posts_to(emulator, spoilers)] == [503, 200]
    await stop_bot(bot)


async def test_two_bots_on_one_database_send_each_reminder_once(emulator: Emulator, world: World) -> None:
    guild = emulator.guild
    channels = [guild.add_text_channel(f"party-{i}") for i in range(12)]
    rows = []
    for channel in channels:
        party = await world.party(channel, starts_in=timedelta(hours=1))
        rows.append(await world.due(party, "reminder", at=timedelta(seconds=4)))
    first, second = BotProcess(emulator, world.path), BotProcess(emulator, world.path)
    await asyncio.gather(first.start(), second.start())

    settled = await world.settled(*rows, timeout=20)
    assert {r["status"] for r in settled} == {"delivered"}
    assert [len(emulator.messages_in(c)) for c in channels] == [1] * len(channels)
    assert sum(len(posts_to(emulator, c)) for c in channels) == len(channels)  # nobody even tried twice
    # Each warns at its next heartbeat after seeing the other's (at most one interval, 15 s).
    await emulator.wait_until(
        lambda: "ANOTHER CLEMATIS PROCESS" in first.output + second.output, 20, "the warning about two bots"
    )
    await stop_bot(first)
    await stop_bot(second)
