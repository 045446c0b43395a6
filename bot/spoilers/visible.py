"""What a reader sees of a message before clicking its spoiler tags, and how to tag text safely.

Discord hides text between a pair of ``||`` markers. ``visible_text`` keeps what is visible, with one
twist that defeats tag-splitting bypasses: a word counts as hidden only when every letter and digit
of it is inside a tag. ``Ivan ||dies||`` shows "Ivan"; ``Ivan d||i||es`` and ``Iv||an di||es`` show
"Ivan dies" because a reader still reads the word. Rules of the scan, as Discord renders them:

* markers pair up left to right; a last unpaired ``||`` is literal text;
* inside code spans and blocks (backticks) ``||`` is literal and the code is visible text;
* a backslash escapes the next character (``\\||`` is not a marker);
* words are runs of letters, digits and joiners (markdown, apostrophes, invisible characters:
  whatever ``normalize`` deletes); punctuation, symbols, emoji and whitespace separate words, so a
  tagged word in parentheses or italics (``(||dies||)``, ``*||dies||*``) stays hidden.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.spoilers.normalize import INVISIBLE_CHARS, MARKDOWN_CHARS

__all__ = ["escape_spoiler", "spoiler_tag_count", "visible_text"]

_JOINERS = MARKDOWN_CHARS | INVISIBLE_CHARS | frozenset("'\u2019\u02bc@$")
_CODE_RE = re.compile(r"(`+)([\s\S]*?[^`])\1(?!`)")


@lru_cache(maxsize=4096)
def _is_separator(char: str) -> bool:
    if char in _JOINERS:
        return False
    category = unicodedata.category(char)
    return category[0] in "PSZ" or category in ("Cc", "Co", "Cn", "Cs")


def _is_joiner(char: str) -> bool:
    return char in _JOINERS or unicodedata.category(char) in ("Mn", "Me", "Cf")


def _scan(raw: str) -> tuple[list[str], list[bool], int]:
    """Split ``raw`` into its characters without markers, a hidden flag per character, and the
    number of complete spoiler pairs."""
    chars: list[str] = []
    markers: list[int] = []
    i, n = 0, len(raw)
    while i < n:
        char = raw[i]
        if char == "\\" and i + 1 < n:
            chars += raw[i : i + 2]
            i += 2
        elif char == "`":
            code = _CODE_RE.match(raw, i)
            end = code.end() if code else i + 1
            if not code:
                while end < n and raw[end] == "`":
                    end += 1
            chars += raw[i:end]
            i = end
        elif char == "|" and raw.startswith("||", i):
            markers.append(len(chars))
            i += 2
        else:
            chars.append(char)
            i += 1
    hidden = [False] * len(chars)
    pairs = len(markers) // 2
    for k in range(pairs):
        start, end = markers[2 * k], markers[2 * k + 1]
        hidden[start:end] = [True] * (end - start)
    if len(markers) % 2:  # a last unclosed marker is literal text
        position = markers[-1]
        chars[position:position] = ["|", "|"]
        hidden[position:position] = [False, False]
    return chars, hidden, pairs


def visible_text(raw: str) -> str:
    """Return the text of ``raw`` a reader sees with spoiler tags closed, tag markers removed.

    A word partly inside a tag counts as visible in full. When ``raw`` has tags, whitespace in the
    result is collapsed; otherwise ``raw`` is returned unchanged.
    """
    if "||" not in raw:
        return raw
    chars, hidden, _ = _scan(raw)
    out: list[str] = []
    i, n = 0, len(chars)
    while i < n:
        if _is_separator(chars[i]):
            out.append(" " if hidden[i] else chars[i])
            i += 1
            continue
        j = i
        letters = visible_letters = 0
        while j < n and not _is_separator(chars[j]):
            if not _is_joiner(chars[j]):
                letters += 1
                visible_letters += not hidden[j]
            j += 1
        word_hidden = visible_letters == 0 if letters else all(hidden[i:j])
        out.append(" " if word_hidden else "".join(chars[i:j]))
        i = j
    return " ".join("".join(out).split())


def spoiler_tag_count(raw: str) -> int:
    """Number of complete ``||…||`` pairs Discord renders in ``raw``."""
    return _scan(raw)[2] if "||" in raw else 0


_URL_RE = re.compile(r"https?://\S+")
_ESCAPE_RE = re.compile(r"[\\*_~`|>#\-\[\]]|<(?=[@#/])")
_MASS_MENTION_RE = re.compile(r"@(?=everyone|here)", re.IGNORECASE)


def _escape_plain(text: str) -> str:
    text = _ESCAPE_RE.sub(lambda m: "\\" + m.group(), text)
    return _MASS_MENTION_RE.sub("@\u200b", text)


def escape_spoiler(text: str) -> str:
    """Make ``text`` safe to put inside ``||…||``: it cannot close the tag early, open code or
    formatting, or render a mention (``@everyone``, ``@here``, ``<@id>``, ``<@&id>``, ``<#id>``).

    Markdown and pipe characters are backslash-escaped; inside links, ``|`` becomes ``%7C`` so the
    link still works.
    """
    out: list[str] = []
    last = 0
    for url in _URL_RE.finditer(text):
        out.append(_escape_plain(text[last : url.start()]))
        out.append(url.group().replace("|", "%7C").replace("`", "%60").replace("\\", "%5C"))
        last = url.end()
    out.append(_escape_plain(text[last:]))
    return "".join(out)
