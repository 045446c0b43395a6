"""Members' "Report spoiler" reports: one mod-log post per member per message (kept 30 days, see
`bot.privacy.registry`)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.db import Database


async def record_report(
    db: Database,
    *,
    guild_id: int,
    channel_id: int,
    message_id: int,
    reporter_id: int,
    episode_id: str | None,
    now: datetime,
) -> bool:
    """Remember the report. False when this member had already reported this message."""
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    added = await db.execute(
        "INSERT INTO spoiler_reports (guild_id, channel_id, message_id, reporter_id, episode_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (message_id, reporter_id) DO NOTHING",
        (guild_id, channel_id, message_id, reporter_id, episode_id, stamp),
    )
    return added == 1


async def forget_report(db: Database, *, message_id: int, reporter_id: int) -> None:
    """The report could not be passed on: let the member try again later."""
    await db.execute(
        "DELETE FROM spoiler_reports WHERE message_id = ? AND reporter_id = ?", (message_id, reporter_id)
    )
