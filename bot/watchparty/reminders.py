"""Reminder policy: when reminders are due, what to do with late ones, how to retry failed sends.

Pure decisions only; the dispatcher that sleeps until the next due row lives elsewhere.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from bot.i18n import _
from bot.watchparty.durations import format_duration, parse_duration

MAX_OFFSETS = 10
MAX_OFFSET = timedelta(days=28)
DEFAULT_GRACE = timedelta(minutes=2)
ONE_MINUTE = timedelta(minutes=1)
DEFAULT_WORDS = frozenset({"default", "reset", "server default"})
EXAMPLE = "`24h, 1h, 15m, 0`"

Timing = Literal["on_time", "late", "skip"]


class OffsetError(ValueError):
    """Reminder offsets we cannot use; `str(err)` is a message fit for the user."""


def reminder_times(start_utc: datetime, offsets: Sequence[timedelta]) -> list[datetime]:
    """When each reminder is due: `start - offset`, earliest first, duplicates removed."""
    if start_utc.tzinfo is None:
        raise ValueError("start_utc must be aware")
    if any(offset < timedelta(0) for offset in offsets):
        raise ValueError("reminder offsets are durations before the start, never negative")
    return sorted({start_utc - offset for offset in offsets})


def parse_offsets(text: str) -> list[timedelta]:
    """`24h, 1h, 0` -> [1 day, 1 hour, 0]: largest first, duplicates removed. `0` means "at the start"."""
    found: set[timedelta] = set()
    for raw in text.split(","):
        item = raw.strip().lower()
        if not item:
            continue
        offset = timedelta(0) if item in {"0", "start", "at start", "now"} else parse_duration(item)
        if offset is None:
            raise OffsetError(
                _("I can't read `{typed}` as a reminder time. Try `24h, 1h, 15m, 0`.", typed=raw.strip())
            )
        offset = ONE_MINUTE * (offset // ONE_MINUTE)  # reminders go on whole minutes
        if offset > MAX_OFFSET:
            raise OffsetError(
                _(
                    "`{typed}` is too early: reminders go at most {limit} ahead.",
                    typed=raw.strip(),
                    limit=format_offset(MAX_OFFSET),
                )
            )
        found.add(offset)
    if not found:
        raise OffsetError(_("Give at least one reminder time, e.g. `24h, 1h, 0`."))
    if len(found) > MAX_OFFSETS:
        raise OffsetError(_("At most {n} reminders per party.", n=MAX_OFFSETS))
    return sorted(found, reverse=True)


def format_offset(offset: timedelta) -> str:
    """`1d 2h`, `30m`, `0` (at the start); `parse_offsets` reads it back."""
    return "0" if offset == timedelta(0) else format_duration(offset)


def format_offsets(offsets: Sequence[timedelta]) -> str:
    return ", ".join(format_offset(offset) for offset in sorted(offsets, reverse=True))


def read_offsets(text: str) -> str | None:
    """A `reminders:` option as typed -> the canonical text to store (`1d, 1h, 0`), or None for
    `default` (use the server's times). Raises OffsetError with a message that says what works."""
    if text.strip().lower() in DEFAULT_WORDS:
        return None
    try:
        return format_offsets(parse_offsets(text))
    except OffsetError as error:
        message = str(error)
        if EXAMPLE not in message:
            message += " " + _(
                "Reminder times go before the start, separated by commas, e.g. {example}.", example=EXAMPLE
            )
        raise OffsetError(
            message + " " + _("(`0` is at the start; `default` uses the server's times.)")
        ) from None


def describe_offsets(offsets: Sequence[timedelta]) -> str:
    """`1d, 1h and at the start`, `2h and 30m before the start`, `at the start`: for embeds and answers."""
    before = [format_offset(offset) for offset in sorted(offsets, reverse=True) if offset]
    if timedelta(0) in offsets:
        return _("{times} and at the start", times=", ".join(before)) if before else _("at the start")
    if not before:
        return _("none")
    if len(before) == 1:
        return _("{times} before the start", times=before[0])
    return _("{times} and {last} before the start", times=", ".join(before[:-1]), last=before[-1])


def classify_due(
    due_utc: datetime, start_utc: datetime, now_utc: datetime, grace: timedelta = DEFAULT_GRACE
) -> Timing:
    """What to do with a reminder whose due time has come (e.g. after the bot was down).

    on_time: at most `grace` late (or not yet due); send normally.
    late:    later than that but the party has not started; send, saying it is late.
    skip:    the party has started (and the reminder is beyond grace); sending now would only be noise.
    """
    if now_utc - due_utc <= grace:
        return "on_time"
    if now_utc < start_utc:
        return "late"
    return "skip"


def retry_delay(
    attempt: int,
    *,
    base: timedelta = timedelta(seconds=5),
    cap: timedelta = timedelta(minutes=15),
    rng: random.Random | None = None,
) -> timedelta:
    """Backoff before retry number `attempt` (1 = first retry): base * 2**(attempt-1), capped.

    With `rng`, "equal jitter": a uniform pick in [delay/2, delay], so many reminders failing together
    (an outage) do not retry in lockstep. Without `rng` the delay is deterministic.
    """
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    delay = min(cap, base * 2 ** min(attempt - 1, 32))
    if rng is None:
        return delay
    return delay / 2 + delay / 2 * rng.random()


def is_permanent_failure(status: int | None) -> bool:
    """Whether a failed send should be given up. `None` means no response (timeout, connection error).

    403 (missing access) and 404 (channel or message gone) are permanent, as is every other 4xx except
    408 (request timeout) and 429 (rate limited). 5xx and no-response are worth retrying.
    """
    if status is None:
        return False
    return 400 <= status < 500 and status not in {408, 429}
