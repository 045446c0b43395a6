"""Leak check: text the bot shows at some horizon must not give away what comes later.

Who sees what (see ``bot.lookups.entries``, ``bot.lookups.timeline`` and ``bot.lookups.canon_info``):

- A character's role, summary, looks and vocal credit, and a term's summary, are shown to anyone who
  looks the entry up. They may name the setting (what the first episode of a track introduces) and
  whatever first appears in the same episode as the entry itself; nothing else.
- An episode's title, premise, release note and warning notes are shown to anyone, before they watch;
  its performers and vocal credits once everything before it has been seen. They may name what this
  episode or an earlier one introduces (on every track it builds on).
- A fact (character or term ``facts``, episode ``details``) is shown once its ``revealed_in`` episode has
  been seen, and may name what a viewer at that point has met.
- Track descriptions and the changelog (/timeline, /canon info) are shown to everyone; every episode
  title is public there anyway, so they may name episodes, but only the setting otherwise.

Every translation (``l10n/<locale>.toml``) is checked like the English text it stands for, with the
same audience; names include every language's names and aliases.

Everything shown before anyone has watched (all of the above but facts) must contain no canon spoiler
rule at all; a fact must contain no rule of an episode its viewers may not have seen. Names (with their
aliases, Hangul and Japanese forms) and rules are matched with the spoiler guard's own matcher, so the
check agrees with what the guard would catch in chat.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from bot.canon.horizon import Horizon, horizon_through
from bot.canon.l10n import all_names, kind_of, translated
from bot.canon.loader import BUILTIN_DIR, PACK_FILE, Sources, load_pack, load_pack_with_sources
from bot.canon.model import CanonPack, Character, Episode, Fact, Term, Track
from bot.guard.rules import compile_guild_rules
from bot.spoilers import Rule, RuleSet, compile_rules, fold, phrase_words
from bot.spoilers.normalize import is_cjk

Key = tuple[str, str]  # (kind, id): ("character", "luka"), ("episode", "final")


@dataclass(frozen=True, slots=True)
class Leak:
    """One field that gives something away, with the file that set it."""

    file: str
    entry: str  # "character 'hyunwoo'"
    field: str  # "summary", "facts[2].text", "ko: facts[2]" (a translation)
    message: str

    def __str__(self) -> str:
        return f"file: {self.file}, entry {self.entry}, field '{self.field}': {self.message}"


@dataclass(frozen=True, slots=True)
class _Shown:
    """A piece of text and what its audience may already know."""

    key: Key
    field: str
    text: str
    names: frozenset[Key]  # entries it may name
    rules: Horizon  # spoiler rules of episodes this horizon includes are fine
    file: str = ""  # set for translations (l10n/<locale>.toml); else the entry's sources name it


def _first(pack: CanonPack, key: Key) -> str:
    kind, entry_id = key
    if kind == "character":
        return pack.character(entry_id).first_appearance
    if kind == "term":
        return pack.term(entry_id).first_appearance
    return entry_id


def _keys(pack: CanonPack) -> list[Key]:
    return [
        *(("episode", e.id) for e in pack.episodes),
        *(("character", c.id) for c in pack.characters),
        *(("term", t.id) for t in pack.terms),
    ]


def _word_keys(name: str) -> tuple[str, ...]:
    return tuple(w if is_cjk(w[0]) else fold(w) for w in phrase_words(name))


def _script(char: str) -> str:
    if "\u3040" <= char <= "\u309f":
        return "hiragana"
    if "\u30a0" <= char <= "\u30ff" or "\uff66" <= char <= "\uff9f":
        return "katakana"
    if "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf":
        return "han"
    return ""


def segmented(text: str) -> str:
    """Japanese text with a space wherever the script changes between kana and kanji ("ミジはルカと" is
    "ミジ は ルカ と"). Japanese writes no spaces, and the matcher finds a no-space-script name only at
    the start of a word; names are katakana, particles hiragana, so this finds them in running text.
    Text without kana or kanji is returned unchanged."""
    out: list[str] = []
    previous = ""
    for char in text:
        script = _script(char)
        if out and script != previous and (script or previous):
            out.append(" ")
        out.append(char)
        previous = script
    return "".join(out)


def _leet_mangled(name: str) -> bool:
    """A shorthand whose digits the matcher reads as letters ("round5" is "rounds"): matching it would
    flag every "round"; its spaced form ("round 5") is an alias too."""
    digits = sum(ch.isdigit() for ch in name)
    return digits > sum(ch.isdigit() for w in phrase_words(name) for ch in w)


def _names(pack: CanonPack) -> dict[Key, tuple[str, ...]]:
    """Every entry's names as people type them. A title made only of character names ("MIZI&SUA") is
    left out: the characters' own names already stand for it."""
    people = {
        w
        for c in pack.characters
        for n in (c.name, c.hangul, c.japanese, *c.aliases, *all_names(pack, c))
        if n
        for w in _word_keys(n)
    }
    out: dict[Key, tuple[str, ...]] = {}
    for c in pack.characters:
        found = (c.name, c.hangul, c.japanese, *c.aliases, *all_names(pack, c))
        out[("character", c.id)] = tuple(dict.fromkeys(n for n in found if n))
    for t in pack.terms:
        found = (t.name, t.hangul, *t.aliases, *all_names(pack, t))
        out[("term", t.id)] = tuple(dict.fromkeys(n for n in found if n and not set(_word_keys(n)) <= people))
    for e in pack.episodes:
        found = (e.title, e.title_ko, *e.aliases, *all_names(pack, e))
        out[("episode", e.id)] = tuple(
            dict.fromkeys(n for n in found if n and not set(_word_keys(n)) <= people)
        )
    kept = {key: tuple(n for n in names if not _leet_mangled(n)) for key, names in out.items()}
    return {key: names for key, names in kept.items() if names}


