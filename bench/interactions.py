"""Benchmark: slash-command round trip through the emulator, /about against a constant-reply baseline.

Run: ``PYTHONPATH=. python bench/interactions.py [--count N] [--concurrency C] [--quick]``

The real bot runs as a separate process (``python -m bench._bench_bot``: the product plus one bench-only
``/baseline`` command that answers "ok", ephemerally). A member in the emulator (this process) invokes
``/about`` and ``/baseline`` alternately; a round trip is the time from dispatching INTERACTION_CREATE on
the gateway to the emulator receiving the bot's interaction callback. Both commands are measured in the
same run and the same bot process, so the ratio isolates what ``/about`` itself costs.

Sequential: one command at a time. Concurrent: batches of C commands in flight at once (half of each).
Request bodies are still checked against Discord's limits, but not against the OpenAPI schema (pass
``--validate`` for that): schema validation is emulator work that costs more for an embed than for
plain text and would bias the ratio.

Target: /about p99 within 1.3x of the baseline p99.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from _common import ms, percentile  # also puts the repository on sys.path

from tests.conftest import build_community
from tests.emulator import Emulator
from tests.emulator.models import Member
from tests.emulator.process import BotProcess

COMMANDS = ("about", "baseline")


async def invoke(member: Member, command: str) -> float:
    started = time.perf_counter()
    reply = await member.slash(command)
    elapsed = time.perf_counter() - started
    assert reply.ephemeral and reply.text, reply.describe()
    return elapsed


async def sequential(member: Member, count: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {c: [] for c in COMMANDS}
    for i in range(count * len(COMMANDS)):
        command = COMMANDS[i % len(COMMANDS)]
        samples[command].append(await invoke(member, command))
    return samples


async def concurrent(members: list[Member], count: int, concurrency: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {c: [] for c in COMMANDS}
    per_batch = concurrency // len(COMMANDS)
    for _ in range(count // per_batch):
        batch = [(COMMANDS[i % len(COMMANDS)], members[i % len(members)]) for i in range(concurrency)]
        results = await asyncio.gather(*(invoke(member, command) for command, member in batch))
        for (command, _member), elapsed in zip(batch, results, strict=True):
            samples[command].append(elapsed)
    return samples


def report(title: str, samples: dict[str, list[float]]) -> float:
    print(f"\n{title}")
    print(f"  {'command':<10} {'n':>6} {'p50':>10} {'p90':>10} {'p99':>10} {'max':>10}")
    for command in COMMANDS:
        values = samples[command]
        print(
            f"  /{command:<9} {len(values):>6} {ms(percentile(values, 50)):>10} "
            f"{ms(percentile(values, 90)):>10} {ms(percentile(values, 99)):>10} {ms(max(values)):>10}"
        )
    about, base = samples["about"], samples["baseline"]
    p50_ratio = percentile(about, 50) / percentile(base, 50)
    p99_ratio = percentile(about, 99) / percentile(base, 99)
    verdict = "meets" if p99_ratio <= 1.3 else "MISSES"
    print(
        f"  /about vs /baseline: p50 {p50_ratio:.2f}x, p99 {p99_ratio:.2f}x ({verdict} the 1.3x p99 target)"
    )
    return p99_ratio


async def run(count: int, concurrency: int, warmup: int, validate: bool) -> None:
    emulator = Emulator(validate_spec=validate)
    build_community(emulator)
    await emulator.start()
    with tempfile.TemporaryDirectory() as tmp:
        bot = BotProcess(emulator, Path(tmp) / "clematis.db", module="bench._bench_bot")
        await bot.start()
        try:
            guild = emulator.guild
            members = [emulator.member(guild, f"Member {i}") for i in range(max(concurrency, 1))]
            await sequential(members[0], warmup)
            report(f"Sequential, {count} of each, one at a time", await sequential(members[0], count))
            if concurrency > 1:
                title = f"Concurrent, {count} of each, {concurrency} in flight"
                report(title, await concurrent(members, count, concurrency))
            assert not emulator.violations, emulator.violations
        finally:
            code = await bot.stop()
            await emulator.stop()
        assert code == 0 and not bot.tracebacks, bot.output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="invocations of each command (default 2000)")
    parser.add_argument("--concurrency", type=int, default=16, help="commands in flight (0: skip)")
    parser.add_argument("--validate", action="store_true", help="also validate bodies against OpenAPI")
    parser.add_argument("--quick", action="store_true", help="300 of each, for a smoke run")
    args = parser.parse_args()
    count = 300 if args.quick else args.count
    asyncio.run(run(count, args.concurrency, warmup=min(200, count // 5), validate=args.validate))


if __name__ == "__main__":
    main()
