-- Content warnings: moderators' notes on episodes, the server's support message and link-card switch,
-- and when a channel last got a link card for an episode (one card per channel per episode per hour,
-- remembered across restarts). Member preferences live in member_preferences (0002).

-- A server's own note on an episode's warning card ("our party shows the uncut version").
CREATE TABLE cw_episode_notes (
    guild_id   INTEGER NOT NULL,
    episode_id TEXT    NOT NULL,
    note       TEXT    NOT NULL CHECK (length(note) BETWEEN 1 AND 300),
    set_by     INTEGER,
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (guild_id, episode_id)
) STRICT;

-- support_message: shown after the default support text when a card has a topic that calls for it.
-- link_cards: 1 = reply with a card when someone posts an episode's official video link.
CREATE TABLE cw_guild_settings (
    guild_id        INTEGER PRIMARY KEY,
    support_message TEXT    CHECK (support_message IS NULL OR length(support_message) BETWEEN 1 AND 500),
    link_cards      INTEGER NOT NULL DEFAULT 1 CHECK (link_cards IN (0, 1))
) STRICT;

-- The last time (UTC, 'YYYY-MM-DDTHH:MM:SSZ') a link card for an episode was posted in a channel.
CREATE TABLE cw_link_cards (
    channel_id INTEGER NOT NULL,
    episode_id TEXT    NOT NULL,
    guild_id   INTEGER NOT NULL,
    posted_at  TEXT    NOT NULL,
    PRIMARY KEY (channel_id, episode_id)
) STRICT;
