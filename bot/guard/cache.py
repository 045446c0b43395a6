"""Every server's spoiler state, in memory: loaded at start-up, reloaded for one server when it changes.

The message path asks ``SpoilerCache.state(guild_id)`` (no await, no database). Configuration changes
call ``await cache.reload(guild_id)``; code that cannot await (or lives in another feature, such as
discussion threads) calls ``invalidate_guild(bot, guild_id)``, which reloads in the background.

Compiled rule sets are shared between servers with the same inputs (most servers check the same canon
rules), so a thousand default servers hold one compiled set, not a thousand.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any, Protocol

from bot.canon.horizon import Horizon
from bot.canon.model import CanonPack
from bot.canon.store import CanonStore
from bot.db import Database
from bot.guard.config import GuildConfig, load_all_configs, load_guild_config
from bot.guard.state import GuildState, compile_for
from bot.spoilers import RuleSet

log = logging.getLogger(__name__)

SPOILER_STATE_CHANGED = "spoiler_state_changed"  # bot.dispatch(...) event name, payload: guild_id
# Dispatched (payload: guild_id) once a moderator's change to what counts as a spoiler (rules, horizons,
# places) is live: features that published members' text re-check it (bot.guard.published).
SPOILER_SETTINGS_CHANGED = "spoiler_settings_changed"


class _HasGuardDeps(Protocol):
    db: Database
    canon: CanonStore


_CompileKey = tuple[int, Horizon, tuple[Any, ...], tuple[str, ...]]


class SpoilerCache:
    def __init__(self, db: Database, canon: CanonStore) -> None:
        self.db = db
        self.canon = canon
        self._states: dict[int, GuildState] = {}
        self._loaded_all = False
        self._pending: set[int] = set()  # invalidated, reload under way: the message path must await it
        self._locks: dict[int, asyncio.Lock] = {}
        self._compiled: dict[_CompileKey, RuleSet] = {}
        self._compiled_pack: CanonPack | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        canon.on_reload(self.on_canon_reload)

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
        return state if state is not None else await self.reload(guild_id)

    # --- loading and invalidation ------------------------------------------------------------------

    async def load_all(self) -> int:
        """Load every configured server (start-up). Returns how many had configuration."""
        configs = await load_all_configs(self.db)
        for guild_id, config in configs.items():
            if guild_id not in self._states and guild_id not in self._pending:  # a reload is as fresh
                self._states[guild_id] = GuildState(config, self.compile)
        self._loaded_all = True
        return len(configs)

    async def reload(self, guild_id: int) -> GuildState:
        """Re-read one server's configuration (after any change to it)."""
        lock = self._locks.setdefault(guild_id, asyncio.Lock())
        async with lock:
            state = GuildState(await load_guild_config(self.db, guild_id), self.compile)
            self._states[guild_id] = state
            self._pending.discard(guild_id)
        self._prune_compiled()
        return state

    def invalidate(self, guild_id: int) -> None:
        """Forget a server's state now and reload it in the background."""
        self._states.pop(guild_id, None)
        self._pending.add(guild_id)
        task = asyncio.get_running_loop().create_task(self._reload_quietly(guild_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reload_quietly(self, guild_id: int) -> None:
        try:
            await self.reload(guild_id)
        except Exception:
            log.exception("could not reload the spoiler state of guild %s", guild_id)

    def forget(self, guild_id: int) -> None:
        """The bot left the server."""
        self._states.pop(guild_id, None)

    def on_canon_reload(self, pack: CanonPack) -> None:
        """New pack: drop every compiled rule set; each server recompiles on its next message."""
        self._compiled.clear()
        self._compiled_pack = pack

    # --- shared compiled rule sets -----------------------------------------------------------------

    def compile(self, pack: CanonPack, public: Horizon, config: GuildConfig) -> RuleSet:
        if pack is not self._compiled_pack:
            self._compiled.clear()
            self._compiled_pack = pack
        key: _CompileKey = (id(pack), public, config.rules, config.allow)
        ruleset = self._compiled.get(key)
        if ruleset is None:
            ruleset = self._compiled[key] = compile_for(pack, public, config)
        return ruleset

    def _prune_compiled(self) -> None:
        """Drop compiled sets no server uses any more (only after a change, never per message)."""
        if len(self._compiled) <= len(self._states) + 8:
            return
        used = {id(s.ruleset) for s in self._states.values()}
        for key, ruleset in list(self._compiled.items()):
            if id(ruleset) not in used:
                del self._compiled[key]

    @property
    def loaded_all(self) -> bool:
        return self._loaded_all

    @property
    def compiled_count(self) -> int:
        return len(self._compiled)

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
