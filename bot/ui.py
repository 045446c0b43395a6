"""Base classes for components so views, modals and persistent buttons share the one error path."""

from __future__ import annotations

from typing import Any

import discord

from bot.errors import handle_interaction_error
from bot.i18n import _, bind


class BaseView(discord.ui.View):
    """A view whose errors go through the shared handler, optionally restricted to one user."""

    def __init__(self, *, owner_id: int | None = None, timeout: float | None = 300) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        bind(interaction)
        if self.owner_id is not None and interaction.user.id != self.owner_id:
            await interaction.response.send_message(
                _("These buttons belong to someone else: run the command yourself."), ephemeral=True
            )
            return False
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await handle_interaction_error(interaction, error)


class BaseModal(discord.ui.Modal):
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        bind(interaction)
        return True

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        await handle_interaction_error(interaction, error)


async def run_guarded(interaction: discord.Interaction, coro: Any) -> None:
    """Await ``coro`` (a persistent item's work) sending any error through the shared handler.

    discord.py only logs exceptions from ``DynamicItem`` callbacks; persistent items call this so the
    user always gets an answer.
    """
    bind(interaction)  # the coroutine has not started yet: it runs in the member's language
    try:
        await coro
    except Exception as error:  # noqa: BLE001 - the handler decides what the user sees
        await handle_interaction_error(interaction, error)
