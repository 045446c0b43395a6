"""Local wall times in a zone: which UTC instants they mean (none, one, or two), and how to show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton

from bot.i18n import babel_locale, current_locale, resolve
from bot.watchparty.zones import format_offset

WallKind = Literal["exact", "gap", "overlap"]


@dataclass(frozen=True)
class WallTime:
    """What a naive wall time means in a zone.

    exact:   one instant.
    gap:     the wall time is skipped by a clock change; `instants` holds the one the clock shows
             instead, shifted forward by the size of the gap (02:30 -> 03:30 in New York in March).
    overlap: the wall time happens twice; `instants` holds both, earlier first.
    """

    wall: datetime
    zone: ZoneInfo
    kind: WallKind
    instants: tuple[datetime, ...]

    @property
    def first(self) -> datetime:
        return self.instants[0]


def resolve_wall(wall: datetime, zone: ZoneInfo) -> WallTime:
    """Classify a naive local wall time in `zone` and give its UTC instant(s)."""
    naive = wall.replace(tzinfo=None, fold=0)
    early = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    late = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if early == late:
        return WallTime(naive, zone, "exact", (early,))
    if early.astimezone(zone).replace(tzinfo=None) != naive:
        # In a gap, fold=0 applies the offset from before the change, which lands after the gap.
        return WallTime(naive, zone, "gap", (max(early, late),))
    return WallTime(naive, zone, "overlap", (min(early, late), max(early, late)))


def describe_day(day: date, *, year: bool = False) -> str:
    """`Sat 5 Dec` (`Sat 5 Dec 2026`); in the current language when it has a catalogue (`12월 5일 (토)`)."""
    code = resolve(current_locale())
    if code is None:
        return f"{day:%a} {day.day} {day:%b}" + (f" {day:%Y}" if year else "")
    return str(format_skeleton("yMMMEd" if year else "MMMEd", day, locale=babel_locale(code)))


def describe(instant: datetime, zone: ZoneInfo) -> str:
    """`Sat 5 Dec 2026, 20:00 KST (UTC+09:00)`: what people need to check a time at a glance (the date in
    the current language, the clock always 24-hour)."""
    local = instant.astimezone(zone)
    abbreviation = local.tzname() or ""
    abbreviation = "" if abbreviation[:1] in "+-" or abbreviation == "UTC" else f" {abbreviation}"
    if resolve(current_locale()) is not None:
        day = describe_day(local.date(), year=True)
        return f"{day}, {local:%H:%M}{abbreviation} ({format_offset(local.utcoffset())})"
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}{abbreviation} ({format_offset(local.utcoffset())})"
