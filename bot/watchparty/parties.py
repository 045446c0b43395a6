"""Watch parties in the database: create (one or a weekly series), read, edit, cancel; server settings.

Every change that moves a party's start or cancels it replans its due work in the same transaction
(`bot.watchparty.due`), so the reminder dispatcher never sees a plan that disagrees with the party.
Callers dispatch `due_work_changed` afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.db import Database, Handle, Row
from bot.i18n import N_
from bot.watchparty.due import (
    DEFAULT_OFFSETS,
    cancel_party_work,
    from_db_time,
    plan_party_work,
    replan_guild_parties,
    to_db_time,
)
from bot.watchparty.quota import Quota, enforce_quota
from bot.watchparty.reminders import format_offsets, parse_offsets
from bot.watchparty.rsvp import promote_waitlist, write_rsvp
from bot.watchparty.walltime import resolve_wall

DEFAULT_DURATION_MINUTES = 60
NO_HOST = 0  # host_id of a party whose host deleted their data: the server's moderators look after it
WALL_FORMAT = "%Y-%m-%dT%H:%M"

_SELECT = (
    "SELECT id, guild_id, channel_id, voice_channel_id, thread_id, host_id, title, note, episodes, "
    "starts_at, zone, duration_minutes, capacity, reminder_offsets, message_id, event_id, series_id, status, "
    "sequence FROM watch_parties "
)
_NOT_ENDED = "AND ends_at > ? "


@dataclass(frozen=True, slots=True)
class Party:
    id: int
    guild_id: int
    channel_id: int  # where the announcement is
    voice_channel_id: int | None
    thread_id: int | None
    host_id: int
    title: str
    note: str | None
    episodes: tuple[str, ...]
    starts_at: datetime  # aware UTC
    zone: str  # IANA name it was planned in
    duration_minutes: int
    capacity: int | None
    message_id: int | None
    event_id: int | None
    series_id: int | None
    status: str
    sequence: int
    reminder_offsets: str | None = None  # its own reminder times (`1d, 1h, 0`); None = the server's

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def zoneinfo(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def scheduled(self) -> bool:
        return self.status == "scheduled"

    def jump_url(self) -> str | None:
        if self.message_id is None:
            return None
        return f"https://discord.com/channels/{self.guild_id}/{self.channel_id}/{self.message_id}"


@dataclass(frozen=True, slots=True)
class PartyDraft:
    """What a new party needs before it has an id."""

    guild_id: int
    channel_id: int
    host_id: int
    title: str
    episodes: tuple[str, ...]
    starts_at: datetime
    zone: str
    note: str | None = None
    voice_channel_id: int | None = None
    capacity: int | None = None
    duration_minutes: int = DEFAULT_DURATION_MINUTES
    reminder_offsets: str | None = None  # canonical text (`format_offsets`); None = the server's default


@dataclass(frozen=True, slots=True)
class PartyChanges:
    """An edit. None leaves a field as it is; `capacity=0` removes the limit, `note=""` clears the note,
    `voice_channel_id=0` removes the voice channel, `reminder_offsets=""` goes back to the server's."""

    starts_at: datetime | None = None
    zone: str | None = None
    title: str | None = None
    note: str | None = None
    capacity: int | None = None
    voice_channel_id: int | None = None
    reminder_offsets: str | None = None


@dataclass(frozen=True, slots=True)
class EditResult:
    party: Party
    moved: bool  # the start changed
    replanned: bool  # the start or the reminder times changed: due work was replanned
    promoted: list[int]  # members moved from the waitlist to going (capacity grew)


@dataclass(frozen=True, slots=True)
class Series:
    id: int
    guild_id: int
    wall_time: datetime  # naive local wall time of the first party
    zone: str
    next_episode: str | None


def _party(row: Row) -> Party:
    return Party(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        voice_channel_id=row["voice_channel_id"],
        thread_id=row["thread_id"],
        host_id=row["host_id"],
        title=row["title"],
        note=row["note"],
        episodes=tuple(json.loads(row["episodes"])),
        starts_at=from_db_time(row["starts_at"]),
        zone=row["zone"],
        duration_minutes=row["duration_minutes"],
        capacity=row["capacity"],
        reminder_offsets=row["reminder_offsets"],
        message_id=row["message_id"],
        event_id=row["event_id"],
        series_id=row["series_id"],
        status=row["status"],
        sequence=row["sequence"],
    )


