"""The spoiler rule engine: phrases tied to episodes, matched against a message's visible text.

Semantics (phrases and messages go through the same ``normalize``):

* A phrase is a sequence of words; it matches a run of consecutive message words.
* Latin (and any other spaced script) words match whole words: "dies" never matches inside
  "studies", "till" never inside "tilled". Punctuation and repeated spaces between words do not
  matter ("till... dies!!" matches "till dies").
* Stretched letters do not matter: a run of one letter counts once on both sides ("ivaaan diiies"
  is "ivan dies"; so "till" and "til" are one word).
* Plural / third-person ``-s`` is folded on both sides (see ``fold``): "wins" matches "win",
  "kisses" matches "kiss", "ivan's" matches "ivan".
* English inflection (``bot.spoilers.inflect``): each word of a Latin phrase also matches the other
  forms of its verb: "ivan dies" matches "ivan died", "ivan dying" and "ivan's dead"; "ivan gets
  shot" matches "ivan got shot". Words given as ``fixed`` (character names) are not inflected. A
  "be" verb inside a phrase may be left out, as in a contraction ("ivan is dead" matches "ivan's
  dead"), and a message may put an auxiliary (is, was, has, ...) between two words of a phrase
  ("ivan is dying", "ivan has died").
* A yes/no question is not a statement: a Latin phrase right after an auxiliary that opens one
  ("does mizi die?", "will till win round 2?") does not match, unless a word like "why" or "how"
  comes before it ("why does mizi die" says she does).
* Words split, joined or spelled out: a Latin phrase of 5 letters or more also matches its letters
  written together across whole message words: joined ("ivandies", "#ivandies", "ivan_dies"), or
  one letter at a time ("i v a n d i e s", "i.v.a.n d.i.e.s", a letter per line). The match must
  start at the start of a message word and end at the end of one, so "stan till i die" and "a titled
  game" stay innocent.
* Hangul (and kana, Han) words match at the START of the corresponding message word, because Korean
  attaches particles and endings after the stem: "수아 죽" matches "수아가 죽었어", but "미지 죽"
  does not match "이미지 죽이네" ("the image is great"). Every Hangul word of a phrase but the last
  must be the whole message word or that word plus a particle (이반이, 이반한테, 이반ㅋㅋ), so "이반
  죽" does not match "이반지 죽" either. The last word is a stem; a one-syllable stem does not match a
  word that goes on with a causative or passive suffix (이/히/리), which makes another verb: 죽이다
  is "to kill" (and slang for "awesome"), not "to die"; nor a word that is the stem alone, as a
  verb stem never stands alone (a bare 죽 is porridge). A rule's ``endings`` override both. A phrase
  of several Hangul words also matches written without spaces ("수아죽었어" for "수아 죽") or syllable
  by syllable ("이 반 죽 었 어", also in separate jamo: "ㅇ ㅣ ㅂ ㅏ ㄴ").
* ``unless``: a rule's exclusions are phrases matched the same way; a hit that an occurrence of one
  of them overlaps is cancelled ("이반 죽" unless "이반 죽겠": "이반 죽겠다" is innocent, "이반
  죽었어" is not). A later, uncancelled occurrence still fires.
* ``endings``: the message word matched by the phrase's last (Hangul) stem must go on with one of
  them ("이반 죽" with endings 었/어/음 matches "이반 죽었어" and "이반 죽음", not "이반 죽네").
* Allow-list: an occurrence of an allowed phrase masks every rule hit lying inside it (allow
  "till the end" and a rule "till" no longer fires on the R2 title; "till dies" still fires).

Cost: phrases are compiled once into a trie over words, so matching walks the message once and
looks up each word in a hash table; joined and spelled-out letters are found by one Aho-Corasick
automaton (pyahocorasick, in C) over the message's letters. Neither cost grows with the number of
rules. Memory follows the phrases, not their forms: trie nodes a walk cannot tell apart are one node
(all forms of "ivan cries" end in the same one). A small set (a server's own few rules) keeps no
automaton: it looks up the message's short runs of whole words in its joined letters instead.
Several sets (the canon's, shared by servers, and a server's own) are matched together as one
(``match_together``).
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, islice, product

import ahocorasick

from bot.spoilers.inflect import forms, predicates
from bot.spoilers.normalize import _CJK_RE, _JAMO_RE, CACHED_WORD, compose_jamo, is_cjk, normalize

__all__ = [
    "Hit",
    "Rule",
    "RuleSet",
    "compile_rules",
    "fold",
    "match_together",
    "phrase_words",
    "rule_condition_problems",
]

#: A Latin phrase needs this many letters (written together) to be matched across joined or
#: spelled-out words: shorter ones would turn up inside ordinary chat.
MIN_JOINED_LETTERS = 5
#: Variants (inflected forms) compiled per phrase at most: past this, later words keep one form.
MAX_VARIANTS = 96
#: A set with at most this many joined phrases (a server's own few rules) finds them by looking up the
#: message's short runs of words instead of building an Aho-Corasick automaton, which costs tens of KiB.
SMALL_JOINED = 256
_HEAD = 3  # letters a small set's joined phrases are first told apart by (<= MIN_JOINED_LETTERS)

# Particles and endings a name takes inside a Korean phrase (이반이 죽었어, 이반한테 ..., 이반아).
_PARTICLES = frozenset(
    "이 가 은 는 을 를 의 도 랑 와 과 야 아 이가 이는 이랑 이야 이도 이를 이의 이나 나 만 이만 한테 에게 께서 "
    "에서 한테서 에게서 까지 부터 처럼 보다 님 씨 쨩 군 님이 님은 님을 님의 님도 님한테 씨가 씨는 씨를 이랑은 "
    "이는요 는요 이요 요".split()
)
# A one-syllable verb stem followed by a syllable starting with one of these is another verb: the
# causative or passive suffix 이/히/리 (죽이다 "to kill", 죽인다, 죽일), or it contracted with 어
# (죽여, 죽였어). (기 is left out: it is also the nominaliser of 죽기 전에, "before dying".)
_DERIVING_SUFFIXES = ("이", "히", "리", "여", "혀", "려")
_DERIVING_ONSETS = frozenset((ord(s) - 0xAC00) // 28 for s in _DERIVING_SUFFIXES)
_BE = frozenset({"is", "was", "are", "were", "be"})
# Auxiliaries a message may put between two words of a phrase ("ivan is dying" for "ivan dies").
_AUXILIARIES = frozenset({"is", "was", "are", "were", "be", "ben", "being", "has", "had", "have", "s"})
_ASKING_WORDS = "do does did will would can could should might may shall".split()
_TELLING_WORDS = "why how when where because so that after until cause since".split()
_COPULA = "="  # marks a word that matches only after a copula ("ivan's dead", "ivan is dead")
_SQUEEZE_RE = re.compile(r"([a-z])\1+")
_JAMO_TAIL_RE = re.compile("[\u1100-\u11ff\u3130-\u318f]+$")
# In " " + text + " ": one-character words of a no-space script in a row ("이 반 죽 었 어"), and
# one-letter Latin words in a row ("i v a a n").
_SPACED_CJK_RE = re.compile(f" [{_CJK_RE.pattern[1:-1]}](?: [{_CJK_RE.pattern[1:-1]}])+(?= )")
_SPELLED_RE = re.compile(" [a-z0-9] [a-z0-9] ")
# Korean spelled out: how many one-character words after a start are joined (a phrase and its
# endings, in jamo too), and where a name with its particle may end (bounds the work on "ㅋ ㅋ ㅋ...").
_SPACED_LETTERS = 24
_NAME_AND_PARTICLE = 6
_LEET_LETTERS = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"}


@dataclass(frozen=True, slots=True)
class Rule:
    """A phrase that spoils ``episode``; ``source`` is "canon" or who added it."""

    episode: str
    phrase: str
    source: str = "canon"
    rule_id: int | None = None
    unless: tuple[str, ...] = ()  # phrases that cancel a hit they overlap
    endings: tuple[str, ...] = ()  # what the word matched by the last Hangul stem must go on with


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule found in a message. ``start``/``end`` index ``normalize(text)``, not the raw text (for
    a match across joined or spelled-out words, the span of the words involved)."""

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


