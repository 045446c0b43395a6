"""A server's choice for parties whose host deletes their data: hand them over (to a chosen member, or
to the server's moderators) or cancel them."""

from __future__ import annotations

from bot.db import Database
from bot.i18n import _

DEFAULT_POLICY = "handover"


async def save_policy(
    db: Database,
    guild_id: int,
    *,
    leaver_parties: str | None = None,
    handover_to: int | None = None,
    clear_handover: bool = False,
) -> bool:
    """Store what was given (None leaves a value as it is). Returns whether anything changed."""
    async with db.transaction() as conn:
        row = await conn.fetchone(
            "SELECT leaver_parties, handover_user_id FROM guild_privacy_settings WHERE guild_id = ?",
            (guild_id,),
        )
        policy, member = (row[0], row[1]) if row else (DEFAULT_POLICY, None)
        new_policy = leaver_parties or policy
        new_member = None if clear_handover else (handover_to if handover_to is not None else member)
        if row is not None and (new_policy, new_member) == (policy, member):
            return False
        if row is None and leaver_parties is None and handover_to is None:
            return False
        await conn.execute(
            "INSERT INTO guild_privacy_settings (guild_id, leaver_parties, handover_user_id) VALUES (?, ?, ?) "
            "ON CONFLICT(guild_id) DO UPDATE SET leaver_parties = excluded.leaver_parties, "
            "handover_user_id = excluded.handover_user_id",
            (guild_id, new_policy, new_member),
        )
    return True


async def describe_policy(db: Database, guild_id: int) -> str:
    row = await db.fetchone(
        "SELECT leaver_parties, handover_user_id FROM guild_privacy_settings WHERE guild_id = ?", (guild_id,)
    )
    policy, member = (row[0], row[1]) if row else (DEFAULT_POLICY, None)
    if policy == "cancel":
        return _(
            "When a member deletes their data with /privacy delete, the upcoming parties they host are "
            "cancelled (with their reminders and Discord events)."
        )
    if member is not None:
        return _(
            "When a member deletes their data with /privacy delete, the upcoming parties they host are "
            "handed over to {member} (or to the moderators, if it is that member who leaves).",
            member=f"<@{member}>",
        )
    return _(
        "When a member deletes their data with /privacy delete, the upcoming parties they host are handed "
        "over to this server's moderators, who can edit or cancel them."
    )
