"""The canon in other languages: ``l10n/<locale>.toml`` files, keyed by entry id, falling back to English.

One file per Discord locale (``l10n/ko.toml``), in the built-in data folder and, to correct or extend it,
in ``CANON_DIR/l10n/`` (read after the built-in one; a field given there wins)::

    [character.mizi]
    name = "미지"
    summary = "..."
    facts = ["...", ""]      # by position, like the entry's facts; "" keeps the English one

    [episode.r1]
    title = "..."
    premise = "..."

Translated fields: characters ``name role summary looks facts``; episodes ``title premise release_note
details``;
terms ``name summary facts``; tracks (``[track.main]``) ``name description``. Gating never changes: a translated fact is shown exactly when the English
one is. Every localised name is also a search key, so autocomplete matches names in every language. An
episode's ``title_ko`` (older packs) is its Korean title unless ``l10n/ko.toml`` gives one.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.canon.model import CanonPack, Character, Episode, Fact, Term, Track

Entry = Character | Episode | Term | Track

FIELDS: dict[str, frozenset[str]] = {
    "character": frozenset({"name", "role", "summary", "looks", "facts"}),
    "episode": frozenset({"title", "premise", "release_note", "details"}),
    "term": frozenset({"name", "summary", "facts"}),
    "track": frozenset({"name", "description"}),
}
LIST_FIELDS = frozenset({"facts", "details"})
SUBDIR = "l10n"

# locale -> "kind:id" -> field -> text (or tuple of texts for facts/details)
Localizations = Mapping[str, Mapping[str, Mapping[str, Any]]]


def _kind_of(entry: Entry) -> str:
    if isinstance(entry, Track):
        return "track"
    return (
        "episode" if isinstance(entry, Episode) else "character" if isinstance(entry, Character) else "term"
    )


def _known(pack: CanonPack, kind: str, entry_id: str) -> Entry | None:
    if kind == "track":
        return next((t for t in pack.tracks if t.id == entry_id), None)
    try:
        if kind == "character":
            return pack.character(entry_id)
        if kind == "episode":
            return pack.episode(entry_id)
        return pack.term(entry_id)
    except KeyError:
        return None


def read_localizations(
    pack: CanonPack, folders: list[tuple[Path, bool]], problems: list[str]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Read every ``<folder>/l10n/*.toml``; ``strict`` folders report ids the pack does not have."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for folder, strict in folders:
        for path in sorted((folder / SUBDIR).glob("*.toml")):
            where = f"{path.parent.name}/{path.name}" if not strict else str(path)
            try:
                with path.open("rb") as handle:
                    data = tomllib.load(handle)
            except (tomllib.TOMLDecodeError, OSError) as exc:
                problems.append(f"{where}: cannot be read: {exc}")
                continue
            locale = found.setdefault(path.stem, {})
            for kind, entries in data.items():
                if kind not in FIELDS or not isinstance(entries, dict):
                    problems.append(f"{where}: [{kind}] is not one of {', '.join(FIELDS)}")
                    continue
                for entry_id, fields in entries.items():
                    entry = _known(pack, kind, entry_id)
                    if entry is None:
                        if strict:
                            problems.append(f"{where}: {kind} '{entry_id}' is not in the pack")
                        continue
                    if not isinstance(fields, dict):
                        problems.append(f"{where}: {kind}.{entry_id} must be a table")
                        continue
                    target = locale.setdefault(f"{kind}:{entry_id}", {})
                    for name, value in fields.items():
                        problem = _check(entry, kind, name, value)
                        if problem:
                            problems.append(f"{where}: {kind}.{entry_id}.{name}: {problem}")
                        else:
                            target[name] = tuple(value) if isinstance(value, list) else value.strip()
    return found


def _check(entry: Entry, kind: str, name: str, value: Any) -> str | None:
    if name not in FIELDS[kind]:
        return f"not a translatable field (use {', '.join(sorted(FIELDS[kind]))})"
    if name in LIST_FIELDS:
        english = entry.details if isinstance(entry, Episode) else getattr(entry, "facts", ())
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "must be a list of strings"
        if len(value) > len(english):
            return f"has {len(value)} items; the entry has {len(english)}"
        return None
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    return None


def freeze(found: dict[str, dict[str, dict[str, Any]]]) -> Localizations:
    return MappingProxyType(
        {
            locale: MappingProxyType({key: MappingProxyType(dict(v)) for key, v in entries.items()})
            for locale, entries in found.items()
        }
    )


def _table(pack: CanonPack, entry: Entry, locale: str | None) -> Mapping[str, Any]:
    if not locale:
        return {}
    entries = pack.l10n.get(locale)
    if entries is None:
        language = locale.split("-")[0]
        entries = next((v for k, v in pack.l10n.items() if k.split("-")[0] == language), None)
    return (entries or {}).get(f"{_kind_of(entry)}:{entry.id}", {})


def text(pack: CanonPack, entry: Entry, field: str, locale: str | None) -> str:
    """A field of ``entry`` in ``locale`` (name, title, role, summary, looks, premise, description), else
    English."""
    value = _table(pack, entry, locale).get(field)
    if value:
        return str(value)
    if field == "title" and isinstance(entry, Episode) and locale == "ko" and entry.title_ko:
        return entry.title_ko
    return str(getattr(entry, field))


def name(pack: CanonPack, entry: Character | Episode | Term, locale: str | None) -> str:
    return text(pack, entry, "title" if isinstance(entry, Episode) else "name", locale)


def fact_text(pack: CanonPack, entry: Character | Episode | Term, fact: Fact, locale: str | None) -> str:
    """A gated fact's text in ``locale`` (matched by its position), else English."""
    facts = entry.details if isinstance(entry, Episode) else entry.facts
    translated = _table(pack, entry, locale).get("details" if isinstance(entry, Episode) else "facts", ())
    for i, candidate in enumerate(facts):
        if candidate is fact:
            return translated[i] if i < len(translated) and translated[i] else fact.text
    return fact.text


def local_name(pack: CanonPack, entry: Entry) -> str:
    """The name or title in the current language (the member's, or the server's for public posts)."""
    from bot.i18n import current_locale

    return (
        name(pack, entry, current_locale())
        if not isinstance(entry, Track)
        else text(pack, entry, "name", current_locale())
    )


def all_names(pack: CanonPack, entry: Character | Episode | Term) -> list[str]:
    """The entry's name or title in every language the pack has (search keys)."""
    field = "title" if isinstance(entry, Episode) else "name"
    key = f"{_kind_of(entry)}:{entry.id}"
    return [str(v[field]) for v in (e.get(key, {}) for e in pack.l10n.values()) if v.get(field)]
