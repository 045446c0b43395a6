"""The database tests run against: a SQLite file by default, or a fresh PostgreSQL database per test when
CLEMATIS_TEST_DATABASE_URL names a server (``postgresql://user@host:port/postgres``: any database the user
may connect to and create databases from).

Fresh databases are copies (CREATE DATABASE … TEMPLATE) of one migrated template made once per session, so
a test pays for a copy (about 0.15 s), not for nine migrations. `query` and `execute` let a test look into
(or arrange) what the bot stored, on either engine, without the bot's own code.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import uuid
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

T = TypeVar("T")

TEST_URL = os.environ.get("CLEMATIS_TEST_DATABASE_URL") or None
ON_POSTGRES = TEST_URL is not None

_lock = threading.Lock()
_template: str | None = None
_by_path: dict[str, str] = {}  # a test's SQLite path -> the PostgreSQL database standing in for it
created: list[str] = []


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a private loop in a private thread (callable from sync code and
    from inside a running loop alike)."""
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coro))
        except BaseException as exc:  # handed to the caller
            error.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


async def _admin(statements: Sequence[str]) -> None:
    import asyncpg

    assert TEST_URL is not None
    conn = await asyncpg.connect(TEST_URL)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def _make_template(name: str) -> None:
    from bot.db import Database

    await _admin([f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'])
    async with Database(_with_database(TEST_URL or "", name)) as db:
        await db.migrate()


def new_database() -> str:
    """The URL of a new, migrated PostgreSQL database (ON_POSTGRES only)."""
    global _template
    assert TEST_URL is not None, "CLEMATIS_TEST_DATABASE_URL is not set"
    with _lock:
        if _template is None:
            name = f"clematis_template_{os.getpid()}"
            _run(_make_template(name))
            _template = name
        name = f"clematis_test_{uuid.uuid4().hex[:16]}"
        _run(_admin([f'CREATE DATABASE "{name}" TEMPLATE "{_template}"']))
        created.append(name)
    return _with_database(TEST_URL, name)


def database_for(path: Path | str) -> str:
    """What a test's database file stands for: the path itself on SQLite, or the same PostgreSQL database
    for the same path (a bot restarted on its file finds its data again)."""
    if not ON_POSTGRES:
        return str(path)
    key = str(Path(path).absolute())
    with _lock:
        url = _by_path.get(key)
    if url is None:
        url = new_database()
        with _lock:
            _by_path[key] = url
    return url


def drop(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    _run(_admin([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)']))
    with _lock:
        if name in created:
            created.remove(name)


def drop_all() -> None:
    """Drop every database this session made (and the template)."""
    if not ON_POSTGRES:
        return
    names = [*created, *([_template] if _template else [])]
    _run(_admin([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names]))
    created.clear()


def _postgres(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


async def _pg(target: str, sql: str, params: Sequence[Any], fetch: bool) -> list[Any]:
    import asyncpg

    from bot.db.postgres import to_dollar

    conn = await asyncpg.connect(target)
    try:
        text, _ = to_dollar(sql)
        if fetch:
            return list(await conn.fetch(text, *params))
        await conn.execute(text, *params)
        return []
    finally:
        await conn.close()


def query(target: Path | str, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """Rows of one statement (``?`` placeholders), read from the database a test's bot uses."""
    target = str(target)
    if _postgres(target):
        return _run(_pg(target, sql, params, fetch=True))
    with sqlite3.connect(target, timeout=10) as conn:
        conn.row_factory = sqlite3.Row
        return list(conn.execute(sql, params).fetchall())


def execute(target: Path | str, sql: str, params: Sequence[Any] = ()) -> None:
    """Run and commit one statement on the database a test's bot uses."""
    target = str(target)
    if _postgres(target):
        _run(_pg(target, sql, params, fetch=False))
        return
    with sqlite3.connect(target, timeout=10) as conn:
        conn.execute(sql, params)


class _Result:
    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Any]:
        return list(self._rows)

    def __iter__(self) -> Any:
        return iter(self._rows)


class _PostgresConnection:
    """The few sqlite3.Connection calls tests make (execute, fetchone/fetchall, row_factory, commit), on
    PostgreSQL: each statement commits on its own; rows are tuples, or records with key access when a
    row_factory was set."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.row_factory: Any = None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Result:
        rows = _run(_pg(self.target, sql, params, fetch=True))
        return _Result(rows if self.row_factory is not None else [tuple(r) for r in rows])

    def commit(self) -> None:
        pass

    def __enter__(self) -> _PostgresConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def connect(target: Path | str) -> Any:
    """sqlite3.connect for the database a test's bot uses, whichever engine it is."""
    target = str(target)
    if _postgres(target):
        return _PostgresConnection(target)
    return sqlite3.connect(target, timeout=10)


def table_columns(target: Path | str) -> dict[str, list[str]]:
    """{table: [columns]} of the bot's database, whichever engine it is."""
    target = str(target)
    if _postgres(target):
        rows = query(
            target,
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name != 'schema_version' ORDER BY table_name, ordinal_position",
        )
    else:
        rows = query(
            target,
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p "
            "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid",
        )
    found: dict[str, list[str]] = {}
    for table, column in rows:
        found.setdefault(table, []).append(column)
    return found
