"""RSVPs: Going / Maybe / Can't go, with a capacity and an ordered waitlist.

One row per (party, member), so each member is counted exactly once. A click is one UPSERT inside a
transaction; when a spot frees up (someone leaves, the capacity grows) the first waiting member is
promoted in the same transaction. The waitlist is ordered by `updated_at` (microseconds, so clicks in
the same second keep their order) and then `seq`, the order answers were first given in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from bot.db import Database, Handle, Reader

Choice = Literal["going", "maybe", "not_going", "none"]  # "none" removes the member's RSVP
Status = Literal["going", "maybe", "not_going", "waitlist"]
CHOICES: tuple[Choice, ...] = ("going", "maybe", "not_going", "none")


def rsvp_time(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class RsvpCounts:
    going: int = 0
    maybe: int = 0
    not_going: int = 0
    waitlist: int = 0


@dataclass(frozen=True, slots=True)
class RsvpWrite:
    status: Status | None  # what the member has now (None: no RSVP)
    changed: bool  # False when the click repeated the member's answer
    promoted: list[int]  # members moved from the waitlist to Going by this change, in order


@dataclass(frozen=True, slots=True)
class RsvpResult:
    status: Status | None
    changed: bool
    counts: RsvpCounts
    capacity: int | None
    waitlist_position: int | None  # 1-based, when waitlisted
    promoted: list[int]


_GOING_UPSERT = """
INSERT INTO party_rsvps (party_id, user_id, status, updated_at)
SELECT p.id, ?,
       CASE WHEN p.capacity IS NULL
              OR (SELECT count(*) FROM party_rsvps r
                   WHERE r.party_id = p.id AND r.status = 'going' AND r.user_id != ?) < p.capacity
            THEN 'going' ELSE 'waitlist' END,
       ?
  FROM watch_parties p WHERE p.id = ?
ON CONFLICT (party_id, user_id) DO UPDATE SET
    status = CASE WHEN party_rsvps.status = 'going' THEN 'going' ELSE excluded.status END,
    updated_at = CASE WHEN party_rsvps.status IN ('going', excluded.status)
                      THEN party_rsvps.updated_at ELSE excluded.updated_at END
