-- PostgreSQL twin of ../0002_members_and_horizons.sql: the same tables, columns, keys and indexes (tests/core/test_schema_equivalence.py).
-- INTEGER is BIGINT here (Discord ids are 64-bit), generated ids are identities, defaults use to_char(now()).

-- How far members have watched, and what each server treats as public.
-- Episode ids refer to the canon pack; an id the pack no longer has is ignored when read.

-- Per member, kept across servers: the last episode watched on each spoiler track.
CREATE TABLE member_progress (
    user_id    BIGINT NOT NULL,
    track      TEXT    NOT NULL,
    episode_id TEXT    NOT NULL,
    updated_at TEXT    NOT NULL DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
    PRIMARY KEY (user_id, track)
);

-- A server's public horizon, set by moderators: the latest episode anyone may discuss anywhere.
-- No row for a track means nothing on that track is public (the default).
CREATE TABLE guild_horizons (
    guild_id   BIGINT NOT NULL,
    track      TEXT    NOT NULL,
    episode_id TEXT    NOT NULL,
    set_by     BIGINT,
    updated_at TEXT    NOT NULL DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
    PRIMARY KEY (guild_id, track)
);

-- Spoiler settings of a server. release_window_days NULL = the window is off (the default).
CREATE TABLE guild_spoiler_settings (
    guild_id            BIGINT PRIMARY KEY,
    release_window_days BIGINT CHECK (release_window_days IS NULL OR release_window_days BETWEEN 1 AND 3650),
    action              TEXT    NOT NULL DEFAULT 'nudge' CHECK (action IN ('nudge', 'repost', 'flag')),
    discussion_channel  BIGINT,
    gated_threads       BIGINT NOT NULL DEFAULT 0 CHECK (gated_threads IN (0, 1))
);

-- Channels where anything goes.
CREATE TABLE spoiler_channels (
    guild_id   BIGINT NOT NULL,
    channel_id BIGINT NOT NULL,
    PRIMARY KEY (guild_id, channel_id)
);

-- One discussion thread per episode per server (a forum post or a thread in a text channel).
-- Inside it, spoilers up to that episode are allowed.
CREATE TABLE discussion_threads (
    guild_id   BIGINT NOT NULL,
    episode_id TEXT    NOT NULL,
    channel_id BIGINT NOT NULL,           -- the discussion (text or forum) channel
    thread_id  BIGINT NOT NULL UNIQUE,
    created_at TEXT    NOT NULL DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
    PRIMARY KEY (guild_id, episode_id)
);

-- A member's own preferences, the same in every server. cw_topics: JSON list of warning-topic ids
-- the member wants spelled out. dm_closed_at: set when a DM to them failed because DMs are closed.
CREATE TABLE member_preferences (
    user_id           BIGINT PRIMARY KEY,
    cw_topics         TEXT    NOT NULL DEFAULT '[]',
    dm_before_parties BIGINT NOT NULL DEFAULT 0 CHECK (dm_before_parties IN (0, 1)),
    dm_closed_at      TEXT,
    time_zone         TEXT
);
