"""Who an answer is for and how far it may go: the lookups' view of `bot.horizon.viewer_horizon`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.canon.horizon import Horizon
from bot.canon.model import CanonPack
from bot.content_warnings import PUBLIC_CONTEXT, CardContext, load_card_context
from bot.db import Database
from bot.horizon import viewer_horizon


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
    guild_id: int | None,
    channel_id: int | None,
    parent_id: int | None,
    private: bool,
    today: date,
    progress_command: str = "/progress",
) -> Audience:
    """A public answer in a server shows ``.public`` (the viewer's progress within what this place
    allows); a private answer, and any answer in DMs, shows the viewer's own horizon."""
    seen = await viewer_horizon(
        db, pack, user_id=user_id, guild_id=guild_id, channel_id=channel_id, parent_id=parent_id, today=today
    )
    private = private or guild_id is None
    # The member's own spelled-out topics only ever go into answers nobody else sees.
    warnings = await load_card_context(db, guild_id, user_id if private else None)
    return Audience(
        horizon=seen.personal if private else seen.public,
        personal=seen.personal,
        private=private,
        has_progress=seen.has_progress,
        progress_command=progress_command,
        warnings=warnings,
    )
