-- PostgreSQL twin of ../0004_content_warnings.sql: the same tables, columns, keys and indexes (tests/core/test_schema_equivalence.py).
-- INTEGER is BIGINT here (Discord ids are 64-bit), generated ids are identities, defaults use to_char(now()).

-- Content warnings: moderators' notes on episodes, the server's support message and link-card switch,
-- and when a channel last got a link card for an episode (one card per channel per episode per hour,
-- remembered across restarts). Member preferences live in member_preferences (0002).

-- A server's own note on an episode's warning card ("our party shows the uncut version").
CREATE TABLE cw_episode_notes (
    guild_id   BIGINT NOT NULL,
    episode_id TEXT    NOT NULL,
    note       TEXT    NOT NULL CHECK (length(note) BETWEEN 1 AND 300),
    set_by     BIGINT,
    updated_at TEXT    NOT NULL DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
    PRIMARY KEY (guild_id, episode_id)
);

-- support_message: shown after the default support text when a card has a topic that calls for it.
-- link_cards: 1 = reply with a card when someone posts an episode's official video link.
CREATE TABLE cw_guild_settings (
    guild_id        BIGINT PRIMARY KEY,
    support_message TEXT    CHECK (support_message IS NULL OR length(support_message) BETWEEN 1 AND 500),
    link_cards      BIGINT NOT NULL DEFAULT 1 CHECK (link_cards IN (0, 1))
);

-- The last time (UTC, 'YYYY-MM-DDTHH:MM:SSZ') a link card for an episode was posted in a channel.
CREATE TABLE cw_link_cards (
    channel_id BIGINT NOT NULL,
    episode_id TEXT    NOT NULL,
    guild_id   BIGINT NOT NULL,
    posted_at  TEXT    NOT NULL,
    PRIMARY KEY (channel_id, episode_id)
);
