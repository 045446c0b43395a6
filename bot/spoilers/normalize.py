"""Text normalisation for spoiler matching.

``normalize`` maps a message (or a rule phrase) to lowercase words separated by single spaces, so
that a rule and a message compare equal however the message was typed:

* Unicode NFKC (full-width forms, ligatures, mathematical letters, circled letters), case folding.
* Accents and other combining marks removed from every script except the no-space scripts
  (Hangul, kana, Han): Hangul syllables are kept whole, never decomposed into jamo. Conjoining jamo
  left apart by a removed invisible character are recomposed (NFC).
* Invisible characters removed (zero-width spaces and joiners, direction marks, soft hyphen,
  variation selectors, tag characters, Hangul fillers and every other format character), so they
  cannot split a word.
* Latin look-alikes mapped to Latin letters: Cyrillic and Greek homoglyphs (upper case mapped by
  the upper-case shape, lower case by the lower-case shape) and small capitals.
* Leet digits, only inside a word and only when a letter follows in the same word, so numbers,
  scores, dates and round labels ("r2", "season 50", "90-68") stay intact:
  ``0→o 1→i 3→e 4→a 5→s 7→t $→s`` and ``@→a`` when it is not the first character (so "@till" is
  a mention of "till", "iv@n" is "ivan").
* Discord custom emoji (``<:sob:123>``, ``<a:dance:456>``) are one separator, as readers see an image
  there, not its name: "ivan <:sob:123> dies" is "ivan dies".
* Markdown and formatting characters (``* _ ~ ` > # \\``) and apostrophes are deleted (they never
  split a word: ``d*i*es`` is "dies", ``ivan's`` is "ivans"); every other punctuation mark, symbol
  and emoji becomes a word separator; whitespace is collapsed.
* A Korean particle written straight after a Latin word is dropped ("ivan이 죽었어" is
  "ivan 죽었어", "sua가" is "sua"), so romanised names keep matching. Then a space is put between
  a no-space-script character (Hangul, kana, Han) and an adjacent Latin letter or digit, so
  "ivan죽었어" is the two words "ivan 죽었어".
"""

from __future__ import annotations

import re
import unicodedata

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

_UPPER_LOOKALIKES: dict[str, str] = {
    # Cyrillic capitals, mapped by their upper-case shape before case folding.
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ї": "I", "Ј": "J", "Ԁ": "D",
    "Һ": "H", "Ӏ": "I", "Ԛ": "Q", "Ԝ": "W",
    # Greek capitals.
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
}  # fmt: skip

_LOWER_LOOKALIKES: dict[str, str] = {
    # Cyrillic lower case.
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "п": "n", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d", "һ": "h",
    "ӏ": "l", "ԛ": "q", "ԝ": "w", "ь": "b",
    # Greek lower case.
    "α": "a", "β": "b", "γ": "y", "ε": "e", "ζ": "z", "η": "n", "ι": "i", "κ": "k", "μ": "u",
    "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
    # Latin oddities NFKC leaves alone, and small capitals.
    "ı": "i", "ȷ": "j", "ɑ": "a", "ɡ": "g", "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e",
    "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o",
    "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
}  # fmt: skip

#: Every look-alike mapping applied, upper- and lower-case (for documentation and tests).
LOOKALIKES: dict[str, str] = {**{k: v.lower() for k, v in _UPPER_LOOKALIKES.items()}, **_LOWER_LOOKALIKES}

#: Leet characters mapped inside a word when a letter follows them in that word.
LEET_DIGITS: dict[str, str] = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a"}

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
_LEET_RE = re.compile(r"[013457$@](?=[0-9@$]*[a-z])")


def is_cjk(char: str) -> bool:
    """True when ``char`` belongs to a no-space script (Hangul, kana, Han)."""
    return _CJK_RE.match(char) is not None


def _map_char(char: str) -> str:
    """Map one NFKC character to its matching form; "" deletes it."""
    if char in _UPPER_LOOKALIKES:
        return _UPPER_LOOKALIKES[char].lower()
    return "".join(_map_folded_char(c) or "" for c in char.casefold())


def _map_folded_char(char: str) -> str | None:
    """Map one NFKC, case-folded character; None deletes it."""
    if char in INVISIBLE_CHARS or char in MARKDOWN_CHARS or char in _APOSTROPHES:
        return None
    if char in _LOWER_LOOKALIKES:
        return _LOWER_LOOKALIKES[char]
    if char in "@$":
        return char  # leet or separator, decided by _LEET_RE
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
    return "".join(_LOWER_LOOKALIKES.get(c, c) for c in base)


class _CharTable(dict[int, str]):
    """A ``str.translate`` table filled lazily, one entry per distinct character seen."""

    def __missing__(self, code: int) -> str:
        value = _map_char(chr(code))
        self[code] = value
        return value


_TABLE = _CharTable()


def _leet(match: re.Match[str]) -> str:
    char, start = match.group(), match.start()
    if char == "@" and (start == 0 or match.string[start - 1] not in _LEET_NEIGHBOURS):
        return char  # a leading "@" is a mention sign, turned into a separator below
    return LEET_DIGITS[char]


_LEET_NEIGHBOURS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789$@")


def normalize(text: str) -> str:
    """Return ``text`` as matching words: lowercase, plain, single-space separated (see module doc)."""
    if "<" in text:
        text = _CUSTOM_EMOJI_RE.sub(" ", text)
    if text.isascii():
        folded = text.translate(_TABLE)
    else:
        folded = unicodedata.normalize("NFC", unicodedata.normalize("NFKC", text).translate(_TABLE))
        if _CJK_RE.search(folded):
            folded = _PARTICLE_AFTER_LATIN_RE.sub(r"\1", folded)
            folded = " ".join(_CJK_RUN_SPLIT_RE.split(folded))
    folded = _LEET_RE.sub(_leet, folded)
    if "@" in folded or "$" in folded:
        folded = folded.replace("@", " ").replace("$", " ")
    return " ".join(folded.split())
