"""Numbered migrations, user_version tracking, refusal of newer databases, transactions."""

import sqlite3
from pathlib import Path

import pytest

from bot.db import Database, DatabaseError, Migration, bundled_migrations, split_statements


async def test_fresh_database_migrates_to_latest(tmp_path: Path) -> None:
    async with Database(tmp_path / "sub" / "fresh.sqlite3") as db:
        applied = await db.migrate()
        assert [m.version for m in applied] == [m.version for m in bundled_migrations()]
        assert await db.user_version() == db.latest_version
        assert await db.fetchval("PRAGMA journal_mode") == "wal"
        assert await db.fetchval("PRAGMA foreign_keys") == 1
        assert await db.migrate() == []  # idempotent


@pytest.mark.parametrize("start", range(len(bundled_migrations())))
async def test_database_at_every_older_version_upgrades(tmp_path: Path, start: int) -> None:
    migrations = bundled_migrations()
    path = tmp_path / "old.sqlite3"
    async with Database(path, migrations=migrations[:start]) as old:
        await old.migrate()
        assert await old.user_version() == start
    async with Database(path) as db:
        applied = await db.migrate()
        assert len(applied) == len(migrations) - start
        assert await db.user_version() == migrations[-1].version


async def test_database_newer_than_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    async with Database(path) as db:
        await db.migrate()
        await db.execute(f"PRAGMA user_version = {db.latest_version + 5}")
    async with Database(path) as db:
        with pytest.raises(DatabaseError, match="newer than this Clematis"):
            await db.migrate()


async def test_failed_migration_leaves_database_untouched(tmp_path: Path) -> None:
    good = Migration(1, "good", "CREATE TABLE a (x INTEGER);")
    bad = Migration(
        2, "bad", "CREATE TABLE b (y INTEGER);\nINSERT INTO a VALUES (1);\nSELECT * FROM missing_table;"
    )
    path = tmp_path / "fail.sqlite3"
    async with Database(path, migrations=[good, bad]) as db:
        with pytest.raises(DatabaseError, match="0002_bad failed and was rolled back"):
            await db.migrate()
        assert await db.user_version() == 1
        tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables == {"a"}
        assert await db.fetchval("SELECT count(*) FROM a") == 0


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    async with Database(tmp_path / "tx.sqlite3") as db:
        await db.migrate()
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO bot_state (key, value) VALUES (?, ?)", ("k", "v"))
                raise RuntimeError("boom")
        assert await db.fetchval("SELECT count(*) FROM bot_state") == 0
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO bot_state (key, value) VALUES (?, ?)", ("k", "v"))
        assert await db.fetchval("SELECT value FROM bot_state WHERE key = ?", ("k",)) == "v"


async def test_backup_copies_a_live_database(tmp_path: Path) -> None:
    async with Database(tmp_path / "live.sqlite3") as db:
        await db.migrate()
        await db.execute("INSERT INTO bot_state (key, value) VALUES (?, ?)", ("answer", "42"))
        await db.backup(tmp_path / "backups" / "copy.sqlite3")
    with sqlite3.connect(tmp_path / "backups" / "copy.sqlite3") as copy:
        assert copy.execute("SELECT value FROM bot_state WHERE key='answer'").fetchone() == ("42",)


def test_split_statements_keeps_triggers_whole() -> None:
    sql = """
    -- comment
    CREATE TABLE t (x INTEGER);
    CREATE TRIGGER tr AFTER INSERT ON t BEGIN
        UPDATE t SET x = x + 1;
        SELECT 1;
    END;
    """
    statements = split_statements(sql)
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")


def test_migration_numbering_must_be_contiguous() -> None:
    from bot.db import check_migrations

    with pytest.raises(DatabaseError, match="gap or duplicate"):
        check_migrations([Migration(1, "a", ""), Migration(3, "c", "")])
