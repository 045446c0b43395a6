"""SQLite's and PostgreSQL's schemas are the same after every migration: tables, columns (types normalised
to what both engines mean), nullability, defaults, primary keys, unique keys, foreign keys and the indexes
the migrations create. The comparison itself is shown to catch a difference.

The PostgreSQL half runs when CLEMATIS_TEST_DATABASE_URL names a server (CI's PostgreSQL pass does).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.db import Database, bundled_migrations
from bot.db.schema import TableSchema
from tests.database import ON_POSTGRES, drop, new_database

needs_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="needs CLEMATIS_TEST_DATABASE_URL (PostgreSQL)")


def differences(left: dict[str, TableSchema], right: dict[str, TableSchema]) -> list[str]:
    found = [f"table {name} only in SQLite" for name in sorted(set(left) - set(right))]
    found += [f"table {name} only in PostgreSQL" for name in sorted(set(right) - set(left))]
    for name in sorted(set(left) & set(right)):
        a, b = left[name], right[name]
        for column in sorted(set(a.columns) | set(b.columns)):
            if a.columns.get(column) != b.columns.get(column):
                found.append(
                    f"{name}.{column}: SQLite {a.columns.get(column)} != PostgreSQL {b.columns.get(column)}"
                )
        for part in ("primary_key", "unique", "foreign_keys", "indexes"):
            if getattr(a, part) != getattr(b, part):
                found.append(f"{name} {part}: SQLite {getattr(a, part)} != PostgreSQL {getattr(b, part)}")
    return found


def test_every_migration_has_its_postgresql_twin() -> None:
    sqlite = [(m.version, m.name) for m in bundled_migrations("sqlite")]
    postgres = [(m.version, m.name) for m in bundled_migrations("postgresql")]
    assert sqlite == postgres


@pytest.fixture
async def both(tmp_path: Path):
    url = new_database()
    try:
        async with Database(tmp_path / "schema.sqlite3") as sqlite, Database(url) as postgres:
            await sqlite.migrate()
            yield sqlite, postgres
    finally:
        drop(url)


@needs_postgres
async def test_both_engines_have_the_same_schema(both: tuple[Database, Database]) -> None:
    sqlite, postgres = both
    assert await sqlite.user_version() == await postgres.user_version() == sqlite.latest_version
    left, right = await sqlite.schema(), await postgres.schema()
    assert "watch_parties" in left and left["watch_parties"].foreign_keys  # the reader sees what is there
    assert differences(left, right) == []


@needs_postgres
async def test_a_difference_is_caught(both: tuple[Database, Database]) -> None:
    sqlite, postgres = both
    await postgres.execute("ALTER TABLE spoiler_copies ALTER COLUMN content DROP NOT NULL")
    await postgres.execute("ALTER TABLE guild_language ADD COLUMN extra TEXT")
    await postgres.execute("CREATE UNIQUE INDEX party_title ON watch_parties (guild_id, title)")
    await postgres.execute("ALTER TABLE party_rsvps DROP CONSTRAINT party_rsvps_party_id_fkey")
    found = differences(await sqlite.schema(), await postgres.schema())
    assert any(line.startswith("spoiler_copies.content") for line in found), found
    assert any(line.startswith("guild_language.extra") for line in found), found
    assert any(line.startswith("watch_parties unique") for line in found), found
    assert any(line.startswith("party_rsvps foreign_keys") for line in found), found


@needs_postgres
async def test_migrating_twice_at_once_applies_each_migration_once(tmp_path: Path) -> None:
    url = new_database()  # already migrated: start from an empty one
    try:
        async with Database(url) as db:
            for table in await db.fetchall(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            ):
                await db.execute(f'DROP TABLE "{table[0]}" CASCADE')  # noqa: S608 - names from the catalogue
            await db.execute("DROP FUNCTION IF EXISTS watch_parties_ends_at, party_rsvps_seq CASCADE")
            await db.execute("DROP SEQUENCE IF EXISTS party_rsvps_seq")
            assert await db.user_version() == 0
        async with Database(url) as first, Database(url) as second:
            applied = await asyncio.gather(first.migrate(), second.migrate())
            assert await first.user_version() == first.latest_version
        assert sorted(m.version for m in applied[0] + applied[1]) == list(range(1, first.latest_version + 1))
    finally:
        drop(url)
