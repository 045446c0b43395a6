"""Benchmark: the whole on_message spoiler path of the real bot, through the Discord emulator.

Run: ``PYTHONPATH=. python bench/spoiler_path.py [--messages N] [--spoilers K]``

The real bot runs as ``python -m bot`` against the emulator (as in the end-to-end tests), with a mod
log set and the default action (nudge). Measured:

* **Common case (no spoiler)**: a burst of N harmless chat messages (generated as in
  ``bench/spoilers.py``, checked against the canon rules so none is a spoiler, many with ``||tags||``,
  names and Korean), then one spoiler. Sustained messages per second = N / (first dispatch → the
  spoiler's DELETE), and the bot process's CPU time per message (from /proc). The same burst goes to a
  **baseline bot** in the same run: a ``commands.Bot`` built like Clematis (intents, caches, prefix
  handling) whose only listener deletes messages containing the marker phrase. The difference is the
  cost of the spoiler guard. Also the in-process cost of the decision alone (``GuildState.match``).
* **Spoiler latency**: K spoilers, one at a time, from MESSAGE_CREATE (the emulator's dispatch) to the
  bot's DELETE request (as recorded by the emulator), p50 / p99 / max; then again with the spoilers
  mixed into a stream of chat at a steady rate.
* **No database query in the common case**: see ``tests/guard/test_quiet_path.py`` (the real message
  path, in process, with an sqlite trace callback: zero statements for 300 messages of chat).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.spoilers import make_message, make_rules
from tests.conftest import build_community
from tests.emulator import Emulator, Member
from tests.emulator.process import BotProcess
from tests.guard.conftest import run

MARKER = "ivan dies"
BASELINE_ENV = "CLEMATIS_BENCH_BASELINE_BOT"


# --- the baseline bot (run in its own process by BotProcess) ------------------------------------------


def client_options() -> dict[str, Any]:
    """What a baseline client shares with Clematis: its intents, no caches, no mentions; and the
    environment's guild-ready timeout. Also points discord.py at the emulator the environment names."""
    import logging

    import discord
    import yarl

    from bot.client import make_intents

    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE_URL"] + "/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    return {
        "allowed_mentions": discord.AllowedMentions.none(),
        "intents": make_intents(),
        "max_messages": None,
        "member_cache_flags": discord.MemberCacheFlags.none(),
        "chunk_guilds_at_startup": False,
        "guild_ready_timeout": float(os.environ.get("DISCORD_GUILD_READY_TIMEOUT", "2")),
    }


def serve(client: Any) -> None:
    """Run a baseline client until SIGTERM, as BotProcess expects of a bot."""
    import signal

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, lambda: loop.create_task(client.close()))
        async with client:
            await client.start(os.environ["DISCORD_TOKEN"])

    asyncio.run(main())


def run_baseline_bot() -> None:
    import logging

    import discord
    from discord.ext import commands

    class Baseline(commands.Bot):
        async def on_ready(self) -> None:
            logging.getLogger("baseline").info("Clematis is ready (baseline bot)")

    async def delete_marked(message: discord.Message) -> None:
        if message.guild is not None and not message.author.bot and MARKER in message.content.lower():
            await message.delete()

    client = Baseline(command_prefix=commands.when_mentioned, help_command=None, **client_options())
    client.add_listener(delete_marked, "on_message")
    serve(client)


# --- measuring ---------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def harmless_chat(count: int, seed: int) -> list[str]:
    """Chat that the canon rules do not flag (nothing public): the common case."""
    from bot.canon.horizon import Horizon
    from bot.canon.loader import load_pack
    from bot.guard.rules import compile_guild_rules
    from bot.spoilers import visible_text

    ruleset = compile_guild_rules(load_pack(), Horizon(), [], [])
    rng = random.Random(seed)
    samples = [r.phrase for r in make_rules(200, random.Random(seed + 1))] + [
        "ivan dies",
        "sua dies",
        "till dies",
    ]
    out: list[str] = []
    while len(out) < count:
        text = make_message(rng, samples)
        if not ruleset.match(visible_text(text)):
            out.append(text)
    return out


def decision_cost(chat: list[str]) -> float:
    """Seconds per message of what on_message decides for chat (visible text, rules; no spoiler)."""
    from datetime import UTC, datetime

    from bot.canon.loader import load_pack
    from bot.guard.config import GuildConfig
    from bot.guard.state import GuildState

    pack, state, today = load_pack(), GuildState(GuildConfig(1)), datetime.now(UTC).date()
    for text in chat:
        state.match(pack, text, today)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < 1.0:
        for text in chat:
            state.match(pack, text, datetime.now(UTC).date())
        done += len(chat)
    return (time.perf_counter() - start) / done


def delete_time(emu: Emulator, channel_id: int, message_id: int) -> float | None:
    path = f"/channels/{channel_id}/messages/{message_id}"
    for request in reversed(emu.requests):
        if request.method == "DELETE" and request.path == path:
            return request.time
    return None


async def wait_deleted(emu: Emulator, channel_id: int, message_id: int) -> float:
    await emu.wait_until(lambda: delete_time(emu, channel_id, message_id) is not None, 60.0, "a DELETE")
    found = delete_time(emu, channel_id, message_id)
    assert found is not None
    return found


