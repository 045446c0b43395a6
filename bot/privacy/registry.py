"""Every table the bot keeps: what personal data each column holds, and how export, delete, a server's
purge and retention treat it. The one source the privacy code is driven from.

A new table or a new column holding a user id, a message id or message text must be added here:
``tests/privacy/test_coverage.py`` reads the live schema and fails until it is, and then proves that
export and delete really cover it (or that it is exempt, with the reason written down).

Column policies when a member deletes their data (``Personal.on_delete``):

* ``row``: every row whose column holds the member's id is deleted (and exported first).
* ``null``: the column is set to NULL in those rows; the row is the server's and stays (a setting they
  changed, a rule they added).
* ``hook``: a named step in `bot.privacy.store` does it (a hosted party is handed over or cancelled;
  an RSVP is withdrawn so the waitlist moves up and the board is updated).
* ``with_row``: message text or a message id in a row that a ``row`` column of the same table deletes.
* ``exempt``: kept, for the reason given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from bot.dm import DM_CLOSED_BACKOFF
from bot.guard.copies import COPY_LIFETIME
from bot.i18n import N_

Holds = Literal["user", "message", "text"]
OnDelete = Literal["row", "null", "hook", "with_row", "exempt"]
Scope = Literal["guild", "member", "bot"]

SPOILER_COPY_LIFETIME = COPY_LIFETIME  # the nudge's copy button works this long
LINK_CARD_LIFETIME = timedelta(days=1)
DM_CLOSED_LIFETIME = DM_CLOSED_BACKOFF  # after it the record changes nothing
REPORT_LIFETIME = timedelta(days=30)
DELIVERY_LOG_LIFETIME = timedelta(days=30)
PARTY_LIFETIME = timedelta(days=90)  # after the party ended
SWEEP_EVERY = timedelta(days=1)
DEFAULT_GUILD_GRACE = timedelta(days=30)

WHILE_IN_SERVER = N_("While the bot is in the server; deleted when the grace period after its removal ends.")
UNTIL_CLEARED = N_("Until you clear it (or use /privacy delete).")


@dataclass(frozen=True, slots=True)
class Personal:
    """A column holding a user id, a message id or message text."""

    column: str
    holds: Holds
    on_delete: OnDelete
    why: str = ""  # required for `exempt` and `hook`: what is kept and why, or what the hook does
    exported: bool = True  # False: left out of exports (not about the member, e.g. the operator's host name)


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    label: str  # plain words for /privacy show and PRIVACY.md
    purpose: str  # why it is kept
    retention: str  # how long, in words
    scope: Scope  # 'guild': a server's data; 'member': a member's own, across servers; 'bot': neither
    guild_column: str | None = None  # where the server id is (scope 'guild')
    via: str | None = None  # or: the parent table whose rows' deletion cascades here (ON DELETE CASCADE)
    personal: tuple[Personal, ...] = ()
    expire: tuple[str, ...] = ()  # SQL run by the retention sweep, with the parameter :cutoff
    keep: timedelta | None = None  # the age :cutoff is computed from
    sample: dict[str, object] = field(default_factory=dict)  # values a test row needs (CHECK constraints)

    def columns(self, *on_delete: OnDelete) -> list[Personal]:
        return [p for p in self.personal if p.on_delete in on_delete]


def _user(column: str, on_delete: OnDelete, why: str = "") -> Personal:
    return Personal(column, "user", on_delete, why)


_ADDED_BY = "The server's rule stays; your id beside it is removed."
_RULE_TEXT = "A rule the server's moderators keep for the server (it stays, without your id beside it)."
_RULE_COLUMNS = (
    _user("added_by", "null", _ADDED_BY),
    Personal("phrase", "text", "exempt", _RULE_TEXT),
    Personal("phrase_key", "text", "exempt", _RULE_TEXT),
)
_BOT_MESSAGE = "The id of the bot's own post, not of a member's message."

TABLES: tuple[Table, ...] = (
    Table(
        "bot_state",
        N_("Bot state"),
        "Facts the bot keeps about itself (the last synced command tree, which process is running).",
        N_("While the bot runs."),
        "bot",
    ),
    Table(
        "guild_settings",
        N_("Server settings"),
        "The server's mod-log channel.",
        WHILE_IN_SERVER,
        "guild",
        guild_column="guild_id",
    ),
    Table(
        "member_progress",
        N_("Episode progress"),
        "How far you have watched, so spoilers past it are hidden from you.",
        UNTIL_CLEARED,
        "member",
        personal=(_user("user_id", "row"),),
        sample={"track": "main", "episode_id": "r1"},
    ),
    Table(
        "guild_horizons",
        N_("Public horizons you set"),
        "What the server treats as public; who set it, for moderators.",
        WHILE_IN_SERVER,
        "guild",
        guild_column="guild_id",
        personal=(_user("set_by", "null"),),
    ),
    Table(
        "guild_spoiler_settings",
        N_("Spoiler settings"),
        "The server's spoiler action, release window and discussion channel.",
        WHILE_IN_SERVER,
        "guild",
        guild_column="guild_id",
        sample={"action": "nudge"},
    ),
    Table(
        "spoiler_channels",
        N_("Spoiler channels"),
        "Channels where spoilers are allowed.",
        WHILE_IN_SERVER,
        "guild",
        guild_column="guild_id",
    ),
    Table(
        "discussion_threads",
        N_("Discussion threads"),
        "Each episode's discussion thread.",
        WHILE_IN_SERVER,
        "guild",
        guild_column="guild_id",
    ),
    Table(
        "member_preferences",
        N_("Preferences"),
        "Your content-warning topics, party DMs, time zone, and when your DMs were last found closed.",
        N_("Until you clear it (or use /privacy delete). A closed-DMs record is dropped after 7 days."),
        "member",
        personal=(_user("user_id", "row"),),
        expire=(
            "UPDATE member_preferences SET dm_closed_at = NULL WHERE dm_closed_at < :cutoff",
            "DELETE FROM member_preferences WHERE cw_topics = '[]' AND dm_before_parties = 0 "
            "AND dm_closed_at IS NULL AND time_zone IS NULL",
        ),
        keep=DM_CLOSED_LIFETIME,
    ),
    Table(
        "spoiler_rules",
        N_("Spoiler rules you added"),
        "The server's own spoiler phrases; who added each, for moderators.",
        WHILE_IN_SERVER,
        "guild",
        guild_column="guild_id",
        personal=_RULE_COLUMNS,
    ),
    Table(
        "spoiler_allow",
        N_("Allowed phrases you added"),
        "Phrases the server never flags; who added each, for moderators.",
        WHILE_IN_SERVER,
        "guild",
        guild_column="guild_id",
        personal=_RULE_COLUMNS,
    ),
    Table(
        "spoiler_exempt_roles",
        N_("Exempt roles"),
        "Roles whose messages are never checked.",
        WHILE_IN_SERVER,
        "guild",
        guild_column="guild_id",
    ),
    Table(
        "spoiler_copies",
        N_("Copies of your removed messages"),
        "The text of a message removed as a spoiler, so you can get it back spoiler-tagged.",
        N_("1 day."),
        "guild",
        guild_column="guild_id",
        personal=(
            _user("author_id", "row"),
            Personal("content", "text", "with_row"),
            Personal("notice_id", "message", "with_row"),
        ),
        expire=("DELETE FROM spoiler_copies WHERE created_at < :cutoff",),
        keep=SPOILER_COPY_LIFETIME,
    ),
    Table(
        "spoiler_permission_warnings",
        N_("Permission notices"),
        "Permissions the bot already told the mod log it lacks (so it says so once).",
        WHILE_IN_SERVER,
        "guild",
        guild_column="guild_id",
    ),
    Table(
        "cw_episode_notes",
        N_("Content-warning notes you set"),
        "The server's notes on episodes' warning cards; who set each, for moderators.",
        WHILE_IN_SERVER,
        "guild",
        guild_column="guild_id",
        personal=(
            _user("set_by", "null", "The server's note stays; your id beside it is removed."),
            Personal(
                "note", "text", "exempt", "The server's note on a warning card (it stays, without your id)."
            ),
        ),
    ),
    Table(
        "guild_language",
        N_("Server language"),
        "The language the moderators chose for the server's public posts, and which moderator chose it.",
        WHILE_IN_SERVER,
        "guild",
        guild_column="guild_id",
        personal=(_user("set_by", "null", "The server's language stays; your id beside it is removed."),),
        sample={"locale": "ko"},
    ),
    Table(
        "cw_guild_settings",
        N_("Content-warning settings"),
        "The server's support message and link-card switch.",
        WHILE_IN_SERVER,
        "guild",
        guild_column="guild_id",
        personal=(
            Personal(
                "support_message",
                "text",
                "exempt",
                "The server's own support text, written for the server; no author is stored.",
            ),
        ),
    ),
    Table(
        "cw_link_cards",
        N_("Link cards"),
        "When a channel last got a warning card for an episode (at most one an hour).",
        N_("1 day."),
        "guild",
        guild_column="guild_id",
        expire=("DELETE FROM cw_link_cards WHERE posted_at < :cutoff",),
        keep=LINK_CARD_LIFETIME,
        sample={"posted_at": "2000-01-01T00:00:00Z"},
    ),
    Table(
        "party_series",
        N_("Weekly party series you host"),
        "A weekly series' local time and zone.",
        N_("Until none of its parties is left."),
        "guild",
        guild_column="guild_id",
        personal=(
            _user(
                "host_id",
                "hook",
                "Handed over with your parties (or left without a host when they are cancelled).",
            ),
        ),
        expire=(
            "DELETE FROM party_series WHERE created_at < :cutoff "
            "AND NOT EXISTS (SELECT 1 FROM watch_parties WHERE series_id = party_series.id)",
        ),
        keep=timedelta(days=1),
        sample={"wall_time": "2000-01-01T20:00", "zone": "UTC"},
    ),
    Table(
        "watch_parties",
        N_("Watch parties you host"),
        "Parties: when, where, what, who hosts them.",
        N_("Until 90 days after the party ends."),
        "guild",
        guild_column="guild_id",
        personal=(
            _user(
                "host_id",
                "hook",
                "Upcoming parties are handed over or cancelled, as the server chose; past ones lose your id.",
            ),
            Personal(
                "title",
                "text",
                "exempt",
                "The party's title is the server's announcement, which stays like every message posted "
                "through the bot; it is deleted with the party.",
            ),
            Personal(
                "note",
                "text",
                "exempt",
                "The party's note is part of the server's announcement, like its title.",
            ),
            Personal("message_id", "message", "exempt", _BOT_MESSAGE),
        ),
        expire=("DELETE FROM watch_parties WHERE ends_at < :cutoff",),
        keep=PARTY_LIFETIME,
        sample={"starts_at": "2000-01-01T20:00:00Z", "episodes": "[]", "zone": "UTC", "status": "finished"},
    ),
    Table(
        "party_rsvps",
        N_("Watch-party RSVPs"),
        "Who is going to which party, and the waitlist order.",
        N_("With the party (until 90 days after it ends)."),
        "guild",
        via="watch_parties",
        personal=(
            _user(
                "user_id",
                "hook",
                "Withdrawn like a click on 'Remove my answer': the waitlist moves up, the board is updated.",
            ),
        ),
        sample={"status": "going", "updated_at": "2000-01-01T00:00:00.000000Z"},
    ),
    Table(
        "guild_party_settings",
        N_("Watch-party settings"),
        "The server's default time zone, reminder times, party limits and host role.",
        WHILE_IN_SERVER,
        "guild",
        guild_column="guild_id",
        personal=(
            Personal("member_party_limit", "user", "exempt", "A number of parties per member, not a member."),
            Personal("host_role_id", "user", "exempt", "A role of the server, not a member."),
        ),
    ),
    Table(
        "due_work",
        N_("Reminder deliveries"),
        "Reminders, party DMs and other timed work, with what became of each (the delivery log).",
        N_("Pending work until it is done; the record of done work for 30 days."),
        "guild",
        via="watch_parties",
        personal=(
            _user("user_id", "row"),
            Personal("message_id", "message", "exempt", _BOT_MESSAGE),
            Personal("reason", "text", "exempt", "What became of the work, written by the bot."),
            Personal(
                "claimed_by",
                "text",
                "exempt",
                "The process that claimed the work (host name and pid): the operator's, not the member's.",
                exported=False,
            ),
        ),
        expire=(
            "DELETE FROM due_work WHERE status NOT IN ('pending', 'claimed') AND finished_at < :cutoff "
            "AND (party_id IS NULL OR party_id IN (SELECT id FROM watch_parties WHERE starts_at < :cutoff))",
        ),
        keep=DELIVERY_LOG_LIFETIME,
        sample={"kind": "dm", "due_at": "2000-01-01T00:00:00Z", "status": "delivered"},
    ),
    Table(
        "guild_privacy_settings",
        N_("Party handover settings"),
        "What happens to a departing host's parties, and who takes them over.",
        WHILE_IN_SERVER,
        "guild",
        guild_column="guild_id",
        personal=(_user("handover_user_id", "null"),),
    ),
    Table(
        "spoiler_reports",
        N_("Spoiler reports you made"),
        "Which messages you reported, so a second report of the same message is not posted twice.",
        N_("30 days."),
        "guild",
        guild_column="guild_id",
        personal=(_user("reporter_id", "row"), Personal("message_id", "message", "with_row")),
        expire=("DELETE FROM spoiler_reports WHERE created_at < :cutoff",),
        keep=REPORT_LIFETIME,
    ),
)

BY_NAME: dict[str, Table] = {table.name: table for table in TABLES}

# Naming conventions for columns that may hold personal data. A column matching one must be registered.
SUSPICIOUS: dict[Holds, re.Pattern[str]] = {
    "user": re.compile(
        r"(^|_)(user|users|member|author|host|owner|reporter|moderator|mod|creator|sender|recipient|by|"
        r"invoker|actor|target)(_|$)"
    ),
    "message": re.compile(r"(^|_)(message|msg|notice|post|reply)(_|$)"),
    "text": re.compile(
        r"(^|_)(content|text|body|note|phrase|title|reason|comment|description|summary|bio|nickname|"
        r"name|quote|excerpt|caption|bio|status_text)(_|$)"
    ),
}


def suspicious(column: str) -> Holds | None:
    """What a column's name suggests it holds, if anything personal."""
    for holds, pattern in SUSPICIOUS.items():
        if pattern.search(column.lower()):
            return holds
    return None