class LeakChecker:
    """Checks one pack; compiled name and rule sets are cached per audience."""

    def __init__(self, pack: CanonPack) -> None:
        self.pack = pack
        self._keys = _keys(pack)
        self._names = _names(pack)
        self._fixed = tuple(segmented(n) for names in self._names.values() for n in names)  # no verbs
        self._name_sets: dict[frozenset[Key], RuleSet] = {}
        self._rule_sets: dict[Horizon, RuleSet] = {}
        setting = Horizon({track: 0 for track in pack.track_ids()})
        self._setting = self.known_at(setting)
        self._episodes = frozenset(("episode", e.id) for e in pack.episodes)

    def known_at(self, horizon: Horizon) -> frozenset[Key]:
        """The entries a viewer at ``horizon`` has met."""
        return frozenset(k for k in self._keys if horizon.allows(self.pack, _first(self.pack, k)))

    def _met(self, horizon: Horizon) -> frozenset[Key]:
        """What a viewer at ``horizon`` may see named: what they have met, plus the setting, which
        everyone's cards show (Zombie Stage's cast are the main story's first characters)."""
        return self.known_at(horizon) | self._setting

    def _public(self, key: Key) -> frozenset[Key]:
        first = _first(self.pack, key)
        return self._setting | {key} | {k for k in self._keys if _first(self.pack, k) == first}

    # --- what is shown --------------------------------------------------------------------------

    def _facts(self, key: Key, field: str, facts: Iterable[Fact]) -> Iterator[_Shown]:
        for i, fact in enumerate(facts, 1):
            seen = horizon_through(self.pack, fact.revealed_in)
            yield _Shown(key, f"{field}[{i}].text", fact.text, self._met(seen) | {key}, seen)

    def _character(self, c: Character) -> Iterator[_Shown]:
        key, nothing = ("character", c.id), Horizon()
        names = self._public(key)
        for field, text in (("role", c.role), ("summary", c.summary), ("looks", c.looks)):
            yield _Shown(key, field, text, names, nothing)
        if c.vocal is not None:
            yield _Shown(key, "vocal.artist", c.vocal.artist, names, nothing)
        yield from self._facts(key, "facts", c.facts)

    def _term(self, t: Term) -> Iterator[_Shown]:
        key = ("term", t.id)
        yield _Shown(key, "summary", t.summary, self._public(key), Horizon())
        yield from self._facts(key, "facts", t.facts)

    def _episode(self, e: Episode) -> Iterator[_Shown]:
        key, nothing = ("episode", e.id), Horizon()
        names = self._met(horizon_through(self.pack, e.id)) | {key}
        texts = [("title", e.title), ("title_ko", e.title_ko), ("premise", e.premise)]
        texts += [("release_note", e.release_note)]
        texts += [(f"warnings[{i}].note", w.note) for i, w in enumerate(e.warnings, 1)]
        texts += [(f"vocals[{i}].artist", v.artist) for i, v in enumerate(e.vocals, 1)]
        for field, text in texts:
            yield _Shown(key, field, text, names, nothing)
        yield from self._facts(key, "details", e.details)

    def _english(self) -> Iterator[_Shown]:
        for e in self.pack.episodes:
            yield from self._episode(e)
        for c in self.pack.characters:
            yield from self._character(c)
        for t in self.pack.terms:
            yield from self._term(t)

    def _translations(self, english: dict[tuple[Key, str], _Shown]) -> Iterator[_Shown]:
        """Every translated text, shown to the same audience as the English text it stands for (a
        translated fact when its English one is, a translated summary to anyone)."""
        for locale, entry, field, text in translated(self.pack):
            if isinstance(entry, Track):
                continue  # checked with the track descriptions in ``leaks``
            kind = kind_of(entry)
            top = field.split("[", 1)[0]
            suffix = ".note" if top == "warnings" else ".text" if top in ("facts", "details") else ""
            same = english.get(((kind, entry.id), field + suffix))
            if same is not None:  # names are not checked in English either
                yield replace(same, field=f"{locale}: {field}", text=text, file=f"l10n/{locale}.toml")

    def shown(self) -> Iterator[_Shown]:
        """Every text members are shown, English first, then every translation of it."""
        english = {(s.key, s.field): s for s in self._english()}
        yield from english.values()
        yield from self._translations(english)

    # --- matching -------------------------------------------------------------------------------

    def _name_set(self, known: frozenset[Key]) -> RuleSet:
        if known not in self._name_sets:
            rules = [
                Rule(f"{kind}:{entry_id}", segmented(name))
                for (kind, entry_id), names in self._names.items()
                if (kind, entry_id) not in known
                for name in names
            ]
            allowed = [segmented(name) for key in known for name in self._names.get(key, ())]
            self._name_sets[known] = compile_rules(rules, allowed, fixed=self._fixed)
        return self._name_sets[known]

    def _rule_set(self, horizon: Horizon) -> RuleSet:
        if horizon not in self._rule_sets:
            self._rule_sets[horizon] = compile_guild_rules(self.pack, horizon, [], ())  # as the guard does
        return self._rule_sets[horizon]

    def problems(self, text: str, names: frozenset[Key], rules: Horizon) -> list[str]:
        """Why ``text`` may not be shown to that audience (empty when it may)."""
        out = []
        for hit in self._name_set(names).match(segmented(text)):
            kind, entry_id = hit.episode.split(":", 1)
            first = _first(self.pack, (kind, entry_id))
            out.append(
                f"names {kind} '{entry_id}' (as '{hit.phrase}'), first seen in '{first}': "
                "some who are shown this text have not got that far"
            )
        for hit in self._rule_set(rules).match(text):
            out.append(
                f"contains '{hit.phrase}', a spoiler rule of episode '{hit.episode}': "
                "some who are shown this text have not seen it"
            )
        return out

    def _structure(self) -> Iterator[tuple[Key, str, str]]:
        """Performers and credited characters shown before an episode who first appear after it."""
        for e in self.pack.episodes:
            known = self._met(horizon_through(self.pack, e.id))
            who = [(f"performers[{i}]", c) for i, c in enumerate(e.performers, 1)]
            who += [(f"vocals[{i}].character", v.character) for i, v in enumerate(e.vocals, 1) if v.character]
            for field, character_id in who:
                if ("character", character_id) not in known:
                    first = self.pack.character(character_id).first_appearance
                    yield (
                        ("episode", e.id),
                        field,
                        f"shows character '{character_id}', who first appears in '{first}', "
                        "to viewers who may not have seen that",
                    )

    def leaks(self, sources: Sources | None = None) -> list[Leak]:
        sources = sources or {}

        def leak(key: Key, field: str, message: str) -> Leak:
            top = field.split("[", 1)[0].split(".", 1)[0]
            fields = sources.get(key, {})
            return Leak(fields.get(top, "?"), f"{key[0]} '{key[1]}'", field, message)

        found = []
        for shown in self.shown():
            if shown.text:
                for message in self.problems(shown.text, shown.names, shown.rules):
                    made = leak(shown.key, shown.field, message)
                    found.append(replace(made, file=shown.file) if shown.file else made)
        found += [leak(key, field, message) for key, field, message in self._structure()]
        releases = self._setting | self._episodes
        for track in self.pack.tracks:
            for message in self.problems(track.description, releases, Horizon()):
                found.append(Leak(PACK_FILE, f"track '{track.id}'", "description", message))
        for locale, entry, field, text in translated(self.pack):
            if isinstance(entry, Track):
                for message in self.problems(text, releases, Horizon()):
                    found.append(
                        Leak(f"l10n/{locale}.toml", f"track '{entry.id}'", f"{locale}: {field}", message)
                    )
        for change in self.pack.changes:
            for i, note in enumerate(change.notes, 1):
                for message in self.problems(note, releases, Horizon()):
                    found.append(Leak(PACK_FILE, f"changes '{change.version}'", f"notes[{i}]", message))
        return found


