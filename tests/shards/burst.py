"""A reminder burst across processes: many servers, every shard of 4 split over 2 bot processes on one
database, one reminder per chosen server falling due in the same second, and optionally one process
killed with SIGKILL mid-burst and started again. Counts what members would see: each reminder's channel
should hold exactly one message. Used by tests/shards/test_multiprocess_burst.py (small) and
bench/multiprocess.py (10,000 servers)."""

# ruff: noqa: ASYNC109 - a burst takes its deadlines as arguments

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.db import Database
from bot.watchparty.due import to_db_time
from tests.database import database_for
from tests.emulator import Emulator
from tests.emulator.process import BotProcess

SHARD_COUNT = 4
PROCESS_SHARDS = ("0,1", "2,3")
GLOBAL_LIMIT = 50  # Discord's requests a second per bot, which the emulator enforces


@dataclass(slots=True)
class Burst:
    servers: int
    reminders: int
    killed: bool
    delivered: int = 0  # reminders whose channel holds exactly one message
    duplicates: int = 0  # messages beyond the first in a reminder's channel
    missing: int = 0  # reminders whose channel holds none
    statuses: Counter[str] = field(default_factory=Counter)  # due_work rows by final status
    posts: int = 0  # POSTs of reminders the emulator received (a retry after the kill repeats one)
    last_after_due: float = 0.0  # seconds from due_at to the last reminder's POST
    killed_after_due: float | None = None
    ready_again_after_due: float | None = None
    rate_limited: int = 0  # requests the emulator answered 429 for the global limit
    outputs: list[str] = field(default_factory=list)

    @property
    def floor(self) -> float:
        """Discord's floor: N requests at 50 a second."""
        return self.reminders / GLOBAL_LIMIT

    @property
    def exactly_once(self) -> bool:
        return self.delivered == self.reminders and not self.duplicates and not self.missing

    def describe(self) -> str:
        kill = (
            f", process A killed {self.killed_after_due:.1f} s after due and ready again at "
            f"{self.ready_again_after_due:.1f} s"
            if self.killed_after_due is not None and self.ready_again_after_due is not None
            else ""
        )
        return (
            f"{self.servers:,} servers, {self.reminders:,} reminders{kill}: delivered once {self.delivered}, "
            f"duplicates {self.duplicates}, missing {self.missing}; last {self.last_after_due:.2f} s after due "
            f"= {self.last_after_due / self.floor:.2f}x the floor of {self.floor:.1f} s "
            f"({self.reminders:,} / {GLOBAL_LIMIT} per second); {self.posts} POSTs, "
            f"{self.rate_limited} answered 429 global; rows {dict(sorted(self.statuses.items()))}"
        )


async def seed(database: str, channels: list[tuple[int, int]], due: datetime) -> None:
    """One party per (guild id, channel id), each with a reminder due at ``due``."""
    starts = to_db_time(due + timedelta(hours=1))
    async with Database(database) as db:
        await db.migrate()
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO watch_parties (id, guild_id, channel_id, host_id, title, episodes, starts_at, zone) "
                "VALUES (?, ?, ?, 1, ?, '[\"r1\"]', ?, 'UTC')",
                [(i, g, c, f"Party {i}", starts) for i, (g, c) in enumerate(channels, start=1)],
            )
            await conn.executemany(
                "INSERT INTO due_work (kind, party_id, offset_label, due_at) VALUES ('reminder', ?, '1h', ?)",
                [(i, to_db_time(due)) for i in range(1, len(channels) + 1)],
            )


async def settle(database: str, timeout: float) -> None:
    """Wait until no reminder is pending or claimed (each outcome recorded)."""
    deadline = time.monotonic() + timeout
    while (await final_statuses(database)).keys() & {"pending", "claimed"}:
        if time.monotonic() > deadline:
            raise AssertionError(f"reminders still pending or claimed after {timeout:.0f} s")
        await asyncio.sleep(0.25)


