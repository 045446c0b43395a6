"""The Bot: owns the database connection handed to it, loads cogs, syncs commands only when they change."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import logging
import pkgutil
import time
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands

import cogs
from bot import __version__
from bot.canon.loader import PackError
from bot.canon.store import CanonStore
from bot.config import Settings
from bot.db import Database, utc_text
from bot.db.notify import CANON, Invalidations, attach
from bot.errors import handle_interaction_error
from bot.i18n import N_, _, bind, t, use_locale
from bot.i18n.commands import CatalogueTranslator
from bot.pacing import GlobalPace
from bot.shards import Shards

if TYPE_CHECKING:
    from bot.watchparty.dispatcher import Deliverer

log = logging.getLogger("clematis")

IDENTIFY_INTERVAL = 5.0  # Discord: one IDENTIFY per 5 s in each max_concurrency bucket
SYNC_HASH_KEY = "command_tree_hash:{scope}"
COMMAND_IDS_KEY = "command_ids:{scope}"

# How long Discord may stay silent on an open connection before a request fails. discord.py's own session
# uses aiohttp's default (300 s in total), so a connection that is accepted and never answered hung for 5 min.
REST_CONNECT_TIMEOUT = 10.0
REST_READ_TIMEOUT = 20.0
# How long shutdown waits for commands already running to answer before it unloads the cogs.
DRAIN_SECONDS = 5.0

RESTARTING = N_("Clematis is restarting, try again in a moment.")
DB_REFUSED_NOTICE = N_(
    "Clematis can't save anything right now: its database refuses writes ({reason}). Settings, RSVPs and "
    "reminder deliveries are not recorded until the bot's host fixes it; what was saved before is kept."
)
DB_RECOVERED_NOTICE = N_(
    "Clematis can save again: its database accepts writes since {when}. Changes tried while it could not "
    "save were not recorded, so please make them again."
)


class BoundedHTTPClient(discord.http.HTTPClient):
    """discord.py's HTTP client, with connect and read timeouts on every REST request."""

    TIMEOUT = aiohttp.ClientTimeout(
        total=None, sock_connect=REST_CONNECT_TIMEOUT, sock_read=REST_READ_TIMEOUT
    )

    async def request(self, route: discord.http.Route, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.TIMEOUT)  # passed on to aiohttp's session.request
        return await super().request(route, **kwargs)


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

    def _from_interaction(self, interaction: discord.Interaction[Clematis]) -> None:
        # Keep the task of each command being handled, so that shutdown can let it answer before unloading.
        async def run() -> None:
            try:
                await self._call(interaction)
            except app_commands.AppCommandError as exc:
                await self._dispatch_error(interaction, exc)

        task = asyncio.create_task(run(), name="CommandTree-invoker")
        self.client.handling.add(task)
        task.add_done_callback(self.client.handling.discard)


#: discord.py keeps its shard table and event queue in name-mangled private attributes, and has no public
#: way to register a shard connected by hand: ``register_shard`` does what its ``launch_shard`` does.
#: tests/shards/test_discord_internals.py fails loudly when a discord.py release changes either.
SHARD_TABLE = "_AutoShardedClient__shards"
EVENT_QUEUE = "_AutoShardedClient__queue"


def settle_heap() -> None:
    """After loading what lives as long as the process (the canon pack, its search index, compiled rule
    sets): collect once, then leave those objects out of every later garbage collection. A full
    collection otherwise walks them all, a pause of tens of milliseconds that lands on whatever command
    or message is being handled. Called again after a reload (unfrozen first, so what the reload
    replaced can still be collected)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def from_member(data: dict[str, Any]) -> bool:
    """Is a raw MESSAGE_CREATE a server member's own message (not a DM, a bot's or a webhook's)? As the
    ``on_message`` listeners check on the parsed message: ``guild``, ``author.bot``, ``webhook_id``."""
    return (
        data.get("guild_id") is not None
        and data.get("webhook_id") is None
        and not (data.get("author") or {}).get("bot", False)
    )


def register_shard(
    client: commands.AutoShardedBot, shard_id: int, ws: discord.gateway.DiscordWebSocket
) -> None:
    """Register and start a shard connected by hand, as discord.py's own ``launch_shard`` does."""
    try:
        shards, queue = getattr(client, SHARD_TABLE), getattr(client, EVENT_QUEUE)
    except AttributeError as error:
        raise RuntimeError(
            f"discord.py {discord.__version__} no longer has {error.name}: bot.client.register_shard needs updating"
        ) from error
    shard = discord.shard.Shard(ws, client, queue.put_nowait)
    shards[shard_id] = shard
    shard.launch()


