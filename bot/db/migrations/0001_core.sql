-- Core state of the bot process itself.

-- Small key/value facts the bot keeps about itself (for example the hash of the last synced command tree).
CREATE TABLE bot_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) STRICT;

-- Per-server settings shared by features. Feature-specific settings live in their own tables.
CREATE TABLE guild_settings (
    guild_id        INTEGER PRIMARY KEY,
    modlog_channel  INTEGER,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) STRICT;
