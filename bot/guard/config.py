"""A server's spoiler configuration as stored: read in one go per server (or for every server at start-up)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from bot.db import Database
from bot.guard.rules import stored_rule
from bot.spoilers import Rule

ACTIONS: tuple[str, ...] = ("nudge", "repost", "flag")
DEFAULT_ACTION = "nudge"


@dataclass(frozen=True, slots=True)
class GuildConfig:
    """Everything the spoiler guard needs to know about one server, as the database holds it.

    Episode ids are kept as stored: they are resolved against whatever canon pack is live when the
    rules are compiled, so a pack reload never needs a database read.
    """

    guild_id: int
    public_episodes: tuple[str, ...] = ()  # guild_horizons: last public episode per track
    window_days: int | None = None
    action: str = DEFAULT_ACTION
    discussion_channel: int | None = None
    gated_threads: bool = False
    spoiler_channels: frozenset[int] = frozenset()
    exempt_roles: frozenset[int] = frozenset()
    threads: Mapping[int, str] = field(default_factory=lambda: MappingProxyType({}))  # thread id -> episode
    rules: tuple[Rule, ...] = ()  # the moderators' own rules
    allow: tuple[str, ...] = ()  # phrases never to flag
    warned_permissions: frozenset[str] = frozenset()
    modlog_channel: int | None = None  # moderators talk about spoilers there: it counts as a spoiler place


# One query per table; each returns (guild_id, ...) rows. `where` is either "" or a guild filter.
_QUERIES: dict[str, str] = {
    "horizons": "SELECT guild_id, episode_id FROM guild_horizons{where} ORDER BY track",
    "settings": "SELECT guild_id, release_window_days, action, discussion_channel, gated_threads "
    "FROM guild_spoiler_settings{where}",
    "channels": "SELECT guild_id, channel_id FROM spoiler_channels{where}",
    "exempt": "SELECT guild_id, role_id FROM spoiler_exempt_roles{where}",
    "threads": "SELECT guild_id, thread_id, episode_id FROM discussion_threads{where}",
    "rules": "SELECT guild_id, rule_id, episode_id, phrase, added_by FROM spoiler_rules{where} ORDER BY rule_id",
    "allow": "SELECT guild_id, phrase FROM spoiler_allow{where} ORDER BY created_at, phrase_key",
    "warned": "SELECT guild_id, permission FROM spoiler_permission_warnings{where}",
    "modlog": "SELECT guild_id, modlog_channel FROM guild_settings{where}",
}


async def _rows(db: Database, guild_id: int | None) -> dict[str, list[Any]]:
    where, params = (" WHERE guild_id = ?", (guild_id,)) if guild_id is not None else ("", ())
    return {name: await db.fetchall(sql.format(where=where), params) for name, sql in _QUERIES.items()}


def _build(guild_ids: Iterable[int], rows: dict[str, list[Any]]) -> dict[int, GuildConfig]:
    parts: dict[int, dict[str, Any]] = {}

    def part(gid: int) -> dict[str, Any]:
        if gid not in parts:
            parts[gid] = {
                "public": [],
                "channels": set(),
                "exempt": set(),
                "threads": {},
                "rules": [],
                "allow": [],
                "warned": set(),
            }
        return parts[gid]

    for gid in guild_ids:
        part(gid)
    for r in rows["horizons"]:
        part(r["guild_id"])["public"].append(r["episode_id"])
    for r in rows["settings"]:
        part(r["guild_id"])["settings"] = r
    for r in rows["channels"]:
        part(r["guild_id"])["channels"].add(r["channel_id"])
    for r in rows["exempt"]:
        part(r["guild_id"])["exempt"].add(r["role_id"])
    for r in rows["threads"]:
        part(r["guild_id"])["threads"][r["thread_id"]] = r["episode_id"]
    for r in rows["rules"]:
        source = f"mod:{r['added_by']}" if r["added_by"] is not None else "mod"
        part(r["guild_id"])["rules"].append(stored_rule(r["episode_id"], r["phrase"], source, r["rule_id"]))
    for r in rows["allow"]:
        part(r["guild_id"])["allow"].append(r["phrase"])
    for r in rows["warned"]:
        part(r["guild_id"])["warned"].add(r["permission"])
    for r in rows["modlog"]:
        if r["modlog_channel"] is not None:
            part(r["guild_id"])["modlog"] = r["modlog_channel"]

    configs = {}
    for gid, p in parts.items():
        settings = p.get("settings")
        configs[gid] = GuildConfig(
            guild_id=gid,
            public_episodes=tuple(p["public"]),
            window_days=settings["release_window_days"] if settings else None,
            action=settings["action"] if settings else DEFAULT_ACTION,
            discussion_channel=settings["discussion_channel"] if settings else None,
            gated_threads=bool(settings["gated_threads"]) if settings else False,
            spoiler_channels=frozenset(p["channels"]),
            exempt_roles=frozenset(p["exempt"]),
            threads=MappingProxyType(dict(p["threads"])),
            rules=tuple(p["rules"]),
            allow=tuple(p["allow"]),
            warned_permissions=frozenset(p["warned"]),
            modlog_channel=p.get("modlog"),
        )
    return configs


async def load_guild_config(db: Database, guild_id: int) -> GuildConfig:
    """One server's configuration (defaults when it never configured anything)."""
    return _build([guild_id], await _rows(db, guild_id))[guild_id]


async def load_all_configs(db: Database) -> dict[int, GuildConfig]:
    """Every server that has configured anything; any other server has the default ``GuildConfig``."""
    return _build([], await _rows(db, None))
