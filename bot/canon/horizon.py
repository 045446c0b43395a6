"""How far a viewer (or a server) has watched: the one place features ask "may this viewer see X?"."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from types import MappingProxyType

from bot.canon.model import CanonPack, Fact


class Horizon(Mapping[str, int]):
    """Immutable mapping track id -> index of the last episode included on that track.

    A track that is absent means nothing on it has been seen. An episode is allowed when the horizon
    reaches `pack.reach(episode)` on every track (so a webcomic that requires ROUND 6 needs both)."""

    __slots__ = ("_reached",)

    def __init__(self, reached: Mapping[str, int] | Iterable[tuple[str, int]] = ()) -> None:
        items = dict(reached)
        for track, index in items.items():
            if (
                not isinstance(track, str)
                or not isinstance(index, int)
                or isinstance(index, bool)
                or index < 0
            ):
                raise ValueError(f"a horizon maps track ids to indexes >= 0, got {track!r}: {index!r}")
        self._reached: Mapping[str, int] = MappingProxyType(dict(sorted(items.items())))

    def __getitem__(self, track: str) -> int:
        return self._reached[track]

    def __iter__(self) -> Iterator[str]:
        return iter(self._reached)

    def __len__(self) -> int:
        return len(self._reached)

    def __hash__(self) -> int:
        return hash(frozenset(self._reached.items()))

    def __repr__(self) -> str:
        return f"Horizon({dict(self._reached)!r})"

    @classmethod
    def from_episodes(cls, pack: CanonPack, episode_ids: Iterable[str]) -> Horizon:
        """The smallest horizon that includes every listed episode (and what each one implies)."""
        horizon = cls()
        for episode_id in episode_ids:
            horizon = horizon.merge(horizon_through(pack, episode_id))
        return horizon

    def allows(self, pack: CanonPack, episode_id: str) -> bool:
        """True when this horizon includes the episode. Raise KeyError for an unknown id."""
        return all(self._reached.get(track, -1) >= index for track, index in pack.reach(episode_id).items())

    def allows_preview(self, pack: CanonPack, episode_id: str) -> bool:
        """True when the episode's performers may be shown: everything it builds on has been seen."""
        episode = pack.episode(episode_id)
        needed = [*episode.requires, *([episode.after] if episode.after else [])]
        return all(self.allows(pack, other) for other in needed)

    def merge(self, other: Mapping[str, int]) -> Horizon:
        """Per-track maximum of both horizons."""
        merged = dict(self._reached)
        for track, index in other.items():
            merged[track] = max(merged.get(track, -1), index)
        return Horizon(merged)

    def last_episodes(self, pack: CanonPack) -> dict[str, str]:
        """Track id -> id of the last episode included: the form to store, since indexes shift when an
        operator inserts an episode. Rebuild with `Horizon.from_episodes(pack, stored.values())`."""
        out = {}
        for track, index in self._reached.items():
            episodes = pack.episodes_in_order(track)
            if episodes:
                out[track] = episodes[min(index, len(episodes) - 1)].id
        return out

    def covers(self, other: Mapping[str, int]) -> bool:
        """True when this horizon reaches at least as far as `other` on every track."""
        return all(self._reached.get(track, -1) >= index for track, index in other.items())


def horizon_through(pack: CanonPack, episode_id: str) -> Horizon:
    """Everything on the episode's track up to and including it, plus what it requires elsewhere."""
    return Horizon(pack.reach(episode_id))


def released_before(pack: CanonPack, cutoff: date) -> Horizon:
    """Everything out by `cutoff`: each episode with a known release date on or before it, and all
    that precedes those. Episodes without a date never move the horizon on their own."""
    horizon = Horizon()
    for episode in pack.episodes:
        if episode.release_date is not None and episode.release_date <= cutoff:
            horizon = horizon.merge(pack.reach(episode.id))
    return horizon


def visible_facts(pack: CanonPack, facts: Iterable[Fact], horizon: Horizon) -> tuple[list[Fact], int]:
    """The facts this horizon may see, in their original order, and how many were held back."""
    shown, hidden = [], 0
    for fact in facts:
        if horizon.allows(pack, fact.revealed_in):
            shown.append(fact)
        else:
            hidden += 1
    return shown, hidden
