"""Discord's global rate limit, kept on our side: about 50 requests a second per bot, in every process
together. Interaction callbacks and followups are exempt (they go through discord.py's webhook
adapter, not through the HTTP client this paces).

Every request waits for room under the limit instead of running into Discord's 429 (after which
discord.py stops every request until it passes, and gives up on one refused five times). Requests made
while answering members go first: background work (reminder deliveries and their DMs, marked with
``background()``) leaves them a small reserve and takes its turn in the order it asked, so a burst of
a thousand reminders runs at Discord's pace and never holds up an answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar

GLOBAL_LIMIT = 50  # requests per second per bot token (Discord's documented global limit)
RESERVE = 1  # of those, kept free for requests made while answering members
WINDOW = 1.05  # seconds; a little over one, as our clock and Discord's do not tick together

_BACKGROUND: ContextVar[bool] = ContextVar("clematis_background_request", default=False)


@contextlib.contextmanager
def background() -> Iterator[None]:
    """Requests made inside (in this task) wait for room under the global limit."""
    token = _BACKGROUND.set(True)
    try:
        yield
    finally:
        _BACKGROUND.reset(token)


class GlobalPace:
    """A sliding one-second window of this process's requests to Discord."""

    def __init__(
        self,
        per_second: int = GLOBAL_LIMIT,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.per_second = per_second
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._turn = asyncio.Lock()  # background requests take their turn in the order they asked
        self.waited = 0.0  # seconds background requests spent waiting, all told

    def share(self, shards: int, shard_count: int) -> None:
        """Several processes of one bot share its limit: this one takes its part by shards held."""
        self.per_second = max(RESERVE + 1, GLOBAL_LIMIT * shards // max(shard_count, 1))

    def _prune(self, now: float) -> None:
        sent = self._sent
        while sent and now - sent[0] >= WINDOW:
            sent.popleft()

    async def before_request(self) -> None:
        """Call before each request: counts it, and makes background requests wait their turn."""
        if not _BACKGROUND.get():
            await self._room(self.per_second)
            return
        async with self._turn:
            await self._room(self.per_second - RESERVE)

    async def _room(self, limit: int) -> None:
        while True:
            now = self._clock()
            self._prune(now)
            if len(self._sent) < limit:
                self._sent.append(now)
                return
            pause = max(self._sent[0] + WINDOW - now, 0.001)
            self.waited += pause
            await self._sleep(pause)
