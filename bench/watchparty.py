"""Watch-party reminders under load (prints figures; not a test).

Run: PYTHONPATH=. python bench/watchparty.py [startup|dispatcher|firing]...   (default: all)

startup_with_parties: the real bot (`python -m bot`) against the emulator, with a database holding 100,000
    scheduled parties (4 due rows each: 24 h and 1 h reminders, start post, follow-up = 400,000 rows) next
    to the same bot with none: time to ready, time until the dispatcher has read its next due time, RSS.
dispatcher_memory: the dispatcher in-process (tracemalloc) delivering 200 due rows with 0 and with
    400,000 future rows in the table: its Python heap does not grow with the number of future reminders.
firing_accuracy: 1,000 reminders (1,000 channels, 3 Going members each) due at the same second; lateness
    = emulator receiving the POST minus due_at. Baselines in the same run: one lone reminder, and a plain
    aiohttp client POSTing 1,000 messages as fast as it can (32 at a time) to the same emulator.
The emulator runs in this process with request validation off (spec checks are the tests' business).
"""

from __future__ import annotations

import asyncio
import json
import math
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bot.db import Database
from bot.watchparty.dispatcher import Dispatcher, DueRow, Outcome
from bot.watchparty.due import to_db_time
from tests.emulator import Emulator
from tests.emulator.process import BotProcess

PARTIES = 100_000


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields["VmRSS"], fields["VmHWM"]


async def make_db(path: Path) -> None:
    async with Database(path) as db:
        await db.migrate()


def seed_parties(path: Path, count: int, *, guild_id: int, channel_ids: list[int], now: datetime) -> None:
    """Bulk insert `count` scheduled parties spread over the next 28 days with the rows the planner makes."""
    conn = sqlite3.connect(path)
    with conn:
        parties = []
        due = []
        for i in range(1, count + 1):
            start = now + timedelta(days=2, seconds=(i * 24_181) % (26 * 86_400))
            parties.append(
                (
                    i,
                    guild_id,
                    channel_ids[i % len(channel_ids)],
                    1,
                    f"Party {i}",
                    '["r1"]',
                    to_db_time(start),
                    "UTC",
                )
            )
            due += [
                ("reminder", i, "1d", to_db_time(start - timedelta(days=1))),
                ("reminder", i, "1h", to_db_time(start - timedelta(hours=1))),
                ("start", i, "0", to_db_time(start)),
                ("followup", i, "end", to_db_time(start + timedelta(hours=1))),
            ]
        conn.executemany(
            "INSERT INTO watch_parties (id, guild_id, channel_id, host_id, title, episodes, starts_at, zone) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            parties,
        )
        conn.executemany(
            "INSERT INTO due_work (kind, party_id, offset_label, due_at) VALUES (?, ?, ?, ?)", due
        )
    conn.close()


# --- startup ------------------------------------------------------------------------------------------


async def start_once(parties: int, workdir: Path, run: int) -> dict[str, float]:
    emulator = Emulator(validate_spec=False)
    guild = emulator.add_guild("Alien Stage Fans", channels=[f"ch-{i}" for i in range(20)])
    await emulator.start()
    try:
        path = workdir / f"startup-{parties}-{run}.sqlite3"
        await make_db(path)
        seed_parties(
            path,
            parties,
            guild_id=guild.id,
            channel_ids=[c.id for c in guild.channels],
            now=datetime.now(UTC),
        )
        bot = BotProcess(emulator, path)
        t0 = time.perf_counter()
        await bot.start(timeout=120)
        ready = time.perf_counter() - t0
        await bot.wait_for_output("due-work dispatcher started", timeout=60)
        dispatcher = time.perf_counter() - t0
        await asyncio.sleep(3)  # a few loop turns and heartbeats
        assert bot.proc is not None
        rss, peak = rss_kib(bot.proc.pid)
        code = await bot.stop()
        if code != 0 or bot.tracebacks:
            raise RuntimeError(f"bot exited {code}:\n{bot.output[-3000:]}")
        return {"ready_s": ready, "dispatcher_s": dispatcher, "rss_mib": rss / 1024, "peak_mib": peak / 1024}
    finally:
        await emulator.stop()


