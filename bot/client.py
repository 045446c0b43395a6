"""The Bot: owns the database connection handed to it, loads cogs, syncs commands only when they change."""

from __future__ import annotations

import hashlib
import json
import logging
import pkgutil
import time
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

import cogs
from bot import __version__
from bot.canon.store import CanonStore
from bot.config import Settings
from bot.db import Database
from bot.errors import handle_interaction_error
from bot.i18n import bind
from bot.i18n.commands import CatalogueTranslator

log = logging.getLogger("clematis")

SYNC_HASH_KEY = "command_tree_hash:{scope}"
COMMAND_IDS_KEY = "command_ids:{scope}"


def configure_endpoints(settings: Settings) -> None:
    """Point discord.py at a compatible REST proxy / gateway (or a local emulator) when configured."""
    if settings.api_base_url:
        discord.http.Route.BASE = f"{settings.api_base_url}/api/v10"
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def make_intents() -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = True  # the spoiler rules read message text
    return intents


def tree_payload_hash(payload: list[dict[str, Any]]) -> str:
    canonical = json.dumps(sorted(payload, key=lambda c: (c.get("type", 1), c["name"])), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ClematisTree(app_commands.CommandTree["Clematis"]):
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        bind(interaction)  # commands and autocomplete answer in the member's language
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        await handle_interaction_error(interaction, error)


class Clematis(commands.Bot):
    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        canon: CanonStore | None = None,
        force_sync: bool = False,
    ) -> None:
        configure_endpoints(settings)
        # Clematis never joins voice: don't warn the operator on every start that voice libraries are missing.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=make_intents(),
            tree_cls=ClematisTree,
            allowed_mentions=discord.AllowedMentions.none(),
            max_messages=None,  # no message cache: features work from raw events and the database
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            guild_ready_timeout=settings.guild_ready_timeout,
        )
        self.settings = settings
        self.db = db
        self.canon = canon if canon is not None else CanonStore.load(settings.canon_dir)
        self.force_sync = force_sync
        self.started_at = time.monotonic()
        self.command_ids: dict[str, int] = {}
        self.failed_cogs: dict[str, str] = {}

    # --- start-up ---------------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        await self.db.open()
        await self.db.migrate()
        await self.load_cogs()
        await self.tree.set_translator(CatalogueTranslator())
        await self.sync_commands(force=self.force_sync)

    async def load_cogs(self) -> None:
        for module in sorted(m.name for m in pkgutil.iter_modules(cogs.__path__)):
            name = f"cogs.{module}"
            try:
                await self.load_extension(name)
            except Exception as exc:  # one broken cog is logged, not fatal
                self.failed_cogs[name] = f"{type(exc).__name__}: {exc}"
                log.exception("could not load %s; continuing without it", name)

    @property
    def sync_scope(self) -> str:
        return f"guild:{self.settings.dev_guild_id}" if self.settings.dev_guild_id else "global"

    async def command_payload(self) -> list[dict[str, Any]]:
        """What a sync sends, localisations included (a changed translation is a changed tree)."""
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        commands = self.tree._get_all_commands(guild=guild)
        translator = self.tree.translator
        if translator is None:
            return [command.to_dict(self.tree) for command in commands]
        return [await command.get_translated_payload(self.tree, translator) for command in commands]

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Sync application commands if the tree changed since the last sync (or when forced)."""
        scope = self.sync_scope
        digest = tree_payload_hash(await self.command_payload())
        stored = await self.db.fetchval(
            "SELECT value FROM bot_state WHERE key = ?", (SYNC_HASH_KEY.format(scope=scope),)
        )
        ids = await self.db.fetchval(
            "SELECT value FROM bot_state WHERE key = ?", (COMMAND_IDS_KEY.format(scope=scope),)
        )
        if not force and stored == digest:
            self.command_ids = json.loads(ids) if ids else {}
            log.info("command tree unchanged (%s); not syncing", scope)
            return False
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        synced = await self.tree.sync(guild=guild)
        self.command_ids = {command.name: command.id for command in synced}
        async with self.db.transaction() as conn:
            for key, value in (
                (SYNC_HASH_KEY.format(scope=scope), digest),
                (COMMAND_IDS_KEY.format(scope=scope), json.dumps(self.command_ids)),
            ):
                await conn.execute(
                    "INSERT INTO bot_state (key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
                    "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                    (key, value),
                )
        log.info("synced %d commands (%s)", len(synced), scope)
        return True

    def mention_command(self, qualified_name: str) -> str:
        """A clickable ``</name:id>`` mention when the id is known, else plain ``/name``."""
        command_id = self.command_ids.get(qualified_name.split(" ")[0])
        return f"</{qualified_name}:{command_id}>" if command_id else f"/{qualified_name}"

    async def on_ready(self) -> None:
        log.info("Clematis is ready: %s in %d servers", self.user, len(self.guilds))

    # --- shutdown ---------------------------------------------------------------------------------

    async def close(self) -> None:
        # commands.Bot.close unloads extensions (cogs stop their background work) then disconnects.
        await super().close()
        await self.db.close()

    @property
    def uptime_seconds(self) -> float:
        return time.monotonic() - self.started_at

    @property
    def version(self) -> str:
        return __version__
