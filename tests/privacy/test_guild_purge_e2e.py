"""Servers leave cleanly: a removed server's data is deleted when the grace period ends (the real
dispatcher, a short period), a server that re-adds the bot in time keeps everything, an outage deletes
nothing, and a removal while the bot was offline is found at the next start."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import GUILD_CHANNELS, assert_clean_exit
from tests.emulator import Emulator, Guild, actions
from tests.emulator.process import BotProcess
from tests.privacy.test_privacy_e2e import cells_holding, sql

GRACE_SECONDS = 5


async def fill(emulator: Emulator, guild: Guild) -> None:
    """Settings, a party with an RSVP and its due work, a handover choice: rows in many tables."""
    mod = emulator.moderator(guild)
    await actions.slash(
        mod, "spoilers modlog", channel=None, timeout=10.0, options={"channel": guild.channel("mod-log")}
    )
    await mod.slash("watchparty-admin settings", zone="Asia/Seoul")
    await mod.slash("privacy-admin settings", parties="cancel")
    await mod.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00")
    fan = emulator.member(guild, "Fan")
    board = next(m for m in emulator.bot_messages(guild.channel("general")) if m.embeds and m.components)
    await fan.click(board, "Going")


def purge_rows(bot: BotProcess, guild: Guild) -> list[tuple[str, str | None]]:
    return [
        (r[0], r[1])
        for r in sql(
            bot,
            "SELECT status, reason FROM due_work WHERE kind = 'guild_purge' AND guild_id = ?",
            (guild.id,),
        )
    ]


async def test_removed_servers_lose_their_data_after_the_grace_period(
    emulator: Emulator, tmp_path: Path
) -> None:
    leaving, returning, flaky, offline = (
        emulator.add_guild(name, channels=GUILD_CHANNELS, roles=["Moderator"])
        for name in ("Leaving", "Returning", "Flaky", "Gone while offline")
    )
    env = {"GUILD_DATA_GRACE_DAYS": str(GRACE_SECONDS / 86400)}
    db = tmp_path / "clematis.db"
    bot = BotProcess(emulator, db, env)
    await bot.start()
    try:
        for guild in (leaving, returning, flaky, offline):
            await fill(emulator, guild)
        before = cells_holding(bot, leaving.id)
        assert {
            "guild_settings.guild_id",
            "watch_parties.guild_id",
            "guild_party_settings.guild_id",
        } <= before

        emulator.remove_guild(leaving)
        emulator.remove_guild(returning)
        emulator.guild_outage(flaky)
        await emulator.wait_until(
            lambda: len(purge_rows(bot, returning)) == 1, what="the purge to be planned"
        )
        emulator.readd_guild(returning)
        await emulator.wait_until(
            lambda: purge_rows(bot, returning) == [("cancelled", "the bot was added back")],
            what="the purge to be called off",
        )
        assert purge_rows(bot, leaving) == [("pending", None)]
        assert cells_holding(bot, leaving.id) == before | {"due_work.guild_id"}  # nothing goes yet

        await bot.wait_for_output("deleted the data of server", timeout=GRACE_SECONDS + 15)
        # the purge's own due-work row goes when its outcome is recorded, just after that log line
        await emulator.wait_until(
            lambda: not cells_holding(bot, leaving.id), what="the server's last row to go"
        )
        emulator.guild_restored(flaky)
        # the returning server keeps its settings; the outage planned nothing
        assert sql(
            bot, "SELECT default_zone FROM guild_party_settings WHERE guild_id = ?", (returning.id,)
        ) == [("Asia/Seoul",)]
        assert sql(bot, "SELECT count(*) FROM watch_parties WHERE guild_id = ?", (returning.id,)) == [(1,)]
        assert purge_rows(bot, flaky) == []
        assert "deleted the data of server" in bot.output
        asked = [
            r.status for r in emulator.requests if r.method == "GET" and r.path == f"/guilds/{leaving.id}"
        ]
        assert asked == [403]  # Discord was asked (the bot is not in it) before anything was deleted
        # a retention sweep is planned (a few minutes after start; each sweep plans the next)
        sweeps = sql(bot, "SELECT status FROM due_work WHERE kind = 'retention_sweep' ORDER BY id")
        assert sweeps == [("pending",)]
    finally:
        code = await bot.stop()
    assert_clean_exit(bot, code)

    emulator.remove_guild(offline)  # while the bot is not running: no GUILD_DELETE reaches it
    again = BotProcess(emulator, db, env)
    await again.start()
    try:
        await emulator.wait_until(
            lambda: not cells_holding(again, offline.id), timeout=GRACE_SECONDS + 15, what="the purge"
        )
        assert sql(again, "SELECT count(*) FROM guild_settings WHERE guild_id = ?", (flaky.id,)) == [(1,)]
    finally:
        code = await again.stop()
    assert_clean_exit(again, code)


def test_grace_setting_is_checked() -> None:
    from bot.config import ConfigError, load_settings

    assert (
        load_settings({"GUILD_DATA_GRACE_DAYS": "0.5"}, require_token=False).guild_data_grace.total_seconds()
        == 43200
    )
    assert load_settings({}, require_token=False).guild_data_grace.days == 30
    for bad in ("-1", "soon", "99999"):
        try:
            load_settings({"GUILD_DATA_GRACE_DAYS": bad}, require_token=False)
        except ConfigError as error:
            assert "GUILD_DATA_GRACE_DAYS" in str(error)
        else:
            raise AssertionError(bad)


def test_sqlite_is_what_the_test_reads() -> None:
    assert sqlite3.sqlite_version_info >= (3, 35)  # RETURNING and partial indexes
