"""Reminder times through the real bot: the server's default that moderators set (replanning upcoming
parties), a party's own times on schedule, series and edit, and /watchparty status."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from tests.database import connect
from tests.emulator import CommandHidden, Emulator, Member
from tests.emulator.process import BotProcess
from tests.watchparty.test_party_scheduling import (
    announcement,
    check_world,
    last_party,
    new_member,
    query,
    saved_zone,
    shared_loop,
    started_world,
)

WHEN = "2027-06-05 20:00"  # 11:00 UTC for a member in Seoul
START = datetime(2027, 6, 5, 11, 0, tzinfo=UTC)
EXAMPLE = "`24h, 1h, 15m, 0`"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def running(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Emulator, BotProcess]]:
    async for pair in started_world(tmp_path_factory, "reminder-times"):
        emulator, process = pair
        with connect(process.db_target) as conn:
            conn.execute(
                "INSERT INTO guild_settings (guild_id, modlog_channel) VALUES (?, ?)",
                (emulator.guild.id, emulator.guild.channel("mod-log").id),
            )
        yield pair


@pytest.fixture
def world(running: tuple[Emulator, BotProcess]) -> Iterator[tuple[Emulator, BotProcess]]:
    yield running
    check_world(*running)


def moderator(emulator: Emulator) -> Member:
    return new_member(emulator, "Mod", roles=["Moderator"])


def pending(process: BotProcess, party_id: int) -> list[tuple[str, str, str]]:
    return [
        (r[0], r[1], r[2])
        for r in query(
            process,
            "SELECT kind, offset_label, due_at FROM due_work WHERE party_id = ? AND status = 'pending' "
            "ORDER BY due_at",
            (party_id,),
        )
    ]


def labels(process: BotProcess, party_id: int) -> list[str]:
    return [label for _, label, _ in pending(process, party_id)]


def replanned(process: BotProcess, party_id: int) -> list[str]:
    rows = query(
        process,
        "SELECT offset_label FROM due_work WHERE party_id = ? AND status = 'cancelled' AND reason = 'replanned' "
        "ORDER BY offset_label",
        (party_id,),
    )
    return [r[0] for r in rows]


def server_times(process: BotProcess, emulator: Emulator) -> list[tuple[str]]:
    return query(
        process,
        "SELECT reminder_offsets FROM guild_party_settings WHERE guild_id = ?",
        (emulator.guild.id,),
    )


def upcoming_defaults(process: BotProcess, emulator: Emulator) -> int:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = query(
        process,
        "SELECT count(*) FROM watch_parties WHERE guild_id = ? AND status = 'scheduled' AND starts_at > ? "
        "AND reminder_offsets IS NULL",
        (emulator.guild.id, now),
    )
    return int(rows[0][0])


async def schedule(emulator: Emulator, process: BotProcess, **options: object) -> tuple[Member, int]:
    host = await saved_zone(emulator)
    reply = await host.slash("watchparty schedule", episode="r1", when=WHEN, **options)
    assert "Scheduled" in reply.text, reply.text
    return host, last_party(process, host)["id"]


async def announced(emulator: Emulator, party_id: int, text: str) -> None:
    shown = announcement(emulator, party_id)
    await emulator.wait_until(lambda: text in shown.text, 5, f"the announcement to say {text!r}")


# --- the server's default --------------------------------------------------------------------------


@shared_loop
async def test_new_server_times_replan_upcoming_default_parties_and_are_logged(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, process = world
    _, default = await schedule(emulator, process)
    _, own = await schedule(emulator, process, reminders="30m")
    assert labels(process, default) == ["1d", "1h", "0", "end"]
    mod = moderator(emulator)
    expected = upcoming_defaults(process, emulator)
    try:
        reply = await mod.slash("watchparty-admin settings", reminders="2h, 0")
        assert reply.ephemeral and "reminders now go 2h and at the start" in reply.text
        assert f"({expected} upcoming part" in reply.text
        assert pending(process, default) == [
            ("reminder", "2h", "2027-06-05T09:00:00Z"),
            ("start", "0", "2027-06-05T11:00:00Z"),
            ("followup", "end", "2027-06-05T12:00:00Z"),
        ]
        assert replanned(process, default) == ["0", "1d", "1h", "end"]
        assert labels(process, own) == ["30m", "end"] and replanned(process, own) == []
        assert server_times(process, emulator) == [("2h, 0",)]
        logged = await emulator.wait_for_message(
            emulator.guild.channel("mod-log"), lambda m: "reminder times" in m.content
        )
        assert f"<@{mod.id}>" in logged.content and not logged.pings
        assert "from 1d, 1h and at the start to 2h and at the start" in logged.content
        await announced(emulator, default, "**Reminders:** 2h and at the start")
        await announced(emulator, own, "**Reminders:** 30m before the start")

        shown = await mod.slash("watchparty-admin settings")
        assert "Default time zone: none" in shown.text and "Reminders: 2h and at the start" in shown.text
        again = await mod.slash("watchparty-admin settings", reminders="120 minutes, start")
        assert "already go 2h and at the start" in again.text
        assert replanned(process, default) == ["0", "1d", "1h", "end"]  # nothing replanned twice
    finally:
        reset = await mod.slash("watchparty-admin settings", reminders="default")
    assert "reminders now go 1d, 1h and at the start" in reset.text
    assert server_times(process, emulator) == [("1d, 1h, 0",)]
    assert labels(process, default) == ["1d", "1h", "0", "end"]
    await announced(emulator, default, "**Reminders:** 1d, 1h and at the start")


@shared_loop
async def test_members_cannot_change_the_server_times(world: tuple[Emulator, BotProcess]) -> None:
    emulator, process = world
    before = server_times(process, emulator)
    member = new_member(emulator)
    with pytest.raises(CommandHidden):  # Discord hides /watchparty-admin from members
        await member.slash("watchparty-admin settings", reminders="5m")
    emulator.guild.open_command("watchparty-admin", member)  # opened to them: still refused when run
    assert await member.autocomplete("watchparty-admin settings", "zone", "seoul") == []
    refused = await member.slash("watchparty-admin settings", reminders="5m")
    assert refused.ephemeral and "Manage Server" in refused.text
    assert server_times(process, emulator) == before


@shared_loop
async def test_unreadable_server_times_say_what_works_and_change_nothing(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, process = world
    _, party = await schedule(emulator, process)
    before = server_times(process, emulator)
    mod = moderator(emulator)
    for typed in ("every hour", "6 weeks", "2h, lunch"):
        reply = await mod.slash("watchparty-admin settings", reminders=typed, zone="Europe/Berlin")
        assert reply.ephemeral and EXAMPLE in reply.text and "default" in reply.text, reply.text
    assert server_times(process, emulator) == before
    assert "Default time zone: none" in (await mod.slash("watchparty-admin settings")).text  # zone not saved
    assert replanned(process, party) == [] and labels(process, party) == ["1d", "1h", "0", "end"]


# --- a party's own times ---------------------------------------------------------------------------


@shared_loop
async def test_a_party_scheduled_with_its_own_times_is_planned_and_announced_with_them(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, process = world
    host = await saved_zone(emulator)
    reply = await host.slash("watchparty schedule", episode="r1", when=WHEN, reminders="30m, 0")
    assert "Reminders: 30m and at the start (its own times)" in reply.text
    party = last_party(process, host)
    assert party["reminder_offsets"] == "30m, 0"
    assert pending(process, party["id"]) == [
        ("reminder", "30m", "2027-06-05T10:30:00Z"),
        ("start", "0", "2027-06-05T11:00:00Z"),
        ("followup", "end", "2027-06-05T12:00:00Z"),
    ]
    assert "**Reminders:** 30m and at the start" in announcement(emulator, party["id"]).text
    info = await host.slash("watchparty info", party=str(party["id"]))
    assert "**Reminders:** 30m and at the start" in info.text


@shared_loop
async def test_editing_a_party_back_to_default_replans_it_with_the_server_times(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, process = world
    host, party = await schedule(emulator, process, reminders="45m")
    reply = await host.slash("watchparty edit", party=str(party), reminders="default")
    assert (
        "Updated" in reply.text and "Reminders: 1d, 1h and at the start (this server's times)" in reply.text
    )
    assert last_party(process, host)["reminder_offsets"] is None
    assert labels(process, party) == ["1d", "1h", "0", "end"] and replanned(process, party) == ["45m", "end"]
    await announced(emulator, party, "**Reminders:** 1d, 1h and at the start")

    reply = await host.slash("watchparty edit", party=str(party), reminders="3h")
    assert "Reminders: 3h before the start (its own times)" in reply.text
    assert labels(process, party) == ["3h", "end"]


@shared_loop
async def test_bad_party_times_fail_before_the_time_is_confirmed(world: tuple[Emulator, BotProcess]) -> None:
    emulator, process = world
    host = await saved_zone(emulator)
    reply = await host.slash("watchparty schedule", episode="r1", when="2027-06-05 8", reminders="soonish")
    assert EXAMPLE in reply.text and not reply.buttons  # not the "morning or evening?" question
    assert query(process, "SELECT count(*) FROM watch_parties WHERE host_id = ?", (host.id,)) == [(0,)]
    series = await host.slash("watchparty series", episode="r1", when=WHEN, count=2, reminders="5 weeks")
    assert "too early" in series.text and EXAMPLE in series.text
    owner, party = await schedule(emulator, process, reminders="2h")
    edit = await owner.slash("watchparty edit", party=str(party), reminders="nope")
    assert EXAMPLE in edit.text
    assert labels(process, party) == ["2h", "end"]


@shared_loop
async def test_a_series_gives_its_times_to_every_party(world: tuple[Emulator, BotProcess]) -> None:
    emulator, process = world
    host = await saved_zone(emulator)
    reply = await host.slash("watchparty series", episode="r1", when=WHEN, count=2, reminders="1h")
    assert "Reminders: 1h before the start (its own times)" in reply.text
    rows = query(
        process,
        "SELECT id, reminder_offsets FROM watch_parties WHERE host_id = ? ORDER BY starts_at",
        (host.id,),
    )
    assert [offsets for _, offsets in rows] == ["1h", "1h"]
    for party_id, _ in rows:
        assert labels(process, party_id) == ["1h", "end"]


# --- /watchparty status ----------------------------------------------------------------------------


@shared_loop
async def test_watchparty_status_shows_deliveries_to_moderators_and_refuses_members(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, process = world
    host = await saved_zone(emulator)
    await host.slash(
        "watchparty schedule", episode="r2", when="in 2 hours", reminders="45m", title="Status check"
    )
    party = last_party(process, host)["id"]
    status = await moderator(emulator).slash("watchparty-admin status")
    assert status.ephemeral and "Watch-party deliveries" in status.text and "running" in status.text
    assert "**Status check**" in status.text and "45m reminder: due" in status.text  # the soonest party
    member = new_member(emulator)
    with pytest.raises(CommandHidden):
        await member.slash("watchparty-admin status")
    emulator.guild.open_command("watchparty-admin", member)
    refused = await member.slash("watchparty-admin status")
    assert refused.ephemeral and "Manage Server" in refused.text and "Status check" not in refused.text
    assert labels(process, party) == ["45m", "end"]
