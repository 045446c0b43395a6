-- Watch parties, RSVPs, weekly series, and the one table of due work behind every reminder.
-- All instants are UTC ISO-8601 strings ('YYYY-MM-DDTHH:MM:SSZ'); zones are IANA names.

CREATE TABLE party_series (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL,
    host_id      INTEGER NOT NULL,
    wall_time    TEXT    NOT NULL,        -- local wall time of the first party, 'YYYY-MM-DDTHH:MM' (naive)
    zone         TEXT    NOT NULL,        -- the zone the wall time is in: a DST change never moves it
    next_episode TEXT,                    -- the episode the next generated party shows (release order)
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) STRICT;

CREATE TABLE watch_parties (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    channel_id       INTEGER NOT NULL,    -- where the announcement is
    voice_channel_id INTEGER,
    thread_id        INTEGER,             -- the announcement's thread, if one was made
    host_id          INTEGER NOT NULL,
    title            TEXT    NOT NULL,
    note             TEXT,
    episodes         TEXT    NOT NULL,    -- JSON list of episode ids, in order
    starts_at        TEXT    NOT NULL,    -- UTC instant
    zone             TEXT    NOT NULL,    -- zone it was planned in (shown in calendars)
    duration_minutes INTEGER NOT NULL DEFAULT 60 CHECK (duration_minutes > 0),
    capacity         INTEGER CHECK (capacity IS NULL OR capacity > 0),
    reminder_offsets TEXT,                -- per-party override, e.g. '24h, 1h, 0'; NULL = server default
    message_id       INTEGER,             -- the announcement message
    event_id         INTEGER,             -- mirrored Discord scheduled event, if any
    series_id        INTEGER REFERENCES party_series (id) ON DELETE SET NULL,
    status           TEXT    NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled', 'finished')),
    sequence         INTEGER NOT NULL DEFAULT 0,   -- bumped on every change (iCalendar SEQUENCE)
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) STRICT;
CREATE INDEX watch_parties_upcoming ON watch_parties (guild_id, status, starts_at);

CREATE TABLE party_rsvps (
    party_id   INTEGER NOT NULL REFERENCES watch_parties (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('going', 'maybe', 'not_going', 'waitlist')),
    updated_at TEXT    NOT NULL,          -- UTC; the waitlist is ordered by it (then rowid)
    PRIMARY KEY (party_id, user_id)
) STRICT;
CREATE INDEX party_rsvps_status ON party_rsvps (party_id, status, updated_at);

CREATE TABLE guild_party_settings (
    guild_id         INTEGER PRIMARY KEY,
    reminder_offsets TEXT NOT NULL DEFAULT '24h, 1h, 0',
    default_zone     TEXT
) STRICT;

-- The one table of due work. A dispatcher sleeps until the earliest pending row, claims it in a
-- transaction (claimed_by/claimed_until: a lease, so two processes never both send), sends it with a
-- nonce derived from its id, and records the outcome.
CREATE TABLE due_work (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL,       -- e.g. 'party_reminder', 'party_start', 'party_dm'
    party_id      INTEGER REFERENCES watch_parties (id) ON DELETE CASCADE,
    user_id       INTEGER,                -- for per-member work (DMs)
    offset_label  TEXT,                   -- '24h', '1h', 'start' ...
    due_at        TEXT    NOT NULL,       -- UTC instant
    status        TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'claimed', 'delivered', 'late', 'skipped', 'failed', 'cancelled')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_try_at   TEXT,                   -- UTC; set when a retry is scheduled
    claimed_by    TEXT,
    claimed_until TEXT,
    message_id    INTEGER,
    reason        TEXT,                   -- why failed / skipped / late
    finished_at   TEXT
) STRICT;
CREATE INDEX due_work_pending ON due_work (status, due_at);
CREATE INDEX due_work_party ON due_work (party_id);
