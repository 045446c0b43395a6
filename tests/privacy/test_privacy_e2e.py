"""/privacy through the emulator: a member with everything the bot can store sees it, exports it as a
private file, and deletes it; a server leaving the bot loses its data after the grace period."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.database import connect, table_columns
from tests.emulator import Emulator, Member, Message, actions
from tests.emulator.process import BotProcess
from tests.watchparty.test_party_scheduling import announcement, last_party

USER_TABLES = ("member_progress", "member_preferences", "party_rsvps", "watch_parties", "spoiler_reports")


def sql(bot: BotProcess, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with connect(bot.db_target) as conn:
        return list(conn.execute(query, params).fetchall())


def cells_holding(bot: BotProcess, value: int) -> set[str]:
    """`table.column` of every cell in the database holding `value` (as a number or as text)."""
    found = set()
    with connect(bot.db_target) as conn:
        for table, columns in table_columns(bot.db_target).items():
            for column in columns:
                hits = conn.execute(
                    f'SELECT count(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) = ?',  # noqa: S608
                    (str(value),),
                ).fetchone()[0]
                if hits:
                    found.add(f"{table}.{column}")
    return found


def field(message: Message, name: str) -> str:
    return next(f["value"] for f in message.embeds[0]["fields"] if f["name"] == name)


async def schedule(
    member: Member, emulator: Emulator, bot: BotProcess, **options: Any
) -> tuple[int, Message]:
    reply = await member.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00", **options)
    assert not reply.ephemeral or "Watch party" in reply.text or reply.text, reply.text
    party_id = int(last_party(bot, member)["id"])
    return party_id, announcement(emulator, party_id)


async def a_member_with_everything(emulator: Emulator, bot: BotProcess) -> dict[str, Any]:
    """Mina: progress, preferences, a time zone, a hosted party, an RSVP to Jo's full party, a report."""
    guild = emulator.guild
    mod = emulator.moderator(guild)
    set_log = await actions.slash(
        mod, "spoilers modlog", channel=None, timeout=10.0, options={"channel": guild.channel("mod-log")}
    )
    assert "set the mod log" in set_log.text, set_log.text
    mina, jo, ari = (emulator.member(guild, name) for name in ("Mina", "Jo", "Ari"))
    for member in (mina, jo, ari):
        assert "Asia/Seoul" in (await member.slash("timezone set", zone="Asia/Seoul")).text
    await mina.slash("progress set", episode="r1")
    opened = await mina.slash("cw preferences")
    await mina.select(opened, "cw:topics", ["blood"])
    hosted, hosted_board = await schedule(
        mina, emulator, bot, voice=guild.channel("Watch Party"), title="Mina's night"
    )
    jos, jos_board = await schedule(jo, emulator, bot, capacity=2, title="Jo's night")
    assert "going" in (await mina.click(jos_board, "Going")).text
    assert "waitlist" in (await ari.click(jos_board, "Going")).text
    await emulator.wait_until(lambda: field(jos_board, "Going") == "2 / 2 · 1 waiting", what="the waitlist")
    said = await jo.say(guild.channel("general"), "did you see the new fan art")
    report = await mina.context_menu("Report spoiler", said)
    assert "passed it on" in report.text
    return {
        "mina": mina,
        "jo": jo,
        "ari": ari,
        "mod": mod,
        "hosted": hosted,
        "hosted_board": hosted_board,
        "jos": jos,
        "jos_board": jos_board,
    }


