"""The gateway: HELLO, IDENTIFY/READY/GUILD_CREATE, heartbeats, RESUME with replay, dispatch, member chunks."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import WSCloseCode, WSMsgType, web

from .snowflakes import shard_of

if TYPE_CHECKING:
    from .server import Emulator

log = logging.getLogger("emulator.gateway")


class Op:
    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE_UPDATE = 3
    VOICE_STATE_UPDATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_GUILD_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


class Intent:
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MODERATION = 1 << 2
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    GUILD_MESSAGE_TYPING = 1 << 11
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    DIRECT_MESSAGE_TYPING = 1 << 14
    MESSAGE_CONTENT = 1 << 15
    GUILD_SCHEDULED_EVENTS = 1 << 16


PRIVILEGED = Intent.GUILD_MEMBERS | Intent.GUILD_PRESENCES | Intent.MESSAGE_CONTENT

_GUILD_EVENTS = {
    "GUILD_CREATE": Intent.GUILDS,
    "GUILD_UPDATE": Intent.GUILDS,
    "GUILD_DELETE": Intent.GUILDS,
    "GUILD_ROLE_CREATE": Intent.GUILDS,
    "GUILD_ROLE_UPDATE": Intent.GUILDS,
    "GUILD_ROLE_DELETE": Intent.GUILDS,
    "CHANNEL_CREATE": Intent.GUILDS,
    "CHANNEL_UPDATE": Intent.GUILDS,
    "CHANNEL_DELETE": Intent.GUILDS,
    "THREAD_CREATE": Intent.GUILDS,
    "THREAD_UPDATE": Intent.GUILDS,
    "THREAD_DELETE": Intent.GUILDS,
    "THREAD_LIST_SYNC": Intent.GUILDS,
    "THREAD_MEMBER_UPDATE": Intent.GUILDS,
    "THREAD_MEMBERS_UPDATE": Intent.GUILD_MEMBERS,
    "GUILD_MEMBER_ADD": Intent.GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": Intent.GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": Intent.GUILD_MEMBERS,
    "MESSAGE_CREATE": Intent.GUILD_MESSAGES,
    "MESSAGE_UPDATE": Intent.GUILD_MESSAGES,
    "MESSAGE_DELETE": Intent.GUILD_MESSAGES,
    "MESSAGE_DELETE_BULK": Intent.GUILD_MESSAGES,
    "MESSAGE_REACTION_ADD": Intent.GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE": Intent.GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE_ALL": Intent.GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE_EMOJI": Intent.GUILD_MESSAGE_REACTIONS,
    "TYPING_START": Intent.GUILD_MESSAGE_TYPING,
    "GUILD_SCHEDULED_EVENT_CREATE": Intent.GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_UPDATE": Intent.GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_DELETE": Intent.GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_USER_ADD": Intent.GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_USER_REMOVE": Intent.GUILD_SCHEDULED_EVENTS,
}
_DM_EVENTS = {
    "MESSAGE_CREATE": Intent.DIRECT_MESSAGES,
    "MESSAGE_UPDATE": Intent.DIRECT_MESSAGES,
    "MESSAGE_DELETE": Intent.DIRECT_MESSAGES,
    "CHANNEL_PINS_UPDATE": Intent.DIRECT_MESSAGES,
    "MESSAGE_REACTION_ADD": Intent.DIRECT_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE": Intent.DIRECT_MESSAGE_REACTIONS,
    "TYPING_START": Intent.DIRECT_MESSAGE_TYPING,
}
_CONTENT_KEYS = ("content", "embeds", "attachments", "components", "poll")


def event_guild_id(event: str, data: dict[str, Any]) -> int | None:
    """The guild an event belongs to (None for DMs and the bot's own user)."""
    raw = data.get("guild_id")
    if raw is None and event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
        raw = data.get("id")
    return int(raw) if raw is not None else None


def parse_shard(value: Any) -> tuple[int, int] | None:
    """IDENTIFY's `shard`: [shard_id, shard_count] with 0 <= shard_id < shard_count, else None."""
    if not isinstance(value, list) or len(value) != 2:
        return None
    shard_id, count = value
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return None
    if not 0 <= shard_id < count:
        return None
    return shard_id, count


def required_intent(event: str, data: dict[str, Any]) -> int:
    if event.startswith(("MESSAGE_", "TYPING_", "CHANNEL_PINS")) and "guild_id" not in data:
        return _DM_EVENTS.get(event, 0)
    return _GUILD_EVENTS.get(event, 0)


class Connection:
    """One websocket; frames go out through a single writer so sequence order is kept."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.queue: asyncio.Queue[str | Callable[[], None] | None] = asyncio.Queue()
        self.writer = asyncio.create_task(self._write())
        self.session: Session | None = None

    def send(self, payload: dict[str, Any] | str) -> None:
        self.queue.put_nowait(payload if isinstance(payload, str) else json.dumps(payload))

    def call_when_sent(self, fn: Callable[[], None]) -> None:
        self.queue.put_nowait(fn)

    async def _write(self) -> None:
        while True:
            item = await self.queue.get()
            if item is None:
                return
            if callable(item):
                item()
                continue
            if self.ws.closed:
                continue
            try:
                await self.ws.send_str(item)
            except (ConnectionError, RuntimeError):
                continue

    async def stop(self) -> None:
        self.queue.put_nowait(None)
        try:
            await asyncio.wait_for(self.writer, 2)
        except (TimeoutError, asyncio.CancelledError):
            self.writer.cancel()


class Session:
    """A gateway session: what was sent (for RESUME), the intents, and the live connection if any."""

    def __init__(
        self,
        emu: Emulator,
        *,
        intents: int,
        identify: dict[str, Any],
        large_threshold: int,
        shard: tuple[int, int] = (0, 1),
    ) -> None:
        self.emu = emu
        self.shard_id, self.shard_count = shard
        self.id = secrets.token_hex(16)
        self.intents = intents
        self.identify = identify
        self.large_threshold = large_threshold
        self.seq = 0
        self.log: deque[tuple[int, str]] = deque(maxlen=20000)
        self.connection: Connection | None = None
        self.ready = asyncio.Event()
        self.ended = False
        self.presence: dict[str, Any] | None = identify.get("presence")

    def has(self, intent: int) -> bool:
        return bool(self.intents & intent)

    def owns_guild(self, guild_id: int) -> bool:
        return shard_of(guild_id, self.shard_count) == self.shard_id

    def carries(self, event: str, data: dict[str, Any]) -> bool:
        """Whether a broadcast event goes to this session: a guild's events only to its shard
        ((guild_id >> 22) % shard_count), everything else (DMs, the bot's user) only to shard 0."""
        guild_id = event_guild_id(event, data)
        return self.shard_id == 0 if guild_id is None else self.owns_guild(guild_id)

    def dispatch(self, event: str, data: dict[str, Any]) -> None:
        if self.ended:
            return
        needed = required_intent(event, data)
        if needed and not self.has(needed):
            return
        if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and not self.has(Intent.MESSAGE_CONTENT):
            data = self._without_content(data)
        self.seq += 1
        frame = json.dumps({"op": Op.DISPATCH, "t": event, "s": self.seq, "d": data})
        self.log.append((self.seq, frame))
        if self.connection is not None:
            self.connection.send(frame)

    def _without_content(self, data: dict[str, Any]) -> dict[str, Any]:
        """Without the MESSAGE_CONTENT intent Discord blanks content except DMs, mentions and own messages."""
        bot_id = str(self.emu.bot_user.id)
        if "guild_id" not in data or (data.get("author") or {}).get("id") == bot_id:
            return data
        if any(m.get("id") == bot_id for m in data.get("mentions") or []):
            return data
        stripped = dict(data)
        for key in _CONTENT_KEYS:
            if key in stripped:
                stripped[key] = "" if key == "content" else []
        return stripped


async def handle_gateway(request: web.Request) -> web.WebSocketResponse:
    from .rest import EMULATOR

    emu: Emulator = request.app[EMULATOR]
    ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
    await ws.prepare(request)
    conn = Connection(ws)
    emu._connections.add(conn)
    emu.gateway_connects += 1
    if emu.faults.gateway_silent:  # accepted, never a word: no HELLO, no answer to anything
        try:
            await emu.faults.released.wait()
        finally:
            emu._connections.discard(conn)
            await conn.stop()
        return ws
    conn.send(
        {"op": Op.HELLO, "d": {"heartbeat_interval": emu.heartbeat_interval_ms, "_trace": ["emulator"]}}
    )
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            payload = json.loads(msg.data)
            await _on_client_payload(emu, conn, payload)
    finally:
        emu._connections.discard(conn)
        session = conn.session
        if session is not None and session.connection is conn:
            session.connection = None
            if ws.close_code in (1000, 1001):
                session.ended = True  # a clean close ends the session: it cannot be resumed
        await conn.stop()
    return ws


async def _on_client_payload(emu: Emulator, conn: Connection, payload: dict[str, Any]) -> None:
    op = payload.get("op")
    d = payload.get("d")
    emu.gateway_received.append(payload)
    if op == Op.HEARTBEAT:
        conn.send({"op": Op.HEARTBEAT_ACK})
    elif op == Op.IDENTIFY:
        await _identify(emu, conn, d or {})
    elif op == Op.RESUME:
        await _resume(emu, conn, d or {})
    elif op == Op.PRESENCE_UPDATE:
        if conn.session is not None:
            conn.session.presence = d
    elif op == Op.REQUEST_GUILD_MEMBERS:
        _send_member_chunks(emu, conn, d or {})
    elif op == Op.VOICE_STATE_UPDATE:
        pass
    else:
        emu.violations.append(f"gateway: unknown opcode {op} from client: {payload!r}")
        await conn.ws.close(code=4001, message=b"Unknown opcode")


def _identify_allowed(emu: Emulator, shard_id: int) -> bool:
    """One IDENTIFY per ``identify_interval`` per bucket (``shard_id % max_concurrency``), as Discord."""
    bucket = shard_id % max(1, emu.max_concurrency)
    now = time.monotonic()
    last = emu.identified_at.get(bucket)
    if last is not None and now - last < emu.identify_interval:
        return False
    emu.identified_at[bucket] = now
    emu.identify_log.append((shard_id, now))
    return True


async def _identify(emu: Emulator, conn: Connection, d: dict[str, Any]) -> None:
    if conn.session is not None:
        await conn.ws.close(code=4005, message=b"Already authenticated")
        return
    if d.get("token") != (emu.gateway_token or emu.token):
        await conn.ws.close(code=4004, message=b"Authentication failed.")
        return
    intents = d.get("intents")
    if not isinstance(intents, int):
        await conn.ws.close(code=4013, message=b"Invalid intent(s).")
        return
    if intents & PRIVILEGED & ~emu.privileged_intents:
        await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
        return
    shard = (0, 1)
    if "shard" in d:
        parsed = parse_shard(d["shard"])
        if parsed is None:
            await conn.ws.close(code=4010, message=b"Invalid shard.")
            return
        shard = parsed
    guilds = [g for g in emu.guilds.values() if shard_of(g.id, shard[1]) == shard[0]]
    if len(guilds) > emu.max_guilds_per_shard:
        # Discord: "Sharding required" when a session (or one shard) would hold too many guilds.
        await conn.ws.close(code=4011, message=b"Sharding required.")
        return
    if not _identify_allowed(emu, shard[0]):
        # Discord: IDENTIFY faster than max_concurrency allows is answered with op 9 Invalid Session.
        emu.identifies_refused += 1
        conn.send({"op": Op.INVALID_SESSION, "d": False})
        return
    session = Session(
        emu,
        intents=intents,
        identify=d,
        large_threshold=int(d.get("large_threshold") or 50),
        shard=shard,
    )
    emu.sessions.append(session)
    emu.identifies += 1
    conn.session = session
    session.connection = conn
    session.dispatch(
        "READY",
        {
            "v": 10,
            "user": {**emu.bot_user.payload(), "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "resume_gateway_url": emu.gateway_url,
            "session_type": "normal",
            "application": {"id": str(emu.application_id), "flags": emu.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": ["rotterdam"],
            "user_settings": {},
            "auth": {},
            "_trace": ["emulator"],
            **({"shard": d["shard"]} if "shard" in d else {}),
        },
    )
    if session.has(Intent.GUILDS):
        for guild in guilds:
            session.dispatch("GUILD_CREATE", guild.payload(large_threshold=session.large_threshold))
    conn.call_when_sent(session.ready.set)
    emu._session_ready_changed()


async def _resume(emu: Emulator, conn: Connection, d: dict[str, Any]) -> None:
    session = next((s for s in emu.sessions if s.id == d.get("session_id")), None)
    if session is None or session.ended or d.get("token") != emu.token:
        conn.send({"op": Op.INVALID_SESSION, "d": False})
        return
    last_seen = int(d.get("seq") or 0)
    if session.log and session.log[0][0] > last_seen + 1:
        conn.send({"op": Op.INVALID_SESSION, "d": False})  # what was missed is no longer held
        return
    old = session.connection
    if old is not None and old is not conn:
        await old.ws.close(code=4000)
    conn.session = session
    session.connection = conn
    for seq, frame in session.log:
        if seq > last_seen:
            conn.send(frame)
    session.dispatch("RESUMED", {"_trace": ["emulator"]})
    emu.resumes += 1
    emu._resumed.set()


def _send_member_chunks(emu: Emulator, conn: Connection, d: dict[str, Any]) -> None:
    session = conn.session
    if session is None:
        return
    guild_ids = d.get("guild_id")
    ids = guild_ids if isinstance(guild_ids, list) else [guild_ids]
    query = (d.get("query") or "").lower()
    limit = int(d.get("limit") or 0)
    user_ids = {int(u) for u in (d.get("user_ids") or [])}
    if not query and not user_ids and not session.has(Intent.GUILD_MEMBERS):
        emu.violations.append("gateway: requested all guild members without the GUILD_MEMBERS intent")
        return
    for gid in ids:
        guild = emu.guilds.get(int(gid)) if gid is not None else None
        if guild is None or not session.owns_guild(guild.id):
            continue
        members = list(guild.members.values())
        if user_ids:
            members = [m for m in members if m.id in user_ids]
        elif query:
            members = [
                m
                for m in members
                if m.user.username.lower().startswith(query) or (m.nick or "").lower().startswith(query)
            ]
        if limit:
            members = members[:limit]
        chunks = [members[i : i + 1000] for i in range(0, len(members), 1000)] or [[]]
        for index, chunk in enumerate(chunks):
            data: dict[str, Any] = {
                "guild_id": str(guild.id),
                "members": [m.payload() for m in chunk],
                "chunk_index": index,
                "chunk_count": len(chunks),
            }
            if d.get("nonce") is not None:
                data["nonce"] = d["nonce"]
            if user_ids and index == 0:
                data["not_found"] = [str(u) for u in user_ids - {m.id for m in members}]
            session.dispatch("GUILD_MEMBERS_CHUNK", data)


__all__ = [
    "Connection",
    "Intent",
    "Op",
    "Session",
    "WSCloseCode",
    "event_guild_id",
    "handle_gateway",
    "parse_shard",
]
