"""Autocomplete latency: SearchIndex.complete, and the cog's autocomplete callback itself (no network).

Run: PYTHONPATH=. python bench/lookup.py
Measures p50/p99 over 10,000 mixed queries (prefixes, typos, Hangul, empty, garbage) against the real
pack and a synthetic 10,000-entry pack, next to a baseline measured in the same run: a plain rapidfuzz
WRatio scan over every label (the obvious implementation). Targets: p99 < 2 ms real, < 10 ms at 10,000.
The callback (`cogs.lookup.autocomplete_for(kind)`, as discord.py awaits it) also cleans the query and
builds `app_commands.Choice` objects; it is driven without an event loop (it never suspends).

Round trip: ``PYTHONPATH=. python bench/lookup.py roundtrip [--count N]``. The real bot runs as a process
(``python -m bench._bench_bot``: the product plus a ``/baseline`` command that answers a constant) against
the emulator; a member with progress set runs ``/character name:ivan private:True``, ``/episode title:r5
private:True`` and ``/baseline`` one at a time, the three in a shuffled order each round, each timed by the
emulator from dispatching INTERACTION_CREATE to receiving the bot's callback (the harness waking up is
not the bot's time; its own garbage collector is paused while it measures). The first fifth of the rounds
warms up. Reported: p50, p90, p99 of each and the ratios to the baseline. Target: each lookup's p99 within
1.3x of the baseline's p99. With ``--database-url postgresql://…`` the bot keeps its data in that
PostgreSQL database (migrated on start) instead of a fresh SQLite file.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from rapidfuzz import fuzz, process

from bot.canon.loader import load_pack
from bot.canon.model import CanonPack, Character, Episode, Term
from bot.canon.search import SearchIndex
from bot.canon.store import CanonStore
from cogs.lookup import autocomplete_for

QUERIES = 10_000
SYLLABLES = "ka ri mo su ta ne lu vi an el zo mi ha yu no ro sa ti be do ge ju".split()
HANGUL = "가나다라마바사아자차카타파하루미지수틸이반현우"
GARBAGE = [
    "x" * 100,
    "🔥🔥🔥 😭",
    "\u200b\u200b\u200d",
    "**__~~spoiler~~__**",
    "@everyone",
    "<@123456789012345678>",
    "||hidden|| `code`",
    "ａｂｃ１２３",
]


def synthetic_pack(size: int, rng: random.Random) -> CanonPack:
    def word() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))

    def name() -> str:
        return " ".join(word().title() for _ in range(rng.randint(1, 3)))

    def hangul() -> str:
        return "".join(rng.choice(HANGUL) for _ in range(rng.randint(2, 3)))

    n_episodes, n_characters = size * 2 // 5, size * 2 // 5
    episodes = []
    for i in range(n_episodes):
        track = f"t{i % 8}"
        previous = f"e{i - 8}" if i >= 8 else None
        episodes.append(
            Episode(
                id=f"e{i}",
                track=track,
                kind="round",
                title=name(),
                premise="",
                after=previous,
                aliases=(word(), f"round {i}"),
                title_ko=hangul(),
            )
        )
    episodes.sort(key=lambda e: (e.track, int(e.id[1:])))
    characters = [
        Character(
            id=f"c{i}",
            name=name(),
            role="",
            summary="",
            first_appearance="e0",
            hangul=hangul(),
            aliases=(word(),),
            main=i < 6,
        )
        for i in range(n_characters)
    ]
    terms = [
        Term(id=f"t{i}", name=name(), summary="", first_appearance="e0", aliases=(word(),))
        for i in range(size - n_episodes - n_characters)
    ]
    return CanonPack("synthetic", "0", tuple(episodes), tuple(characters), tuple(terms))


def names_of(pack: CanonPack) -> list[str]:
    return (
        [e.title for e in pack.episodes]
        + [a for e in pack.episodes for a in e.aliases]
        + [c.name for c in pack.characters]
        + [c.hangul for c in pack.characters if c.hangul]
        + [t.name for t in pack.terms]
    )


def typo(text: str, rng: random.Random) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    edit = rng.choice(("swap", "drop", "double"))
    if edit == "swap":
        return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
    if edit == "drop":
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]


def mixed_queries(pack: CanonPack, rng: random.Random) -> list[tuple[str, tuple[str, ...]]]:
    names = names_of(pack)
    kinds_choices: list[tuple[str, ...]] = [
        ("character",),
        ("episode",),
        ("term",),
        ("character", "episode", "term"),
    ]
    out = []
    for _ in range(QUERIES):
        roll = rng.random()
        source = rng.choice(names)
        if roll < 0.40:  # typing a prefix
            query = source[: rng.randint(1, max(1, len(source)))]
        elif roll < 0.65:  # a typo in a prefix or whole name
            query = typo(source[: rng.randint(3, max(3, len(source)))], rng)
        elif roll < 0.75:  # Hangul
            query = rng.choice([n for n in names if any("\uac00" <= ch <= "\ud7a3" for ch in n)] or ["루카"])
            query = query[: rng.randint(1, len(query))]
        elif roll < 0.85:
            query = ""
        else:
            query = rng.choice(GARBAGE)
        out.append((query, rng.choice(kinds_choices)))
    return out


def measure(
    call: Callable[[str, tuple[str, ...]], object], queries: list[tuple[str, tuple[str, ...]]]
) -> list[float]:
    timings = []
    for query, kinds in queries:
        start = time.perf_counter()
        call(query, kinds)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=1000)[int(p * 10) - 1]


def run(label: str, pack: CanonPack, target_ms: float, rng: random.Random) -> None:
    start = time.perf_counter()
    index = SearchIndex(pack)
    build_ms = (time.perf_counter() - start) * 1000
    queries = mixed_queries(pack, rng)

    def handler(query: str, kinds: tuple[str, ...]) -> list[tuple[str, str]]:
        # What the autocomplete callback does besides the network: search, then name/value pairs.
        return [(m.label, m.id) for m in index.complete(query, kinds=kinds, limit=25)]

    labels = names_of(pack)

    def baseline(query: str, kinds: tuple[str, ...]) -> object:
        return process.extract(query, labels, scorer=fuzz.WRatio, limit=25)

    # The cog's callback, as discord.py calls it, minus the network: a fake interaction whose client
    # holds the store. It has no awaits inside, so one send() runs it to completion.
    interaction: Any = SimpleNamespace(client=SimpleNamespace(canon=CanonStore(pack)))
    interaction.client.canon.index = index
    callbacks = {kind: autocomplete_for(kind) for kind in ("character", "episode", "term")}

    def cog_callback(query: str, kinds: tuple[str, ...]) -> object:
        coro = callbacks[kinds[0]](interaction, query)
        try:
            coro.send(None)
        except StopIteration as done:
            return done.value
        raise RuntimeError("the autocomplete callback suspended")

    ours = measure(handler, queries)
    cog = measure(cog_callback, queries)
    base = measure(baseline, queries[:2000])
    p50, p99 = statistics.median(ours), percentile(ours, 99)
    b50, b99 = statistics.median(base), percentile(base, 99)
    verdict = "OK" if p99 < target_ms else "MISSED"
    print(
        f"{label}: {len(pack.episodes) + len(pack.characters) + len(pack.terms)} entries, index built in {build_ms:.1f} ms"
    )
    print(
        f"  complete(): p50 {p50:.3f} ms  p99 {p99:.3f} ms  max {max(ours):.3f} ms  (target p99 < {target_ms} ms: {verdict})"
    )
    c50, c99 = statistics.median(cog), percentile(cog, 99)
    verdict = "OK" if c99 < target_ms else "MISSED"
    print(
        f"  cog autocomplete callback: p50 {c50:.3f} ms  p99 {c99:.3f} ms  max {max(cog):.3f} ms  "
        f"(target p99 < {target_ms} ms: {verdict}; x{c99 / p99:.2f} of complete() at p99)"
    )
    print(f"  baseline WRatio scan (2,000 queries): p50 {b50:.3f} ms  p99 {b99:.3f} ms")
    print(f"  ratio baseline/ours: p50 x{b50 / p50:.1f}  p99 x{b99 / p99:.1f}")


ROUND_TRIPS = {
    "/character": ("character", {"name": "ivan", "private": True}),
    "/episode": ("episode", {"title": "r5", "private": True}),
    "/baseline": ("baseline", {}),
}


async def round_trips(count: int, database_url: str | None = None) -> None:
    import gc
    import tempfile
    from pathlib import Path

    from _common import answer_times, ms

    from tests.conftest import build_community
    from tests.emulator import Emulator
    from tests.emulator.process import BotProcess

    emulator = Emulator(validate_spec=False)  # schema checks are emulator work that would bias the ratio
    build_community(emulator)
    await emulator.start()
    replies: dict[str, list[Any]] = {name: [] for name in ROUND_TRIPS}
    order = list(ROUND_TRIPS)
    rng = random.Random(14)
    with tempfile.TemporaryDirectory() as tmp:
        storage = {"DATABASE_URL": database_url} if database_url else {}
        bot = BotProcess(emulator, Path(tmp) / "clematis.db", storage, module="bench._bench_bot")
        await bot.start()
        try:
            member = emulator.member(emulator.guild, "Mina")
            await member.slash("progress set", episode="r6")
            gc.collect()
            gc.disable()  # this process's pauses are not the bot's
            for i in range(count + count // 5):  # the first fifth warms up
                rng.shuffle(order)
                for name in order:
                    command, options = ROUND_TRIPS[name]
                    reply = await member.slash(command, **options)
                    assert reply.ephemeral and reply.text, reply.describe()
                    if i >= count // 5:
                        replies[name].append(reply)
            gc.enable()
            samples = {name: answer_times(emulator, these)[1] for name, these in replies.items()}
        finally:
            gc.enable()
            await bot.stop()
            await emulator.stop()
    base50, base99 = statistics.median(samples["/baseline"]), percentile(samples["/baseline"], 99)
    where = "PostgreSQL" if database_url else "SQLite"
    print(
        f"Dispatch to answer through the emulator on {where}, {count} of each, one at a time in shuffled order "
        "(member with progress set)"
    )
    for name, values in samples.items():
        p50, p90, p99 = statistics.median(values), percentile(values, 90), percentile(values, 99)
        verdict = (
            ""
            if name == "/baseline"
            else f"  p50 {p50 / base50:.2f}x, p99 {p99 / base99:.2f}x the baseline (target p99 <= 1.3x)"
        )
        print(f"  {name:<11} p50 {ms(p50):>9}  p90 {ms(p90):>9}  p99 {ms(p99):>9}{verdict}")


def main() -> None:
    import argparse
    import asyncio

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("part", nargs="?", choices=("autocomplete", "roundtrip"), default="autocomplete")
    parser.add_argument("--count", type=int, default=1000, help="round trips of each command")
    parser.add_argument("--database-url", help="roundtrip on this PostgreSQL database instead of SQLite")
    args = parser.parse_args()
    if args.part == "roundtrip":
        asyncio.run(round_trips(args.count, args.database_url))
        return
    rng = random.Random(50)
    run("real pack", load_pack(), 2.0, rng)
    run("synthetic pack", synthetic_pack(10_000, rng), 10.0, rng)


if __name__ == "__main__":
    main()
