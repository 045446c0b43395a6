"""The Emulator: an aiohttp server on 127.0.0.1 speaking Discord's v10 REST API and gateway, plus the state."""

# Waiting helpers take `timeout=` on purpose: tests read better with a per-call deadline.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import collections
import functools
import itertools
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import permissions as perms
from .faults import Faults
from .gateway import Connection, Session, handle_gateway
from .models import (
    MESSAGE_FLAG_EPHEMERAL,
    Attachment,
    Channel,
    ChannelType,
    Guild,
    Member,
    Message,
    Pings,
    Role,
    User,
)
from .permissions import Permission
from .snowflakes import SnowflakeFactory, now_iso

if TYPE_CHECKING:
    from .interactions import Reply
    from .spec import SpecValidator

DEFAULT_TOKEN = "MTEyMzQ1Njc4OTAxMjM0NTY3.GEmuLa.emulator-token-not-a-real-one-0000"


@dataclass(slots=True)
class RecordedRequest:
    method: str
    path: str  # after /api/v10
    query: dict[str, str]
    headers: dict[str, str]
    time: float
    json: Any = None
    files: list[str] = field(default_factory=list)
    status: int | None = None


@functools.cache
def _default_validator() -> SpecValidator | None:
    from .spec import load_default_validator

    return load_default_validator()


