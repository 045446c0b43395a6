"""Benchmark: spoiler matching throughput against a naive regex-per-rule baseline.

Run: ``PYTHONPATH=. python bench/spoilers.py [--messages N] [--seed S]``

Chat is generated here (mixed English and Korean, 5-300 characters, emoji, mentions, mostly
harmless, some spoilers, some ``||tags||``). For rule sets of 10, 1,000 and 10,000 synthetic
phrases it measures messages per second of ``visible_text`` + ``RuleSet.match`` and of a naive
baseline in the same run: ``visible_text`` + ``normalize`` + one precompiled ``re.search`` per
rule (``\\b`` boundaries for Latin phrases, none for Hangul).

Targets: at least 20x the naive baseline at 1,000 rules; the 10,000-rule cost at most 2x the
10-rule cost.
"""

from __future__ import annotations

import argparse
import random
import re
import time
from collections.abc import Callable

from bot.spoilers import Rule, RuleSet, compile_rules, normalize, visible_text
from bot.spoilers.normalize import is_cjk

NAMES = ["mizi", "sua", "till", "ivan", "luka", "hyuna", "durian", "hyunwoo", "unsha", "acorn"]
HANGUL_NAMES = ["미지", "수아", "틸", "이반", "루카", "현아", "두리안", "현우"]
VERBS = [
    "dies", "died", "gets shot", "wins", "loses", "kills", "kisses", "strangles", "survives", "saves",
    "betrays", "sings", "escapes", "rescues", "beats", "stabs", "forgives", "hallucinates", "falls",
    "cries", "screams", "burns", "shoots", "chokes", "leaves", "returns", "breaks", "attacks",
]  # fmt: skip
OBJECTS = [
    "the final", "the stage", "round 6", "the rocket", "the rebels", "the guitar", "season 50",
    "the audience", "the guard", "the alien", "his guardian", "the crowd", "the duet", "the gun",
    "the flowers", "the garden", "the show", "the necklace", "the mic", "the spotlight",
]  # fmt: skip
HANGUL_VERBS = ["죽", "총 맞", "이겨", "져", "살아", "구해", "배신", "노래", "도망", "울", "때려", "용서"]
FILLER_EN = [
    "lol", "omg", "i love this song", "the animation is so pretty", "who else is rewatching",
    "can't stop listening", "the vocals!!", "fanart incoming", "good morning everyone", "anyone up?",
    "my fav mv", "this fandom is wild", "until tomorrow", "still studying for exams", "the colors tho",
    "what time is the watch party", "drawing till tonight", "tilled the garden lmao", "new merch",
]  # fmt: skip
FILLER_KO = [
    "ㅋㅋㅋㅋ",
    "진짜 좋다",
    "노래 최고",
    "오늘 같이 볼 사람",
    "그림 그렸어요",
    "아 너무 슬퍼 ㅠㅠ",
    "뮤비 다시 봤어",
]
EMOJI = ["😭", "💀", "🔥", "✨", "🥺", "<:mizi_cry:1234567890>", "❤️", "👀"]
MENTIONS = ["<@123456789012345678>", "@here", "<#987654321098765432>", "<@&555555555555555555>"]


def make_rules(count: int, rng: random.Random) -> list[Rule]:
    """``count`` distinct synthetic phrases, about one in eight Hangul."""
    phrases: set[str] = set()
    rules: list[Rule] = []
    episodes = ["R1", "R2", "R3", "R4", "R5", "TOP3", "R6", "ALLIN", "FINAL", "KARMA", "WIEGE"]
    while len(rules) < count:
        kind = rng.random()
        if kind < 0.125:
            phrase = f"{rng.choice(HANGUL_NAMES)} {rng.choice(HANGUL_VERBS)}"
            if rng.random() < 0.5:
                phrase += f" {rng.choice(HANGUL_VERBS)}"
        elif kind < 0.2:
            phrase = f"{rng.choice(NAMES)}"[: rng.randint(3, 8)] + rng.choice(["ified", "ism", "core"])
        else:
            phrase = f"{rng.choice(NAMES)} {rng.choice(VERBS)}"
            if rng.random() < 0.6:
                phrase += f" {rng.choice(OBJECTS)}"
            if rng.random() < 0.2:
                phrase = f"{rng.choice(NAMES)} and {phrase}"
        if phrase not in phrases:
            phrases.add(phrase)
            rules.append(Rule(rng.choice(episodes), phrase, "canon" if len(rules) < 300 else "mod"))
    return rules


