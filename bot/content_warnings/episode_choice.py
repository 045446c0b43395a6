"""Turning what a member typed in an ``episode:`` option into an episode, with suggestions when unsure.

Shared by ``/cw`` and ``/discuss``: autocomplete sends episode ids, but a member may type free text
("round 5", "ruler of my heart", a typo) and press enter.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

from bot.canon.model import Episode
from bot.canon.store import CanonStore
from bot.errors import UserError
from bot.ui import BaseView

PickEpisode = Callable[[discord.Interaction, str], Awaitable[None]]


def episode_choices(store: CanonStore, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete choices (at most 25) from the in-memory search index."""
    return [
        app_commands.Choice(name=match.label[:100], value=match.id)
        for match in store.index.complete(current, kinds=("episode",))
    ]


class _PickButton(discord.ui.Button["EpisodeSuggestions"]):
    def __init__(self, label: str, episode_id: str, on_pick: PickEpisode) -> None:
        super().__init__(label=label[:80], style=discord.ButtonStyle.secondary)
        self.episode_id = episode_id
        self.on_pick = on_pick

    async def callback(self, interaction: discord.Interaction) -> None:
        await self.on_pick(interaction, self.episode_id)


class EpisodeSuggestions(BaseView):
    """One button per close match; pressing one runs ``on_pick`` with that episode id."""

    def __init__(self, store: CanonStore, ids: list[str], on_pick: PickEpisode, owner_id: int) -> None:
        super().__init__(owner_id=owner_id, timeout=300)
        for episode_id in ids:
            self.add_item(_PickButton(store.pack.episode(episode_id).title, episode_id, on_pick))


def choose_episode(
    store: CanonStore,
    text: str,
    *,
    on_pick: PickEpisode | None = None,
    owner_id: int | None = None,
) -> Episode:
    """The episode ``text`` names (an id from autocomplete, or a title or alias typed by hand).

    When unsure, raise UserError listing the closest episodes, as buttons when ``on_pick`` is given.
    """
    pack = store.pack
    text = text.strip()
    if pack.has_episode(text):
        return pack.episode(text)
    best = store.index.best(text, "episode")
    if best is not None:
        return pack.episode(best.id)
    close = [m.id for m in store.index.suggest(text, "episode", n=5)] if text else []
    shown = discord.utils.escape_markdown(text[:80]) or "that"
    if not close:
        raise UserError(f"I don't know an episode called “{shown}”. Pick one from the list as you type.")
    titles = ", ".join(f"**{pack.episode(i).title}**" for i in close)
    view = (
        EpisodeSuggestions(store, close, on_pick, owner_id)
        if on_pick is not None and owner_id is not None
        else None
    )
    raise UserError(f"I'm not sure which episode “{shown}” is. Did you mean {titles}?", view=view)
