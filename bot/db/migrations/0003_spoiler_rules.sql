-- Spoiler safety: moderators' own rules and allow-list, exempt roles, nudge copies, permission notices.
-- Episode ids refer to the canon pack; a rule whose episode the pack no longer has is ignored when read.

-- Phrases a server's moderators tied to an episode (on top of the canon pack's own rules).
-- phrase_key is the phrase as the matcher sees it (normalised words), so "Ivan  DIES" and "ivan dies"
-- are one rule.
CREATE TABLE spoiler_rules (
    rule_id    INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    episode_id TEXT    NOT NULL,
    phrase     TEXT    NOT NULL,
    phrase_key TEXT    NOT NULL,
    added_by   INTEGER,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    UNIQUE (guild_id, episode_id, phrase_key)
) STRICT;

-- Phrases a server never wants flagged ("till the end" when "till" would otherwise fire).
CREATE TABLE spoiler_allow (
    guild_id   INTEGER NOT NULL,
    phrase_key TEXT    NOT NULL,
    phrase     TEXT    NOT NULL,
    added_by   INTEGER,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (guild_id, phrase_key)
) STRICT;

-- Roles whose members' messages are never checked.
CREATE TABLE spoiler_exempt_roles (
    guild_id INTEGER NOT NULL,
    role_id  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, role_id)
) STRICT;

-- The removed message behind a nudge notice, so its author can get a spoiler-tagged copy back (even
-- after a restart). notice_id is the removed message's id, carried in the notice's button.
-- Rows older than a day are deleted.
CREATE TABLE spoiler_copies (
    notice_id  INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    author_id  INTEGER NOT NULL,
    episode_id TEXT,
    content    TEXT    NOT NULL,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) STRICT;

CREATE INDEX spoiler_copies_by_age ON spoiler_copies (created_at);

-- A permission the bot lacked for its spoiler action, already reported to the mod log (once per server
-- per permission; the row goes when the permission works again).
CREATE TABLE spoiler_permission_warnings (
    guild_id   INTEGER NOT NULL,
    permission TEXT    NOT NULL,
    warned_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (guild_id, permission)
) STRICT;
