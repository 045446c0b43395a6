"""Two processes' spoiler caches on one PostgreSQL, each with its own connections and invalidation channel:
a server's change made through one is what the other holds next; a deleted member's rules lose their
author there too; and after its listening connection drops, a cache reads every server again. (Two
processes for real, through the emulator: tests/shards/test_cross_process_invalidation.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest

from bot.canon.store import CanonStore
from bot.db import Database
from bot.db.notify import LISTENER_NAME, Invalidations, attach, invalidations
from bot.guard import settings as store
from bot.guard.cache import SpoilerCache
from bot.privacy.store import delete_user
from tests.database import ON_POSTGRES, drop, new_database

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="cross-process invalidation needs PostgreSQL")

GUILD, MOD = 77, 880000000000000009


async def until(check: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


@pytest.fixture
async def pair() -> AsyncIterator[tuple[SpoilerCache, SpoilerCache]]:
    url = new_database()
    canon = CanonStore.load()
    caches: list[SpoilerCache] = []
    dbs: list[Database] = []
    try:
        for _ in range(2):
            db = Database(url)
            await db.open()
            dbs.append(db)
            hub = attach(db, Invalidations(url))
            await hub.start()
            cache = SpoilerCache(db, canon)
            await cache.load_all()
            caches.append(cache)
        yield caches[0], caches[1]
    finally:
        for cache in caches:
            await cache.close()
        for db in dbs:
            await invalidations(db).close()
            await db.close()
        drop(url)


def phrases(cache: SpoilerCache) -> list[str]:
    state = cache.state(GUILD)
    return [] if state is None else [rule.phrase for rule in state.config.rules]


def sources(cache: SpoilerCache) -> list[str]:
    state = cache.state(GUILD)
    return [] if state is None else [rule.source for rule in state.config.rules]


async def test_a_change_made_through_one_process_is_what_the_other_holds_next(
    pair: tuple[SpoilerCache, SpoilerCache],
) -> None:
    a, b = pair
    assert phrases(b) == []
    await store.add_rule(a.db, GUILD, "r5", "tinfoil crown", MOD)
    await a.reload(GUILD)
    await until(lambda: phrases(b) == ["tinfoil crown"])
    assert sources(b) == [f"mod:{MOD}"]

    # The rule's author deletes their data: the rule stays, without their id, in both processes.
    await delete_user(a.db, MOD, now=datetime.now(UTC))
    await until(lambda: sources(b) == ["mod"])


async def test_after_its_listener_reconnects_a_cache_reads_every_server_again(
    pair: tuple[SpoilerCache, SpoilerCache],
) -> None:
    import asyncpg

    a, b = pair
    # A change whose notice B misses: B's listening connection is cut, the change is made meanwhile
    # (without a notice), and B must still come to hold it once it listens again.
    admin = await asyncpg.connect(b.db.url)
    try:
        await store.add_rule(a.db, GUILD, "r5", "silent crown", MOD)  # written, never announced
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            LISTENER_NAME,
        )
    finally:
        await admin.close()
    await until(lambda: phrases(b) == ["silent crown"], 20)
