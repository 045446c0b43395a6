"""The PostgreSQL backend (``DATABASE_URL=postgresql://…``), through asyncpg and its connection pool.

Statements are written with ``?`` placeholders (or ``:name`` with a dict of parameters), as for SQLite;
`to_dollar` rewrites them once per statement text to PostgreSQL's ``$n``, outside string literals, quoted
names and comments. Transactions run concurrently on the pool's connections (PostgreSQL's row locks keep
them apart; several processes may share the database). The schema version is the one row of
``schema_version``; two processes migrating at once take turns on an advisory lock.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.db import Database, DatabaseError, DatabaseUnavailable, Dialect, Handle, Migration, Row

POOL_SIZE = 10
# What a statement raises when the server is out of reach (stopped, restarting, network): not a mistake in it.
_UNREACHABLE = (OSError, TimeoutError, asyncpg.InterfaceError, asyncpg.InternalClientError)
_MIGRATION_LOCK = 0x436C656D  # pg_advisory_xact_lock key held while migrating ("Clem")

_TOKENS = re.compile(
    r"'(?:[^']|'')*'"  # a string literal
    r'|"(?:[^"]|"")*"'  # a quoted name
    r"|--[^\n]*"  # a comment
    r"|::"  # a cast, never a named parameter
    r"|\?"  # a positional parameter
    r"|:([A-Za-z_][A-Za-z0-9_]*)"  # a named parameter
)


@lru_cache(maxsize=2048)
def to_dollar(sql: str) -> tuple[str, tuple[str, ...]]:
    """``sql`` with ``?`` and ``:name`` placeholders numbered ``$1, $2…``, and the names in order (one
    entry per distinct ``:name``; empty for positional statements)."""
    names: list[str] = []
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        token = match[0]
        if token == "?":
            count += 1
            return f"${count}"
        if match[1] is not None:
            if match[1] not in names:
                names.append(match[1])
            return f"${names.index(match[1]) + 1}"
        return token

    text = _TOKENS.sub(number, sql)
    if count and names:
        raise ValueError(f"statement mixes ? and :name parameters: {sql[:80]!r}")
    return text, tuple(names)


def _args(sql: str, params: Sequence[Any] | dict[str, Any]) -> tuple[str, Sequence[Any]]:
    text, names = to_dollar(sql)
    if isinstance(params, dict):
        return text, [params[name] for name in names]
    return text, params


def _rowcount(status: str) -> int:
    """Rows a statement changed, from its command tag ('UPDATE 3', 'INSERT 0 1', 'DELETE 0')."""
    last = status.rpartition(" ")[2]
    return int(last) if last.isdigit() else 0


# SQLSTATE classes and codes meaning the database cannot take writes now (not a mistake in a statement):
# insufficient resources (disk full...), the server shutting down or unreachable, a read-only server.
_REFUSED_STATES = ("53", "57P", "08", "25006")


def write_refusal(error: BaseException) -> str | None:
    state = getattr(error, "sqlstate", None) or ""
    if isinstance(error, asyncpg.PostgresError) and state.startswith(_REFUSED_STATES):
        return f"{error} (SQLSTATE {state})"
    return None


def redacted(url: str) -> str:
    """The URL without its password, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class PostgresHandle:
    """The statements of one transaction, on one connection of the pool."""

    dialect: Dialect = "postgresql"

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.connection = conn  # asyncpg's own, for what only PostgreSQL has (NOTIFY, COPY)

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        text, args = _args(sql, params)
        return _rowcount(await self.connection.execute(text, *args))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        text, _ = to_dollar(sql)
        batch = list(rows)
        if batch:
            await self.connection.executemany(text, batch)

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        text, args = _args(sql, params)
        row: Row | None = await self.connection.fetchrow(text, *args)
        return row

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        text, args = _args(sql, params)
        return list(await self.connection.fetch(text, *args))

    async def fetchval(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        text, args = _args(sql, params)
        return await self.connection.fetchval(text, *args)

    async def lock(self, name: str) -> None:
        await self.connection.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", name)


class PostgresDatabase(Database):
    """A pool of asyncpg connections to one PostgreSQL database."""

    dialect = "postgresql"

    def __init__(self, target: Path | str, *, pool_size: int = POOL_SIZE, **options: Any) -> None:
        super().__init__(target, **options)
        self.url = str(target)
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None

    @property
    def where(self) -> str:
        return redacted(self.url)

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("database is not open")
        return self._pool

    @property
    def is_open(self) -> bool:
        return self._pool is not None

    async def open(self, *, writable: bool = True) -> None:
        """Connect; with ``writable``, prove that a write is accepted. Failures raise DatabaseError (one line)."""
        try:
            self._pool = await asyncpg.create_pool(self.url, min_size=1, max_size=self.pool_size)
        except (OSError, asyncpg.CannotConnectNowError) as exc:  # not up (yet): start again later
            raise DatabaseUnavailable(
                f"cannot reach the database {self.where} (DATABASE_URL): {exc}: check that PostgreSQL runs "
                "and listens on that host and port"
            ) from None
        except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise DatabaseError(
                f"the database {self.where} (DATABASE_URL) refused the connection: {exc}: check the user, "
                "password and database name"
            ) from None
        if writable:
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    await conn.execute("CREATE TEMPORARY TABLE clematis_probe (x integer) ON COMMIT DROP")
            except asyncpg.PostgresError as exc:
                await self.close()
                raise DatabaseError(
                    f"the database {self.where} (DATABASE_URL) cannot be written: {exc}"
                ) from None

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    def _refusal(self, error: BaseException) -> str | None:
        cause: BaseException | None = error  # the server's own words first (a failed ROLLBACK hides them)
        while cause is not None:
            if (reason := write_refusal(cause)) is not None:
                return reason
            cause = cause.__context__
        if isinstance(error, asyncpg.InterfaceError | asyncpg.InternalClientError):
            return f"the connection to the server was lost ({type(error).__name__})"
        if isinstance(error, _UNREACHABLE):
            return f"cannot reach the server: {error or type(error).__name__}"
        return None

    async def probe_write(self) -> bool:
        """A real write that changes nothing: the version row rewritten with its own value."""
        try:
            async with self.pool.acquire(timeout=10) as conn, conn.transaction():
                await conn.execute("UPDATE schema_version SET version = version")
        except (asyncpg.PostgresError, *_UNREACHABLE) as exc:
            if self._refusal(exc) is None:
                raise
            self._note_refused(exc)
            return False
        self._note_written()
        return True

    # --- migrations -------------------------------------------------------------------------------

    async def user_version(self) -> int:
        exists = await self.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
        if not exists:
            return 0
        return int(await self.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))

    async def _apply(self, migration: Migration) -> bool:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
            await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            current = await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version")
            if current >= migration.version:
                return False  # another process applied it while we waited for the lock
            await conn.execute(migration.sql)  # the simple protocol: a whole file, functions and all
            await conn.execute("DELETE FROM schema_version")
            await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", migration.version)
        return True

    # --- queries ----------------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Handle]:
        wrote = False
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                yield PostgresHandle(conn)
                wrote = True
        except (asyncpg.PostgresError, *_UNREACHABLE) as exc:
            self._note_refused(exc)
            raise
        if wrote:
            self._note_written()

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        text, args = _args(sql, params)
        try:
            status = await self.pool.execute(text, *args)
        except (asyncpg.PostgresError, *_UNREACHABLE) as exc:
            self._note_refused(exc)
            raise
        self._note_written()
        return _rowcount(status)

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        text, args = _args(sql, params)
        row: Row | None = await self.pool.fetchrow(text, *args)
        return row

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        text, args = _args(sql, params)
        return list(await self.pool.fetch(text, *args))

    async def fetchval(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        text, args = _args(sql, params)
        return await self.pool.fetchval(text, *args)

    # --- across processes ---------------------------------------------------------------------------

    async def notify(self, channel: str, payload: str, conn: Handle | None = None) -> None:
        if isinstance(conn, PostgresHandle):
            await conn.connection.execute("SELECT pg_notify($1, $2)", channel, payload)
        else:
            await self.pool.execute("SELECT pg_notify($1, $2)", channel, payload)

    async def listener_connection(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.url)


__all__ = ["DatabaseError", "PostgresDatabase", "PostgresHandle", "redacted", "to_dollar", "write_refusal"]
