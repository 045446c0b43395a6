"""Requests waiting for a member to confirm a time (ambiguous input, a clock change): kept in memory.

A confirmation is a matter of seconds, so the pending request lives in this process only, for `ttl`
seconds. After a restart (or the timeout) the buttons answer that the choice expired and the member runs
the command again; nothing half-done is left behind. Tokens are short random strings for custom ids.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

DEFAULT_TTL = 15 * 60.0  # an interaction token's lifetime: the confirmation can't be answered after it
MAX_PENDING = 5000


@dataclass(frozen=True, slots=True)
class Pending(Generic[T]):
    owner_id: int
    payload: T
    expires_at: float


class PendingStore(Generic[T]):
    def __init__(self, *, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._items: dict[str, Pending[T]] = {}

    def add(self, owner_id: int, payload: T) -> str:
        self._expire()
        while len(self._items) >= MAX_PENDING:  # oldest first: dicts keep insertion order
            self._items.pop(next(iter(self._items)))
        token = secrets.token_urlsafe(9)
        self._items[token] = Pending(owner_id, payload, self._clock() + self.ttl)
        return token

    def get(self, token: str) -> Pending[T] | None:
        item = self._items.get(token)
        if item is None or item.expires_at <= self._clock():
            self._items.pop(token, None)
            return None
        return item

    def discard(self, token: str) -> None:
        self._items.pop(token, None)

    def __len__(self) -> int:
        self._expire()
        return len(self._items)

    def _expire(self) -> None:
        now = self._clock()
        for token in [t for t, item in self._items.items() if item.expires_at <= now]:
            del self._items[token]