@lru_cache(maxsize=65536)
def _squeezed(letters: str) -> str:
    """Each run of one Latin letter once ("ivaaan" → "ivan")."""
    return _SQUEEZE_RE.sub(_first_of_run, letters) if _SQUEEZE_RE.search(letters) else letters


def _first_of_run(match: re.Match[str]) -> str:
    return match[1]


@lru_cache(maxsize=65536)
def _latin_key(word: str) -> str:
    """What a Latin word is compared by: ``fold``ed, each run of one letter counted once (folded
    again, so "diesss" is "die" like "dies")."""
    return fold(_squeezed(fold(word)))


_ASKING = frozenset(map(_latin_key, _ASKING_WORDS))
_TELLING = frozenset(map(_latin_key, _TELLING_WORDS))


@lru_cache(maxsize=65536)
def _message_key(word: str) -> str:
    """A message word's key: "" for a word of a no-space script (matched by prefix instead)."""
    return "" if _CJK_RE.match(word) else _latin_key(word)


def _compile_key(word: str) -> str:
    """A rule word's key, as ``_word_key``, without filling the message path's caches: a server's own
    rule words would otherwise stay in them. Interned, so every rule set shares one copy of a key."""
    return sys.intern(word if is_cjk(word[0]) else _uncached_latin_key(word))