async def startup_with_parties() -> None:
    print(f"\n== Bot startup with {PARTIES:,} scheduled parties ({4 * PARTIES:,} due rows) vs none")
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for run, count in enumerate((0, PARTIES, 0, PARTIES)):  # alternate to even out warm caches
            results.setdefault(count, []).append(await start_once(count, Path(tmp), run))
    print(f"{'parties':>9} {'ready s':>8} {'dispatcher s':>13} {'RSS MiB':>8} {'peak MiB':>9}")
    summary = {}
    for count, runs in results.items():
        best = {key: min(run[key] for run in runs) for key in runs[0]}
        summary[count] = best
        print(
            f"{count:>9,} {best['ready_s']:>8.2f} {best['dispatcher_s']:>13.2f} "
            f"{best['rss_mib']:>8.1f} {best['peak_mib']:>9.1f}"
        )
    base, full = summary[0], summary[PARTIES]
    print(
        f"ratio (100k / none): ready x{full['ready_s'] / base['ready_s']:.2f}, "
        f"RSS x{full['rss_mib'] / base['rss_mib']:.3f} ({full['rss_mib'] - base['rss_mib']:+.1f} MiB)"
    )


# --- dispatcher memory in-process -------------------------------------------------------------------------


async def dispatcher_heap(future_parties: int, workdir: Path) -> tuple[int, float]:
    path = workdir.with_name(f"{workdir.name}-heap-{future_parties}.sqlite3")
    await make_db(path)
    now = datetime.now(UTC)
    seed_parties(path, future_parties, guild_id=1, channel_ids=[2], now=now)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO watch_parties (id, guild_id, channel_id, host_id, title, episodes, starts_at, zone) "
            "VALUES (?, 1, 2, 1, 'Now', '[]', ?, 'UTC')",
            (future_parties + 1, to_db_time(now + timedelta(hours=1))),
        )
        conn.executemany(
            "INSERT INTO due_work (kind, party_id, offset_label, due_at) VALUES ('reminder', ?, '1h', ?)",
            [(future_parties + 1, to_db_time(now - timedelta(seconds=1)))] * 200,
        )
    conn.close()
    delivered = 0
    all_delivered = asyncio.Event()

    async def deliver(row: DueRow, at: datetime) -> Outcome:
        nonlocal delivered
        delivered += 1
        if delivered == 200:
            all_delivered.set()
        await asyncio.sleep(0.001)
        return Outcome.delivered(row.id)

    async with Database(path) as db:
        tracemalloc.start()
        dispatcher = Dispatcher(db, deliver)
        dispatcher.start()
        await all_delivered.wait()
        await asyncio.sleep(0.5)  # it records the last outcomes, reads the next due time and sleeps
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        await dispatcher.stop()
    return delivered, peak / 1024


async def dispatcher_memory() -> None:
    print("\n== Dispatcher Python heap (tracemalloc peak) while delivering 200 due rows")
    with tempfile.TemporaryDirectory() as tmp:
        await dispatcher_heap(0, Path(tmp) / "warm")  # first-time allocations (imports, caches) not counted
        rows = []
        for count in (0, PARTIES):
            runs = [await dispatcher_heap(count, Path(tmp) / f"{count}-{i}") for i in range(2)]
            rows.append((count, runs[0][0], min(peak for _, peak in runs)))
    for count, delivered, peak in rows:
        print(f"future rows {4 * count:>8,}: delivered {delivered}, peak heap {peak:>8.1f} KiB")
    print(f"ratio (400k future rows / none): x{rows[1][2] / rows[0][2]:.2f}")


# --- firing accuracy ---------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def describe(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 0.5) * 1000:7.0f} ms  p90 {percentile(values, 0.9) * 1000:7.0f} ms  "
        f"p99 {percentile(values, 0.99) * 1000:7.0f} ms  max {max(values) * 1000:7.0f} ms"
    )


