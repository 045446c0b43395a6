"""A member's own content-warning preferences, the same in every server and never shown to others.

``cw_topics``: topics they want spelled out in their own ephemeral answers and DMs.
``dm_before_parties``: opt-in for a card by DM before watch parties they join.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.canon.warnings import TOPICS, TOPICS_BY_ID
from bot.db import Database
from bot.dm import parse_instant

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Preferences:
    cw_topics: frozenset[str] = frozenset()
    dm_before_parties: bool = False
    dm_closed_at: datetime | None = None


def forget_member(db: Database, user_id: int) -> None:
    """What lookups hold about the member (`bot.members`) is dropped once their topics change."""
    from bot.members import forget_member as forget  # bot.members reads topics with parse_topics

    forget(db, user_id)


def parse_topics(raw: str | None) -> frozenset[str]:
    """Stored JSON to known topic ids (unknown or malformed entries are dropped, not fatal)."""
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        log.warning("malformed cw_topics %r; treating as none", raw)
        return frozenset()
    if not isinstance(value, list):
        return frozenset()
    return frozenset(t for t in value if isinstance(t, str) and t in TOPICS_BY_ID)


def dump_topics(topics: Iterable[str]) -> str:
    """Known topics as JSON, in vocabulary order (so the stored form is stable)."""
    wanted = set(topics)
    return json.dumps([t.id for t in TOPICS if t.id in wanted])


async def get_preferences(db: Database, user_id: int) -> Preferences:
    row = await db.fetchone(
        "SELECT cw_topics, dm_before_parties, dm_closed_at FROM member_preferences WHERE user_id = ?",
        (user_id,),
    )
    if row is None:
        return Preferences()
    return Preferences(
        parse_topics(row["cw_topics"]), bool(row["dm_before_parties"]), parse_instant(row["dm_closed_at"])
    )


async def plain_topics(db: Database, user_id: int) -> frozenset[str]:
    raw = await db.fetchval("SELECT cw_topics FROM member_preferences WHERE user_id = ?", (user_id,))
    return parse_topics(raw)


async def set_cw_topics(db: Database, user_id: int, topics: Iterable[str]) -> frozenset[str]:
    """Replace the member's spelled-out topics (unknown ids ignored). Returns what was stored."""
    stored = dump_topics(topics)
    await db.execute(
        "INSERT INTO member_preferences (user_id, cw_topics) VALUES (?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET cw_topics = excluded.cw_topics",
        (user_id, stored),
    )
    forget_member(db, user_id)
    return parse_topics(stored)


async def set_party_dms(db: Database, user_id: int, enabled: bool) -> None:
    await db.execute(
        "INSERT INTO member_preferences (user_id, dm_before_parties) VALUES (?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET dm_before_parties = excluded.dm_before_parties",
        (user_id, int(enabled)),
    )


async def clear_preferences(db: Database, user_id: int) -> None:
    """Forget the member's content-warning choices (their time zone, kept by another feature, stays)."""
    await db.execute(
        "UPDATE member_preferences SET cw_topics = '[]', dm_before_parties = 0 WHERE user_id = ?", (user_id,)
    )
    forget_member(db, user_id)