def _uncached_latin_key(word: str) -> str:
    return fold.__wrapped__(_squeezed.__wrapped__(fold.__wrapped__(word)))


def _long_message_key(word: str) -> str:
    """``_message_key`` without filling the caches with a long word (see ``CACHED_WORD``)."""
    if len(word) <= CACHED_WORD:
        return _message_key(word)
    if _CJK_RE.match(word):
        return ""
    return _uncached_latin_key(word)


def _word_key(word: str) -> str:
    return word if is_cjk(word[0]) else _latin_key(word)


def phrase_words(phrase: str) -> tuple[str, ...]:
    """The words a phrase matches on (empty when nothing matchable is left after normalising)."""
    return tuple(normalize(phrase).split())


def _rule_words(phrase: str) -> tuple[str, ...]:
    """``phrase_words`` at compile time: the word cache (for chat) is left alone."""
    return tuple(normalize(phrase, cache=False).split())


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
    return bool(forms(_latin_key(a)) & forms(_latin_key(b))) or _word_key(a) == _word_key(b)


def _variants(
    words: tuple[str, ...], names: Mapping[str, tuple[str, ...]], inflect: bool
) -> Iterator[tuple[str, ...]]:
    """The word sequences a phrase stands for: each name also as the character's other names
    ("ivan" as "이반", "iban"; never inflected), each other Latin word in each of its forms, and with
    a "be" verb in the middle contracted ("ivan is dead" as "ivan's dead": the word after it then
    needs a copula before it in the message)."""
    if not inflect:
        yield words
        return
    choices: list[list[str]] = []
    total = 1
    for i, word in enumerate(words):
        options = [word]
        name = word if word in names else fold.__wrapped__(word)
        if name in names:
            more = [n for n in names[name] if n != word]
        elif not is_cjk(word[0]) and word[0] != _COPULA:
            more = sorted(forms.__wrapped__(word) - {word})
            if i:  # "ivan's dead": a predicate needs the subject before it
                more += sorted(_COPULA + p for p in predicates(word))
        else:
            more = []
        if total * (1 + len(more)) <= MAX_VARIANTS:
            options += more
        total *= len(options)
        choices.append(options)
    yield from product(*choices)
    for i in range(1, len(words) - 1):
        if words[i] in _BE and not words[i + 1].startswith(_COPULA):  # "ivan is dead" → "ivan's dead"
            yield from _variants((*words[:i], _COPULA + words[i + 1], *words[i + 2 :]), names, inflect)


