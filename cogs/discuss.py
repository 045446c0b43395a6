"""/discuss: find or open an episode's spoiler discussion thread; the gated "I've watched it" button."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.canon.l10n import local_name
from bot.canon.model import CanonPack, Episode
from bot.client import Clematis
from bot.content_warnings import card_embed, load_card_context
from bot.discussion import ThreadKeeper, discussion_settings, forget_thread
from bot.episodes import episode_choices, resolve_episode
from bot.errors import UserError
from bot.guard import invalidate_guild
from bot.horizon import member_progress
from bot.i18n import _
from bot.option_types import Pick
from bot.progress import advance_progress
from bot.ui import run_guarded

log = logging.getLogger(__name__)


def _title(pack: CanonPack, episode: Episode) -> str:
    return discord.utils.escape_markdown(local_name(pack, episode))


class WatchedButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"discuss:watched:(?P<guild_id>\d+):(?P<episode_id>[a-z0-9-]+)",
):
    """Adds the member who presses it to a gated episode thread and marks the episode as watched."""

    def __init__(self, guild_id: int, episode_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("I've watched it"),
                style=discord.ButtonStyle.success,
                custom_id=f"discuss:watched:{guild_id}:{episode_id}",
            )
        )
        self.guild_id = guild_id
        self.episode_id = episode_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> WatchedButton:
        return cls(int(match["guild_id"]), match["episode_id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_guarded(interaction, self.join(interaction))

    async def join(self, interaction: discord.Interaction) -> None:
        bot = interaction.client
        cog = bot.get_cog("Discuss") if isinstance(bot, Clematis) else None
        if not isinstance(bot, Clematis) or not isinstance(cog, Discuss):
            raise UserError(_("Discussion threads are not available right now."))
        guild = interaction.guild
        if guild is None or guild.id != self.guild_id:
            raise UserError(_("This button belongs to another server."))
        if not bot.canon.pack.has_episode(self.episode_id):
            raise UserError(_("That episode is no longer in the canon pack, so it has no thread."))
        episode = bot.canon.pack.episode(self.episode_id)
        await interaction.response.defer()
        thread = await cog.keeper.admit(guild, episode, interaction.user.id)
        marked = await advance_progress(bot.db, bot.canon.pack, interaction.user.id, episode.id)
        text = _("You're in: {thread}.", thread=thread.mention)
        if marked:
            text += " " + _("I've marked **{episode}** as watched.", episode=_title(bot.canon.pack, episode))
        await interaction.edit_original_response(content=text, view=None)


class Discuss(commands.Cog):
    def __init__(self, bot: Clematis) -> None:
        self.bot = bot
        self.keeper = ThreadKeeper(bot)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(WatchedButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(WatchedButton)

    async def autocomplete_episode(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return episode_choices(self.bot.canon, current)

    @app_commands.command(
        name="discuss", description="Find or open the spoiler discussion thread for an episode"
    )
    @app_commands.describe(episode="The episode to talk about (spoilers up to it are fine in its thread)")
    @app_commands.autocomplete(episode=autocomplete_episode)
    @app_commands.guild_only()
    async def discuss(self, interaction: discord.Interaction, episode: Pick) -> None:
        chosen = resolve_episode(
            self.bot.canon, episode, on_pick=self.open_thread, owner_id=interaction.user.id
        )
        await self.open_thread(interaction, chosen.id)

    async def open_thread(self, interaction: discord.Interaction, episode_id: str) -> None:
        guild = interaction.guild
        if guild is None:
            raise UserError(_("That only works in a server."))
        episode = self.bot.canon.pack.episode(episode_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.keeper.ensure(guild, episode)
        gated = (await discussion_settings(self.bot.db, guild.id)).gated
        ctx = await load_card_context(self.bot.db, guild.id, interaction.user.id)  # ephemeral: their topics
        card = card_embed(self.bot.canon.pack, [episode.id], ctx)
        thread, title = outcome.thread, _title(self.bot.canon.pack, episode)
        if gated:
            where = (
                _("The thread is private, so nobody lands in it by accident.")
                if thread.type == discord.ChannelType.private_thread
                else _(
                    "It is a forum post ({thread}); pressing the button adds it to your threads.",
                    thread=thread.mention,
                )
            )
            view = discord.ui.View(timeout=None)
            view.add_item(WatchedButton(guild.id, episode.id))
            await interaction.followup.send(
                _("**{episode}** is discussed openly in its thread.", episode=title)
                + f" {where} "
                + _(
                    "Check the warnings below, then press **{button}** to join (I'll mark {episode} as watched).",
                    button=_("I've watched it"),
                    episode=title,
                ),
                embed=card,
                view=view,
                ephemeral=True,
            )
            return
        lines = [
            _(
                "Here's the discussion thread for **{episode}**: {thread}",
                episode=title,
                thread=thread.mention,
            )
        ]
        if outcome.reopened:
            lines.append(_("It had been archived; I reopened it."))
        progress = await member_progress(self.bot.db, self.bot.canon.pack, interaction.user.id)
        if progress is None:
            lines.append(
                _(
                    "Heads up: I don't know how far you've watched, and the thread discusses **{episode}** openly.",
                    episode=title,
                )
            )
        elif not progress.allows(self.bot.canon.pack, episode.id):
            lines.append(
                _(
                    "Heads up: your progress says you haven't watched **{episode}** yet, and the thread "
                    "discusses it openly.",
                    episode=title,
                )
            )
        await interaction.followup.send("\n".join(lines), embed=card, ephemeral=True)

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        guild_id = await forget_thread(self.bot.db, payload.thread_id)
        if guild_id is not None:
            log.info("discussion thread %s was deleted in %s", payload.thread_id, guild_id)
            invalidate_guild(self.bot, guild_id)


async def setup(bot: Clematis) -> None:
    await bot.add_cog(Discuss(bot))
