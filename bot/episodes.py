"""Turning what a member typed in an ``episode:`` option into an episode: the one resolver every command
uses (autocomplete sends ids, but members also type "round 5", a title or a typo and press enter)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

from bot.canon.l10n import local_name
from bot.canon.model import CanonPack, Episode
from bot.canon.store import CanonStore
from bot.errors import UserError
from bot.i18n import _
from bot.ui import BaseView

MAX_CHOICES = 25
PickEpisode = Callable[[discord.Interaction, str], Awaitable[None]]


def episode_choices(
    store: CanonStore, current: str, *, track: str | None = None
) -> list[app_commands.Choice[str]]:
    """Autocomplete choices (at most 25) from the in-memory index, optionally on one track only."""
    pack, index = store.pack, store.index
    if track and track in pack.track_ids():
        if current.strip():
            matches = index.complete(current, kinds=("episode",))
            pairs = [(m.id, m.label) for m in matches if pack.position(m.id)[0] == track]
        else:
            pairs = [(e.id, e.title) for e in pack.episodes_in_order(track)]
    else:
        pairs = [(m.id, m.label) for m in index.complete(current, kinds=("episode",), limit=MAX_CHOICES)]
    return [
        app_commands.Choice(name=_localized(pack, eid, label)[:100], value=eid)
        for eid, label in pairs[:MAX_CHOICES]
    ]


def _localized(pack: CanonPack, episode_id: str, label: str) -> str:
    episode = pack.episode(episode_id)
    local = local_name(pack, episode)
    return label if local == episode.title else local


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
            self.add_item(
                _PickButton(local_name(store.pack, store.pack.episode(episode_id)), episode_id, on_pick)
            )


def resolve_episode(
    store: CanonStore,
    text: str,
    *,
    on_pick: PickEpisode | None = None,
    owner_id: int | None = None,
) -> Episode:
    """The episode ``text`` names (an id from autocomplete, or a title or alias typed by hand).

    When unsure, raise UserError listing the closest episodes, as buttons when ``on_pick`` is given.
    What the member typed is echoed escaped, so it cannot break formatting.
    """
    pack = store.pack
    text = text.strip()
    if pack.has_episode(text):
        return pack.episode(text)
    best = store.index.best(text, "episode") if text else None
    if best is not None:
        return pack.episode(best.id)
    close = [m.id for m in store.index.suggest(text, "episode", n=5)] if text else []
    shown = discord.utils.escape_mentions(discord.utils.escape_markdown(text[:80])) or "…"
    if not close:
        raise UserError(
            _("I don't know an episode called “{typed}”. Pick one from the list as you type.", typed=shown)
        )
    titles = ", ".join(f"**{local_name(pack, pack.episode(i))}**" for i in close)
    view = (
        EpisodeSuggestions(store, close, on_pick, owner_id)
        if on_pick is not None and owner_id is not None
        else None
    )
    said = _("I'm not sure which episode “{typed}” is. Did you mean {titles}?", typed=shown, titles=titles)
    tap = " " + _("Tap the one you meant.") if view is not None else ""
    raise UserError(said + tap, view=view)


# --- spoiler tracks ----------------------------------------------------------------------------------


def track_name(pack: CanonPack, track_id: str) -> str:
    """The track's name in the current language."""
    return next((local_name(pack, t) for t in pack.tracks if t.id == track_id), track_id)


def track_choices(pack: CanonPack, query: str) -> list[app_commands.Choice[str]]:
    wanted = query.strip().casefold()
    return [
        app_commands.Choice(name=local_name(pack, t)[:100], value=t.id)
        for t in pack.tracks
        if t.id in pack.track_ids()
        and (
            not wanted
            or wanted in t.name.casefold()
            or wanted in local_name(pack, t).casefold()
            or wanted in t.id
        )
    ][:MAX_CHOICES]


def resolve_track(pack: CanonPack, text: str) -> str:
    wanted = text.strip().casefold()
    for track in pack.tracks:
        names = (track.id.casefold(), track.name.casefold(), local_name(pack, track).casefold())
        if track.id in pack.track_ids() and wanted in names:
            return track.id
    names_text = ", ".join(f"**{local_name(pack, t)}**" for t in pack.tracks if t.id in pack.track_ids())
    shown = discord.utils.escape_markdown(text[:80])
    raise UserError(
        _("I don't know a track called “{typed}”. The tracks are {names}.", typed=shown, names=names_text)
    )