async def fire(count: int, workdir: Path) -> list[float]:
    emulator = Emulator(validate_spec=False)
    guilds = emulator.add_guilds(max(1, count // 50), channels=min(50, count))
    channels = [c for g in guilds for c in g.channels][:count]
    await emulator.start()
    try:
        path = workdir / f"fire-{count}.sqlite3"
        await make_db(path)
        due = math.ceil(time.time()) + 8  # a whole second: due_at is stored to the second
        due_at = to_db_time(datetime.fromtimestamp(due, UTC))
        starts = to_db_time(datetime.fromtimestamp(due, UTC) + timedelta(hours=1))
        conn = sqlite3.connect(path)
        with conn:
            for i, channel in enumerate(channels, start=1):
                assert channel.guild is not None
                conn.execute(
                    "INSERT INTO watch_parties (id, guild_id, channel_id, host_id, title, episodes, starts_at, "
                    "zone) VALUES (?, ?, ?, 1, ?, '[\"r1\"]', ?, 'UTC')",
                    (i, channel.guild.id, channel.id, f"Party {i}", starts),
                )
                conn.executemany(
                    "INSERT INTO party_rsvps (party_id, user_id, status, updated_at) VALUES (?, ?, 'going', ?)",
                    [(i, 10**17 + i * 10 + k, due_at) for k in range(3)],
                )
                conn.execute(
                    "INSERT INTO due_work (kind, party_id, offset_label, due_at) VALUES ('reminder', ?, '1h', ?)",
                    (i, due_at),
                )
        conn.close()
        bot = BotProcess(emulator, path)
        await bot.start(timeout=60)
        if time.time() > due:
            raise RuntimeError("the bot took longer to start than the lead time; raise it")
        paths = {f"/channels/{c.id}/messages" for c in channels}

        def posts() -> list[float]:
            return [
                r.time
                for r in emulator.requests
                if r.method == "POST" and r.path in paths and r.status == 200
            ]

        await emulator.wait_until(lambda: len(posts()) >= count, 180, f"{count} reminders")
        lateness = [t - due for t in posts()]
        code = await bot.stop()
        if code != 0 or bot.tracebacks:
            raise RuntimeError(f"bot exited {code}:\n{bot.output[-3000:]}")
        return lateness
    finally:
        await emulator.stop()


async def raw_posts(count: int, concurrency: int = 32) -> float:
    """Seconds a bare aiohttp client needs to POST `count` messages to the emulator (the floor)."""
    emulator = Emulator(validate_spec=False)
    guilds = emulator.add_guilds(max(1, count // 50), channels=min(50, count))
    channels = [c for g in guilds for c in g.channels][:count]
    await emulator.start()
    try:
        headers = {"Authorization": f"Bot {emulator.token}", "Content-Type": "application/json"}
        queue = list(channels)
        async with aiohttp.ClientSession(headers=headers) as session:

            async def worker() -> None:
                while queue:
                    channel = queue.pop()
                    body = json.dumps({"content": "⏰ Party starts soon", "nonce": f"n{channel.id}"[:25]})
                    async with session.post(
                        f"{emulator.api_url}/channels/{channel.id}/messages", data=body
                    ) as r:
                        await r.read()

            t0 = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return time.perf_counter() - t0
    finally:
        await emulator.stop()


async def firing_accuracy() -> None:
    print("\n== Firing accuracy: lateness from due_at to the emulator receiving the POST")
    with tempfile.TemporaryDirectory() as tmp:
        lone = await fire(1, Path(tmp))
        many = await fire(1000, Path(tmp))
    floor = await raw_posts(1000)
    print(f"1 reminder       : {describe(lone)}")
    print(f"1,000 same second: {describe(many)}  ({len(many)} posts)")
    print(f"baseline: a bare aiohttp client POSTs 1,000 messages (32 at a time) in {floor * 1000:.0f} ms")
    print(f"ratio p99(1,000) / bare client total: x{percentile(many, 0.99) / floor:.2f}")


SECTIONS: dict[str, Callable[[], object]] = {
    "startup": startup_with_parties,
    "dispatcher": dispatcher_memory,
    "firing": firing_accuracy,
}


def main(argv: list[str] | None = None) -> None:
    names = (argv if argv is not None else sys.argv[1:]) or list(SECTIONS)
    for name in names:
        asyncio.run(SECTIONS[name]())  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
