"""Timings for the interaction path: parse_when and zone_choices (prints figures; not a test).

    .venv/bin/python bench/timeparse.py

Baseline: plain `dateparser.parse` on the same inputs in the same run (the ratio is what to watch);
typed times in Korean, Japanese, Spanish and Portuguese against dateparser in those languages; the zone
index with CLDR's localised names against the same index built without them.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

import _common  # noqa: F401  (puts this working tree first on sys.path: measure its code, not an install)

T0 = time.perf_counter()
from zoneinfo import ZoneInfo  # noqa: E402

from bot.watchparty import when, zones  # noqa: E402

IMPORT_S = time.perf_counter() - T0

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
ZONE = ZoneInfo("America/New_York")
EXPLICIT = [
    "2026-12-05 20:00",
    "2026-12-05T20:00",
    "Dec 5 8pm",
    "5 Dec 20:00",
    "saturday 20:00",
    "sat 8pm",
    "tomorrow 7:30pm",
    "tonight 9pm",
    "in 3 hours",
    "in 90 minutes",
    "20:00",
    "8pm",
    "8",
    "at 8",
]
FALLBACK = [
    "8:30pm on the 5th of december",
    "Saturday, December 5, 2026 8:00 PM",
    "2026.12.05 20:00",
    "12-05-2026 8pm",
]
LOCALISED = [
    ("ko", "토요일 오후 8시"),
    ("ko", "내일 저녁 8시 반"),
    ("ko", "3시간 후"),
    ("ja", "土曜日 20時"),
    ("ja", "明日の夜8時"),
    ("es-419", "mañana a las 8 pm"),
    ("pt-BR", "amanhã às 20h"),
]
LOCALISED_QUERIES = ["서울", "서", "東京", "ソウル", "Ciudad de México", "São Paulo", "Seúl"]
QUERIES = [
    "",
    "s",
    "se",
    "seo",
    "seoul",
    "new",
    "new york",
    "nwe yrok",
    "ber",
    "kst",
    "america/",
    "sao",
    "manil",
    "zzzz",
]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {p50 * 1e3:7.3f} ms  p99 {p99 * 1e3:7.3f} ms  (n={len(ordered)})"


def parse_or_error(text: str) -> None:
    try:
        when.parse_when(text, ZONE, NOW)
    except when.WhenError:
        pass


def main() -> None:
    print(f"import bot.watchparty.when (+zones, no dateparser): {IMPORT_S * 1e3:.1f} ms")
    print(f"zones index build (first use):                   {timed(zones.warm_up) * 1e3:.1f} ms")
    print(
        f"first explicit parse (cold):                     {timed(partial(parse_or_error, 'sat 8pm')) * 1e3:.1f} ms"
    )
    print(
        f"first dateparser fallback (cold import+init):    {timed(partial(parse_or_error, FALLBACK[0])) * 1e3:.1f} ms"
    )

    import dateparser

    rounds = 200
    explicit = [timed(partial(parse_or_error, t)) for _ in range(rounds) for t in EXPLICIT]
    fallback = [timed(partial(parse_or_error, t)) for _ in range(rounds // 4) for t in FALLBACK]
    settings = {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": datetime(2026, 6, 10, 8, 0)}
    baseline = [
        timed(partial(dateparser.parse, t, languages=["en"], settings=settings))
        for _ in range(rounds)
        for t in EXPLICIT
    ]
    print(f"parse_when, explicit forms (warm):  {percentiles(explicit)}")
    print(f"parse_when, dateparser fallback:    {percentiles(fallback)}")
    print(f"baseline dateparser.parse, same explicit inputs: {percentiles(baseline)}")
    print(f"ratio p50 explicit / baseline: {statistics.median(explicit) / statistics.median(baseline):.3f}")

    choices = [timed(partial(zones.zone_choices, q)) for _ in range(rounds) for q in QUERIES]
    print(f"zone_choices (warm, {len(QUERIES)} queries):     {percentiles(choices)}")
    resolve = [timed(partial(zones.resolve_zone, "São Paulo")) for _ in range(rounds * 5)]
    print(f"resolve_zone('São Paulo'):         {percentiles(resolve)}")
    localised_choices = [
        timed(partial(zones.zone_choices, q)) for _ in range(rounds) for q in LOCALISED_QUERIES
    ]
    print(f"zone_choices, names in ko/ja/es/pt: {percentiles(localised_choices)}")

    def parse_in(locale: str, text: str) -> None:
        try:
            when.parse_when(text, ZONE, NOW, locale=locale)
        except when.WhenError:
            pass

    localised = [timed(partial(parse_in, loc, text)) for _ in range(rounds) for loc, text in LOCALISED]
    lang_settings = {**settings, "RETURN_TIME_AS_PERIOD": True}
    localised_baseline = [
        timed(partial(dateparser.parse, text, languages=[loc.split("-")[0]], settings=lang_settings))
        for _ in range(rounds // 4)
        for loc, text in LOCALISED
    ]
    print(f"parse_when, typed in ko/ja/es/pt:   {percentiles(localised)}")
    print(f"baseline dateparser in those languages: {percentiles(localised_baseline)}")
    print(
        f"ratio p50 localised / baseline: {statistics.median(localised) / statistics.median(localised_baseline):.3f}"
    )

    with_names = timed(_rebuild_index)
    saved = zones._localized_places
    zones._localized_places = lambda *_args: []  # type: ignore[assignment]
    try:
        without_names = timed(_rebuild_index)
        plain = [timed(partial(zones.zone_choices, q)) for _ in range(rounds) for q in QUERIES]
    finally:
        zones._localized_places = saved  # type: ignore[assignment]
        _rebuild_index()
    print(
        f"zone index build: {with_names * 1e3:.1f} ms with CLDR names, {without_names * 1e3:.1f} ms without"
    )
    print(f"zone_choices without CLDR names (same queries): {percentiles(plain)}")
    print(
        f"ratio p50 zone_choices with / without names: {statistics.median(choices) / statistics.median(plain):.3f}"
    )


def _rebuild_index() -> None:
    zones._index.cache_clear()
    zones._index()


if __name__ == "__main__":
    main()
