"""Text normalisation for spoiler matching.

``normalize`` maps a message (or a rule phrase) to lowercase words separated by single spaces, so
that a rule and a message compare equal however the message was typed:

* Unicode NFKC (full-width forms, ligatures, mathematical letters, circled letters), case folding.
* Styled letters NFKC leaves alone, from Unicode's character names: parenthesized (``⒤``), squared
  and negative squared (``🅸``), negative circled letters, regional indicator symbols (``🇮``) and
  small capitals (``ᴀ``) read as the letter they show.
* Look-alike letters, from Unicode's confusables data (UTS #39, generated into
  ``confusables_table.py`` by ``gen_confusables.py``). Latin-script look-alikes (``ɩ``, ``ı``) are
  always folded. Letters of other scripts (Cyrillic, Greek, Armenian, Cherokee, Lisu, Coptic, ...)
  are folded only where they disguise Latin: in a word that mixes them with Latin letters
  (``іvаn``), or in a word made only of look-alikes when the message has no other letter of that
  script (``ꓒіеՏ``). A message genuinely written in Russian or Greek has letters no Latin letter
  looks like (``и``, ``л``, ``π``, ``λ``...), so its words read as themselves.
* Accents and other combining marks removed from every script except the no-space scripts
  (Hangul, kana, Han): Hangul syllables are kept whole, never decomposed into jamo. Jamo typed one
  by one are composed into syllables (``ㅇㅣㅂㅏㄴ`` is ``이반``, a final consonant included).
* Invisible characters removed (zero-width spaces and joiners, direction marks, soft hyphen,
  variation selectors, tag characters, Hangul fillers and every other format character), so they
  cannot split a word.
* Leet, only inside a word: when a letter follows in the same word, or at the end of a word that
  has a letter before it ("d13$", "hyunw00") unless it is one digit after one letter, so numbers,
  scores, dates and round labels ("season 50", "90-68", "r5") stay intact:
  ``0→o 1→i 3→e 4→a 5→s 7→t $→s !→i`` and ``@→a`` when it is not the first character (so "@till"
  is a mention of "till", "iv@n" is "ivan").
* Discord custom emoji (``<:sob:123>``, ``<a:dance:456>``) are one separator, as readers see an image
  there, not its name: "ivan <:sob:123> dies" is "ivan dies".
* Markdown and formatting characters (``* ~ ` > # \\``) and apostrophes are deleted (they never
  split a word: ``d*i*es`` is "dies", ``ivan's`` is "ivans"); the underscore, every other
  punctuation mark, symbol and emoji becomes a word separator (``ivan_dies_in_r6`` is four words);
  whitespace is collapsed.
* A Korean particle written straight after a Latin word is dropped ("ivan이 죽었어" is
  "ivan 죽었어", "sua가" is "sua"), so romanised names keep matching. Then a space is put between
  a no-space-script character (Hangul, kana, Han) and an adjacent Latin letter or digit, so
  "ivan죽었어" is the two words "ivan 죽었어".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.spoilers.confusables_table import FOREIGN, LATIN

__all__ = [
    "INVISIBLE_CHARS",
    "LEET_DIGITS",
    "LOOKALIKES",
    "MARKDOWN_CHARS",
    "is_cjk",
    "normalize",
]

#: Characters that render as nothing (or as blank space inside a word) and are deleted.
#: Every other Unicode format character (category Cf) and combining mark is deleted too.
INVISIBLE_CHARS: frozenset[str] = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f"
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f"
    "\u3164\ufeff\uffa0"
    + "".join(chr(c) for c in range(0xFE00, 0xFE10))  # variation selectors
    + "".join(chr(c) for c in range(0xE0000, 0xE0080))  # tag characters
    + "".join(chr(c) for c in range(0xE0100, 0xE01F0))  # variation selectors supplement
)

#: Markdown and formatting characters: deleted, never word separators.
MARKDOWN_CHARS: frozenset[str] = frozenset("*_~`>#\\")

_APOSTROPHES = frozenset("'\u2019\u02bc")

#: Every look-alike letter folded to Latin (Latin-script ones always, other scripts by context).
LOOKALIKES: dict[str, str] = {**LATIN, **FOREIGN}

#: Leet characters mapped inside a word when a letter follows them in that word.
LEET_DIGITS: dict[str, str] = {
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a", "!": "i",
}  # fmt: skip

# No-space scripts: Hangul jamo and syllables, kana, CJK ideographs. Matched without word boundaries.
_CJK_RANGES = (
    "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff"
)
_CJK_RE = re.compile(f"[{_CJK_RANGES}]")
_CJK_RUN_SPLIT_RE = re.compile(f"([{_CJK_RANGES}]+)")
_PARTICLE_AFTER_LATIN_RE = re.compile(
    r"([a-z0-9])(?:이가|이는|이랑|이야|한테|에게|께서|에서|가|이|는|은|을|를|도|의|랑|와|과|야|아)(?![가-힣])"
)
_CUSTOM_EMOJI_RE = re.compile(r"<a?:[A-Za-z0-9_~]+:[0-9]+>")
_LEET_RE = re.compile(r"[013457$@!](?=[0-9@$!]*[a-z])")
# Leet ending a word after a letter ("d13$", "hyunw00"), not a "!" that ends a sentence ("dies!").
_TRAILING_LEET_RE = re.compile(r"(?<=[a-z])[013457$@!]*[013457$@](?=!*$)")
_OTHER_SCRIPT_RE = re.compile(f"[^\\x00-\\x7f{_CJK_RANGES}]")  # after folding: a letter of another script
_JAMO_RE = re.compile("[\u1100-\u11ff]")
_WORDS_AND_CJK_RE = re.compile(f"( |[{_CJK_RANGES}]+)")
# A syllable without a final consonant, then a leading consonant that starts no syllable of its own:
# typed jamo by jamo, that consonant is the syllable's final one (ㅇㅣㅂㅏㄴ → 이바ᄂ → 이반).
_OPEN_SYLLABLE_THEN_CONSONANT_RE = re.compile("([가-힣])([\u1100-\u1112])(?![\u1100-\u1175])")
_FINAL_OF_LEADING = {
    0x1100: 1, 0x1101: 2, 0x1102: 4, 0x1103: 7, 0x1105: 8, 0x1106: 16, 0x1107: 17,
    0x1109: 19, 0x110A: 20, 0x110B: 21, 0x110C: 22, 0x110E: 23, 0x110F: 24, 0x1110: 25,
    0x1111: 26, 0x1112: 27,
}  # fmt: skip


def is_cjk(char: str) -> bool:
    """True when ``char`` belongs to a no-space script (Hangul, kana, Han)."""
    return _CJK_RE.match(char) is not None


def _map_char(char: str) -> str:
    """Map one character to its matching form; "" deletes it."""
    if char in INVISIBLE_CHARS:
        return ""
    if char in LATIN:  # styled letters (before NFKC turns "⒤" into "(i)") and Latin look-alikes
        return LATIN[char]
    if char in FOREIGN:  # decided word by word (see _unmask_lookalikes)
        return char
    return "".join(_map_nfkc_char(c) for c in unicodedata.normalize("NFKC", char))


def _map_nfkc_char(char: str) -> str:
    if char in LATIN:
        return LATIN[char]
    return "".join(_map_folded_char(c) or "" for c in char.casefold())


def _map_folded_char(char: str) -> str | None:
    """Map one NFKC, case-folded character; None deletes it."""
    if char == "_":
        return " "  # snake_case and URL slugs ("ivan_dies_in_r6"); as italics it is around words anyway
    if char in INVISIBLE_CHARS or char in MARKDOWN_CHARS or char in _APOSTROPHES:
        return None
    if char in LATIN:
        return LATIN[char]
    if char in FOREIGN or char in "@$!":
        return char  # a look-alike decided word by word, or leet decided by _LEET_RE
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf"):
        return None
    if category[0] in "PSZ" or category in ("Cc", "Co", "Cn", "Cs"):
        return " "
    if is_cjk(char) or char.isascii():
        return char
    base = "".join(
        c for c in unicodedata.normalize("NFD", char) if not unicodedata.category(c).startswith("M")
    )
    return "".join(LATIN.get(c, c) for c in base.casefold())


class _CharTable(dict[int, str]):
    """A ``str.translate`` table filled lazily, one entry per distinct character seen."""

    def __missing__(self, code: int) -> str:
        value = _map_char(chr(code))
        self[code] = value
        return value


_TABLE = _CharTable()


def _trailing_leet(match: re.Match[str]) -> str:
    run = match.group()
    if len(run) == 1 and run.isdigit() and match.start() == 1:
        return run  # a round or season label: "r5", "s2"
    return "".join(LEET_DIGITS[c] for c in run)


# A number written joined to its label ("round5", "ep12", "top3") is that label and number, never leet.
_LABEL_NUMBER_RE = re.compile(
    r"^(rounds?|eps?|episodes?|seasons?|top|part|pt|chapter|ch|vol|volume|days?|weeks?|years?|act|scene|"
    r"ost|class|gen|track|no|num)([0-9]+)(?=[!?.,]*$)"
)


def _leet(match: re.Match[str]) -> str:
    char, start = match.group(), match.start()
    if char in "@!" and (start == 0 or match.string[start - 1] not in _LEET_NEIGHBOURS):
        if char == "@" or start + 1 == len(match.string) or not match.string[start + 1].isalpha():
            return char  # a leading "@" is a mention sign, turned into a separator below
    return LEET_DIGITS[char]


_LEET_NEIGHBOURS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789$@")


@lru_cache(maxsize=4096)
def _script(char: str) -> str:
    """The script a letter belongs to, from its Unicode name ("CYRILLIC", "GREEK", ...)."""
    return unicodedata.name(char, "").partition(" ")[0]


def _unmask_lookalikes(text: str) -> str:
    """Fold other scripts' look-alike letters where they disguise Latin (see the module doc)."""
    genuine = {
        _script(c) for c in text if c.isalpha() and not c.isascii() and c not in FOREIGN and not is_cjk(c)
    }
    words = _WORDS_AND_CJK_RE.split(text)  # words apart from no-space-script runs, separators kept
    for i, word in enumerate(words):
        if FOREIGN.keys().isdisjoint(word):
            continue
        letters = [c for c in word if c.isalpha()]
        mixed = any(c.isascii() or _script(c) == "LATIN" for c in letters)
        if mixed or all(c in FOREIGN and _script(c) not in genuine for c in letters):
            words[i] = "".join(FOREIGN.get(c, c) for c in word)
    return "".join(words)


