-- PostgreSQL twin of ../0001_core.sql: the same tables, columns, keys and indexes (tests/core/test_schema_equivalence.py).
-- INTEGER is BIGINT here (Discord ids are 64-bit), generated ids are identities, defaults use to_char(now()).

-- Core state of the bot process itself.

-- Small key/value facts the bot keeps about itself (for example the hash of the last synced command tree).
CREATE TABLE bot_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
);

-- Per-server settings shared by features. Feature-specific settings live in their own tables.
CREATE TABLE guild_settings (
    guild_id        BIGINT PRIMARY KEY,
    modlog_channel  BIGINT,
    created_at      TEXT NOT NULL DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
);
