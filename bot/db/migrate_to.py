"""``python -m bot migrate-to postgresql://…``: move a SQLite database into an empty PostgreSQL database.

Refuses, writing nothing, a SQLite file that is not at this code's schema version and a target that
already holds rows (naming the tables). Otherwise it creates the tables in the target (the PostgreSQL
migrations), then copies every table, parents before children, in one transaction: the row counts of
every table are compared before it commits, and each generated id's sequence is set past the copied
ids so that new rows never collide with them.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.db import Database, DatabaseError, is_postgres_url
from bot.db.postgres import redacted
from bot.db.schema import INTERNAL_TABLES  # the schema version's own table: never copied, never "data"

BATCH = 5000  # rows read from SQLite and sent with COPY at a time


@dataclass(slots=True)
class Copied:
    source: str
    target: str
    version: int
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied, in copy order
    sequences: dict[str, int] = field(default_factory=dict)  # table.column -> the next id it gives

    def report(self) -> str:
        total = sum(self.rows.values())
        width = max((len(name) for name in self.rows), default=0)
        lines = [
            f"copied {total} rows in {len(self.rows)} tables from {self.source} to {self.target} "
            f"(schema version {self.version}); every table's row count matches:"
        ]
        lines += [f"  {name:<{width}}  {count}" for name, count in self.rows.items()]
        if self.sequences:
            nexts = ", ".join(f"{column} {value}" for column, value in self.sequences.items())
            lines.append(f"generated ids continue after the copied ones: {nexts}")
        lines.append("next: set DATABASE_URL to this database (README: Switching to PostgreSQL)")
        return "\n".join(lines)


# --- the SQLite side ---------------------------------------------------------------------------------


def _open_source(path: Path) -> sqlite3.Connection:
    """Read-only, one snapshot for the whole copy (a read transaction in WAL mode sees no later commit)."""
    if not path.is_file():
        raise DatabaseError(f"there is no SQLite database at {path} (DATABASE_PATH) to copy")
    try:
        conn = sqlite3.connect(
            f"{path.absolute().as_uri()}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
        )
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # takes the snapshot now
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot read {path} (DATABASE_PATH): {exc}") from None
    return conn


def _source_tables(conn: sqlite3.Connection) -> list[str]:
    """Every table, parents before the tables whose foreign keys point at them."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    parents = {
        name: {r[2] for r in conn.execute("SELECT * FROM pragma_foreign_key_list(?)", (name,))} - {name}
        for name in names
    }
    order: list[str] = []
    while len(order) < len(names):
        ready = [n for n in names if n not in order and parents[n] <= set(order)]
        if not ready:
            raise DatabaseError(f"the foreign keys of {sorted(set(names) - set(order))} form a cycle")
        order += ready
    return order


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute("SELECT * FROM pragma_table_info(?)", (table,))]


# --- the PostgreSQL side -----------------------------------------------------------------------------

_CONVERT: dict[str, Callable[[Any], Any]] = {
    "bigint": int,
    "integer": int,
    "smallint": int,
    "text": str,
    "character varying": str,
    "real": float,
    "double precision": float,
    "boolean": bool,
    "bytea": bytes,
}


async def _target_columns(conn: Any, table: str) -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = $1",
        table,
    )
    return {r["column_name"]: r["data_type"] for r in rows}


