"""/about and /help."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import Clematis
from bot.help import Viewer, about_fields, help_lines, paginate_lines
from bot.i18n import _
from bot.privacy.answers import notice_line


class Meta(commands.Cog):
    def __init__(self, bot: Clematis) -> None:
        self.bot = bot

    @app_commands.command(name="about", description="What this bot is, its version and how it is doing")
    async def about(self, interaction: discord.Interaction) -> None:
        embed = discord.Embed(
            title="Clematis",
            description=_(
                "A spoiler-aware companion for *Alien Stage* fan servers: lookups, spoiler "
                "safety, content warnings and watch parties. Open source and self-hosted."
            ),
            colour=discord.Colour.from_str("#c8a2c8"),
        )
        for name, value in about_fields(self.bot):
            embed.add_field(name=name, value=value, inline=True)
        embed.add_field(
            name=_("Privacy"),
            value=notice_line(self.bot)
            + "\n"
            + _(
                "See what I store about you with {command}.", command=self.bot.mention_command("privacy show")
            ),
            inline=False,
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="help", description="The commands you can use here and what they do")
    async def help(self, interaction: discord.Interaction) -> None:
        viewer = Viewer(
            permissions=interaction.permissions,
            owner=await self.bot.is_owner(interaction.user),
            in_guild=interaction.guild_id is not None,
        )
        pages = paginate_lines(help_lines(self.bot, viewer))
        embeds = [
            discord.Embed(title=_("Clematis commands") if i == 0 else None, description=page)
            for i, page in enumerate(pages)
        ]
        await interaction.response.send_message(embeds=embeds, ephemeral=True)


async def setup(bot: Clematis) -> None:
    await bot.add_cog(Meta(bot))