async def test_a_member_sees_exports_and_deletes_everything(emulator: Emulator, bot: BotProcess) -> None:
    world = await a_member_with_everything(emulator, bot)
    mina: Member = world["mina"]

    shown = await mina.slash("privacy show")
    assert shown.ephemeral
    for words in (
        "Episode progress",
        "Preferences",
        "Watch-party RSVPs",
        "Watch parties you host",
        "Spoiler reports you made",
    ):
        assert words in shown.text, words
    assert "**Watch-party RSVPs**: 2" in shown.text  # her own party (as host) and Jo's

    exported = await mina.slash("privacy export")
    assert exported.ephemeral and len(exported.attachments) == 1
    attachment = exported.attachments[0]
    assert attachment.ephemeral and "/ephemeral-attachments/" in attachment.url
    assert attachment.filename == f"clematis-data-{mina.id}.json"
    document = json.loads(attachment.data)
    assert document["user_id"] == str(mina.id)
    tables = document["tables"]
    assert set(USER_TABLES) <= set(tables)
    assert tables["member_progress"]["rows"][0]["episode_id"] == "r1"
    prefs = tables["member_preferences"]["rows"][0]
    assert prefs["time_zone"] == "Asia/Seoul" and prefs["cw_topics"] == ["blood"]
    assert {r["party_id"] for r in tables["party_rsvps"]["rows"]} == {str(world["hosted"]), str(world["jos"])}
    assert tables["watch_parties"]["rows"][0]["title"] == "Mina's night"
    assert tables["spoiler_reports"]["rows"][0]["reporter_id"] == str(mina.id)
    assert not any(m.attachments for m in emulator.messages_in(emulator.guild.channel("general")))

    asked = await mina.slash("privacy delete")
    assert asked.ephemeral and "Delete everything" in asked.text and "Messages you posted" in asked.text
    assert sql(bot, "SELECT count(*) FROM member_progress WHERE user_id = ?", (mina.id,)) == [(1,)]
    done = await mina.click(asked, "Delete my data")
    assert "Done: I deleted everything" in done.text and "Messages you posted in servers stay" in done.text
    assert done.message is not None and done.message.ephemeral and not done.message.components

    assert cells_holding(bot, mina.id) == set()
    # Jo's party: Mina's spot went to Ari, and the board says so
    going = sql(
        bot, "SELECT user_id FROM party_rsvps WHERE party_id = ? AND status = 'going'", (world["jos"],)
    )
    assert {r[0] for r in going} == {world["jo"].id, world["ari"].id}
    await emulator.wait_until(
        lambda: field(world["jos_board"], "Going") == "2 / 2", what="the board's new count"
    )
    # Mina's party went to the moderators, with its event and reminders intact
    hosted = sql(bot, "SELECT host_id, status, event_id FROM watch_parties WHERE id = ?", (world["hosted"],))
    assert hosted[0][0] == 0 and hosted[0][1] == "scheduled" and hosted[0][2] is not None
    await emulator.wait_until(
        lambda: "this server's moderators" in world["hosted_board"].embeds[0]["description"],
        what="the handed-over party's board",
    )
    modlog = emulator.guild.channel("mod-log")
    await emulator.wait_until(
        lambda: any(
            "now looked after by this server's moderators" in m.text for m in emulator.messages_in(modlog)
        ),
        what="the mod log to hear of the handover",
    )
    # the only messages left are those posted in the server (the report went to the mod log, and stays)
    assert any(str(mina.id) in m.text for m in emulator.messages_in(emulator.guild.channel("mod-log")))
    after = await mina.slash("privacy show")
    assert "I store nothing about you" in after.text


async def test_a_server_that_cancels_a_leaving_hosts_parties(emulator: Emulator, bot: BotProcess) -> None:
    guild = emulator.guild
    mod = emulator.moderator(guild)
    settings = await mod.slash("privacy-admin settings", parties="cancel")
    assert settings.ephemeral and "cancelled" in settings.text
    mina = emulator.member(guild, "Mina")
    await mina.slash("timezone set", zone="Asia/Seoul")
    party, board = await schedule(mina, emulator, bot, voice=guild.channel("Watch Party"))
    assert len(guild.scheduled_events) == 1
    pending = sql(bot, "SELECT count(*) FROM due_work WHERE party_id = ? AND status = 'pending'", (party,))[
        0
    ][0]
    assert pending >= 2

    asked = await mina.slash("privacy delete")
    done = await mina.click(asked, "Delete my data")
    assert "cancelled as their server chose" in done.text
    await emulator.wait_until(lambda: not guild.scheduled_events, what="the party's Discord event to go")
    await emulator.wait_until(lambda: board.embeds[0]["title"].startswith("Cancelled"), what="the board")
    assert sql(bot, "SELECT status FROM watch_parties WHERE id = ?", (party,)) == [("cancelled",)]
    kinds = sql(
        bot,
        "SELECT DISTINCT status FROM due_work WHERE party_id = ? AND kind IN ('reminder', 'start', 'followup')",
        (party,),
    )
    assert kinds == [("cancelled",)]
    assert cells_holding(bot, mina.id) == set()


async def test_only_the_member_can_use_their_confirmation(emulator: Emulator, bot: BotProcess) -> None:
    mina, jo = emulator.member(emulator.guild, "Mina"), emulator.member(emulator.guild, "Jo")
    await mina.slash("progress set", episode="r1")
    asked = await mina.slash("privacy delete")
    try:
        await jo.click(asked, "Delete my data")
    except AssertionError as error:
        assert "cannot see an ephemeral message" in str(error)
    else:
        raise AssertionError("another member used Mina's ephemeral confirmation")
    kept = await mina.click(asked, "Keep my data")
    assert "Nothing was deleted" in kept.text
    assert sql(bot, "SELECT count(*) FROM member_progress WHERE user_id = ?", (mina.id,)) == [(1,)]


