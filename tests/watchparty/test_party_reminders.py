"""Reminder times: the server's default that moderators set, a party's own, and replanning on change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import Database
from bot.watchparty.due import to_db_time
from bot.watchparty.parties import (
    PartyChanges,
    PartyDraft,
    cancel_party,
    create_party,
    edit_party,
    get_party,
    guild_default_zone,
    guild_reminders,
    party_reminders,
    set_guild_default_zone,
    set_guild_reminders,
)
from tests.database import database_for

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
START = NOW + timedelta(days=3)
DEFAULT = [timedelta(days=1), timedelta(hours=1), timedelta(0)]


@pytest.fixture
async def db(tmp_path: Path):
    async with Database(database_for(tmp_path / "reminders.sqlite3")) as database:
        await database.migrate()
        yield database


async def add(
    db: Database, *, guild_id: int = 10, starts_at: datetime = START, offsets: str | None = None
) -> int:
    draft = PartyDraft(
        guild_id=guild_id,
        channel_id=20,
        host_id=1,
        title="Rewatch",
        episodes=("r1",),
        starts_at=starts_at,
        zone="Europe/Berlin",
        reminder_offsets=offsets,
    )
    return await create_party(db, draft, now=NOW)


async def pending(db: Database, party_id: int) -> list[tuple[str, str, str]]:
    rows = await db.fetchall(
        "SELECT kind, offset_label, due_at FROM due_work WHERE party_id = ? AND status = 'pending' "
        "ORDER BY due_at",
        (party_id,),
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def cancelled(db: Database, party_id: int) -> list[tuple[str, str]]:
    rows = await db.fetchall(
        "SELECT offset_label, reason FROM due_work WHERE party_id = ? AND status = 'cancelled' ORDER BY id",
        (party_id,),
    )
    return [(r[0], r[1]) for r in rows]


def labels(rows: list[tuple[str, str, str]]) -> list[str]:
    return [label for _, label, _ in rows]


async def test_a_server_without_settings_reminds_a_day_and_an_hour_before_and_at_the_start(
    db: Database,
) -> None:
    assert await guild_reminders(db, 10) == DEFAULT
    party = await get_party(db, await add(db))
    assert party is not None and party.reminder_offsets is None
    assert await party_reminders(db, party) == DEFAULT


async def test_new_server_times_replan_upcoming_default_parties_in_the_same_change(db: Database) -> None:
    default = await add(db)
    own = await add(db, offsets="30m")
    elsewhere = await add(db, guild_id=99)
    gone = await add(db, starts_at=NOW + timedelta(hours=2))
    await cancel_party(db, gone)
    started = await add(db, starts_at=NOW - timedelta(minutes=30))
    change = await set_guild_reminders(db, 10, "2h, 0", now=NOW)

    assert change.changed and change.replanned == [default]
    assert change.previous == DEFAULT and change.current == [timedelta(hours=2), timedelta(0)]
    assert await pending(db, default) == [
        ("reminder", "2h", to_db_time(START - timedelta(hours=2))),
        ("start", "0", to_db_time(START)),
        ("followup", "end", to_db_time(START + timedelta(hours=1))),
    ]
    assert sorted(await cancelled(db, default)) == [
        ("0", "replanned"),
        ("1d", "replanned"),
        ("1h", "replanned"),
        ("end", "replanned"),
    ]
    assert labels(await pending(db, own)) == ["30m", "end"] and await cancelled(db, own) == []
    assert labels(await pending(db, elsewhere)) == ["1d", "1h", "0", "end"]
    assert await pending(db, gone) == []
    assert labels(await pending(db, started)) == ["0", "end"] and await cancelled(db, started) == []
    assert await guild_reminders(db, 10) == [timedelta(hours=2), timedelta(0)]
    assert (
        await db.fetchval("SELECT reminder_offsets FROM guild_party_settings WHERE guild_id = 10") == "2h, 0"
    )


async def test_setting_the_same_times_again_replans_nothing(db: Database) -> None:
    party = await add(db)
    change = await set_guild_reminders(db, 10, "24h, 60m, start", now=NOW)
    assert not change.changed and change.replanned == []
    assert await cancelled(db, party) == []


async def test_back_to_the_default_replans_again(db: Database) -> None:
    party = await add(db)
    await set_guild_reminders(db, 10, "2h", now=NOW)
    assert labels(await pending(db, party)) == ["2h", "end"]
    change = await set_guild_reminders(db, 10, None, now=NOW)
    assert change.changed and change.replanned == [party] and change.current == DEFAULT
    assert labels(await pending(db, party)) == ["1d", "1h", "0", "end"]


async def test_the_server_times_keep_the_zone_setting_and_the_zone_keeps_them(db: Database) -> None:
    await set_guild_default_zone(db, 10, "Asia/Seoul")
    await set_guild_reminders(db, 10, "3h", now=NOW)
    await set_guild_default_zone(db, 10, "Europe/Berlin")
    assert await guild_default_zone(db, 10) == "Europe/Berlin"
    assert await guild_reminders(db, 10) == [timedelta(hours=3)]


async def test_a_party_with_its_own_times_is_planned_with_them(db: Database) -> None:
    party_id = await add(db, offsets="30m")
    party = await get_party(db, party_id)
    assert party is not None and party.reminder_offsets == "30m"
    assert await party_reminders(db, party) == [timedelta(minutes=30)]
    assert await pending(db, party_id) == [
        ("reminder", "30m", to_db_time(START - timedelta(minutes=30))),
        ("followup", "end", to_db_time(START + timedelta(hours=1))),
    ]


async def test_editing_the_times_replans_and_default_goes_back_to_the_servers(db: Database) -> None:
    await set_guild_reminders(db, 10, "2h, 0", now=NOW)
    party_id = await add(db)
    result = await edit_party(db, party_id, PartyChanges(reminder_offsets="30m"), now=NOW)
    assert result.replanned and not result.moved and result.party.reminder_offsets == "30m"
    assert labels(await pending(db, party_id)) == ["30m", "end"]

    result = await edit_party(db, party_id, PartyChanges(reminder_offsets=""), now=NOW)
    assert result.replanned and result.party.reminder_offsets is None
    assert await db.fetchval("SELECT reminder_offsets FROM watch_parties WHERE id = ?", (party_id,)) is None
    assert labels(await pending(db, party_id)) == ["2h", "0", "end"]


async def test_an_edit_that_leaves_the_times_and_start_alone_replans_nothing(db: Database) -> None:
    party_id = await add(db, offsets="30m")
    for changes in (PartyChanges(title="New"), PartyChanges(reminder_offsets="30m")):
        result = await edit_party(db, party_id, changes, now=NOW)
        assert not result.replanned
    assert await cancelled(db, party_id) == []