def make_message(rng: random.Random, spoilers: list[str]) -> str:
    parts: list[str] = []
    target = rng.choice([5, 20, 40, 80, 150, 300])
    while sum(len(p) + 1 for p in parts) < target:
        roll = rng.random()
        if roll < 0.45:
            parts.append(rng.choice(FILLER_EN))
        elif roll < 0.65:
            parts.append(rng.choice(FILLER_KO))
        elif roll < 0.8:
            parts.append(rng.choice(EMOJI))
        elif roll < 0.86:
            parts.append(rng.choice(MENTIONS))
        elif roll < 0.92:
            parts.append(
                f"{rng.choice(NAMES).title()} {rng.choice(['is so pretty', 'my beloved', 'fanart'])}"
            )
        elif roll < 0.985:
            parts.append(f"||{rng.choice(spoilers)}||")
        else:
            parts.append(rng.choice(spoilers).upper() + "!!")
    return " ".join(parts)[:300].strip() or "hi"


def naive_patterns(rules: list[Rule]) -> list[tuple[re.Pattern[str], str]]:
    patterns = []
    for rule in rules:
        words = normalize(rule.phrase).split()
        body = r"\s+".join(map(re.escape, words))
        hangul = is_cjk(words[0][0])
        patterns.append((re.compile(body if hangul else rf"\b{body}\b"), rule.episode))
    return patterns


def time_per_message(
    run: Callable[[str], object],
    messages: list[str],
    budget: float,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Seconds per message (by ``clock``), repeating over ``messages`` for at least ``budget`` seconds
    (after one untimed pass that fills caches)."""
    for message in messages:
        run(message)
    done, start = 0, clock()
    while True:
        for message in messages:
            run(message)
        done += len(messages)
        elapsed = clock() - start
        if elapsed >= budget:
            return elapsed / done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=50)
    parser.add_argument("--budget", type=float, default=1.5, help="seconds per measurement")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    spoiler_sample = [r.phrase for r in make_rules(200, random.Random(args.seed + 1))]
    messages = [make_message(rng, spoiler_sample) for _ in range(args.messages)]
    tagged = sum("||" in m for m in messages)
    mean_length = sum(map(len, messages)) / len(messages)
    print(f"{len(messages)} messages, mean {mean_length:.0f} chars, {tagged} with spoiler tags")
    print()
    header = f"{'rules':>7} {'compile ms':>10} {'fast msg/s':>11} {'naive msg/s':>12} {'speed-up':>9} {'flagged':>8}"
    print(header)
    print("-" * len(header))

    fast_cost: dict[int, float] = {}
    for size in (10, 1_000, 10_000):
        rules = make_rules(size, random.Random(args.seed + 1))
        start = time.perf_counter()
        ruleset: RuleSet = compile_rules(rules, allow=["till the end"])
        compile_ms = (time.perf_counter() - start) * 1000
        patterns = naive_patterns(rules)

        def fast(message: str, ruleset: RuleSet = ruleset) -> object:
            return ruleset.match(visible_text(message))

        def naive(message: str, patterns: list[tuple[re.Pattern[str], str]] = patterns) -> object:
            text = normalize(visible_text(message))
            return {episode for pattern, episode in patterns if pattern.search(text)}

        fast_cost[size] = time_per_message(fast, messages, args.budget)
        naive_subset = messages[: max(50, len(messages) * 10 // size)]
        naive_cost = time_per_message(naive, naive_subset, args.budget)
        flagged = sum(bool(fast(m)) for m in messages)
        print(
            f"{size:>7,} {compile_ms:>10.1f} {1 / fast_cost[size]:>11,.0f} {1 / naive_cost:>12,.0f}"
            f" {naive_cost / fast_cost[size]:>8.1f}x {flagged / len(messages):>8.1%}"
        )
    print()
    print(f"cost at 10,000 rules / cost at 10 rules: {fast_cost[10_000] / fast_cost[10]:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
