"""Changing a server's spoiler configuration (each function is one small write; callers reload the cache)."""

from __future__ import annotations

from bot.db import Database, Row, utc_text
from bot.guard.config import ACTIONS
from bot.guard.rules import phrase_key, stored_rule
from bot.spoilers import Rule
from bot.text import parse_id

_UPSERT_SETTING = {
    "action": "INSERT INTO guild_spoiler_settings (guild_id, action) VALUES (?, ?) "
    "ON CONFLICT(guild_id) DO UPDATE SET action = excluded.action",
    "release_window_days": "INSERT INTO guild_spoiler_settings (guild_id, release_window_days) VALUES (?, ?) "
    "ON CONFLICT(guild_id) DO UPDATE SET release_window_days = excluded.release_window_days",
    "discussion_channel": "INSERT INTO guild_spoiler_settings (guild_id, discussion_channel) VALUES (?, ?) "
    "ON CONFLICT(guild_id) DO UPDATE SET discussion_channel = excluded.discussion_channel",
    "gated_threads": "INSERT INTO guild_spoiler_settings (guild_id, gated_threads) VALUES (?, ?) "
    "ON CONFLICT(guild_id) DO UPDATE SET gated_threads = excluded.gated_threads",
}


async def set_action(db: Database, guild_id: int, action: str) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown spoiler action {action!r}")
    await db.execute(_UPSERT_SETTING["action"], (guild_id, action))


async def set_release_window(db: Database, guild_id: int, days: int | None) -> None:
    """``days`` None (or 0) turns the window off."""
    await db.execute(_UPSERT_SETTING["release_window_days"], (guild_id, days or None))


async def set_discussion_channel(db: Database, guild_id: int, channel_id: int | None) -> None:
    await db.execute(_UPSERT_SETTING["discussion_channel"], (guild_id, channel_id))


async def set_gated_threads(db: Database, guild_id: int, enabled: bool) -> None:
    await db.execute(_UPSERT_SETTING["gated_threads"], (guild_id, int(enabled)))


async def set_public_episode(db: Database, guild_id: int, track: str, episode_id: str, set_by: int) -> None:
    await db.execute(
        "INSERT INTO guild_horizons (guild_id, track, episode_id, set_by, updated_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(guild_id, track) DO UPDATE SET episode_id = excluded.episode_id, "
        "set_by = excluded.set_by, updated_at = excluded.updated_at",
        (guild_id, track, episode_id, set_by, utc_text()),
    )


async def clear_public_track(db: Database, guild_id: int, track: str) -> bool:
    return (
        await db.execute("DELETE FROM guild_horizons WHERE guild_id = ? AND track = ?", (guild_id, track)) > 0
    )


async def add_spoiler_channel(db: Database, guild_id: int, channel_id: int) -> bool:
    return (
        await db.execute(
            "INSERT INTO spoiler_channels (guild_id, channel_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (guild_id, channel_id),
        )
        > 0
    )


async def remove_spoiler_channel(db: Database, guild_id: int, channel_id: int) -> bool:
    return (
        await db.execute(
            "DELETE FROM spoiler_channels WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id)
        )
        > 0
    )


async def add_exempt_role(db: Database, guild_id: int, role_id: int) -> bool:
    return (
        await db.execute(
            "INSERT INTO spoiler_exempt_roles (guild_id, role_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (guild_id, role_id),
        )
        > 0
    )


async def remove_exempt_role(db: Database, guild_id: int, role_id: int) -> bool:
    return (
        await db.execute(
            "DELETE FROM spoiler_exempt_roles WHERE guild_id = ? AND role_id = ?", (guild_id, role_id)
        )
        > 0
    )


async def add_rule(db: Database, guild_id: int, episode_id: str, phrase: str, added_by: int) -> int | None:
    """Store a moderator rule. Returns its id, or None when the server already has it for that episode."""
    phrase = " ".join(phrase.split())
    async with db.transaction() as conn:
        row = await conn.fetchone(
            "INSERT INTO spoiler_rules (guild_id, episode_id, phrase, phrase_key, added_by) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(guild_id, episode_id, phrase_key) DO NOTHING RETURNING rule_id",
            (guild_id, episode_id, phrase, phrase_key(phrase), added_by),
        )
    return int(row["rule_id"]) if row is not None else None


async def find_rules(db: Database, guild_id: int, text: str) -> list[Rule]:
    """The server's rules ``text`` names: a rule id (what autocomplete sends) or a phrase."""
    rule_id = parse_id(text)
    if rule_id is not None:
        rows = await db.fetchall(
            "SELECT rule_id, episode_id, phrase, added_by FROM spoiler_rules WHERE guild_id = ? AND rule_id = ?",
            (guild_id, rule_id),
        )
        if rows:
            return [_rule(r) for r in rows]
    rows = await db.fetchall(
        "SELECT rule_id, episode_id, phrase, added_by FROM spoiler_rules "
        "WHERE guild_id = ? AND phrase_key = ? ORDER BY rule_id",
        (guild_id, phrase_key(text)),
    )
    return [_rule(r) for r in rows]


def _rule(row: Row) -> Rule:
    added_by = row["added_by"]
    return stored_rule(
        row["episode_id"], row["phrase"], f"mod:{added_by}" if added_by is not None else "mod", row["rule_id"]
    )


async def remove_rule(db: Database, guild_id: int, rule_id: int) -> bool:
    return (
        await db.execute("DELETE FROM spoiler_rules WHERE guild_id = ? AND rule_id = ?", (guild_id, rule_id))
        > 0
    )


async def add_allowed(db: Database, guild_id: int, phrase: str, added_by: int) -> bool:
    phrase = " ".join(phrase.split())
    return (
        await db.execute(
            "INSERT INTO spoiler_allow (guild_id, phrase_key, phrase, added_by) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (guild_id, phrase_key(phrase), phrase, added_by),
        )
        > 0
    )


async def remove_allowed(db: Database, guild_id: int, phrase: str) -> str | None:
    """Remove an allowed phrase (matched as the matcher would). Returns the phrase as stored, or None."""
    key = phrase_key(phrase)
    stored = await db.fetchval(
        "SELECT phrase FROM spoiler_allow WHERE guild_id = ? AND phrase_key = ?", (guild_id, key)
    )
    if stored is None:
        return None
    await db.execute("DELETE FROM spoiler_allow WHERE guild_id = ? AND phrase_key = ?", (guild_id, key))
    return str(stored)


async def mark_permission_warned(db: Database, guild_id: int, permission: str) -> bool:
    """Record that the mod log was told about a missing permission. False when it already was."""
    return (
        await db.execute(
            "INSERT INTO spoiler_permission_warnings (guild_id, permission) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (guild_id, permission),
        )
        > 0
    )


async def clear_permission_warned(db: Database, guild_id: int, permission: str) -> None:
    await db.execute(
        "DELETE FROM spoiler_permission_warnings WHERE guild_id = ? AND permission = ?",
        (guild_id, permission),
    )