async def burst(emu: Emulator, bot: BotProcess, member: Member, chat: list[str]) -> tuple[float, float]:
    """(messages per second, bot CPU seconds per message) for ``chat`` then one marker spoiler."""
    channel = emu.guild.channel("general")
    assert bot.proc is not None
    cpu_before = cpu_seconds(bot.proc.pid)
    start = time.time()
    for text in chat:
        await member.say(channel, text)
    last = await member.say(channel, f"{MARKER}!")
    done = await wait_deleted(emu, channel.id, last.id)
    await asyncio.sleep(0.5)  # let the nudge finish so its cost is not counted in the next run
    cpu = cpu_seconds(bot.proc.pid) - cpu_before
    return len(chat) / (done - start), cpu / (len(chat) + 1)


async def latencies(
    emu: Emulator, member: Member, count: int, chat: list[str], per_spoiler: int
) -> list[float]:
    """Seconds from dispatch to DELETE for ``count`` spoilers, each after ``per_spoiler`` chat messages
    sent at about 1,000 messages per second. At most 8 spoilers a second: each one costs three requests
    (mod log, delete, notice) and the emulator, like Discord, rate-limits each route per channel."""
    channel = emu.guild.channel("general")
    found: list[float] = []
    rng = random.Random(7)
    phrases = [
        "ivan dies",
        "sua dies",
        "till dies",
        "luka wins the final",
        "mizi joins the rebels",
        "이반 죽었어",
    ]
    for i in range(count):
        began = time.monotonic()
        for j in range(per_spoiler):
            await member.say(channel, chat[(i * per_spoiler + j) % len(chat)])
            if j % 10 == 9:
                await asyncio.sleep(0.01)
        sent = time.time()
        spoiler = await member.say(channel, f"omg {rng.choice(phrases)} {i}")
        found.append(await wait_deleted(emu, channel.id, spoiler.id) - sent)
        await asyncio.sleep(max(0.0, 0.125 - (time.monotonic() - began)))
    return found


def describe(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return f"{name:<34} p50 {p(0.5):6.1f} ms   p99 {p(0.99):6.1f} ms   max {ordered[-1] * 1000:6.1f} ms   (n={len(values)})"


async def start_world(tmp: Path, *, baseline: bool) -> tuple[Emulator, BotProcess, Member]:
    emu = Emulator()
    build_community(emu)
    await emu.start()
    env = {BASELINE_ENV: "1"} if baseline else {}
    module = "bench.spoiler_path" if baseline else "bot"
    bot = BotProcess(emu, tmp / ("baseline.db" if baseline else "clematis.db"), env, module=module)
    await bot.start()
    member = emu.member(emu.guild, "Mina")
    if not baseline:
        mod = emu.moderator(emu.guild)
        await run(mod, "spoilers modlog", channel=emu.guild.channel("mod-log"))
    return emu, bot, member


async def stop_world(emu: Emulator, bot: BotProcess) -> None:
    await bot.stop()
    await emu.stop()


async def measure(args: argparse.Namespace) -> None:
    chat = harmless_chat(args.messages, args.seed)
    tagged = sum("||" in m for m in chat)
    print(
        f"{len(chat)} harmless chat messages (mean {statistics.mean(map(len, chat)):.0f} chars, {tagged} with tags)"
    )
    print()
    results: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, baseline in (("baseline bot", True), ("Clematis", False)):
            emu, bot, member = await start_world(Path(tmp), baseline=baseline)
            try:
                await burst(emu, bot, member, chat[:200])  # warm-up: caches, rule compilation, JIT-free paths
                runs = [await burst(emu, bot, member, chat) for _ in range(args.repeat)]
                results[name] = (max(r[0] for r in runs), min(r[1] for r in runs))
                if not baseline:
                    isolated = await latencies(emu, member, args.spoilers, chat, per_spoiler=0)
                    loaded = await latencies(emu, member, max(20, args.spoilers // 4), chat, per_spoiler=50)
            finally:
                await stop_world(emu, bot)
    print(f"{'common case (no spoiler)':<28} {'msg/s sustained':>16} {'bot CPU µs/msg':>15}")
    for name, (rate, cpu) in results.items():
        print(f"{name:<28} {rate:>16,.0f} {cpu * 1e6:>15,.0f}")
    base_rate, base_cpu = results["baseline bot"]
    rate, cpu = results["Clematis"]
    print(
        f"Clematis / baseline: {rate / base_rate:.2f}x the throughput, {cpu / base_cpu:.2f}x the CPU per message "
        f"({(cpu - base_cpu) * 1e6:+.0f} µs/msg for the spoiler check)"
    )
    decision = decision_cost(chat)
    print(f"the decision alone, in process (GuildState.match, no spoiler): {decision * 1e6:.1f} µs/msg")
    print()
    print("spoiler: MESSAGE_CREATE dispatch → DELETE request (mod log written first, copy stored)")
    print(describe("one at a time", isolated))
    print(describe("amid chat (50 msgs per spoiler)", loaded))


def main() -> None:
    if os.environ.get(BASELINE_ENV):
        run_baseline_bot()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=3000, help="harmless messages per burst")
    parser.add_argument("--spoilers", type=int, default=200, help="spoilers for the latency figures")
    parser.add_argument("--repeat", type=int, default=3, help="bursts per bot (the best is reported)")
    parser.add_argument("--seed", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