def _final_consonant(match: re.Match[str]) -> str:
    syllable, leading = match.group(1), match.group(2)
    final = _FINAL_OF_LEADING.get(ord(leading))
    if final is None or (ord(syllable) - 0xAC00) % 28:
        return match.group()
    return chr(ord(syllable) + final)


def compose_jamo(text: str) -> str:
    """Compose conjoining jamo (and compatibility jamo after NFKC) typed one by one into syllables."""
    text = unicodedata.normalize("NFC", text)
    return _OPEN_SYLLABLE_THEN_CONSONANT_RE.sub(_final_consonant, text)


def normalize(text: str, *, cache: bool = True) -> str:
    """Return ``text`` as matching words: lowercase, plain, single-space separated (see module doc).

    ``cache=False`` leaves the word cache (meant for chat, which repeats its words) alone: for rule
    phrases, compiled once."""
    if "<" in text:
        text = _CUSTOM_EMOJI_RE.sub(" ", text)
    folded = text.translate(_TABLE)
    if not folded.isascii():
        if _JAMO_RE.search(folded):
            folded = compose_jamo(folded)
        if _OTHER_SCRIPT_RE.search(folded) and not FOREIGN.keys().isdisjoint(folded):
            folded = _unmask_lookalikes(" ".join(folded.split()))  # (spaces only between words)
    parts = folded.split()
    words = " ".join(
        map(
            _word
            if cache and (len(folded) <= CACHED_WORD or max(map(len, parts)) <= CACHED_WORD)
            else _one_word,
            parts,
        )
    )
    return words if "  " not in words and words[:1] != " " and words[-1:] != " " else " ".join(words.split())


