"""The canon in other languages: ``l10n/<locale>.toml`` files, keyed by entry id, falling back to English.

One file per Discord locale (``l10n/ko.toml``, ``ja.toml``, ``es-419.toml``, ``pt-BR.toml``), in the
built-in data folder and, to correct or extend it, in ``CANON_DIR/l10n/`` (read after the built-in one;
a field given there wins). A new locale is a new file::

    [character.mizi]
    name = "ミジ"
    uncertain = ["name"]     # renderings not confirmed as official: shown marked "(unconfirmed)"
    aliases = ["..."]        # more search keys, also names the spoiler rules know the character by
    facts = ["...", ""]      # by position, like the entry's facts; "" keeps the English one

    [episode.r1]
    title = "..."
    warnings = ["...", ""]   # the content-warning notes, by position

Texts (``TEXTS``): characters ``name role summary looks facts``; episodes ``title premise release_note
details warnings``; terms ``name summary facts``; tracks (``[track.main]``) ``name description``. Gating
and confidence never change: a translated fact is shown exactly when the English one is, marked
unconfirmed when it is. Every localised name and alias is a search key and a name for the spoiler rules
and the leak check (``bot.canon.leaks`` checks every translation at its English text's audience). An
episode's ``title_ko`` (older packs) is its Korean title unless ``l10n/ko.toml`` gives one.
``python -m bot.canon.l10n [CANON_DIR]`` prints how much of each locale is translated.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import discord

from bot.canon.model import CanonPack, Character, Episode, Fact, Term, Track

Entry = Character | Episode | Term | Track

TEXTS: dict[str, frozenset[str]] = {
    "character": frozenset({"name", "role", "summary", "looks", "facts"}),
    "episode": frozenset({"title", "premise", "release_note", "details", "warnings"}),
    "term": frozenset({"name", "summary", "facts"}),
    "track": frozenset({"name", "description"}),
}
# Besides the texts: ``aliases`` (more search keys, also fed to the spoiler rules like the entry's own
# aliases) and ``uncertain`` (the fields whose rendering is not confirmed as official; shown marked).
FIELDS: dict[str, frozenset[str]] = {
    kind: texts | {"uncertain"} | ({"aliases"} if kind != "track" else set()) for kind, texts in TEXTS.items()
}
POSITIONAL = frozenset({"facts", "details", "warnings"})  # by position, like the entry's list
LIST_FIELDS = POSITIONAL | {"aliases", "uncertain"}
SUBDIR = "l10n"
LOCALES = frozenset(locale.value for locale in discord.Locale)  # what a file may be named after

# locale -> "kind:id" -> field -> text (or tuple of texts for facts/details)
Localizations = Mapping[str, Mapping[str, Mapping[str, Any]]]


def kind_of(entry: Entry) -> str:
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
            if path.stem not in LOCALES:
                close = difflib.get_close_matches(path.stem, sorted(LOCALES), n=1, cutoff=0.5)
                hint = f"did you mean '{close[0]}.toml'? " if close else ""
                problems.append(
                    f"{where}: '{path.stem}' is not a Discord locale ({hint}name the file after one: "
                    "ko, ja, es-419, pt-BR, fr, zh-TW...)"
                )
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
                        elif isinstance(value, list):
                            target[name] = tuple(v.strip() for v in value)
                        else:
                            target[name] = value.strip()
    return found


def _check(entry: Entry, kind: str, name: str, value: Any) -> str | None:
    if name not in FIELDS[kind]:
        return f"not a translatable field (use {', '.join(sorted(FIELDS[kind]))})"
    if name in LIST_FIELDS:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "must be a list of strings"
        if name == "uncertain":
            unknown = [v for v in value if v not in TEXTS[kind] or v in POSITIONAL]
            if unknown:
                return f"'{unknown[0]}' is not one of {', '.join(sorted(TEXTS[kind] - POSITIONAL))}"
            return None
        if name in POSITIONAL:
            english = _english_list(entry, name)
            if len(value) > len(english):
                return f"has {len(value)} items; the entry has {len(english)}"
        return None
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    return None


def _english_list(entry: Entry, field: str) -> tuple[Any, ...]:
    if field == "warnings":
        return entry.warnings if isinstance(entry, Episode) else ()
    return entry.details if isinstance(entry, Episode) else getattr(entry, "facts", ())


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
    return (entries or {}).get(f"{kind_of(entry)}:{entry.id}", {})


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


def warning_note(pack: CanonPack, episode: Episode, index: int, locale: str | None) -> str:
    """The note of ``episode.warnings[index]`` in ``locale`` (by position), else English."""
    translated = _table(pack, episode, locale).get("warnings", ())
    if index < len(translated) and translated[index]:
        return str(translated[index])
    return episode.warnings[index].note


def uncertain(pack: CanonPack, entry: Entry, field: str, locale: str | None) -> bool:
    """True when ``field`` is shown translated in ``locale`` and its file marks that rendering as not
    confirmed (e.g. a Japanese name no official release spells out)."""
    table = _table(pack, entry, locale)
    return bool(table.get(field)) and field in table.get("uncertain", ())


_BRACKETED = re.compile(r"^(?P<main>[^()]+?)\s*\((?P<other>[^()]+)\)$")


def name_forms(name: str) -> list[str]:
    """A name as people type it: "샤인 (Shine)" is also "샤인" and "Shine"."""
    found = _BRACKETED.match(name.strip())
    return [name, found["main"], found["other"]] if found else [name]


def all_names(pack: CanonPack, entry: Character | Episode | Term) -> list[str]:
    """The entry's names, titles and aliases in every language the pack has (search keys, and the names
    the spoiler rules and the leak check know the entry by)."""
    field = "title" if isinstance(entry, Episode) else "name"
    key = f"{kind_of(entry)}:{entry.id}"
    out: list[str] = []
    for entries in pack.l10n.values():
        table = entries.get(key, {})
        for value in (table.get(field, ""), *table.get("aliases", ())):
            out += [n for n in name_forms(value) if n] if value else []
    return list(dict.fromkeys(out))


def translated(pack: CanonPack) -> Iterator[tuple[str, Entry, str, str]]:
    """Every translated text as (locale, entry, field, text); list fields by position as ``facts[2]``
    (1-based, as the loader names fields). For checks that must cover every language (the leak check)."""
    for locale, entries in sorted(pack.l10n.items()):
        for key, table in entries.items():
            kind, entry_id = key.split(":", 1)
            entry = _known(pack, kind, entry_id)
            if entry is None:
                continue
            for field in sorted(TEXTS[kind] & set(table)):
                value = table[field]
                if field in POSITIONAL:
                    for i, text in enumerate(value, 1):
                        if text:
                            yield locale, entry, f"{field}[{i}]", str(text)
                else:
                    yield locale, entry, field, str(value)


def _english_texts(pack: CanonPack) -> Iterator[tuple[Entry, str, int | None]]:
    """(entry, field, position or None) for every English text a locale can translate: each name,
    title, summary, premise and note, each fact, and each warning that has a note."""
    entries: tuple[Entry, ...] = (*pack.characters, *pack.episodes, *pack.terms, *pack.tracks)
    for entry in entries:
        for field in sorted(TEXTS[kind_of(entry)]):
            if field not in POSITIONAL:
                if getattr(entry, field):
                    yield entry, field, None
                continue
            for i, item in enumerate(_english_list(entry, field)):
                if field != "warnings" or item.note:
                    yield entry, field, i


def coverage(pack: CanonPack, locale: str) -> tuple[int, int]:
    """(texts translated, texts in English) for ``locale``, each text counting one."""
    done = total = 0
    for entry, field, i in _english_texts(pack):
        total += 1
        value = pack.l10n.get(locale, {}).get(f"{kind_of(entry)}:{entry.id}", {}).get(field)
        if i is not None:
            done += bool(value and i < len(value) and value[i])
        elif value or (field == "title" and locale == "ko" and getattr(entry, "title_ko", "")):
            done += 1
    return done, total


def coverage_report(pack: CanonPack) -> str:
    """One line per locale: "ko: 412/430 texts (95.8%)"."""
    lines = []
    for locale in sorted(pack.l10n):
        done, total = coverage(pack, locale)
        lines.append(f"{locale}: {done}/{total} texts ({100 * done / max(total, 1):.1f}%)")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m bot.canon.l10n [CANON_DIR]: coverage per locale
    import sys

    from bot.canon.loader import load_pack

    print(coverage_report(load_pack(Path(sys.argv[1]) if len(sys.argv) > 1 else None)))
