"""The SQLite backend: one aiosqlite connection owned by the process (the embedded default).

Transactions are serialized on that connection (BEGIN IMMEDIATE … COMMIT); every statement is one round
trip to aiosqlite's worker thread. Schema versions are tracked by ``PRAGMA user_version``.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import pwd
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.db import Database, DatabaseError, Dialect, Handle, Migration, Row, split_statements

log = logging.getLogger(__name__)
T = TypeVar("T")


async def _settled(conn: aiosqlite.Connection, sql: str) -> None:
    """Run BEGIN or COMMIT so that a cancelled task cannot leave the connection inside a transaction: the
    statement runs on the connection's thread whether or not we still wait for it, so on cancellation
    (or a failed COMMIT) wait for it to finish and roll back whatever is still open."""
    step = asyncio.ensure_future(conn.execute(sql))
    try:
        await asyncio.shield(step)
    except BaseException:
        await asyncio.wait({step})
        if conn.in_transaction:
            await conn.execute("ROLLBACK")
        raise


# SQLite result codes (primary, then any extended "_SUFFIX") meaning the database cannot be written right now,
# as opposed to a mistake in a statement.
_REFUSED_CODES = ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_FULL", "SQLITE_IOERR", "SQLITE_PERM")


def write_refusal(error: BaseException) -> str | None:
    """SQLite's own words when ``error`` means the database refuses writes (read-only, disk full...), else None."""
    if not isinstance(error, sqlite3.Error):
        return None
    name = getattr(error, "sqlite_errorname", "") or ""
    if any(name == code or name.startswith(code + "_") for code in _REFUSED_CODES):
        return f"{error} ({name})"
    return None


def _user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def _existing_folder(path: Path) -> Path:
    folder = path.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def unwritable_message(path: Path, error: BaseException) -> str:
    """One line for an operator: which database, why it cannot be opened for writing, and what to do."""
    name = getattr(error, "sqlite_errorname", "") or ""
    where = f"the database {path} (DATABASE_PATH)"
    if name == "SQLITE_NOTADB":
        return f"{path} (DATABASE_PATH) is not a SQLite database: point DATABASE_PATH at the right file, or restore a backup"
    if name.startswith("SQLITE_FULL") or getattr(error, "errno", None) == errno.ENOSPC:
        return f"{where} cannot be written: the disk is full ({error}): free some space, then start again"
    folder = _existing_folder(path)
    user = _user()
    try:
        read_only_mount = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        read_only_mount = False
    if read_only_mount:
        return (
            f"{where} cannot be written: {folder} is on a read-only file system ({error}): mount it read-write "
            "(under Docker, a volume without :ro), or set DATABASE_PATH to a writable place"
        )
    if path.exists() and not os.access(path, os.W_OK):
        reason = f"the file is read-only for user {user}"
        fix = f"chown {user} {path} && chmod u+w {path} (and chattr -i {path} if it is immutable)"
    elif not os.access(folder, os.W_OK | os.X_OK):
        reason = f"the folder {folder} is not writable by user {user}"
        fix = f"chown -R {user} {folder}, or create the folder for that user"
    else:
        reason, fix = (
            "SQLite could not open it for writing",
            f"check that user {user} may write it and its folder",
        )
    return f"{where} cannot be written: {reason} ({error}): {fix}, or set DATABASE_PATH to a writable place"


def probe_location(path: Path) -> None:
    """Prove that the database ``path`` (which does not exist yet) could be created: make and remove a temporary
    entry where its folder is, or would be created. Raises DatabaseError with the reason."""
    folder = path.absolute().parent
    try:
        if folder.is_dir():
            fd, name = tempfile.mkstemp(prefix=".clematis-probe-", dir=folder)
            os.close(fd)
            os.unlink(name)
        else:
            os.rmdir(tempfile.mkdtemp(prefix=".clematis-probe-", dir=_existing_folder(path)))
    except OSError as exc:
        raise DatabaseError(unwritable_message(path, exc)) from None


