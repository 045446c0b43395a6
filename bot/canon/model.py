"""Plain, immutable records for the canon pack (episodes, characters, terms) and their lookups."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any, Literal, TypeVar

Confidence = Literal["high", "medium", "low", "unverified"]
CONFIDENCES: tuple[str, ...] = ("high", "medium", "low", "unverified")
CONFIRMED: frozenset[str] = frozenset({"high", "medium"})

EPISODE_KINDS: tuple[str, ...] = ("round", "opening", "special", "epilogue", "webcomic", "alternate-universe")
Kind = Literal["character", "episode", "term"]


def is_confirmed(confidence: str) -> bool:
    """True for confidences the bot may state as fact; anything else is shown as "unconfirmed"."""
    return confidence in CONFIRMED


@dataclass(frozen=True, slots=True)
class Fact:
    """A piece of information that is a spoiler until `revealed_in` (an episode id) has been seen."""

    text: str
    revealed_in: str
    confidence: str = "high"

    @property
    def confirmed(self) -> bool:
        return is_confirmed(self.confidence)


@dataclass(frozen=True, slots=True)
class WarningRef:
    topic: str  # an id from bot.canon.warnings.TOPICS
    note: str = ""


@dataclass(frozen=True, slots=True)
class Credit:
    """A vocal credit: who sings, optionally for which character id."""

    artist: str
    character: str = ""
    confidence: str = "high"


class SpoilerRule(str):
    """A spoiler rule: its phrase (the string itself) plus optional conditions.

    ``unless``: phrases that cancel a hit they overlap ("이반 죽이" cancels "이반 죽" in "이반 죽이게
    잘생겼다"). ``endings``: what the message word matched by the phrase's last (Hangul) stem must go
    on with ("었", "어", "음"); empty means anything. A plain string in the pack is a rule with neither.
    """

    unless: tuple[str, ...]
    endings: tuple[str, ...]

    def __new__(cls, phrase: str, unless: tuple[str, ...] = (), endings: tuple[str, ...] = ()) -> SpoilerRule:
        rule = super().__new__(cls, phrase)
        rule.unless = tuple(unless)
        rule.endings = tuple(endings)
        return rule

    @property
    def phrase(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        if not self.unless and not self.endings:
            return f"SpoilerRule({str(self)!r})"
        return f"SpoilerRule({str(self)!r}, unless={self.unless!r}, endings={self.endings!r})"


@dataclass(frozen=True, slots=True)
class Track:
    id: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Change:
    """One version's entry in the pack's changelog: notes for everyone, and the episodes whose order
    (`after` / `requires`) changed, so operators' overrides of them can be checked."""

    version: str
    notes: tuple[str, ...] = ()
    moved: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Episode:
    """One release. `premise` and `performers` are safe for a viewer who has seen everything before this
    episode (they may show who reached this round); everything past them lives in gated `details`."""

    id: str
    track: str
    kind: str
    title: str
    premise: str
    after: str | None = None
    requires: tuple[str, ...] = ()  # episodes on other tracks this one spoils (e.g. webcomics need r6)
    position_confidence: str = "high"
    title_ko: str = ""
    aliases: tuple[str, ...] = ()
    release_date: date | None = None
    date_confidence: str = "high"
    release_note: str = ""
    performers: tuple[str, ...] = ()
    vocals: tuple[Credit, ...] = ()
    warnings: tuple[WarningRef, ...] = ()
    official_url: str = ""
    video_urls: tuple[str, ...] = ()
    details: tuple[Fact, ...] = ()
    spoiler_rules: tuple[SpoilerRule, ...] = ()


@dataclass(frozen=True, slots=True)
class Character:
    """`role`, `summary` and `looks` are spoiler-free; everything else a viewer learns lives in `facts`."""

    id: str
    name: str
    role: str
    summary: str
    first_appearance: str
    hangul: str = ""
    japanese: str = ""
    japanese_confidence: str = "high"
    aliases: tuple[str, ...] = ()
    main: bool = False
    vocal: Credit | None = None
    looks: str = ""
    facts: tuple[Fact, ...] = ()


@dataclass(frozen=True, slots=True)
class Term:
    id: str
    name: str
    summary: str
    first_appearance: str
    hangul: str = ""
    aliases: tuple[str, ...] = ()
    facts: tuple[Fact, ...] = ()


_T = TypeVar("_T", Episode, Character, Term)


def _index(items: tuple[_T, ...]) -> Mapping[str, _T]:
    return MappingProxyType({item.id: item for item in items})


@dataclass(frozen=True, slots=True)
class CanonPack:
    """A validated pack. Build it with `bot.canon.loader.load_pack`, which checks every reference;
    `episodes` is stored track by track, each track in its viewing order."""

    name: str
    version: str
    episodes: tuple[Episode, ...]
    characters: tuple[Character, ...]
    terms: tuple[Term, ...]
    tracks: tuple[Track, ...] = ()
    changes: tuple[Change, ...] = ()  # newest first
    # Names, titles and texts in other languages (bot.canon.l10n): locale -> "kind:id" -> field -> text.
    l10n: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(
        default_factory=lambda: MappingProxyType({}), compare=False
    )
    _episodes: Mapping[str, Episode] = field(init=False, repr=False, compare=False)
    _characters: Mapping[str, Character] = field(init=False, repr=False, compare=False)
    _terms: Mapping[str, Term] = field(init=False, repr=False, compare=False)
    _positions: Mapping[str, tuple[str, int]] = field(init=False, repr=False, compare=False)
    _orders: Mapping[str, tuple[Episode, ...]] = field(init=False, repr=False, compare=False)
    _reach: Mapping[str, Mapping[str, int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        orders: dict[str, list[Episode]] = {}
        for episode in self.episodes:
            orders.setdefault(episode.track, []).append(episode)
        positions = {ep.id: (track, i) for track, eps in orders.items() for i, ep in enumerate(eps)}
        object.__setattr__(self, "_episodes", _index(self.episodes))
        object.__setattr__(self, "_characters", _index(self.characters))
        object.__setattr__(self, "_terms", _index(self.terms))
        object.__setattr__(self, "_positions", MappingProxyType(positions))
        object.__setattr__(self, "_orders", MappingProxyType({t: tuple(e) for t, e in orders.items()}))
        object.__setattr__(self, "_reach", MappingProxyType(_reaches(self.episodes, positions)))

    is_confirmed = staticmethod(is_confirmed)

    def change(self, version: str | None = None) -> Change | None:
        """The changelog entry of ``version`` (default: this pack's version), or None."""
        wanted = self.version if version is None else version
        return next((c for c in self.changes if c.version == wanted), None)

    def episode(self, episode_id: str) -> Episode:
        """Raise KeyError for an unknown id."""
        return self._episodes[episode_id]

    def character(self, character_id: str) -> Character:
        return self._characters[character_id]

    def term(self, term_id: str) -> Term:
        return self._terms[term_id]

    def has_episode(self, episode_id: str) -> bool:
        return episode_id in self._episodes

    def track_ids(self) -> tuple[str, ...]:
        """Tracks in pack order (tracks without episodes left out)."""
        return tuple(self._orders)

    def episodes_in_order(self, track: str) -> tuple[Episode, ...]:
        """The episodes of a track in viewing order; empty for an unknown track."""
        return self._orders.get(track, ())

    def position(self, episode_id: str) -> tuple[str, int]:
        """(track, 0-based index in that track). Raise KeyError for an unknown id."""
        return self._positions[episode_id]

    def reach(self, episode_id: str) -> Mapping[str, int]:
        """How far along each track a viewer must be to have seen this episode: its own position, plus
        whatever the episodes it (or anything before it on its track) `requires` need."""
        return self._reach[episode_id]


def _reaches(
    episodes: tuple[Episode, ...], positions: dict[str, tuple[str, int]]
) -> dict[str, Mapping[str, int]]:
    by_id = {e.id: e for e in episodes}
    done: dict[str, Mapping[str, int]] = {}
    visiting: set[str] = set()

    def reach(episode_id: str) -> Mapping[str, int]:
        if episode_id in done:
            return done[episode_id]
        if episode_id in visiting:
            raise ValueError(f"episode '{episode_id}' depends on itself through 'requires'")
        visiting.add(episode_id)
        track, index = positions[episode_id]
        need = {track: index}
        previous = by_id[episode_id].after if index else None
        sources = [*by_id[episode_id].requires, *([previous] if previous in by_id else [])]
        for other in sources:
            for t, i in reach(other).items():
                need[t] = max(need.get(t, -1), i)
        visiting.discard(episode_id)
        done[episode_id] = MappingProxyType(need)
        return done[episode_id]

    for episode in episodes:
        reach(episode.id)
    return done