class _Node:
    __slots__ = ("allow", "cancels", "children", "rules")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = _LEAF
        # first rule per episode (and conditions) ending here, in compile order
        self.rules: Sequence[Rule] = ()
        self.cancels: Sequence[Rule] = ()  # rules an occurrence of this phrase cancels (their `unless`)
        self.allow = False

    def signature(self) -> tuple[object, ...]:
        """What a walk can tell of this node (children compared by identity, after sharing them)."""
        return (
            self.allow,
            tuple(map(id, self.rules)),
            tuple(map(id, self.cancels)),
            tuple((key, id(child)) for key, child in self.children.items()),
        )


_LEAF: dict[str, _Node] = {}  # the children of every node without any (never written to)
_NO_JOINED: dict[str, _Node] = {}  # the joined letters of every small set (packed instead; never written to)


@lru_cache(maxsize=1024)
def _shared_set(keys: frozenset[str]) -> frozenset[str]:
    """One copy of each set of keys in use (servers' rules naming one character share its prefixes)."""
    return keys


# One place in a message where phrases end: (start, end, node, rest of the last word after the match).
_Found = tuple[int, int, _Node, str]


class RuleSet:
    """Compiled rules; build with ``compile_rules``. Immutable and safe to share."""

    __slots__ = (
        "_after_copula",
        "_automaton",
        "_cjk_first_chars",
        "_cjk_prefixes",
        "_joined",
        "_joined_heads",
        "_joined_longest",
        "_joined_packed",
        "_root",
        "ignored",
        "rule_count",
    )

    def __init__(self) -> None:
        self._root = _Node()
        self._cjk_prefixes: AbstractSet[str] = set()
        self._cjk_first_chars: AbstractSet[str] = set()
        # Latin phrases' letters written together -> their node; found by an Aho-Corasick automaton,
        # or, in a small set (a server's own rules), by looking up whole-word runs of the message in
        # `_joined_packed`: per node, its letters as one string ("\0ivancries\0ibancries\0")
        self._joined: dict[str, _Node] = {}
        self._joined_longest = 0
        self._joined_packed: tuple[tuple[str, _Node], ...] = ()
        self._joined_heads = ""  # the first letters of each, packed alike: most runs go no further
        self._automaton: ahocorasick.Automaton | None = None
        self._after_copula: AbstractSet[str] = set()  # keys of words that match only after a copula
        self.rule_count = 0
        #: Rules and allowed phrases skipped because they normalise to nothing.
        self.ignored: tuple[Rule | str, ...] = ()

    def __len__(self) -> int:
        return self.rule_count

    def _insert(self, keys: Iterable[str]) -> _Node:
        node = self._root
        for key in keys:
            child = node.children.get(key)
            if child is None:
                if is_cjk(key[0]):
                    assert isinstance(self._cjk_prefixes, set) and isinstance(self._cjk_first_chars, set)
                    self._cjk_prefixes.update(sys.intern(key[:k]) for k in range(1, len(key) + 1))
                    self._cjk_first_chars.add(key[0])
                elif key[0] == _COPULA:
                    assert isinstance(self._after_copula, set)
                    self._after_copula.add(sys.intern(key[1:]))
                if node.children is _LEAF:
                    node.children = {}
                child = node.children[key] = _Node()
            node = child
        return node

    def _add(
        self,
        words: tuple[str, ...],
        rule: Rule | None,
        names: Mapping[str, tuple[str, ...]],
        cancels: bool = False,
    ) -> None:
        cjk = [is_cjk(w[0]) for w in words]
        all_cjk, any_cjk = all(cjk), any(cjk)
        for variant in _variants(words, names, inflect=rule is not None):
            keys = list(map(_compile_key, variant))
            nodes = [self._insert(keys)]
            if all_cjk and len(keys) > 1 and len(variant) == len(words):
                nodes.append(self._insert(["".join(keys)]))  # also written without spaces
            elif not any_cjk:
                # written together, the words keep their own endings ("tillbeatsivan"); the last
                # one is folded as the message's joined word is
                raw = _squeezed.__wrapped__("".join(variant))
                for joined in {raw, _uncached_latin_key(raw)}:
                    # (a name in Hangul or kana never takes part: a message's letters joined are Latin)
                    if len(joined) >= MIN_JOINED_LETTERS and joined.isalpha() and not _CJK_RE.search(joined):
                        nodes.append(self._joined.setdefault(joined, _Node()))
            for node in nodes:
                if rule is None:
                    node.allow = True
                elif cancels:
                    if rule not in node.cancels:
                        node.cancels = (*node.cancels, rule)
                elif all(not _same_rule(r, rule) for r in node.rules):
                    node.rules = (*node.rules, rule)

    def _finish(self) -> None:
        self._share_nodes()
        self._cjk_prefixes = _shared_set(frozenset(self._cjk_prefixes))
        self._cjk_first_chars = _shared_set(frozenset(self._cjk_first_chars))
        self._after_copula = _shared_set(frozenset(self._after_copula))
        if len(self._joined) > SMALL_JOINED:
            automaton = ahocorasick.Automaton()
            for letters, node in self._joined.items():
                automaton.add_word(letters, (len(letters), node))
            automaton.make_automaton()
            self._automaton = automaton
        elif self._joined:
            self._joined_longest = max(map(len, self._joined))
            self._joined_heads = "\0" + "\0".join({letters[:_HEAD] for letters in self._joined}) + "\0"
            by_node: dict[int, tuple[_Node, list[str]]] = {}
            for letters, node in self._joined.items():
                by_node.setdefault(id(node), (node, []))[1].append(letters)
            self._joined_packed = tuple(
                ("\0" + "\0".join(all_letters) + "\0", node) for node, all_letters in by_node.values()
            )
            self._joined = _NO_JOINED

    def _share_nodes(self) -> None:
        """Make nodes a walk cannot tell apart one node (a phrase's forms share their ends: "ivan dies",
        "iban died" and "이반 dying" end in one node), so memory follows the phrases, not their forms."""
        shared: dict[tuple[object, ...], _Node] = {}

        def share(node: _Node) -> _Node:
            if node.children:
                node.children = {key: share(child) for key, child in node.children.items()}
            return shared.setdefault(node.signature(), node)

        self._root.children = {key: share(child) for key, child in self._root.children.items()}
        self._joined = {letters: share(node) for letters, node in self._joined.items()}

    # --- pass 1: word by word ----------------------------------------------------------------------

    def _step(
        self, children: dict[str, _Node], word: str, key: str, base: int, copula: bool = False
    ) -> list[tuple[_Node, int, int, str]]:
        """Children of a node reachable by one message word: (child, start, end, rest of the word).
        ``copula``: the message word before this one is a copula ("is", or the "s" of "ivan's")."""
        if key:
            child = children.get(key)
            if child is None and copula:
                child = children.get(_COPULA + key)
            return [(child, base, base + len(word), "")] if child is not None else []
        found: list[tuple[_Node, int, int, str]] = []
        prefixes = self._cjk_prefixes
        for b in range(1, len(word) + 1):  # stems at the start of the word; particles/endings follow
            piece = word[:b]
            if piece not in prefixes:
                break
            child = children.get(piece)
            if child is not None:
                found.append((child, base, base + b, word[b:]))
        return found

    def _word_hits(self, words: list[str], keys: list[str], firsts: list[int]) -> list[_Found]:
        starts = list(accumulate(map((1).__add__, map(len, words[:-1])), initial=0))
        found: list[_Found] = []
        for i in firsts:
            if i and keys[i - 1] in _ASKING and _asks(keys, i):
                continue
            frontier = self._step(self._root.children, words[i], keys[i], starts[i])
            j = i
            while frontier:
                for node, start, end, rest in frontier:
                    if node.rules or node.allow or node.cancels:
                        found.append((start, end, node, rest))
                j += 1
                if j == len(words):
                    break
                copula = keys[j] in self._after_copula and (
                    keys[j - 1] in _AUXILIARIES or _contracted(words[j - 1], keys[j - 1])
                )
                stepped = [
                    (child, start, end, rest)
                    for node, start, _, before in frontier
                    if node.children and (not before or _whole_word(before))
                    for child, _, end, rest in self._step(node.children, words[j], keys[j], starts[j], copula)
                ]
                if keys[j] in _AUXILIARIES:  # "ivan is dying": the auxiliary is skipped
                    stepped += [(node, start, end, "") for node, start, end, _ in frontier if node.children]
                    stepped = list({(id(f[0]), f[1]): f for f in stepped}.values())  # ("is is is...")
                frontier = stepped
        return found

    def _firsts(self, words: list[str], keys: list[str]) -> list[int]:
        root, cjk_firsts = self._root.children, self._cjk_first_chars
        if "" not in keys:
            return [i for i, key in enumerate(keys) if key in root]
        return [i for i, key in enumerate(keys) if key in root or (not key and words[i][0] in cjk_firsts)]

    # --- pass 2: letters written together ---------------------------------------------------------

    def _joined_hits(self, words: list[str], keys: list[str], padded: str) -> list[_Found]:
        automaton = self._automaton
        if automaton is None and not self._joined_packed:
            return []
        if _SPELLED_RE.search(padded):  # letters spelled out one by one: a stretched one spans words
            keys, lens = _spelled_out(keys)
        else:
            lens = list(map(len, keys))
        stream = "".join(keys)  # (a Hangul word has no key: the Latin words around it join)
        if automaton is None:
            return self._joined_runs(words, keys, lens, stream)
        found: list[_Found] = []
        ends: list[int] | None = None
        for last, (length, node) in automaton.iter(stream):
            if ends is None:
                ends = list(accumulate(lens))
            first = last + 1 - length
            i = bisect_left(ends, first + 1)  # the word the match starts in
            j = bisect_left(ends, last + 1)  # the word it ends in
            if ends[j] != last + 1 or (ends[i] - lens[i]) != first:
                continue  # not whole words
            if i and keys[i - 1] in _ASKING and _asks(keys, i):
                continue
            text_starts = _text_starts(words)
            found.append((text_starts[i], text_starts[j] + len(words[j]), node, ""))
        return found

    def _joined_runs(self, words: list[str], keys: list[str], lens: list[int], stream: str) -> list[_Found]:
        """What the automaton would find, in a small set: each run of whole words (with letters) short
        enough to be a joined phrase, looked up as it is."""
        packed, longest, heads = self._joined_packed, self._joined_longest, self._joined_heads
        found: list[_Found] = []
        text_starts: list[int] | None = None
        first = 0
        for i, length in enumerate(lens):
            if length and "\0" + stream[first : first + _HEAD] + "\0" in heads:
                last = first
                for j in range(i, len(lens)):
                    last += lens[j]
                    if last - first > longest:
                        break
                    if not lens[j] or last - first < MIN_JOINED_LETTERS:
                        continue
                    letters = "\0" + stream[first:last] + "\0"
                    node = next((node for all_letters, node in packed if letters in all_letters), None)
                    if node is None:
                        continue
                    if i and keys[i - 1] in _ASKING and _asks(keys, i):
                        break
                    if text_starts is None:
                        text_starts = _text_starts(words)
                    found.append((text_starts[i], text_starts[j] + len(words[j]), node, ""))
            first += length
        return found

    # --- Korean spelled syllable by syllable ------------------------------------------------------

    def _spaced_hangul_hits(self, padded: str) -> list[_Found]:
        found: list[_Found] = []
        for run in _SPACED_CJK_RE.finditer(padded):
            letters = run.group()[1:].split(" ")
            after = padded[run.end() :].split(" ", 2)[1:2]  # the word that follows the run, if any
            for k in range(len(letters) - 1):
                joined = "".join(letters[k : k + _SPACED_LETTERS])
                if _JAMO_RE.search(joined):
                    joined = compose_jamo(joined)
                if joined[0] not in self._cjk_first_chars:
                    continue
                start = run.start() + sum(len(w) + 1 for w in letters[:k])  # (padded starts with " ")
                # as one word, or as two where a name and its particle end ("이 반 이 죽 었 어")
                name = 1  # how far the start can be a rule's word: a particle of up to 2 may follow
                while name < len(joined) and joined[: name + 1] in self._cjk_prefixes:
                    name += 1
                for cut in range(min(len(joined), name + 3, _NAME_AND_PARTICLE)):
                    words = [joined[:cut], joined[cut:], *(w for w in after if w)][0 if cut else 1 :]
                    keys = ["" if is_cjk(w[0]) else _latin_key(w) for w in words]
                    for _, _, node, rest in self._word_hits(words, keys, self._firsts(words, keys)):
                        found.append((start, run.end() - 1, node, rest))
        return found

    # --- all together ------------------------------------------------------------------------------

    def match(self, visible_text: str) -> list[Hit]:
        """Hits in ``visible_text`` (see ``visible_text()``): at most one per episode, the earliest
        unmasked one, ordered by position then by rule order."""
        return match_together((self,), visible_text)

    def _found(self, text: str, words: list[str], keys: list[str], padded: str) -> list[_Found]:
        firsts = self._firsts(words, keys)
        found = self._word_hits(words, keys, firsts) if firsts else []
        found += self._joined_hits(words, keys, padded)
        if " " in text and "" in keys:  # (a word of a no-space script has no key)
            found += self._spaced_hangul_hits(padded)
        return found

    def episodes_matched(self, visible_text: str) -> frozenset[str]:
        """Episodes spoiled by ``visible_text`` (before horizons and channel allowances)."""
        return frozenset(hit.episode for hit in self.match(visible_text))


