"""Cross-process invalidation on a real PostgreSQL: a notice reaches the other process's handlers (never the
sender's own), a dropped listening connection is reopened and every cache dropped, and on SQLite
nothing is sent at all. Needs CLEMATIS_TEST_DATABASE_URL (CI's PostgreSQL pass sets it)."""

from __future__ import annotations

import asyncio
import os

import pytest

from bot.db.notify import CANON, LISTENER_NAME, PROGRESS, SPOILERS, Invalidations

DSN = os.environ.get("CLEMATIS_TEST_DATABASE_URL", "")
needs_pg = pytest.mark.skipif(not DSN.startswith("postgres"), reason="needs CLEMATIS_TEST_DATABASE_URL")


async def _until(condition, seconds: float = 10.0) -> None:  # noqa: ANN001
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_on_sqlite_nothing_is_sent_and_nothing_listens() -> None:
    hub = Invalidations(None)
    seen: list[int | None] = []
    hub.on(SPOILERS, seen.append)
    hub.notify(SPOILERS, 1)
    assert await hub.publish(SPOILERS, 1)
    await hub.start()
    assert not hub.listening and not hub.shared and seen == []
    await hub.close()


def test_an_unknown_topic_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown invalidation topic"):
        Invalidations(None).on("spoilerz", print)


@needs_pg
async def test_a_notice_reaches_the_other_process_and_not_the_sender() -> None:
    a, b = Invalidations(DSN), Invalidations(DSN)
    got_a: list[tuple[str, int | None]] = []
    got_b: list[tuple[str, int | None]] = []
    for topic in (SPOILERS, PROGRESS, CANON):
        a.on(topic, lambda key, t=topic: got_a.append((t, key)))
        b.on(topic, lambda key, t=topic: got_b.append((t, key)))

    async def async_handler(key: int | None) -> None:
        await asyncio.sleep(0)
        got_b.append(("async", key))

    b.on(PROGRESS, async_handler)
    await a.start()
    await b.start()
    assert a.listening and b.listening
    await a.publish(SPOILERS, 123456789012345678)
    a.notify(PROGRESS, 42)
    a.notify(CANON)
    await _until(lambda: len(got_b) == 4)
    in_order = [got for got in got_b if got[0] != "async"]
    assert in_order == [(SPOILERS, 123456789012345678), (PROGRESS, 42), (CANON, None)]
    assert ("async", 42) in got_b
    await asyncio.sleep(0.2)
    assert got_a == [] and a.received == 0 and b.received == 3
    await a.close()
    await b.close()


@needs_pg
async def test_a_dropped_listener_reconnects_and_drops_every_cache() -> None:
    import asyncpg

    sender, listener = Invalidations(DSN), Invalidations(DSN)
    resets: list[str] = []
    got: list[int | None] = []
    listener.on_reset(lambda: resets.append("dropped"))
    listener.on(SPOILERS, got.append)
    await listener.start()
    admin = await asyncpg.connect(DSN)
    try:
        # The server ends the listening session (a restart, a failover, a network cut would too).
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
            LISTENER_NAME,
        )
        assert killed >= 1
        await _until(lambda: resets == ["dropped"] and listener.listening, 15)
        await sender.publish(SPOILERS, 7)
        await _until(lambda: got == [7])
    finally:
        await admin.close()
        await sender.close()
        await listener.close()
    assert listener.resets == 1
