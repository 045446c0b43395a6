"""The one dispatcher of due work: sleeps until the next due row, claims it, hands it to a deliverer.

Exactly once, as users see it:

* A row is *claimed* in a transaction (``status='claimed'``, ``claimed_by`` = this process,
  ``claimed_until`` = a lease). Only a pending row, or a claimed row whose lease has expired (its owner
  crashed), can be claimed, so two processes on one database never both work on a row. On PostgreSQL
  the claim locks its rows with ``FOR UPDATE SKIP LOCKED``: processes claiming at the same moment take
  different rows and never wait for one another (SQLite serialises claims with its write lock).
* The deliverer sends with a nonce derived from the row id (``due_nonce``). Discord returns the existing
  message for a repeated nonce, so a row retried after a crash between sending and recording produces no
  second message.
* The outcome is recorded only while the claim is still ours.

Nothing lives only in memory: the loop reads the earliest due time from the database each time it
sleeps, holds at most ``max_in_flight`` rows, and is woken early by ``wake()`` when work is planned.
Claims left by a crashed process on this host are released at start (its pid is gone); otherwise they
are reclaimed when their lease expires.

Shards: when several processes each run a range of the bot's shards (``SHARD_IDS``), each dispatcher
claims only the due work of servers on its own shards (``bot.shards``): the process that holds a server
is the one that acts for it, with its cache of that server. Claims stay transactional, so even two
processes on overlapping ranges never both deliver a row; the heartbeat warns about such an overlap.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from bot.db import Database, write_refusal
from bot.pacing import background
from bot.shards import Shards
from bot.watchparty import reasons
from bot.watchparty.due import KIND_DM, KIND_FOLLOWUP, KIND_REMINDER, KIND_START, from_db_time, to_db_time
from bot.watchparty.reminders import retry_delay

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=90)
SEND_TIMEOUT = timedelta(seconds=45)  # well inside the lease: a send that takes longer is retried
HEARTBEAT = timedelta(seconds=15)  # also the longest the loop sleeps (work planned by another process)
MAX_ATTEMPTS = 8
MAX_IN_FLIGHT = 32
HEARTBEAT_KEY = "due_dispatcher"
PARTY_KINDS = (KIND_REMINDER, KIND_START, KIND_FOLLOWUP, KIND_DM)  # what /watchparty status reports

Status = Literal["delivered", "late", "skipped", "failed", "cancelled", "retry"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def due_nonce(row_id: int) -> str:
    """The nonce every attempt at this row sends with (Discord allows at most 25 characters)."""
    return f"clematis:due:{row_id}"


@dataclass(frozen=True, slots=True)
class DueRow:
    id: int
    kind: str
    party_id: int | None
    user_id: int | None
    offset_label: str | None
    due_at: datetime
    attempts: int  # including this one
    last_reason: str | None  # why the previous attempt failed, if it did
    guild_id: int | None = None  # for work about a whole server


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one attempt at a row. `retry` puts it back with backoff (up to MAX_ATTEMPTS)."""

    status: Status
    reason: str | None = None
    message_id: int | None = None
    dm_user_ids: tuple[int, ...] = ()  # DMs to queue as their own rows, in the same transaction
    forget: bool = False  # delete the row instead of recording it (its record would keep what was erased)

    @classmethod
    def delivered(
        cls, message_id: int, *, late: str | None = None, dm_user_ids: tuple[int, ...] = ()
    ) -> Outcome:
        return cls("late" if late else "delivered", late, message_id, dm_user_ids)

    @classmethod
    def retry(cls, reason: str) -> Outcome:
        return cls("retry", reason)

    @classmethod
    def failed(cls, reason: str) -> Outcome:
        return cls("failed", reason)

    @classmethod
    def skipped(cls, reason: str) -> Outcome:
        return cls("skipped", reason)

    @classmethod
    def cancelled(cls, reason: str) -> Outcome:
        return cls("cancelled", reason)

    @classmethod
    def done(cls, reason: str | None = None, *, forget: bool = False) -> Outcome:
        """Work that posts no message of its own was done."""
        return cls("delivered", reason, forget=forget)


