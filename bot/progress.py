"""Member progress: the last episode a member has watched on each track, kept across servers."""

from __future__ import annotations

from bot.canon.horizon import Horizon, horizon_through
from bot.canon.model import CanonPack
from bot.db import Database, utc_text
from bot.members import forget_member


async def set_progress(db: Database, pack: CanonPack, user_id: int, episode_id: str) -> Horizon:
    """Record that the member has watched up to ``episode_id`` (on its track, and what it requires).

    On the episode's own track this may move backwards (a member corrects a mistake); on tracks it
    merely requires (a webcomic requires ROUND 6) progress only ever moves forwards.
    Returns the member's new horizon.
    """
    from bot.horizon import member_progress

    own_track, _ = pack.position(episode_id)
    current = await member_progress(db, pack, user_id) or Horizon()
    reach = horizon_through(pack, episode_id)
    updated = dict(current)
    for track, index in reach.items():
        updated[track] = index if track == own_track else max(index, current.get(track, -1))
    async with db.transaction() as conn:
        for track, index in updated.items():
            if current.get(track) == index:
                continue
            last = pack.episodes_in_order(track)[index].id
            await conn.execute(
                "INSERT INTO member_progress (user_id, track, episode_id, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(user_id, track) DO UPDATE SET episode_id = excluded.episode_id, "
                "updated_at = excluded.updated_at",
                (user_id, track, last, utc_text()),
            )
    forget_member(db, user_id)  # progress is global: other processes' servers see it too
    return Horizon(updated)


async def advance_progress(db: Database, pack: CanonPack, user_id: int, episode_id: str) -> bool:
    """Like set_progress but never moves backwards ("Mark as watched"). Returns True when it changed."""
    from bot.horizon import member_progress

    current = await member_progress(db, pack, user_id)
    if current is not None and current.allows(pack, episode_id):
        return False
    await set_progress(db, pack, user_id, episode_id)
    return True


async def clear_progress(db: Database, user_id: int) -> int:
    removed = await db.execute("DELETE FROM member_progress WHERE user_id = ?", (user_id,))
    forget_member(db, user_id)
    return removed