RETURNING status, updated_at
"""

_OTHER_UPSERT = """
INSERT INTO party_rsvps (party_id, user_id, status, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (party_id, user_id) DO UPDATE SET
    status = excluded.status,
    updated_at = CASE WHEN party_rsvps.status = excluded.status
                      THEN party_rsvps.updated_at ELSE excluded.updated_at END
RETURNING status, updated_at
"""

_SUMMARY = """
SELECT p.capacity,
       (SELECT count(*) FROM party_rsvps WHERE party_id = p.id AND status = 'going'),
       (SELECT count(*) FROM party_rsvps WHERE party_id = p.id AND status = 'maybe'),
       (SELECT count(*) FROM party_rsvps WHERE party_id = p.id AND status = 'not_going'),
       (SELECT count(*) FROM party_rsvps WHERE party_id = p.id AND status = 'waitlist')
  FROM watch_parties p WHERE p.id = ?
"""

_PROMOTABLE = """
SELECT user_id FROM party_rsvps
 WHERE party_id = ? AND status = 'waitlist'
 ORDER BY updated_at, seq
 LIMIT (SELECT CASE WHEN room.capacity IS NULL THEN 2147483647
                    WHEN room.capacity > room.going THEN room.capacity - room.going
                    ELSE 0 END
          FROM (SELECT (SELECT capacity FROM watch_parties WHERE id = ?) AS capacity,
                       (SELECT count(*) FROM party_rsvps WHERE party_id = ? AND status = 'going') AS going) AS room)
"""


async def counts_in(conn: Reader, party_id: int) -> RsvpCounts:
    rows = await conn.fetchall(
        "SELECT status, count(*) FROM party_rsvps WHERE party_id = ? GROUP BY status", (party_id,)
    )
    found = {row[0]: int(row[1]) for row in rows}
    return RsvpCounts(
        going=found.get("going", 0),
        maybe=found.get("maybe", 0),
        not_going=found.get("not_going", 0),
        waitlist=found.get("waitlist", 0),
    )


async def promote_waitlist(conn: Handle, party_id: int, *, now: datetime) -> list[int]:
    """Fill free spots from the waitlist, first come first served. Returns who was promoted, in order."""
    rows = await conn.fetchall(_PROMOTABLE, (party_id, party_id, party_id))
    promoted = [int(row[0]) for row in rows]
    await conn.executemany(
        "UPDATE party_rsvps SET status = 'going', updated_at = ? WHERE party_id = ? AND user_id = ?",
        [(rsvp_time(now), party_id, user_id) for user_id in promoted],
    )
    return promoted


async def waitlist_position(conn: Reader, party_id: int, user_id: int) -> int | None:
    row = await conn.fetchone(
        "SELECT count(*) FROM party_rsvps w, party_rsvps me "
        "WHERE me.party_id = ? AND me.user_id = ? AND me.status = 'waitlist' "
        "AND w.party_id = me.party_id AND w.status = 'waitlist' "
        "AND (w.updated_at, w.seq) <= (me.updated_at, me.seq)",
        (party_id, user_id),
    )
    return int(row[0]) if row and row[0] else None


async def write_rsvp(
    conn: Handle, party_id: int, user_id: int, choice: Choice, *, now: datetime
) -> RsvpWrite:
    """Record a member's choice inside the caller's transaction: one UPSERT (or DELETE), then, when the
    member may have left Going, the promotion of the first waiting members."""
    stamp = rsvp_time(now)
    await conn.lock(f"party-rsvps:{party_id}")  # the capacity check and the write see every other click
    if choice == "none":
        row = await conn.fetchone(
            "DELETE FROM party_rsvps WHERE party_id = ? AND user_id = ? RETURNING status",
            (party_id, user_id),
        )
        status, changed = None, row is not None
    else:
        if choice == "going":
            row = await conn.fetchone(_GOING_UPSERT, (user_id, user_id, stamp, party_id))
        else:
            row = await conn.fetchone(_OTHER_UPSERT, (party_id, user_id, choice, stamp))
        if row is None:
            raise LookupError(party_id)
        status, changed = row[0], row[1] == stamp  # an unchanged answer keeps its old timestamp
    promoted = [] if choice == "going" else await promote_waitlist(conn, party_id, now=now)
    return RsvpWrite(status, changed, promoted)


async def set_rsvp(db: Database, party_id: int, user_id: int, choice: Choice, *, now: datetime) -> RsvpResult:
    """A member clicked Going / Maybe / Can't go (or removed their answer).

    The write is one transaction (held as briefly as possible: many members click at once); the counts
    are read right after it, so they include this member's answer.
    """
    async with db.transaction() as conn:
        written = await write_rsvp(conn, party_id, user_id, choice, now=now)
    row = await db.fetchone(_SUMMARY, (party_id,))
    assert row is not None
    position = await waitlist_position(db, party_id, user_id) if written.status == "waitlist" else None
    return RsvpResult(
        status=written.status,
        changed=written.changed,
        counts=RsvpCounts(going=row[1], maybe=row[2], not_going=row[3], waitlist=row[4]),
        capacity=row[0],
        waitlist_position=position,
        promoted=written.promoted,
    )


async def rsvp_counts(db: Database, party_id: int) -> RsvpCounts:
    return await counts_in(db, party_id)


async def member_rsvp(db: Database, party_id: int, user_id: int) -> Status | None:
    value = await db.fetchval(
        "SELECT status FROM party_rsvps WHERE party_id = ? AND user_id = ?", (party_id, user_id)
    )
    return value if value in ("going", "maybe", "not_going", "waitlist") else None


async def members_with(db: Database, party_id: int, status: Status) -> list[int]:
    """Members with a status, in the order they answered (the waitlist order for 'waitlist')."""
    rows = await db.fetchall(
        "SELECT user_id FROM party_rsvps WHERE party_id = ? AND status = ? ORDER BY updated_at, seq",
        (party_id, status),
    )
    return [int(row[0]) for row in rows]
