"""Timings of /privacy's database work on a large instance (prints figures; not a test).

    .venv/bin/python bench/privacy.py

A database with 400 servers, 20,000 parties, 200,000 RSVPs and 60,000 reminder rows; each measured member
has 10 RSVPs, hosts 2 upcoming parties and has progress and preferences. Timed: `summarize_user`
(/privacy show), `export_user` (/privacy export) and `delete_user` (/privacy delete, one transaction),
and `purge_guild` for a server with 50 parties.

Baseline, in the same run: the same calls on a copy of the database without the indexes migration 0008
adds for a member's rows (party_rsvps.user_id, watch_parties.host_id, due_work.user_id), i.e. what
full-table scans cost. The ratio is what to watch.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import _common  # noqa: F401  (puts the repository on sys.path)

from bot.db import Database
from bot.privacy.store import delete_user, export_user, purge_guild, summarize_user
from bot.watchparty.due import to_db_time

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
GUILDS, PARTIES, MEMBERS, RSVPS_EACH = 400, 20_000, 20_000, 10
MEASURED = 30  # members deleted per variant
BASE_USER, BASE_GUILD = 10**17, 2 * 10**17


async def build(path: Path) -> None:
    rng = random.Random(13)
    async with Database(path) as db:
        await db.migrate()
        async with db.transaction() as conn:
            start = to_db_time(NOW + timedelta(days=3))
            await conn.executemany(
                "INSERT INTO watch_parties (id, guild_id, channel_id, host_id, title, episodes, starts_at, zone) "
                "VALUES (?, ?, 1, ?, 'party', '[\"r1\"]', ?, 'UTC')",
                [(p, BASE_GUILD + p % GUILDS, BASE_USER + p % MEMBERS, start) for p in range(1, PARTIES + 1)],
            )
            rsvps = {
                (rng.randrange(1, PARTIES + 1), BASE_USER + u)
                for u in range(MEMBERS)
                for _ in range(RSVPS_EACH)
            }
            await conn.executemany(
                "INSERT INTO party_rsvps (party_id, user_id, status, updated_at) VALUES (?, ?, 'going', ?) ON CONFLICT DO NOTHING",
                [(p, u, to_db_time(NOW)) for p, u in rsvps],
            )
            await conn.executemany(
                "INSERT INTO due_work (kind, party_id, offset_label, due_at) VALUES ('reminder', ?, '1h', ?)",
                [(p, start) for p in range(1, PARTIES + 1) for _ in range(3)],
            )
            await conn.executemany(
                "INSERT INTO member_progress (user_id, track, episode_id) VALUES (?, 'main', 'r3')",
                [(BASE_USER + u,) for u in range(MEMBERS)],
            )
            await conn.executemany(
                "INSERT INTO member_preferences (user_id, time_zone) VALUES (?, 'Asia/Seoul')",
                [(BASE_USER + u,) for u in range(MEMBERS)],
            )
        await db.execute("ANALYZE")


async def measure(indexed: Path, scanned: Path) -> dict[str, tuple[float, float]]:
    """Median ms per call, (with the indexes, without), the two variants alternating call by call so
    that a change in the machine's load falls on both alike."""
    members = [BASE_USER + u for u in range(0, MEMBERS, MEMBERS // MEASURED)][:MEASURED]
    guilds = [BASE_GUILD + g for g in range(5)]
    calls: dict[str, tuple[Callable[[Database, int], Awaitable[object]], list[int]]] = {
        "show": (lambda db, u: summarize_user(db, u), members),
        "export": (lambda db, u: export_user(db, u, now=NOW), members),
        "delete": (lambda db, u: delete_user(db, u, now=NOW), members),
        "purge a server": (lambda db, g: purge_guild(db, g), guilds),
    }
    out: dict[str, tuple[float, float]] = {}
    async with Database(indexed) as ours, Database(scanned) as base:
        for name, (call, subjects) in calls.items():
            times: tuple[list[float], list[float]] = ([], [])
            for subject in subjects:
                for db, into in ((ours, times[0]), (base, times[1])):
                    t0 = time.perf_counter()
                    await call(db, subject)
                    into.append((time.perf_counter() - t0) * 1000)
            out[name] = (statistics.median(times[0]), statistics.median(times[1]))
    return out


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        indexed, scanned = Path(folder, "indexed.sqlite3"), Path(folder, "scanned.sqlite3")
        t0 = time.perf_counter()
        await build(indexed)
        print(
            f"built {PARTIES:,} parties, {MEMBERS * RSVPS_EACH:,} RSVPs in {time.perf_counter() - t0:.1f} s"
        )
        shutil.copy(indexed, scanned)
        async with Database(scanned) as db:
            for index in ("party_rsvps_by_user", "watch_parties_by_host", "due_work_user"):
                await db.execute(f"DROP INDEX {index}")
        figures = await measure(indexed, scanned)
    print(f"{'median ms':<16}{'with 0008 indexes':>20}{'full scans (baseline)':>24}{'ratio':>8}")
    for name, (ours, base) in figures.items():
        print(f"{name:<16}{ours:>20.2f}{base:>24.2f}{ours / base:>8.2f}")


if __name__ == "__main__":
    asyncio.run(main())
