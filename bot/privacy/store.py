"""A member's data and a server's data in the database: count, export, delete, purge, expire.

Everything here is driven from `bot.privacy.registry`: a table registered there is exported, deleted,
purged with its server and expired without a change to this module. Only two steps are written out by
hand (`_hand_over_parties`, `_withdraw_rsvps`), because a departing host's parties and a withdrawn RSVP
change what other members see; what Discord must then be told (an announcement's new count, a removed
event, a promoted member) is queued as due work in the same transaction (`bot.privacy.work`), so it
happens even if the process stops right after, or the deletion was made from the command line.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from bot import __version__
from bot.content_warnings.server import forget_card_settings
from bot.db import Database, Handle, Row
from bot.db.notify import MEMBER_DELETED, SPOILERS, invalidations
from bot.db.schema import read_schema as read_live_schema
from bot.i18n import N_, _
from bot.members import forget_member
from bot.privacy.registry import BY_NAME, TABLES, Personal, Table
from bot.watchparty.due import cancel_party_work, to_db_time
from bot.watchparty.parties import NO_HOST
from bot.watchparty.rsvp import write_rsvp

EXPORT_FORMAT = "clematis-export/1"

KIND_PARTY_REFRESH = "party_refresh"  # bring a party's announcement up to date
KIND_EVENT_REMOVE = "event_remove"  # delete a cancelled party's Discord event
KIND_RSVP_PROMOTED = "rsvp_promoted"  # tell a member a spot opened up for them
KIND_GUILD_PURGE = "guild_purge"  # delete a removed server's data (due when its grace period ends)
KIND_RETENTION_SWEEP = "retention_sweep"  # delete what is past its retention time (daily)
PRIVACY_KINDS = (
    KIND_PARTY_REFRESH,
    KIND_EVENT_REMOVE,
    KIND_RSVP_PROMOTED,
    KIND_GUILD_PURGE,
    KIND_RETENTION_SWEEP,
)

HostPolicy = Literal["handover", "cancel"]
LABEL_HANDED_OVER = "handed_over"  # due_work.offset_label of a refresh that also tells the mod log why
LABEL_CANCELLED = "cancelled"
FIRST_SWEEP_AFTER = timedelta(minutes=10)


def _ident(name: str) -> str:
    """A table or column name from the registry, checked, for the SQL statements built from it."""
    if not name.isidentifier():
        raise ValueError(f"not an identifier: {name!r}")
    return f'"{name}"'


async def _rows(conn: Handle, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    return await conn.fetchall(sql, params)


def _where(columns: Sequence[Personal]) -> str:
    return " OR ".join(f"{_ident(p.column)} = ?" for p in columns)


def _subject_columns(table: Table) -> list[Personal]:
    """The columns whose value says a row is (partly) about a member: exported and acted on."""
    return [p for p in table.personal if p.holds == "user" and p.on_delete != "exempt"]


# --- show ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Holding:
    table: Table
    count: int


async def summarize_user(db: Database, user_id: int) -> list[Holding]:
    """How many rows of each table are about the member (tables with none left out)."""
    found = []
    async for table, rows in _member_rows(db, user_id, "count(*)"):
        if rows[0][0]:
            found.append(Holding(table, int(rows[0][0])))
    return found


async def _member_rows(db: Database, user_id: int, select: str) -> AsyncIterator[tuple[Table, list[Row]]]:
    """For each table with member columns: `SELECT <select>` over the rows about the member."""
    for table in TABLES:
        columns = _subject_columns(table)
        if columns:
            sql = f"SELECT {select} FROM {_ident(table.name)} WHERE {_where(columns)}"  # noqa: S608 - registry names
            yield table, await db.fetchall(sql, [user_id] * len(columns))


# --- export -------------------------------------------------------------------------------------------


def _exported(table: Table, row: Row) -> dict[str, Any]:
    """A row as JSON: ids (snowflakes) as strings, as Discord's own API gives them; JSON text decoded;
    columns that are not about the member left out."""
    hidden = {p.column for p in table.personal if not p.exported}
    out: dict[str, Any] = {}
    for key in row.keys():
        if key in hidden:
            continue
        value = row[key]
        if isinstance(value, int) and (key.endswith("_id") or key.endswith("_by") or key == "id"):
            value = str(value)
        elif isinstance(value, str) and key in ("cw_topics", "episodes"):
            try:
                value = json.loads(value)
            except ValueError:
                pass
        out[key] = value
    return out


async def export_user(db: Database, user_id: int, *, now: datetime) -> dict[str, Any]:
    """Everything stored under the member's id, in every server, as one JSON-ready document."""
    tables: dict[str, Any] = {}
    async for table, rows in _member_rows(db, user_id, "*"):
        if rows:
            tables[table.name] = {
                "what": table.label,
                "why": table.purpose,
                "kept": table.retention,
                "rows": [_exported(table, row) for row in rows],
            }
    return {
        "format": EXPORT_FORMAT,
        "user_id": str(user_id),
        "exported_at": to_db_time(now),
        "bot_version": __version__,
        "note": _(
            "Everything this Clematis bot stores under your Discord user id, in every server. Messages "
            "you posted in servers (including those posted through the bot, such as party announcements) "
            "are Discord's, not stored here."
        ),
        "tables": tables,
    }


