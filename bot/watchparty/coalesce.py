"""Coalesced announcement edits: many RSVP clicks in a second make one message edit.

Per key (a party id) at most one edit runs at a time and edits start at least `interval` apart. A request
that arrives while an edit is waiting is absorbed by it; one that arrives while an edit is running makes
exactly one more edit afterwards. The edit function reads the current state when it runs, so the last
edit always shows the final counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class EditCoalescer:
    def __init__(
        self,
        edit: Callable[[int], Awaitable[None]],
        *,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._edit = edit
        self.interval = interval
        self._clock = clock
        self._dirty: set[int] = set()
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._last: dict[int, float] = {}
        self.edits = 0  # edits made, for logs and benchmarks

    def request(self, key: int) -> None:
        """Ask for the message of `key` to be brought up to date (soon, not necessarily now)."""
        self._dirty.add(key)
        if key not in self._tasks:
            self._tasks[key] = asyncio.create_task(self._run(key), name=f"coalesced-edit-{key}")

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def _run(self, key: int) -> None:
        try:
            while key in self._dirty:
                wait = self._last.get(key, float("-inf")) + self.interval - self._clock()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._dirty.discard(key)
                self._last[key] = self._clock()
                try:
                    await self._edit(key)
                    self.edits += 1
                except Exception:  # one failed edit must not stop later ones
                    log.exception("could not update the announcement of %s", key)
        finally:
            del self._tasks[key]
            if len(self._last) > 1000:  # forget keys idle for long; they may edit at once next time
                cutoff = self._clock() - self.interval
                self._last = {k: t for k, t in self._last.items() if t > cutoff}

    async def flush(self, within: float = 5.0) -> None:
        """Wait for pending edits (at shutdown), at most `within` seconds; cancel what is left."""
        tasks = list(self._tasks.values())
        if not tasks:
            return
        _done, left = await asyncio.wait(tasks, timeout=within)
        for task in left:
            task.cancel()
        for task in left:
            with contextlib.suppress(asyncio.CancelledError):
                await task
