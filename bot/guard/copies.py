"""Copies of removed messages, so their authors can repost them with spoiler tags (kept a day)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.db import Database
from bot.spoilers import escape_spoiler

COPY_LIFETIME = timedelta(days=1)
MESSAGE_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class RemovedCopy:
    notice_id: int
    guild_id: int
    channel_id: int
    author_id: int
    episode_id: str | None
    content: str


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def save_copy(db: Database, copy: RemovedCopy, *, now: datetime) -> None:
    """Keep the removed text (and drop copies past their lifetime)."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM spoiler_copies WHERE created_at < ?", (_stamp(now - COPY_LIFETIME),))
        await conn.execute(
            "INSERT INTO spoiler_copies "
            "(notice_id, guild_id, channel_id, author_id, episode_id, content, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (notice_id) DO UPDATE SET guild_id = excluded.guild_id, "
            "channel_id = excluded.channel_id, author_id = excluded.author_id, episode_id = excluded.episode_id, "
            "content = excluded.content, created_at = excluded.created_at",
            (
                copy.notice_id,
                copy.guild_id,
                copy.channel_id,
                copy.author_id,
                copy.episode_id,
                copy.content,
                _stamp(now),
            ),
        )


async def load_copy(db: Database, notice_id: int, *, now: datetime) -> RemovedCopy | None:
    """The copy behind a notice, or None when it expired (or never existed)."""
    row = await db.fetchone(
        "SELECT notice_id, guild_id, channel_id, author_id, episode_id, content FROM spoiler_copies "
        "WHERE notice_id = ? AND created_at >= ?",
        (notice_id, _stamp(now - COPY_LIFETIME)),
    )
    if row is None:
        return None
    return RemovedCopy(
        row["notice_id"],
        row["guild_id"],
        row["channel_id"],
        row["author_id"],
        row["episode_id"],
        row["content"],
    )


async def purge_copies(db: Database, *, now: datetime) -> int:
    return await db.execute("DELETE FROM spoiler_copies WHERE created_at < ?", (_stamp(now - COPY_LIFETIME),))


def tagged_text(content: str) -> str:
    """``content`` inside one spoiler tag that its own text cannot break out of."""
    return f"||{escape_spoiler(content)}||"


def fits_in_message(tagged: str, *, limit: int = MESSAGE_LIMIT) -> bool:
    """Whether the tagged copy can be the whole content of a message (else it goes in a file)."""
    return len(tagged) <= limit
