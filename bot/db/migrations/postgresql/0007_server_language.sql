-- PostgreSQL twin of ../0007_server_language.sql: the same tables, columns, keys and indexes (tests/core/test_schema_equivalence.py).
-- INTEGER is BIGINT here (Discord ids are 64-bit), generated ids are identities, defaults use to_char(now()).

-- The language a server's public posts (announcements, reminders, thread openers, notices) are written
-- in, when a moderator chose one. Without a row the server's Discord `preferred_locale` is used.
CREATE TABLE guild_language (
    guild_id   BIGINT PRIMARY KEY,
    locale     TEXT    NOT NULL CHECK (length(locale) BETWEEN 2 AND 10),
    set_by     BIGINT,
    updated_at TEXT    NOT NULL DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
);
