"""Small text helpers shared by features: Discord's length limits, fitting text to them, reading ids."""

from __future__ import annotations

import re
import unicodedata

CONTENT_LIMIT = 2000  # characters in a message's content
ECHO_LIMIT = 60  # what a member typed, shown back to them
SQLITE_INT_MAX = 2**63 - 1  # ids are SQLite INTEGERs (signed 64-bit)
_ID = re.compile(r"\s*#?([0-9]{1,19})\s*")  # ASCII digits only: str.isdigit() also accepts "²"


def parse_id(text: str) -> int | None:
    """The id in what a member typed (``12`` or ``#12``; autocomplete sends the bare id), or None when it
    is no id we could have stored: not digits, zero, or beyond a 64-bit integer ("99999999999999999999")."""
    match = _ID.fullmatch(text)
    value = int(match.group(1)) if match else 0
    return value if 0 < value <= SQLITE_INT_MAX else None


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in "…" when cut."""
    if limit <= 0:
        return ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def one_line(text: str) -> str:
    """What a member typed, without invisible or control characters, on one line."""
    kept = "".join(" " if ch.isspace() else ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))
    return " ".join(kept.split())


def inline_code(text: str, limit: int = ECHO_LIMIT) -> str:
    """A member's text shown back as `code`: one line, short, and unable to close the code span."""
    return f"`{clip(one_line(text).replace('`', 'ˋ'), limit) or ' '}`"


def pack_lines(lines: list[str], limit: int) -> list[str]:
    """Lines packed into pages of at most ``limit`` characters, never splitting a line (an over-long
    line is cut to fit)."""
    pages: list[str] = []
    current = ""
    for line in lines:
        line = line[: limit - 1]
        if current and len(current) + 1 + len(line) > limit:
            pages.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        pages.append(current)
    return pages