def match_together(rulesets: Iterable[RuleSet], visible_text: str) -> list[Hit]:
    """``RuleSet.match`` for several sets at once, as if they were compiled into one (in that order):
    an allowed phrase of one masks the hits of all, at most one hit per episode in all. The text is
    normalised once."""
    sets = [ruleset for ruleset in rulesets if ruleset._root.children]  # noqa: SLF001
    if not sets:
        return []
    text = normalize(visible_text)
    if not text:
        return []
    words = text.split(" ")
    long = len(text) > CACHED_WORD and max(map(len, words)) > CACHED_WORD
    keys = list(map(_long_message_key if long else _message_key, words))
    padded = f" {text} "
    found: list[_Found] = []
    for ruleset in sets:
        found += ruleset._found(text, words, keys, padded)  # noqa: SLF001
    return _resolve(found) if found else []


def _text_starts(words: list[str]) -> list[int]:
    return list(accumulate(map((1).__add__, map(len, words[:-1])), initial=0))


def _spelled_out(keys: list[str]) -> tuple[list[str], list[int]]:
    """Keys of letters spelled out one by one: a leet digit among one-letter words is its letter
    ("1 v 4 n"), and a one-letter word that repeats the previous word's last letter counts once
    ("i v a a n")."""
    single = [len(key) == 1 for key in keys]
    keys = [
        _LEET_LETTERS[key]
        if key in _LEET_LETTERS
        and any(0 <= j < len(keys) and single[j] and keys[j].isalpha() for j in (i - 1, i + 1))
        else key
        for i, key in enumerate(keys)
    ]
    out = [keys[0]]
    for previous, key in zip(keys, islice(keys, 1, None), strict=False):
        if previous and key and previous[-1] == key[0] and len(key) == 1:
            out.append("")
        else:
            out.append(key)
    return out, list(map(len, out))


