"""Durations as people type them ("90 minutes", "1h30m", "an hour and a half") and back ("1h 30m")."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS: dict[str, timedelta] = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
}
_UNIT_WORDS: dict[str, str] = {
    **{w: "w" for w in ("w", "wk", "wks", "week", "weeks")},
    **{w: "d" for w in ("d", "day", "days")},
    **{w: "h" for w in ("h", "hr", "hrs", "hour", "hours")},
    **{w: "m" for w in ("m", "min", "mins", "minute", "minutes")},
}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_JOINERS = re.compile(r"\s*(?:,|\band\b|\s)\s*")
_WORDS = (
    (re.compile(r"\b(an?|one) (hour|day|week|minute) and a half\b"), r"1.5 \2"),
    (re.compile(r"\bhalf an? hour\b"), "30 minutes"),
    (re.compile(r"\b(an?|one)\b"), "1"),
)


def parse_duration(text: str) -> timedelta | None:
    """`3 hours`, `90 minutes`, `1h30m`, `1 hour 30 minutes`, `2 days`, `an hour`, `1.5h`; None if not a duration."""
    rest = text.strip().lower()
    for pattern, replacement in _WORDS:
        rest = pattern.sub(replacement, rest)
    total = timedelta()
    position = 0
    found = False
    while position < len(rest):
        joiner = _JOINERS.match(rest, position)
        if joiner and joiner.end() > position:
            position = joiner.end()
            continue
        part = _PART.match(rest, position)
        if not part or part.group(2) not in _UNIT_WORDS:
            return None
        total += float(part.group(1)) * _UNITS[_UNIT_WORDS[part.group(2)]]
        position = part.end()
        found = True
    return total if found else None


def format_duration(delta: timedelta) -> str:
    """Compact form that `parse_duration` reads back: `1d 2h`, `30m`, `0m`."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 0:
        raise ValueError("durations are not negative")
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return " ".join(parts) or "0m"
