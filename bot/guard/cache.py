"""Every server's spoiler state, in memory: loaded at start-up, reloaded for one server when it changes.

The message path asks ``SpoilerCache.state(guild_id)`` (no await, no database). Configuration changes
call ``await cache.reload(guild_id)``; code that cannot await (or lives in another feature, such as
discussion threads) calls ``invalidate_guild(bot, guild_id)``, which reloads in the background.

The canon rules are compiled once per pack and public horizon and shared by every server at that
horizon; a server's own rules and allow-list compile into a small addition (``bot.guard.rules``).
Everything is compiled when a server is loaded or reloaded and when the pack is reloaded, not on the
message path (except when a release window moves a server's horizon at midnight).

Other processes on the same PostgreSQL hold their own cache: ``reload`` and ``invalidate`` (a change made
here) tell them (``bot.db.notify``), and a notice from them drops the server's state here (``drop``).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from datetime import UTC, date, datetime
from typing import Any, Protocol

from bot.canon.horizon import Horizon
from bot.canon.model import CanonPack
from bot.canon.store import CanonStore
from bot.db import Database
from bot.db.notify import MEMBER_DELETED, SPOILERS, invalidations
from bot.guard.config import GuildConfig, load_all_configs, load_guild_config
from bot.guard.rules import CanonRules, Compiled, ServerRules, server_rules
from bot.guard.state import GuildState

log = logging.getLogger(__name__)


def utc_today() -> date:
    return datetime.now(UTC).date()


SPOILER_STATE_CHANGED = "spoiler_state_changed"  # bot.dispatch(...) event name, payload: guild_id
# Dispatched (payload: guild_id) once a moderator's change to what counts as a spoiler (rules, horizons,
# places) is live: features that published members' text re-check it (bot.guard.published).
SPOILER_SETTINGS_CHANGED = "spoiler_settings_changed"


class _HasGuardDeps(Protocol):
    db: Database
    canon: CanonStore


MAX_SHARED = 64  # canon sets kept for horizons no server uses any more, before pruning


class SpoilerCache:
    def __init__(self, db: Database, canon: CanonStore) -> None:
        self.db = db
        self.canon = canon
        self._states: dict[int, GuildState] = {}
        self._loaded_all = False
        self._pending: set[int] = set()  # invalidated, reload under way: the message path must await it
        self._locks: dict[int, asyncio.Lock] = {}
        self._shared: dict[Horizon, tuple[CanonRules, ServerRules]] = {}
        self._shared_pack: CanonPack | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        canon.on_reload(self.on_canon_reload)
        self._hub = invalidations(db)
        self._hub.on(SPOILERS, self._dropped)
        self._hub.on(MEMBER_DELETED, self._member_deleted)
        self._hub.on_reset(self.drop_all)

    # --- reading (the message path) ----------------------------------------------------------------

    def state(self, guild_id: int) -> GuildState | None:
        """The server's state, or None when it must be loaded first (``await load``)."""
        state = self._states.get(guild_id)
        if state is None and self._loaded_all and guild_id not in self._pending:
            state = self._states[guild_id] = GuildState(GuildConfig(guild_id), self.compile)
        return state

    async def load(self, guild_id: int) -> GuildState:
        """The server's state, reading the database if it is not in memory yet."""
        state = self.state(guild_id)
        return state if state is not None else await self._reload(guild_id)

    # --- loading and invalidation ------------------------------------------------------------------

    async def load_all(self) -> int:
        """Load every configured server (start-up). Returns how many had configuration."""
        configs = await load_all_configs(self.db)
        pack, today = self.canon.pack, utc_today()
        self.compile(pack, Horizon(), GuildConfig(0))  # what every unconfigured server checks
        for guild_id, config in configs.items():
            if guild_id not in self._states and guild_id not in self._pending:  # a reload is as fresh
                state = self._states[guild_id] = GuildState(config, self.compile)
                state.refresh(pack, today)  # compiled now, not on the first message
        self._loaded_all = True
        return len(configs)

    async def reload(self, guild_id: int) -> GuildState:
        """Re-read one server's configuration (after any change to it), and tell the other processes."""
        state = await self._reload(guild_id)
        self._hub.notify(SPOILERS, guild_id)
        return state

    async def _reload(self, guild_id: int) -> GuildState:
        lock = self._locks.setdefault(guild_id, asyncio.Lock())
        async with lock:
            state = GuildState(await load_guild_config(self.db, guild_id), self.compile)
            state.refresh(self.canon.pack, utc_today())
            self._states[guild_id] = state
            self._pending.discard(guild_id)
        self._prune_shared()
        return state

    def invalidate(self, guild_id: int) -> None:
        """Forget a server's state now and reload it in the background (after a change made here)."""
        self.drop(guild_id)
        self._hub.notify(SPOILERS, guild_id)

    def _dropped(self, guild_id: int | None) -> None:
        if guild_id is not None:
            self.drop(guild_id)

    def _member_deleted(self, user_id: int | None) -> None:
        """A member's data was deleted in another process: servers whose rules name them as author are
        read again (the author is gone from the database)."""
        source = f"mod:{user_id}"
        for guild_id, state in list(self._states.items()):
            if any(rule.source == source for rule in state.config.rules):
                self.drop(guild_id)

    def drop(self, guild_id: int) -> None:
        """Forget a server's state now and reload it in the background (another process changed it)."""
        self._states.pop(guild_id, None)
        self._pending.add(guild_id)
        task = asyncio.get_running_loop().create_task(self._reload_quietly(guild_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reload_quietly(self, guild_id: int) -> None:
        try:
            await self._reload(guild_id)
        except Exception:
            log.exception("could not reload the spoiler state of guild %s", guild_id)

    def drop_all(self) -> None:
        """Forget every server's state (a change made elsewhere may have been missed) and read them all
        again in the background; until then the message path loads each server it needs."""
        self._states.clear()
        self._loaded_all = False
        task = asyncio.get_running_loop().create_task(self._reload_all_quietly())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reload_all_quietly(self) -> None:
        try:
            await self.load_all()
        except Exception:
            log.exception("could not reload the spoiler state of every server")

    def forget(self, guild_id: int) -> None:
        """The bot left the server."""
        self._states.pop(guild_id, None)

    def on_canon_reload(self, pack: CanonPack) -> None:
        """New pack: compile the canon rules once per horizon in use, then each server's own addition."""
        self._shared.clear()
        self._shared_pack = pack
        self.compile(pack, Horizon(), GuildConfig(0))  # what every unconfigured server checks
        today = utc_today()
        for state in list(self._states.values()):
            state.refresh(pack, today)

    # --- shared compiled rule sets -----------------------------------------------------------------

    def compile(
        self, pack: CanonPack, public: Horizon, config: GuildConfig, previous: Compiled | None = None
    ) -> ServerRules:
        """The server's rules: the shared canon set for its horizon, plus its own addition if any (kept
        from ``previous`` when it would compile the same)."""
        if pack is not self._shared_pack:
            self._shared.clear()
            self._shared_pack = pack
        shared = self._shared.get(public)
        if shared is None:
            canon = CanonRules.compile(pack, public)
            shared = self._shared[public] = (canon, ServerRules(canon.ruleset))
        canon, default = shared
        if not config.rules and not config.allow:
            return default
        return server_rules(canon, pack, public, config.rules, config.allow, previous) or default

    def _prune_shared(self) -> None:
        """Drop canon sets of horizons no server uses any more (only after a change, never per message)."""
        if len(self._shared) <= MAX_SHARED:
            return
        used = {s.public for s in self._states.values()} | {Horizon()}
        for public in [p for p in self._shared if p not in used]:
            del self._shared[public]

    @property
    def loaded_all(self) -> bool:
        return self._loaded_all

    @property
    def compiled_count(self) -> int:
        """How many canon rule sets are compiled (one per horizon in use)."""
        return len(self._shared)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()


_CACHES: weakref.WeakKeyDictionary[Any, SpoilerCache] = weakref.WeakKeyDictionary()


def spoiler_cache(bot: _HasGuardDeps) -> SpoilerCache:
    """The bot's spoiler cache (created on first use; one per bot)."""
    cache = _CACHES.get(bot)
    if cache is None:
        cache = _CACHES[bot] = SpoilerCache(bot.db, bot.canon)
    return cache


def invalidate_guild(bot: _HasGuardDeps, guild_id: int) -> None:
    """Call after changing anything the spoiler guard reads for a server (for example after inserting a
    ``discussion_threads`` row): the server's state is dropped now and reloaded in the background."""
    cache = _CACHES.get(bot)
    if cache is not None:
        cache.invalidate(guild_id)
