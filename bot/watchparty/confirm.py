"""Confirming a start time with buttons: one per reading of an ambiguous time or a clock change.

The request waiting for the answer is kept in memory (`PendingStore`, 15 minutes): a confirmation takes
seconds, and after a restart the buttons say the choice expired instead of doing something half-known.
The buttons are `DynamicItem`s (`wp:pick:<token>:<n>`), so that answer comes even after a restart.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import discord

from bot.errors import UserError
from bot.i18n import _
from bot.ui import run_guarded
from bot.watchparty.announce import when_text
from bot.watchparty.pending import PendingStore
from bot.watchparty.when import WhenResult

PICK_ID = "wp:pick:{token}:{index}"
PICK_TEMPLATE = r"wp:pick:(?P<token>[A-Za-z0-9_\-]{8,24}):(?P<index>[0-9]|x)"
MAX_OPTIONS = 9

# What to do with the chosen instant: (interaction already deferred, start) -> None
Continuation = Callable[[discord.Interaction, datetime], Awaitable[None]]

_STORES: weakref.WeakKeyDictionary[Any, PendingStore[tuple[list[datetime], Continuation]]] = (
    weakref.WeakKeyDictionary()
)


def _store(client: discord.Client) -> PendingStore[tuple[list[datetime], Continuation]]:
    store = _STORES.get(client)
    if store is None:
        store = _STORES[client] = PendingStore()
    return store


class PickButton(discord.ui.DynamicItem[discord.ui.Button], template=PICK_TEMPLATE):
    """One reading of an ambiguous time (or "Cancel"), for the member who asked."""

    def __init__(self, token: str, index: str, label: str = "") -> None:
        label = label or _("Cancel")
        style = discord.ButtonStyle.secondary if index == "x" else discord.ButtonStyle.primary
        super().__init__(
            discord.ui.Button(
                label=label[:80], style=style, custom_id=PICK_ID.format(token=token, index=index)
            )
        )
        self.token, self.index = token, index

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PickButton:
        return cls(match["token"], match["index"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_guarded(interaction, picked(interaction, self.token, self.index))


async def confirm_then(interaction: discord.Interaction, reading: WhenResult, then: Continuation) -> None:
    """Run `then` with the reading's instant, or first ask which reading the member meant.

    `then` gets an interaction that is already deferred (answer with `edit_original_response`).
    """
    if not reading.needs_confirmation:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await then(interaction, reading.utc)
        return
    options = list(reading.options[:MAX_OPTIONS])
    token = _store(interaction.client).add(interaction.user.id, (options, then))
    view = discord.ui.View(timeout=None)
    for index, label in enumerate(reading.option_labels()[:MAX_OPTIONS]):
        view.add_item(PickButton(token, str(index), label))
    view.add_item(PickButton(token, "x"))
    await interaction.response.send_message(
        f"{reading.needs_confirmation}\n" + _("Which one do you mean?"), view=view, ephemeral=True
    )


async def picked(interaction: discord.Interaction, token: str, index: str) -> None:
    store = _store(interaction.client)
    pending = store.get(token)
    if pending is None:
        await interaction.response.edit_message(
            content=_(
                "This choice has expired (I keep it for 15 minutes, and forget it when I restart). "
                "Run the command again."
            ),
            view=None,
        )
        return
    if pending.owner_id != interaction.user.id:
        raise UserError(_("These buttons belong to someone else: run the command yourself."))
    store.discard(token)  # a double click must not schedule twice
    if index == "x":
        await interaction.response.edit_message(content=_("Cancelled: nothing was changed."), view=None)
        return
    options, then = pending.payload
    start = options[int(index)]
    if start <= datetime.now(UTC):
        await interaction.response.edit_message(
            content=_(
                "That time has passed ({when}): run the command again with a later time.",
                when=when_text(start),
            ),
            view=None,
        )
        return
    await interaction.response.defer()
    await then(interaction, start)
