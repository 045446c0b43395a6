-- Privacy: what a server chooses for parties whose host deletes their data, the reports members make,
-- and due work about a whole server (its data deleted after the bot was removed).
-- What every table holds and how long it is kept: bot/privacy/registry.py and PRIVACY.md.

-- leaver_parties: what happens to upcoming parties whose host deletes their data: 'handover' gives them
-- to handover_user_id (a member the moderators chose), or to the server's moderators when none is set;
-- 'cancel' cancels them.
CREATE TABLE guild_privacy_settings (
    guild_id         INTEGER PRIMARY KEY,
    leaver_parties   TEXT    NOT NULL DEFAULT 'handover' CHECK (leaver_parties IN ('handover', 'cancel')),
    handover_user_id INTEGER
) STRICT;

-- "Report spoiler" by a member: kept so the same member reporting the same message again does not
-- post to the mod log twice. Deleted after 30 days. The reported message's author is not stored.
CREATE TABLE spoiler_reports (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    reporter_id INTEGER NOT NULL,
    episode_id  TEXT,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    UNIQUE (message_id, reporter_id)
) STRICT;
CREATE INDEX spoiler_reports_by_age ON spoiler_reports (created_at);
CREATE INDEX spoiler_reports_by_reporter ON spoiler_reports (reporter_id);

-- Due work about a whole server (kind 'guild_purge'); NULL for party work.
ALTER TABLE due_work ADD COLUMN guild_id INTEGER;
CREATE INDEX due_work_guild ON due_work (guild_id) WHERE guild_id IS NOT NULL;
CREATE INDEX due_work_user ON due_work (user_id) WHERE user_id IS NOT NULL;

-- A member's rows are found without scanning whole tables (/privacy show, export, delete).
CREATE INDEX party_rsvps_by_user ON party_rsvps (user_id);
CREATE INDEX watch_parties_by_host ON watch_parties (host_id);
