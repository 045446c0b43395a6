"""The database: one narrow interface, two backends behind it.

``Database(target)`` opens SQLite (the embedded default: a file path, ``DATABASE_PATH``) or PostgreSQL (a
``postgresql://`` URL, ``DATABASE_URL``, through asyncpg); the rest of the code never asks which one runs.
Both take SQL written with ``?`` placeholders in the subset both engines run (``ON CONFLICT … DO``,
``RETURNING``, instants computed in Python and passed as ISO-8601 UTC text). ``transaction()`` yields a
`Handle` (``execute`` → rowcount, ``executemany``, ``fetchone``, ``fetchall``, ``fetchval``); rows keep
index and key access.

Migrations are numbered ``migrations/NNNN_name.sql`` files (SQLite, tracked by ``PRAGMA user_version``)
with a PostgreSQL twin of each in ``migrations/postgresql/`` (tracked in the ``schema_version`` table),
applied in order, each in one transaction. A database newer than the code is refused.
tests/core/test_schema_equivalence.py keeps the two schemas the same.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from asyncpg import PostgresError

if TYPE_CHECKING:
    from bot.db.schema import TableSchema

log = logging.getLogger(__name__)

Dialect = Literal["sqlite", "postgresql"]
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
POSTGRES_SCHEMES = ("postgresql://", "postgres://")

# What a failed statement raises on either backend (catch this, never one driver's error class).
StorageError: tuple[type[BaseException], ...] = (sqlite3.Error, PostgresError)


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def utc_text(moment: datetime | None = None) -> str:
    """An instant as the database stores it: ISO-8601 UTC text, 'YYYY-MM-DDTHH:MM:SSZ' (now by default)."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class DatabaseError(Exception):
    """A database problem an operator must act on (too new, failed migration, cannot be written)."""


class DatabaseUnavailable(DatabaseError):
    """The database server cannot be reached right now (not started yet, restarting): worth retrying."""


class Row(Protocol):
    """A result row: by position (``row[0]``), by column name (``row["id"]``), unpacked, or ``dict(row)``
    after ``keys()`` (sqlite3.Row and asyncpg.Record both are)."""

    def __getitem__(self, key: Any, /) -> Any: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Any]: ...
    def keys(self) -> Any: ...