# --- delete -------------------------------------------------------------------------------------------


@dataclass
class Deletion:
    """What a member's deletion did (counts per table; parties handed over or cancelled)."""

    user_id: int
    removed: dict[str, int] = field(default_factory=dict)  # table -> rows deleted or cleared
    handed_over: list[int] = field(default_factory=list)  # upcoming party ids
    cancelled: list[int] = field(default_factory=list)  # upcoming party ids
    withdrawn: list[int] = field(default_factory=list)  # party ids whose RSVP was removed
    promoted: int = 0  # members moved up from waitlists
    queued: int = 0  # due-work rows queued for Discord (announcements, events, notices)

    @property
    def total(self) -> int:
        return sum(self.removed.values())

    def add(self, table: str, count: int) -> None:
        if count:
            self.removed[table] = self.removed.get(table, 0) + count


async def queue_work(
    conn: Handle,
    kind: str,
    *,
    now: datetime,
    party_id: int | None = None,
    user_id: int | None = None,
    guild_id: int | None = None,
    due: datetime | None = None,
    label: str | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO due_work (kind, party_id, user_id, guild_id, due_at, offset_label) VALUES (?, ?, ?, ?, ?, ?)",
        (kind, party_id, user_id, guild_id, to_db_time(due or now), label),
    )


async def host_policy(conn: Handle, guild_id: int) -> tuple[HostPolicy, int | None]:
    rows = await _rows(
        conn,
        "SELECT leaver_parties, handover_user_id FROM guild_privacy_settings WHERE guild_id = ?",
        (guild_id,),
    )
    if not rows:
        return "handover", None
    return rows[0][0], rows[0][1]


_NOT_ENDED = "status = 'scheduled' AND ends_at > ?"


async def _hand_over_parties(conn: Handle, user_id: int, now: datetime, done: Deletion) -> None:
    """The member's upcoming parties go to the server's chosen member or its moderators, or are cancelled
    (with their reminders and Discord event), as each server chose; their other parties lose the id."""
    upcoming = await _rows(
        conn,
        f"SELECT id, guild_id, event_id FROM watch_parties WHERE host_id = ? AND {_NOT_ENDED} ORDER BY id",  # noqa: S608
        (user_id, to_db_time(now)),
    )
    series_host: dict[int, int] = {}
    for party_id, guild_id, event_id in upcoming:
        policy, chosen = await host_policy(conn, guild_id)
        if policy == "cancel":
            await conn.execute(
                "UPDATE watch_parties SET status = 'cancelled', host_id = ?, sequence = sequence + 1 WHERE id = ?",
                (NO_HOST, party_id),
            )
            await cancel_party_work(conn, party_id, reason=N_("the host deleted their data"))
            if event_id is not None:
                await queue_work(conn, KIND_EVENT_REMOVE, now=now, party_id=party_id)
                done.queued += 1
            done.cancelled.append(party_id)
        else:
            recipient = chosen if chosen is not None and chosen != user_id else NO_HOST
            await conn.execute(
                "UPDATE watch_parties SET host_id = ?, sequence = sequence + 1 WHERE id = ?",
                (recipient, party_id),
            )
            series_host[guild_id] = recipient
            done.handed_over.append(party_id)
        label = LABEL_CANCELLED if policy == "cancel" else LABEL_HANDED_OVER
        await queue_work(conn, KIND_PARTY_REFRESH, now=now, party_id=party_id, label=label)
        done.queued += 1
    changed = await conn.execute("UPDATE watch_parties SET host_id = ? WHERE host_id = ?", (NO_HOST, user_id))
    done.add("watch_parties", len(upcoming) + changed)
    for guild_id, recipient in series_host.items():
        changed = await conn.execute(
            "UPDATE party_series SET host_id = ? WHERE host_id = ? AND guild_id = ?",
            (recipient, user_id, guild_id),
        )
        done.add("party_series", changed)
    changed = await conn.execute(
        "UPDATE party_series SET host_id = ?, active = 0 WHERE host_id = ?", (NO_HOST, user_id)
    )
    done.add("party_series", changed)


