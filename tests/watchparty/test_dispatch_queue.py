"""The due-work queue: claims and leases, outcomes and retries, waking, the loop itself (no Discord)."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import Database
from bot.watchparty.dispatcher import (
    MAX_ATTEMPTS,
    Dispatcher,
    DueRow,
    Outcome,
    beat,
    claim_due,
    end_heartbeat,
    next_wake,
    owner_is_dead,
    record_outcome,
    release_dead_claims,
)
from bot.watchparty.due import to_db_time
from tests.database import database_for

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ME = "host-a:4242:aaaaaa"
OTHER = "host-a:4243:bbbbbb"


async def add_party(db: Database, starts_at: datetime = NOW + timedelta(hours=2)) -> int:
    async with db.transaction() as conn:
        inserted = await conn.fetchone(
            "INSERT INTO watch_parties (guild_id, channel_id, host_id, title, episodes, starts_at, zone) "
            "VALUES (1, 2, 3, 'Party', '[\"r1\"]', ?, 'UTC') RETURNING id",
            (to_db_time(starts_at),),
        )
        row = inserted
    assert row is not None
    return int(row[0])


async def add_rows(db: Database, party_id: int, *due: datetime, kind: str = "reminder") -> list[int]:
    ids = []
    async with db.transaction() as conn:
        for at in due:
            inserted = await conn.fetchone(
                "INSERT INTO due_work (kind, party_id, offset_label, due_at) VALUES (?, ?, '1h', ?) RETURNING id",
                (kind, party_id, to_db_time(at)),
            )
            row = inserted
            assert row is not None
            ids.append(int(row[0]))
    return ids


async def state(db: Database, row_id: int) -> dict:
    row = await db.fetchone("SELECT * FROM due_work WHERE id = ?", (row_id,))
    assert row is not None
    return dict(row)


# --- claims ---------------------------------------------------------------------------------------


async def test_only_due_rows_are_claimed_earliest_first(db: Database) -> None:
    party = await add_party(db)
    late, early, future = await add_rows(
        db, party, NOW - timedelta(seconds=5), NOW - timedelta(minutes=1), NOW + timedelta(seconds=1)
    )
    claimed = await claim_due(db, ME, NOW)
    assert [r.id for r in claimed] == [early, late]
    assert all(r.attempts == 1 for r in claimed)
    assert (await state(db, future))["status"] == "pending"
    assert (await state(db, late))["claimed_by"] == ME
    assert await claim_due(db, OTHER, NOW) == []  # nothing left for a second process


async def test_a_claim_holds_until_its_lease_expires_then_another_process_takes_it(db: Database) -> None:
    party = await add_party(db)
    (row_id,) = await add_rows(db, party, NOW)
    await claim_due(db, ME, NOW, lease=timedelta(seconds=30))
    assert await claim_due(db, OTHER, NOW + timedelta(seconds=30)) == []
    (taken,) = await claim_due(db, OTHER, NOW + timedelta(seconds=31))
    assert taken.id == row_id and taken.attempts == 2
    # the first process comes back too late: its outcome is not recorded over the new claim
    assert not await record_outcome(
        db, taken, Outcome.delivered(111), owner=ME, now=NOW + timedelta(seconds=32)
    )
    assert await record_outcome(
        db, taken, Outcome.delivered(111), owner=OTHER, now=NOW + timedelta(seconds=32)
    )
    assert (await state(db, row_id))["status"] == "delivered"


async def test_the_claim_limit_bounds_how_many_rows_are_held(db: Database) -> None:
    party = await add_party(db)
    await add_rows(db, party, *[NOW - timedelta(seconds=i) for i in range(10)])
    assert len(await claim_due(db, ME, NOW, limit=3)) == 3
    assert len(await claim_due(db, ME, NOW, limit=0)) == 0
    assert len(await claim_due(db, ME, NOW, limit=100)) == 7


async def test_two_connections_racing_never_claim_the_same_row(tmp_path: Path) -> None:
    path = database_for(tmp_path / "race.sqlite3")  # or the PostgreSQL database standing in for it
    async with Database(path) as first, Database(path) as second:
        await first.migrate()
        party = await add_party(first)
        await add_rows(first, party, *[NOW - timedelta(milliseconds=i) for i in range(200)])

        async def drain(db: Database, owner: str) -> list[int]:
            got: list[int] = []
            while batch := await claim_due(db, owner, NOW, limit=7):
                got += [r.id for r in batch]
                await asyncio.sleep(0)
            return got

        a, b = await asyncio.gather(drain(first, ME), drain(second, OTHER))
    assert not set(a) & set(b)
    assert len(a) + len(b) == 200


# --- outcomes -------------------------------------------------------------------------------------


async def test_a_retry_backs_off_and_gives_up_after_max_attempts(db: Database) -> None:
    party = await add_party(db)
    (row_id,) = await add_rows(db, party, NOW)
    now = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        (row,) = await claim_due(db, ME, now)
        assert row.attempts == attempt
        await record_outcome(db, row, Outcome.retry("Discord answered 503"), owner=ME, now=now)
        after = await state(db, row_id)
        if attempt < MAX_ATTEMPTS:
            assert after["status"] == "pending" and after["reason"] == "Discord answered 503"
            next_try = datetime.strptime(after["next_try_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            assert next_try - now == timedelta(seconds=5 * 2 ** (attempt - 1))
            assert await claim_due(db, ME, next_try - timedelta(seconds=1)) == []  # not before its time
            now = next_try
    final = await state(db, row_id)
    assert final["status"] == "failed"
    assert final["reason"] == f"gave up after {MAX_ATTEMPTS} attempts: Discord answered 503"


async def test_permanent_failures_and_skips_are_final_with_their_reason(db: Database) -> None:
    party = await add_party(db)
    failed, skipped = await add_rows(db, party, NOW, NOW)
    rows = {r.id: r for r in await claim_due(db, ME, NOW)}
    await record_outcome(db, rows[failed], Outcome.failed("<#2> no longer exists (404)"), owner=ME, now=NOW)
    await record_outcome(db, rows[skipped], Outcome.skipped("the party had started"), owner=ME, now=NOW)
    assert (await state(db, failed))["reason"] == "<#2> no longer exists (404)"
    assert (await state(db, skipped))["status"] == "skipped"
    assert await claim_due(db, ME, NOW + timedelta(days=1)) == []
    assert await next_wake(db, NOW) is None


async def test_a_delivered_post_queues_its_dms_in_the_same_transaction(db: Database) -> None:
    party = await add_party(db)
    (row_id,) = await add_rows(db, party, NOW - timedelta(seconds=3))
    (row,) = await claim_due(db, ME, NOW)
    await record_outcome(db, row, Outcome.delivered(99, dm_user_ids=(7, 8)), owner=ME, now=NOW)
    dms = await db.fetchall(
        "SELECT user_id, offset_label, due_at, status FROM due_work WHERE kind = 'dm' ORDER BY user_id"
    )
    assert [tuple(r) for r in dms] == [
        (7, "1h", to_db_time(NOW - timedelta(seconds=3)), "pending"),
        (8, "1h", to_db_time(NOW - timedelta(seconds=3)), "pending"),
    ]
    assert (await state(db, row_id))["message_id"] == 99


async def test_a_late_delivery_is_recorded_as_late_with_its_reason(db: Database) -> None:
    party = await add_party(db)
    (row_id,) = await add_rows(db, party, NOW - timedelta(minutes=10))
    (row,) = await claim_due(db, ME, NOW)
    await record_outcome(db, row, Outcome.delivered(5, late="sent 10 min late"), owner=ME, now=NOW)
    after = await state(db, row_id)
    assert (after["status"], after["reason"], after["message_id"]) == ("late", "sent 10 min late", 5)


# --- waking -----------------------------------------------------------------------------------------


async def test_next_wake_is_the_earliest_due_time_retry_or_lease_end(db: Database) -> None:
    party = await add_party(db)
    assert await next_wake(db, NOW) is None
    await add_rows(db, party, NOW + timedelta(hours=5), NOW + timedelta(hours=1))
    assert await next_wake(db, NOW) == NOW + timedelta(hours=1)
    (retrying,) = await add_rows(db, party, NOW - timedelta(seconds=1))
    (row,) = await claim_due(db, ME, NOW, lease=timedelta(seconds=90))
    assert await next_wake(db, NOW) == NOW + timedelta(seconds=91)  # the lease could expire first
    await record_outcome(db, row, Outcome.retry("503"), owner=ME, now=NOW, rng=None)
    assert row.id == retrying
    assert await next_wake(db, NOW) == NOW + timedelta(seconds=5)


@pytest.mark.sqlite_only  # SQLite's EXPLAIN QUERY PLAN
async def test_next_wake_reads_an_index_not_every_future_row(db: Database) -> None:
    plan = await db.fetchall(
        "EXPLAIN QUERY PLAN SELECT due_at FROM due_work WHERE status = 'pending' AND next_try_at IS NULL "
        "ORDER BY due_at LIMIT 1"
    )
    assert any("due_work_pending" in str(tuple(r)) for r in plan)
    assert not any("TEMP B-TREE" in str(tuple(r)) for r in plan)


# --- owners and the heartbeat ---------------------------------------------------------------------


def test_a_claim_of_a_gone_process_on_this_host_is_dead() -> None:
    import socket

    host = socket.gethostname()
    me = f"{host}:{os.getpid()}:cafe01"
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    assert owner_is_dead(f"{host}:{int(gone.stdout)}:abcdef", me)
    assert owner_is_dead(f"{host}:{os.getpid()}:beef02", me)  # an earlier life of our own pid
    assert not owner_is_dead(f"{host}:{os.getppid()}:abcdef", me)  # alive
    assert not owner_is_dead(f"elsewhere:{int(gone.stdout)}:abcdef", me)  # another host: trust the lease
    assert not owner_is_dead(me, me)
    assert not owner_is_dead("garbage", me)


async def test_claims_of_a_crashed_process_are_released_at_start(db: Database) -> None:
    import socket

    host = socket.gethostname()
    me = f"{host}:{os.getpid()}:cafe01"
    crashed = f"{host}:{os.getpid()}:dead00"  # same pid, other token: this process's previous life
    party = await add_party(db)
    (row_id,) = await add_rows(db, party, NOW)
    await claim_due(db, crashed, NOW, lease=timedelta(minutes=5))
    assert await claim_due(db, me, NOW) == []
    assert await release_dead_claims(db, me, NOW) == 1
    (row,) = await claim_due(db, me, NOW)
    assert row.id == row_id and row.attempts == 2


async def test_a_second_live_process_is_reported_by_the_heartbeat(db: Database) -> None:
    live = f"elsewhere:{os.getpid()}:abcdef"
    assert await beat(db, live, NOW) is None
    rival = await beat(db, ME, NOW + timedelta(seconds=10))
    assert rival is not None and rival.owner == live
    assert await beat(db, ME, NOW + timedelta(seconds=20)) is None  # our own beat is no rival
    await end_heartbeat(db, ME)
    assert await beat(db, live, NOW + timedelta(seconds=200)) is None


# --- the loop ---------------------------------------------------------------------------------------


class Recorder:
    """A deliverer that records what it was asked to deliver (and how many at once)."""

    def __init__(self, hold: float = 0.0) -> None:
        self.seen: list[DueRow] = []
        self.called_at: list[datetime] = []  # wall clock of each call
        self.hold = hold
        self.in_flight = 0
        self.most_in_flight = 0

    async def __call__(self, row: DueRow, now: datetime) -> Outcome:
        self.seen.append(row)
        self.called_at.append(datetime.now(UTC))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.hold)
        finally:
            self.in_flight -= 1
        return Outcome.delivered(1000 + row.id)


async def wait_for(predicate, timeout: float = 5.0) -> None:  # noqa: ASYNC109
    async with asyncio.timeout(timeout):
        while not await predicate():  # noqa: ASYNC110 - polling the database is the point
            await asyncio.sleep(0.02)


async def _later(dispatcher: Dispatcher, than: datetime) -> bool:
    return dispatcher.next_due is not None and dispatcher.next_due > than


async def finished(db: Database) -> int:
    return int(await db.fetchval("SELECT count(*) FROM due_work WHERE status = 'delivered'"))


async def test_the_loop_delivers_due_rows_and_sleeps_until_the_next(db: Database) -> None:
    party = await add_party(db)
    now = datetime.now(UTC)
    # due times are stored to the second: +2 s is at least one second away
    await add_rows(db, party, now - timedelta(seconds=2), now + timedelta(seconds=2), now + timedelta(days=2))
    recorder = Recorder()
    dispatcher = Dispatcher(db, recorder, owner=ME)
    dispatcher.start()
    try:
        await wait_for(lambda: _ge(finished(db), 2), timeout=6)
        # after recording the second delivery the loop looks for the next due row: the one in two days
        await wait_for(lambda: _later(dispatcher, now + timedelta(days=1)), timeout=2)
    finally:
        await dispatcher.stop()
    assert len(recorder.seen) == 2
    # never early (timing-free, so it holds on a loaded machine): each row went at or after its due time
    assert all(at >= row.due_at for row, at in zip(recorder.seen, recorder.called_at, strict=True))
    assert recorder.seen[0].due_at < now < recorder.seen[1].due_at


async def test_wake_makes_the_loop_see_new_work_at_once(db: Database) -> None:
    party = await add_party(db)
    await add_rows(db, party, datetime.now(UTC) + timedelta(hours=1))
    dispatcher = Dispatcher(db, Recorder(), owner=ME)
    dispatcher.start()
    try:
        await wait_for(lambda: _true(dispatcher.next_due is not None))
        await add_rows(db, party, datetime.now(UTC))
        dispatcher.wake()
        await wait_for(lambda: _ge(finished(db), 1), timeout=1.5)
    finally:
        await dispatcher.stop()


async def test_the_loop_holds_at_most_max_in_flight_rows(db: Database) -> None:
    party = await add_party(db)
    now = datetime.now(UTC)
    await add_rows(db, party, *[now - timedelta(seconds=1)] * 40)
    recorder = Recorder(hold=0.05)
    dispatcher = Dispatcher(db, recorder, owner=ME, max_in_flight=4)
    dispatcher.start()
    try:
        await wait_for(lambda: _ge(finished(db), 40))
    finally:
        await dispatcher.stop()
    assert recorder.most_in_flight == 4
    assert len({r.id for r in recorder.seen}) == 40


async def test_stopping_mid_send_hands_the_row_back_for_the_next_start(db: Database) -> None:
    party = await add_party(db)
    (row_id,) = await add_rows(db, party, datetime.now(UTC) - timedelta(seconds=1))
    recorder = Recorder(hold=30)
    dispatcher = Dispatcher(db, recorder, owner=ME)
    dispatcher.start()
    await wait_for(lambda: _true(bool(recorder.seen)))
    await dispatcher.stop(grace=0.1)
    after = await state(db, row_id)
    assert (after["status"], after["claimed_by"], after["attempts"]) == ("pending", None, 1)


async def test_an_unexpected_error_in_delivery_is_retried_not_lost(db: Database, caplog) -> None:
    party = await add_party(db)
    (row_id,) = await add_rows(db, party, datetime.now(UTC) - timedelta(seconds=1))

    async def broken(row: DueRow, now: datetime) -> Outcome:
        raise RuntimeError("bug")

    dispatcher = Dispatcher(db, broken, owner=ME, rng=random.Random(1))
    dispatcher.start()
    try:
        await wait_for(
            lambda: _true_async(state(db, row_id), lambda s: s["attempts"] == 1 and s["status"] == "pending")
        )
    finally:
        await dispatcher.stop()
    after = await state(db, row_id)
    assert after["reason"] == "unexpected error: RuntimeError" and after["next_try_at"] is not None
    assert "delivering due work" in caplog.text


async def _ge(count, n: int) -> bool:
    return await count >= n


async def _true(value: bool) -> bool:
    return value


async def _true_async(coro, check) -> bool:
    return bool(check(await coro))
