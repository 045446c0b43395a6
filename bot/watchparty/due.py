"""Planning the due work of a watch party: the rows the reminder dispatcher will deliver.

Called in the same transaction that creates, edits or cancels a party, so the plan never disagrees
with the party. The dispatcher (which claims, sends and records rows) lives beside this module.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.db import Handle
from bot.i18n import N_
from bot.watchparty.reminders import format_offset, parse_offsets

DEFAULT_OFFSETS = "24h, 1h, 0"
KIND_REMINDER = "reminder"  # before the start, mentions Going members
KIND_START = "start"  # at the start: "starting now", voice link, warning card
KIND_FOLLOWUP = "followup"  # after the end: discussion-thread link, "Mark as watched"
KIND_DM = "dm"  # one Going member's DM; queued by the dispatcher when a reminder or start post goes out


def to_db_time(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_db_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


async def party_offsets(conn: Handle, party_id: int) -> list[timedelta]:
    """The party's own reminder offsets, else its server's default, else 24h, 1h and at start."""
    row = await conn.fetchone(
        "SELECT COALESCE(p.reminder_offsets, g.reminder_offsets, ?) FROM watch_parties p "
        "LEFT JOIN guild_party_settings g ON g.guild_id = p.guild_id WHERE p.id = ?",
        (DEFAULT_OFFSETS, party_id),
    )
    return parse_offsets(row[0] if row else DEFAULT_OFFSETS)


async def cancel_party_work(conn: Handle, party_id: int, reason: str = N_("party cancelled")) -> int:
    """Cancel every row of the party that has not been delivered (or is not being delivered)."""
    return await conn.execute(
        "UPDATE due_work SET status = 'cancelled', reason = ?, finished_at = ? "
        "WHERE party_id = ? AND status = 'pending'",
        (reason, to_db_time(datetime.now(UTC)), party_id),
    )


async def plan_party_work(conn: Handle, party_id: int, *, now: datetime) -> int:
    """(Re)plan a scheduled party's reminders, start post and follow-up. Returns rows planned.

    Pending rows from an earlier plan are cancelled first, so an edit never leaves a stale reminder.
    Reminders whose time has already passed when the party is planned are not created, and a post that
    was already made, skipped or is being made for the same moment is not planned again (a failed one
    is: the edit may have fixed its cause).
    """
    await cancel_party_work(conn, party_id, reason=N_("replanned"))
    rows_done = await conn.fetchall(
        "SELECT kind, offset_label, due_at FROM due_work WHERE party_id = ? "
        "AND status IN ('claimed', 'delivered', 'late', 'skipped')",
        (party_id,),
    )
    done = {(r[0], r[1], r[2]) for r in rows_done}
    row = await conn.fetchone(
        "SELECT starts_at, duration_minutes, status FROM watch_parties WHERE id = ?", (party_id,)
    )
    if row is None or row[2] != "scheduled":
        return 0
    starts_at = from_db_time(row[0])
    rows: list[tuple[str, str, str]] = []
    for offset in await party_offsets(conn, party_id):
        due = starts_at - offset
        if due <= now and offset:
            continue
        rows.append((KIND_START if not offset else KIND_REMINDER, format_offset(offset), to_db_time(due)))
    rows.append((KIND_FOLLOWUP, "end", to_db_time(starts_at + timedelta(minutes=row[1]))))
    rows = [planned for planned in rows if planned not in done]
    await conn.executemany(
        "INSERT INTO due_work (kind, party_id, offset_label, due_at) VALUES (?, ?, ?, ?)",
        [(kind, party_id, label, due) for kind, label, due in rows],
    )
    return len(rows)


async def replan_guild_parties(conn: Handle, guild_id: int, *, now: datetime) -> list[int]:
    """After the server's default offsets changed: replan its upcoming parties that use the default.

    Returns the ids of the parties replanned. Call `bot.dispatch("due_work_changed")` after committing.
    """
    rows = await conn.fetchall(
        "SELECT id FROM watch_parties WHERE guild_id = ? AND status = 'scheduled' AND starts_at > ? "
        "AND reminder_offsets IS NULL ORDER BY starts_at, id",
        (guild_id, to_db_time(now)),
    )
    party_ids = [int(r[0]) for r in rows]
    for party_id in party_ids:
        await plan_party_work(conn, party_id, now=now)
    return party_ids
