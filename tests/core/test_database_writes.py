"""The database's own bookkeeping of refused writes (the end-to-end test with a real full disk is
test_runtime_database.py): the first refusal is logged once and reported once, later ones are not, and the
first write that works again is logged and reported. Writes are refused here with SQLite's `query_only`
pragma, which fails them exactly as a read-only file does (SQLITE_READONLY); it is not a file-system test."""

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import Database, DatabaseError, write_refusal
from bot.watchparty.dispatcher import Dispatcher
from bot.watchparty.due import to_db_time


async def test_refusal_is_logged_and_reported_once_then_recovery_once(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    changes: list[tuple[bool, str | None]] = []
    db.on_writable_changed = lambda writable, reason: changes.append((writable, reason))
    await db.execute("PRAGMA query_only = ON")
    caplog.set_level(logging.INFO, logger="bot.db")
    for _ in range(3):
        with pytest.raises(sqlite3.OperationalError) as refused:
            await db.execute("INSERT INTO bot_state (key, value) VALUES ('k', 'v')")
        assert write_refusal(refused.value) is not None
    with pytest.raises(sqlite3.OperationalError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO bot_state (key, value) VALUES ('k', 'v')")
    assert not db.writable and db.refused_reason and "SQLITE_READONLY" in db.refused_reason
    assert sum("refuses writes" in m for m in caplog.messages) == 1
    assert changes == [(False, db.refused_reason)]

    await db.execute("PRAGMA query_only = OFF")
    assert await db.probe_write()
    await db.execute("INSERT INTO bot_state (key, value) VALUES ('k', 'v')")
    assert db.writable and db.refused_reason is None
    assert sum("accepts writes again" in m for m in caplog.messages) == 1
    assert [writable for writable, _ in changes] == [False, True]


async def test_a_mistake_in_a_statement_is_not_a_refusal(db: Database) -> None:
    with pytest.raises(sqlite3.Error) as error:
        await db.execute("INSERT INTO no_such_table VALUES (1)")
    assert write_refusal(error.value) is None and db.writable


async def test_dispatcher_lag_is_how_long_the_oldest_due_row_has_waited(db: Database) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    dispatcher = Dispatcher(db, deliver=None)  # type: ignore[arg-type]  # never started: only lag() is used
    assert await dispatcher.lag(now) == 0.0
    await db.execute(
        "INSERT INTO due_work (kind, due_at) VALUES ('party_reminder', ?)",
        (to_db_time(now + timedelta(hours=1)),),
    )
    assert await dispatcher.lag(now) == 0.0, "work due later is no lag"
    await db.execute(
        "INSERT INTO due_work (kind, due_at) VALUES ('party_reminder', ?)",
        (to_db_time(now - timedelta(minutes=10)),),
    )
    assert await dispatcher.lag(now) == 600.0


async def test_opening_a_database_that_is_not_one_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseError, match="is not a SQLite database"):
        await Database(path).open()
