"""Who an answer is for and how far it may go: the lookups' view of `bot.horizon.horizon_in`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.canon.horizon import Horizon
from bot.canon.model import CanonPack
from bot.content_warnings import PUBLIC_CONTEXT, CardContext, server_card_settings
from bot.content_warnings.preferences import parse_topics
from bot.db import Database
from bot.horizon import ServerPlaces, horizon_from_ids, horizon_in


@dataclass(frozen=True, slots=True)
class Audience:
    horizon: Horizon  # what this answer may show
    personal: Horizon  # what the viewer may see in an answer only they see
    private: bool  # only the viewer sees the answer (ephemeral, or in DMs)
    has_progress: bool
    progress_command: str = "/progress"
    warnings: CardContext = PUBLIC_CONTEXT  # how content-warning cards are drawn for this answer


async def audience_for(
    db: Database,
    pack: CanonPack,
    *,
    user_id: int,
    server: ServerPlaces | None,
    guild_id: int | None,
    channel_id: int | None,
    parent_id: int | None,
    private: bool,
    progress_command: str = "/progress",
) -> Audience:
    """A public answer in a server shows ``.public`` (the viewer's progress within what this place
    allows); a private answer, and any answer in DMs, shows the viewer's own horizon.

    ``server`` is what the server makes public and where, from memory (None in DMs). The member's
    progress, and for a private answer the topics they want spelled out, are read in one query.
    """
    private = private or guild_id is None
    rows = await db.fetchall(
        "SELECT episode_id, NULL FROM member_progress WHERE user_id = ? "
        "UNION ALL SELECT NULL, cw_topics FROM member_preferences WHERE user_id = ? AND ? = 1",
        (user_id, user_id, int(private)),
    )
    known = [r[0] for r in rows if r[0] is not None and pack.has_episode(r[0])]
    progress = horizon_from_ids(pack, known) if known else None
    seen = horizon_in(pack, progress, server, channel_id=channel_id, parent_id=parent_id)
    # The member's own spelled-out topics only ever go into answers nobody else sees.
    plain = parse_topics(next((r[1] for r in rows if r[0] is None), None)) if private else frozenset()
    notes, support = await server_card_settings(db, guild_id) if guild_id is not None else ({}, None)
    return Audience(
        horizon=seen.personal if private else seen.public,
        personal=seen.personal,
        private=private,
        has_progress=seen.has_progress,
        progress_command=progress_command,
        warnings=CardContext(guild_notes=notes, support_message=support, plain_topics=plain),
    )
