"""The PostgreSQL backend: placeholders rewritten outside literals, DATABASE_URL, one-line failures, a
database that refuses writes noticed and reported, and the notify hook. The parts that need a server run
when CLEMATIS_TEST_DATABASE_URL names one."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.db import Database, DatabaseError, DatabaseUnavailable
from bot.db.postgres import redacted, to_dollar
from tests.database import ON_POSTGRES, TEST_URL, _with_database

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.abcdefghijklmnopqrstuvwxyz0123456789AB"
needs_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="needs CLEMATIS_TEST_DATABASE_URL (PostgreSQL)")


def test_placeholders_are_numbered_outside_literals_names_and_comments() -> None:
    sql = "SELECT '?', \"a?\" , x::text FROM t -- why?\nWHERE a = ? AND b = ? AND c = 'it''s ?'"
    assert to_dollar(sql) == (
        "SELECT '?', \"a?\" , x::text FROM t -- why?\nWHERE a = $1 AND b = $2 AND c = 'it''s ?'",
        (),
    )


def test_named_parameters_are_numbered_once_each() -> None:
    assert to_dollar("DELETE FROM t WHERE a < :cutoff OR b < :cutoff AND c = :other") == (
        "DELETE FROM t WHERE a < $1 OR b < $1 AND c = $2",
        ("cutoff", "other"),
    )
    with pytest.raises(ValueError, match="mixes"):
        to_dollar("SELECT ? , :name")


def test_database_url_selects_postgresql_and_hides_its_password() -> None:
    settings = load_settings(
        {"DISCORD_TOKEN": TOKEN, "DATABASE_URL": "postgresql://bot:s3cret@db:5432/clematis"}
    )
    assert settings.database == "postgresql://bot:s3cret@db:5432/clematis"
    assert "s3cret" not in repr(settings) and "bot:***@db:5432" in repr(settings)
    assert type(Database(settings.database)).__name__ == "PostgresDatabase"
    assert Database(settings.database).where == "postgresql://bot:***@db:5432/clematis"
    assert redacted("postgresql://db/clematis") == "postgresql://db/clematis"
    with pytest.raises(ConfigError, match="DATABASE_URL must be a PostgreSQL URL"):
        load_settings({"DISCORD_TOKEN": TOKEN, "DATABASE_URL": "mysql://db/clematis"})


async def test_a_server_that_is_not_up_is_worth_retrying() -> None:
    with pytest.raises(
        DatabaseUnavailable, match="cannot reach the database postgresql://x:\\*\\*\\*@127.0.0.1:9"
    ):
        await Database("postgresql://x:pw@127.0.0.1:9/none").open()


@needs_postgres
async def test_a_missing_database_is_named(db: Database) -> None:
    assert TEST_URL is not None
    with pytest.raises(DatabaseError, match='database "clematis_no_such_db" does not exist') as refused:
        await Database(_with_database(TEST_URL, "clematis_no_such_db")).open()
    assert not isinstance(refused.value, DatabaseUnavailable)


@needs_postgres
async def test_a_read_only_database_is_reported_once_and_its_recovery_too(db: Database) -> None:
    changes: list[tuple[bool, str | None]] = []
    db.on_writable_changed = lambda ok, why: changes.append((ok, why))
    name = await db.fetchval("SELECT current_database()")
    await db.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    assert TEST_URL is not None
    async with Database(_with_database(TEST_URL, name), writable=False) as other:
        other.on_writable_changed = lambda ok, why: changes.append((ok, why))
        assert await other.probe_write() is False
        assert other.writable is False and "read-only" in (other.refused_reason or "")
        await other.execute("SET default_transaction_read_only = off")  # one pooled session only
    await db.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
    async with Database(_with_database(TEST_URL, name), writable=False) as again:
        assert await again.probe_write() is True
    assert changes and changes[0][0] is False and "25006" in (changes[0][1] or "")


@needs_postgres
async def test_notify_reaches_a_listener_when_the_transaction_commits(db: Database) -> None:
    import asyncio

    received: asyncio.Queue[str] = asyncio.Queue()
    listener = await db.listener_connection()
    try:
        await listener.add_listener("clematis_test", lambda *args: received.put_nowait(args[-1]))
        async with db.transaction() as conn:
            await db.notify("clematis_test", "guild:1", conn)
            await asyncio.sleep(0.2)
            assert received.empty()  # not before the commit
        assert await asyncio.wait_for(received.get(), 5) == "guild:1"
    finally:
        await listener.close()
