"""/timeline: every episode in viewing order with release dates, paged with persistent buttons.

The pager buttons (`lookup:timeline:<owner>:<page>:<prev|next>`) turn the owner's page in place; anyone
else who clicks gets their own private copy of that page, with ✅ on what *they* have watched.
"""

from __future__ import annotations

import re
from typing import Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import Clematis
from bot.horizon import member_progress
from bot.i18n import _
from bot.lookups.cards import card_embed
from bot.lookups.timeline import timeline_card, timeline_pages
from bot.ui import run_guarded


async def timeline_message(bot: Clematis, user_id: int, page: int) -> dict[str, Any]:
    """Page ``page`` for ``user_id`` (✅ from their progress) with Previous/Next buttons they own."""
    pack = bot.canon.pack
    pages = timeline_pages(pack)
    page = min(max(page, 0), max(len(pages) - 1, 0))
    progress = await member_progress(bot.db, pack, user_id)
    card = timeline_card(pack, pages, page, progress, bot.mention_command("progress"))
    message: dict[str, Any] = {"embed": card_embed(card)}
    if len(pages) > 1:
        view = discord.ui.View(timeout=None)
        view.add_item(PageButton(user_id, page - 1, "prev", disabled=page == 0))
        view.add_item(PageButton(user_id, page + 1, "next", disabled=page >= len(pages) - 1))
        message["view"] = view
    return message


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"lookup:timeline:(?P<owner>[0-9]{1,20}):(?P<page>[0-9]{1,4}):(?P<way>prev|next)",
):
    def __init__(self, owner: int, page: int, way: str, *, disabled: bool = False) -> None:
        page = max(page, 0)
        super().__init__(
            discord.ui.Button(
                label=_("Previous") if way == "prev" else _("Next"),
                emoji="◀️" if way == "prev" else "▶️",
                style=discord.ButtonStyle.secondary,
                custom_id=f"lookup:timeline:{owner}:{page}:{way}",
                disabled=disabled,
            )
        )
        self.owner, self.page = owner, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PageButton:
        return cls(int(match["owner"]), int(match["page"]), match["way"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_guarded(interaction, self.turn(interaction))

    async def turn(self, interaction: discord.Interaction) -> None:
        bot = cast(Clematis, interaction.client)
        message = await timeline_message(bot, interaction.user.id, self.page)
        if interaction.user.id == self.owner:
            await interaction.response.edit_message(**message)
        else:  # someone else's timeline: give them their own copy of the page they asked for
            await interaction.response.send_message(**message, ephemeral=True)


class Timeline(commands.Cog):
    def __init__(self, bot: Clematis) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PageButton)

    @app_commands.command(name="timeline", description="Every episode in viewing order, with release dates")
    @app_commands.describe(private="Only you see the timeline (it shows ✅ on what you have watched)")
    async def timeline(self, interaction: discord.Interaction, private: bool = False) -> None:
        message = await timeline_message(self.bot, interaction.user.id, 0)
        await interaction.response.send_message(**message, ephemeral=private)


async def setup(bot: Clematis) -> None:
    await bot.add_cog(Timeline(bot))
