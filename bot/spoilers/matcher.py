"""The spoiler rule engine: phrases tied to episodes, matched against a message's visible text.

Semantics (phrases and messages go through the same ``normalize``):

* A phrase is a sequence of words; it matches a run of consecutive message words.
* Latin (and any other spaced script) words match whole words: "dies" never matches inside
  "studies", "till" never inside "tilled". Punctuation and repeated spaces between words do not
  matter ("till... dies!!" matches "till dies").
* Plural / third-person ``-s`` is folded on both sides (see ``fold``): "ivan dies" matches
  "ivan die", "wins" matches "win", "kisses" matches "kiss", "ivan's" matches "ivan". Past tense and
  ``-ing`` forms are NOT folded (irregular verbs make it unsafe): the phrase list carries them
  ("ivan died", "ivan dying").
* Hangul (and kana, Han) words match at the START of the corresponding message word, because Korean
  attaches particles and endings after the stem: "수아 죽" matches "수아가 죽었어", but "미지 죽"
  does not match "이미지 죽이네" ("the image is great"). A phrase of several Hangul words also
  matches written without spaces ("수아죽었어" for "수아 죽").
* ``unless``: a rule's exclusions are phrases matched the same way; a hit that an occurrence of one
  of them overlaps is cancelled ("이반 죽" unless "이반 죽이": "이반 죽이게 잘생겼다" is innocent,
  "이반 죽었어" is not). A later, uncancelled occurrence still fires.
* ``endings``: the message word matched by the phrase's last (Hangul) stem must go on with one of
  them ("이반 죽" with endings 었/어/음 matches "이반 죽었어" and "이반 죽음", not "이반 죽이네").
* Allow-list: an occurrence of an allowed phrase masks every rule hit lying inside it (allow
  "till the end" and a rule "till" no longer fires on the R2 title; "till dies" still fires).

Cost: phrases are compiled once into a trie over words, so matching walks the message once and
looks up each word in a hash table; the cost does not grow with the number of rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from bot.spoilers.normalize import _CJK_RE, is_cjk, normalize

__all__ = ["Hit", "Rule", "RuleSet", "compile_rules", "fold", "phrase_words", "rule_condition_problems"]


@dataclass(frozen=True, slots=True)
class Rule:
    """A phrase that spoils ``episode``; ``source`` is "canon" or who added it."""

    episode: str
    phrase: str
    source: str = "canon"
    rule_id: int | None = None
    unless: tuple[str, ...] = ()  # phrases that cancel a hit they overlap
    endings: tuple[str, ...] = ()  # what the word matched by the last Hangul stem must go on with


def rule_condition_problems(
    phrase: str, unless: Iterable[str], endings: Iterable[str]
) -> list[tuple[str, str]]:
    """What is wrong with a rule's conditions, as (where, sentence) pairs: ``where`` is "unless[i]",
    "endings[i]" or "endings" (1-based). Empty when the conditions can work."""
    problems: list[tuple[str, str]] = []
    words = phrase_words(phrase)
    for i, other in enumerate(unless, 1):
        other_words = phrase_words(other)
        if not other_words:
            problems.append((f"unless[{i}]", f"'{other}' has no letters or digits to match"))
        elif not any(_overlaps(a, b) for a in words for b in other_words):
            problems.append(
                (f"unless[{i}]", f"'{other}' shares no word with '{phrase}', so it can never cancel it")
            )
    endings = tuple(endings)
    if endings and words and not is_cjk(words[-1][-1]):
        problems.append(
            ("endings", f"endings only apply after a Hangul stem, and '{phrase}' ends in '{words[-1]}'")
        )
    elif endings:
        for i, ending in enumerate(endings, 1):
            ending_words = phrase_words(ending)
            if len(ending_words) != 1 or not all(map(is_cjk, ending_words[0])):
                problems.append((f"endings[{i}]", f"'{ending}' is not a Hangul ending (e.g. 었, 어, 음)"))
    return problems


def _overlaps(a: str, b: str) -> bool:
    """Could words ``a`` (of a rule) and ``b`` (of an exclusion) match the same message word?"""
    if is_cjk(a[0]) and is_cjk(b[0]):
        return a.startswith(b) or b.startswith(a)
    return _word_key(a) == _word_key(b)


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule found in a message. ``start``/``end`` index ``normalize(text)``, not the raw text."""

    episode: str
    phrase: str
    source: str
    start: int
    end: int
    rule_id: int | None = None


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Fold a plural or third-person ``-s`` off a Latin word (4+ letters, not ``-ss``).

    ``-sses``, ``-shes``, ``-ches``, ``-xes`` lose ``es`` ("kisses" → "kiss"); other words lose the
    final ``s`` ("dies" → "die", "wins" → "win", "ivans" → "ivan"). Hangul and words with digits
    are returned unchanged.
    """
    if len(word) < 4 or word[-1] != "s" or word[-2] == "s" or not (word.isascii() and word.isalpha()):
        return word
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    return word[:-1]


def _word_key(word: str) -> str:
    return word if is_cjk(word[0]) else fold(word)


def phrase_words(phrase: str) -> tuple[str, ...]:
    """The words a phrase matches on (empty when nothing matchable is left after normalising)."""
    return tuple(normalize(phrase).split())


class _Node:
    __slots__ = ("allow", "cancels", "children", "rules")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.rules: list[Rule] = []  # first rule per episode (and conditions) ending here, in compile order
        self.cancels: list[Rule] = []  # rules an occurrence of this phrase cancels (their `unless`)
        self.allow = False


class RuleSet:
    """Compiled rules; build with ``compile_rules``. Immutable and safe to share."""

    __slots__ = ("_cjk_first_chars", "_cjk_prefixes", "_root", "ignored", "rule_count")

    def __init__(self) -> None:
        self._root = _Node()
        self._cjk_prefixes: set[str] = set()
        self._cjk_first_chars: set[str] = set()
        self.rule_count = 0
        #: Rules and allowed phrases skipped because they normalise to nothing.
        self.ignored: list[Rule | str] = []

    def __len__(self) -> int:
        return self.rule_count

    def _insert(self, keys: Iterable[str]) -> _Node:
        node = self._root
        for key in keys:
            if is_cjk(key[0]):
                self._cjk_prefixes.update(key[:k] for k in range(1, len(key) + 1))
                self._cjk_first_chars.add(key[0])
            node = node.children.setdefault(key, _Node())
        return node

    def _add(self, words: tuple[str, ...], rule: Rule | None, cancels: bool = False) -> None:
        keys = [_word_key(w) for w in words]
        paths = [keys]
        if len(keys) > 1 and all(is_cjk(k[0]) for k in keys):
            paths.append(["".join(keys)])  # also written without spaces
        for path in paths:
            node = self._insert(path)
            if rule is None:
                node.allow = True
            elif cancels:
                node.cancels.append(rule)
            elif all(not _same_rule(r, rule) for r in node.rules):
                node.rules.append(rule)

    def _step(
        self, children: dict[str, _Node], word: str, key: str, base: int
    ) -> list[tuple[_Node, int, int]]:
        """Children of a node reachable by one message word, with the matched span."""
        if key:
            child = children.get(key)
            return [(child, base, base + len(word))] if child is not None else []
        found: list[tuple[_Node, int, int]] = []
        prefixes = self._cjk_prefixes
        for b in range(1, len(word) + 1):  # stems at the start of the word; particles/endings follow
            piece = word[:b]
            if piece not in prefixes:
                break
            child = children.get(piece)
            if child is not None:
                found.append((child, base, base + b))
        return found

    def match(self, visible_text: str) -> list[Hit]:
        """Hits in ``visible_text`` (see ``visible_text()``): at most one per episode, the earliest
        unmasked one, ordered by position then by rule order."""
        text = normalize(visible_text)
        root = self._root.children
        if not text or not root:
            return []
        words = text.split(" ")
        if _CJK_RE.search(text) is None:
            keys = list(map(fold, words))
            firsts = [i for i, key in enumerate(keys) if key in root]
        else:
            keys = ["" if _CJK_RE.match(w) else fold(w) for w in words]
            cjk_firsts = self._cjk_first_chars
            firsts = [
                i for i, key in enumerate(keys) if key in root or (not key and words[i][0] in cjk_firsts)
            ]
        if not firsts:
            return []
        starts = list(accumulate(map((1).__add__, map(len, words[:-1])), initial=0))
        found: list[tuple[int, int, _Node]] = []
        for i in firsts:
            word = words[i]
            frontier = self._step(root, word, keys[i], starts[i])
            j = i
            while frontier:
                for node, start, end in frontier:
                    if node.rules or node.allow or node.cancels:
                        found.append((start, end, node))
                j += 1
                if j == len(words):
                    break
                frontier = [
                    (child, start, end)
                    for node, start, _ in frontier
                    if node.children
                    for child, _, end in self._step(node.children, words[j], keys[j], starts[j])
                ]
        if not found:
            return []
        found.sort(key=lambda f: (f[0], f[1]))
        allowed = [(start, end) for start, end, node in found if node.allow]
        cancelled: dict[int, list[tuple[int, int]]] = {}
        for start, end, node in found:
            for rule in node.cancels:
                cancelled.setdefault(id(rule), []).append((start, end))
        hits: list[Hit] = []
        seen: set[str] = set()
        for start, end, node in found:
            if any(a <= start and end <= b for a, b in allowed):
                continue
            for rule in node.rules:
                if rule.episode in seen:
                    continue
                if rule.endings and not _ends_with_one_of(text, end, rule.endings):
                    continue
                if any(a < end and start < b for a, b in cancelled.get(id(rule), ())):
                    continue
                seen.add(rule.episode)
                hits.append(Hit(rule.episode, rule.phrase, rule.source, start, end, rule.rule_id))
        return hits

    def episodes_matched(self, visible_text: str) -> frozenset[str]:
        """Episodes spoiled by ``visible_text`` (before horizons and channel allowances)."""
        return frozenset(hit.episode for hit in self.match(visible_text))


def _same_rule(a: Rule, b: Rule) -> bool:
    return a.episode == b.episode and a.unless == b.unless and a.endings == b.endings


def _ends_with_one_of(text: str, end: int, endings: tuple[str, ...]) -> bool:
    """Does the message word matched up to ``end`` go on with one of ``endings``?"""
    stop = text.find(" ", end)
    rest = text[end : stop if stop >= 0 else len(text)]
    return any(rest.startswith(ending) for ending in endings)


def compile_rules(rules: Iterable[Rule], allow: Iterable[str] = ()) -> RuleSet:
    """Compile rules and allowed phrases once; reuse the ``RuleSet`` for every message."""
    ruleset = RuleSet()
    for rule in rules:
        words = phrase_words(rule.phrase)
        if not words:
            ruleset.ignored.append(rule)
            continue
        ruleset._add(words, rule)
        ruleset.rule_count += 1
        for phrase in rule.unless:
            if phrase_words(phrase):
                ruleset._add(phrase_words(phrase), rule, cancels=True)
    for phrase in allow:
        words = phrase_words(phrase)
        if not words:
            ruleset.ignored.append(phrase)
            continue
        ruleset._add(words, None)
    return ruleset
