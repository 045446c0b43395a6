"""The nudge notice's button: gives the author (only) a spoiler-tagged copy of the removed message.

A ``DynamicItem``: the custom id carries the notice id, the copy lives in the database, so the button
works after a restart.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

import discord

from bot.guard.copies import fits_in_message, load_copy, tagged_text
from bot.i18n import N_, _
from bot.ui import BaseView, run_guarded

COPY_LABEL = N_("Get my message back")

INSTRUCTIONS = N_(
    "This is your message inside spoiler tags. Long-press it (or right-click) → **Copy Text**, "
    "then paste it back in the channel."
)


class CopyButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"spoilguard:copy:(?P<notice_id>[0-9]+)"
):
    def __init__(self, notice_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=_(COPY_LABEL),
                emoji="📋",
                style=discord.ButtonStyle.secondary,
                custom_id=f"spoilguard:copy:{notice_id}",
            )
        )
        self.notice_id = notice_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CopyButton:
        return cls(int(match["notice_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_guarded(interaction, self._give_copy(interaction))

    async def _give_copy(self, interaction: discord.Interaction) -> None:
        db = interaction.client.db  # type: ignore[attr-defined]
        copy = await load_copy(db, self.notice_id, now=datetime.now(UTC))
        if copy is None:
            await interaction.response.send_message(
                _("That copy has expired: I keep removed messages for a day."), ephemeral=True
            )
            return
        if interaction.user.id != copy.author_id:
            await interaction.response.send_message(
                _("Only the person whose message was removed can get it back."), ephemeral=True
            )
            return
        tagged = tagged_text(copy.content)
        embed = discord.Embed(description=_(INSTRUCTIONS))
        if fits_in_message(tagged):
            await interaction.response.send_message(tagged, embed=embed, ephemeral=True)
            return
        embed.description = _(
            "Your message is too long for one message, so it's in this file, inside spoiler tags. "
            "Open it, copy the text and post it again (in parts if needed)."
        )
        await interaction.response.send_message(
            embed=embed,
            file=discord.File(io.BytesIO(tagged.encode()), filename="message.txt"),
            ephemeral=True,
        )


def copy_button_view(notice_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(CopyButton(notice_id))
    return view


class PagerView(BaseView):
    """Previous / Next through pages of one embed, for the person who asked."""

    def __init__(self, title: str, pages: list[str], *, owner_id: int) -> None:
        super().__init__(owner_id=owner_id, timeout=600)
        self.title = title
        self.pages = pages
        self.page = 0
        self.previous.label = _("Previous")
        self.next.label = _("Next")
        self._sync()

    def embed(self) -> discord.Embed:
        embed = discord.Embed(title=self.title, description=self.pages[self.page])
        if len(self.pages) > 1:
            embed.set_footer(text=_("Page {page} of {pages}", page=self.page + 1, pages=len(self.pages)))
        return embed

    def _sync(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= len(self.pages) - 1

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button[PagerView]) -> None:
        self.page = max(0, self.page - 1)
        self._sync()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[PagerView]) -> None:
        self.page = min(len(self.pages) - 1, self.page + 1)
        self._sync()
        await interaction.response.edit_message(embed=self.embed(), view=self)
