"""Understand what people type for a party's start ("sat 8pm", "tomorrow 7:30pm", "in 3 hours").

Explicit patterns handle the common forms: they are exact about what was *not* said (no am/pm, no date,
"next saturday"), which dateparser silently guesses (`8` becomes 1 August, `friday at 8` becomes
10 August), and they cost microseconds. dateparser (English only: language detection costs up to
seconds on junk) is the fallback for longer phrasings such as "december 5th at 8pm".

Other languages (Korean, Japanese, Spanish, Portuguese) are rewritten into these forms first
(`bot.watchparty.when_l10n`), so they get the same checks; dateparser then reads them in that language.

Wall times are resolved in the given zone with the DST rules of `zoneinfo`; `now` is always injected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.i18n import N_, _, _n, current_locale
from bot.watchparty.durations import parse_duration
from bot.watchparty.walltime import WallTime, describe, describe_day, resolve_wall
from bot.watchparty.when_l10n import language_of, to_english
from bot.watchparty.zones import (
    AMBIGUOUS_ABBREVIATIONS,
    UNAMBIGUOUS_ABBREVIATIONS,
    ZoneError,
    fold,
    resolve_zone,
)

MAX_AHEAD = timedelta(days=731)
MAX_INPUT = 80
EXAMPLES = N_("Try `2026-12-05 20:00`, `Dec 5 8pm`, `saturday 20:00`, `tomorrow 7:30pm` or `in 3 hours`.")


class WhenError(ValueError):
    """Input we cannot turn into a future start time; `str(err)` is a message fit for the user."""


@dataclass(frozen=True)
class WhenResult:
    """A parsed start time.

    `utc`/`local` hold the default reading. `options` holds every UTC reading worth offering (always at
    least one, the default first when unambiguous, chronological otherwise). When `needs_confirmation`
    is set, show it and let the user pick one of `options` (see `option_labels`).
    """

    local: datetime
    utc: datetime
    zone: ZoneInfo
    needs_confirmation: str | None = None
    options: list[datetime] = field(default_factory=list)

    def option_labels(self) -> list[str]:
        return [describe(option, self.zone) for option in self.options]


Part = Literal["am", "pm"]

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "weds", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}
_PARTS_OF_DAY: dict[str, Part] = {"morning": "am", "afternoon": "pm", "evening": "pm", "night": "pm"}
_DAY_WORDS: dict[str, tuple[int, Part | None]] = {
    "today": (0, None),
    "tonight": (0, "pm"),
    "tomorrow": (1, None),
    "tmr": (1, None),
    "tmrw": (1, None),
    "tomorow": (1, None),
}

_TIME = r"(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ap>am|pm|a|p)?|(?P<word>noon|midday|midnight)"
_TIME_AT_END = re.compile(rf"(?:(?P<date>.+?)\s+)?(?:{_TIME})")
_TIME_AT_START = re.compile(rf"(?:{_TIME})\s+(?P<date>.+)")
_ISO_DATE = re.compile(r"(?P<y>\d{4})[-/](?P<mo>\d{1,2})[-/](?P<d>\d{1,2})")
_ISO_JOINED = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})t(\d)")
_SUFFIX = r"(?:st|nd|rd|th)?"
_MONTH_DAY = re.compile(rf"(?P<mon>[a-z]+)\s*(?P<d>\d{{1,2}}){_SUFFIX}(?:\s+(?P<y>\d{{4}}))?")
_DAY_MONTH = re.compile(rf"(?P<d>\d{{1,2}}){_SUFFIX}\s*(?:of\s+)?(?P<mon>[a-z]+)(?:\s+(?P<y>\d{{4}}))?")
_ORDINAL_DAY = re.compile(r"(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)")
_SLASHED = re.compile(r"(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?")
_NAMED_DAY = re.compile(
    r"(?:(?P<rel>next|this|coming|this coming)\s+)?(?P<word>[a-z]+)(?:\s+(?P<part>[a-z]+))?"
)
_IN = re.compile(r"in\s+(?P<span>.+)")
_FILLERS = re.compile(r"\b(?:at|on|around|@|o'?clock)\b|@")


@dataclass(frozen=True)
class _Clock:
    hour: int
    minute: int
    ambiguous: bool  # 1..11 without am/pm and without a leading zero: morning or evening?
    midnight: bool


@dataclass(frozen=True)
class _Dates:
    """Which calendar day(s) the text names. `days` empty means "no date: next occurrence"."""

    days: tuple[date, ...]
    rolling: Literal["none", "next_day", "next_week"]
    part: Part | None
    reason: str | None  # why several days are offered


def _clean(text: str) -> str:
    cleaned = text.strip().lower().replace("a.m.", "am").replace("p.m.", "pm").replace(",", " ")
    cleaned = _ISO_JOINED.sub(r"\1 \2", cleaned)
    cleaned = _FILLERS.sub(" ", cleaned)
    return " ".join(cleaned.split()).rstrip(".!?")


def _clock(match: re.Match[str], part: Part | None) -> _Clock | None:
    word = match.group("word")
    if word:
        return _Clock(0 if word == "midnight" else 12, 0, False, word == "midnight")
    raw_hour = match.group("h")
    hour, minute = int(raw_hour), int(match.group("m") or 0)
    marker = match.group("ap")
    if minute > 59:
        return None
    if marker:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if marker.startswith("p") else 0)
        return _Clock(hour, minute, False, False)
    if hour > 23:
        return None
    if 1 <= hour <= 11 and not raw_hour.startswith("0"):
        if part == "pm":
            return _Clock(hour + 12, minute, False, False)
        if part == "am":
            return _Clock(hour, minute, False, False)
        return _Clock(hour, minute, True, False)
    return _Clock(hour, minute, False, False)  # "00:00 saturday" is the start of Saturday, as written


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year_of(y: str | None) -> int | None:
    if y is None:
        return None
    return int(y) + 2000 if len(y) == 2 else int(y)


def _calendar_day(month: int, day: int, year: int | None, today: date) -> date | None:
    if year is not None:
        return _safe_date(year, month, day)
    this_year = _safe_date(today.year, month, day)
    if this_year is not None and this_year >= today:
        return this_year
    return _safe_date(today.year + 1, month, day) or this_year


def _dates(text: str, today: date, said: str | None = None) -> _Dates | None:
    """Parse the date half of the input, or None if it is not one of our forms."""
    if not text:
        return _Dates((), "next_day", None, None)
    if m := _ISO_DATE.fullmatch(text):
        day = _safe_date(int(m["y"]), int(m["mo"]), int(m["d"]))
        return _Dates((day,), "none", None, None) if day else None
    for pattern in (_MONTH_DAY, _DAY_MONTH):
        if (m := pattern.fullmatch(text)) and m["mon"] in _MONTHS:
            day = _calendar_day(_MONTHS[m["mon"]], int(m["d"]), _year_of(m["y"]), today)
            return _Dates((day,), "none", None, None) if day else None
    if m := _ORDINAL_DAY.fullmatch(text):  # "the 5th": the next 5th of a month
        first_of_month = today.replace(day=1)
        for _attempt in range(3):  # a 31st may skip a month or two
            found = _safe_date(first_of_month.year, first_of_month.month, int(m["d"]))
            if found and found >= today:
                return _Dates((found,), "none", None, None)
            first_of_month = (first_of_month + timedelta(days=32)).replace(day=1)
        return None
    if m := _SLASHED.fullmatch(text):
        a, b, year = int(m["a"]), int(m["b"]), _year_of(m["y"])
        readings = []
        for month, day_of_month in ((a, b), (b, a)):  # month/day (US) and day/month (most places)
            if 1 <= month <= 12:
                found = _calendar_day(month, day_of_month, year, today)
                if found and found not in readings:
                    readings.append(found)
        if not readings:
            return None
        reason = None
        if len(readings) > 1:
            reason = _(
                "`{typed}` could be {first} or {second}: pick one.",
                typed=m.group(0),
                first=describe_day(readings[0]),
                second=describe_day(readings[1]),
            )
        return _Dates(tuple(readings), "none", None, reason)
    if m := _NAMED_DAY.fullmatch(text):
        part = _PARTS_OF_DAY.get(m["part"] or "") if m["part"] else None
        if m["part"] and part is None:
            return None
        word, rel = m["word"], m["rel"]
        if word in _DAY_WORDS and rel is None:
            offset, implied = _DAY_WORDS[word]
            return _Dates((today + timedelta(days=offset),), "none", part or implied, None)
        if rel == "this" and word in _PARTS_OF_DAY and part is None:  # "this evening"
            return _Dates((today,), "none", _PARTS_OF_DAY[word], None)
        if word in _WEEKDAYS:
            ahead = (_WEEKDAYS[word] - today.weekday()) % 7
            upcoming = today + timedelta(days=ahead)
            if rel == "next":
                later = upcoming + timedelta(days=7)
                reason = _(
                    "“{typed}” could mean {first} or {second}: pick one.",
                    typed=said or f"next {word}",
                    first=describe_day(upcoming),
                    second=describe_day(later),
                )
                return _Dates((upcoming, later), "next_week", part, reason)
            return _Dates((upcoming,), "next_week", part, None)
    return None


@dataclass
class _Reading:
    walls: list[datetime]
    reasons: list[str]
    rolling: Literal["none", "next_day", "next_week"]
    checked: bool = True  # False for dateparser's guesses, which the user should always confirm


def _explicit(text: str, today: date, said: str | None = None) -> _Reading | None:
    """Our own grammar: [date] time | time date | date alone (refused: needs a time)."""
    for pattern in (_TIME_AT_END, _TIME_AT_START):
        m = pattern.fullmatch(text)
        if not m:
            continue
        dates = _dates(m["date"] or "", today, said)
        if dates is None:
            continue
        clock = _clock(m, dates.part)
        if clock is None:
            continue
        return _reading(dates, clock, today)
    if (dates := _dates(text, today, said)) is not None and dates.days:
        typed = said or text
        raise WhenError(_("At what time? Add one, e.g. `{typed} 20:00` or `{typed} 8pm`.", typed=typed))
    return None


def _reading(dates: _Dates, clock: _Clock, today: date) -> _Reading:
    reasons = [dates.reason] if dates.reason else []
    hours = [clock.hour]
    if clock.ambiguous:
        hours = [clock.hour, clock.hour + 12]
        shown = f"{clock.hour}:{clock.minute:02d}" if clock.minute else str(clock.hour)
        reasons.append(
            _(
                "`{shown}` could be morning or evening: pick one (or write `{shown}pm` / `{evening}`).",
                shown=shown,
                evening=f"{clock.hour + 12}:{clock.minute:02d}",
            )
        )
    days = list(dates.days) or [today]
    walls = [datetime.combine(d, time(h, clock.minute)) for d in days for h in hours]
    if clock.midnight and dates.days:
        walls += [w + timedelta(days=1) for w in walls]
        reasons.append(_("“midnight” could be the start or the end of that day: pick one."))
    return _Reading(walls, reasons, dates.rolling)


@cache
def _dateparser_class() -> Any:
    from dateparser.date import DateDataParser  # imported lazily: ~0.1 s, only for unusual phrasing

    return DateDataParser


_CLEAR_CLOCK = re.compile(
    r"\d\s*(?:am|pm)\b|\b(?:noon|midday|midnight)\b|\b0\d:\d\d|\b(?:1[2-9]|2[0-3]):\d\d"
)


def _with_dateparser(text: str, local_now: datetime, language: str = "en") -> _Reading | None:
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": local_now,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "RETURN_TIME_AS_PERIOD": True,
        "TIMEZONE": "UTC",
        "TO_TIMEZONE": "UTC",
    }
    languages = ["en"] if language == "en" else [language, "en"]
    data = _dateparser_class()(languages=languages, settings=settings).get_date_data(text)
    if data.date_obj is None:
        return None
    found: datetime = data.date_obj.replace(tzinfo=None, second=0, microsecond=0)
    if data.period != "time":
        return None
    if 1 <= found.hour <= 11 and not _CLEAR_CLOCK.search(text):
        shown = f"{found.hour}:{found.minute:02d}"
        return _Reading(
            [found, found + timedelta(hours=12)],
            [_("`{shown}` could be morning or evening: pick one.", shown=shown)],
            "none",
            checked=False,
        )
    return _Reading([found], [], "none", checked=False)


def _split_zone(text: str, zone: ZoneInfo) -> tuple[str, ZoneInfo]:
    """`8pm kst` -> (`8pm`, Asia/Seoul). Ambiguous abbreviations (`8pm est`) are refused."""
    head, _sep, last = text.rpartition(" ")
    token = fold(last)
    if head and (token in UNAMBIGUOUS_ABBREVIATIONS or token in AMBIGUOUS_ABBREVIATIONS):
        try:
            return head, resolve_zone(token)
        except ZoneError as err:
            raise WhenError(str(err)) from err
    return text, zone


def _gap_reason(resolved: WallTime) -> str:
    shifted = resolved.first.astimezone(resolved.zone)
    jump = shifted.replace(tzinfo=None) - resolved.wall
    minutes = int(jump.total_seconds() // 60)
    size = (
        _n("{n} hour", "{n} hours", minutes // 60)
        if minutes % 60 == 0
        else _n("{n} minute", "{n} minutes", minutes)
    )
    return _(
        "{time} does not exist on {day} in {zone} (clocks jump forward {size}), so the party would start at "
        "{start}.",
        time=resolved.wall.strftime("%H:%M"),
        day=describe_day(resolved.wall.date(), year=True),
        zone=resolved.zone.key,
        size=size,
        start=describe(resolved.first, resolved.zone),
    )


def _overlap_reason(resolved: WallTime) -> str:
    first, second = (describe(i, resolved.zone) for i in resolved.instants)
    return _(
        "{time} happens twice on {day} in {zone} (clocks go back): the first is {first}, the second {second}. "
        "Pick one.",
        time=resolved.wall.strftime("%H:%M"),
        day=describe_day(resolved.wall.date(), year=True),
        zone=resolved.zone.key,
        first=first,
        second=second,
    )


def _resolve(reading: _Reading, zone: ZoneInfo, now: datetime) -> tuple[list[datetime], list[str], datetime]:
    """Turn candidate wall times into future UTC instants, with the reasons to confirm them.

    Also returns the first reading, to show what was understood when nothing is in the future.
    """
    instants: list[datetime] = []
    reasons: list[str] = []
    step = {"none": None, "next_day": timedelta(days=1), "next_week": timedelta(days=7)}[reading.rolling]
    understood: datetime | None = None
    for wall in reading.walls:
        resolved = resolve_wall(wall, zone)
        if step is not None and resolved.instants[-1] <= now:
            resolved = resolve_wall(wall + step, zone)
        understood = understood or resolved.first
        future = [i for i in resolved.instants if i > now]
        if not future:
            continue
        if resolved.kind == "gap":
            reasons.append(_gap_reason(resolved))
        elif resolved.kind == "overlap" and len(future) == 2:
            reasons.append(_overlap_reason(resolved))
        instants.extend(future)
    assert understood is not None
    instants = sorted(set(instants))
    if len(instants) > 1:  # readings that were in the past no longer need a choice
        reasons = reading.reasons + reasons
    if not reading.checked and instants:
        reasons.insert(0, _("I read this as {start}: please check.", start=describe(instants[0], zone)))
    return instants, reasons, understood


def parse_when(text: str, zone: ZoneInfo, now: datetime, *, locale: str | None = None) -> WhenResult:
    """Parse a party start typed by a user, in `zone`, relative to the aware instant `now`.

    `locale` (a Discord locale; default: the current one, the member's) says which language the text
    may be in; English always works. Raises `WhenError` (message for the user) for unparseable, past or
    absurdly distant times.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    language = language_of(locale if locale is not None else current_locale())
    now = now.astimezone(UTC)
    cleaned = _clean(text)
    if not cleaned or len(cleaned) > MAX_INPUT:
        raise WhenError(_("I couldn't read that as a time.") + " " + _(EXAMPLES))
    cleaned, zone = _split_zone(cleaned, zone)
    local_now = now.astimezone(zone).replace(tzinfo=None)
    original, said = cleaned, None
    if language != "en":
        cleaned = _clean(to_english(cleaned, language, local_now.date()))
        said = text.strip() if cleaned != original else None

    if (m := _IN.fullmatch(cleaned)) and (span := parse_duration(m["span"])) is not None:
        if span <= timedelta(0):
            raise WhenError(_("That's right now: give a time in the future, e.g. `in 3 hours`."))
        reasons: list[str] = []
        instants, understood = [now + span], now + span
    else:
        reading = _explicit(cleaned, local_now.date(), said) or _with_dateparser(
            original, local_now, language
        )
        if reading is None:
            raise WhenError(_("I couldn't read `{typed}` as a time.", typed=text.strip()) + " " + _(EXAMPLES))
        instants, reasons, understood = _resolve(reading, zone, now)

    if not instants:
        raise WhenError(
            _(
                "That's in the past: I read `{typed}` as {start}, and it is now {now}.",
                typed=text.strip(),
                start=describe(understood, zone),
                now=describe(now, zone),
            )
        )
    if all(i - now > MAX_AHEAD for i in instants):
        raise WhenError(
            _(
                "That's too far ahead: I read `{typed}` as {start}. Parties can be scheduled up to two years ahead.",
                typed=text.strip(),
                start=describe(understood, zone),
            )
        )
    instants = [i for i in instants if i - now <= MAX_AHEAD]
    chosen = instants[0]
    return WhenResult(
        local=chosen.astimezone(zone),
        utc=chosen,
        zone=zone,
        needs_confirmation=" ".join(reasons) or None,
        options=instants,
    )


def warm_up() -> None:
    """Import and exercise dateparser once (start-up), so the first interaction does not pay ~0.3 s."""
    _dateparser_class()(languages=["en"]).get_date_data("december 5th 2026 at 8pm")
