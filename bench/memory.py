"""Benchmark: resident memory of an idle Clematis, the figure README.md quotes.

Run: ``python bench/memory.py [--idle 20] [--repeat 3]``

The real bot (``python -m bot``, the bundled canon pack, a fresh database) starts against the emulator's
default community server (#general, #spoilers, #mod-log, a forum, a voice channel, a Moderator role: the world
the tests use), waits until it is ready and its reminder dispatcher has started, then stays idle for
``--idle`` seconds; RSS (VmRSS) and peak RSS (VmHWM) are then read from /proc. A bare discord.py client
(``tests/emulator/minibot.py``: two commands, no database, no canon pack) is measured the same way in the same
run as the baseline. Each is started ``--repeat`` times, alternating; the median is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path

from _common import memory_kib  # also puts the repository on sys.path

from tests.conftest import build_community
from tests.emulator import Emulator
from tests.emulator.process import BotProcess

BOT, BARE = "bot", "tests.emulator.minibot"


async def idle_memory(module: str, idle: float) -> dict[str, int]:
    emulator = Emulator(validate_spec=False)
    build_community(emulator)
    await emulator.start()
    with tempfile.TemporaryDirectory() as tmp:
        process = BotProcess(emulator, Path(tmp) / "clematis.db", module=module)
        await process.start(timeout=120)
        if module == BOT:
            await process.wait_for_output("due-work dispatcher started", timeout=30)
        await asyncio.sleep(idle)
        assert process.proc is not None
        memory = memory_kib(process.proc.pid)
        code = await process.stop()
    await emulator.stop()
    assert code == 0 and not process.tracebacks, process.output
    return memory


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


async def run(idle: float, repeat: int) -> None:
    found: dict[str, list[dict[str, int]]] = {BOT: [], BARE: []}
    for _ in range(repeat):
        for module, runs in found.items():  # alternate, so that machine load hits both alike
            runs.append(await idle_memory(module, idle))
    rss = {m: statistics.median(r["VmRSS"] for r in runs) for m, runs in found.items()}
    peak = {m: statistics.median(r["VmHWM"] for r in runs) for m, runs in found.items()}
    print(f"Idle {idle:.0f} s after ready, one community server, median of {repeat} starts each:")
    print(f"  {'':<26} {'RSS':>10} {'peak RSS':>10}")
    print(f"  {'Clematis (bundled pack)':<26} {mib(rss[BOT]):>10} {mib(peak[BOT]):>10}")
    print(f"  {'bare discord.py client':<26} {mib(rss[BARE]):>10} {mib(peak[BARE]):>10}")
    print(f"  Clematis / bare client: RSS x{rss[BOT] / rss[BARE]:.2f}, peak x{peak[BOT] / peak[BARE]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=float, default=20.0, help="seconds to stay idle after ready")
    parser.add_argument("--repeat", type=int, default=3, help="starts of each kind (median reported)")
    args = parser.parse_args()
    asyncio.run(run(args.idle, args.repeat))


if __name__ == "__main__":
    main()
