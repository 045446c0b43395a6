"""Planning a party from what a member asked for: which zone to read the time in, titles, series plans.

No Discord here: the cog turns options into these requests and renders what comes back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from bot.canon.model import Episode
from bot.watchparty.parties import PartyChanges, PartyDraft
from bot.watchparty.series import Occurrence, weekly_occurrences
from bot.watchparty.when import WhenError, WhenResult, parse_when

TITLE_LIMIT = 100
MAX_SERIES = 12
_PROBES = (ZoneInfo("UTC"), ZoneInfo("Pacific/Kiritimati"))  # UTC and UTC+14: as far apart as zones go


def zone_free_reading(text: str, now: datetime, *, named_zone: bool = False) -> WhenResult | None:
    """The reading of `text` when it does not depend on a zone ("in 3 hours", "8pm KST"), else None.

    Parsed in two zones 14 hours apart: if both readings agree, the text fixed the instant by itself.
    The result's zone is the one the text named (UTC for relative times). With `named_zone`, only a
    zone named in the text will do: a weekly series repeats a local wall time, which an instant alone
    ("in 3 hours") does not give.
    """
    try:
        readings = [parse_when(text, zone, now) for zone in _PROBES]
    except WhenError:
        return None
    first, second = readings
    if named_zone and first.zone.key != second.zone.key:  # each probe kept its own zone: none was named
        return None
    return first if first.options == second.options else None


def default_title(episodes: Sequence[Episode]) -> str:
    if len(episodes) == 1:
        title = episodes[0].title
    else:
        title = f"{episodes[0].title} → {episodes[-1].title}"
    return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1] + "…"


@dataclass(frozen=True, slots=True)
class ScheduleRequest:
    """`/watchparty schedule` or `/watchparty series` once the episodes and zone are known."""

    kind: Literal["schedule", "series"]
    guild_id: int
    channel_id: int
    host_id: int
    episodes: tuple[Episode, ...]  # the run, or one episode per week for a series
    zone: str
    zone_source: str
    title: str | None = None
    note: str | None = None
    voice_channel_id: int | None = None
    capacity: int | None = None
    reminder_offsets: str | None = None  # canonical text; None = the server's default

    def draft(self, start: datetime, episodes: Sequence[Episode] | None = None) -> PartyDraft:
        shown = tuple(episodes if episodes is not None else self.episodes)
        return PartyDraft(
            guild_id=self.guild_id,
            channel_id=self.channel_id,
            host_id=self.host_id,
            title=self.title or default_title(shown),
            episodes=tuple(e.id for e in shown),
            starts_at=start,
            zone=self.zone,
            note=self.note,
            voice_channel_id=self.voice_channel_id,
            capacity=self.capacity,
            reminder_offsets=self.reminder_offsets,
        )


@dataclass(frozen=True, slots=True)
class EditRequest:
    party_id: int
    changes: PartyChanges


@dataclass(frozen=True, slots=True)
class Confirmation:
    """A request waiting for the member to pick one of `options` (UTC instants)."""

    request: ScheduleRequest | EditRequest
    options: list[datetime] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SeriesPlan:
    wall_time: datetime  # naive local wall time of the first party
    zone: str
    weeks: list[tuple[Occurrence, Episode]]
    drafts: list[PartyDraft]


def plan_series(request: ScheduleRequest, first_start: datetime) -> SeriesPlan:
    """One party a week at the local wall time of `first_start` in the request's zone, one episode each."""
    zone = ZoneInfo(request.zone)
    wall = first_start.astimezone(zone).replace(tzinfo=None)
    occurrences = weekly_occurrences(wall, zone, len(request.episodes))
    weeks = list(zip(occurrences, request.episodes, strict=True))
    drafts = [request.draft(occurrence.utc, [episode]) for occurrence, episode in weeks]
    return SeriesPlan(wall, request.zone, weeks, drafts)
