"""Small text helpers shared by features."""

from __future__ import annotations


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
