"""From what a member typed (or picked in autocomplete) to an entry id, or to close suggestions."""

from __future__ import annotations

import dataclasses

from bot.canon import l10n
from bot.canon.model import CanonPack, Character
from bot.canon.search import KINDS, Match, SearchIndex
from bot.i18n import N_, _, current_locale
from bot.lookups.entries import entry_of
from bot.lookups.text import clean_query, clip

SUGGESTIONS = 5
SEARCH_RESULTS = 10
KIND_SHORT = {"character": N_("character"), "episode": N_("episode"), "term": N_("lore")}
CHOICE_MAX = 100


def kind_short(kind: str) -> str:
    return _(KIND_SHORT[kind])


def localized_label(pack: CanonPack | None, match: Match) -> str:
    """A match's label in the current language: the localised name (with the English one for a
    character, as fans type either), else the index's English label."""
    locale = current_locale()
    entry = entry_of(pack, match.kind, match.id) if pack is not None else None
    if pack is None or entry is None:
        return match.label
    local = l10n.name(pack, entry, locale)
    english = l10n.name(pack, entry, None)
    if local == english:
        return match.label
    return clip(f"{local} ({english})" if isinstance(entry, Character) else local, CHOICE_MAX)


def localized_matches(pack: CanonPack | None, matches: list[Match]) -> list[Match]:
    return [dataclasses.replace(m, label=localized_label(pack, m)) for m in matches]


def choices_for(
    index: SearchIndex, query: str, kind: str, pack: CanonPack | None = None
) -> list[tuple[str, str]]:
    """Autocomplete choices as (name, value = entry id), best first, at most 25. An empty query lists
    the defaults (episodes in order, the main cast, terms). Names are in the current language."""
    return [(localized_label(pack, m), m.id) for m in index.complete(clean_query(query), kinds=(kind,))]


def find_entry(pack: CanonPack, index: SearchIndex, kind: str, text: str) -> str | None:
    """The id of the entry ``text`` names: an id (what autocomplete sends) or a confident match."""
    raw = text.strip()
    if entry_of(pack, kind, raw) is not None:
        return raw
    match = index.best(clean_query(raw), kind)
    return match.id if match is not None else None


def suggest(index: SearchIndex, kind: str, text: str, n: int = SUGGESTIONS) -> list[Match]:
    """Close matches of the wanted kind, else of any kind (a title typed into /character finds the
    episode); [] when the text has nothing searchable."""
    query = clean_query(text)
    if not query:
        return []
    return index.suggest(query, kind, n) or index.complete(query, kinds=KINDS, limit=n)


def search_entries(index: SearchIndex, text: str, limit: int = SEARCH_RESULTS) -> list[Match]:
    """Best matches across every kind; [] for an empty or unsearchable query."""
    query = clean_query(text)
    return index.complete(query, kinds=KINDS, limit=limit) if query else []


def search_choices(index: SearchIndex, query: str, pack: CanonPack | None = None) -> list[tuple[str, str]]:
    """/search autocomplete across every kind: (``"Luka (루카) · character"``, ``"character:luka"``), best
    first, at most 25; picking one opens that entry (see ``picked_entry``)."""
    return [
        (clip(f"{localized_label(pack, m)} · {kind_short(m.kind)}", CHOICE_MAX), f"{m.kind}:{m.id}")
        for m in index.complete(clean_query(query), kinds=KINDS)
        if len(m.kind) + 1 + len(m.id) <= CHOICE_MAX
    ]


def picked_entry(pack: CanonPack, text: str) -> tuple[str, str] | None:
    """(kind, id) when ``text`` is a /search autocomplete value naming an entry the pack has."""
    kind, sep, entry_id = text.strip().partition(":")
    if sep and kind in KINDS and entry_of(pack, kind, entry_id) is not None:
        return kind, entry_id
    return None
