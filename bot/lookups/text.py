"""Text helpers for lookups: clean what members type, echo it safely, spoiler-tag and fit text to limits."""

from __future__ import annotations

from bot.spoilers import escape_spoiler
from bot.text import ECHO_LIMIT, clip, one_line

MAX_QUERY = 100


def clean_query(text: str) -> str:
    """What a member typed, without invisible or control characters, on one line, at most 100 characters."""
    return one_line(text)[:MAX_QUERY]


def shorten(text: str, limit: int) -> str:
    """Like ``clip`` but never cuts inside a line that holds a spoiler tag (a cut tag would show its
    secret): whole lines are kept while they fit, and a tagged line that does not fit is dropped."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, max(0, limit - 1))
    head = text[:cut] if cut > 0 else ""
    line = text[cut + 1 if cut > 0 else 0 :].split("\n", 1)[0]
    room = limit - len(head) - (1 if head else 0)
    if "||" not in line and room > 1:
        return f"{head}\n{clip(line, room)}" if head else clip(line, room)
    return f"{head}\n…" if head else "…"


def echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """A member's text to show back to them: cleaned, short, and unable to format, ping or link."""
    return escape_spoiler(clip(clean_query(text), limit))


def spoiler(text: str) -> str:
    """``text`` inside a spoiler tag it cannot break out of."""
    return f"||{escape_spoiler(text)}||"


def fit_lines(lines: list[str], limit: int, *, more: str = "…and {n} more") -> str:
    """Join ``lines`` with newlines into at most ``limit`` characters, keeping whole lines from the start.
    Lines that do not fit are counted in a last line ("…and 3 more"); when not even the first line fits
    next to that count, it is clipped."""
    joined = "\n".join(lines)
    if len(joined) <= limit:
        return joined
    if len(lines) == 1:
        return shorten(joined, limit)
    kept, used = 0, -1  # used: length of "\n".join(lines[:kept]); -1 so the first line adds no newline
    for line in lines[:-1]:
        note = more.format(n=len(lines) - kept - 1)
        if used + 1 + len(line) + 1 + len(note) > limit:
            break
        used += 1 + len(line)
        kept += 1
    note = more.format(n=len(lines) - kept)
    if kept:
        return "\n".join([*lines[:kept], note])
    first = shorten(lines[0], limit - len(more.format(n=len(lines) - 1)) - 1)
    if first and first != "…":
        return f"{first}\n{more.format(n=len(lines) - 1)}"
    return clip(note, limit)
