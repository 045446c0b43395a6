"""Due work on PostgreSQL: claims take rows with FOR UPDATE SKIP LOCKED, so processes claiming at once
never wait for each other and never take the same row; two real processes draining one queue deliver
every row exactly once. (Runs when CLEMATIS_TEST_DATABASE_URL names a PostgreSQL server.)"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import timedelta

import pytest

from bot.db import Database
from tests.emulator.process import REPO_ROOT
from tests.watchparty.test_dispatch_queue import ME, NOW, OTHER, add_party, add_rows


@pytest.fixture(autouse=True)
def _postgres_only(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL's row locks (set CLEMATIS_TEST_DATABASE_URL)")


async def test_a_claim_skips_rows_another_transaction_holds(db: Database) -> None:
    from bot.watchparty.dispatcher import claim_due

    party = await add_party(db)
    ids = await add_rows(db, party, *[NOW - timedelta(seconds=10 - i) for i in range(10)])
    held = ids[:4]  # the earliest four, as another process's claim would hold them mid-transaction
    async with db.transaction() as other:
        marks = ", ".join("?" for _ in held)
        await other.fetchall(f"SELECT id FROM due_work WHERE id IN ({marks}) FOR UPDATE", held)  # noqa: S608
        # Without SKIP LOCKED this claim would pick the same four earliest rows and wait for the lock.
        claimed = await asyncio.wait_for(claim_due(db, ME, NOW, limit=6), timeout=5)
    assert sorted(r.id for r in claimed) == ids[4:]
    assert sorted(r.id for r in await claim_due(db, OTHER, NOW, limit=10)) == held


_DRAIN = """
import asyncio, json, sys
from datetime import datetime
from bot.db import Database
from bot.watchparty.dispatcher import Outcome, claim_due, record_outcome

async def main(url, owner, now):
    now = datetime.fromisoformat(now)
    got = []
    async with Database(url) as db:
        print("ready", flush=True)
        sys.stdin.readline()  # start together
        while batch := await claim_due(db, owner, now, limit=5):
            for row in batch:
                if await record_outcome(db, row, Outcome.delivered(row.id), owner=owner, now=now):
                    got.append(row.id)
    print(json.dumps(got), flush=True)

asyncio.run(main(*sys.argv[1:]))
"""


async def test_two_processes_deliver_every_row_exactly_once(db: Database) -> None:
    from tests.database import TEST_URL, _with_database

    assert TEST_URL is not None
    url = _with_database(TEST_URL, await db.fetchval("SELECT current_database()"))
    party = await add_party(db)
    ids = await add_rows(db, party, *[NOW - timedelta(milliseconds=i) for i in range(400)])
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _DRAIN,
            url,
            owner,
            NOW.isoformat(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=REPO_ROOT,
            env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
        )
        for owner in (ME, OTHER)
    ]
    for proc in procs:
        assert proc.stdout is not None and (await proc.stdout.readline()).strip() == b"ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
    results = [json.loads((await proc.communicate())[0].decode().strip().splitlines()[-1]) for proc in procs]
    first, second = (set(r) for r in results)
    assert not first & second  # no row delivered twice
    assert first | second == set(ids)  # and none left behind
    assert first and second  # both really worked the queue at the same time
    delivered = await db.fetchval("SELECT count(*) FROM due_work WHERE status = 'delivered'")
    assert delivered == len(ids)
