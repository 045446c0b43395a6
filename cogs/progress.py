"""/progress: how far a member has watched (kept across servers; every answer is private)."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.canon.l10n import local_name
from bot.client import Clematis
from bot.episodes import episode_choices, resolve_episode
from bot.guard.cache import spoiler_cache
from bot.guard.render import horizon_lines, progress_lines
from bot.horizon import member_progress
from bot.i18n import _
from bot.progress import clear_progress, set_progress


class Progress(commands.GroupCog, group_name="progress", group_description="How far you've watched"):
    def __init__(self, bot: Clematis) -> None:
        self.bot = bot
        super().__init__()

    async def record(self, user_id: int, episode_id: str) -> str:
        pack = self.bot.canon.pack
        horizon = await set_progress(self.bot.db, pack, user_id, episode_id)
        episode = pack.episode(episode_id)
        lines = "\n".join(progress_lines(pack, horizon))
        saved = _(
            "Saved: you've watched up to **{episode}**. Anything later counts as a spoiler for you, in every server.",
            episode=local_name(pack, episode),
        )
        return f"{saved}\n{lines}"

    @app_commands.command(name="set", description="Tell me the last episode you've watched")
    @app_commands.describe(episode="The last episode you've seen (type to search)")
    async def set_(self, interaction: discord.Interaction, episode: app_commands.Range[str, 1, 100]) -> None:
        chosen = resolve_episode(
            self.bot.canon, episode, on_pick=self._record_pick, owner_id=interaction.user.id
        )
        await interaction.response.send_message(
            await self.record(interaction.user.id, chosen.id), ephemeral=True
        )

    async def _record_pick(self, interaction: discord.Interaction, episode_id: str) -> None:
        """A suggestion button was tapped: record that episode and turn the suggestions into the answer."""
        text = await self.record(interaction.user.id, episode_id)
        await interaction.response.edit_message(content=text, view=None)

    @set_.autocomplete("episode")
    async def _episodes(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return episode_choices(self.bot.canon, current)

    @app_commands.command(name="show", description="What you've told me you've watched")
    async def show(self, interaction: discord.Interaction) -> None:
        pack = self.bot.canon.pack
        progress = await member_progress(self.bot.db, pack, interaction.user.id)
        if progress is None:
            text = _(
                "You haven't told me how far you've watched. Use {command}.",
                command=self.bot.mention_command("progress set"),
            )
            if interaction.guild_id is not None:
                state = await spoiler_cache(self.bot).load(interaction.guild_id)
                state.refresh(pack, datetime.now(UTC).date())
                public = "\n".join(horizon_lines(pack, state.public_setting, state.public))
                text += "\n" + _("Until then I go by what this server made public:") + f"\n{public}"
            await interaction.response.send_message(text, ephemeral=True)
            return
        embed = discord.Embed(title=_("Your progress"), description="\n".join(progress_lines(pack, progress)))
        embed.set_footer(text=_("Kept across every server. /progress clear forgets it."))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="clear", description="Forget how far you've watched")
    async def clear(self, interaction: discord.Interaction) -> None:
        removed = await clear_progress(self.bot.db, interaction.user.id)
        text = (
            _("Done: I've forgotten your progress on every track.")
            if removed
            else _("There was nothing to forget: you hadn't set your progress.")
        )
        await interaction.response.send_message(text, ephemeral=True)


async def setup(bot: Clematis) -> None:
    await bot.add_cog(Progress(bot))
