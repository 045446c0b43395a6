"""Benchmark: bot CPU per clean chat message, Clematis against a bare discord.py client.

Run: ``PYTHONPATH=. python bench/message_cpu.py [--messages N] [--rounds R]``

Each bot runs in a fresh process (``python -m bot`` for Clematis) against its own emulator with the
same community server; the two alternate for ``--rounds`` rounds, so drift on a shared machine hits
both. Each round sends N harmless chat messages (the common case: nothing to flag; the generator of
``bench/spoilers.py``, many with ``||tags||``, names and Korean) and then one spoiler, and reads the bot
process's CPU time (``/proc``) from before the first message to the spoiler's DELETE. The baseline is a
plain ``discord.Client`` with Clematis's intents and caches whose only listener deletes the marker
spoiler: the cost of receiving and parsing messages that any discord.py bot pays. (Clematis decides on
the raw event, before discord.py builds a Message, that ordinary chat needs nothing more: its guard
matches every message's text, then passes the clean ones over; the baseline's ``on_message`` needs the
Message.) The ratio is Clematis's CPU per message over the baseline's, best round of each (target: at
most 1.5x).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from bench.spoiler_path import MARKER, burst, client_options, harmless_chat, serve
from tests.conftest import build_community
from tests.emulator import Emulator
from tests.emulator.process import BotProcess
from tests.guard.conftest import run

BARE_ENV = "CLEMATIS_BENCH_BARE_CLIENT"


def run_bare_client() -> None:
    """A bare discord.py client (not commands.Bot): Clematis's intents and caches, one listener."""
    import logging

    import discord

    class Bare(discord.Client):
        async def on_ready(self) -> None:
            logging.getLogger("bare").info("Clematis is ready (bare discord.py client)")

        async def on_message(self, message: discord.Message) -> None:
            if message.guild is not None and not message.author.bot and MARKER in message.content.lower():
                await message.delete()

    serve(Bare(**client_options()))


async def one_round(tmp: Path, chat: list[str], *, bare: bool) -> float:
    """Bot CPU seconds per message for one fresh process (after a warm-up burst)."""
    emu = Emulator()
    build_community(emu)
    await emu.start()
    env = {BARE_ENV: "1"} if bare else {}
    name = f"{'bare' if bare else 'clematis'}-{time.monotonic_ns()}.db"  # a fresh database each round
    bot = BotProcess(emu, tmp / name, env, module="bench.message_cpu" if bare else "bot")
    try:
        await bot.start()
        member = emu.member(emu.guild, "Mina")
        if not bare:  # the spoiler's nudge is logged like in a configured server
            await run(emu.moderator(emu.guild), "spoilers modlog", channel=emu.guild.channel("mod-log"))
        await burst(emu, bot, member, chat[:300])  # warm-up
        _, cpu = await burst(emu, bot, member, chat)
        return cpu
    finally:
        await bot.stop()
        await emu.stop()


async def measure(args: argparse.Namespace) -> None:
    chat = harmless_chat(args.messages, args.seed)
    print(f"{len(chat)} harmless chat messages per burst, {args.rounds} rounds, each bot in a fresh process")
    results: dict[str, list[float]] = {"bare discord.py client": [], "Clematis": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for name, bare in (("bare discord.py client", True), ("Clematis", False)):
                results[name].append(await one_round(Path(tmp), chat, bare=bare))
    for name, values in results.items():
        shown = ", ".join(f"{v * 1e6:.0f}" for v in values)
        print(f"{name:<24} CPU µs/msg: best {min(values) * 1e6:6.1f}   (rounds: {shown})")
    ratio = min(results["Clematis"]) / min(results["bare discord.py client"])
    print(f"Clematis / bare client: {ratio:.2f}x the CPU per clean message (target <= 1.5x)")


def main() -> None:
    if os.environ.get(BARE_ENV):
        run_bare_client()
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=3000, help="harmless messages per burst")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per bot")
    parser.add_argument("--seed", type=int, default=50)
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
