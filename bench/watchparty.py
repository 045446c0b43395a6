"""Benchmark: watch parties through the emulator.

Run: ``PYTHONPATH=. python bench/watchparty.py [storm] [startup] [dispatcher] [firing] [--members N] [--validate]``
(no section named: all of them)

RSVP storm (``rsvp_storm``): the real bot runs as a process (``python -m bot``) against the emulator in
this process. N members click Going on one party's announcement at once. Measured:

- click-to-answer per click: from the emulator dispatching INTERACTION_CREATE to it receiving the
  bot's interaction callback (both stamped by the emulator, so waiting in this process adds nothing);
- whether every click was acknowledged (within Discord's 3 s), each member counted once (database), and
  the final counts exact (database and the announcement);
- how many times the announcement was edited (coalescing: at most about one edit a second).

Baseline, same run and same bot: the same N members run ``/timezone show`` at once (a read and an
ephemeral answer, no write), so the ratio isolates what an RSVP click costs under the same load.
Request bodies are checked against Discord's limits; pass ``--validate`` to also check them against
the OpenAPI schema (emulator work that slows both sides).

Reminders (the due-work dispatcher):

startup_with_parties: the real bot (`python -m bot`) against the emulator, with a database holding 100,000
    scheduled parties (4 due rows each: 24 h and 1 h reminders, start post, follow-up = 400,000 rows) next
    to the same bot with none: time to ready, time until the dispatcher has read its next due time, RSS.
dispatcher_memory: the dispatcher in-process (tracemalloc) delivering 200 due rows with 0 and with
    400,000 future rows in the table: its Python heap does not grow with the number of future reminders.
firing_accuracy: 1,000 reminders (1,000 channels, 3 Going members each) due at the same second, with the
    emulator enforcing Discord's global limit (50 requests a second); lateness = emulator receiving the
    POST minus due_at. The floor is Discord's: 1,000 requests / 50 a second = 20 s (target: the last
    reminder within 1.1x). Meanwhile a member runs /about every 100 ms: its answer time (dispatch to
    callback) must stay under 1 s at p99. Baseline in the same run: one lone reminder.
The emulator runs in this process with request validation off (spec checks are the tests' business).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from _common import answer_times  # noqa: E402

from bot.db import Database  # noqa: E402
from bot.watchparty.dispatcher import Dispatcher, DueRow, Outcome  # noqa: E402
from bot.watchparty.due import to_db_time  # noqa: E402
from tests.conftest import build_community  # noqa: E402
from tests.emulator import Emulator, Member, Message, Reply, actions  # noqa: E402
from tests.emulator.interactions import InteractionType  # noqa: E402
from tests.emulator.process import BotProcess  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: a value that was actually measured."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


# Members act without each waiting for its own answer (a thousand waiters, each woken by every change in
# the emulator, would cost this process more than the bot's work): dispatch all, then wait once.


def click_now(member: Member, message: Message, label: str) -> Reply:
    source, component = actions._source(message, lambda c: c.get("label") == label, label)  # noqa: SLF001
    data = {"custom_id": component["custom_id"], "component_type": 2, "id": component.get("id")}
    return actions._start(  # noqa: SLF001
        member, source.channel, InteractionType.MESSAGE_COMPONENT, data, label, source_message=source
    )


def slash_now(member: Member, path: str) -> Reply:
    channel = member.guild.first_text_channel
    command, sub_words, leaf = actions._find_command(member, path, channel)  # noqa: SLF001
    data = actions._command_data(command, actions._nest(command, sub_words, []), {})  # noqa: SLF001
    return actions._start(member, channel, InteractionType.APPLICATION_COMMAND, data, path)  # noqa: SLF001


async def storm(
    emulator: Emulator, members: list[Member], act: Callable[[Member], Reply]
) -> tuple[list[Reply], float]:
    started = time.perf_counter()
    replies = [act(member) for member in members]
    done = 0

    def settled(reply: Reply) -> bool:  # answered, or past Discord's deadline without an acknowledgement
        return reply.complete() or (
            reply.callback_type is None
            and time.monotonic() - reply.created > emulator.interaction_ack_timeout + 1
        )

    def all_settled() -> bool:
        nonlocal done
        while done < len(replies) and settled(replies[done]):
            done += 1
        return done == len(replies)

    await emulator.wait_until(all_settled, 120, "every answer")
    return replies, time.perf_counter() - started


def report(name: str, times: list[float], count: int) -> None:
    if not times:
        print(f"  {name:<34} none of {count}")
        return
    print(
        f"  {name:<34} {len(times):>5}/{count:<5} p50 {percentile(times, 50) * 1000:8.1f} ms   "
        f"p99 {percentile(times, 99) * 1000:8.1f} ms   max {max(times) * 1000:8.1f} ms"
    )


def field(message: Message, name: str) -> str:
    return next(f["value"] for f in message.embeds[0]["fields"] if f["name"] == name)


async def rsvp_storm(members: int = 1000, *, validate: bool = False) -> dict[str, Any]:
    """N members click Going at once on one party. Prints the figures and returns them."""
    emulator = Emulator(validate_spec=validate)
    build_community(emulator)
    await emulator.start()
    with tempfile.TemporaryDirectory() as folder:
        process = BotProcess(emulator, Path(folder) / "bench.db")
        await process.start()
        try:
            return await _storm(emulator, process, members)
        finally:
            await process.stop()
            await emulator.stop()


async def _storm(emulator: Emulator, process: BotProcess, count: int) -> dict[str, Any]:
    guild = emulator.guild
    host = emulator.member(guild, "Host")
    await host.slash("timezone set", zone="Asia/Seoul")
    await host.slash("watchparty schedule", episode="r1", when="in 3 hours", title="Storm")
    shown = next(m for m in emulator.bot_messages() if not m.ephemeral and m.embeds)
    fans = [emulator.member(guild, f"Fan {i}") for i in range(count)]
    await asyncio.sleep(0.5)  # let the bot take in the member-add events before the storm

    print(f"\nRSVP storm: {count} members click Going at once on one party")
    base_replies, base_wall = await storm(emulator, fans, lambda fan: slash_now(fan, "timezone show"))
    _base_acks, base_times = answer_times(emulator, base_replies)
    report("baseline /timezone show: answer", base_times, count)

    edits_before = sum(
        1 for r in emulator.requests if r.method == "PATCH" and r.path.endswith(f"/{shown.id}")
    )
    replies, wall = await storm(emulator, fans, lambda fan: click_now(fan, shown, "Going"))
    acks, times = answer_times(emulator, replies)
    report("click Going: acknowledged", acks, count)
    report("click Going: answered", times, count)
    deferred = sum(1 for r in replies if r.callback_type == 5)
    print(f"  wall: baseline {base_wall:.2f} s, clicks {wall:.2f} s; clicks deferred under load: {deferred}")

    late_ack = [v for v in emulator.violations if "acknowledged after" in v]
    unanswered = sum(1 for r in replies if r.callback_type is None)
    answered = sum(1 for r in replies if r.ephemeral and r.text.startswith("You're going"))
    with contextlib.suppress(AssertionError):  # a wrong final count is reported below, not raised
        await emulator.wait_until(lambda: field(shown, "Going") == str(count + 1), 10, "the final count")
    await asyncio.sleep(1.5)  # any edit still on its way lands now
    edits = (
        sum(1 for r in emulator.requests if r.method == "PATCH" and r.path.endswith(f"/{shown.id}"))
        - edits_before
    )
    with sqlite3.connect(process.db_path) as conn:
        rows, distinct, going = conn.execute(
            "SELECT count(*), count(DISTINCT user_id), sum(status = 'going') FROM party_rsvps"
        ).fetchone()
    shown_going = field(shown, "Going")
    exact = rows == distinct == going == count + 1 and shown_going == str(count + 1)
    ratio = percentile(times, 99) / percentile(base_times, 99)
    print(
        f"  answered 'You're going': {answered}/{count}; acknowledged late (> 3 s): {len(late_ack)}; "
        f"never acknowledged: {unanswered}"
    )
    print(
        f"  database: {rows} rows, {distinct} members, {going} going (host + {count}); announcement shows {shown_going}"
    )
    print(
        f"  counts exact: {'yes' if exact else 'NO'}; announcement edits: {edits} in {wall:.2f} s of clicks"
    )
    print(f"  click p99 vs baseline p99: {ratio:.2f}x")
    if process.tracebacks:
        print("  the bot logged tracebacks:\n" + "\n".join(process.tracebacks[:3]))
    return {
        "members": count,
        "answered": answered,
        "late_acks": len(late_ack),
        "ack_p99_ms": percentile(acks, 99) * 1000,
        "deferred": deferred,
        "p50_ms": percentile(times, 50) * 1000,
        "p99_ms": percentile(times, 99) * 1000,
        "baseline_p99_ms": percentile(base_times, 99) * 1000,
        "p99_ratio": ratio,
        "edits": edits,
        "exact": exact,
    }


# --- reminders --------------------------------------------------------------------------------------

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


def describe(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 50) * 1000:7.0f} ms  p90 {percentile(values, 90) * 1000:7.0f} ms  "
        f"p99 {percentile(values, 99) * 1000:7.0f} ms  max {max(values) * 1000:7.0f} ms"
    )


async def fire(count: int, workdir: Path, *, probe: bool = False) -> tuple[list[float], list[float], int]:
    """(lateness of each reminder's POST, the probes' answer times, global 429s) for `count` reminders due
    in the same second, with the emulator enforcing Discord's global limit. With `probe`, a member runs
    /about every 100 ms from just before the burst until the last reminder (answer = dispatch to callback)."""
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

        member = emulator.member(guilds[0], "Prober")
        replies: list[Reply] = []

        async def probing() -> None:
            await asyncio.sleep(max(0.0, due - time.time() - 0.5))
            while len(posts()) < count:
                replies.append(slash_now(member, "about"))
                await asyncio.sleep(0.1)

        prober = asyncio.create_task(probing()) if probe else None
        await emulator.wait_until(lambda: len(posts()) >= count, 240, f"{count} reminders")
        if prober is not None:
            prober.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await prober
            await emulator.wait_until(lambda: all(r.complete() for r in replies), 10, "the probes' answers")
        lateness = [t - due for t in posts()]
        _, answers = answer_times(emulator, replies)
        code = await bot.stop()
        if code != 0 or bot.tracebacks:
            raise RuntimeError(f"bot exited {code}:\n{bot.output[-3000:]}")
        return lateness, answers, emulator.global_rate_limited
    finally:
        await emulator.stop()


async def firing_accuracy() -> None:
    print("\n== Firing at Discord's pace: lateness from due_at to the emulator receiving the POST")
    print("   (the emulator enforces Discord's global limit of 50 requests a second per bot)")
    with tempfile.TemporaryDirectory() as tmp:
        lone, _, _ = await fire(1, Path(tmp))
        count = 1000
        many, probes, limited = await fire(count, Path(tmp), probe=True)
    floor = count / 50
    print(f"1 reminder       : {describe(lone)}")
    print(f"{count:,} same second: {describe(many)}  ({len(many)} posts, {limited} answered 429 global)")
    print(
        f"last reminder {max(many):.2f} s after due = {max(many) / floor:.2f}x the floor of {floor:.0f} s "
        f"({count:,} requests / 50 per second; target <= 1.1x)"
    )
    print(
        f"/about during the burst ({len(probes)} answers): p50 {percentile(probes, 50) * 1000:.0f} ms, "
        f"p99 {percentile(probes, 99) * 1000:.0f} ms, max {max(probes) * 1000:.0f} ms (target p99 < 1 s)"
    )


SECTIONS = ("storm", "startup", "dispatcher", "firing")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sections", nargs="*", help=f"any of {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--members", type=int, default=1000, help="members clicking at once (default 1000)")
    parser.add_argument(
        "--validate", action="store_true", help="also check bodies against the OpenAPI schema"
    )
    args = parser.parse_args(argv)
    sections = args.sections or list(SECTIONS)
    if unknown := set(sections) - set(SECTIONS):
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}: choose from {', '.join(SECTIONS)}")
    code = 0
    if "storm" in sections:
        result = asyncio.run(rsvp_storm(args.members, validate=args.validate))
        code = 0 if result["exact"] and result["answered"] == args.members else 1
    reminders: dict[str, Callable[[], Awaitable[None]]] = {
        "startup": startup_with_parties,
        "dispatcher": dispatcher_memory,
        "firing": firing_accuracy,
    }
    for name in sections:
        if name in reminders:
            asyncio.run(reminders[name]())
    return code


if __name__ == "__main__":
    raise SystemExit(main())