def _asks(keys: list[str], i: int) -> bool:
    """Does a question start just before word ``i`` ("does mizi die?", "will till win?"), rather than
    a sentence that says it ("why does mizi die")?"""
    return keys[i - 1] in _ASKING and (i < 2 or keys[i - 2] not in _TELLING)


def _contracted(word: str, key: str) -> bool:
    """Is ``word`` a name with a contracted "is" ("ivans" from "ivan's")?"""
    return word[-1:] == "s" and key[-1:] != "s" and word[-2:-1] != "s"


def _whole_word(rest: str) -> bool:
    """Can a phrase go on to the next word after a word matched up to ``rest``? Yes when nothing or
    only a particle (or laughter in jamo) is left of it."""
    core = _JAMO_TAIL_RE.sub("", rest) if rest else rest
    return not core or core in _PARTICLES


def _same_rule(a: Rule, b: Rule) -> bool:
    return a.episode == b.episode and a.unless == b.unless and a.endings == b.endings


def _ending_allows(rule: Rule, stem: str, rest: str) -> bool:
    """Does the rest of the message word after a rule's last stem fit the rule? A one-syllable
    Hangul stem needs an ending that does not derive another verb: a verb stem never stands alone
    (a bare 죽 is porridge), and 죽이다 is not 죽다."""
    if rule.endings:
        return rest.startswith(rule.endings)
    return not (len(stem) == 1 and is_cjk(stem)) or (bool(rest) and not _derives(rest))


