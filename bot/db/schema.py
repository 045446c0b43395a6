"""What the live database holds, read the same way from either engine: tables, their columns (with types
normalised to the affinity both engines share), primary keys, unique keys and foreign keys.

The privacy code reads it (which tables and columns exist, which key a table hangs off), and the schema
equivalence test compares SQLite's and PostgreSQL's after migrating both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.db import Handle

# Engine type names -> the one both engines mean.
_TYPES = {
    "integer": "integer",
    "bigint": "integer",
    "smallint": "integer",
    "int": "integer",
    "text": "text",
    "real": "real",
    "double precision": "real",
}
INTERNAL_TABLES = frozenset({"schema_version"})  # PostgreSQL's version row (SQLite keeps it in a PRAGMA)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str  # normalised: 'integer', 'text', 'real'
    not_null: bool
    has_default: bool  # whether an INSERT may leave it out and get a value (a DEFAULT, not a generated id)


@dataclass(frozen=True, slots=True)
class ForeignKey:
    columns: tuple[str, ...]
    table: str
    references: tuple[str, ...]
    on_delete: str  # 'CASCADE', 'SET NULL', 'NO ACTION', ...


@dataclass(slots=True)
class TableSchema:
    name: str
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()
    unique: frozenset[tuple[str, ...]] = frozenset()
    foreign_keys: frozenset[ForeignKey] = frozenset()
    # Indexes a migration created by name: name -> (columns, unique, partial).
    indexes: dict[str, tuple[tuple[str, ...], bool, bool]] = field(default_factory=dict)


def normalised_type(declared: str) -> str:
    return _TYPES.get(declared.strip().lower(), declared.strip().lower())


async def read_schema(conn: Handle) -> dict[str, TableSchema]:
    if conn.dialect == "postgresql":
        return await _postgres(conn)
    return await _sqlite(conn)


async def _sqlite(conn: Handle) -> dict[str, TableSchema]:
    names = await conn.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    tables: dict[str, TableSchema] = {}
    for (name,) in names:
        table = tables[name] = TableSchema(name)
        rows = await conn.fetchall(
            'SELECT name, type, "notnull", pk, dflt_value IS NOT NULL FROM pragma_table_info(?) ORDER BY cid',
            (name,),
        )
        pk = sorted((r[3], r[0]) for r in rows if r[3])
        table.primary_key = tuple(column for _, column in pk)
        for column, declared, not_null, in_pk, default in rows:
            table.columns[column] = Column(
                column, normalised_type(declared), bool(not_null or in_pk), bool(default)
            )
        unique = set()
        for index, is_unique, origin, partial in await conn.fetchall(
            "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?) WHERE origin != 'pk'", (name,)
        ):
            rows = await conn.fetchall("SELECT name FROM pragma_index_info(?) ORDER BY seqno", (index,))
            cols = tuple(str(c[0]) for c in rows)
            if is_unique and not partial:
                unique.add(cols)
            if origin == "c":
                table.indexes[index] = (cols, bool(is_unique), bool(partial))
        table.unique = frozenset(unique)
        keys: dict[int, list[tuple[str, str | None, str, str]]] = {}
        for key_id, parent, source, target, on_delete in await conn.fetchall(
            'SELECT id, "table", "from", "to", on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq',
            (name,),
        ):
            keys.setdefault(key_id, []).append((source, target, parent, on_delete))
        fks = set()
        for parts in keys.values():
            parent = parts[0][2]
            targets = [t for _, t, _, _ in parts]
            if any(t is None for t in targets):  # REFERENCES parent: its primary key
                pk_rows = await conn.fetchall(
                    "SELECT name, pk FROM pragma_table_info(?) WHERE pk > 0", (parent,)
                )
                targets = [r[0] for r in sorted(pk_rows, key=lambda r: r[1])]
            fks.add(
                ForeignKey(
                    tuple(s for s, _, _, _ in parts), parent, tuple(str(t) for t in targets), parts[0][3]
                )
            )
        table.foreign_keys = frozenset(fks)
    return tables


_PG_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


async def _postgres(conn: Handle) -> dict[str, TableSchema]:
    names = await conn.fetchall(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    tables: dict[str, TableSchema] = {}
    for (name,) in names:
        if name in INTERNAL_TABLES:
            continue
        table = tables[name] = TableSchema(name)
        for column, declared, nullable, default in await conn.fetchall(
            "SELECT column_name, data_type, is_nullable, column_default IS NOT NULL FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (name,),
        ):
            table.columns[column] = Column(column, normalised_type(declared), nullable == "NO", bool(default))
        unique = set()
        for primary, cols in await conn.fetchall(
            "SELECT i.indisprimary, array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] "
            "FROM pg_index i WHERE i.indrelid = to_regclass(?) AND i.indisunique AND i.indpred IS NULL",
            (name,),
        ):
            if primary:
                table.primary_key = tuple(cols)
            else:
                unique.add(tuple(cols))
        table.unique = frozenset(unique)
        for index, cols, is_unique, partial in await conn.fetchall(
            "SELECT c.relname, array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n)::text[], "
            "i.indisunique, i.indpred IS NOT NULL FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = to_regclass(?) AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
            (name,),
        ):
            table.indexes[index] = (tuple(cols), bool(is_unique), bool(partial))
        fks = set()
        for cols, parent, targets, action in await conn.fetchall(
            "SELECT array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n)::text[], "
            "c.confrelid::regclass::text, "
            "array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n)::text[], "
            "c.confdeltype::text FROM pg_constraint c WHERE c.conrelid = to_regclass(?) AND c.contype = 'f'",
            (name,),
        ):
            fks.add(ForeignKey(tuple(cols), parent, tuple(targets), _PG_ACTIONS.get(action, action)))
        table.foreign_keys = frozenset(fks)
    return tables
