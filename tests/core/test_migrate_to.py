"""``python -m bot migrate-to postgresql://…`` as an operator runs it: a populated SQLite file (a row in every
table the privacy registry lists, so no table can be forgotten) arrives whole in PostgreSQL, row for row,
and new rows get ids after the copied ones; a target holding rows and a source at another schema version
are refused with one line and exit 2, and nothing is written. Needs CLEMATIS_TEST_DATABASE_URL."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.db import Database
from bot.privacy.registry import TABLES
from tests.emulator.process import REPO_ROOT
from tests.privacy.test_coverage import _seed

ADMIN_URL = os.environ.get("CLEMATIS_TEST_DATABASE_URL", "")
needs_pg = pytest.mark.skipif(not ADMIN_URL.startswith("postgres"), reason="needs CLEMATIS_TEST_DATABASE_URL")


@pytest.fixture
async def empty_pg() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database (no tables: migrate-to creates them)."""
    import asyncpg

    name = f"clematis_mt_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield urlunsplit(urlsplit(ADMIN_URL)._replace(path=f"/{name}"))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def populated(path: Path) -> dict[str, int]:
    """A SQLite file with rows in every table (two servers' and two members' worth). Returns the counts."""
    async with Database(path) as db:
        await db.migrate()
        await _seed(db, user=880000000000000001, guild=990000000000000003)
        await _seed(db, user=880000000000000002, guild=990000000000000004)
        return {t.name: int(await db.fetchval(f"SELECT count(*) FROM {t.name}")) for t in TABLES}  # noqa: S608


def cli(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    env.update({"DATABASE_PATH": str(db_path), "PYTHONPATH": str(REPO_ROOT)})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=db_path.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def sqlite_rows(path: Path, table: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        columns = [r[1] for r in conn.execute("SELECT * FROM pragma_table_info(?)", (table,))]
        return sorted(
            conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall(),  # noqa: S608
            key=repr,
        )


async def pg_rows(url: str, table: str, columns: list[str]) -> list[tuple[object, ...]]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(f"SELECT {', '.join(columns)} FROM {table}")  # noqa: S608
    finally:
        await conn.close()
    return sorted((tuple(r) for r in rows), key=repr)


@needs_pg
async def test_a_populated_database_moves_whole_and_new_ids_follow_the_copied_ones(
    tmp_path: Path, empty_pg: str
) -> None:
    source = tmp_path / "clematis.sqlite3"
    counts = await populated(source)
    assert all(counts[t.name] >= 1 for t in TABLES), counts  # every table holds rows

    done = await asyncio.to_thread(cli, source, "migrate-to", empty_pg)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "applied migration 0001_core" in done.stderr
    report = done.stdout
    assert f"copied {sum(counts.values())} rows in {len(counts)} tables" in report
    for table, count in counts.items():
        assert any(line.split() == [table, str(count)] for line in report.splitlines()), (table, report)
    assert urlsplit(empty_pg).password is None or urlsplit(empty_pg).password not in report

    for table in TABLES:
        with sqlite3.connect(source) as conn:
            columns = [r[1] for r in conn.execute("SELECT * FROM pragma_table_info(?)", (table.name,))]
        assert await pg_rows(empty_pg, table.name, columns) == sqlite_rows(source, table.name), table.name

    async with Database(empty_pg) as db:
        assert await db.user_version() == db.latest_version
        top = await db.fetchval("SELECT max(id) FROM watch_parties")
        async with db.transaction() as conn:
            new_id = await conn.fetchval(
                "INSERT INTO watch_parties (guild_id, channel_id, host_id, title, episodes, starts_at, zone) "
                "VALUES (1, 2, 3, 'After the move', '[\"r1\"]', '2027-01-01T20:00:00Z', 'UTC') RETURNING id"
            )
    assert new_id == top + 1


@needs_pg
async def test_a_target_holding_rows_is_refused_naming_the_tables(tmp_path: Path, empty_pg: str) -> None:
    source = tmp_path / "clematis.sqlite3"
    await populated(source)
    first = await asyncio.to_thread(cli, source, "migrate-to", empty_pg)
    assert first.returncode == 0, first.stderr

    again = await asyncio.to_thread(cli, source, "migrate-to", empty_pg)
    assert again.returncode == 2 and again.stdout == ""
    (line,) = again.stderr.splitlines()
    assert line.startswith("clematis: ") and "is not empty" in line
    assert "member_progress (2 rows)" in line and "watch_parties" in line
    assert "schema_version" not in line
    assert await pg_rows(empty_pg, "member_progress", ["user_id"]) == [
        (880000000000000001,),
        (880000000000000002,),
    ]


@needs_pg
async def test_a_source_at_another_schema_version_is_refused_and_nothing_written(
    tmp_path: Path, empty_pg: str
) -> None:
    import asyncpg

    source = tmp_path / "old.sqlite3"
    async with Database(source) as db:
        await db.migrate()
    with sqlite3.connect(source) as conn:
        conn.execute("PRAGMA user_version = 5")  # as if the last migrations had not run
    done = await asyncio.to_thread(cli, source, "migrate-to", empty_pg)
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert "at schema version 5" in line and "python -m bot migrate" in line and "nothing was written" in line
    conn = await asyncpg.connect(empty_pg)
    try:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            )
            == 0
        )
    finally:
        await conn.close()


async def test_a_url_that_is_not_postgresql_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "clematis.sqlite3"
    async with Database(source) as db:
        await db.migrate()
    done = await asyncio.to_thread(cli, source, "migrate-to", "mysql://root@localhost/clematis")
    assert done.returncode == 2
    assert done.stderr.startswith("clematis: migrate-to needs a PostgreSQL URL")