def _derives(rest: str) -> bool:
    """Does a word go on after a stem with a causative or passive suffix (see _DERIVING_SUFFIXES)?"""
    return bool(rest) and "가" <= rest[0] <= "힣" and (ord(rest[0]) - 0xAC00) // 28 in _DERIVING_ONSETS


def _resolve(found: list[_Found]) -> list[Hit]:
    found.sort(key=lambda f: (f[0], f[1]))
    allowed = [(start, end) for start, end, node, _ in found if node.allow]
    cancelled: dict[int, list[tuple[int, int]]] = {}
    for start, end, node, _ in found:
        for rule in node.cancels:
            cancelled.setdefault(id(rule), []).append((start, end))
    hits: list[Hit] = []
    seen: set[str] = set()
    for start, end, node, rest in found:
        if any(a <= start and end <= b for a, b in allowed):
            continue
        for rule in node.rules:
            if rule.episode in seen:
                continue
            if not _ending_allows(rule, _last_stem(rule), rest):
                continue
            if any(a < end and start < b for a, b in cancelled.get(id(rule), ())):
                continue
            seen.add(rule.episode)
            hits.append(Hit(rule.episode, rule.phrase, rule.source, start, end, rule.rule_id))
    return hits


@lru_cache(maxsize=4096)
def _last_stem(rule: Rule) -> str:
    words = phrase_words(rule.phrase)
    return words[-1] if words else ""