async def _insert_party(conn: Handle, draft: PartyDraft, *, series_id: int | None, now: datetime) -> int:
    row = await conn.fetchone(
        "INSERT INTO watch_parties (guild_id, channel_id, voice_channel_id, host_id, title, note, episodes, "
        "starts_at, zone, duration_minutes, capacity, reminder_offsets, series_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            draft.guild_id,
            draft.channel_id,
            draft.voice_channel_id,
            draft.host_id,
            draft.title,
            draft.note,
            json.dumps(list(draft.episodes)),
            to_db_time(draft.starts_at),
            draft.zone,
            draft.duration_minutes,
            draft.capacity,
            draft.reminder_offsets,
            series_id,
        ),
    )
    assert row is not None
    party_id = int(row[0])
    await write_rsvp(conn, party_id, draft.host_id, "going", now=now)  # the host is going
    await plan_party_work(conn, party_id, now=now)
    return party_id


async def create_party(db: Database, draft: PartyDraft, *, now: datetime, quota: Quota | None = None) -> int:
    """Store a party with its host as Going and its due work planned. Returns its id. With ``quota``, raise
    QuotaExceeded instead if it would pass the server's limits (counted in the same transaction)."""
    async with db.transaction() as conn:
        if quota is not None:
            await enforce_quota(conn, draft.guild_id, draft.host_id, 1, quota, now=now)
        return await _insert_party(conn, draft, series_id=None, now=now)


async def create_series(
    db: Database,
    drafts: Sequence[PartyDraft],
    *,
    wall_time: datetime,
    zone: str,
    next_episode: str | None,
    now: datetime,
    quota: Quota | None = None,
) -> tuple[int, list[int]]:
    """Store a weekly series (its local wall time and zone) and its parties, in one transaction. With
    ``quota``, every party counts against the server's limits (QuotaExceeded stores nothing)."""
    if not drafts:
        raise ValueError("a series needs at least one party")
    first = drafts[0]
    async with db.transaction() as conn:
        if quota is not None:
            await enforce_quota(conn, first.guild_id, first.host_id, len(drafts), quota, now=now)
        row = await conn.fetchone(
            "INSERT INTO party_series (guild_id, channel_id, host_id, wall_time, zone, next_episode) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (
                first.guild_id,
                first.channel_id,
                first.host_id,
                wall_time.strftime(WALL_FORMAT),
                zone,
                next_episode,
            ),
        )
        assert row is not None
        series_id = int(row[0])
        ids = [await _insert_party(conn, draft, series_id=series_id, now=now) for draft in drafts]
    return series_id, ids


async def delete_parties(db: Database, party_ids: Sequence[int], *, series_id: int | None = None) -> None:
    """Remove parties that never got announced (their due work and RSVPs go with them), and their
    series if none of its parties is left."""
    async with db.transaction() as conn:
        await conn.executemany("DELETE FROM watch_parties WHERE id = ?", [(i,) for i in party_ids])
        if series_id is not None:
            await conn.execute(
                "DELETE FROM party_series WHERE id = ? "
                "AND NOT EXISTS (SELECT 1 FROM watch_parties WHERE series_id = ?)",
                (series_id, series_id),
            )


async def get_party(db: Database, party_id: int) -> Party | None:
    row = await db.fetchone(_SELECT + "WHERE id = ?", (party_id,))
    return _party(row) if row is not None else None


async def get_series(db: Database, series_id: int) -> Series | None:
    row = await db.fetchone(
        "SELECT id, guild_id, wall_time, zone, next_episode FROM party_series WHERE id = ?", (series_id,)
    )
    if row is None:
        return None
    return Series(row[0], row[1], datetime.strptime(row[2], WALL_FORMAT), row[3], row[4])