class Reader(Protocol):
    """Reads, inside a transaction (a `Handle`) or on their own (the `Database`)."""

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]: ...

    async def fetchval(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any: ...


class Handle(Reader, Protocol):
    """The statements of one transaction (``async with db.transaction() as conn``)."""

    dialect: Dialect

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def lock(self, name: str) -> None:
        """Hold ``name`` until the transaction ends: transactions locking the same name (a read, then a write
        that depends on it, such as a quota check) run one after the other, in every process. SQLite's
        write transactions are serialized already; PostgreSQL takes an advisory lock."""
        ...


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations(dialect: Dialect = "sqlite") -> list[Migration]:
    folder = resources.files("bot.db").joinpath("migrations")
    if dialect == "postgresql":
        folder = folder.joinpath("postgresql")
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


def write_refusal(error: BaseException) -> str | None:
    """The engine's own words when ``error`` means the database refuses writes (read-only, disk full, the
    server gone...), as opposed to a mistake in a statement; else None."""
    if isinstance(error, PostgresError):
        from bot.db.postgres import write_refusal as refused

        return refused(error)
    from bot.db.sqlite import write_refusal as refused_here

    return refused_here(error)


class Database:
    """The process's database. ``Database(path)`` is SQLite, ``Database("postgresql://…")`` PostgreSQL.

    Subclasses provide the connection; this class holds what both share: migrations, the one-line log
    when writes start or stop working, and the read helpers outside a transaction.
    """

    dialect: ClassVar[Dialect]

    def __new__(cls, target: Path | str, **_: Any) -> Database:
        if cls is Database:
            if is_postgres_url(target):
                from bot.db.postgres import PostgresDatabase

                return super().__new__(PostgresDatabase)
            from bot.db.sqlite import SqliteDatabase

            return super().__new__(SqliteDatabase)
        return super().__new__(cls)

    def __init__(
        self,
        target: Path | str,
        *,
        migrations: Sequence[Migration] | None = None,
        writable: bool = True,
    ) -> None:
        self.writable_on_enter = writable  # `async with` opens with this (False: read-only use, e.g. backup)
        self.migrations = list(migrations) if migrations is not None else bundled_migrations(self.dialect)
        # Whether the last write worked. A change is logged once, and reported to `on_writable_changed`.
        self.writable = True
        self.refused_reason: str | None = None
        self.refused_since: float | None = None  # time.monotonic()
        self.on_writable_changed: Callable[[bool, str | None], None] | None = None

    # --- what each backend provides ---------------------------------------------------------------

    @property
    def where(self) -> str:
        """The database as an operator names it (a path, or a URL without its password)."""
        raise NotImplementedError

    @property
    def is_open(self) -> bool:
        raise NotImplementedError

    async def open(self, *, writable: bool = True) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    def transaction(self) -> AbstractAsyncContextManager[Handle]:
        """``async with db.transaction() as conn:`` — committed at the end, rolled back on error."""
        raise NotImplementedError

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one statement on its own (autocommit). Returns rowcount."""
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        raise NotImplementedError

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        raise NotImplementedError

    async def user_version(self) -> int:
        """The schema version the database is at (0: empty)."""
        raise NotImplementedError

    async def _apply(self, migration: Migration) -> bool:
        """Apply one migration and record its version, in one transaction. False when another process
        applied it first."""
        raise NotImplementedError

    async def probe_write(self) -> bool:
        """Whether a write reaches the database now (the health endpoint asks); updates ``writable``."""
        raise NotImplementedError

    async def backup(self, target: Path) -> None:
        raise DatabaseError(f"online backup to a file is for SQLite; back up {self.where} with pg_dump")

    async def notify(self, channel: str, payload: str, conn: Handle | None = None) -> None:
        """Tell other processes sharing the database that something changed (PostgreSQL's NOTIFY, sent
        when ``conn``'s transaction commits). With SQLite there are no other processes: nothing to do."""

    async def listener_connection(self) -> Any:
        """A dedicated connection for LISTEN (PostgreSQL only); the caller closes it."""
        raise DatabaseError("LISTEN needs PostgreSQL (DATABASE_URL)")

    async def schema(self) -> dict[str, TableSchema]:
        """The live schema: tables, columns, keys (bot/db/schema.py)."""
        from bot.db.schema import read_schema

        async with self.transaction() as conn:
            return await read_schema(conn)

    # --- shared ------------------------------------------------------------------------------------

    async def __aenter__(self) -> Database:
        await self.open(writable=self.writable_on_enter)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def latest_version(self) -> int:
        return self.migrations[-1].version if self.migrations else 0

    async def fetchval(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def pending_migrations(self) -> list[Migration]:
        current = await self.user_version()
        if current > self.latest_version:
            raise DatabaseError(
                f"database {self.where} is at schema version {current}, newer than this Clematis "
                f"understands ({self.latest_version}): upgrade Clematis, or restore a backup taken "
                f"before the upgrade"
            )
        return [m for m in self.migrations if m.version > current]

    async def migrate(self) -> list[Migration]:
        """Apply pending migrations, each in its own transaction. Returns what was applied."""
        applied = []
        for migration in await self.pending_migrations():
            try:
                if not await self._apply(migration):
                    continue
            except StorageError as exc:
                raise DatabaseError(
                    f"migration {migration.version:04d}_{migration.name} failed and was rolled back "
                    f"(database left at version {migration.version - 1}): {exc}"
                ) from exc
            log.info("applied migration %04d_%s", migration.version, migration.name)
            applied.append(migration)
        return applied

    def _refusal(self, error: BaseException) -> str | None:
        return write_refusal(error)

    def _note_refused(self, error: BaseException) -> None:
        reason = self._refusal(error)
        if reason is None or not self.writable:
            return
        self.writable, self.refused_reason, self.refused_since = False, reason, time.monotonic()
        log.error(
            "the database %s refuses writes: %s. Nothing is saved (settings, RSVPs, reminders) until this is "
            "fixed: %s",
            self.where,
            reason,
            self._refusal_advice(),
        )
        if self.on_writable_changed is not None:
            self.on_writable_changed(False, reason)

    def _refusal_advice(self) -> str:
        return "check the database server, its free disk space and the account's rights"

    def _note_written(self) -> None:
        if self.writable:
            return
        seconds = time.monotonic() - (self.refused_since or time.monotonic())
        self.writable, self.refused_reason, self.refused_since = True, None, None
        log.warning("the database %s accepts writes again (it refused them for %.0f s)", self.where, seconds)
        if self.on_writable_changed is not None:
            self.on_writable_changed(True, None)


# Re-exported: the SQLite helpers the start-up path and the health check use.
from bot.db.sqlite import (  # noqa: E402
    SqliteDatabase,
    probe_location,
    unwritable_message,
)

__all__ = [
    "POSTGRES_SCHEMES",
    "Database",
    "DatabaseError",
    "DatabaseUnavailable",
    "Dialect",
    "Handle",
    "Migration",
    "Reader",
    "Row",
    "SqliteDatabase",
    "StorageError",
    "bundled_migrations",
    "check_migrations",
    "is_postgres_url",
    "probe_location",
    "split_statements",
    "unwritable_message",
    "utc_text",
    "write_refusal",
]