async def test_about_links_the_privacy_notice(emulator: Emulator, tmp_path: Path) -> None:
    emulator.privacy_policy_url = "https://example.org/portal-privacy"
    bot = BotProcess(emulator, tmp_path / "db.sqlite3")
    await bot.start()
    try:
        about = await emulator.member(emulator.guild, "Mina").slash("about")
        assert "https://example.org/portal-privacy" in about.text
    finally:
        code = await bot.stop()
        assert code == 0, bot.output
    configured = BotProcess(
        emulator, tmp_path / "db.sqlite3", {"PRIVACY_POLICY_URL": "https://example.org/ours"}
    )
    await configured.start()
    try:
        shown = await emulator.member(emulator.guild, "Jo").slash("privacy show")
        assert "https://example.org/ours" in shown.text
    finally:
        assert await configured.stop() == 0


async def test_an_expired_confirmation_deletes_nothing(emulator: Emulator, bot: BotProcess) -> None:
    mina = emulator.member(emulator.guild, "Mina")
    await mina.slash("progress set", episode="r1")
    asked = await mina.slash("privacy delete")
    assert asked.message is not None
    # Six minutes pass: the expiry lives in the button's custom id, so the same click now comes too late.
    for row in asked.message.components:
        for button in row["components"]:
            prefix, _, expires = button["custom_id"].rpartition(":")
            if prefix.startswith("privacy:delete"):
                button["custom_id"] = f"{prefix}:{int(expires) - 360}"
    late = await mina.click(asked, "Delete my data")
    assert "expired" in late.text and not late.message.components  # type: ignore[union-attr]
    assert sql(bot, "SELECT count(*) FROM member_progress WHERE user_id = ?", (mina.id,)) == [(1,)]


async def test_privacy_works_in_direct_messages(emulator: Emulator, bot: BotProcess) -> None:
    mina = emulator.member(emulator.guild, "Mina")
    await mina.slash("timezone set", zone="Asia/Seoul")
    dm = emulator.dm_channel(mina.user)
    shown = await mina.slash("privacy show", channel=dm)
    assert "**Preferences**: 1" in shown.text
    exported = await mina.slash("privacy export", channel=dm)
    assert (
        json.loads(exported.attachments[0].data)["tables"]["member_preferences"]["rows"][0]["time_zone"]
        == "Asia/Seoul"
    )
    done = await mina.click(await mina.slash("privacy delete", channel=dm), "Delete my data")
    assert "Done" in done.text and cells_holding(bot, mina.id) == set()


async def test_a_server_hands_a_leaving_hosts_parties_to_the_member_it_chose(
    emulator: Emulator, bot: BotProcess
) -> None:
    guild = emulator.guild
    mod, mina = emulator.moderator(guild), emulator.member(guild, "Mina")
    chosen = await mod.slash("privacy-admin settings", handover_to=mod)
    assert f"<@{mod.id}>" in chosen.text and chosen.text.startswith("Saved.")
    member = emulator.member(guild, "Not a mod")
    try:
        await member.slash("privacy-admin settings", parties="cancel")
    except actions.CommandHidden:
        pass
    else:
        raise AssertionError("a member could use /privacy-admin")
    await mina.slash("timezone set", zone="Asia/Seoul")
    party, board = await schedule(mina, emulator, bot)
    await mina.click(await mina.slash("privacy delete"), "Delete my data")
    assert sql(bot, "SELECT host_id, status FROM watch_parties WHERE id = ?", (party,)) == [
        (mod.id, "scheduled")
    ]
    await emulator.wait_until(
        lambda: f"<@{mod.id}>" in board.embeds[0]["description"], what="the new host on the board"
    )


async def test_an_operators_deletion_reaches_the_running_bots_boards(
    emulator: Emulator, bot: BotProcess
) -> None:
    from tests.privacy.test_privacy_cli import cli

    jo, mina = emulator.member(emulator.guild, "Jo"), emulator.member(emulator.guild, "Mina")
    await jo.slash("timezone set", zone="Asia/Seoul")
    _party, board = await schedule(jo, emulator, bot)
    await mina.click(board, "Going")
    await emulator.wait_until(lambda: field(board, "Going") == "2", what="two going")
    done = cli(bot.db_target, "delete", str(mina.id), "--yes")  # another process, on the live database
    assert done.returncode == 0, done.stderr
    # the running bot's dispatcher finds the queued board update within its heartbeat (15 s)
    await emulator.wait_until(lambda: field(board, "Going") == "1", timeout=30, what="the board's new count")
    assert cells_holding(bot, mina.id) == set()