def _check_file(path: Path, writable: bool) -> None:
    """Open ``path`` (creating it) in WAL mode and, with ``writable``, commit a write that changes nothing
    (user_version rewritten with its own value): what the file system refuses is raised here."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("PRAGMA journal_mode=WAL")
        if writable:
            conn.execute("BEGIN IMMEDIATE")
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            conn.execute(f"PRAGMA user_version = {version}")  # an int SQLite gave; PRAGMA takes no parameters
            conn.execute("COMMIT")
    finally:
        conn.close()


class SqliteHandle:
    """The statements of one transaction on the shared connection, each one hop to its worker thread."""

    dialect: Dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def _run(self, step: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._conn
        return await conn._execute(step, conn._conn)  # noqa: SLF001 - aiosqlite's own one-hop runner

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        def step(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(sql, params)
            try:
                cursor.fetchall()  # a statement with RETURNING counts its rows only once they are read
                return cursor.rowcount
            finally:
                cursor.close()

        return await self._run(step)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        def step(conn: sqlite3.Connection) -> None:
            conn.executemany(sql, rows).close()

        await self._run(step)

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        return await self._run(lambda conn: _fetchone(conn, sql, params))

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        return await self._run(lambda conn: _fetchall(conn, sql, params))

    async def fetchval(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def lock(self, name: str) -> None:
        """Nothing to do: BEGIN IMMEDIATE already made this the only write transaction."""


def _fetchone(conn: sqlite3.Connection, sql: str, params: Sequence[Any] | dict[str, Any]) -> Row | None:
    cursor = conn.execute(sql, params)
    try:
        row: Row | None = cursor.fetchone()  # RETURNING: SQLite makes every change at the first step
        return row
    finally:
        cursor.close()


def _fetchall(conn: sqlite3.Connection, sql: str, params: Sequence[Any] | dict[str, Any]) -> list[Row]:
    cursor = conn.execute(sql, params)
    try:
        return list(cursor.fetchall())
    finally:
        cursor.close()


class SqliteDatabase(Database):
    """Owns the process's single aiosqlite connection."""

    dialect = "sqlite"

    def __init__(self, target: Path | str, **options: Any) -> None:
        super().__init__(target, **options)
        self.path = Path(target)
        self._conn: aiosqlite.Connection | None = None
        self._tx_lock = asyncio.Lock()

    @property
    def where(self) -> str:
        return str(self.path)

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    async def open(self, *, writable: bool = True) -> None:
        """Open (creating the file and its folder if needed). With ``writable``, prove that a write reaches the
        file: an unwritable folder, a read-only mount or file, a full disk raise DatabaseError (one line)."""
        memory = str(self.path) == ":memory:"
        if not memory:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(unwritable_message(self.path, exc)) from None
            try:
                # Plain sqlite3 first, so that a database that cannot be opened or written never leaves an
                # aiosqlite worker thread behind (aiosqlite's own clean-up after a failed connect races the loop).
                await asyncio.to_thread(_check_file, self.path, writable)
            except sqlite3.Error as exc:
                raise DatabaseError(unwritable_message(self.path, exc)) from None
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is what the code says.
            conn = await aiosqlite.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise DatabaseError(unwritable_message(self.path, exc)) from None
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA busy_timeout=5000")
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA synchronous=NORMAL")
        except BaseException as exc:
            # Every failure closes the connection: its worker thread would otherwise keep the process alive.
            await conn.close()
            if isinstance(exc, sqlite3.Error):
                raise DatabaseError(unwritable_message(self.path, exc)) from None
            raise
        self._conn = conn

    @staticmethod
    async def _write_probe(conn: aiosqlite.Connection) -> None:
        """A real write that changes nothing: rewrite user_version with its own value, and commit."""
        await conn.execute("BEGIN IMMEDIATE")
        try:
            async with conn.execute("PRAGMA user_version") as cursor:
                row = await cursor.fetchone()
            # PRAGMA cannot take parameters; the value is the int SQLite just gave us.
            await conn.execute(f"PRAGMA user_version = {int(row[0]) if row else 0}")
            await conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise

    async def probe_write(self) -> bool:
        try:
            async with self._tx_lock:
                await self._write_probe(self.conn)
        except sqlite3.Error as exc:
            if write_refusal(exc) is None:
                raise
            self._note_refused(exc)
            return False
        self._note_written()
        return True

    def _refusal_advice(self) -> str:
        return f"check free disk space and that the file and its folder are writable by user {_user()}"

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()

    # --- migrations -------------------------------------------------------------------------------

    async def user_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def _apply(self, migration: Migration) -> bool:
        async with self.transaction() as conn:
            for statement in split_statements(migration.sql):
                await conn.execute(statement)
            # PRAGMA cannot take parameters; the version is an int we parsed from the filename.
            await conn.execute(f"PRAGMA user_version = {int(migration.version)}")
        return True

    # --- queries ----------------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Handle]:
        """``async with db.transaction() as conn:`` — BEGIN IMMEDIATE … COMMIT, or ROLLBACK on error.

        Transactions are serialized on the shared connection, so two tasks never interleave inside one.
        """
        async with self._tx_lock:
            conn = self.conn
            try:
                await _settled(conn, "BEGIN IMMEDIATE")
                changes = conn.total_changes
                try:
                    yield SqliteHandle(conn)
                except BaseException:
                    if conn.in_transaction:
                        await conn.execute("ROLLBACK")
                    raise
                await _settled(conn, "COMMIT")
            except sqlite3.Error as exc:
                self._note_refused(exc)
                raise
            if conn.total_changes != changes:
                self._note_written()

    async def _on_worker(self, step: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``step`` on the connection's worker thread: one round trip from the event loop, where
        aiosqlite's cursor API takes one per call (execute, fetch, close: three for a single read)."""
        conn = self.conn
        return await conn._execute(step, conn._conn)  # noqa: SLF001 - aiosqlite's own one-hop runner

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one statement outside an explicit transaction (autocommit). Returns rowcount."""

        def step(conn: sqlite3.Connection) -> tuple[int, bool]:
            changes = conn.total_changes
            cursor = conn.execute(sql, params)
            try:
                cursor.fetchall()
                return cursor.rowcount, conn.total_changes != changes
            finally:
                cursor.close()

        async with self._tx_lock:
            try:
                rowcount, wrote = await self._on_worker(step)
            except sqlite3.Error as exc:
                self._note_refused(exc)
                raise
            if wrote:
                self._note_written()
        return rowcount

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        return await self._on_worker(lambda conn: _fetchone(conn, sql, params))

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        return await self._on_worker(lambda conn: _fetchall(conn, sql, params))

    async def backup(self, target: Path) -> None:
        """SQLite online backup of the live database to ``target``."""
        target.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(target) as dest:
            await self.conn.backup(dest)
