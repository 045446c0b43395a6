-- The language a server's public posts (announcements, reminders, thread openers, notices) are written
-- in, when a moderator chose one. Without a row the server's Discord `preferred_locale` is used.
CREATE TABLE guild_language (
    guild_id   INTEGER PRIMARY KEY,
    locale     TEXT    NOT NULL CHECK (length(locale) BETWEEN 2 AND 10),
    set_by     INTEGER,
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) STRICT;