async def _withdraw_rsvps(conn: Handle, user_id: int, now: datetime, done: Deletion) -> None:
    """Remove the member's RSVPs as 'Remove my answer' would: the first waiting members move up, and the
    announcements of upcoming parties are brought up to date."""
    rows = await _rows(
        conn,
        "SELECT r.party_id, p.status = 'scheduled' AND p.ends_at > ? "
        "FROM party_rsvps r JOIN watch_parties p ON p.id = r.party_id "
        "WHERE r.user_id = ? ORDER BY r.party_id",
        (to_db_time(now), user_id),
    )
    for party_id, upcoming in rows:
        written = await write_rsvp(conn, party_id, user_id, "none", now=now)
        done.withdrawn.append(party_id)
        if not upcoming:
            continue
        if party_id not in done.handed_over and party_id not in done.cancelled:
            await queue_work(conn, KIND_PARTY_REFRESH, now=now, party_id=party_id)
            done.queued += 1
        for promoted in written.promoted:
            await queue_work(conn, KIND_RSVP_PROMOTED, now=now, party_id=party_id, user_id=promoted)
            done.queued += 1
            done.promoted += 1
    done.add("party_rsvps", len(rows))


Hook = Callable[[Handle, int, datetime, Deletion], Awaitable[None]]
HOOKS: dict[tuple[str, str], Hook] = {
    ("watch_parties", "host_id"): _hand_over_parties,
    ("party_series", "host_id"): _hand_over_parties,  # the same step treats both
    ("party_rsvps", "user_id"): _withdraw_rsvps,
}


async def delete_user_in(conn: Handle, user_id: int, *, now: datetime) -> Deletion:
    """Delete everything about the member inside the caller's transaction."""
    done = Deletion(user_id)
    ran: set[Hook] = set()
    for table in TABLES:
        for column in table.columns("hook"):
            hook = HOOKS[(table.name, column.column)]
            if hook not in ran:
                ran.add(hook)
                await hook(conn, user_id, now, done)
    for table in TABLES:
        for column in table.columns("row"):
            changed = await conn.execute(
                f"DELETE FROM {_ident(table.name)} WHERE {_ident(column.column)} = ?",  # noqa: S608 - registry names
                (user_id,),
            )
            done.add(table.name, changed)
        for column in table.columns("null"):
            name = _ident(column.column)
            changed = await conn.execute(
                f"UPDATE {_ident(table.name)} SET {name} = NULL WHERE {name} = ?",  # noqa: S608 - registry names
                (user_id,),
            )
            done.add(table.name, changed)
    return done


async def delete_user(db: Database, user_id: int, *, now: datetime) -> Deletion:
    """Delete everything about the member in one transaction (see the registry for what that means), and
    tell the other processes sharing the database to drop what they hold of the member."""
    async with db.transaction() as conn:
        done = await delete_user_in(conn, user_id, now=now)
    forget_member(db, user_id)  # here, and in the other processes
    invalidations(db).notify(MEMBER_DELETED, user_id)
    return done


# --- a whole server -----------------------------------------------------------------------------------


def _purge_order() -> list[Table]:
    """Tables with a server column, children before parents (so nothing waits on a cascade)."""
    direct = [t for t in TABLES if t.scope == "guild" and t.guild_column is not None]
    return sorted(direct, key=lambda t: t.name == "watch_parties")


async def purge_guild_in(conn: Handle, guild_id: int) -> dict[str, int]:
    """Delete every row of the server, inside the caller's transaction. Tables that hang off a purged
    table (`Table.via`) go with it by ON DELETE CASCADE. Returns rows deleted per table."""
    removed: dict[str, int] = {}
    for table in _purge_order():
        assert table.guild_column is not None
        for child in (t for t in TABLES if t.via == table.name):
            gone = await _cascading(conn, child.name, table.name, table.guild_column, guild_id)
            if gone:
                removed[child.name] = removed.get(child.name, 0) + gone
        changed = await conn.execute(
            f"DELETE FROM {_ident(table.name)} WHERE {_ident(table.guild_column)} = ?",  # noqa: S608 - registry names
            (guild_id,),
        )
        if changed:
            removed[table.name] = changed
    changed = await conn.execute(
        "DELETE FROM due_work WHERE guild_id = ? AND status != 'claimed'", (guild_id,)
    )
    if changed:
        removed["due_work"] = removed.get("due_work", 0) + changed
    return removed