#: Words up to this length are cached (chat repeats them); a longer one is worked out each time, so
#: a flood of long random "words" cannot fill the memory.
CACHED_WORD = 64


def _one_word(word: str) -> str:
    """One whitespace-free piece of folded text as words: leet, mention signs, and no-space scripts
    split from Latin (with a Korean particle after a Latin word dropped)."""
    if not word.isascii() and _CJK_RE.search(word):
        # Split the no-space script off first, so leet sees each Latin piece as the whole word it is
        # ("ß0ᄀ": "ss0" ends a word; deciding it before the split made normalize non-idempotent).
        pieces = [p for p in _CJK_RUN_SPLIT_RE.split(word) if p]
        if len(pieces) > 1:
            latin = "".join(p if _CJK_RE.match(p) else _word(p) for p in pieces)
            latin = _PARTICLE_AFTER_LATIN_RE.sub(r"\1", latin)
            return " ".join(" ".join(p for p in _CJK_RUN_SPLIT_RE.split(latin) if p).split())
    word = _LABEL_NUMBER_RE.sub(r"\1 \2", word)
    if _LEET_SIGNS.isdisjoint(word):
        out = word
    else:
        out = _LEET_RE.sub(_leet, word)
        out = _TRAILING_LEET_RE.sub(_trailing_leet, out)
        if "@" in out or "$" in out or "!" in out:
            out = " ".join(out.replace("@", " ").replace("$", " ").replace("!", " ").split())
    if not out.isascii() and _CJK_RE.search(out):
        out = _PARTICLE_AFTER_LATIN_RE.sub(r"\1", out)
        out = " ".join(piece for piece in _CJK_RUN_SPLIT_RE.split(out) if piece)
    return out


_LEET_SIGNS = frozenset("013457$@!")
_word = lru_cache(maxsize=65536)(_one_word)