class Emulator:
    """A fake Discord. Build the world (guilds, members), start it, point the bot at `env()`, act as members."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_name: str = "Clematis",
        heartbeat_interval_ms: int = 41250,
        validate_spec: bool = True,
        interaction_ack_timeout: float = 3.0,
        scheduled_event_limit: int = 100,
    ) -> None:
        self.token = token
        # The token the gateway accepts; None = the same as REST. Set it to make only IDENTIFY fail (4004).
        self.gateway_token: str | None = None
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.interaction_ack_timeout = interaction_ack_timeout
        self.scheduled_event_limit = scheduled_event_limit
        # Scale as Discord enforces it: a session (or one shard) above 2,500 guilds is closed with 4011;
        # /gateway/bot recommends one shard per 1,000 guilds; IDENTIFY buckets as `max_concurrency` says.
        self.max_guilds_per_shard = 2500
        self.guilds_per_recommended_shard = 1000
        self.max_concurrency = 1
        # Discord accepts one IDENTIFY per 5 s per bucket (shard_id % max_concurrency); one sent sooner is
        # answered with op 9 Invalid Session (not resumable) and starts no session.
        self.identify_interval = 5.0
        self.identified_at: dict[int, float] = {}  # bucket -> monotonic time of its last accepted IDENTIFY
        self.identify_log: list[tuple[int, float]] = []  # (shard id, monotonic time) of each accepted one
        self.identifies_refused = 0
        # Discord's global limit: requests per second per bot token (interaction endpoints are exempt).
        self.global_rate_limit = 50
        self.global_rate_limited = 0  # how many requests were answered 429 by the global limit
        self.privileged_intents = perms_all_privileged()
        self.removed_guilds: set[int] = set()  # guilds the bot was removed from (REST answers 403 there)
        self.privacy_policy_url: str | None = None  # the Developer Portal's Privacy Policy URL of the app
        self.application_flags = (1 << 19) | (1 << 15) | (1 << 23)  # the three privileged intents "limited"
        self.ids = SnowflakeFactory()
        self.users: dict[int, User] = {}
        self.application_id = self.ids.next()
        self.bot_user = self._add_user(User(self.application_id, bot_name.lower(), bot_name, bot=True))
        self.owner = self.user("Owner")
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.channel_messages: dict[int, list[Message]] = {}
        self.attachments: dict[int, Attachment] = {}
        self.global_commands: dict[int, dict[str, Any]] = {}
        self.guild_commands: dict[int, dict[int, dict[str, Any]]] = {}
        self.interactions: dict[str, Reply] = {}  # by token
        self.webhooks: dict[int, dict[str, Any]] = {}
        self.dm_channels: dict[int, Channel] = {}  # by recipient user id
        self.requests: list[RecordedRequest] = []
        self.violations: list[str] = []
        self.unknown_routes: list[str] = []
        self.faults = Faults()
        self.sessions: list[Session] = []
        self._connections: set[Connection] = set()
        self.gateway_received: list[dict[str, Any]] = []
        self.identifies = 0
        self.resumes = 0
        self.command_syncs = 0  # bulk PUTs of application commands
        self.typing_in: list[int] = []  # channel ids the bot triggered typing in
        self.gateway_connects = 0
        # Request bodies are checked against Discord's OpenAPI spec (if found) and its unwritten limits.
        self.validator: SpecValidator | None = _default_validator() if validate_spec else None
        self.output_source: Callable[[], str] | None = None  # set by BotProcess, shown in timeouts
        self._changed = asyncio.Event()
        self._resumed = asyncio.Event()
        self._ratelimit_windows: dict[str, tuple[float, int]] = {}
        self._global_window: collections.deque[float] = collections.deque()
        self._wait_consumed: set[int] = set()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ server

    async def start(self) -> None:
        from .rest import EMULATOR, add_routes, middleware

        app = web.Application(middlewares=[middleware], client_max_size=64 * 1024 * 1024)
        app[EMULATOR] = self
        app.router.add_get("/gateway", handle_gateway)
        add_routes(app)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.faults.released.set()
        for conn in list(self._connections):
            await conn.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def env(self) -> dict[str, str]:
        """Environment variables that point the bot at this emulator."""
        return {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE_URL": self.base_url,
            "DISCORD_GATEWAY_URL": self.gateway_url,
        }

    # ------------------------------------------------------------------ building the world

    @property
    def guild(self) -> Guild:
        """The first guild (most tests have exactly one)."""
        return next(iter(self.guilds.values()))

    def user(self, name: str, *, bot: bool = False, dms_closed: bool = False, locale: str = "en-US") -> User:
        return self._add_user(
            User(
                self.ids.next(),
                name.lower().replace(" ", "_"),
                name,
                bot=bot,
                dms_closed=dms_closed,
                locale=locale,
            )
        )

    def _add_user(self, user: User) -> User:
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str = "Alien Stage Fans",
        *,
        channels: Iterable[str] = ("general",),
        roles: dict[str, int] | Iterable[str] = (),
        owner: User | None = None,
        bot_permissions: int = perms.BOT_DEFAULT,
        extra_member_count: int = 0,
        shard: tuple[int, int] | None = None,
        preferred_locale: str = "en-US",
    ) -> Guild:
        """A guild the bot is in. Channels: "general" (text), "forum:name", "voice:name", "category:name".
        Roles: names (Moderator gets moderator permissions) or {name: permissions}.
        `shard=(shard_id, shard_count)` picks an id whose events go to that shard."""
        owner = owner or self.owner
        guild_id = self.ids.next_on_shard(*shard) if shard is not None else self.ids.next()
        guild = Guild(
            guild_id,
            name,
            owner.id,
            self,
            member_count_extra=extra_member_count,
            preferred_locale=preferred_locale,
        )
        guild.roles[guild.id] = Role(guild.id, guild.id, "@everyone", int(perms.EVERYONE_DEFAULT), position=0)
        bot_role = Role(
            self.ids.next(),
            guild.id,
            self.bot_user.global_name or self.bot_user.username,
            int(bot_permissions),
            position=1,
            managed=True,
            bot_id=self.bot_user.id,
        )
        guild.roles[bot_role.id] = bot_role
        role_specs = (
            roles.items()
            if isinstance(roles, dict)
            else (
                (r, int(perms.MODERATOR_DEFAULT) if r.lower() in ("moderator", "mod", "admin") else 0)
                for r in roles
            )
        )
        for position, (role_name, role_perms) in enumerate(role_specs, start=2):
            role = Role(self.ids.next(), guild.id, role_name, int(role_perms), position=position)
            guild.roles[role.id] = role
        for position, spec in enumerate(channels):
            kind, _, ch_name = spec.rpartition(":")
            ch_type = {
                "": ChannelType.GUILD_TEXT,
                "text": ChannelType.GUILD_TEXT,
                "forum": ChannelType.GUILD_FORUM,
                "voice": ChannelType.GUILD_VOICE,
                "category": ChannelType.GUILD_CATEGORY,
                "announcement": ChannelType.GUILD_ANNOUNCEMENT,
                "stage": ChannelType.GUILD_STAGE_VOICE,
            }[kind]
            channel = Channel(
                self.ids.next(), ch_type, ch_name.lstrip("#"), guild=guild, position=position, emu=self
            )
            self._register_channel(channel)
        guild.members[owner.id] = Member(owner, guild)
        guild.members[self.bot_user.id] = Member(self.bot_user, guild, role_ids=[bot_role.id])
        self.guilds[guild.id] = guild
        if self.ready_sessions():
            self.dispatch("GUILD_CREATE", guild.payload())
        return guild

    @property
    def recommended_shards(self) -> int:
        """What /gateway/bot recommends: one shard per 1,000 guilds, rounded up, at least one."""
        return max(1, math.ceil(len(self.guilds) / self.guilds_per_recommended_shard))

    def take_global_slot(self, now: float) -> float:
        """Count one request against the global limit; 0 if allowed, else the seconds until a slot frees."""
        window = self._global_window
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self.global_rate_limit:
            return window[0] + 1.0 - now
        window.append(now)
        return 0.0

    def add_guilds(self, n: int, *, channels: int = 50, roles: int = 20, members: int = 0) -> list[Guild]:
        """Many guilds at once (startup benchmark): each with `channels` text channels and `roles` roles."""
        names = [f"channel-{i}" for i in range(channels)]
        role_names = {f"role-{i}": 0 for i in range(roles)}
        return [
            self.add_guild(f"Guild {i}", channels=names, roles=role_names, extra_member_count=members)
            for i in range(n)
        ]

    def member(
        self,
        guild: Guild,
        name: str = "Mina",
        *,
        permissions: int | None = None,
        roles: Iterable[Role | str] = (),
        dms_closed: bool = False,
        locale: str = "en-US",
    ) -> Member:
        """A new member of `guild`. `permissions` gives them a personal role with exactly those permissions
        (on top of @everyone). `locale` is their client's language (Discord's code: "ko", "ja", ...)."""
        user = self.user(name, dms_closed=dms_closed, locale=locale)
        member = Member(user, guild)
        for role in roles:
            member.role_ids.append((guild.role(role) if isinstance(role, str) else role).id)
        if permissions is not None:
            role = self._create_role(guild, f"{name}'s role", int(permissions), dispatch=False)
            member.role_ids.append(role.id)
        guild.members[user.id] = member
        if self.ready_sessions():
            self.dispatch("GUILD_MEMBER_ADD", {"guild_id": str(guild.id), **member.payload()})
        return member

    def moderator(self, guild: Guild, name: str = "Mod Ari", *, locale: str = "en-US") -> Member:
        """A member holding the guild's Moderator role (created with moderator permissions if missing)."""
        try:
            role = guild.role("Moderator")
        except KeyError:
            role = self._create_role(guild, "Moderator", int(perms.MODERATOR_DEFAULT))
        return self.member(guild, name, roles=[role], locale=locale)

    def dm_channel(self, user: User) -> Channel:
        channel = self.dm_channels.get(user.id)
        if channel is None:
            channel = Channel(self.ids.next(), ChannelType.DM, None, recipient=user, emu=self)
            self.dm_channels[user.id] = channel
            self.channels[channel.id] = channel
            self.channel_messages[channel.id] = []
        return channel

    def _register_channel(self, channel: Channel) -> None:
        assert channel.guild is not None
        (channel.guild.threads if channel.is_thread else channel.guild.channels).append(channel)
        self.channels[channel.id] = channel
        self.channel_messages[channel.id] = []

    def _create_channel(
        self,
        guild: Guild,
        ch_type: int,
        name: str,
        *,
        topic: str | None = None,
        parent: Channel | None = None,
        overwrites: list[dict[str, Any]] | None = None,
        nsfw: bool = False,
        tags: list[str] | None = None,
    ) -> Channel:
        channel = Channel(
            self.ids.next(),
            ch_type,
            name.lstrip("#"),
            guild=guild,
            topic=topic,
            parent_id=parent.id if parent else None,
            position=len(guild.channels),
            overwrites=list(overwrites or []),
            nsfw=nsfw,
            emu=self,
        )
        for tag in tags or []:
            channel.available_tags.append(
                {
                    "id": str(self.ids.next()),
                    "name": tag,
                    "moderated": False,
                    "emoji_id": None,
                    "emoji_name": None,
                }
            )
        self._register_channel(channel)
        self.dispatch("CHANNEL_CREATE", channel.payload())
        return channel

    def _create_role(
        self,
        guild: Guild,
        name: str,
        permissions: int,
        *,
        mentionable: bool = False,
        color: int = 0,
        dispatch: bool = True,
    ) -> Role:
        role = Role(
            self.ids.next(),
            guild.id,
            name,
            int(permissions),
            position=len(guild.roles),
            mentionable=mentionable,
            color=color,
        )
        guild.roles[role.id] = role
        if dispatch:
            self.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.payload()})
        return role

    def _create_thread_by_member(
        self,
        guild: Guild,
        parent: Channel,
        name: str,
        *,
        owner: Member | None,
        private: bool,
        archived: bool,
        locked: bool,
        applied_tags: list[str],
        content: str | None = None,
    ) -> Channel:
        owner = owner or guild.members[guild.owner_id]
        if parent.guild is not guild or parent.type not in (
            ChannelType.GUILD_TEXT,
            ChannelType.GUILD_ANNOUNCEMENT,
            ChannelType.GUILD_FORUM,
            ChannelType.GUILD_MEDIA,
        ):
            raise AssertionError(f"cannot start a thread in {parent!r}")
        kind = ChannelType.PRIVATE_THREAD if private else ChannelType.PUBLIC_THREAD
        thread = Channel(
            self.ids.next(),
            kind,
            name,
            guild=guild,
            parent_id=parent.id,
            owner_id=owner.id,
            archived=archived,
            locked=locked,
            applied_tags=[parent.tag_id(t) for t in applied_tags],
            thread_member_ids={owner.id},
            emu=self,
        )
        self._register_channel(thread)
        if parent.is_forum:
            starter = self.new_message(thread, owner.user, {"content": content or name}, message_id=thread.id)
            self.store_message(starter)
        self.dispatch("THREAD_CREATE", {**thread.payload(), "newly_created": True})
        if parent.is_forum:
            self.dispatch("MESSAGE_CREATE", self.messages[thread.id].payload(with_member=True))
        return thread

    def remove_guild(self, guild: Guild) -> None:
        """The bot is kicked from (or leaves) `guild`: GUILD_DELETE without `unavailable`."""
        del self.guilds[guild.id]
        self.removed_guilds.add(guild.id)
        self.dispatch("GUILD_DELETE", {"id": str(guild.id)})
        self._notify()

    def readd_guild(self, guild: Guild) -> None:
        """The bot is invited back to a guild it was removed from (the same guild, same id)."""
        self.guilds[guild.id] = guild
        self.removed_guilds.discard(guild.id)
        guild.unavailable = False
        self.dispatch("GUILD_CREATE", guild.payload())
        self._notify()

    def guild_outage(self, guild: Guild) -> None:
        """Discord loses `guild` for a while: GUILD_DELETE with `unavailable: true` (the bot is still in it)."""
        guild.unavailable = True
        self.dispatch("GUILD_DELETE", {"id": str(guild.id), "unavailable": True})
        self._notify()

    def guild_restored(self, guild: Guild) -> None:
        """The outage is over: GUILD_CREATE again."""
        guild.unavailable = False
        self.dispatch("GUILD_CREATE", guild.payload())
        self._notify()

    def _delete_channel(self, channel: Channel) -> None:
        channel.deleted = True
        event = "THREAD_DELETE" if channel.is_thread else "CHANNEL_DELETE"
        if channel.is_thread:
            self.dispatch(
                event,
                {
                    "id": str(channel.id),
                    "guild_id": str(channel.guild_id),
                    "parent_id": str(channel.parent_id),
                    "type": channel.type,
                },
            )
        else:
            self.dispatch(event, channel.payload())
        self._notify()

    # ------------------------------------------------------------------ gateway control

    def ready_sessions(self) -> list[Session]:
        return [s for s in self.sessions if s.ready.is_set() and not s.ended]

    def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event to every session whose shard carries it (events missed while disconnected
        are replayed): a guild's events to its shard only, DMs and the bot's own events to shard 0."""
        for session in self.sessions:
            if session.carries(event, data):
                session.dispatch(event, data)

    def _session_ready_changed(self) -> None:
        self._notify()

    async def wait_until_ready(self, timeout: float = 30.0) -> Session:
        """Until a session has received READY and every GUILD_CREATE."""

        async def ready() -> Session:
            while True:
                for s in self.sessions:
                    if not s.ended and s.ready.is_set():
                        return s
                await self._wait_changed(0.05)

        return await asyncio.wait_for(ready(), timeout)

    async def drop_gateway(self) -> None:
        """Abruptly cut every gateway connection (as a network failure would)."""
        self._resumed.clear()
        for conn in list(self._connections):
            transport = conn.ws._req.transport if conn.ws._req is not None else None  # noqa: SLF001
            if transport is not None:
                transport.abort()
            else:
                await conn.ws.close(code=4000)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT, as Discord does before moving a session."""
        self._resumed.clear()
        for conn in list(self._connections):
            conn.send({"op": 7, "d": None})

    async def wait_for_resume(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self._resumed.wait(), timeout)

    # ------------------------------------------------------------------ messages

    def new_message(
        self,
        channel: Channel,
        author: User,
        body: dict[str, Any],
        *,
        attachments: list[Attachment] | None = None,
        message_id: int | None = None,
        webhook_id: int | None = None,
        msg_type: int | None = None,
        interaction_metadata: dict[str, Any] | None = None,
    ) -> Message:
        """A message built from a create-message body (content, embeds, components, flags, reference...)."""
        ref = body.get("message_reference")
        message = Message(
            id=message_id or self.ids.next(),
            channel=channel,
            author=author,
            content=body.get("content") or "",
            embeds=[{"type": "rich", **e} for e in body.get("embeds") or []],
            components=_with_component_ids(body.get("components") or []),
            attachments=attachments or [],
            flags=int(body.get("flags") or 0),
            tts=bool(body.get("tts")),
            webhook_id=webhook_id,
            nonce=body.get("nonce"),
            interaction_metadata=interaction_metadata,
            poll=_poll_payload(body["poll"]) if body.get("poll") else None,
            sticker_ids=[int(s) for s in body.get("sticker_ids") or []],
        )
        if ref:
            message.message_reference = {
                "type": int(ref.get("type", 0)),
                "message_id": str(ref.get("message_id")),
                "channel_id": str(ref.get("channel_id") or channel.id),
                **({"guild_id": str(channel.guild_id)} if channel.guild_id else {}),
            }
        if msg_type is not None:
            message.type = msg_type
        elif ref and int(ref.get("type", 0)) == 0:
            message.type = 19
        if author.bot and webhook_id is not None:
            message.application_id = self.application_id if webhook_id == self.application_id else None
        message.pings = self.compute_pings(message, body.get("allowed_mentions"))
        return message

    def compute_pings(self, message: Message, allowed: dict[str, Any] | None) -> Pings:
        content = message.content
        users = {int(u) for u in re.findall(r"<@!?(\d+)>", content)}
        roles = {int(r) for r in re.findall(r"<@&(\d+)>", content)}
        everyone = "@everyone" in content or "@here" in content
        guild = message.channel.guild
        author_member = guild.members.get(message.author.id) if guild else None
        can_everyone = message.webhook_id is not None or (
            author_member is not None
            and bool(author_member.permissions_in(message.channel) & Permission.MENTION_EVERYONE)
        )
        if guild is not None:
            roles = {r for r in roles if r in guild.roles and (guild.roles[r].mentionable or can_everyone)}
        else:
            roles = set()
        reply_target = message.referenced_message if message.type == 19 else None
        if allowed is None:
            pinged = Pings(users, roles, everyone and can_everyone)
            if reply_target is not None:
                pinged.users.add(reply_target.author.id)
            return pinged
        parse = set(allowed.get("parse") or [])
        pinged = Pings(
            users if "users" in parse else users & {int(u) for u in allowed.get("users") or []},
            roles if "roles" in parse else roles & {int(r) for r in allowed.get("roles") or []},
            everyone and can_everyone and "everyone" in parse,
        )
        if reply_target is not None and allowed.get("replied_user"):
            pinged.users.add(reply_target.author.id)
        return pinged

    def store_message(self, message: Message) -> Message:
        self.messages[message.id] = message
        channel = message.channel
        if not message.ephemeral:
            self.channel_messages.setdefault(channel.id, []).append(message)
            channel.last_message_id = message.id
            if channel.is_thread:
                channel.message_count += 1
        self._notify()
        return message

    def attachment(
        self,
        channel: Channel,
        filename: str,
        data: bytes,
        *,
        content_type: str | None = None,
        description: str | None = None,
        ephemeral: bool = False,
    ) -> Attachment:
        att_id = self.ids.next()
        folder = "ephemeral-attachments" if ephemeral else "attachments"
        att = Attachment(
            att_id,
            filename,
            data,
            f"{self.base_url}/{folder}/{channel.id}/{att_id}/{filename}",
            content_type=content_type or _guess_type(filename),
            description=description,
            ephemeral=ephemeral,
        )
        self.attachments[att_id] = att
        return att

    def messages_in(self, channel: Channel) -> list[Message]:
        """Messages in a channel, oldest first, without deleted ones (ephemeral replies are not in channels)."""
        return [m for m in self.channel_messages.get(channel.id, []) if not m.deleted]

    def bot_messages(self, channel: Channel | None = None) -> list[Message]:
        """Everything the bot sent (channel messages, webhook messages, interaction replies incl. ephemeral)."""
        return [
            m
            for m in self.messages.values()
            if (m.author.id == self.bot_user.id or m.webhook_id is not None)
            and (channel is None or m.channel is channel)
        ]

    async def wait_for_message(
        self, channel: Channel, predicate: Callable[[Message], bool] | None = None, timeout: float = 10.0
    ) -> Message:
        """The earliest message in `channel` matching `predicate` (default: sent by the bot or one of its
        webhooks) that no earlier wait_for_message returned; waits for it to arrive."""

        def candidate(m: Message) -> bool:
            from_bot = m.author.id == self.bot_user.id or m.webhook_id is not None
            return (
                m.id not in self._wait_consumed
                and not m.deleted
                and (predicate(m) if predicate is not None else from_bot)
            )

        deadline = time.monotonic() + timeout
        while True:
            for m in self.messages_in(channel):
                if candidate(m):
                    self._wait_consumed.add(m.id)
                    return m
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"no matching message in #{channel.name} within {timeout}s.\n"
                    f"Messages there:\n{self.describe_messages(self.messages_in(channel))}\n"
                    f"{self.describe_activity(since=time.time() - timeout)}"
                )
            await self._wait_changed(remaining)

    def describe_messages(self, messages: Iterable[Message]) -> str:
        lines = [f"  - {m.author.username}: {m.text[:200]!r}" for m in messages]
        return "\n".join(lines) or "  (none)"

    def describe_activity(self, since: float) -> str:
        """What the bot sent over REST since `since` (epoch seconds), plus the tail of its log if known."""
        lines = [
            f"  {r.method} {r.path} -> {r.status} {str(r.json)[:300] if r.json is not None else ''}"
            for r in self.requests
            if r.time >= since
        ]
        text = "Bot requests:\n" + ("\n".join(lines) or "  (none)")
        if self.output_source is not None:
            tail = "\n".join(self.output_source().splitlines()[-40:])
            text += f"\nBot output (last lines):\n{tail}"
        return text

    # ------------------------------------------------------------------ commands

    def commands_for(self, guild: Guild | None) -> list[dict[str, Any]]:
        """Commands a member sees in `guild` (guild commands first, then global), or in DMs if None."""
        out = list(self.guild_commands.get(guild.id, {}).values()) if guild is not None else []
        return out + list(self.global_commands.values())

    # ------------------------------------------------------------------ waiting

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_changed(self, timeout: float) -> None:
        event = self._changed
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass

    async def wait_until(
        self, condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
    ) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}.\n"
                    f"{self.describe_activity(since=time.time() - timeout)}"
                )
            await self._wait_changed(min(remaining, 0.1))

    def assert_clean(self) -> None:
        """Fail if the bot broke a rule: spec violations, Discord limits, unknown routes."""
        if self.violations:
            listed = "\n".join(f"  - {v}" for v in self.violations)
            raise AssertionError(f"the emulator recorded {len(self.violations)} violation(s):\n{listed}")


