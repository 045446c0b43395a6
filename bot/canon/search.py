"""Fuzzy lookup of episodes, characters and terms for autocomplete and commands.

Keys (names, titles, aliases, Hangul and Japanese names) are normalized once when the index is built;
queries are matched case-, accent- and width-insensitively, first exactly, then by prefix (of the whole
key or of any word in it), then with rapidfuzz for typos. Labels come from names and titles only, never
from gated facts, so a suggestion cannot spoil.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.canon.l10n import all_names
from bot.canon.model import CanonPack, Kind

KINDS: tuple[Kind, ...] = ("character", "episode", "term")
MAX_RESULTS = 25
MAX_LABEL = 100
MAX_QUERY = 100

EXACT_NAME, EXACT_ALIAS = 100.0, 97.0
FUZZY_CAP, FUZZY_CUTOFF = 88.0, 72.0
CONFIDENT, CONFIDENT_MARGIN = 75.0, 8.0
NUMBER_MISMATCH_CAP = CONFIDENT - 1.0  # "round 2" near "round 1": a suggestion, never the pick
_PREFIX_SCAN = 200  # prefix candidates looked at per query, enough for 25 good results


@dataclass(frozen=True, slots=True)
class Match:
    kind: str
    id: str
    label: str
    score: float


def normalize(text: str) -> str:
    """The search form of `text`: lower-case, width-folded, without Latin accents or punctuation,
    Hangul split into jamo (so typos inside a syllable stay close), words separated by one space.
    A run of single letters ("R O U N D 5") is joined into one word."""
    text = unicodedata.normalize("NFKC", text[:MAX_QUERY]).casefold()
    out: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char):
            if out and out[-1] < "\u0370":  # drop accents on Latin letters, keep kana voicing marks
                continue
            out.append(char)
        elif char.isalnum():
            out.append(char)
        else:
            out.append(" ")
    return " ".join(_join_letter_runs("".join(out).split()))


def _join_letter_runs(words: list[str]) -> list[str]:
    """["r", "o", "u", "n", "d", "5"] -> ["round5"]; runs shorter than three letters stay apart."""
    out: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1:
            run.append(word)
            continue
        out.extend(["".join(run)] if len(run) >= 3 else run)
        run = []
        if word:
            out.append(word)
    return out


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _label(*parts: str) -> str:
    text = " ".join(" ".join(p.split()) for p in parts if p)
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


@dataclass(frozen=True, slots=True)
class _Item:
    id: str
    label: str


_BUCKETS = (4, 6, 8, 11, 15, 20)  # key prefix lengths kept for "typo while still typing" matching
Row = tuple[int, bool]  # (item index, key starts at a later word of the name)


class _KindIndex:
    """All keys of one kind: exact lookup, a sorted array for prefixes, lists for fuzzy matching."""

    def __init__(self, kind: str, items: list[tuple[_Item, list[str], list[str]]]) -> None:
        self.kind = kind
        self.items = [item for item, _, _ in items]
        self.exact: dict[str, tuple[int, float]] = {}
        keys: dict[str, list[Row]] = {}
        for index, (_, names, aliases) in enumerate(items):
            for weight, texts in ((EXACT_NAME, names), (EXACT_ALIAS, aliases)):
                for text in texts:
                    words = normalize(text).split()
                    if not words:
                        continue
                    compact = "".join(words)
                    if self.exact.get(compact, (0, 0.0))[1] < weight:
                        self.exact[compact] = (index, weight)
                    for start in range(len(words)):
                        rows = keys.setdefault("".join(words[start:]), [])
                        if (index, start > 0) not in rows and (index, False) not in rows:
                            rows.append((index, start > 0))
        self.keys = sorted(keys)
        self.rows = [keys[k] for k in self.keys]
        # Typo matching looks at whole keys only (not every later word), which halves its work.
        self.whole = [pos for pos, k in enumerate(self.keys) if any(not later for _, later in keys[k])]
        whole_keys = [self.keys[pos] for pos in self.whole]
        self.fuzzy = whole_keys
        self.numbers = [_digits(k) for k in whole_keys]
        self.truncated = {n: [k[:n] for k in whole_keys] for n in _BUCKETS}

    def score(self, spaced: str, limit: int) -> dict[int, float]:
        compact = spaced.replace(" ", "")
        found: dict[int, float] = {}

        def offer(pos: int, score: float) -> None:
            for index, later_word in self.rows[pos]:
                value = score - 3.0 if later_word else score
                if value > found.get(index, -1.0):
                    found[index] = value

        hit = self.exact.get(compact)
        if hit:
            found[hit[0]] = hit[1]
        start = bisect_left(self.keys, compact)
        for pos in range(start, min(start + _PREFIX_SCAN, len(self.keys))):
            if not self.keys[pos].startswith(compact):
                break
            key = self.keys[pos]
            cut_number = compact[-1].isdigit() and len(key) > len(compact) and key[len(compact)].isdigit()
            offer(pos, NUMBER_MISMATCH_CAP if cut_number else 85.0 + 10.0 * len(compact) / len(key))
        if len(compact) < 3 or sum(s >= 85 for s in found.values()) >= limit:
            return found
        # One rapidfuzz pass over keys cut to just past the query's length: it catches typos in a
        # whole name and in a name still being typed. Cut keys score a little lower than whole ones.
        # A typed number that differs from the key's ("round 2" against "round 1") is another entry,
        # perhaps one the pack does not have yet: never confident enough to act on.
        bucket = next((n for n in _BUCKETS if n > len(compact)), None)
        choices = self.truncated[bucket] if bucket else self.fuzzy
        number = _digits(compact)
        for _, score, pos in process.extract(
            compact, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=limit
        ):
            cap = FUZZY_CAP if not number or number == self.numbers[pos] else NUMBER_MISMATCH_CAP
            if bucket and len(self.fuzzy[pos]) > bucket:
                if score * 0.95 >= FUZZY_CUTOFF:
                    offer(self.whole[pos], min(float(score) * 0.95, FUZZY_CAP - 3.0, cap))
            else:
                offer(self.whole[pos], min(float(score), cap))
        return found


class SearchIndex:
    """Built once per pack. Every method returns at most 25 matches, best first."""

    def __init__(self, pack: CanonPack) -> None:
        episodes = [
            (
                _Item(e.id, _label(e.title, "(webcomic)" if e.kind == "webcomic" else "")),
                [e.title, e.id],
                [*e.aliases, e.title_ko, *all_names(pack, e)],
            )
            for e in pack.episodes
        ]
        characters = [
            (
                _Item(c.id, _label(c.name, f"({c.hangul})" if c.hangul else "")),
                [c.name],
                [*c.aliases, c.hangul, c.japanese, *all_names(pack, c)],
            )
            for c in sorted(pack.characters, key=lambda c: not c.main)
        ]
        terms = [
            (
                _Item(t.id, _label(t.name, f"({t.hangul})" if t.hangul else "")),
                [t.name],
                [*t.aliases, t.hangul, *all_names(pack, t)],
            )
            for t in pack.terms
        ]
        self._indexes = {
            "episode": _KindIndex("episode", episodes),
            "character": _KindIndex("character", characters),
            "term": _KindIndex("term", terms),
        }
        self._main_cast = sum(1 for c in pack.characters if c.main) or len(pack.characters)

    def complete(self, query: str, kinds: Iterable[str] = KINDS, limit: int = MAX_RESULTS) -> list[Match]:
        """Autocomplete choices for `query` across `kinds`. An empty query lists episodes in release
        order, then the main cast, then terms; a query with nothing searchable in it returns []."""
        limit = max(0, min(limit, MAX_RESULTS))
        wanted = set(kinds)
        if not wanted <= set(KINDS):
            raise ValueError(f"unknown kinds {sorted(wanted - set(KINDS))}; use {', '.join(KINDS)}")
        chosen = [self._indexes[k] for k in KINDS if k in wanted]
        if not query.strip():
            return self._defaults(chosen, limit)
        spaced = normalize(query)
        if not spaced:
            return []
        matches = [
            Match(index.kind, index.items[i].id, index.items[i].label, round(score, 1))
            for index in chosen
            for i, score in index.score(spaced, limit).items()
        ]
        matches.sort(key=lambda m: (-m.score, len(m.label), m.label))
        return matches[:limit]

    def best(self, query: str, kind: str) -> Match | None:
        """The single match a command can act on without asking, or None when unsure."""
        top = self.complete(query, kinds=(kind,), limit=2)
        if not top or not query.strip() or top[0].score < CONFIDENT:
            return None
        if top[0].score < EXACT_ALIAS and len(normalize(query).replace(" ", "")) < 2:
            return None  # one typed letter is not a choice
        if top[0].score < EXACT_ALIAS and len(top) > 1 and top[0].score - top[1].score < CONFIDENT_MARGIN:
            return None
        return top[0]

    def suggest(self, query: str, kind: str, n: int = 5) -> list[Match]:
        """Close candidates for a "did you mean" reply."""
        return self.complete(query, kinds=(kind,), limit=n)

    def _defaults(self, chosen: list[_KindIndex], limit: int) -> list[Match]:
        out: list[Match] = []
        for index in sorted(chosen, key=lambda i: ("episode", "character", "term").index(i.kind)):
            room = limit - len(out)
            items = (
                index.items[: min(room, self._main_cast)] if index.kind == "character" else index.items[:room]
            )
            out.extend(Match(index.kind, item.id, item.label, 0.0) for item in items)
        return out
