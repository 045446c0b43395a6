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
# Escapes, code spans (a backtick run closed by a run of the same length), lone backtick runs, markers.
_TOKEN_RE = re.compile(r"\\[\s\S]|((?>`+))(?:[\s\S]*?[^`])\1(?!`)|`+|\|\|")


@lru_cache(maxsize=4096)
def _is_separator(char: str) -> bool:
    if char in _JOINERS:
        return False
    category = unicodedata.category(char)
    return category[0] in "PSZ" or category in ("Cc", "Co", "Cn", "Cs")


def _is_joiner(char: str) -> bool:
    return char in _JOINERS or unicodedata.category(char) in ("Mn", "Me", "Cf")


def _scan(raw: str) -> tuple[str, list[tuple[int, int]]]:
    """``raw`` without its paired markers, and the hidden ranges of that text."""
    markers = [m.start() for m in _TOKEN_RE.finditer(raw) if m.group() == "||"]
    if len(markers) % 2:  # a last unclosed marker is literal text
        markers.pop()
    pieces: list[str] = []
    bounds: list[int] = []  # positions of the paired markers in the text without them
    last = length = 0
    for marker in markers:
        pieces.append(raw[last:marker])
        length += marker - last
        last = marker + 2
        bounds.append(length)
    pieces.append(raw[last:])
    ranges = [(start, end) for start, end in zip(bounds[::2], bounds[1::2], strict=True) if start < end]
    return "".join(pieces), ranges


def _at_word_boundary(text: str, position: int) -> bool:
    return position in (0, len(text)) or _is_separator(text[position - 1]) or _is_separator(text[position])


def _visible_by_words(text: str, ranges: list[tuple[int, int]]) -> str:
    """The general case: decide word by word (a word is hidden when none of its letters shows)."""
    hidden = [False] * len(text)
    for start, end in ranges:
        hidden[start:end] = [True] * (end - start)
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if _is_separator(text[i]):
            out.append(" " if hidden[i] else text[i])
            i += 1
            continue
        j = i
        letters = visible_letters = 0
        while j < n and not _is_separator(text[j]):
            if not _is_joiner(text[j]):
                letters += 1
                visible_letters += not hidden[j]
            j += 1
        word_hidden = visible_letters == 0 if letters else all(hidden[i:j])
        out.append(" " if word_hidden else text[i:j])
        i = j
    return " ".join("".join(out).split())


def visible_text(raw: str) -> str:
    """Return the text of ``raw`` a reader sees with spoiler tags closed, tag markers removed.

    A word partly inside a tag counts as visible in full. When ``raw`` has tags, whitespace in the
    result is collapsed; otherwise ``raw`` is returned unchanged.
    """
    if "||" not in raw:
        return raw
    text, ranges = _scan(raw)
    if not all(_at_word_boundary(text, start) and _at_word_boundary(text, end) for start, end in ranges):
        return _visible_by_words(text, ranges)
    # Every tag starts and ends between words: cut the tagged text out.
    pieces: list[str] = []
    last = 0
    for start, end in ranges:
        pieces.append(text[last:start])
        last = end
    pieces.append(text[last:])
    return " ".join(" ".join(pieces).split())


def spoiler_tag_count(raw: str) -> int:
    """Number of complete, non-empty ``||…||`` pairs Discord renders in ``raw``."""
    return len(_scan(raw)[1]) if "||" in raw else 0


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
