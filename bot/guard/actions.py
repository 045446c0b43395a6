"""What the bot does about a spoiler: nudge, repost or flag, always writing the mod log first.

Missing permissions downgrade the action to flag, and the mod log is told once per server per missing
permission (persisted, cleared when the permission works again).
"""

from __future__ import annotations

import io
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import discord

from bot.guard.cache import SpoilerCache
from bot.guard.copies import RemovedCopy, save_copy
from bot.guard.repost import repost_messages, webhook_username
from bot.guard.settings import clear_permission_warned, mark_permission_warned
from bot.guard.state import Detection, GuildState
from bot.i18n import N_, _, use_locale
from bot.i18n.server import server_locale
from bot.modlog import write_modlog
from bot.spoilers import escape_spoiler

if TYPE_CHECKING:
    from bot.client import Clematis

log = logging.getLogger(__name__)

NOTICE_SECONDS = 30.0

PERMISSION_NAMES = {"manage_messages": "Manage Messages", "manage_webhooks": "Manage Webhooks"}
ACTION_NEEDS: dict[str, tuple[str, ...]] = {
    "nudge": ("manage_messages",),
    "repost": ("manage_messages", "manage_webhooks"),
    "flag": (),
}
ACTION_LABELS = {
    "nudge": N_("removed, author nudged"),
    "repost": N_("reposted with spoiler tags"),
    "flag": N_("flagged for moderators"),
}


def effective_action(action: str, permissions: discord.Permissions) -> tuple[str, list[str]]:
    """The action the bot can carry out with ``permissions``, and the permissions it lacks for ``action``."""
    missing = [name for name in ACTION_NEEDS.get(action, ()) if not getattr(permissions, name)]
    return ("flag" if missing else action), missing


@dataclass(frozen=True, slots=True)
class Incident:
    """A message to act on. ``detection`` is None when a moderator reported it and no rule matched."""

    message: discord.Message
    detection: Detection | None
    trigger: str = "message"  # "message", "edit" or "report"
    reporter: discord.abc.User | None = None


