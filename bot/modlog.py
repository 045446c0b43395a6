"""The server's mod-log channel: where every moderator change and every spoiler action is written."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.db import Database

if TYPE_CHECKING:
    from bot.client import Clematis

log = logging.getLogger(__name__)


async def modlog_channel_id(db: Database, guild_id: int) -> int | None:
    value = await db.fetchval("SELECT modlog_channel FROM guild_settings WHERE guild_id = ?", (guild_id,))
    return int(value) if value is not None else None


async def set_modlog_channel(db: Database, guild_id: int, channel_id: int | None) -> None:
    await db.execute(
        "INSERT INTO guild_settings (guild_id, modlog_channel) VALUES (?, ?) "
        "ON CONFLICT(guild_id) DO UPDATE SET modlog_channel = excluded.modlog_channel",
        (guild_id, channel_id),
    )


async def write_modlog(
    bot: Clematis,
    guild_id: int,
    text: str,
    *,
    embed: discord.Embed | None = None,
) -> discord.Message | None:
    """Post to the mod log if one is set. Never pings. Returns the message, or None when not posted."""
    channel_id = await modlog_channel_id(bot.db, guild_id)
    if channel_id is None:
        return None
    channel = bot.get_channel(channel_id)
    if not isinstance(channel, discord.abc.Messageable):
        log.warning("mod log channel %s of guild %s is gone", channel_id, guild_id)
        return None
    try:
        if embed is None:
            return await channel.send(text[:2000], allowed_mentions=discord.AllowedMentions.none())
        return await channel.send(text[:2000], embed=embed, allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException as exc:
        log.warning("could not write to mod log %s of guild %s: %s", channel_id, guild_id, exc)
        return None


async def edit_modlog(
    bot: Clematis, guild_id: int, entry: discord.Message, text: str
) -> discord.Message | None:
    """Rewrite a mod-log entry (an intent into what happened). If the edit fails, the text is posted as a
    new entry, so the outcome is never lost."""
    try:
        return await entry.edit(content=text[:2000], allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException as exc:
        log.warning("could not edit mod-log entry %s of guild %s: %s", entry.id, guild_id, exc)
        return await write_modlog(bot, guild_id, text)
