"""Discord snowflakes: 64-bit ids whose top 42 bits are milliseconds since the Discord epoch."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1420070400000


class SnowflakeFactory:
    """Hands out unique, increasing snowflakes carrying the real current time."""

    def __init__(self, worker: int = 1, process: int = 0) -> None:
        self._worker = worker & 0x1F
        self._process = process & 0x1F
        self._increment = itertools.count()
        self._last = 0

    def next(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = (ms << 22) | (self._worker << 17) | (self._process << 12) | (next(self._increment) & 0xFFF)
        if value <= self._last:
            value = self._last + 1
        self._last = value
        return value

    def next_on_shard(self, shard_id: int, shard_count: int) -> int:
        """A fresh snowflake whose guild shard, ``(id >> 22) % shard_count``, is ``shard_id``: its
        timestamp is moved forward by at most ``shard_count - 1`` milliseconds."""
        value = self.next()
        ms = value >> 22
        ms += (shard_id - ms) % shard_count
        value = (ms << 22) | (value & ((1 << 22) - 1))
        self._last = max(self._last, value)
        return value


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that carries a guild's events, as Discord computes it."""
    return (guild_id >> 22) % shard_count


def snowflake_time(snowflake: int) -> datetime:
    """The UTC creation time encoded in a snowflake."""
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


def iso(dt: datetime) -> str:
    """Discord's ISO 8601 timestamp format (always UTC, with offset)."""
    return dt.astimezone(UTC).isoformat()


def now_iso() -> str:
    return iso(datetime.now(UTC))