async def upcoming_parties(
    db: Database, guild_id: int, *, now: datetime, limit: int = 25, include_cancelled: bool = False
) -> list[Party]:
    """Parties of a server that have not ended yet, soonest first."""
    wanted = "status IN ('scheduled', 'cancelled') " if include_cancelled else "status = 'scheduled' "
    rows = await db.fetchall(
        _SELECT + "WHERE guild_id = ? AND " + wanted + _NOT_ENDED + "ORDER BY starts_at, id LIMIT ?",
        (guild_id, to_db_time(now), limit),
    )
    return [_party(row) for row in rows]


async def count_upcoming(db: Database, guild_id: int, *, now: datetime) -> int:
    value = await db.fetchval(
        "SELECT count(*) FROM watch_parties WHERE guild_id = ? AND status = 'scheduled' AND ends_at > ?",
        (guild_id, to_db_time(now)),
    )
    return int(value or 0)


async def set_announcement(
    db: Database, party_id: int, message_id: int, thread_id: int | None = None
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE watch_parties SET message_id = ?, thread_id = COALESCE(?, thread_id) WHERE id = ?",
            (message_id, thread_id, party_id),
        )


async def set_event(db: Database, party_id: int, event_id: int | None) -> None:
    async with db.transaction() as conn:
        await conn.execute("UPDATE watch_parties SET event_id = ? WHERE id = ?", (event_id, party_id))


async def edit_party(db: Database, party_id: int, changes: PartyChanges, *, now: datetime) -> EditResult:
    """Apply an edit: bump `sequence`, replan due work when the start or the reminder times changed,
    fill new capacity from the waitlist. Raises LookupError for an unknown party and ValueError for a party that is not scheduled."""
    async with db.transaction() as conn:
        row = await conn.fetchone(_SELECT + "WHERE id = ?", (party_id,))
        if row is None:
            raise LookupError(party_id)
        party = _party(row)
        if not party.scheduled:
            raise ValueError(f"party {party_id} is {party.status}")
        updated = replace(
            party,
            starts_at=changes.starts_at or party.starts_at,
            zone=changes.zone or party.zone,
            title=changes.title if changes.title is not None else party.title,
            note=party.note if changes.note is None else (changes.note or None),
            capacity=party.capacity if changes.capacity is None else (changes.capacity or None),
            voice_channel_id=party.voice_channel_id
            if changes.voice_channel_id is None
            else (changes.voice_channel_id or None),
            reminder_offsets=party.reminder_offsets
            if changes.reminder_offsets is None
            else (changes.reminder_offsets or None),
            sequence=party.sequence + 1,
        )
        await conn.execute(
            "UPDATE watch_parties SET starts_at = ?, zone = ?, title = ?, note = ?, capacity = ?, "
            "voice_channel_id = ?, reminder_offsets = ?, sequence = ? WHERE id = ?",
            (
                to_db_time(updated.starts_at),
                updated.zone,
                updated.title,
                updated.note,
                updated.capacity,
                updated.voice_channel_id,
                updated.reminder_offsets,
                updated.sequence,
                party_id,
            ),
        )
        moved = updated.starts_at != party.starts_at
        replanned = moved or updated.reminder_offsets != party.reminder_offsets
        if replanned:
            await plan_party_work(conn, party_id, now=now)
        promoted = await promote_waitlist(conn, party_id, now=now)
    return EditResult(updated, moved, replanned, promoted)


async def cancel_party(db: Database, party_id: int) -> Party:
    """Cancel a scheduled party and its pending due work. Raises LookupError / ValueError like edit."""
    async with db.transaction() as conn:
        row = await conn.fetchone(_SELECT + "WHERE id = ?", (party_id,))
        if row is None:
            raise LookupError(party_id)
        party = _party(row)
        if not party.scheduled:
            raise ValueError(f"party {party_id} is {party.status}")
        await conn.execute(
            "UPDATE watch_parties SET status = 'cancelled', sequence = sequence + 1 WHERE id = ?", (party_id,)
        )
        await cancel_party_work(conn, party_id)
    return replace(party, status="cancelled", sequence=party.sequence + 1)


