"""A task cancelled while it opens or commits a transaction leaves the shared connection outside any
transaction: the next transaction starts (no "cannot start a transaction within a transaction") and
nothing half-done is kept. Real SQLite."""

from __future__ import annotations

import asyncio

import pytest

from bot.db import Database


@pytest.mark.parametrize("yields", [0, 1, 2, 3, 5, 8])
async def test_a_cancelled_transaction_never_stays_open(db: Database, yields: int) -> None:
    async def write() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO bot_state (key, value) VALUES ('cancelled', 'x')")

    task = asyncio.create_task(write())
    for _ in range(yields):  # cancel at BEGIN, in the body or at COMMIT, depending on timing
        await asyncio.sleep(0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    async with db.transaction() as conn:  # would fail if the cancelled one were still open
        await conn.execute("INSERT INTO bot_state (key, value) VALUES ('next', 'y')")
    assert not db.conn.in_transaction
    kept = await db.fetchval("SELECT count(*) FROM bot_state WHERE key = 'cancelled'")
    assert kept in (0, 1)  # committed before the cancel landed, or not at all: never half
    assert await db.fetchval("SELECT value FROM bot_state WHERE key = 'next'") == "y"