def user_columns() -> list[tuple[Table, Personal]]:
    """Every registered column holding a user id that export and delete act on (not exempt)."""
    return [(t, p) for t in TABLES for p in t.personal if p.holds == "user" and p.on_delete != "exempt"]


def audit(schema: dict[str, list[str]]) -> list[str]:
    """Problems between the live schema ({table: [columns]}) and this registry, one sentence each.

    A table not registered, a registered table or column that does not exist, a column whose name
    suggests personal data but is not registered, a hook or exemption without its reason.
    """
    problems: list[str] = []
    for name, columns in sorted(schema.items()):
        table = BY_NAME.get(name)
        if table is None:
            problems.append(
                f"table {name} is not in bot/privacy/registry.py: say what it holds, how long it is kept, "
                "and how its server and member data are deleted"
            )
            continue
        registered = {p.column for p in table.personal}
        for column in columns:
            holds = suspicious(column)
            if holds is not None and column not in registered:
                problems.append(
                    f"column {name}.{column} looks like it holds a {holds} id or text but is not registered: "
                    "add it to the table's `personal` in bot/privacy/registry.py"
                )
        for personal in table.personal:
            if personal.column not in columns:
                problems.append(f"registered column {name}.{personal.column} does not exist")
            if personal.on_delete in ("exempt", "hook") and not personal.why:
                problems.append(f"{name}.{personal.column} is {personal.on_delete} without a reason")
            if personal.on_delete == "with_row" and not table.columns("row"):
                problems.append(f"{name}.{personal.column} is with_row but no column of {name} deletes rows")
        if table.scope == "guild" and (table.guild_column is None) == (table.via is None):
            problems.append(f"table {name} needs exactly one of guild_column and via")
        if table.guild_column is not None and table.guild_column not in columns:
            problems.append(f"guild column {name}.{table.guild_column} does not exist")
        if table.expire and table.keep is None:
            problems.append(f"table {name} expires rows but has no `keep` age")
    for table in TABLES:
        if table.name not in schema:
            problems.append(f"registered table {table.name} does not exist in the schema")
    return problems