def perms_all_privileged() -> int:
    from .gateway import PRIVILEGED

    return PRIVILEGED


def _with_component_ids(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Discord numbers components (`id`) when the sender leaves them out."""
    counter = itertools.count(1)

    def number(c: dict[str, Any]) -> dict[str, Any]:
        out = dict(c)
        out.setdefault("id", next(counter))
        if "components" in out:
            out["components"] = [number(x) for x in out["components"]]
        for key in ("accessory", "component"):
            if isinstance(out.get(key), dict):
                out[key] = number(out[key])
        return out

    return [number(c) for c in components]


def _poll_payload(poll: dict[str, Any]) -> dict[str, Any]:
    answers = [
        {"answer_id": i + 1, "poll_media": a.get("poll_media", {})}
        for i, a in enumerate(poll.get("answers", []))
    ]
    expiry = datetime.fromtimestamp(time.time() + 3600 * int(poll.get("duration") or 24), tz=UTC).isoformat()
    return {
        "question": poll.get("question", {}),
        "answers": answers,
        "expiry": expiry,
        "allow_multiselect": bool(poll.get("allow_multiselect")),
        "layout_type": 1,
        "results": {"is_finalized": False, "answer_counts": []},
    }


def _guess_type(filename: str) -> str | None:
    import mimetypes

    return mimetypes.guess_type(filename)[0]


__all__ = ["DEFAULT_TOKEN", "Emulator", "RecordedRequest", "now_iso", "MESSAGE_FLAG_EPHEMERAL"]
