"""/server-language: the language of this server's public posts (moderators)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import moderator_only
from bot.client import Clematis
from bot.errors import UserError
from bot.i18n import _, use_locale
from bot.i18n.server import (
    choosable_locales,
    effective_label,
    language_name,
    parse_language,
    server_locale,
    set_language,
)
from bot.modlog import write_modlog
from bot.option_types import Pick

AUTO = "auto"


class Language(commands.Cog):
    def __init__(self, bot: Clematis) -> None:
        self.bot = bot

    @app_commands.command(
        name="server-language",
        description="The language of public posts here: announcements, reminders, notices (moderators)",
    )
    @app_commands.describe(language="A language, or `auto` for the server's Discord language; empty shows it")
    @moderator_only()
    async def server_language(self, interaction: discord.Interaction, language: Pick | None = None) -> None:
        guild = interaction.guild
        assert guild is not None  # guild_only
        if language is None:
            current = await server_locale(self.bot.db, guild)
            await interaction.response.send_message(
                _("Public posts here are in **{language}**.", language=effective_label(current)),
                ephemeral=True,
            )
            return
        if language.strip().casefold() == AUTO:
            chosen: str | None = None
        else:
            chosen = parse_language(language)
            if chosen is None:
                names = ", ".join(f"`{code}` ({language_name(code)})" for code in choosable_locales())
                raise UserError(
                    _(
                        "I don't have a catalogue for `{typed}`. Choose one of: {names}, or `auto`.",
                        typed=language.strip()[:40].replace("`", "'"),
                        names=names,
                    )
                )
        await set_language(self.bot.db, guild.id, chosen, set_by=interaction.user.id)
        effective = await server_locale(self.bot.db, guild)
        await interaction.response.send_message(
            _(
                "Public posts here (announcements, reminders, thread openers, notices) are now in **{language}**.",
                language=effective_label(effective),
            ),
            ephemeral=True,
        )
        with use_locale(effective):
            await write_modlog(
                self.bot,
                guild.id,
                _(
                    "🌐 {moderator} set the server language for public posts to **{language}**.",
                    moderator=interaction.user.mention,
                    language=effective_label(effective),
                ),
            )

    @server_language.autocomplete("language")
    async def language_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.strip().casefold()
        options = [(_("Automatic: the server's Discord language"), AUTO)] + [
            (f"{language_name(code)} ({code})", code) for code in choosable_locales()
        ]
        return [
            app_commands.Choice(name=name[:100], value=value)
            for name, value in options
            if not typed or typed in name.casefold() or typed in value.casefold()
        ][:25]


async def setup(bot: Clematis) -> None:
    await bot.add_cog(Language(bot))
