"""Planning a party's due work: offsets, replanning on edit, cancellation."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import Database
from bot.watchparty.due import cancel_party_work, plan_party_work, to_db_time
from tests.database import database_for

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path):
    async with Database(database_for(tmp_path / "due.sqlite3")) as database:
        await database.migrate()
        yield database


async def add_party(db: Database, starts_at: datetime, offsets: str | None = None) -> int:
    async with db.transaction() as conn:
        inserted = await conn.fetchone(
            "INSERT INTO watch_parties (guild_id, channel_id, host_id, title, episodes, starts_at, zone, "
            "reminder_offsets) VALUES (1, 2, 3, 'Party', '[\"r1\"]', ?, 'Asia/Seoul', ?) RETURNING id",
            (to_db_time(starts_at), offsets),
        )
        row = inserted
        assert row is not None
        return int(row[0])


async def pending(db: Database, party_id: int) -> list[tuple[str, str, str]]:
    rows = await db.fetchall(
        "SELECT kind, offset_label, due_at FROM due_work WHERE party_id = ? AND status = 'pending' ORDER BY due_at",
        (party_id,),
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def test_default_offsets_plan_three_posts_and_a_followup(db: Database) -> None:
    start = NOW + timedelta(days=3)
    party = await add_party(db, start)
    async with db.transaction() as conn:
        assert await plan_party_work(conn, party, now=NOW) == 4
    assert [kind for kind, _, _ in await pending(db, party)] == ["reminder", "reminder", "start", "followup"]
    assert (await pending(db, party))[0][2] == to_db_time(start - timedelta(hours=24))


async def test_reminders_already_past_are_not_planned(db: Database) -> None:
    party = await add_party(db, NOW + timedelta(minutes=30))
    async with db.transaction() as conn:
        await plan_party_work(conn, party, now=NOW)
    assert [label for _, label, _ in await pending(db, party)] == ["0", "end"]


async def test_replanning_replaces_the_old_plan(db: Database) -> None:
    party = await add_party(db, NOW + timedelta(days=2), offsets="2h")
    async with db.transaction() as conn:
        await plan_party_work(conn, party, now=NOW)
        await conn.execute(
            "UPDATE watch_parties SET starts_at = ? WHERE id = ?",
            (to_db_time(NOW + timedelta(days=4)), party),
        )
        await plan_party_work(conn, party, now=NOW)
    rows = await pending(db, party)
    assert rows[0] == ("reminder", "2h", to_db_time(NOW + timedelta(days=4, hours=-2)))
    assert len(rows) == 2
    assert await db.fetchval("SELECT count(*) FROM due_work WHERE reason = 'replanned'") == 2


async def test_cancel_stops_every_pending_row(db: Database) -> None:
    party = await add_party(db, NOW + timedelta(days=2))
    async with db.transaction() as conn:
        await plan_party_work(conn, party, now=NOW)
        assert await cancel_party_work(conn, party) == 4
    assert await pending(db, party) == []
