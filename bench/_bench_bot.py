"""The real bot (``bot.__main__.main``) with benchmark-only hooks; run as ``python -m bench._bench_bot``.

- ``/baseline``: a slash command that answers a constant, ephemerally: the yardstick ``/about`` is measured
  against, in the same process and run. The product ships no such command.
- ``CLEMATIS_BENCH_TRACEMALLOC=1``: trace allocations and, once the gateway is ready, log what the session
  added since ``setup_hook`` (by source file) and how many objects discord.py caches.
"""

from __future__ import annotations

import os
import sys
import tracemalloc

TRACE = os.environ.get("CLEMATIS_BENCH_TRACEMALLOC") == "1"
if TRACE:
    tracemalloc.start()

import logging  # noqa: E402

import discord  # noqa: E402
from discord import app_commands  # noqa: E402

from bot.__main__ import main  # noqa: E402
from bot.client import Clematis  # noqa: E402

log = logging.getLogger("clematis.bench")
_before_connect: list[tracemalloc.Snapshot] = []


@app_commands.command(name="baseline", description="Answers a constant (benchmark yardstick)")
async def baseline(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("ok", ephemeral=True)


_setup_hook = Clematis.setup_hook
_on_ready = Clematis.on_ready


async def setup_hook(self: Clematis) -> None:
    self.tree.add_command(baseline)
    await _setup_hook(self)
    if TRACE:
        _before_connect.append(tracemalloc.take_snapshot())


async def on_ready(self: Clematis) -> None:
    if TRACE and _before_connect:
        report_memory(self, _before_connect.pop())
    await _on_ready(self)


def report_memory(bot: Clematis, before: tracemalloc.Snapshot) -> None:
    diff = tracemalloc.take_snapshot().compare_to(before, "filename")
    total = sum(stat.size_diff for stat in diff)
    guilds = bot.guilds
    log.info(
        "bench-memory: objects guilds=%d channels=%d roles=%d members=%d emojis=%d",
        len(guilds),
        sum(len(g.channels) for g in guilds),
        sum(len(g.roles) for g in guilds),
        sum(len(g.members) for g in guilds),
        sum(len(g.emojis) for g in guilds),
    )
    log.info("bench-memory: total %+d", total)
    for stat in sorted(diff, key=lambda s: s.size_diff, reverse=True)[:8]:
        name = stat.traceback[0].filename
        short = name.split("site-packages/")[-1] if "site-packages/" in name else name
        log.info("bench-memory: file %s %+d %+d", short, stat.size_diff, stat.count_diff)


Clematis.setup_hook = setup_hook  # type: ignore[method-assign]
Clematis.on_ready = on_ready  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main())