def find_leaks(pack: CanonPack, sources: Sources | None = None) -> list[Leak]:
    """Every leak in ``pack`` (``sources`` from ``load_pack_with_sources`` names the files)."""
    return LeakChecker(pack).leaks(sources)


def moved_overrides(pack: CanonPack, sources: Sources, override_dir: Path | None) -> list[str]:
    """Warnings for override files that set the order (``after`` / ``requires``) of an episode whose
    place changed in this pack version: what they meant may no longer be what they do."""
    change = pack.change()
    if change is None or override_dir is None:
        return []
    builtin = load_pack(None, BUILTIN_DIR)
    out = []
    for episode_id in change.moved:
        fields = sources.get(("episode", episode_id), {})
        for field in ("after", "requires"):
            label = fields.get(field)
            if label is None or Path(label).parent != override_dir:
                continue
            yours = getattr(pack.episode(episode_id), field)
            ours = getattr(builtin.episode(episode_id), field) if builtin.has_episode(episode_id) else None
            yours_text = ", ".join(yours) if isinstance(yours, tuple) else yours
            ours_text = ", ".join(ours) if isinstance(ours, tuple) else ours
            out.append(
                f"file: {label}, entry episode '{episode_id}', field '{field}': pack {pack.version} moved "
                f"this episode (built in: {field} = '{ours_text or 'nothing'}'; yours: '{yours_text}'). "
                "Check that your override still means what you want, or remove it (see the canon README)."
            )
    return out


@dataclass(frozen=True, slots=True)
class Report:
    leaks: list[Leak]
    warnings: list[str]


def check_dir(override_dir: Path | None = None, builtin_dir: Path = BUILTIN_DIR) -> Report:
    """Load the pack (raising ``PackError`` when it is broken) and check it for leaks and stale overrides."""
    pack, sources = load_pack_with_sources(override_dir, builtin_dir)
    warnings = moved_overrides(pack, sources, override_dir) if builtin_dir == BUILTIN_DIR else []
    return Report(find_leaks(pack, sources), warnings)
