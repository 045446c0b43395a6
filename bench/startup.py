"""Benchmark: start-up time and peak memory with 1, 100 and 1,000 servers (50 channels, 20 roles each).

Run: ``PYTHONPATH=. python bench/startup.py [--guilds 1,100,1000] [--quick]``

For each server count a fresh emulator holds the servers and the real bot (``python -m bot``, a fresh
database) starts against it: time is from spawning the process to the bot logging "Clematis is ready" with
its gateway session ready (READY and every GUILD_CREATE delivered; the bot waits 0.05 s after the last
GUILD_CREATE as the tests do, where discord.py's default is 2 s). Peak RSS is VmHWM from /proc just before
SIGTERM; each start is repeated (``--repeat``, default 2) and the fastest kept. The same is measured for a bare discord.py client (``tests/emulator/minibot.py``: two commands,
default intents, no database) in the same run, so what Clematis adds is told apart from what discord.py
holds. At the largest count, one more run of the bot under tracemalloc reports what the gateway session
added to the heap by source file, and how many objects discord.py caches (guilds, channels, roles and the
bot's own member per server: the bot keeps no message cache and no member cache).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _common import memory_kib  # also puts the repository on sys.path

from tests.emulator import Emulator
from tests.emulator.process import BotProcess

CHANNELS, ROLES = 50, 20


@dataclass
class Start:
    seconds: float
    peak_kib: int
    output: str


async def start_once(guilds: int, module: str, env: dict[str, str] | None = None) -> Start:
    emulator = Emulator(validate_spec=False)
    emulator.add_guilds(guilds, channels=CHANNELS, roles=ROLES)
    await emulator.start()
    with tempfile.TemporaryDirectory() as tmp:
        process = BotProcess(emulator, Path(tmp) / "clematis.db", env, module=module)
        started = time.perf_counter()
        await process.start(timeout=120)
        seconds = time.perf_counter() - started
        assert process.proc is not None
        await asyncio.sleep(0.2)  # let the last events settle before reading memory
        peak = memory_kib(process.proc.pid)["VmHWM"]
        code = await process.stop()
    await emulator.stop()
    assert code == 0 and not process.tracebacks, process.output
    return Start(seconds, peak, process.output)


async def version_seconds() -> float:
    """Interpreter start plus importing the bot and discord.py: `python -m bot --version`."""
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--version", stdout=asyncio.subprocess.DEVNULL
    )
    await proc.wait()
    return time.perf_counter() - started


def memory_report(output: str) -> list[str]:
    lines = []
    for line in output.splitlines():
        found = re.search(r"bench-memory: (.*)$", line)
        if found:
            lines.append(found[1])
    return lines


async def run(counts: list[int], repeat: int, trace: bool) -> None:
    print(f"Interpreter + imports (`python -m bot --version`): {await version_seconds():.2f} s")
    print(f"\n{'servers':>8} {'Clematis ready':>15} {'peak RSS':>10} {'bare client':>12} {'peak RSS':>10}")
    results: dict[int, tuple[Start, Start]] = {}
    for count in counts:
        # Alternate the two so machine load hits both alike; keep each one's fastest start.
        runs: dict[str, list[Start]] = {"bot": [], "tests.emulator.minibot": []}
        for _ in range(repeat):
            for module, done in runs.items():
                done.append(await start_once(count, module))
        clematis, bare = (min(done, key=lambda s: s.seconds) for done in runs.values())
        results[count] = (clematis, bare)
        print(
            f"{count:>8} {clematis.seconds:>13.2f} s {clematis.peak_kib / 1024:>7.1f} MiB "
            f"{bare.seconds:>10.2f} s {bare.peak_kib / 1024:>7.1f} MiB"
        )
    low, high = min(counts), max(counts)
    if high > low:
        per = 1000 / (high - low)
        grow = (results[high][0].peak_kib - results[low][0].peak_kib) * per / 1024
        grow_bare = (results[high][1].peak_kib - results[low][1].peak_kib) * per / 1024
        extra = (results[low][0].peak_kib - results[low][1].peak_kib) / 1024
        print(
            f"\nPeak RSS growth per 1,000 servers: Clematis {grow:.1f} MiB, bare discord.py client "
            f"{grow_bare:.1f} MiB.\nClematis over the bare client at {low} server(s): {extra:+.1f} MiB "
            "(its modules, the database connection, the cogs)."
        )
    if trace:
        traced = await start_once(high, "bench._bench_bot", {"CLEMATIS_BENCH_TRACEMALLOC": "1"})
        print(f"\nWhat the gateway session added to the heap at {high} servers (tracemalloc, bytes, blocks):")
        for line in memory_report(traced.output):
            print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--guilds", default="1,100,1000", help="comma-separated server counts")
    parser.add_argument("--repeat", type=int, default=2, help="starts of each kind per count (fastest kept)")
    parser.add_argument("--quick", action="store_true", help="1 and 100 servers once, no tracemalloc run")
    args = parser.parse_args()
    counts = [1, 100] if args.quick else [int(n) for n in args.guilds.split(",")]
    asyncio.run(run(counts, 1 if args.quick else args.repeat, trace=not args.quick))


if __name__ == "__main__":
    main()
