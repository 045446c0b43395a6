"""Which servers this process holds: Discord shards, and the ownership rule built on them.

Discord routes a server's gateway events to shard ``(guild_id >> 22) % shard_count``. Several processes
of the same bot may each run a range of shards (``SHARD_COUNT``/``SHARD_IDS``); every feature that acts
on a server on its own (not in answer to an event, e.g. due reminders) acts only on servers whose shard
this process holds, so each server has exactly one process acting for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MAX_SHARDS = 4096


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that carries a server's events."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True, slots=True)
class Shards:
    """The shards one process runs: ``ids`` out of ``count`` (all of them when the process is alone)."""

    count: int
    ids: frozenset[int]

    @classmethod
    def all_of(cls, count: int) -> Shards:
        return cls(count, frozenset(range(count)))

    @classmethod
    def of(cls, count: int, ids: Iterable[int] | None) -> Shards:
        return cls.all_of(count) if ids is None else cls(count, frozenset(ids))

    @property
    def complete(self) -> bool:
        """Whether this process holds every shard (then it owns every server)."""
        return len(self.ids) == self.count

    def owns(self, guild_id: int) -> bool:
        return self.complete or shard_of(guild_id, self.count) in self.ids

    def __str__(self) -> str:
        return f"shards {format_shard_ids(self.ids)} of {self.count}"


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """``0-3`` or ``0,1`` or ``0-1,4`` into sorted unique ids; ValueError names what is wrong."""
    ids: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            raise ValueError("an empty item")
        low, dash, high = part.partition("-")
        if not low.strip().isdigit() or (dash and not high.strip().isdigit()):
            raise ValueError(f"{part!r} is not a shard number or a range like 0-3")
        start, end = int(low), int(high) if dash else int(low)
        if end < start:
            raise ValueError(f"the range {part!r} runs backwards")
        ids.update(range(start, end + 1))
    return tuple(sorted(ids))


def format_shard_ids(ids: Iterable[int]) -> str:
    """The shortest ``0-3,6`` spelling of a set of shard ids."""
    ordered = sorted(ids)
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)
