"""Picking episodes and tracks by name: autocomplete choices and turning typed text into an episode."""

from __future__ import annotations

from dataclasses import dataclass

from bot.canon.model import CanonPack, Episode
from bot.canon.search import SearchIndex
from bot.errors import UserError

MAX_CHOICES = 25


@dataclass(frozen=True, slots=True)
class Choice:
    name: str
    value: str


def track_name(pack: CanonPack, track_id: str) -> str:
    return next((t.name for t in pack.tracks if t.id == track_id), track_id)


def episode_choices(
    pack: CanonPack, index: SearchIndex, query: str, *, track: str | None = None
) -> list[Choice]:
    """Up to 25 episodes matching ``query`` (all of them, in order, for an empty query), optionally on one
    track only."""
    if track and track in pack.track_ids():
        candidates = [(e.id, e.title) for e in pack.episodes_in_order(track)]
        if query.strip():
            ranked = {m.id: m.label for m in index.complete(query, kinds=("episode",))}
            candidates = [(eid, ranked[eid]) for eid in ranked if pack.position(eid)[0] == track]
        return [Choice(label[:100], eid) for eid, label in candidates[:MAX_CHOICES]]
    return [Choice(m.label[:100], m.id) for m in index.complete(query, kinds=("episode",), limit=MAX_CHOICES)]


def track_choices(pack: CanonPack, query: str) -> list[Choice]:
    wanted = query.strip().casefold()
    return [
        Choice(t.name[:100], t.id)
        for t in pack.tracks
        if t.id in pack.track_ids() and (not wanted or wanted in t.name.casefold() or wanted in t.id)
    ][:MAX_CHOICES]


def suggestions(pack: CanonPack, index: SearchIndex, text: str, n: int = 5) -> list[Episode]:
    return [pack.episode(m.id) for m in index.suggest(text, "episode", n=n)]


def resolve_episode(pack: CanonPack, index: SearchIndex, text: str) -> Episode:
    """The episode ``text`` names (an id from autocomplete, or a typed name). Raises UserError listing the
    closest episodes when unsure."""
    text = text.strip()
    if pack.has_episode(text):
        return pack.episode(text)
    best = index.best(text, "episode")
    if best is not None:
        return pack.episode(best.id)
    close = suggestions(pack, index, text, n=5)
    listed = ", ".join(f"**{e.title}**" for e in close)
    hint = f" Did you mean {listed}?" if close else " Pick one from the list that appears as you type."
    raise UserError(f"I don't know an episode called “{text[:80]}”.{hint}")


def resolve_track(pack: CanonPack, text: str) -> str:
    wanted = text.strip().casefold()
    for track in pack.tracks:
        if track.id in pack.track_ids() and wanted in (track.id.casefold(), track.name.casefold()):
            return track.id
    names = ", ".join(f"**{t.name}**" for t in pack.tracks if t.id in pack.track_ids())
    raise UserError(f"I don't know a track called “{text[:80]}”. The tracks are {names}.")
