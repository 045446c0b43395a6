"""Checks every message (and edit) for spoilers, and the "Report spoiler" message command.

The common case (no spoiler) reads memory only: no database query, no await.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.canon.l10n import local_name
from bot.checks import is_moderator
from bot.client import Clematis, from_member
from bot.db import write_refusal
from bot.errors import UserError
from bot.guard.actions import Incident, SpoilerActions
from bot.guard.cache import SPOILER_STATE_CHANGED, spoiler_cache
from bot.guard.copies import purge_copies
from bot.guard.reports import forget_report, record_report
from bot.guard.state import Detection, GuildState
from bot.guard.views import CopyButton
from bot.i18n import N_, _, use_locale
from bot.i18n.server import server_locale
from bot.modlog import write_modlog

log = logging.getLogger(__name__)

REPORTS_PER_WINDOW = 3
REPORT_WINDOW_SECONDS = 60.0
REPORT_DONE = N_("Done, with this server's spoiler action. {outcome}")
REPORT_NOT_REMOVED = N_("I couldn't remove it. {outcome}")


class SpoilerGuard(commands.Cog):
    def __init__(self, bot: Clematis) -> None:
        self.bot = bot
        self.cache = spoiler_cache(bot)
        self.actions = SpoilerActions(bot, self.cache)
        self._parents: dict[int, int | None] = {}  # channel id -> parent id, for channels not in cache
        self._reports: dict[int, deque[float]] = {}
        self.report_menu = app_commands.ContextMenu(name="Report spoiler", callback=self.report_spoiler)
        self.report_menu.guild_only = True

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(CopyButton)
        self.bot.tree.add_command(self.report_menu)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Load every server's spoiler state once (until then, each server loads on its first message)."""
        if self.cache.loaded_all:
            return
        try:
            configured = await self.cache.load_all()
        except Exception:
            if self.bot.is_closed():  # stopped while starting: nothing to load into
                return
            raise
        log.info("spoiler guard: %d configured servers loaded", configured)
        await self.on_database_writable()

    @commands.Cog.listener()
    async def on_database_writable(self) -> None:
        """Purge expired spoiler copies: at start-up, and again when a database that refused writes takes them."""
        try:
            purged = await purge_copies(self.bot.db, now=datetime.now(UTC))
        except Exception as exc:
            if self.bot.is_closed():
                return
            if write_refusal(exc) is None:
                raise
            log.warning("spoiler guard: expired copies are purged once the database takes writes again")
            return
        log.info("spoiler guard: %d expired copies purged", purged)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(CopyButton)
        self.bot.tree.remove_command(self.report_menu.name, type=self.report_menu.type)
        await self.cache.close()

    # --- state events ------------------------------------------------------------------------------

    @commands.Cog.listener(f"on_{SPOILER_STATE_CHANGED}")
    async def on_spoiler_state_changed(self, guild_id: int) -> None:
        # Drop the state at once: a message arriving before the reload finishes waits for it instead of
        # being judged on the old state.
        self.cache.invalidate(guild_id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.cache.forget(guild.id)

    # --- checking messages -------------------------------------------------------------------------

    def passes_over_message(self, data: dict[str, Any]) -> bool:
        """From the raw event: a message that cannot spoil (no rule hit, or not a member's) is passed over
        before discord.py builds it (``Clematis._on_message_create``). The same decision as ``inspect``'s
        first step; memory only."""
        if not from_member(data):
            return True
        state = self.cache.state(int(data["guild_id"]))
        if state is None:  # not loaded yet: inspect loads it
            return False
        return not state.match(self.bot.canon.pack, data.get("content") or "", datetime.now(UTC).date())

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None or message.author.bot or message.webhook_id is not None:
            return
        await self.inspect(message, trigger="message")

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        # Embed unfurls also send MESSAGE_UPDATE; only a real edit sets edited_timestamp.
        if (
            payload.guild_id is None
            or not payload.data.get("edited_timestamp")
            or "content" not in payload.data
        ):
            return
        message = payload.message
        if message.author.bot or message.webhook_id is not None:
            return
        await self.inspect(message, trigger="edit")

    async def inspect(self, message: discord.Message, *, trigger: str) -> None:
        assert message.guild is not None
        state = self.cache.state(message.guild.id) or await self.cache.load(message.guild.id)
        pack = self.bot.canon.pack
        hits = state.match(pack, message.content, datetime.now(UTC).date())
        if not hits:
            return  # the common case ends here: memory only
        author = message.author
        if isinstance(author, discord.Member) and state.is_exempt([role.id for role in author.roles]):
            return
        channel_id, parent_id = await self._place_of(message.channel)
        detection = state.judge(pack, hits, channel_id, parent_id)
        if detection is None:
            return
        try:
            await self.actions.handle(Incident(message, detection, trigger), state)
        except Exception:
            if self.bot.is_closed():  # shutting down: the HTTP session is gone mid-action
                log.info("shutting down: the spoiler action on message %s was cut short", message.id)
                return
            raise

    async def _place_of(self, channel: discord.abc.MessageableChannel) -> tuple[int, int | None]:
        """(channel id, parent id when it is a thread), fetching a channel discord.py has not cached."""
        if isinstance(channel, discord.Thread):
            return channel.id, channel.parent_id
        if isinstance(channel, discord.abc.GuildChannel):
            return channel.id, None
        if channel.id not in self._parents:
            try:
                fetched = await self.bot.fetch_channel(channel.id)
            except discord.HTTPException:
                return channel.id, None
            self._parents[channel.id] = fetched.parent_id if isinstance(fetched, discord.Thread) else None
        return channel.id, self._parents[channel.id]

    # --- Report spoiler ----------------------------------------------------------------------------

    def _throttled(self, user_id: int) -> bool:
        now = time.monotonic()
        recent = self._reports.setdefault(user_id, deque())
        while recent and now - recent[0] > REPORT_WINDOW_SECONDS:
            recent.popleft()
        if len(recent) >= REPORTS_PER_WINDOW:
            return True
        recent.append(now)
        return False

    def _detect_any(self, state: GuildState, message: discord.Message) -> Detection | None:
        """What the rules find in a reported message: first a hit its place does not allow, else any hit."""
        pack = self.bot.canon.pack
        hits = state.match(pack, message.content, datetime.now(UTC).date())
        if not hits:
            return None
        parent_id = message.channel.parent_id if isinstance(message.channel, discord.Thread) else None
        found = state.judge(pack, hits, message.channel.id, parent_id)
        return found or Detection(hits[0].episode, hits[0].phrase, hits[0].source)

    async def report_spoiler(self, interaction: discord.Interaction, message: discord.Message) -> None:
        guild = interaction.guild
        if guild is None:
            raise UserError(_("Reporting spoilers only works in a server."))
        if message.author.bot or message.webhook_id is not None:
            raise UserError(
                _(
                    "That message comes from a bot or a webhook, so I can't act on it. "
                    "A moderator can delete it by hand."
                )
            )
        moderator = is_moderator(interaction)
        if not moderator and self._throttled(interaction.user.id):
            raise UserError(_("Thanks, but that's a lot of reports at once: give it a minute and try again."))
        await interaction.response.defer(ephemeral=True, thinking=True)
        state = await self.cache.load(guild.id)
        detection = self._detect_any(state, message)
        if moderator:
            outcome = await self.actions.handle(
                Incident(message, detection, "report", interaction.user), state
            )
            template = REPORT_DONE if outcome.removed or outcome.action == "flag" else REPORT_NOT_REMOVED
            await interaction.followup.send(_(template, outcome=outcome.summary), ephemeral=True)
            return
        first = await record_report(
            self.bot.db,
            guild_id=guild.id,
            channel_id=message.channel.id,
            message_id=message.id,
            reporter_id=interaction.user.id,
            episode_id=detection.episode if detection is not None else None,
            now=datetime.now(UTC),
        )
        if not first:
            await interaction.followup.send(
                _("You've already reported that message: the moderators have it. Thanks!"), ephemeral=True
            )
            return
        pack = self.bot.canon.pack
        values = {
            "reporter": interaction.user.mention,
            "author": message.author.mention,
            "channel": getattr(message.channel, "mention", f"<#{message.channel.id}>"),
            "url": message.jump_url,
        }
        with use_locale(await server_locale(self.bot.db, guild)):  # the mod log speaks the server's language
            if detection is not None and pack.has_episode(detection.episode):
                entry = _(
                    "📣 {reporter} reported a message by {author} in {channel} as a spoiler (it looks like a "
                    "spoiler for **{episode}**): {url}",
                    episode=discord.utils.escape_markdown(local_name(pack, pack.episode(detection.episode))),
                    **values,
                )
            else:
                entry = _(
                    "📣 {reporter} reported a message by {author} in {channel} as a spoiler: {url}", **values
                )
        posted = await write_modlog(self.bot, guild.id, entry)
        if posted is None:
            await forget_report(self.bot.db, message_id=message.id, reporter_id=interaction.user.id)
            await interaction.followup.send(
                _(
                    "Thanks for looking out for others. This server has no mod log set up, so I couldn't pass "
                    "your report on: please tell a moderator directly."
                ),
                ephemeral=True,
            )
            return
        await interaction.followup.send(_("Thanks! I've passed it on to the moderators."), ephemeral=True)


async def setup(bot: Clematis) -> None:
    await bot.add_cog(SpoilerGuard(bot))