def gap_shift(party: Party, series: Series | None) -> tuple[datetime, datetime] | None:
    """For a series party whose wall time does not exist that day (clocks jump forward): the wall time
    the series asks for and the local time the party starts at instead. None otherwise."""
    if series is None or party.series_id != series.id:
        return None
    zone = ZoneInfo(series.zone)
    local = party.starts_at.astimezone(zone)
    wall = datetime.combine(local.date(), series.wall_time.time())
    resolved = resolve_wall(wall, zone)
    if resolved.kind == "gap" and resolved.first == party.starts_at:
        return wall, local.replace(tzinfo=None)
    return None


# --- zones: a member's own, and a server's default ---------------------------------------------------


async def member_zone(db: Database, user_id: int) -> str | None:
    return await db.fetchval("SELECT time_zone FROM member_preferences WHERE user_id = ?", (user_id,))


async def set_member_zone(db: Database, user_id: int, zone: str | None) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO member_preferences (user_id, time_zone) VALUES (?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET time_zone = excluded.time_zone",
            (user_id, zone),
        )


async def guild_default_zone(db: Database, guild_id: int) -> str | None:
    return await db.fetchval("SELECT default_zone FROM guild_party_settings WHERE guild_id = ?", (guild_id,))


async def set_guild_default_zone(db: Database, guild_id: int, zone: str | None) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO guild_party_settings (guild_id, default_zone) VALUES (?, ?) "
            "ON CONFLICT(guild_id) DO UPDATE SET default_zone = excluded.default_zone",
            (guild_id, zone),
        )


@dataclass(frozen=True, slots=True)
class RemindersChange:
    """What `set_guild_reminders` did: the server's times before and after, the parties replanned."""

    previous: list[timedelta]
    current: list[timedelta]
    replanned: list[int]  # upcoming parties that use the default

    @property
    def changed(self) -> bool:
        return self.previous != self.current


async def guild_reminders(db: Database, guild_id: int) -> list[timedelta]:
    """The server's default reminder times (24h, 1h and at the start unless a moderator changed them)."""
    text = await db.fetchval(
        "SELECT reminder_offsets FROM guild_party_settings WHERE guild_id = ?", (guild_id,)
    )
    return parse_offsets(text or DEFAULT_OFFSETS)


async def party_reminders(db: Database, party: Party) -> list[timedelta]:
    """When a party's reminders go: its own times, else its server's."""
    if party.reminder_offsets:
        return parse_offsets(party.reminder_offsets)
    return await guild_reminders(db, party.guild_id)


async def set_guild_reminders(
    db: Database, guild_id: int, offsets: str | None, *, now: datetime
) -> RemindersChange:
    """Store the server's default reminder times (canonical text; None = back to 24h, 1h, 0) and, in the
    same transaction, replan the upcoming parties that use the default. Unchanged times replan nothing.
    Callers dispatch `due_work_changed` when parties were replanned."""
    current = parse_offsets(offsets or DEFAULT_OFFSETS)
    async with db.transaction() as conn:
        row = await conn.fetchone(
            "SELECT reminder_offsets FROM guild_party_settings WHERE guild_id = ?", (guild_id,)
        )
        previous = parse_offsets(row[0] if row and row[0] else DEFAULT_OFFSETS)
        if previous == current:
            return RemindersChange(previous, current, [])
        await conn.execute(
            "INSERT INTO guild_party_settings (guild_id, reminder_offsets) VALUES (?, ?) "
            "ON CONFLICT(guild_id) DO UPDATE SET reminder_offsets = excluded.reminder_offsets",
            (guild_id, format_offsets(current)),
        )
        replanned = await replan_guild_parties(conn, guild_id, now=now)
    return RemindersChange(previous, current, replanned)


async def planning_zone(db: Database, user_id: int, guild_id: int) -> tuple[str, str] | None:
    """(zone, where it came from) for a member planning here: their saved zone, else the server's
    default. None when neither is set (ask; never assume UTC)."""
    mine = await member_zone(db, user_id)
    if mine:
        return mine, N_("your saved time zone")
    default = await guild_default_zone(db, guild_id)
    if default:
        return default, N_("this server's default time zone")
    return None