@lru_cache(maxsize=8)
def _alternates(names: tuple[tuple[str, ...], ...]) -> dict[str, tuple[str, ...]]:
    """Each one-word name and the other names of its character (worked out once per pack)."""
    alternates: dict[str, tuple[str, ...]] = {}
    for group in names:
        single = list(dict.fromkeys(w[0] for w in map(phrase_words, group) if len(w) == 1))
        for name in single:
            alternates[name] = tuple(dict.fromkeys((*alternates.get(name, ()), *single)))
    return alternates


def compile_rules(
    rules: Iterable[Rule],
    allow: Iterable[str] = (),
    fixed: Iterable[str] = (),
    names: Iterable[Iterable[str]] = (),
) -> RuleSet:
    """Compile rules and allowed phrases once; reuse the ``RuleSet`` for every message.

    ``names``: each character's names (name, Hangul, Japanese, aliases); a rule naming one of them
    also matches the others ("ivan dies" catches "iban dies" and "이반 dies"), and names are never
    inflected. ``fixed``: more words never inflected."""
    ruleset = RuleSet()
    alternates = dict(_alternates(tuple(map(tuple, names))))
    for word in fixed:
        for key in _rule_words(word):
            alternates.setdefault(key, ())
    for rule in rules:
        words = _rule_words(rule.phrase)
        if not words:
            ruleset.ignored += (rule,)
            continue
        ruleset._add(words, rule, alternates)
        ruleset.rule_count += 1
        for phrase in rule.unless:
            if _rule_words(phrase):
                ruleset._add(_rule_words(phrase), rule, alternates, cancels=True)
    for phrase in allow:
        words = _rule_words(phrase)
        if not words:
            ruleset.ignored += (phrase,)
            continue
        ruleset._add(words, None, alternates)
    ruleset._finish()
    return ruleset
