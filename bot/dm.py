"""Direct messages to members, sent at most as often as their DMs allow.

When a DM fails because the member's DMs are closed (403 / 50007), that is recorded in
``member_preferences.dm_closed_at`` and further DMs are skipped for `DM_CLOSED_BACKOFF`: the bot never
retries a closed inbox in a loop. A DM that gets through clears the record.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.db import Database

if TYPE_CHECKING:
    from bot.client import Clematis

log = logging.getLogger(__name__)

DM_CLOSED_BACKOFF = timedelta(days=7)
CANNOT_MESSAGE_USER = 50007


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(raw: str | None) -> datetime | None:
    """A stored UTC instant ('YYYY-MM-DDTHH:MM:SSZ') as an aware datetime; None when absent or garbled."""
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def dms_closed_at(db: Database, user_id: int) -> datetime | None:
    raw = await db.fetchval("SELECT dm_closed_at FROM member_preferences WHERE user_id = ?", (user_id,))
    return parse_instant(raw)


async def dms_closed_recently(db: Database, user_id: int, now: datetime) -> bool:
    closed = await dms_closed_at(db, user_id)
    return closed is not None and now - closed < DM_CLOSED_BACKOFF


async def record_dms_closed(db: Database, user_id: int, now: datetime) -> None:
    await db.execute(
        "INSERT INTO member_preferences (user_id, dm_closed_at) VALUES (?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET dm_closed_at = excluded.dm_closed_at",
        (user_id, _stamp(now)),
    )


async def clear_dms_closed(db: Database, user_id: int) -> None:
    await db.execute("UPDATE member_preferences SET dm_closed_at = NULL WHERE user_id = ?", (user_id,))


async def wants_party_dms(db: Database, user_id: int, now: datetime | None = None) -> bool:
    """True when the member opted in to DMs before watch parties and their DMs are not known closed."""
    row = await db.fetchone(
        "SELECT dm_before_parties, dm_closed_at FROM member_preferences WHERE user_id = ?", (user_id,)
    )
    if row is None or not row["dm_before_parties"]:
        return False
    closed = parse_instant(row["dm_closed_at"])
    return closed is None or (now or datetime.now(UTC)) - closed >= DM_CLOSED_BACKOFF


async def dm_member(bot: Clematis, user_id: int, *, retry_closed: bool = False, **send_kwargs: Any) -> bool:
    """DM ``user_id`` (``send_kwargs`` go to ``Messageable.send``; mentions are off unless given).

    Skips (False) when their DMs were found closed within `DM_CLOSED_BACKOFF`, unless ``retry_closed``
    (the member just asked for a DM themselves). Records closed DMs; returns True when delivered.
    This does not check any opt-in: callers decide whether a DM is wanted (`wants_party_dms`).
    """
    now = datetime.now(UTC)
    if not retry_closed and await dms_closed_recently(bot.db, user_id, now):
        log.debug("not DMing %s: DMs closed recently", user_id)
        return False
    send_kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
    try:
        channel = await bot.create_dm(discord.Object(user_id))
        await channel.send(**send_kwargs)
    except discord.Forbidden as exc:
        log.info("DMs to %s are closed (%s); not retrying for %s", user_id, exc.code, DM_CLOSED_BACKOFF)
        await record_dms_closed(bot.db, user_id, now)
        return False
    except discord.HTTPException as exc:
        log.warning("could not DM %s: %s", user_id, exc)
        return False
    if await dms_closed_at(bot.db, user_id) is not None:
        await clear_dms_closed(bot.db, user_id)
    return True