Deliverer = Callable[[DueRow, datetime], Awaitable[Outcome]]


# --- owners ---------------------------------------------------------------------------------------


def make_owner() -> str:
    """`host:pid:token`: who holds a claim. The token tells two lives of the same pid apart."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed process its parent has not reaped yet is a zombie: as dead as can be
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def owner_is_dead(owner: str, me: str) -> bool:
    """Whether `owner` surely stopped: a process on this host whose pid is gone (or reused by us).

    Owners on other hosts, or anything unparsable, are never presumed dead: their lease decides.
    """
    host, _, rest = owner.partition(":")
    pid_text, _, token = rest.partition(":")
    my_host, _, my_rest = me.partition(":")
    my_pid = my_rest.partition(":")[0]
    if host != my_host or not pid_text.isdigit() or owner == me:
        return False
    if pid_text == my_pid:
        return True  # our pid, another token: an earlier life of this pid (a restarted container)
    return not _pid_alive(int(pid_text))


# --- the queue ------------------------------------------------------------------------------------

# Every query below keeps to the rows of servers this process acts for with `_in_scope` (a fragment and
# its parameters). A row's server is its own guild_id (work about a whole server, e.g. deleting a removed
# server's data: the bot is no longer in it, so the shard is computed, not asked), else its party's; work
# about no server (the retention sweep) counts as server 0, i.e. belongs to whoever holds shard 0.
_ROW_SERVER = (
    "COALESCE(due_work.guild_id, (SELECT w.guild_id FROM watch_parties w WHERE w.id = due_work.party_id), 0)"
)
_RETURNING = "RETURNING id, kind, party_id, user_id, offset_label, due_at, attempts, reason, guild_id"


def _in_scope(shards: Shards | None) -> tuple[str, tuple[object, ...]]:
    """The shard filter: every row (no condition), or the rows of servers on `shards`."""
    if shards is None or shards.complete:
        return "1 = 1", ()
    ids = sorted(shards.ids)
    marks = ", ".join("?" for _ in ids)  # one placeholder per shard id: the values stay parameters
    return f"(({_ROW_SERVER} >> 22) % ?) IN ({marks})", (shards.count, *ids)


def _claim_sql(expired: bool, scope: str, dialect: str) -> str:
    """Claim up to LIMIT claimable rows (pending and due, or `expired` claims), earliest first. The outer
    UPDATE repeats the claimable condition, so a row only ever moves to `claimed` from a claimable state.
    On PostgreSQL the chosen rows are locked with FOR UPDATE SKIP LOCKED: processes claiming at once take
    different rows, never the same one, and never wait for each other; SQLite's write lock serialises
    claims instead."""
    if expired:
        claimable = again = "status = 'claimed' AND claimed_until < ?"
    else:
        claimable = "status = 'pending' AND due_at <= ? AND (next_try_at IS NULL OR next_try_at <= ?)"
        again = "status = 'pending'"
    chosen = f"SELECT id FROM due_work WHERE {claimable} AND {scope} ORDER BY due_at, id LIMIT ?"  # noqa: S608
    # PostgreSQL: the ids are picked once (an InitPlan; `IN (subquery)` may be re-run per row) and locked.
    rows = (
        f"id = ANY(ARRAY({chosen} FOR UPDATE SKIP LOCKED))"
        if dialect == "postgresql"
        else f"id IN ({chosen})"
    )
    return (
        "UPDATE due_work SET status = 'claimed', claimed_by = ?, claimed_until = ?, attempts = attempts + 1 "  # noqa: S608 - constant fragments
        f"WHERE {rows} AND {again} {_RETURNING}"
    )


_RECORD_RETRY = (
    "UPDATE due_work SET status = 'pending', next_try_at = ?, reason = ?, claimed_by = NULL, "
    "claimed_until = NULL WHERE id = ? AND status = 'claimed' AND claimed_by = ?"
)
_FORGET = "DELETE FROM due_work WHERE id = ? AND status = 'claimed' AND claimed_by = ?"
_RECORD_FINAL = (
    "UPDATE due_work SET status = ?, reason = ?, message_id = ?, finished_at = ?, claimed_until = NULL "
    "WHERE id = ? AND status = 'claimed' AND claimed_by = ?"
)


def _row(values: tuple) -> DueRow:
    return DueRow(
        id=int(values[0]),
        kind=str(values[1]),
        party_id=values[2],
        user_id=values[3],
        offset_label=values[4],
        due_at=from_db_time(values[5]),
        attempts=int(values[6]),
        last_reason=values[7],
        guild_id=values[8],
    )


async def claim_due(
    db: Database,
    owner: str,
    now: datetime,
    *,
    lease: timedelta = LEASE,
    limit: int = MAX_IN_FLIGHT,
    shards: Shards | None = None,
) -> list[DueRow]:
    """Claim up to `limit` rows that are due (or whose claim's lease expired), earliest first; with
    `shards`, only rows of servers on those shards.

    One transaction; the outer UPDATE repeats the claimable condition, so a row only ever moves to
    `claimed` from a claimable state even if the statement were run outside a write lock.
    """
    if limit <= 0:
        return []
    scope, scoped = _in_scope(shards)
    stamp, until = to_db_time(now), to_db_time(now + lease)
    claimed: list[DueRow] = []
    async with db.transaction() as conn:
        rows = await conn.fetchall(
            _claim_sql(True, scope, db.dialect), (owner, until, stamp, *scoped, limit, stamp)
        )
        claimed.extend(_row(tuple(r)) for r in rows)
        if len(claimed) < limit:
            rows = await conn.fetchall(
                _claim_sql(False, scope, db.dialect),
                (owner, until, stamp, stamp, *scoped, limit - len(claimed)),
            )
            claimed.extend(_row(tuple(r)) for r in rows)
    return sorted(claimed, key=lambda r: (r.due_at, r.id))


async def record_outcome(
    db: Database,
    row: DueRow,
    outcome: Outcome,
    *,
    owner: str,
    now: datetime,
    rng: random.Random | None = None,
) -> bool:
    """Record what happened, if the claim is still ours. Returns False when it no longer was."""
    params: tuple[object, ...]
    if outcome.status == "retry" and row.attempts < MAX_ATTEMPTS:
        next_try = now + retry_delay(row.attempts, rng=rng)
        sql, params = _RECORD_RETRY, (to_db_time(next_try), outcome.reason, row.id, owner)
    else:
        status, reason = outcome.status, outcome.reason
        if status == "retry":
            status, reason = "failed", reasons.recorded(reasons.GAVE_UP, attempts=row.attempts, reason=reason)
        sql, params = _RECORD_FINAL, (status, reason, outcome.message_id, to_db_time(now), row.id, owner)
        if outcome.forget and status != "failed":
            sql, params = _FORGET, (row.id, owner)
    if not outcome.dm_user_ids:  # one statement is atomic on its own
        ours = await db.execute(sql, params) == 1
    else:
        async with db.transaction() as conn:
            ours = await conn.execute(sql, params) == 1
            if ours:
                await conn.executemany(
                    "INSERT INTO due_work (kind, party_id, user_id, offset_label, due_at) VALUES (?, ?, ?, ?, ?)",
                    [
                        (KIND_DM, row.party_id, user, row.offset_label, to_db_time(row.due_at))
                        for user in outcome.dm_user_ids
                    ],
                )
    if not ours:
        log.info("due work %s was reclaimed by another process before its outcome was recorded", row.id)
    return ours


async def next_wake(db: Database, now: datetime, *, shards: Shards | None = None) -> datetime | None:
    """When the next row (of `shards`' servers, if given) becomes claimable: the earliest fresh due
    time, retry time or lease expiry.

    Each query starts from the (status, due_at) index, so its cost does not grow with the number of
    reminders that lie in the future.
    """
    scope, scoped = _in_scope(shards)
    candidates: list[datetime] = []
    fresh = await db.fetchval(
        f"SELECT due_at FROM due_work WHERE status = 'pending' AND next_try_at IS NULL AND {scope} "  # noqa: S608
        "ORDER BY due_at LIMIT 1",
        scoped,
    )
    if fresh is not None:
        candidates.append(from_db_time(fresh))
    retry = await db.fetchval(  # rows waiting for a retry were due already
        "SELECT min(next_try_at) FROM due_work WHERE status = 'pending' AND due_at <= ? "  # noqa: S608
        f"AND next_try_at IS NOT NULL AND {scope}",
        (to_db_time(now), *scoped),
    )
    if retry is not None:
        candidates.append(from_db_time(retry))
    lease = await db.fetchval(
        f"SELECT min(claimed_until) FROM due_work WHERE status = 'claimed' AND {scope}",  # noqa: S608
        scoped,
    )
    if lease is not None:  # claimable once claimed_until < now, i.e. a second after it
        candidates.append(from_db_time(lease) + timedelta(seconds=1))
    return min(candidates) if candidates else None


async def release_dead_claims(db: Database, owner: str, now: datetime) -> int:
    """Make claims of crashed processes on this host claimable now instead of at their lease's end."""
    rows = await db.fetchall("SELECT DISTINCT claimed_by FROM due_work WHERE status = 'claimed'")
    dead = [r[0] for r in rows if r[0] and owner_is_dead(r[0], owner)]
    released = 0
    for gone in dead:
        released += await db.execute(
            "UPDATE due_work SET claimed_until = ? WHERE status = 'claimed' AND claimed_by = ?",
            (to_db_time(now - timedelta(seconds=1)), gone),
        )
    if released:
        log.info(
            "released %d claim(s) left by a stopped process; they are retried with their nonces", released
        )
    return released


async def release_own_claims(db: Database, owner: str) -> int:
    """On a clean stop: hand rows we could not finish back (same nonce next time, so no duplicate)."""
    return await db.execute(
        "UPDATE due_work SET status = 'pending', claimed_by = NULL, claimed_until = NULL "
        "WHERE status = 'claimed' AND claimed_by = ?",
        (owner,),
    )


# --- the advisory heartbeat -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rival:
    """Another live process dispatching from the same database (a mistake worth a loud warning)."""

    owner: str
    seen_at: datetime


def heartbeat_key(shards: Shards | None) -> str:
    """One heartbeat per shard range: processes on disjoint ranges are meant to share a database."""
    if shards is None or shards.complete:
        return HEARTBEAT_KEY
    return f"{HEARTBEAT_KEY}:{shards}"


async def beat(
    db: Database,
    owner: str,
    now: datetime,
    *,
    interval: timedelta = HEARTBEAT,
    shards: Shards | None = None,
) -> Rival | None:
    """Write our heartbeat; return the other process on the same shards that wrote one recently, if any.

    Read and write happen in one write transaction, so two processes starting together see each other.
    """
    key = heartbeat_key(shards)
    async with db.transaction() as conn:
        row = await conn.fetchone("SELECT value, updated_at FROM bot_state WHERE key = ?", (key,))
        await conn.execute(
            "INSERT INTO bot_state (key, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (key, _heartbeat_value(owner), to_db_time(now)),
        )
    if row is None:
        return None
    try:
        other = str(json.loads(row[0])["owner"])
    except (ValueError, KeyError, TypeError):
        return None
    seen = from_db_time(row[1])
    if other != owner and now - seen <= 3 * interval and not owner_is_dead(other, owner):
        return Rival(other, seen)
    return None


async def end_heartbeat(db: Database, owner: str, shards: Shards | None = None) -> None:
    await db.execute(
        "DELETE FROM bot_state WHERE key = ? AND value = ?", (heartbeat_key(shards), _heartbeat_value(owner))
    )


def _heartbeat_value(owner: str) -> str:
    return json.dumps({"owner": owner})


# --- the loop -------------------------------------------------------------------------------------


@dataclass
class Dispatcher:
    """Runs the loop as one task. `deliver(row, now)` sends one row and says what became of it;
    `handlers` deliver the kinds of work other features plan (looked up at delivery time, so a feature
    can add its kinds after the dispatcher was made)."""

    db: Database
    deliver: Deliverer
    handlers: dict[str, Deliverer] = field(default_factory=dict)
    owner: str = field(default_factory=make_owner)
    lease: timedelta = LEASE
    send_timeout: timedelta = SEND_TIMEOUT
    heartbeat: timedelta = HEARTBEAT
    max_in_flight: int = MAX_IN_FLIGHT
    clock: Callable[[], datetime] = utcnow
    rng: random.Random | None = field(default_factory=random.Random)
    before_start: Callable[[], Awaitable[object]] | None = None  # e.g. the bot's wait_until_ready
    shards: Callable[[], Shards] | None = None  # the servers this process acts for (read once started)
    rival: Rival | None = None
    next_due: datetime | None = None
    delivered: int = 0
    _task: asyncio.Task[None] | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _in_flight: set[asyncio.Task[None]] = field(default_factory=set)
    _warned_at: datetime | None = None
    _held: Shards | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if not self.running:
            self._task = asyncio.create_task(self._run(), name="due-work-dispatcher")

    def wake(self) -> None:
        """Due work changed (planned, replanned, cancelled): look at the database again now."""
        self._wake.set()

    async def stop(self, grace: float = 5.0) -> None:
        """Stop the loop, let sends in flight finish for up to `grace` seconds, release the rest."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._in_flight:
            _, unfinished = await asyncio.wait(set(self._in_flight), timeout=grace)
            for pending in unfinished:
                pending.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
        with contextlib.suppress(Exception):  # the database may already be gone; the lease covers it
            released = await release_own_claims(self.db, self.owner)
            if released:
                log.info("stopping: handed %d unfinished row(s) back", released)
            await end_heartbeat(self.db, self.owner, self._held)

    async def _run(self) -> None:
        if self.before_start is not None:
            await self.before_start()
        held = self._held = self.shards() if self.shards is not None else None
        await release_dead_claims(self.db, self.owner, self.clock())
        next_beat = self.clock()
        self.next_due = await next_wake(self.db, next_beat, shards=held)
        log.info(
            "due-work dispatcher started (%s, %s); next due work at %s",
            self.owner,
            held if held is not None and not held.complete else "every server",
            to_db_time(self.next_due) if self.next_due else "none",
        )
        while True:
            try:
                self._wake.clear()
                now = self.clock()
                if now >= next_beat:
                    rival = await beat(self.db, self.owner, now, interval=self.heartbeat, shards=held)
                    self._note_rival(rival, now)
                    next_beat = now + self.heartbeat
                free = self.max_in_flight - len(self._in_flight)
                if free > 0:
                    rows = await claim_due(
                        self.db, self.owner, now, lease=self.lease, limit=free, shards=held
                    )
                    for row in rows:
                        task = asyncio.create_task(self._deliver(row), name=f"due-work-{row.id}")
                        self._in_flight.add(task)
                        task.add_done_callback(self._in_flight.discard)
                    if rows:
                        continue
                    self.next_due = await next_wake(self.db, now, shards=held)
                wake_at = next_beat if self.next_due is None or free <= 0 else min(next_beat, self.next_due)
                delay = (wake_at - self.clock()).total_seconds() + 0.005
                if delay > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), delay)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a database hiccup must not end reminders for good
                if write_refusal(exc) is None:
                    log.exception("the due-work dispatcher hit an error; trying again in 5 s")
                else:  # the database logged the refusal once (and logs its end); no traceback every 5 s
                    log.debug("the due-work dispatcher cannot write: %s; trying again in 5 s", exc)
                await asyncio.sleep(5)

    async def lag(self, now: datetime) -> float:
        """Seconds the earliest claimable row has waited (0 when nothing is due yet): the health endpoint's
        dispatcher lag."""
        wake_at = await next_wake(self.db, now)
        return max(0.0, (now - wake_at).total_seconds()) if wake_at is not None else 0.0

    def _note_rival(self, rival: Rival | None, now: datetime) -> None:
        self.rival = rival
        if rival is None or (self._warned_at is not None and now - self._warned_at < timedelta(minutes=10)):
            return
        self._warned_at = now
        log.warning(
            "ANOTHER CLEMATIS PROCESS (%s) is using this database for the same shards (seen %s). Reminders "
            "stay exactly-once (rows are claimed in transactions), but two bots answer every command twice: "
            "stop one of them, or give each its own SHARD_IDS.",
            rival.owner,
            to_db_time(rival.seen_at),
        )

    async def _deliver(self, row: DueRow) -> None:
        try:
            try:
                deliver = self.handlers.get(row.kind, self.deliver)
                with background():  # its requests wait for room under Discord's global limit
                    outcome = await asyncio.wait_for(
                        deliver(row, self.clock()), self.send_timeout.total_seconds()
                    )
            except TimeoutError:
                outcome = Outcome.retry(
                    reasons.recorded(reasons.NO_ANSWER, seconds=f"{self.send_timeout.total_seconds():.0f}")
                )
            except Exception as exc:  # a bug in delivery: retried with backoff, then given up
                log.exception("delivering due work %s (%s) failed unexpectedly", row.id, row.kind)
                outcome = Outcome.retry(reasons.recorded(reasons.UNEXPECTED, error=type(exc).__name__))
            if await record_outcome(self.db, row, outcome, owner=self.owner, now=self.clock(), rng=self.rng):
                if outcome.status in ("delivered", "late"):
                    self.delivered += 1
        except asyncio.CancelledError:
            raise  # stopping: the row stays claimed until stop() releases it (or its lease ends)
        except Exception as exc:
            if write_refusal(exc) is None:
                log.exception(
                    "could not record the outcome of due work %s; its lease will bring it back", row.id
                )
            else:
                log.debug("could not record the outcome of due work %s: %s", row.id, exc)
        finally:
            self._wake.set()


# --- what moderators see --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryLine:
    party_id: int
    title: str
    starts_at: datetime
    kind: str
    label: str | None
    user_id: int | None
    status: str
    reason: str | None
    due_at: datetime
    attempts: int
    next_try_at: datetime | None


async def delivery_report(
    db: Database, guild_id: int, now: datetime, *, limit: int = 400
) -> list[DeliveryLine]:
    """Due work of the server's upcoming parties and those that started in the last day."""
    rows = await db.fetchall(
        "SELECT p.id, p.title, p.starts_at, d.kind, d.offset_label, d.user_id, d.status, d.reason, d.due_at, "
        "d.attempts, d.next_try_at FROM watch_parties p JOIN due_work d ON d.party_id = p.id "
        "WHERE p.guild_id = ? AND p.starts_at >= ? AND d.status != 'cancelled' AND d.kind IN (?, ?, ?, ?) "
        "ORDER BY p.starts_at, p.id, d.due_at, d.id LIMIT ?",
        (guild_id, to_db_time(now - timedelta(days=1)), *PARTY_KINDS, limit),
    )
    return [
        DeliveryLine(
            party_id=int(r[0]),
            title=str(r[1]),
            starts_at=from_db_time(r[2]),
            kind=str(r[3]),
            label=r[4],
            user_id=r[5],
            status=str(r[6]),
            reason=r[7],
            due_at=from_db_time(r[8]),
            attempts=int(r[9]),
            next_try_at=from_db_time(r[10]) if r[10] else None,
        )
        for r in rows
    ]
