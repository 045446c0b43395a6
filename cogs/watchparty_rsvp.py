"""/watchparty list|info|export, and the persistent RSVP and calendar buttons of announcements."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import Clematis
from bot.errors import UserError
from bot.guard.published import check_published
from bot.i18n import _, _n
from bot.option_types import Pick
from bot.watchparty import announce
from bot.watchparty.announce import when_text
from bot.watchparty.board import (
    CalendarButton,
    RsvpButton,
    announcement_view,
    autocomplete_party,
    board_for,
    find_party,
)
from bot.watchparty.group import join_group, leave_group
from bot.watchparty.parties import upcoming_parties
from bot.watchparty.rsvp import member_rsvp, rsvp_counts

LIST_LIMIT = 15


class PartyRsvp(commands.Cog):
    def __init__(self, bot: Clematis) -> None:
        self.bot = bot
        self.board = board_for(bot)
        self._joined: list[tuple[str, str]] = []

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(RsvpButton, CalendarButton)
        self._joined = join_group(self, self.bot)

    async def cog_unload(self) -> None:
        await self.board.coalescer.flush(within=5.0)  # the last counts reach the announcements
        self.bot.remove_dynamic_items(RsvpButton, CalendarButton)
        leave_group(self, self.bot, self._joined)

    @app_commands.command(name="list", description="Upcoming watch parties in this server")
    async def list_parties(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        parties = await upcoming_parties(
            self.bot.db, interaction.guild_id, now=datetime.now(UTC), limit=LIST_LIMIT + 1
        )
        if not parties:
            schedule = self.bot.mention_command("watchparty schedule")
            raise UserError(
                _("No watch parties are planned here yet. Plan one with {command}.", command=schedule)
            )
        lines = []
        for party in parties[:LIST_LIMIT]:
            counts = await rsvp_counts(self.bot.db, party.id)
            link = party.jump_url()
            shown = await check_published(
                self.bot, party.guild_id, party.title, channel_id=interaction.channel_id
            )
            name = f"[{shown.markdown()}]({link})" if link else shown.markdown()
            going = _("{n} going", n=counts.going)
            lines.append(f"**{name}** — {when_text(party.starts_at)} · {going} (#{party.id})")
        embed = discord.Embed(
            title=_("Upcoming watch parties"), description="\n".join(lines), colour=announce.COLOUR
        )
        if len(parties) > LIST_LIMIT:
            embed.set_footer(text=_("Showing the next {n}. /watchparty export has them all.", n=LIST_LIMIT))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="info", description="Details of one watch party, and your answer")
    @app_commands.describe(party="The party (pick from the list as you type)")
    @app_commands.autocomplete(party=autocomplete_party)
    async def info(self, interaction: discord.Interaction, party: Pick) -> None:
        found = await find_party(self.bot, interaction, party)
        mine = await member_rsvp(self.bot.db, found.id, interaction.user.id)
        shown = {
            "going": _("Going"),
            "maybe": _("Maybe"),
            "not_going": _("Can't go"),
            "waitlist": _("on the waitlist"),
        }
        text = _("Your answer: **{answer}**.", answer=shown[mine]) if mine else _("You haven't answered yet.")
        if link := found.jump_url():
            text += " " + _("[Announcement]({link})", link=link)
        await interaction.response.send_message(
            text,
            embed=await self.board.render(found, viewer_id=interaction.user.id),
            view=announcement_view(found),
            ephemeral=True,
        )

    @app_commands.command(name="export", description="A calendar file (.ics) with every upcoming party here")
    async def export(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        parties = await upcoming_parties(
            self.bot.db, interaction.guild_id, now=datetime.now(UTC), limit=500, include_cancelled=True
        )
        if not parties:
            raise UserError(_("No upcoming watch parties here to export."))
        await interaction.response.send_message(
            _n(
                "{n} upcoming watch party. Importing this file again later updates it (and removes cancelled "
                "ones) instead of adding copies.",
                "{n} upcoming watch parties. Importing this file again later updates them (and removes "
                "cancelled ones) instead of adding copies.",
                sum(p.scheduled for p in parties),
            ),
            file=await self.board.calendar(parties, "watch-parties", interaction.user.id),
            ephemeral=True,
        )


async def setup(bot: Clematis) -> None:
    await bot.add_cog(PartyRsvp(bot))
