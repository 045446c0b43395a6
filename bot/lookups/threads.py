"""Discussion threads that other features create per episode, as lookups link to them."""

from __future__ import annotations

from bot.db import Database


async def discussion_thread(db: Database, guild_id: int | None, episode_id: str) -> int | None:
    """The id of the server's discussion thread for the episode, if one exists."""
    if guild_id is None:
        return None
    value = await db.fetchval(
        "SELECT thread_id FROM discussion_threads WHERE guild_id = ? AND episode_id = ?",
        (guild_id, episode_id),
    )
    return int(value) if value is not None else None