async def final_statuses(database: str) -> Counter[str]:
    async with Database(database) as db:
        rows = await db.fetchall(
            "SELECT status, count(*) FROM due_work WHERE kind = ? GROUP BY status", ("reminder",)
        )
    return Counter({str(r[0]): int(r[1]) for r in rows})


async def burst(
    workdir: Path,
    *,
    servers: int,
    reminders: int,
    kill: bool,
    env: dict[str, str] | None = None,
    lead: float = 20.0,
    timeout: float = 300.0,
) -> Burst:
    """Run the burst in ``workdir``, both processes on one database: a SQLite file there, or the PostgreSQL
    database standing for it when the tests run on PostgreSQL (tests/database.py)."""
    result = Burst(servers, reminders, kill)
    path = workdir / "clematis.sqlite3"
    target = database_for(path)
    emulator = Emulator(validate_spec=False)
    emulator.max_concurrency = SHARD_COUNT  # a bot this size identifies its shards side by side
    guilds = [
        emulator.add_guild(f"Server {i}", channels=("general",), shard=(i % SHARD_COUNT, SHARD_COUNT))
        for i in range(servers)
    ]
    step = max(1, servers // reminders)
    chosen = guilds[::step][:reminders]
    channels = [g.channel("general") for g in chosen]
    paths = {f"/channels/{c.id}/messages" for c in channels}
    await emulator.start()
    processes: list[BotProcess] = []
    try:
        due_ts = math.ceil(time.time() + lead)  # a whole second: due_at is stored to the second
        due = datetime.fromtimestamp(due_ts, UTC)
        await seed(target, [(g.id, c.id) for g, c in zip(chosen, channels, strict=True)], due)
        extra = dict(env or {})
        for shards in PROCESS_SHARDS:
            extra_env = {**extra, "SHARD_COUNT": str(SHARD_COUNT), "SHARD_IDS": shards}
            processes.append(BotProcess(emulator, path, extra_env))
        await asyncio.gather(*(p.start(timeout=lead) for p in processes))
        if time.time() > due_ts:
            raise RuntimeError(f"the processes took longer than {lead:.0f} s to start: raise the lead time")

        def posts() -> list[float]:
            return [
                r.time
                for r in emulator.requests
                if r.method == "POST" and r.path in paths and r.status == 200
            ]

        def delivered_channels() -> int:
            return sum(1 for c in channels if emulator.messages_in(c))

        if kill:
            first = processes[0]
            await emulator.wait_until(
                lambda: len(posts()) >= reminders // 4, timeout, "a quarter of the burst"
            )
            first.kill()
            assert first.proc is not None
            await first.proc.wait()
            result.killed_after_due = time.time() - due_ts
            result.outputs.append(first.output)
            await asyncio.sleep(1.0)
            await first.start(timeout=60)
            result.ready_again_after_due = time.time() - due_ts
        await emulator.wait_until(
            lambda: delivered_channels() >= reminders, timeout, f"{reminders} reminders"
        )
        await settle(target, timeout)
        await asyncio.sleep(1.0)  # anything doubled would arrive now
        counts = [len(emulator.messages_in(c)) for c in channels]
        result.delivered = sum(1 for n in counts if n == 1)
        result.duplicates = sum(n - 1 for n in counts if n > 1)
        result.missing = sum(1 for n in counts if n == 0)
        times = posts()
        result.posts = len(times)
        first_posts: dict[str, float] = {}
        for r in emulator.requests:
            if r.method == "POST" and r.path in paths and r.status == 200:
                first_posts.setdefault(r.path, r.time)
        result.last_after_due = max(first_posts.values()) - due_ts if first_posts else 0.0
        result.rate_limited = emulator.global_rate_limited
    finally:
        for process in processes:
            with contextlib.suppress(Exception):
                if process.running:
                    await process.stop()
            result.outputs.append(process.output)
        await emulator.stop()
    result.statuses = await final_statuses(target)
    return result
