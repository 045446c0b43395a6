"""Weekly parties, stored as a local wall time plus an IANA zone (never as a UTC instant plus 7 days).

A clock change never moves the local time: "Saturdays 20:00 Europe/Berlin" stays 20:00 in Berlin in
summer and winter, so its UTC instant moves instead. A week whose wall time is skipped by a clock change
(a gap) is shifted forward by the size of the gap and flagged; a wall time that happens twice (an
overlap) takes its first occurrence, as RFC 5545 does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.watchparty.walltime import resolve_wall

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Occurrence:
    utc: datetime  # aware UTC instant
    wall: datetime  # naive wall time the series asks for
    gap_shifted: bool  # the wall time did not exist this week; `utc` is shifted forward past the gap

    def local(self, zone: ZoneInfo) -> datetime:
        return self.utc.astimezone(zone)


def _occurrence(wall: datetime, zone: ZoneInfo) -> Occurrence:
    resolved = resolve_wall(wall, zone)
    return Occurrence(resolved.first, resolved.wall, resolved.kind == "gap")


def weekly_occurrences(first_local: datetime, zone: ZoneInfo, count: int) -> list[Occurrence]:
    """The first `count` weekly occurrences of the naive wall time `first_local` in `zone`."""
    if first_local.tzinfo is not None:
        raise ValueError("first_local is a naive wall time; pass the zone separately")
    if count < 0:
        raise ValueError("count must not be negative")
    return [_occurrence(first_local + week * WEEK, zone) for week in range(count)]


def next_occurrence(first_local: datetime, zone: ZoneInfo, after_utc: datetime) -> Occurrence:
    """The earliest occurrence of the series that starts strictly after the aware instant `after_utc`."""
    if first_local.tzinfo is not None or after_utc.tzinfo is None:
        raise ValueError("first_local is naive wall time, after_utc an aware instant")
    after_wall = after_utc.astimezone(zone).replace(tzinfo=None)
    weeks = max(0, (after_wall - first_local) // WEEK - 1)  # start a week early: offsets differ by hours
    while True:
        found = _occurrence(first_local + weeks * WEEK, zone)
        if found.utc > after_utc.astimezone(UTC):
            return found
        weeks += 1
