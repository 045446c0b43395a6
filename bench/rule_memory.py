"""Benchmark: memory and compile time of servers with their own spoiler rules (shared canon rule sets).

Run: ``PYTHONPATH=. python bench/rule_memory.py [--servers N]``

Builds a real database (temporary SQLite file) with N configured servers: with the default rules (each
server only sets its action, so it is configured but checks the canon rules), with one rule of its own
per server (a different phrase of letters each, "ivan cries bdf": names, inflected forms and joined
letters all compiled), and the same with one server in ten also allowing a phrase (matched alongside the
shared set, masking canon hits too). Each time the real
``SpoilerCache`` loads every server (``load_all``: everything is compiled there), and the Python heap
it holds is measured with tracemalloc. Reported, in the same run:

* memory above the default configuration for N servers with their own rule (target: <= 10 MiB);
* the same for the previous design, where each such server compiled a private copy of the canon
  rules (``compile_guild_rules``), as the yardstick;
* load time per server, a canon reload (the canon set is compiled once per horizon in use; a server's
  addition is kept when it would compile the same), and how
  many rule sets were compiled while every server then checked messages (target: none).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from bot.canon.store import CanonStore
from bot.db import Database
from bot.guard import rules as rules_module
from bot.guard.cache import SpoilerCache
from bot.guard.rules import compile_guild_rules, phrase_key

CHAT = ["good morning!", "ivan dies", "the vocals in ROUND 6", "수아 최고", "mizi cries at the end"]


def letters(n: int) -> str:
    """A word of its own for each server ("bababa", "bababe", ...): letters, so it is also joined."""
    word = ""
    for _ in range(3):
        n, rest = divmod(n, len(_SYLLABLES))
        word = _SYLLABLES[rest] + word
    return word


_SYLLABLES = [c + v for c in "bdfgklmnprtvz" for v in "aeiou"]


async def seed(db: Database, servers: int, *, own_rule: bool, allow_every: int = 0) -> None:
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO guild_spoiler_settings (guild_id, action) VALUES (?, 'flag')",
            [(1000 + g,) for g in range(servers)],
        )
        if own_rule:
            phrases = [f"ivan cries {letters(g)}" for g in range(servers)]
            await conn.executemany(
                "INSERT INTO spoiler_rules (guild_id, episode_id, phrase, phrase_key, added_by) "
                "VALUES (?, 'r6', ?, ?, 1)",
                [(1000 + g, phrase, phrase_key(phrase)) for g, phrase in enumerate(phrases)],
            )
        if own_rule and allow_every:
            await conn.executemany(
                "INSERT INTO spoiler_allow (guild_id, phrase, phrase_key) VALUES (?, ?, ?)",
                [
                    (1000 + g, "ivan dies on stage", phrase_key("ivan dies on stage"))
                    for g in range(0, servers, allow_every)
                ],
            )


async def held_memory(
    tmp: Path, servers: int, *, own_rule: bool, allow_every: int = 0
) -> tuple[int, float, SpoilerCache, Database]:
    """(bytes the loaded cache holds, seconds to load it, the cache, its database)."""
    db = Database(tmp / f"{'own' if own_rule else 'default'}-{allow_every}.sqlite3")
    await db.open()
    await db.migrate()
    await seed(db, servers, own_rule=own_rule, allow_every=allow_every)
    canon = CanonStore.load()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    cache = SpoilerCache(db, canon)
    await cache.load_all()
    elapsed = time.perf_counter() - started
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return held, elapsed, cache, db


def private_copies_memory(cache: SpoilerCache, servers: int) -> int:
    """The previous design: every server with its own rule compiled the canon rules again."""
    pack = cache.canon.pack
    configs = [s.config for s in cache._states.values()][:servers]  # noqa: SLF001 - the yardstick
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = [compile_guild_rules(pack, s_public(cache, c.guild_id), c.rules, c.allow) for c in configs]
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del kept
    return held


def s_public(cache: SpoilerCache, guild_id: int):  # noqa: ANN201
    state = cache.state(guild_id)
    assert state is not None
    return state.public


async def measure(args: argparse.Namespace) -> None:
    n = args.servers
    mib = 1024 * 1024
    with tempfile.TemporaryDirectory() as tmp:
        base, base_time, _, base_db = await held_memory(Path(tmp), n, own_rule=False)
        await base_db.close()
        with_allow, _, _, allow_db = await held_memory(Path(tmp), n, own_rule=True, allow_every=10)
        await allow_db.close()
        own, own_time, cache, db = await held_memory(Path(tmp), n, own_rule=True)
        sample = min(n, 50)
        private = private_copies_memory(cache, sample) * n / sample
        compiled: list[int] = []
        real = rules_module.compile_rules

        def counting(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            compiled.append(1)
            return real(*args, **kwargs)

        rules_module.compile_rules = counting  # type: ignore[assignment]
        try:
            pack, today = cache.canon.pack, datetime.now(UTC).date()
            started = time.perf_counter()
            for state in list(cache._states.values()):  # noqa: SLF001
                for text in CHAT:
                    state.match(pack, text, today)
            match_time = time.perf_counter() - started
            on_message_path = len(compiled)
            started = time.perf_counter()
            cache.canon.reload()
            reload_time = time.perf_counter() - started
            reload_compiles = len(compiled) - on_message_path
        finally:
            rules_module.compile_rules = real  # type: ignore[assignment]
        await db.close()
    print(f"{n:,} configured servers")
    print(f"  default configuration held:          {base / mib:8.2f} MiB   (loaded in {base_time:.2f} s)")
    print(f"  each with its own rule held:         {own / mib:8.2f} MiB   (loaded in {own_time:.2f} s)")
    print(f"  above the default configuration:    {(own - base) / mib:8.2f} MiB   (target <= 10 MiB)")
    print(
        f"  ... and one in ten also with an allow-list:  {(with_allow - base) / mib:8.2f} MiB above the default"
    )
    print(
        f"  a private canon copy each (the design before shared sets, with this matcher): {private / mib:.2f} MiB "
        f"(estimated from {sample} servers)"
    )
    print(f"  canon sets compiled (one per horizon in use): {cache.compiled_count}")
    print(
        f"  messages checked: {n * len(CHAT):,} in {match_time:.2f} s; rule sets compiled meanwhile: "
        f"{on_message_path} (target 0)"
    )
    print(
        f"  /canon-reload: {reload_time * 1000:.0f} ms, {reload_compiles:,} compiles (the canon set once; an "
        "addition that would compile the same is kept)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=5000)
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