async def _cascading(conn: Handle, child: str, parent: str, guild_column: str, guild_id: int) -> int:
    """How many rows of `child` the deletion of the server's `parent` rows takes with it (its foreign key)."""
    keys = [key for key in (await read_live_schema(conn))[child].foreign_keys if key.table == parent]
    if not keys:
        raise ValueError(f"{child} is registered as hanging off {parent} but has no foreign key to it")
    (column,), (target,) = keys[0].columns, keys[0].references
    rows = await _rows(
        conn,
        f"SELECT count(*) FROM {_ident(child)} WHERE {_ident(column)} IN "  # noqa: S608 - schema names
        f"(SELECT {_ident(target)} FROM {_ident(parent)} WHERE {_ident(guild_column)} = ?)",
        (guild_id,),
    )
    return int(rows[0][0])


async def purge_guild(db: Database, guild_id: int) -> dict[str, int]:
    """Delete every row of the server (`purge_guild_in`, one transaction), and what this process keeps of
    it in memory: a server added back later starts from the defaults, not from its deleted settings."""
    async with db.transaction() as conn:
        removed = await purge_guild_in(conn, guild_id)
    forget_card_settings(db, guild_id)
    invalidations(db).notify(SPOILERS, guild_id)  # other processes drop the spoiler state they hold of it
    return removed


async def schedule_guild_purge(db: Database, guild_id: int, *, now: datetime, due: datetime) -> bool:
    """Plan the deletion of a removed server's data. False when one is already planned."""
    async with db.transaction() as conn:
        await conn.lock(f"guild-purge:{guild_id}")  # another process may be planning the same
        planned = await _rows(
            conn,
            "SELECT 1 FROM due_work WHERE kind = ? AND guild_id = ? AND status IN ('pending', 'claimed')",
            (KIND_GUILD_PURGE, guild_id),
        )
        if planned:
            return False
        await queue_work(conn, KIND_GUILD_PURGE, now=now, guild_id=guild_id, due=due)
    return True


async def cancel_guild_purge(db: Database, guild_id: int, *, now: datetime, reason: str) -> int:
    """The bot is back in the server (or its data was deleted by hand): call off the planned purge."""
    return await db.execute(
        "UPDATE due_work SET status = 'cancelled', reason = ?, finished_at = ? "
        "WHERE kind = ? AND guild_id = ? AND status = 'pending'",
        (reason, to_db_time(now), KIND_GUILD_PURGE, guild_id),
    )


async def guild_ids_with_data(db: Database) -> set[int]:
    """Every server id found in a table with a server column."""
    found: set[int] = set()
    for table in _purge_order():
        assert table.guild_column is not None
        column = _ident(table.guild_column)
        rows = await db.fetchall(f"SELECT DISTINCT {column} FROM {_ident(table.name)}")  # noqa: S608
        found.update(int(r[0]) for r in rows if r[0] is not None)
    return found


async def planned_purges(db: Database) -> set[int]:
    rows = await db.fetchall(
        "SELECT guild_id FROM due_work WHERE kind = ? AND status IN ('pending', 'claimed')",
        (KIND_GUILD_PURGE,),
    )
    return {int(r[0]) for r in rows if r[0] is not None}


# --- retention ----------------------------------------------------------------------------------------


async def expire_in(conn: Handle, *, now: datetime) -> dict[str, int]:
    """Delete what is past its retention time, table by table (`Table.expire`)."""
    removed: dict[str, int] = {}
    for table in TABLES:
        if not table.expire or table.keep is None:
            continue
        cutoff = to_db_time(now - table.keep)
        for statement in table.expire:
            changed = await conn.execute(statement, {"cutoff": cutoff})
            if changed > 0:
                removed[table.name] = removed.get(table.name, 0) + changed
    return removed


async def expire(db: Database, *, now: datetime) -> dict[str, int]:
    async with db.transaction() as conn:
        return await expire_in(conn, now=now)


async def ensure_sweep(db: Database, *, now: datetime, delay: timedelta = FIRST_SWEEP_AFTER) -> bool:
    """Make sure one retention sweep is planned (the next is planned by each sweep). True if planned now.
    The first comes a little after start, not in the middle of it."""
    async with db.transaction() as conn:
        await conn.lock("retention-sweep")  # every process plans it at start: one row for all of them
        planned = await _rows(
            conn,
            "SELECT 1 FROM due_work WHERE kind = ? AND status IN ('pending', 'claimed')",
            (KIND_RETENTION_SWEEP,),
        )
        if planned:
            return False
        await queue_work(conn, KIND_RETENTION_SWEEP, now=now, due=now + delay)
    return True


def table(name: str) -> Table:
    return BY_NAME[name]


async def read_schema(db: Database) -> dict[str, list[str]]:
    """{table: [columns]} of the live database (after every migration)."""
    return {name: list(table.columns) for name, table in (await db.schema()).items()}