class Clematis(commands.AutoShardedBot):
    """The bot, sharded as Discord recommends (or as SHARD_COUNT/SHARD_IDS say for this process)."""

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
            shard_count=settings.shard_count,
        )
        # Only this process's shards (SHARD_IDS; config checked SHARD_COUNT is given too), else all.
        self.shard_ids = list(settings.shard_ids) if settings.shard_ids is not None else None
        self.settings = settings
        self.db = db
        self.canon = canon if canon is not None else CanonStore.load(settings.canon_dir)
        self.force_sync = force_sync
        self.started_at = time.monotonic()
        self.command_ids: dict[str, int] = {}
        self.failed_cogs: dict[str, str] = {}
        # Every REST request gets timeouts (changing the class keeps every reference discord.py holds to it).
        self.http.__class__ = BoundedHTTPClient
        # Every request to Discord (not interaction callbacks) passes the global pace.
        self.pace = GlobalPace()
        request = self.http.request

        async def paced_request(route: discord.http.Route, **kwargs: Any) -> Any:
            await self.pace.before_request()
            return await request(route, **kwargs)

        self.http.request = paced_request  # type: ignore[method-assign]
        self._max_concurrency: int | None = None
        self._identify_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._identified_at: dict[int, float] = {}
        # Deliverers of due-work kinds by feature (the one dispatcher looks them up as rows come due).
        self.due_handlers: dict[str, Deliverer] = {}
        self.closing = False  # set first thing on shutdown: new interactions are then answered RESTARTING
        self.handling: set[asyncio.Task[None]] = set()  # application commands being handled now
        self._tasks: set[asyncio.Task[Any]] = set()
        self._db_told: set[int] = set()  # servers whose mod log was told that the database refuses writes
        # Every interaction passes here first, so that shutdown can answer the ones it no longer serves.
        parsers = self._connection.parsers
        self._parse_interaction = parsers["INTERACTION_CREATE"]
        parsers["INTERACTION_CREATE"] = self._on_interaction_create
        # Ordinary chat is passed over before discord.py builds a Message from it (see _on_message_create).
        self._parse_message_create = parsers["MESSAGE_CREATE"]
        parsers["MESSAGE_CREATE"] = self._on_message_create
        db.on_writable_changed = self._database_writable_changed
        # Changes other processes on the same PostgreSQL make to what this one holds in memory.
        self.invalidations = attach(db, Invalidations(settings.database_url))
        self.invalidations.on(CANON, lambda _key: self._reload_canon())
        self.invalidations.on_reset(self._reload_canon)

    def keep(self, task: asyncio.Task[Any]) -> asyncio.Task[Any]:
        """Hold a reference to a background task until it ends."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # --- interactions while shutting down ---------------------------------------------------------

    def _on_interaction_create(self, data: Any) -> None:
        if not self.closing:
            self._parse_interaction(data)
            return
        self.keep(
            asyncio.create_task(
                self._answer_restarting(discord.Interaction(data=data, state=self._connection))
            )
        )

    async def _answer_restarting(self, interaction: discord.Interaction) -> None:
        try:
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
            elif interaction.type is not discord.InteractionType.ping:
                await interaction.response.send_message(t(interaction.locale, RESTARTING), ephemeral=True)
        except (
            discord.HTTPException,
            aiohttp.ClientError,
            RuntimeError,
        ) as exc:  # the session may be closing
            log.debug("could not tell interaction %s that Clematis is restarting: %s", interaction.id, exc)

    # --- the database refusing writes -------------------------------------------------------------

    def _database_writable_changed(self, writable: bool, reason: str | None) -> None:
        if not self.closing and self.is_ready():
            self.keep(asyncio.create_task(self._tell_mod_logs(writable, reason)))
        if writable and not self.closing:
            self.dispatch("database_writable")  # work a refused write put off can be done now

    async def _tell_mod_logs(self, writable: bool, reason: str | None) -> None:
        """Once per outage, in every server whose mod log is set: saving stopped / works again."""
        from bot.i18n.server import server_locale
        from bot.modlog import write_modlog

        if writable:
            guild_ids, self._db_told = sorted(self._db_told), set()
            template, values = (
                DB_RECOVERED_NOTICE,
                {"when": discord.utils.format_dt(discord.utils.utcnow(), "t")},
            )
        else:
            guild_ids = [guild.id for guild in self.guilds if guild.id not in self._db_told]
            self._db_told.update(guild_ids)
            template, values = DB_REFUSED_NOTICE, {"reason": reason or "?"}
        for guild_id in guild_ids:
            try:
                with use_locale(await server_locale(self.db, self.get_guild(guild_id), guild_id)):
                    text = _(template, **values)  # the mod log speaks the server's language
                await write_modlog(self, guild_id, text)
            except Exception:  # reading the mod-log setting may fail too: the log already says why
                log.debug("could not tell the mod log of %s about the database", guild_id, exc_info=True)

    # --- start-up ---------------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        if not self.db.is_open:
            await self.db.open()
        await self.db.migrate()
        await self.invalidations.start()  # before the cogs load what other processes may change
        await self.load_cogs()
        await self.tree.set_translator(CatalogueTranslator())
        await self.sync_commands(force=self.force_sync)
        settle_heap()

    def _reload_canon(self) -> None:
        """Another process reloaded the canon pack (``/canon-reload``), or a notice may have been missed."""
        try:
            pack = self.canon.reload()
        except PackError as exc:
            log.error(
                "another process reloaded the canon pack, but this one cannot: it keeps %s (%s)",
                self.canon,
                "; ".join(exc.problems),
            )
            return
        log.info("canon pack reloaded as another process asked: %s %s", pack.name, pack.version)
        settle_heap()  # as after /canon-reload here: the old pack and its rule sets may now be collected

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
                    "INSERT INTO bot_state (key, value, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                    (key, value, utc_text()),
                )
        log.info("synced %d commands (%s)", len(synced), scope)
        return True

    def mention_command(self, qualified_name: str) -> str:
        """A clickable ``</name:id>`` mention when the id is known, else plain ``/name``."""
        command_id = self.command_ids.get(qualified_name.split(" ")[0])
        return f"</{qualified_name}:{command_id}>" if command_id else f"/{qualified_name}"

    # --- messages ---------------------------------------------------------------------------------

    def _on_message_create(self, data: Any) -> None:
        """A new message. When every ``on_message`` listener says from the raw event that it passes the
        message over (``passes_over_message``: ordinary chat, no spoiler, no episode link), discord.py
        builds no Message, Member and User for it and no listener task runs; the channel's last message
        is still noted, as discord.py does. Otherwise the message is parsed and dispatched as usual."""
        if self._passed_over(data):
            channel = self.get_channel(int(data["channel_id"]))
            if isinstance(
                channel, discord.TextChannel | discord.VoiceChannel | discord.Thread | discord.StageChannel
            ):
                channel.last_message_id = int(data["id"])
            return
        self._parse_message_create(data)

    def _passed_over(self, data: dict[str, Any]) -> bool:
        for listener in self.extra_events.get("on_message", ()):
            passes_over = getattr(getattr(listener, "__self__", None), "passes_over_message", None)
            try:
                if passes_over is None or not passes_over(data):
                    return False
            except Exception:  # the listener decides on the parsed message, and reports its own errors
                log.exception("could not pre-check message %s: it is parsed as usual", data.get("id"))
                return False
        return True

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """Clematis has no prefix commands, only application commands: a message goes straight to the
        cogs' listeners (spoiler guard, link cards), in one task, without discord.py parsing it for a
        command prefix (``commands.Bot.on_message``) in a task of its own on every message."""
        if event_name != "message":
            super().dispatch(event_name, *args, **kwargs)
            return
        listeners = self.extra_events.get("on_message")
        if listeners:
            self._schedule_event(self._message_listeners, "on_message", listeners, *args)

    async def _message_listeners(self, listeners: list[Any], message: discord.Message) -> None:
        """Each listener in turn; one that fails is logged (on_error) and the next still runs. Listeners
        return at once on ordinary chat, so none waits for another in the common case."""
        for listener in listeners:
            try:
                await listener(message)
            except Exception:
                await self.on_error("on_message", message)

    # --- shards -----------------------------------------------------------------------------------

    @property
    def shards_held(self) -> Shards:
        """The shards this process runs (known once connected; every shard when it runs them all)."""
        return Shards.of(self.shard_count or 1, self.shard_ids)

    async def launch_shards(self) -> None:
        """With no SHARD_COUNT, ask Discord for its recommended count first: discord.py would otherwise connect
        to the gateway URL that ``/gateway/bot`` returns and ignore DISCORD_GATEWAY_URL. An HTTP error here
        (403, 429, 5xx) stays the HTTP error it is, so start-up reports it in one line."""
        if self.shard_count is None and not self.is_closed():
            data = await self.http.request(discord.http.Route("GET", "/gateway/bot"))
            self.shard_count = int(data["shards"])
            self._max_concurrency = max(1, int(data["session_start_limit"]["max_concurrency"]))
        await super().launch_shards()

    async def launch_shard(self, gateway: yarl.URL, shard_id: int, *, initial: bool = False) -> None:
        """Connect one shard. discord.py retries a failed connection every 5 s forever; while the bot starts
        (before READY) a refused or failed gateway is an outage to report and exit on instead, as for an
        unsharded client (``python -m bot`` turns the error into one line and exit code 1)."""
        if self.is_ready():
            await super().launch_shard(gateway, shard_id, initial=initial)
            return
        ws = await asyncio.wait_for(
            discord.gateway.DiscordWebSocket.from_client(
                self, initial=initial, gateway=gateway, shard_id=shard_id
            ),
            timeout=self.shard_connect_timeout,
        )
        register_shard(self, shard_id, ws)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Identify as fast as Discord allows: `max_concurrency` shards at once (bucket
        ``shard_id % max_concurrency``), each bucket once per 5 s, instead of discord.py's fixed 5 s."""
        if self._max_concurrency is None:
            try:
                limits = await self.fetch_session_start_limits()
                self._max_concurrency = max(1, limits.max_concurrency)
            except discord.DiscordException:
                self._max_concurrency = 1
        bucket = (shard_id or 0) % self._max_concurrency
        async with self._identify_locks[bucket]:
            last = self._identified_at.get(bucket)
            if last is not None:
                await asyncio.sleep(max(0.0, last + IDENTIFY_INTERVAL - time.monotonic()))
            self._identified_at[bucket] = time.monotonic()

    async def on_ready(self) -> None:
        held = self.shards_held
        self.pace.share(len(held.ids), held.count)
        log.info("Clematis is ready: %s in %d servers (%s)", self.user, len(self.guilds), self.shards_held)

    # --- shutdown ---------------------------------------------------------------------------------

    async def close(self) -> None:
        # First stop taking interactions (new ones are answered RESTARTING) and let commands already running
        # answer; then commands.Bot.close unloads the cogs (which stop their background work, the dispatcher
        # among them) and disconnects; the database closes last.
        if self._ready is discord.utils.MISSING:  # never logged in: the sharded close needs its loop state
            await self._async_setup_hook()
        if not self.closing:
            self.closing = True
            if self.is_ready():
                log.info("no longer taking interactions: new ones are told that Clematis is restarting")
            if self.handling:
                await asyncio.wait(set(self.handling), timeout=DRAIN_SECONDS)
        await super().close()
        await self.invalidations.close()
        await self.db.close()

    @property
    def uptime_seconds(self) -> float:
        return time.monotonic() - self.started_at

    @property
    def version(self) -> str:
        return __version__