class SpoilerActions:
    def __init__(self, bot: Clematis, cache: SpoilerCache) -> None:
        self.bot = bot
        self.cache = cache
        self._webhooks: dict[int, discord.Webhook] = {}
        self._warning: set[tuple[int, str]] = set()
        self._recent_flags: OrderedDict[tuple[int, str | None], None] = OrderedDict()

    # --- entry point -------------------------------------------------------------------------------

    async def handle(self, incident: Incident, state: GuildState) -> str:
        """Carry out the server's action on ``incident``. Returns the action taken ("nudge", "repost",
        "flag"), or "none" when the message could not be removed (already gone, or a permission lost)."""
        message = incident.message
        guild = message.guild
        assert guild is not None
        wanted = state.config.action
        action, missing = effective_action(wanted, self._permissions(message.channel))
        for permission in missing:
            await self._warn_missing(guild.id, message.channel, permission, wanted, state)
        if action == "flag":
            key = (message.id, incident.detection.episode if incident.detection else None)
            if key in self._recent_flags and incident.trigger == "edit":
                return "flag"  # an edit that keeps the same spoiler is not news
            self._remember_flag(key)
        await write_modlog(
            self.bot, guild.id, self._modlog_text(incident, action), embed=self._modlog_embed(incident)
        )
        if action == "flag":
            return "flag"
        if action == "repost" and not message.content and not message.attachments:
            action = "nudge"
        done = await (self._repost(incident, state) if action == "repost" else self._nudge(incident, state))
        return action if done else "none"

    # --- permissions ------------------------------------------------------------------------------

    def _permissions(self, channel: discord.abc.MessageableChannel) -> discord.Permissions:
        guild = getattr(channel, "guild", None)
        me = guild.me if guild is not None else None
        if me is None or not hasattr(channel, "permissions_for"):
            return discord.Permissions.all()  # unknown: try, and learn from a 403
        try:
            return channel.permissions_for(me)
        except discord.ClientException:  # a thread whose parent is not cached
            return discord.Permissions.all()

    async def _warn_missing(
        self,
        guild_id: int,
        channel: discord.abc.MessageableChannel,
        permission: str,
        wanted: str,
        state: GuildState,
    ) -> None:
        """Tell the mod log once. Until it has been told (no mod log yet), every spoiler tries again."""
        key = (guild_id, permission)
        if permission in state.config.warned_permissions or key in self._warning:
            return
        self._warning.add(key)  # two spoilers at once must not both warn
        try:
            where = getattr(channel, "mention", "a channel")
            posted = await write_modlog(
                self.bot,
                guild_id,
                f"⚠️ I can't {wanted} spoilers in {where}: I'm missing the **{PERMISSION_NAMES[permission]}** "
                f"permission there, so I only flag them here. Grant it to my role (server or channel settings) "
                f"and I'll {wanted} them again. (I say this once.)",
            )
            if posted is not None:
                await mark_permission_warned(self.bot.db, guild_id, permission)
                await self.cache.reload(guild_id)
        finally:
            self._warning.discard(key)

    async def _permission_works(self, guild_id: int, permission: str, state: GuildState) -> None:
        """The permission worked: a later loss is news again."""
        if permission in state.config.warned_permissions:
            await clear_permission_warned(self.bot.db, guild_id, permission)
            await self.cache.reload(guild_id)

    async def _lost_permission(self, incident: Incident, permission: str) -> None:
        message = incident.message
        assert message.guild is not None
        state = await self.cache.load(message.guild.id)
        await self._warn_missing(message.guild.id, message.channel, permission, state.config.action, state)

    def _remember_flag(self, key: tuple[int, str | None]) -> None:
        self._recent_flags[key] = None
        while len(self._recent_flags) > 2000:
            self._recent_flags.popitem(last=False)

    # --- mod log ----------------------------------------------------------------------------------

    def _episode_title(self, detection: Detection | None) -> str | None:
        if detection is None:
            return None
        pack = self.bot.canon.pack
        return (
            pack.episode(detection.episode).title
            if pack.has_episode(detection.episode)
            else detection.episode
        )

    def _modlog_text(self, incident: Incident, action: str) -> str:
        message = incident.message
        title = self._episode_title(incident.detection)
        what = f"Spoiler for **{discord.utils.escape_markdown(title)}**" if title else "Reported spoiler"
        channel = getattr(message.channel, "mention", f"<#{message.channel.id}>")
        edited = " (edited message)" if incident.trigger == "edit" else ""
        reported = f", reported by {incident.reporter.mention}" if incident.reporter is not None else ""
        icon = "🚩" if action == "flag" else "🧹"
        return (
            f"{icon} {what} by {message.author.mention} in {channel}{edited}{reported}: "
            f"{ACTION_LABELS[action]}. {message.jump_url}"
        )

    def _modlog_embed(self, incident: Incident) -> discord.Embed:
        message = incident.message
        text = message.content or "*(no text)*"
        body = f"||{escape_spoiler(text[:1500])}||" + (" …" if len(text) > 1500 else "")
        embed = discord.Embed(description=body, timestamp=message.created_at)
        embed.set_author(name=f"{message.author} ({message.author.id})")
        detection = incident.detection
        if detection is not None:
            rule = "canon pack" if detection.source == "canon" else f"server rule ({detection.source})"
            embed.add_field(
                name="Matched", value=f"||{escape_spoiler(detection.phrase)}|| · {rule}", inline=False
            )
        if message.attachments:
            embed.add_field(
                name="Attachments",
                value=", ".join(discord.utils.escape_markdown(a.filename) for a in message.attachments)[
                    :1000
                ],
                inline=False,
            )
        return embed

    # --- nudge ------------------------------------------------------------------------------------

    async def _delete(self, incident: Incident, state: GuildState) -> bool:
        """Delete the message. False when it could not be (the mod log is told why)."""
        try:
            await incident.message.delete()
        except discord.NotFound:
            return False  # already gone
        except discord.Forbidden:
            await self._lost_permission(incident, "manage_messages")
            return False
        assert incident.message.guild is not None
        await self._permission_works(incident.message.guild.id, "manage_messages", state)
        return True

    async def _nudge(self, incident: Incident, state: GuildState) -> bool:
        message = incident.message
        assert message.guild is not None
        notice_id = message.id
        await save_copy(
            self.bot.db,
            RemovedCopy(
                notice_id,
                message.guild.id,
                message.channel.id,
                message.author.id,
                incident.detection.episode if incident.detection else None,
                message.content,
            ),
            now=datetime.now(UTC),
        )
        if not await self._delete(incident, state):
            return False
        from bot.guard.views import copy_button_view

        # Posted in the channel for everyone to see: the server's language.
        with use_locale(await server_locale(self.bot.db, message.guild)):
            text, view = self._nudge_text(incident), copy_button_view(notice_id)

        try:
            await message.channel.send(
                text,
                view=view,
                allowed_mentions=discord.AllowedMentions(users=[message.author], everyone=False, roles=False),
                delete_after=NOTICE_SECONDS,
            )
        except discord.HTTPException as exc:
            log.warning("could not post a spoiler notice in channel %s: %s", message.channel.id, exc)
        return True

    def _nudge_text(self, incident: Incident) -> str:
        message = incident.message
        title = self._episode_title(incident.detection)
        if title:
            title = discord.utils.escape_markdown(title)
        edited = incident.trigger == "edit"
        if title and edited:
            said = _(
                "{author}, I removed your edited message: it spoils **{episode}**, which isn't public here yet.",
                author=message.author.mention,
                episode=title,
            )
        elif title:
            said = _(
                "{author}, I removed your message: it spoils **{episode}**, which isn't public here yet.",
                author=message.author.mention,
                episode=title,
            )
        elif edited:
            said = _(
                "{author}, I removed your edited message: a moderator marked it as a spoiler.",
                author=message.author.mention,
            )
        else:
            said = _(
                "{author}, I removed your message: a moderator marked it as a spoiler.",
                author=message.author.mention,
            )
        return (
            said
            + " "
            + _("Put spoilers inside `||spoiler tags||`. The button gives you a tagged copy to post again.")
        )

    # --- repost -----------------------------------------------------------------------------------

    async def _read_attachments(self, message: discord.Message) -> tuple[list[tuple[str, bytes]], list[str]]:
        limit = message.guild.filesize_limit if message.guild is not None else 10 * 1024 * 1024
        files: list[tuple[str, bytes]] = []
        skipped: list[str] = []
        for attachment in message.attachments:
            if attachment.size > limit:
                skipped.append(attachment.filename)
                continue
            try:
                files.append((attachment.filename, await attachment.read()))
            except discord.HTTPException:
                skipped.append(attachment.filename)
        return files, skipped

    async def _webhook_for(self, channel: discord.abc.MessageableChannel) -> discord.Webhook | None:
        target: object = channel
        if isinstance(channel, discord.Thread):
            target = channel.parent or self.bot.get_channel(channel.parent_id)
            if target is None:
                target = await self.bot.fetch_channel(channel.parent_id)
        if not isinstance(target, discord.TextChannel | discord.ForumChannel | discord.VoiceChannel):
            return None
        hook = self._webhooks.get(target.id)
        if hook is not None:
            return hook
        me = self.bot.user
        assert me is not None
        name = webhook_username(me.display_name)
        for existing in await target.webhooks():
            if (
                existing.user is not None
                and existing.user.id == me.id
                and existing.token
                and existing.name == name
            ):
                hook = existing
                break
        else:
            hook = await target.create_webhook(name=name, reason="Reposting spoilers with spoiler tags")
        self._webhooks[target.id] = hook
        return hook

    async def _repost(self, incident: Incident, state: GuildState) -> bool:
        message = incident.message
        assert message.guild is not None
        try:
            hook = await self._webhook_for(message.channel)
        except discord.Forbidden:
            await self._lost_permission(incident, "manage_webhooks")
            return False
        if hook is None:
            return await self._nudge(incident, state)
        await self._permission_works(message.guild.id, "manage_webhooks", state)
        files, skipped = await self._read_attachments(message)
        if not await self._delete(incident, state):
            return False
        title = self._episode_title(incident.detection)
        footer = f"Reposted with spoiler tags by {self.bot.user.display_name if self.bot.user else 'the bot'}"
        footer += f" · spoils {discord.utils.escape_markdown(title)}" if title else ""
        if skipped:
            footer += f" · {len(skipped)} attachment(s) too large to repost"
        reference = message.reference
        reply_url = reference.jump_url if reference is not None and reference.message_id else None
        texts = repost_messages(message.content, reply_url=reply_url, footer=footer)
        author = message.author
        thread = message.channel if isinstance(message.channel, discord.Thread) else discord.utils.MISSING
        for i, text in enumerate(texts):
            for attempt in (1, 2):
                uploads = [
                    discord.File(io.BytesIO(data), filename=name, spoiler=True)
                    for name, data in files
                    if i == 0
                ]
                try:
                    await hook.send(
                        text,
                        username=webhook_username(author.display_name),
                        avatar_url=author.display_avatar.url,
                        files=uploads,
                        allowed_mentions=discord.AllowedMentions.none(),
                        thread=thread,
                    )
                    break
                except discord.NotFound:  # someone deleted the webhook: make a new one and try again
                    self._webhooks.pop(hook.channel_id or 0, None)
                    new_hook = await self._webhook_for(message.channel) if attempt == 1 else None
                    if new_hook is None:
                        log.warning(
                            "could not repost a spoiler in channel %s: webhook gone", message.channel.id
                        )
                        return True
                    hook = new_hook
        return True
