"""Members act only within their own reach: who may host a party, and where its announcement may go.

A member may announce a party only in a channel where they may send messages themselves (as Discord
reports their permissions there in the interaction), and only where the bot can post the announcement
(an embed with buttons). Pure functions over ``discord.Permissions``; the cog reads the permissions.
"""

from __future__ import annotations

from collections.abc import Iterable

import discord

from bot.i18n import N_, _
from bot.permissions import permission_name

# (attribute, the name Discord shows)
MEMBER_POST = (("view_channel", "View Channel"), ("send_messages", "Send Messages"))
MEMBER_POST_THREAD = (
    ("view_channel", "View Channel"),
    ("send_messages_in_threads", "Send Messages in Threads"),
)
BOT_POST = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
)
BOT_POST_THREAD = (
    ("view_channel", "View Channel"),
    ("send_messages_in_threads", "Send Messages in Threads"),
    ("embed_links", "Embed Links"),
)

MEMBER_CANNOT_POST = N_(
    "You can't announce a party in {channel}: you don't have **{permissions}** there. "
    "Nothing was scheduled: pick a channel where you may post, or ask a moderator."
)
BOT_CANNOT_POST = N_(
    "I can't announce a party in {channel}: I'm missing **{permissions}** there. "
    "Nothing was scheduled: a server admin can grant it to my role, or pick another channel."
)
MEMBER_CANNOT_SEE_VOICE = N_("You can't pick {channel} for the party: you can't see that channel.")


def missing(permissions: discord.Permissions, needed: Iterable[tuple[str, str]]) -> list[str]:
    """The shown names (in the current language) of the permissions in ``needed`` that ``permissions`` lacks."""
    return [permission_name(attribute) for attribute, _shown in needed if not getattr(permissions, attribute)]


def posting_problem(
    channel_mention: str,
    *,
    member: discord.Permissions,
    bot: discord.Permissions,
    thread: bool,
) -> str | None:
    """Why a party can't be announced in a channel (the member's reach first, then the bot's), or None."""
    lacking = missing(member, MEMBER_POST_THREAD if thread else MEMBER_POST)
    if lacking:
        return _(MEMBER_CANNOT_POST, channel=channel_mention, permissions=", ".join(lacking))
    lacking = missing(bot, BOT_POST_THREAD if thread else BOT_POST)
    if lacking:
        return _(BOT_CANNOT_POST, channel=channel_mention, permissions=", ".join(lacking))
    return None
