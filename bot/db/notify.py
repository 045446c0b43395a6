"""Cross-process invalidation: a process that changes what other processes hold in memory tells them.

Several processes of one bot (each running a range of shards) can share one PostgreSQL database. Each
keeps in memory what its servers need on every message and interaction: the spoiler guard's state, the
content-warning settings, the canon pack. A process that changes one of these (after the change has
committed) sends one ``NOTIFY`` on ``CHANNEL`` naming what changed; every other process listens on a
dedicated connection and drops or reloads what it holds. The writing process updates its own memory
itself, as it always has: notices from this process are ignored.

On SQLite (one process) nothing is sent and nothing listens: it costs nothing.

A dropped listening connection is reopened, waiting longer after each failure. A notice sent while it
was down is lost, so once listening again every process drops everything it holds (``on_reset``
handlers) and reads it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import json
import logging
import uuid
import weakref
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Any

log = logging.getLogger(__name__)

CHANNEL = "clematis_invalidate"

# What changed (the topic), and the id it is about.
SPOILERS = "spoilers"  # a server's spoiler state: horizons, window, places, rules, allow-list (server id)
SETTINGS = (
    "settings"  # a server's other settings held in memory: content warnings, language, parties (server id)
)
PROGRESS = "progress"  # a member's progress or preferences (user id); also sent when they are deleted
MEMBER_DELETED = "member_deleted"  # everything about a member was deleted, their id wherever it was (user id)
CANON = "canon"  # the canon pack was reloaded (no id)
TOPICS = (SPOILERS, SETTINGS, PROGRESS, MEMBER_DELETED, CANON)

Handler = Callable[[int | None], object]
Reset = Callable[[], object]

PING_EVERY = 15.0  # seconds between checks that the listening connection is alive
PING_TIMEOUT = 5.0
RETRY_FIRST, RETRY_MAX = 0.5, 30.0  # pauses before reconnecting, doubling
SEND_TIMEOUT = 10.0
LISTENER_NAME = "clematis-listener"  # application_name of the listening connection (pg_stat_activity)


class Invalidations:
    """One process's end of the invalidation channel: handlers by topic, sending, and the listener.

    ``dsn`` is the PostgreSQL URL (``DATABASE_URL``); None means SQLite, where every method does nothing
    but keep the handlers."""

    def __init__(self, dsn: str | None = None) -> None:
        self.dsn = dsn
        self.origin = uuid.uuid4().hex  # this process's notices carry it, so it can skip its own
        self._handlers: defaultdict[str, list[Handler]] = defaultdict(list)
        self._resets: list[Reset] = []
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._sender: Any = None  # asyncpg.Connection, opened on the first notice
        self._send_lock = asyncio.Lock()
        self._tasks: set[asyncio.Future[Any]] = set()
        self._missed = False  # notices may have gone unheard (not listening when they were sent)
        self.received = 0  # notices from other processes handled
        self.resets = 0  # times every cache was dropped after a reconnect

    @property
    def shared(self) -> bool:
        """Whether other processes may share the database (PostgreSQL)."""
        return self.dsn is not None

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    # --- handlers ----------------------------------------------------------------------------------

    def on(self, topic: str, handler: Handler) -> None:
        """Call ``handler(key)`` when another process says ``topic`` changed (the handler may be async).
        On SQLite no other process can say so: nothing is kept (nor kept alive)."""
        if topic not in TOPICS:
            raise ValueError(f"unknown invalidation topic {topic!r}")
        if self.shared:
            self._handlers[topic].append(handler)

    def on_reset(self, handler: Reset) -> None:
        """Call ``handler()`` when notices may have been missed: drop everything held, read it again."""
        if self.shared:
            self._resets.append(handler)

    def _run(self, call: Callable[[], object], what: str) -> None:
        try:
            result = call()
        except Exception:
            log.exception("invalidation: could not drop %s", what)
            return
        if inspect.isawaitable(result):

            async def wait() -> None:
                try:
                    await result
                except Exception:
                    log.exception("invalidation: could not drop %s", what)

            self._keep(asyncio.ensure_future(wait()))

    def deliver(self, topic: str, key: int | None) -> None:
        """Run this process's handlers for ``topic`` (what a notice from another process does)."""
        for handler in list(self._handlers.get(topic, ())):
            self._run(functools.partial(handler, key), f"{topic} {key}")

    def reset(self) -> None:
        """Drop everything every handler holds (after a reconnect)."""
        self.resets += 1
        for handler in list(self._resets):
            self._run(handler, "everything")

    # --- sending -----------------------------------------------------------------------------------

    def notify(self, topic: str, key: int | None = None) -> None:
        """Tell the other processes that ``topic`` (about ``key``) changed; call after the change committed.
        Returns at once (sent in the background; ``close`` waits for what is still being sent)."""
        if self.dsn is None:
            return
        self._keep(asyncio.get_running_loop().create_task(self.publish(topic, key)))

    async def publish(self, topic: str, key: int | None = None) -> bool:
        """``notify``, waiting until PostgreSQL took the notice. Returns whether it was sent; a failure is
        logged (the other processes then hold stale state until their next reset or restart)."""
        if self.dsn is None:
            return True
        if topic not in TOPICS:
            raise ValueError(f"unknown invalidation topic {topic!r}")
        payload = json.dumps({"origin": self.origin, "topic": topic, "key": key})
        for attempt in (1, 2):  # a connection dropped since the last notice is reopened once
            try:
                async with self._send_lock:
                    if self._sender is None or self._sender.is_closed():
                        self._sender = await asyncio.wait_for(_connect(self.dsn), SEND_TIMEOUT)
                    await asyncio.wait_for(
                        self._sender.execute("SELECT pg_notify($1, $2)", CHANNEL, payload), SEND_TIMEOUT
                    )
                return True
            except _errors() as exc:
                await self._drop_sender()
                if attempt == 2:
                    log.error(
                        "could not tell the other processes that %s %s changed (%s: %s): they keep their "
                        "old copy until they reconnect or restart",
                        topic,
                        key if key is not None else "",
                        type(exc).__name__,
                        exc,
                    )
        return False

    async def _drop_sender(self) -> None:
        sender, self._sender = self._sender, None
        if sender is not None:
            with contextlib.suppress(Exception):
                sender.terminate()

    # --- listening ---------------------------------------------------------------------------------

    async def start(self, *, wait: float = 10.0) -> None:
        """Start listening (PostgreSQL only), waiting up to ``wait`` seconds for the first connection."""
        if self.dsn is None or self._listener is not None:
            return
        self._listener = asyncio.get_running_loop().create_task(self._listen(), name="invalidation-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), wait)
        if not self.listening:
            self._missed = (
                True  # what is loaded from now on may be changed unheard: read again once listening
            )
            log.warning("not listening for other processes' changes yet: still trying to connect")

    def _received(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            notice = json.loads(payload)
            origin, topic, key = notice["origin"], notice["topic"], notice["key"]
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed invalidation notice: %.200r", payload)
            return
        if origin == self.origin:
            return
        if topic not in TOPICS or not (key is None or isinstance(key, int)):
            log.warning("ignored an invalidation notice this version does not know: %.200r", payload)
            return
        self.received += 1
        log.debug("invalidation from another process: %s %s", topic, key)
        self.deliver(topic, key)

    async def _listen(self) -> None:
        assert self.dsn is not None
        pause = RETRY_FIRST
        while True:
            try:
                conn = await asyncio.wait_for(_connect(self.dsn, LISTENER_NAME), SEND_TIMEOUT)
            except _errors() as exc:
                log.warning(
                    "cannot listen for other processes' changes (%s: %s): retrying in %.1f s",
                    type(exc).__name__,
                    exc,
                    pause,
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, RETRY_MAX)
                continue
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _c, lost=lost: lost.set())
            try:
                await conn.add_listener(CHANNEL, self._received)
                if self._missed:
                    # A notice sent while we were away is lost: forget everything, read it again.
                    log.warning("listening for other processes' changes again: dropping every cached state")
                    self.reset()
                self._missed, pause = False, RETRY_FIRST
                self._listening.set()
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), PING_EVERY)
                    if not lost.is_set():
                        await asyncio.wait_for(conn.execute("SELECT 1"), PING_TIMEOUT)
            except _errors() as exc:
                log.warning("lost the connection listening for other processes' changes (%s)", exc)
            else:
                log.warning("lost the connection listening for other processes' changes")
            finally:
                self._listening.clear()
                self._missed = True
                with contextlib.suppress(Exception):
                    conn.terminate()

    # --- lifetime ----------------------------------------------------------------------------------

    def _keep(self, task: asyncio.Future[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Send what is still pending, stop listening, close the connections."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=SEND_TIMEOUT)
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
        await self._drop_sender()


async def _connect(dsn: str, name: str = "clematis") -> Any:
    import asyncpg  # only needed with PostgreSQL

    return await asyncpg.connect(dsn, server_settings={"application_name": name})


def _errors() -> tuple[type[Exception], ...]:
    """What a lost or refused PostgreSQL connection raises."""
    import asyncpg

    return (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


# --- one per database ----------------------------------------------------------------------------------

_HUBS: weakref.WeakKeyDictionary[Any, Invalidations] = weakref.WeakKeyDictionary()


def attach(db: object, hub: Invalidations) -> Invalidations:
    """Make ``hub`` the invalidation channel of every change made through ``db``."""
    _HUBS[db] = hub
    return hub


@contextlib.asynccontextmanager
async def announcing(db: Any) -> AsyncIterator[Invalidations]:
    """For a process that changes data while the bot runs elsewhere (the command line): what it changes is
    announced to the bot's processes, and every notice is sent before the block ends."""
    url = getattr(db, "url", None) if db.dialect == "postgresql" else None
    hub = attach(db, Invalidations(url))
    try:
        yield hub
    finally:
        await hub.close()


def invalidations(db: object) -> Invalidations:
    """The invalidation channel of ``db`` (a local one, sending nothing, unless one was attached)."""
    hub = _HUBS.get(db)
    if hub is None:
        hub = _HUBS[db] = Invalidations(None)
    return hub
