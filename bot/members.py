"""What every lookup reads about a member, held in memory: their progress and the topics they want
spelled out. Both are global across servers.

Each database's copy is a bounded LRU of the most recently used members (`MAX_MEMBERS`). It is kept
current by every write path: `set_progress`/`clear_progress`, the content-warning preferences, and a
privacy deletion call `forget_member` once their change has committed. A read that overlaps a change is
answered but not kept (the generation check), so a stale copy never outlives the change it missed.
Other processes sharing the database tell this one through `listen_for_changes`. A change made where no
notice reaches (the privacy command line on a SQLite bot's live database: one process, no notices) is
seen after at most `HOLD_SECONDS`.
"""

from __future__ import annotations

import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field

from bot.canon.horizon import Horizon
from bot.canon.model import CanonPack
from bot.content_warnings.preferences import parse_topics
from bot.db import Database
from bot.db.notify import MEMBER_DELETED, PROGRESS, invalidations
from bot.horizon import horizon_from_ids

HOLD_SECONDS = 60.0  # a member held longer is read again
MAX_MEMBERS = 10_000  # about 0.8 KiB each (measured with tracemalloc): about 8 MiB when full


@dataclass(slots=True)
class Member:
    """One member's stored progress (episode ids, as stored) and spelled-out topics."""

    progress_ids: tuple[str, ...]
    plain_topics: frozenset[str]
    read_at: float = field(default_factory=time.monotonic, compare=False)
    _horizon: tuple[CanonPack, Horizon | None] | None = field(default=None, repr=False, compare=False)

    def progress(self, pack: CanonPack) -> Horizon | None:
        """Their progress in ``pack`` (None: not set, or only ids the pack no longer has); computed once
        per pack."""
        held = self._horizon
        if held is None or held[0] is not pack:
            known = [e for e in self.progress_ids if pack.has_episode(e)]
            held = self._horizon = (pack, horizon_from_ids(pack, known) if known else None)
        return held[1]


class _Held:
    __slots__ = ("generation", "members")

    def __init__(self) -> None:
        self.members: OrderedDict[int, Member] = OrderedDict()
        self.generation = 0  # bumped by every change


_HELD: weakref.WeakKeyDictionary[Database, _Held] = weakref.WeakKeyDictionary()


def _held(db: Database) -> _Held:
    held = _HELD.get(db)
    if held is None:
        held = _HELD[db] = _Held()
    return held


async def member(db: Database, user_id: int) -> Member:
    """The member's progress and preferences: from memory, else one query."""
    held = _held(db)
    found = held.members.get(user_id)
    if found is not None and time.monotonic() - found.read_at < HOLD_SECONDS:
        held.members.move_to_end(user_id)
        return found
    before = held.generation
    rows = await db.fetchall(
        "SELECT episode_id, NULL FROM member_progress WHERE user_id = ? "
        "UNION ALL SELECT NULL, cw_topics FROM member_preferences WHERE user_id = ?",
        (user_id, user_id),
    )
    found = Member(
        progress_ids=tuple(sorted(r[0] for r in rows if r[0] is not None)),
        plain_topics=parse_topics(next((r[1] for r in rows if r[0] is None), None)),
    )
    if held.generation == before:  # nothing changed while we read: keep it
        held.members[user_id] = found
        held.members.move_to_end(user_id)
        if len(held.members) > MAX_MEMBERS:
            held.members.popitem(last=False)
    return found


def forget_member(db: Database, user_id: int) -> None:
    """Call after a change to the member's progress or preferences committed: what this process holds
    about them is dropped, and the other processes sharing the database are told (PROGRESS)."""
    _drop(db, user_id)
    invalidations(db).notify(PROGRESS, user_id)


def listen_for_changes(db: Database) -> None:
    """Drop members other processes change or delete (call once per process, at start)."""
    hub = invalidations(db)
    hub.on(PROGRESS, lambda user_id: _drop(db, user_id))
    hub.on(MEMBER_DELETED, lambda user_id: _drop(db, user_id))
    hub.on_reset(lambda: _drop(db, None))


def _drop(db: Database, user_id: int | None) -> None:
    """Forget one member (None: every member)."""
    held = _held(db)
    held.generation += 1
    if user_id is None:
        held.members.clear()
    else:
        held.members.pop(user_id, None)


def held_members(db: Database) -> int:
    """How many members this process holds for ``db`` (for tests and the memory benchmark)."""
    return len(_held(db).members)