async def _tables_with_rows(conn: Any) -> dict[str, int]:
    """Tables of the target (other than its bookkeeping) that hold rows, with their counts."""
    names = [
        r[0]
        for r in await conn.fetch(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
        if r[0] not in INTERNAL_TABLES
    ]
    counts = {}
    for name in names:
        count = await conn.fetchval(f"SELECT count(*) FROM {_quote(name)}")  # noqa: S608 - catalogue names
        if count:
            counts[name] = int(count)
    return counts


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _not_empty(counts: dict[str, int], target: str) -> DatabaseError:
    held = ", ".join(f"{name} ({count} rows)" for name, count in sorted(counts.items()))
    return DatabaseError(
        f"{target} is not empty: {held}. migrate-to copies into an empty database only: create a new "
        "one, or empty this one if you are sure nothing in it is needed"
    )


async def _connect(url: str) -> Any:
    import asyncpg

    try:
        return await asyncio.wait_for(asyncpg.connect(url), 30)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
        raise DatabaseError(
            f"cannot connect to {redacted(url)}: {type(exc).__name__}: {exc}: check the host, port, database "
            "name, user and password (PGPASSWORD or inside the URL)"
        ) from None


# --- the copy ----------------------------------------------------------------------------------------


async def migrate_to(source_path: Path, url: str) -> Copied:
    """Copy the SQLite database at ``source_path`` into the empty PostgreSQL database at ``url``."""
    if not is_postgres_url(url):
        raise DatabaseError(
            f"migrate-to needs a PostgreSQL URL such as postgresql://clematis@localhost:5432/clematis, not "
            f"{url.partition('://')[0] or url!r}"
        )
    target_name = redacted(url)
    latest = Database(source_path, writable=False).latest_version
    source = await asyncio.to_thread(_open_source, source_path)
    try:
        version = int(source.execute("PRAGMA user_version").fetchone()[0])
        if version != latest:
            fix = (
                "run `python -m bot migrate` first"
                if version < latest
                else "it is newer than this Clematis: upgrade Clematis first"
            )
            raise DatabaseError(
                f"{source_path} (DATABASE_PATH) is at schema version {version}, and this Clematis copies "
                f"version {latest}: {fix}; nothing was written to {target_name}"
            )
        tables = _source_tables(source)

        conn = await _connect(url)
        try:
            held = await _tables_with_rows(conn)
            if held:
                raise _not_empty(held, target_name)
        finally:
            await conn.close()

        async with Database(url) as target:  # creates the tables (the PostgreSQL migrations)
            await target.migrate()
            target_version = await target.user_version()
        if target_version != version:
            raise DatabaseError(
                f"{target_name} is at schema version {target_version} after migrating, the SQLite file at "
                f"{version}: nothing was copied"
            )

        copied = Copied(str(source_path), target_name, version)
        conn = await _connect(url)
        try:
            async with conn.transaction():
                held = await _tables_with_rows(conn)  # again, inside the copy: nothing came in meanwhile
                if held:
                    raise _not_empty(held, target_name)
                for table in tables:
                    copied.rows[table] = await _copy_table(source, conn, table, target_name)
                await _verify(source, conn, copied)
                copied.sequences = await _advance_sequences(conn, tables)
        finally:
            await conn.close()
    finally:
        source.close()
    return copied


async def _copy_table(source: sqlite3.Connection, conn: Any, table: str, target_name: str) -> int:
    columns = _columns(source, table)
    types = await _target_columns(conn, table)
    if not types:
        raise DatabaseError(f"{target_name} has no table {table}: its schema differs from the SQLite file's")
    missing = [c for c in columns if c not in types]
    if missing:
        raise DatabaseError(f"{target_name}'s table {table} lacks the column(s) {', '.join(missing)}")
    converters = [_CONVERT.get(types[c], lambda v: v) for c in columns]
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = source.execute(f"SELECT {names} FROM {_quote(table)}")  # noqa: S608 - catalogue names
    copied = 0
    while True:
        batch = await asyncio.to_thread(cursor.fetchmany, BATCH)
        if not batch:
            return copied
        records = [
            tuple(None if v is None else convert(v) for v, convert in zip(row, converters, strict=True))
            for row in batch
        ]
        await conn.copy_records_to_table(table, records=records, columns=columns)
        copied += len(records)


async def _verify(source: sqlite3.Connection, conn: Any, copied: Copied) -> None:
    """Every table holds as many rows in the target as in the source (else the transaction rolls back)."""
    wrong = []
    for table, count in copied.rows.items():
        expected = source.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0]  # noqa: S608
        got = await conn.fetchval(f"SELECT count(*) FROM {_quote(table)}")  # noqa: S608 - catalogue names
        if got != expected or count != expected:
            wrong.append(f"{table} (SQLite {expected}, PostgreSQL {got})")
    if wrong:
        raise DatabaseError(f"row counts differ after the copy, nothing was kept: {', '.join(wrong)}")


async def _advance_sequences(conn: Any, tables: list[str]) -> dict[str, int]:
    """Set every generated id's sequence past the largest copied id. Returns table.column -> next id."""
    nexts: dict[str, int] = {}
    for table in tables:
        for column in (await _target_columns(conn, table)).keys():
            sequence = await conn.fetchval("SELECT pg_get_serial_sequence($1, $2)", _quote(table), column)
            if sequence is None:
                continue
            top = await conn.fetchval(f"SELECT max({_quote(column)}) FROM {_quote(table)}")  # noqa: S608
            if top is None:
                await conn.execute("SELECT setval($1::regclass, 1, false)", sequence)
                nexts[f"{table}.{column}"] = 1
            else:
                await conn.execute("SELECT setval($1::regclass, $2, true)", sequence, int(top))
                nexts[f"{table}.{column}"] = int(top) + 1
    return nexts
