"""The database: one aiosqlite connection owned by the process, numbered SQL migrations.

Migrations are ``migrations/NNNN_name.sql`` files applied in order, each in one transaction, tracked by
``PRAGMA user_version``. A database newer than the code is refused.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)
T = TypeVar("T")

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class DatabaseError(Exception):
    """A database problem an operator must act on (too new, failed migration)."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    folder = resources.files("bot.db").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return check_migrations(found)


def check_migrations(migrations: Iterable[Migration]) -> list[Migration]:
    ordered = sorted(migrations, key=lambda m: m.version)
    for expected, migration in enumerate(ordered, start=1):
        if migration.version != expected:
            raise DatabaseError(f"migration numbering has a gap or duplicate at {migration.version:04d}")
    return ordered


def split_statements(sql: str) -> list[str]:
    """Split a migration into complete statements (sqlite3.complete_statement handles triggers)."""
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in buffer.splitlines()
    ):
        raise DatabaseError(f"incomplete SQL statement at end of migration: {buffer.strip()[:60]!r}")
    return statements


class Database:
    """Owns the process's single aiosqlite connection."""

    def __init__(self, path: Path | str, *, migrations: Sequence[Migration] | None = None) -> None:
        self.path = Path(path)
        self.migrations = list(migrations) if migrations is not None else bundled_migrations()
        self._conn: aiosqlite.Connection | None = None
        self._tx_lock = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    @property
    def latest_version(self) -> int:
        return self.migrations[-1].version if self.migrations else 0

    async def open(self) -> None:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is what the code says.
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA synchronous=NORMAL")
        self._conn = conn

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- migrations -------------------------------------------------------------------------------

    async def user_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def pending_migrations(self) -> list[Migration]:
        current = await self.user_version()
        if current > self.latest_version:
            raise DatabaseError(
                f"database {self.path} is at schema version {current}, newer than this Clematis "
                f"understands ({self.latest_version}): upgrade Clematis, or restore a backup taken "
                f"before the upgrade"
            )
        return [m for m in self.migrations if m.version > current]

    async def migrate(self) -> list[Migration]:
        """Apply pending migrations, each in its own transaction. Returns what was applied."""
        applied = []
        for migration in await self.pending_migrations():
            try:
                async with self.transaction():
                    for statement in split_statements(migration.sql):
                        await self.conn.execute(statement)
                    # PRAGMA cannot take parameters; the version is an int we parsed from the filename.
                    await self.conn.execute(f"PRAGMA user_version = {int(migration.version)}")
            except sqlite3.Error as exc:
                raise DatabaseError(
                    f"migration {migration.version:04d}_{migration.name} failed and was rolled back "
                    f"(database left at version {migration.version - 1}): {exc}"
                ) from exc
            log.info("applied migration %04d_%s", migration.version, migration.name)
            applied.append(migration)
        return applied

    # --- queries ----------------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """``async with db.transaction() as conn:`` — BEGIN IMMEDIATE … COMMIT, or ROLLBACK on error.

        Transactions are serialized on the shared connection, so two tasks never interleave inside one.
        """
        async with self._tx_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    async def _on_worker(self, step: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``step`` on the connection's worker thread: one round trip from the event loop, where
        aiosqlite's cursor API takes one per call (execute, fetch, close: three for a single read)."""
        conn = self.conn
        return await conn._execute(step, conn._conn)  # noqa: SLF001 - aiosqlite's own one-hop runner

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement outside an explicit transaction (autocommit). Returns rowcount."""

        def step(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(sql, params)
            try:
                return cursor.rowcount
            finally:
                cursor.close()

        async with self._tx_lock:
            return await self._on_worker(step)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        def step(conn: sqlite3.Connection) -> aiosqlite.Row | None:
            cursor = conn.execute(sql, params)
            try:
                row: aiosqlite.Row | None = cursor.fetchone()
                return row
            finally:
                cursor.close()

        return await self._on_worker(step)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        def step(conn: sqlite3.Connection) -> list[aiosqlite.Row]:
            cursor = conn.execute(sql, params)
            try:
                return list(cursor.fetchall())
            finally:
                cursor.close()

        return await self._on_worker(step)

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def backup(self, target: Path) -> None:
        """SQLite online backup of the live database to ``target``."""
        target.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(target) as dest:
            await self.conn.backup(dest)
