"""/timezone set|show|clear: a member's own time zone, used when they plan watch parties."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import Clematis
from bot.i18n import _
from bot.option_types import Pick
from bot.watchparty.parties import guild_default_zone, member_zone, set_member_zone
from bot.watchparty.zone_input import UseZoneButton, autocomplete_zone, read_zone, zone_summary


class TimeZones(
    commands.GroupCog, group_name="timezone", group_description="Your own time zone for watch parties"
):
    def __init__(self, bot: Clematis) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(UseZoneButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(UseZoneButton)

    @app_commands.command(name="set", description="Save your time zone, so times you type are read in it")
    @app_commands.describe(zone="A city (Seoul), a country or an IANA name (Asia/Seoul)")
    @app_commands.autocomplete(zone=autocomplete_zone)
    async def set_zone(self, interaction: discord.Interaction, zone: Pick) -> None:
        found = read_zone(zone).key
        await set_member_zone(self.bot.db, interaction.user.id, found)
        await interaction.response.send_message(
            _(
                "Saved: your time zone is {zone}. Times you type for watch parties are read in it.",
                zone=zone_summary(found),
            ),
            ephemeral=True,
        )

    @app_commands.command(name="show", description="Show the time zone your watch-party times are read in")
    async def show_zone(self, interaction: discord.Interaction) -> None:
        mine = await member_zone(self.bot.db, interaction.user.id)
        default = (
            await guild_default_zone(self.bot.db, interaction.guild_id) if interaction.guild_id else None
        )
        setter = self.bot.mention_command("timezone set")
        if mine:
            text = _("Your time zone is {zone}.", zone=zone_summary(mine))
        elif default:
            text = _(
                "You haven't saved a time zone, so this server's default is used: {zone}. Set your own with {command}.",
                zone=zone_summary(default),
                command=setter,
            )
        else:
            text = _(
                "You haven't saved a time zone. Set one with {command} (a city like `Seoul` works).",
                command=setter,
            )
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="clear", description="Forget your saved time zone")
    async def clear_zone(self, interaction: discord.Interaction) -> None:
        had = await member_zone(self.bot.db, interaction.user.id)
        await set_member_zone(self.bot.db, interaction.user.id, None)
        await interaction.response.send_message(
            _("Forgotten: I no longer have a time zone for you.")
            if had
            else _("You had no saved time zone."),
            ephemeral=True,
        )


async def setup(bot: Clematis) -> None:
    await bot.add_cog(TimeZones(bot))
