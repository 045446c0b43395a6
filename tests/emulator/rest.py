"""REST routes under /api/v10: the subset of Discord's HTTP API a community bot uses, with Discord's errors."""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .models import (
    FORUM_TYPES,
    MESSAGE_FLAG_EPHEMERAL,
    MESSAGEABLE_TYPES,
    THREAD_TYPES,
    Attachment,
    Channel,
    ChannelType,
    Guild,
    Member,
    Message,
    emoji_payload,
    normalise_emoji,
)
from .permissions import Permission
from .snowflakes import iso, snowflake_time

if TYPE_CHECKING:
    from .server import Emulator

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

RATE_LIMIT = 50  # per bucket per second: generous, so the bot never has to wait in tests
ALLOWED_MESSAGE_FLAGS = (1 << 2) | (1 << 12) | (1 << 13) | (1 << 15)  # suppress embeds/notifications, voice, v2


def json_response(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON exactly as Discord labels it: discord.py only parses `Content-Type: application/json` (no charset)."""
    response = web.Response(body=json.dumps(data).encode(), status=status, headers=headers)
    response.content_type = "application/json"
    return response


class DiscordError(Exception):
    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def response(self) -> web.Response:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return json_response(body, status=self.status)


def invalid_form(field: str, code: str, message: str) -> DiscordError:
    return DiscordError(400, 50035, "Invalid Form Body", {field: {"_errors": [{"code": code, "message": message}]}})


def missing_permissions() -> DiscordError:
    return DiscordError(403, 50013, "Missing Permissions")


def unknown(what: str) -> DiscordError:
    codes = {"Channel": 10003, "Guild": 10004, "Member": 10007, "Message": 10008, "Role": 10011, "User": 10013,
             "Emoji": 10014, "Webhook": 10015, "Interaction": 10062, "application command": 10063,
             "Guild Scheduled Event": 10070}
    return DiscordError(404, codes[what], f"Unknown {what}")


EMULATOR: web.AppKey[Any] = web.AppKey("emulator")


@dataclass(slots=True)
class Upload:
    index: int
    filename: str
    content_type: str | None
    data: bytes


# ---------------------------------------------------------------------------------------------- middleware

# The parsed body (JSON or multipart payload_json) and uploaded files of the request being handled.
_PARSED: ContextVar[tuple[Any, list[Upload]]] = ContextVar("parsed_body", default=(None, []))


async def _parse_body(request: web.Request) -> tuple[Any, list[Upload]]:
    if request.method in ("GET", "HEAD") or not request.can_read_body:
        return None, []
    if request.content_type.startswith("multipart/"):
        body: Any = None
        uploads: list[Upload] = []
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            name = part.name or ""  # type: ignore[union-attr]
            data = await part.read()  # type: ignore[union-attr]
            if name == "payload_json":
                body = json.loads(data)
            elif name.startswith("files[") or name == "file":
                index = int(name[6:-1]) if name.startswith("files[") else 0
                uploads.append(Upload(index, part.filename or f"file{index}",  # type: ignore[union-attr]
                                      part.headers.get("Content-Type"), bytes(data)))  # type: ignore[union-attr]
        return body, uploads
    text = await request.text()
    if not text:
        return None, []
    return json.loads(text), []


def _needs_auth(path: str) -> bool:
    parts = path.strip("/").split("/")
    if parts[0] == "interactions":
        return False
    if parts[0] == "webhooks" and len(parts) >= 3:
        return False
    return True


@web.middleware
async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/api/v10/"):
        return await handler(request)
    from .server import RecordedRequest

    emu: Emulator = request.app[EMULATOR]
    path = request.path[len("/api/v10"):]
    rec = RecordedRequest(request.method, path, dict(request.query), dict(request.headers), time.time())
    emu.requests.append(rec)
    try:
        body, uploads = await _parse_body(request)
    except (ValueError, UnicodeDecodeError) as exc:
        emu.violations.append(f"{request.method} {path}: body is not valid JSON ({exc})")
        return DiscordError(400, 50109, "The request body contains invalid JSON.").response()
    rec.json = body
    rec.files = [u.filename for u in uploads]
    _PARSED.set((body, uploads))
    try:
        response = await _faulted(emu, request.method, path)
        if response is None:
            if _needs_auth(path) and request.headers.get("Authorization") != f"Bot {emu.token}":
                raise DiscordError(401, 0, "401: Unauthorized")
            if body is not None and request.method in ("POST", "PUT", "PATCH"):
                multipart = request.content_type.startswith("multipart/")
                _validate_body(emu, request.method, path, body, multipart=multipart)
            response = await handler(request)
    except DiscordError as exc:
        response = exc.response()
    _add_ratelimit_headers(emu, request, path, response)
    rec.status = response.status
    emu._notify()
    return response


async def _faulted(emu: Emulator, method: str, path: str) -> web.Response | None:
    for fault in emu.faults.take(method, path):
        if fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
        elif fault.kind == "rate_limit":
            headers = {
                "Retry-After": str(math.ceil(fault.retry_after)),
                "X-RateLimit-Scope": "global" if fault.global_ else "user",
                "Via": "1.1 google",
            }
            if fault.global_:
                headers["X-RateLimit-Global"] = "true"
            else:
                headers.update({"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
                                "X-RateLimit-Reset-After": f"{fault.retry_after:.3f}",
                                "X-RateLimit-Reset": f"{time.time() + fault.retry_after:.3f}"})
            return json_response(
                {"message": "You are being rate limited.", "retry_after": fault.retry_after, "global": fault.global_},
                status=429, headers=headers)
        elif fault.kind == "server_error":
            return json_response({"message": "Internal Server Error", "code": 0}, status=fault.status)
    return None


def _validate_body(emu: Emulator, method: str, path: str, body: Any, *, multipart: bool) -> None:
    """OpenAPI schema + Discord's unwritten limits (spec.py); Discord would answer 400, the test fails."""
    if emu.validator is not None:
        problems = emu.validator.validate(method, path, body, multipart=multipart)
    else:
        from .spec import check_discord_limits

        problems = check_discord_limits(method, path, body)
    if problems:
        emu.violations.extend(f"spec: {p}" for p in problems)
        raise DiscordError(400, 50035, "Invalid Form Body", {"_spec": {"_errors": [
            {"code": "SPEC_VIOLATION", "message": p} for p in problems]}})


def _add_ratelimit_headers(emu: Emulator, request: web.Request, path: str, response: web.StreamResponse) -> None:
    if response.status == 429 or not isinstance(response, web.Response):
        return
    resource = request.match_info.route.resource
    template = resource.canonical if resource is not None else path
    bucket = hashlib.sha1(f"{request.method} {template}".encode()).hexdigest()[:16]
    info = request.match_info
    major = info.get("channel_id") or info.get("guild_id") or info.get("webhook_id") or ""
    key = f"{bucket}:{major}"
    now = time.monotonic()
    start, used = emu._ratelimit_windows.get(key, (now, 0))
    if now - start >= 1.0:
        start, used = now, 0
    used += 1
    emu._ratelimit_windows[key] = (start, used)
    reset_after = max(0.0, 1.0 - (now - start))
    response.headers.update({
        "X-RateLimit-Limit": str(RATE_LIMIT),
        "X-RateLimit-Remaining": str(max(RATE_LIMIT - used, 0)),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket,
    })


# ---------------------------------------------------------------------------------------------- helpers


def _emu(request: web.Request) -> Emulator:
    return request.app[EMULATOR]  # type: ignore[no-any-return]


def _body(request: web.Request) -> dict[str, Any]:
    body = _PARSED.get()[0]
    return body if isinstance(body, dict) else {}


def _uploads(request: web.Request) -> list[Upload]:
    return _PARSED.get()[1]


def _id(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError:
        raise invalid_form(name, "NUMBER_TYPE_COERCE", f"Value \"{request.match_info[name]}\" is not snowflake.") from None


def _channel(emu: Emulator, channel_id: int) -> Channel:
    channel = emu.channels.get(channel_id)
    if channel is None or channel.deleted:
        raise unknown("Channel")
    return channel


def _guild(emu: Emulator, guild_id: int) -> Guild:
    guild = emu.guilds.get(guild_id)
    if guild is None:
        raise unknown("Guild")
    return guild


def _message(emu: Emulator, channel: Channel, message_id: int) -> Message:
    message = emu.messages.get(message_id)
    if message is None or message.deleted or message.channel is not channel or message.ephemeral:
        raise unknown("Message")
    return message


def _bot_perms(emu: Emulator, channel: Channel) -> Permission:
    if channel.guild is None:
        return Permission(~0 & ((1 << 52) - 1))
    return channel.guild.me.permissions_in(channel)


def _require(emu: Emulator, channel: Channel, *needed: Permission) -> None:
    have = _bot_perms(emu, channel)
    if not have & Permission.VIEW_CHANNEL:
        raise DiscordError(403, 50001, "Missing Access")
    for p in needed:
        if not have & p:
            raise missing_permissions()


def _require_guild(guild: Guild, *needed: Permission) -> None:
    have = guild.me.permissions
    for p in needed:
        if not have & p:
            raise missing_permissions()


def _json(data: Any, status: int = 200) -> web.Response:
    return json_response(data, status=status)


def _no_content() -> web.Response:
    return web.Response(status=204)


def _uploads_to_attachments(emu: Emulator, channel: Channel, body: dict[str, Any], uploads: list[Upload],
                            *, keep: list[Attachment] | None = None) -> list[Attachment]:
    """Attachments for a new or edited message: uploads (described by body.attachments) plus kept ones."""
    described = {str(a.get("id")): a for a in body.get("attachments") or [] if isinstance(a, dict)}
    out: list[Attachment] = []
    if keep is not None and "attachments" in body:
        out = [a for a in keep if str(a.id) in described]
    elif keep is not None:
        out = list(keep)
    for up in uploads:
        meta = described.get(str(up.index), {})
        out.append(emu.attachment(channel, meta.get("filename") or up.filename, up.data,
                                  content_type=up.content_type, description=meta.get("description")))
    return out


def _check_sendable(emu: Emulator, channel: Channel, body: dict[str, Any], uploads: list[Upload]) -> None:
    if channel.type == ChannelType.DM:
        assert channel.recipient is not None
        if channel.recipient.dms_closed:
            raise DiscordError(403, 50007, "Cannot send messages to this user")
        return
    if channel.type not in MESSAGEABLE_TYPES:
        raise DiscordError(400, 50008, "Cannot send messages in a non-text channel")
    _require(emu, channel, Permission.SEND_MESSAGES_IN_THREADS if channel.is_thread else Permission.SEND_MESSAGES)
    if uploads:
        _require(emu, channel, Permission.ATTACH_FILES)
    if body.get("message_reference"):
        _require(emu, channel, Permission.READ_MESSAGE_HISTORY)
    if channel.is_thread:
        _unarchive_for_message(emu, channel)


def _unarchive_for_message(emu: Emulator, thread: Channel) -> None:
    if not thread.archived:
        return
    if thread.locked and not _bot_perms(emu, thread) & Permission.MANAGE_THREADS:
        raise DiscordError(400, 50083, "Thread is archived")
    thread.archived = False
    thread.archive_timestamp = iso(datetime.now(UTC))
    emu.dispatch("THREAD_UPDATE", thread.payload())


def _check_content(body: dict[str, Any], uploads: list[Upload], *, require_something: bool = True) -> None:
    if require_something and not (body.get("content") or body.get("embeds") or body.get("components")
                                  or uploads or body.get("sticker_ids") or body.get("poll")):
        raise DiscordError(400, 50006, "Cannot send an empty message")


def _check_reference(emu: Emulator, channel: Channel, body: dict[str, Any]) -> None:
    ref = body.get("message_reference")
    if not ref:
        return
    target = emu.messages.get(int(ref.get("message_id") or 0))
    if target is None or target.deleted:
        if ref.get("fail_if_not_exists", True):
            raise invalid_form("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
        body.pop("message_reference")
    elif int(ref.get("type", 0)) == 0 and target.channel is not channel:
        raise invalid_form("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")


def publish(emu: Emulator, message: Message) -> Message:
    emu.store_message(message)
    if not message.ephemeral:
        emu.dispatch("MESSAGE_CREATE", message.payload(with_member=True))
    return message


def apply_edit(emu: Emulator, message: Message, body: dict[str, Any], uploads: list[Upload]) -> Message:
    if "content" in body:
        message.content = body["content"] or ""
    if "embeds" in body:
        message.embeds = [{"type": "rich", **e} for e in body["embeds"] or []]
    if "components" in body:
        from .server import _with_component_ids

        message.components = _with_component_ids(body["components"] or [])
    if "flags" in body and body["flags"] is not None:
        keep = message.flags & ~((1 << 2) | (1 << 7))
        message.flags = keep | (int(body["flags"]) & (1 << 2))
    else:
        message.flags &= ~(1 << 7)  # editing a deferred ("thinking") response ends the loading state
    if "attachments" in body or uploads:
        message.attachments = _uploads_to_attachments(emu, message.channel, body, uploads, keep=message.attachments)
    if "allowed_mentions" in body or "content" in body:
        message.pings = emu.compute_pings(message, body.get("allowed_mentions"))
    message.edited_at = datetime.now(UTC)
    if not message.ephemeral:
        emu.dispatch("MESSAGE_UPDATE", message.payload(with_member=True))
    emu._notify()
    return message


def delete_message(emu: Emulator, message: Message) -> None:
    message.deleted = True
    if not message.ephemeral:
        data = {"id": str(message.id), "channel_id": str(message.channel.id)}
        if message.channel.guild_id:
            data["guild_id"] = str(message.channel.guild_id)
        emu.dispatch("MESSAGE_DELETE", data)
    emu._notify()


# ---------------------------------------------------------------------------------------------- users, app, gateway


async def get_gateway(request: web.Request) -> web.Response:
    return _json({"url": _emu(request).gateway_url})


async def get_gateway_bot(request: web.Request) -> web.Response:
    return _json({"url": _emu(request).gateway_url, "shards": 1, "session_start_limit": {
        "total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}})


async def get_me(request: web.Request) -> web.Response:
    emu = _emu(request)
    return _json({**emu.bot_user.payload(), "verified": True, "mfa_enabled": False, "locale": "en-US",
                  "email": None, "bio": ""})


async def get_user(request: web.Request) -> web.Response:
    user = _emu(request).users.get(_id(request, "user_id"))
    if user is None:
        raise unknown("User")
    return _json(user.payload())


async def get_application(request: web.Request) -> web.Response:
    emu = _emu(request)
    return _json({
        "id": str(emu.application_id),
        "name": emu.bot_user.global_name or emu.bot_user.username,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "hook": True,
        "rpc_origins": [],
        "bot_public": False,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": emu.application_flags,
        "owner": emu.owner.payload(),
        "team": None,
        "bot": emu.bot_user.payload(),
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "approximate_guild_count": len(emu.guilds),
        "approximate_user_install_count": 0,
        "tags": [],
        "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
        "integration_types_config": {"0": {}},
        "event_webhooks_status": 1,
        "event_webhooks_url": None,
        "event_webhooks_types": [],
    })


async def create_dm(request: web.Request) -> web.Response:
    emu = _emu(request)
    recipient = _body(request).get("recipient_id")
    user = emu.users.get(int(recipient)) if recipient is not None else None
    if user is None:
        raise unknown("User")
    return _json(emu.dm_channel(user).payload())


# ---------------------------------------------------------------------------------------------- commands


def _command_store(emu: Emulator, request: web.Request) -> tuple[dict[int, dict[str, Any]], Guild | None]:
    if _id(request, "application_id") != emu.application_id:
        raise DiscordError(403, 50001, "Missing Access")
    if "guild_id" in request.match_info:
        guild = _guild(emu, _id(request, "guild_id"))
        return emu.guild_commands.setdefault(guild.id, {}), guild
    return emu.global_commands, None


def _normalise_command(emu: Emulator, data: dict[str, Any], guild: Guild | None, command_id: int) -> dict[str, Any]:
    kind = int(data.get("type") or 1)
    perms = data.get("default_member_permissions")
    out: dict[str, Any] = {
        "id": str(command_id),
        "application_id": str(emu.application_id),
        "version": str(emu.ids.next()),
        "type": kind,
        "name": data["name"],
        "name_localizations": data.get("name_localizations"),
        "description": data.get("description") or "",
        "description_localizations": data.get("description_localizations"),
        "default_member_permissions": None if perms is None else str(perms),
        "nsfw": bool(data.get("nsfw")),
        "contexts": data.get("contexts"),
        "integration_types": data.get("integration_types") or [0],
    }
    if data.get("options"):
        out["options"] = data["options"]
    if guild is not None:
        out["guild_id"] = str(guild.id)
    else:
        out["dm_permission"] = data.get("dm_permission", True)
    return out


def _upsert_command(emu: Emulator, store: dict[int, dict[str, Any]], data: dict[str, Any],
                    guild: Guild | None) -> tuple[dict[str, Any], bool]:
    kind = int(data.get("type") or 1)
    existing = next((c for c in store.values() if c["name"] == data.get("name") and c["type"] == kind), None)
    command_id = int(existing["id"]) if existing else emu.ids.next()
    command = _normalise_command(emu, data, guild, command_id)
    store[command_id] = command
    return command, existing is None


async def list_commands(request: web.Request) -> web.Response:
    store, _ = _command_store(_emu(request), request)
    return _json(list(store.values()))


async def bulk_put_commands(request: web.Request) -> web.Response:
    emu = _emu(request)
    store, guild = _command_store(emu, request)
    body = _PARSED.get()[0]
    if not isinstance(body, list):
        raise invalid_form("_root", "LIST_TYPE_CONVERT", "Must be a list")
    old = dict(store)
    store.clear()
    result = []
    for data in body:
        kind = int(data.get("type") or 1)
        prior = next((c for c in old.values() if c["name"] == data.get("name") and c["type"] == kind), None)
        command_id = int(prior["id"]) if prior else emu.ids.next()
        command = _normalise_command(emu, data, guild, command_id)
        store[command_id] = command
        result.append(command)
    emu.command_syncs += 1
    return _json(result)


async def create_command(request: web.Request) -> web.Response:
    emu = _emu(request)
    store, guild = _command_store(emu, request)
    body = _body(request)
    command, created = _upsert_command(emu, store, body, guild)
    return _json(command, status=201 if created else 200)


def _command(request: web.Request) -> tuple[dict[int, dict[str, Any]], dict[str, Any], Guild | None]:
    store, guild = _command_store(_emu(request), request)
    command = store.get(_id(request, "command_id"))
    if command is None:
        raise unknown("application command")
    return store, command, guild


async def get_command(request: web.Request) -> web.Response:
    return _json(_command(request)[1])


async def edit_command(request: web.Request) -> web.Response:
    emu = _emu(request)
    store, command, guild = _command(request)
    merged = {**command, **_body(request)}
    updated = _normalise_command(emu, merged, guild, int(command["id"]))
    store[int(command["id"])] = updated
    return _json(updated)


async def delete_command(request: web.Request) -> web.Response:
    store, command, _ = _command(request)
    del store[int(command["id"])]
    return _no_content()


async def command_permissions(request: web.Request) -> web.Response:
    _command_store(_emu(request), request)
    return _json([])


# ---------------------------------------------------------------------------------------------- channels & messages


async def get_channel(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    if channel.guild is not None:
        _require(emu, channel)
    return _json(channel.payload())


async def edit_channel(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    body = _body(request)
    perms = _bot_perms(emu, channel)
    if channel.is_thread:
        owner = channel.owner_id == emu.bot_user.id
        manage = bool(perms & Permission.MANAGE_THREADS)
        if "locked" in body and bool(body["locked"]) != channel.locked and not manage:
            raise missing_permissions()
        if (("archived" in body or "name" in body or "auto_archive_duration" in body) and not (owner or manage)):
            raise missing_permissions()
        if channel.locked and not manage and body.get("archived") is False:
            raise missing_permissions()
        if "name" in body:
            channel.name = body["name"]
        if "locked" in body:
            channel.locked = bool(body["locked"])
        if "archived" in body and bool(body["archived"]) != channel.archived:
            channel.archived = bool(body["archived"])
            channel.archive_timestamp = iso(datetime.now(UTC))
        if "auto_archive_duration" in body:
            channel.auto_archive_duration = int(body["auto_archive_duration"])
        if "rate_limit_per_user" in body:
            channel.rate_limit_per_user = int(body["rate_limit_per_user"] or 0)
        if "invitable" in body:
            channel.invitable = bool(body["invitable"])
        if "applied_tags" in body:
            parent = channel.parent
            valid = {int(t["id"]) for t in (parent.available_tags if parent else [])}
            tags = [int(t) for t in body["applied_tags"] or []]
            if set(tags) - valid:
                raise invalid_form("applied_tags", "UNKNOWN_TAG", "Unknown tag")
            if len(tags) > 5:
                raise invalid_form("applied_tags", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
            channel.applied_tags = tags
        emu.dispatch("THREAD_UPDATE", channel.payload())
    else:
        if channel.guild is None:
            raise DiscordError(403, 50003, "Cannot execute action on a DM channel")
        _require(emu, channel, Permission.MANAGE_CHANNELS)
        for key in ("name", "topic", "nsfw", "rate_limit_per_user", "position"):
            if key in body:
                setattr(channel, key, body[key])
        if "permission_overwrites" in body:
            channel.overwrites = body["permission_overwrites"]
        if "available_tags" in body and channel.is_forum:
            channel.available_tags = [{**t, "id": t.get("id") or str(emu.ids.next()),
                                       "moderated": t.get("moderated", False),
                                       "emoji_id": t.get("emoji_id"), "emoji_name": t.get("emoji_name")}
                                      for t in body["available_tags"]]
        emu.dispatch("CHANNEL_UPDATE", channel.payload())
    emu._notify()
    return _json(channel.payload())


async def delete_channel(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    if channel.guild is not None:
        _require(emu, channel, Permission.MANAGE_THREADS if channel.is_thread else Permission.MANAGE_CHANNELS)
    payload = channel.payload()
    emu._delete_channel(channel)
    return _json(payload)


async def list_messages(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    _require(emu, channel, Permission.READ_MESSAGE_HISTORY)
    limit = int(request.query.get("limit", "50"))
    if not 1 <= limit <= 100:
        raise invalid_form("limit", "NUMBER_TYPE_MAX", "int value should be between 1 and 100")
    messages = emu.messages_in(channel)  # oldest first
    if "before" in request.query:
        before = int(request.query["before"])
        picked = [m for m in messages if m.id < before][-limit:]
    elif "after" in request.query:
        after = int(request.query["after"])
        picked = [m for m in messages if m.id > after][:limit]
    elif "around" in request.query:
        around = int(request.query["around"])
        older = [m for m in messages if m.id < around][-(limit // 2):] if limit > 1 else []
        newer = [m for m in messages if m.id >= around][: limit - len(older)]
        picked = older + newer
    else:
        picked = messages[-limit:]
    return _json([m.payload() for m in reversed(picked)])


async def get_message(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    _require(emu, channel, Permission.READ_MESSAGE_HISTORY)
    return _json(_message(emu, channel, _id(request, "message_id")).payload())


async def create_message(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    body = _body(request)
    uploads: list[Upload] = _uploads(request)
    _check_sendable(emu, channel, body, uploads)
    _check_content(body, uploads)
    if int(body.get("flags") or 0) & ~ALLOWED_MESSAGE_FLAGS:
        raise invalid_form("flags", "MESSAGE_FLAGS_INVALID", "Invalid flags for a channel message")
    nonce = body.get("nonce")
    if nonce is not None and body.get("enforce_nonce"):
        cutoff = datetime.now(UTC) - timedelta(minutes=5)
        for m in reversed(emu.channel_messages.get(channel.id, [])):
            if m.created_at < cutoff:
                break
            if m.nonce == nonce and m.author.id == emu.bot_user.id and not m.deleted:
                return _json(m.payload())
    _check_reference(emu, channel, body)
    attachments = _uploads_to_attachments(emu, channel, body, uploads)
    message = emu.new_message(channel, emu.bot_user, body, attachments=attachments)
    publish(emu, message)
    return _json(message.payload())


async def edit_message(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    message = _message(emu, channel, _id(request, "message_id"))
    body = _body(request)
    if message.author.id != emu.bot_user.id or message.webhook_id is not None:
        if set(body) - {"flags"}:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        _require(emu, channel, Permission.MANAGE_MESSAGES)
    _check_content(body, _uploads(request), require_something=False)
    return _json(apply_edit(emu, message, body, _uploads(request)).payload())


async def remove_message(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    message = _message(emu, channel, _id(request, "message_id"))
    if message.author.id != emu.bot_user.id:
        if channel.guild is None:
            raise DiscordError(403, 50003, "Cannot execute action on a DM channel")
        _require(emu, channel, Permission.MANAGE_MESSAGES)
    delete_message(emu, message)
    return _no_content()


async def bulk_delete(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    if channel.guild is None:
        raise DiscordError(403, 50003, "Cannot execute action on a DM channel")
    _require(emu, channel, Permission.MANAGE_MESSAGES)
    ids = [int(i) for i in _body(request).get("messages") or []]
    if not 2 <= len(ids) <= 100:
        raise invalid_form("messages", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length.")
    two_weeks_ago = datetime.now(UTC) - timedelta(days=14)
    if any(snowflake_time(i) < two_weeks_ago for i in ids):
        raise DiscordError(400, 50034, "You can only bulk delete messages that are under 14 days old.")
    deleted = []
    for i in ids:
        m = emu.messages.get(i)
        if m is not None and m.channel is channel and not m.deleted:
            m.deleted = True
            deleted.append(str(i))
    emu.dispatch("MESSAGE_DELETE_BULK", {"ids": deleted, "channel_id": str(channel.id),
                                         "guild_id": str(channel.guild_id)})
    emu._notify()
    return _no_content()


async def typing(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    if channel.guild is not None:
        _require(emu, channel, Permission.SEND_MESSAGES_IN_THREADS if channel.is_thread else Permission.SEND_MESSAGES)
    emu.typing_in.append(channel.id)
    return _no_content()


# ----- pins


async def pin(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    message = _message(emu, channel, _id(request, "message_id"))
    if channel.guild is not None and not _bot_perms(emu, channel) & (Permission.PIN_MESSAGES | Permission.MANAGE_MESSAGES):
        raise missing_permissions()
    message.pinned = request.method == "PUT"
    emu.dispatch("MESSAGE_UPDATE", message.payload(with_member=True))
    emu.dispatch("CHANNEL_PINS_UPDATE", {"channel_id": str(channel.id), "last_pin_timestamp": iso(datetime.now(UTC)),
                                         **({"guild_id": str(channel.guild_id)} if channel.guild_id else {})})
    return _no_content()


async def list_pins(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    pinned = [m for m in emu.messages_in(channel) if m.pinned]
    if request.path.endswith("/messages/pins"):
        return _json({"items": [{"pinned_at": iso(m.created_at), "message": m.payload()} for m in reversed(pinned)],
                      "has_more": False})
    return _json([m.payload() for m in reversed(pinned)])


# ----- reactions


def _reaction_target(request: web.Request) -> tuple[Emulator, Channel, Message, str]:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    message = _message(emu, channel, _id(request, "message_id"))
    return emu, channel, message, normalise_emoji(request.match_info.get("emoji", ""))


def reaction_event(emu: Emulator, message: Message, emoji: str, user_id: int) -> dict[str, Any]:
    data: dict[str, Any] = {"user_id": str(user_id), "channel_id": str(message.channel.id),
                            "message_id": str(message.id), "emoji": emoji_payload(emoji), "burst": False, "type": 0}
    guild = message.channel.guild
    if guild is not None:
        data["guild_id"] = str(guild.id)
        if user_id in guild.members:
            data["member"] = guild.members[user_id].payload()
    return data


async def add_reaction(request: web.Request) -> web.Response:
    emu, channel, message, emoji = _reaction_target(request)
    if channel.guild is not None:
        _require(emu, channel, Permission.READ_MESSAGE_HISTORY)
        if not message.reactions.get(emoji):
            _require(emu, channel, Permission.ADD_REACTIONS)
    users = message.reactions.setdefault(emoji, [])
    if len(message.reactions) > 20 and not users:
        raise DiscordError(400, 30010, "Maximum number of reactions reached (20)")
    if emu.bot_user.id not in users:
        users.append(emu.bot_user.id)
        emu.dispatch("MESSAGE_REACTION_ADD", {**reaction_event(emu, message, emoji, emu.bot_user.id),
                                              "message_author_id": str(message.author.id)})
    emu._notify()
    return _no_content()


async def remove_reaction(request: web.Request) -> web.Response:
    emu, channel, message, emoji = _reaction_target(request)
    who = request.match_info.get("user_id", "@me")
    user_id = emu.bot_user.id if who == "@me" else int(who)
    if user_id != emu.bot_user.id:
        _require(emu, channel, Permission.MANAGE_MESSAGES)
    users = message.reactions.get(emoji, [])
    if user_id in users:
        users.remove(user_id)
        emu.dispatch("MESSAGE_REACTION_REMOVE", reaction_event(emu, message, emoji, user_id))
    emu._notify()
    return _no_content()


async def list_reactions(request: web.Request) -> web.Response:
    emu, _, message, emoji = _reaction_target(request)
    return _json([emu.users[u].payload() for u in message.reactions.get(emoji, []) if u in emu.users])


async def clear_reactions(request: web.Request) -> web.Response:
    emu, channel, message, emoji = _reaction_target(request)
    _require(emu, channel, Permission.MANAGE_MESSAGES)
    base = {"channel_id": str(channel.id), "message_id": str(message.id),
            **({"guild_id": str(channel.guild_id)} if channel.guild_id else {})}
    if "emoji" in request.match_info:
        message.reactions.pop(emoji, None)
        emu.dispatch("MESSAGE_REACTION_REMOVE_EMOJI", {**base, "emoji": emoji_payload(emoji)})
    else:
        message.reactions.clear()
        emu.dispatch("MESSAGE_REACTION_REMOVE_ALL", base)
    emu._notify()
    return _no_content()


# ---------------------------------------------------------------------------------------------- threads


def _new_thread(emu: Emulator, parent: Channel, name: str, kind: int, body: dict[str, Any],
                thread_id: int | None = None) -> Channel:
    assert parent.guild is not None
    if not name or len(name) > 100:
        raise invalid_form("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    thread = Channel(thread_id or emu.ids.next(), kind, name, guild=parent.guild, parent_id=parent.id,
                     owner_id=emu.bot_user.id, auto_archive_duration=int(body.get("auto_archive_duration") or 4320),
                     rate_limit_per_user=int(body.get("rate_limit_per_user") or 0),
                     invitable=bool(body.get("invitable", True)), thread_member_ids={emu.bot_user.id}, emu=emu)
    emu._register_channel(thread)
    return thread


def _thread_created(emu: Emulator, thread: Channel) -> dict[str, Any]:
    payload = {**thread.payload(), "newly_created": True,
               "member": thread.thread_member_payload(emu.bot_user.id)}
    emu.dispatch("THREAD_CREATE", payload)
    return payload


async def start_thread_from_message(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    message = _message(emu, channel, _id(request, "message_id"))
    if channel.type not in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
        raise DiscordError(400, 50024, "Cannot execute action on this channel type")
    _require(emu, channel, Permission.CREATE_PUBLIC_THREADS, Permission.READ_MESSAGE_HISTORY)
    if message.thread is not None:
        raise DiscordError(400, 160004, "A thread has already been created for this message")
    kind = ChannelType.ANNOUNCEMENT_THREAD if channel.type == ChannelType.GUILD_ANNOUNCEMENT else ChannelType.PUBLIC_THREAD
    body = _body(request)
    thread = _new_thread(emu, channel, body.get("name") or "", kind, body, thread_id=message.id)
    message.thread = thread
    payload = _thread_created(emu, thread)
    emu.dispatch("MESSAGE_UPDATE", message.payload(with_member=True))
    return _json(payload, status=201)


async def start_thread(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    body = _body(request)
    if channel.type in FORUM_TYPES:
        _require(emu, channel, Permission.SEND_MESSAGES)
        starter_body = body.get("message")
        if not isinstance(starter_body, dict):
            raise invalid_form("message", "BASE_TYPE_REQUIRED", "This field is required")
        uploads: list[Upload] = _uploads(request)
        _check_content(starter_body, uploads)
        valid = {int(t["id"]) for t in channel.available_tags}
        tags = [int(t) for t in body.get("applied_tags") or []]
        if set(tags) - valid:
            raise invalid_form("applied_tags", "UNKNOWN_TAG", "Unknown tag")
        if len(tags) > 5:
            raise invalid_form("applied_tags", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
        thread = _new_thread(emu, channel, body.get("name") or "", ChannelType.PUBLIC_THREAD, body)
        thread.applied_tags = tags
        attachments = _uploads_to_attachments(emu, thread, starter_body, uploads)
        starter = emu.new_message(thread, emu.bot_user, starter_body, attachments=attachments, message_id=thread.id)
        emu.store_message(starter)
        payload = _thread_created(emu, thread)
        emu.dispatch("MESSAGE_CREATE", starter.payload(with_member=True))
        return _json({**payload, "message": starter.payload()}, status=201)
    if channel.type not in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
        raise DiscordError(400, 50024, "Cannot execute action on this channel type")
    kind = int(body.get("type") or ChannelType.PRIVATE_THREAD)
    if kind not in THREAD_TYPES:
        raise invalid_form("type", "BASE_TYPE_CHOICES", f"Value must be one of {sorted(THREAD_TYPES)}.")
    _require(emu, channel, Permission.CREATE_PRIVATE_THREADS if kind == ChannelType.PRIVATE_THREAD
             else Permission.CREATE_PUBLIC_THREADS)
    thread = _new_thread(emu, channel, body.get("name") or "", kind, body)
    return _json(_thread_created(emu, thread), status=201)


def _thread(emu: Emulator, request: web.Request) -> Channel:
    thread = _channel(emu, _id(request, "channel_id"))
    if not thread.is_thread:
        raise DiscordError(400, 50024, "Cannot execute action on this channel type")
    return thread


def _members_update(emu: Emulator, thread: Channel, *, added: list[int] = (), removed: list[int] = ()) -> None:  # type: ignore[assignment]
    assert thread.guild is not None
    data: dict[str, Any] = {"id": str(thread.id), "guild_id": str(thread.guild.id),
                            "member_count": min(len(thread.thread_member_ids), 50)}
    if added:
        data["added_members"] = [
            {**thread.thread_member_payload(u),
             **({"member": thread.guild.members[u].payload()} if u in thread.guild.members else {}),
             "presence": None}
            for u in added]
    if removed:
        data["removed_member_ids"] = [str(u) for u in removed]
    emu.dispatch("THREAD_MEMBERS_UPDATE", data)
    if emu.bot_user.id in added:
        emu.dispatch("THREAD_MEMBER_UPDATE", {**thread.thread_member_payload(emu.bot_user.id),
                                              "guild_id": str(thread.guild.id)})


async def add_thread_member(request: web.Request) -> web.Response:
    emu = _emu(request)
    thread = _thread(emu, request)
    who = request.match_info["user_id"]
    user_id = emu.bot_user.id if who == "@me" else int(who)
    if thread.archived:
        raise DiscordError(400, 50083, "Thread is archived")
    if user_id != emu.bot_user.id:
        _require(emu, thread, Permission.SEND_MESSAGES_IN_THREADS)
        if thread.guild is None or user_id not in thread.guild.members:
            raise unknown("Member")
    else:
        _require(emu, thread)
    if thread.type == ChannelType.PRIVATE_THREAD and emu.bot_user.id not in thread.thread_member_ids:
        _require(emu, thread, Permission.MANAGE_THREADS)
    if user_id not in thread.thread_member_ids:
        thread.thread_member_ids.add(user_id)
        _members_update(emu, thread, added=[user_id])
    emu._notify()
    return _no_content()


async def remove_thread_member(request: web.Request) -> web.Response:
    emu = _emu(request)
    thread = _thread(emu, request)
    who = request.match_info["user_id"]
    user_id = emu.bot_user.id if who == "@me" else int(who)
    if thread.archived:
        raise DiscordError(400, 50083, "Thread is archived")
    if user_id != emu.bot_user.id and not (thread.type == ChannelType.PRIVATE_THREAD
                                           and thread.owner_id == emu.bot_user.id):
        _require(emu, thread, Permission.MANAGE_THREADS)
    if user_id in thread.thread_member_ids:
        thread.thread_member_ids.discard(user_id)
        _members_update(emu, thread, removed=[user_id])
    emu._notify()
    return _no_content()


async def get_thread_member(request: web.Request) -> web.Response:
    emu = _emu(request)
    thread = _thread(emu, request)
    user_id = _id(request, "user_id")
    if user_id not in thread.thread_member_ids:
        raise unknown("Member")
    return _json(thread.thread_member_payload(user_id))


async def list_thread_members(request: web.Request) -> web.Response:
    emu = _emu(request)
    thread = _thread(emu, request)
    return _json([thread.thread_member_payload(u) for u in sorted(thread.thread_member_ids)])


async def active_threads(request: web.Request) -> web.Response:
    emu = _emu(request)
    guild = _guild(emu, _id(request, "guild_id"))
    threads = [t for t in guild.threads if not t.deleted and not t.archived]
    members = [t.thread_member_payload(emu.bot_user.id) for t in threads if emu.bot_user.id in t.thread_member_ids]
    return _json({"threads": [t.payload() for t in threads], "members": members})


async def archived_threads(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    _require(emu, channel, Permission.READ_MESSAGE_HISTORY)
    private = request.path.endswith("/private")
    assert channel.guild is not None
    threads = [t for t in channel.guild.threads if t.parent_id == channel.id and t.archived and not t.deleted
               and (t.type == ChannelType.PRIVATE_THREAD) == private]
    limit = int(request.query.get("limit", "50"))
    return _json({"threads": [t.payload() for t in threads[:limit]], "members": [],
                  "has_more": len(threads) > limit})


# ---------------------------------------------------------------------------------------------- guilds


async def get_guild(request: web.Request) -> web.Response:
    emu = _emu(request)
    guild = _guild(emu, _id(request, "guild_id"))
    data = guild.payload()
    for key in ("members", "channels", "threads", "presences", "voice_states", "guild_scheduled_events",
                "stage_instances", "soundboard_sounds", "joined_at", "large", "member_count", "lazy",
                "embedded_activities", "activity_instances", "unavailable"):
        data.pop(key, None)
    if request.query.get("with_counts") in ("true", "1", "True"):
        data["approximate_member_count"] = guild.member_count
        data["approximate_presence_count"] = 0
    return _json(data)


async def guild_channels(request: web.Request) -> web.Response:
    guild = _guild(_emu(request), _id(request, "guild_id"))
    return _json([c.payload() for c in guild.channels if not c.deleted])


async def guild_roles(request: web.Request) -> web.Response:
    guild = _guild(_emu(request), _id(request, "guild_id"))
    return _json([r.payload() for r in guild.roles.values()])


def _guild_member(emu: Emulator, request: web.Request) -> tuple[Guild, Member]:
    guild = _guild(emu, _id(request, "guild_id"))
    member = guild.members.get(_id(request, "user_id"))
    if member is None:
        raise unknown("Member")
    return guild, member


async def get_member(request: web.Request) -> web.Response:
    return _json(_guild_member(_emu(request), request)[1].payload())


async def list_members(request: web.Request) -> web.Response:
    guild = _guild(_emu(request), _id(request, "guild_id"))
    limit = int(request.query.get("limit", "1"))
    after = int(request.query.get("after", "0"))
    members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)[:limit]
    return _json([m.payload() for m in members])


async def search_members(request: web.Request) -> web.Response:
    guild = _guild(_emu(request), _id(request, "guild_id"))
    query = request.query.get("query", "").lower()
    limit = int(request.query.get("limit", "1"))
    found = [m for m in guild.members.values()
             if m.user.username.lower().startswith(query) or (m.nick or "").lower().startswith(query)]
    return _json([m.payload() for m in found[:limit]])


async def member_role(request: web.Request) -> web.Response:
    emu = _emu(request)
    guild, member = _guild_member(emu, request)
    role = guild.roles.get(_id(request, "role_id"))
    if role is None:
        raise unknown("Role")
    _require_guild(guild, Permission.MANAGE_ROLES)
    top = max((r.position for r in guild.me.roles), default=0)
    if role.position >= top and guild.owner_id != emu.bot_user.id:
        raise missing_permissions()
    if request.method == "PUT" and role.id not in member.role_ids:
        member.role_ids.append(role.id)
    elif request.method == "DELETE" and role.id in member.role_ids:
        member.role_ids.remove(role.id)
    emu.dispatch("GUILD_MEMBER_UPDATE", {"guild_id": str(guild.id), **member.payload()})
    return _no_content()


# ----- scheduled events

ACTIVE_EVENT_STATUSES = (1, 2)


def _parse_time(value: Any, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise invalid_form(field, "DATE_TIME_TYPE_PARSE", f"Could not parse {value!r}. Should be ISO8601.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _validate_event(emu: Emulator, guild: Guild, data: dict[str, Any], *, creating: bool) -> None:
    name = data.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        raise invalid_form("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    if data.get("description") and len(data["description"]) > 1000:
        raise invalid_form("description", "BASE_TYPE_MAX_LENGTH", "Must be 1000 or fewer in length.")
    if int(data.get("privacy_level") or 0) != 2:
        raise invalid_form("privacy_level", "BASE_TYPE_CHOICES", "Value must be one of {2}.")
    kind = int(data.get("entity_type") or 0)
    if kind == 3:
        location = (data.get("entity_metadata") or {}).get("location")
        if not location or len(location) > 100:
            raise invalid_form("entity_metadata.location", "BASE_TYPE_REQUIRED", "This field is required")
        if not data.get("scheduled_end_time"):
            raise invalid_form("scheduled_end_time", "BASE_TYPE_REQUIRED", "This field is required")
        if data.get("channel_id"):
            raise invalid_form("channel_id", "GUILD_SCHEDULED_EVENT_CHANNEL_INVALID", "Must be null for external")
    elif kind in (1, 2):
        channel = emu.channels.get(int(data.get("channel_id") or 0))
        wanted = ChannelType.GUILD_STAGE_VOICE if kind == 1 else ChannelType.GUILD_VOICE
        if channel is None or channel.guild is not guild or channel.type != wanted:
            raise invalid_form("channel_id", "GUILD_SCHEDULED_EVENT_CHANNEL_INVALID", "Invalid channel")
    else:
        raise invalid_form("entity_type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")
    start = _parse_time(data.get("scheduled_start_time"), "scheduled_start_time")
    if creating and start < datetime.now(UTC):
        raise invalid_form("scheduled_start_time", "GUILD_SCHEDULED_EVENT_SCHEDULED_START_TIME_IN_PAST",
                           "Cannot schedule event in the past.")
    if data.get("scheduled_end_time"):
        end = _parse_time(data["scheduled_end_time"], "scheduled_end_time")
        if end <= start:
            raise invalid_form("scheduled_end_time", "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
                               "Cannot schedule event to end before starting.")


def _event_payload(emu: Emulator, guild: Guild, data: dict[str, Any], event_id: int, creator_id: int) -> dict[str, Any]:
    creator = emu.users.get(creator_id)
    return {
        "id": str(event_id),
        "guild_id": str(guild.id),
        "channel_id": _opt(data.get("channel_id")),
        "creator_id": str(creator_id),
        "creator": creator.payload() if creator else None,
        "name": data["name"],
        "description": data.get("description"),
        "scheduled_start_time": iso(_parse_time(data["scheduled_start_time"], "scheduled_start_time")),
        "scheduled_end_time": iso(_parse_time(data["scheduled_end_time"], "scheduled_end_time"))
        if data.get("scheduled_end_time") else None,
        "privacy_level": 2,
        "status": int(data.get("status") or 1),
        "entity_type": int(data["entity_type"]),
        "entity_id": None,
        "entity_metadata": data.get("entity_metadata") if int(data["entity_type"]) == 3 else None,
        "user_count": 0,
        "image": data.get("image"),
        "recurrence_rule": data.get("recurrence_rule"),
        "auto_start": False,
        "sku_ids": [],
    }


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


def _require_event_perms(emu: Emulator, guild: Guild, data: dict[str, Any], *, own: bool) -> None:
    have = guild.me.permissions
    if data.get("channel_id"):
        channel = emu.channels.get(int(data["channel_id"]))
        if channel is not None and channel.guild is guild:
            have = guild.me.permissions_in(channel)
    if not (have & Permission.MANAGE_EVENTS or (own and have & Permission.CREATE_EVENTS)):
        raise missing_permissions()


async def create_event(request: web.Request) -> web.Response:
    emu = _emu(request)
    guild = _guild(emu, _id(request, "guild_id"))
    body = _body(request)
    _require_event_perms(emu, guild, body, own=True)
    _validate_event(emu, guild, body, creating=True)
    active = sum(1 for e in guild.scheduled_events.values() if e["status"] in ACTIVE_EVENT_STATUSES)
    if active >= emu.scheduled_event_limit:
        raise DiscordError(400, 30038, "Maximum number of uncompleted guild scheduled events reached "
                                       f"({emu.scheduled_event_limit})")
    event = _event_payload(emu, guild, {**body, "status": 1}, emu.ids.next(), emu.bot_user.id)
    guild.scheduled_events[int(event["id"])] = event
    emu.dispatch("GUILD_SCHEDULED_EVENT_CREATE", event)
    return _json(event)


def _event(emu: Emulator, request: web.Request) -> tuple[Guild, dict[str, Any]]:
    guild = _guild(emu, _id(request, "guild_id"))
    event = guild.scheduled_events.get(_id(request, "event_id"))
    if event is None:
        raise unknown("Guild Scheduled Event")
    return guild, event


async def list_events(request: web.Request) -> web.Response:
    guild = _guild(_emu(request), _id(request, "guild_id"))
    return _json(list(guild.scheduled_events.values()))


async def get_event(request: web.Request) -> web.Response:
    return _json(_event(_emu(request), request)[1])


_EVENT_TRANSITIONS = {1: {1, 2, 4}, 2: {2, 3}, 3: {3}, 4: {4}}


async def edit_event(request: web.Request) -> web.Response:
    emu = _emu(request)
    guild, event = _event(emu, request)
    body = _body(request)
    own = event["creator_id"] == str(emu.bot_user.id)
    _require_event_perms(emu, guild, {**event, **body}, own=own)
    if event["status"] in (3, 4):
        raise DiscordError(400, 180000, "Cannot modify a finished event")
    status = int(body.get("status") or event["status"])
    if status not in _EVENT_TRANSITIONS[event["status"]]:
        raise invalid_form("status", "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION", "Invalid status transition")
    merged = {**event, **body, "status": status}
    if merged.get("entity_type") == 3 and "channel_id" in body and body["channel_id"] is None:
        merged["channel_id"] = None
    _validate_event(emu, guild, merged, creating="scheduled_start_time" in body)
    updated = _event_payload(emu, guild, merged, int(event["id"]), int(event["creator_id"]))
    updated["user_count"] = event.get("user_count", 0)
    guild.scheduled_events[int(event["id"])] = updated
    emu.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", updated)
    return _json(updated)


async def delete_event(request: web.Request) -> web.Response:
    emu = _emu(request)
    guild, event = _event(emu, request)
    _require_event_perms(emu, guild, event, own=event["creator_id"] == str(emu.bot_user.id))
    del guild.scheduled_events[int(event["id"])]
    emu.dispatch("GUILD_SCHEDULED_EVENT_DELETE", event)
    return _no_content()


# ---------------------------------------------------------------------------------------------- webhooks


def _webhook_payload(emu: Emulator, hook: dict[str, Any], *, with_token: bool = True) -> dict[str, Any]:
    data = {k: v for k, v in hook.items() if not k.startswith("_")}
    if not with_token:
        data.pop("token", None)
        data.pop("user", None)
    return data


async def create_webhook(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    if channel.guild is None or channel.is_thread:
        raise DiscordError(400, 50024, "Cannot execute action on this channel type")
    _require(emu, channel, Permission.MANAGE_WEBHOOKS)
    body = _body(request)
    name = body.get("name") or ""
    if not 1 <= len(name) <= 80 or "clyde" in name.lower() or "discord" in name.lower():
        raise invalid_form("name", "WEBHOOK_INVALID_USERNAME", f"Username cannot be \"{name}\"")
    if sum(1 for h in emu.webhooks.values() if h["channel_id"] == str(channel.id)) >= 15:
        raise DiscordError(400, 30007, "Maximum number of webhooks reached (15)")
    hook_id = emu.ids.next()
    hook = {
        "id": str(hook_id), "type": 1, "guild_id": str(channel.guild_id), "channel_id": str(channel.id),
        "user": emu.bot_user.payload(), "name": name, "avatar": None, "token": f"whtoken-{hook_id}",
        "application_id": str(emu.application_id),
    }
    emu.webhooks[hook_id] = hook
    emu.dispatch("WEBHOOKS_UPDATE", {"guild_id": str(channel.guild_id), "channel_id": str(channel.id)})
    return _json(_webhook_payload(emu, hook))


async def channel_webhooks(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    _require(emu, channel, Permission.MANAGE_WEBHOOKS)
    return _json([_webhook_payload(emu, h) for h in emu.webhooks.values() if h["channel_id"] == str(channel.id)])


async def guild_webhooks(request: web.Request) -> web.Response:
    emu = _emu(request)
    guild = _guild(emu, _id(request, "guild_id"))
    _require_guild(guild, Permission.MANAGE_WEBHOOKS)
    return _json([_webhook_payload(emu, h) for h in emu.webhooks.values() if h["guild_id"] == str(guild.id)])


def _webhook(emu: Emulator, request: web.Request, *, token_required: bool) -> dict[str, Any]:
    hook = emu.webhooks.get(_id(request, "webhook_id"))
    if hook is None:
        raise unknown("Webhook")
    if token_required and request.match_info.get("token") != hook["token"]:
        raise DiscordError(401, 50027, "Invalid Webhook Token")
    return hook


async def get_webhook(request: web.Request) -> web.Response:
    emu = _emu(request)
    with_token = "token" in request.match_info
    hook = _webhook(emu, request, token_required=with_token)
    return _json(_webhook_payload(emu, hook, with_token=not with_token))


async def edit_webhook(request: web.Request) -> web.Response:
    emu = _emu(request)
    hook = _webhook(emu, request, token_required="token" in request.match_info)
    body = _body(request)
    if "name" in body:
        hook["name"] = body["name"]
    if "avatar" in body:
        hook["avatar"] = None if body["avatar"] is None else "a" * 32
    if "channel_id" in body and "token" not in request.match_info:
        hook["channel_id"] = str(_channel(emu, int(body["channel_id"])).id)
    return _json(_webhook_payload(emu, hook))


async def delete_webhook(request: web.Request) -> web.Response:
    emu = _emu(request)
    hook = _webhook(emu, request, token_required="token" in request.match_info)
    del emu.webhooks[int(hook["id"])]
    return _no_content()


def _webhook_target(emu: Emulator, hook: dict[str, Any], request: web.Request, body: dict[str, Any],
                    uploads: list[Upload]) -> Channel:
    channel = _channel(emu, int(hook["channel_id"]))
    thread_id = request.query.get("thread_id")
    if thread_id:
        thread = emu.channels.get(int(thread_id))
        if thread is None or thread.deleted or thread.parent_id != channel.id:
            raise unknown("Channel")
        _unarchive_for_message(emu, thread)
        return thread
    if channel.is_forum:
        name = body.get("thread_name")
        if not name:
            raise DiscordError(400, 220001, "Webhooks posted to forum channels must have a thread_name or thread_id")
        thread = Channel(emu.ids.next(), ChannelType.PUBLIC_THREAD, name, guild=channel.guild, parent_id=channel.id,
                         owner_id=int(hook["id"]), applied_tags=[int(t) for t in body.get("applied_tags") or []],
                         emu=emu)
        emu._register_channel(thread)
        emu.dispatch("THREAD_CREATE", {**thread.payload(), "newly_created": True})
        return thread
    if body.get("thread_name"):
        raise DiscordError(400, 220003, "Webhooks can only create threads in forum channels")
    return channel


async def execute_webhook(request: web.Request) -> web.StreamResponse:
    emu = _emu(request)
    if _id(request, "webhook_id") == emu.application_id:
        from .interactions import followup

        return await followup(request)
    hook = _webhook(emu, request, token_required=True)
    body = _body(request)
    uploads: list[Upload] = _uploads(request)
    _check_content(body, uploads)
    channel = _webhook_target(emu, hook, request, body, uploads)
    attachments = _uploads_to_attachments(emu, channel, body, uploads)
    from .models import User

    author = User(int(hook["id"]), body.get("username") or hook["name"], None, bot=True)
    message = emu.new_message(channel, author, body, attachments=attachments, webhook_id=int(hook["id"]),
                              message_id=channel.id if channel.is_thread and not emu.channel_messages[channel.id]
                              and channel.owner_id == int(hook["id"]) else None)
    message.application_id = emu.application_id
    publish(emu, message)
    if request.query.get("wait") in ("true", "True", "1"):
        return _json(message.payload())
    return _no_content()


def _webhook_message(emu: Emulator, request: web.Request) -> Message:
    hook = _webhook(emu, request, token_required=True)
    raw = request.match_info["message_id"]
    message = emu.messages.get(int(raw)) if raw.isdigit() else None
    if message is None or message.deleted or message.webhook_id != int(hook["id"]):
        raise unknown("Message")
    return message


async def webhook_message(request: web.Request) -> web.Response:
    emu = _emu(request)
    if _id(request, "webhook_id") == emu.application_id:
        from .interactions import interaction_message

        return await interaction_message(request)
    message = _webhook_message(emu, request)
    if request.method == "GET":
        return _json(message.payload())
    if request.method == "DELETE":
        delete_message(emu, message)
        return _no_content()
    body = _body(request)
    _check_content(body, _uploads(request), require_something=False)
    return _json(apply_edit(emu, message, body, _uploads(request)).payload())


# ---------------------------------------------------------------------------------------------- attachments, 404


async def serve_attachment(request: web.Request) -> web.Response:
    att = _emu(request).attachments.get(int(request.match_info["attachment_id"]))
    if att is None:
        return web.Response(status=404)
    return web.Response(body=att.data, content_type=att.content_type or "application/octet-stream")


async def unknown_route(request: web.Request) -> web.Response:
    emu = _emu(request)
    path = request.path[len("/api/v10"):]
    emu.unknown_routes.append(f"{request.method} {path}")
    emu.violations.append(f"unknown route: {request.method} {path} (the emulator does not implement it)")
    raise DiscordError(404, 0, "404: Not Found")


def add_routes(app: web.Application) -> None:
    from .interactions import interaction_callback

    r = app.router
    api = "/api/v10"
    routes: list[tuple[str, str, Handler]] = [
        ("GET", "/gateway", get_gateway),
        ("GET", "/gateway/bot", get_gateway_bot),
        ("GET", "/users/@me", get_me),
        ("POST", "/users/@me/channels", create_dm),
        ("GET", "/users/{user_id}", get_user),
        ("GET", "/oauth2/applications/@me", get_application),
        ("GET", "/applications/@me", get_application),
        ("POST", "/interactions/{interaction_id}/{token}/callback", interaction_callback),
    ]
    for prefix in ("/applications/{application_id}", "/applications/{application_id}/guilds/{guild_id}"):
        routes += [
            ("GET", prefix + "/commands", list_commands),
            ("PUT", prefix + "/commands", bulk_put_commands),
            ("POST", prefix + "/commands", create_command),
            ("GET", prefix + "/commands/{command_id}", get_command),
            ("PATCH", prefix + "/commands/{command_id}", edit_command),
            ("DELETE", prefix + "/commands/{command_id}", delete_command),
        ]
    routes += [
        ("GET", "/applications/{application_id}/guilds/{guild_id}/commands/permissions", command_permissions),
        ("GET", "/channels/{channel_id}", get_channel),
        ("PATCH", "/channels/{channel_id}", edit_channel),
        ("DELETE", "/channels/{channel_id}", delete_channel),
        ("GET", "/channels/{channel_id}/messages", list_messages),
        ("POST", "/channels/{channel_id}/messages", create_message),
        ("POST", "/channels/{channel_id}/messages/bulk-delete", bulk_delete),
        ("GET", "/channels/{channel_id}/messages/pins", list_pins),
        ("PUT", "/channels/{channel_id}/messages/pins/{message_id}", pin),
        ("DELETE", "/channels/{channel_id}/messages/pins/{message_id}", pin),
        ("GET", "/channels/{channel_id}/pins", list_pins),
        ("PUT", "/channels/{channel_id}/pins/{message_id}", pin),
        ("DELETE", "/channels/{channel_id}/pins/{message_id}", pin),
        ("GET", "/channels/{channel_id}/messages/{message_id}", get_message),
        ("PATCH", "/channels/{channel_id}/messages/{message_id}", edit_message),
        ("DELETE", "/channels/{channel_id}/messages/{message_id}", remove_message),
        ("POST", "/channels/{channel_id}/messages/{message_id}/threads", start_thread_from_message),
        ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", add_reaction),
        ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}", remove_reaction),
        ("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", list_reactions),
        ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", clear_reactions),
        ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions", clear_reactions),
        ("POST", "/channels/{channel_id}/typing", typing),
        ("POST", "/channels/{channel_id}/threads", start_thread),
        ("GET", "/channels/{channel_id}/threads/archived/public", archived_threads),
        ("GET", "/channels/{channel_id}/threads/archived/private", archived_threads),
        ("GET", "/channels/{channel_id}/thread-members", list_thread_members),
        ("PUT", "/channels/{channel_id}/thread-members/{user_id}", add_thread_member),
        ("DELETE", "/channels/{channel_id}/thread-members/{user_id}", remove_thread_member),
        ("GET", "/channels/{channel_id}/thread-members/{user_id}", get_thread_member),
        ("POST", "/channels/{channel_id}/webhooks", create_webhook),
        ("GET", "/channels/{channel_id}/webhooks", channel_webhooks),
        ("GET", "/guilds/{guild_id}", get_guild),
        ("GET", "/guilds/{guild_id}/channels", guild_channels),
        ("GET", "/guilds/{guild_id}/roles", guild_roles),
        ("GET", "/guilds/{guild_id}/threads/active", active_threads),
        ("GET", "/guilds/{guild_id}/webhooks", guild_webhooks),
        ("GET", "/guilds/{guild_id}/members", list_members),
        ("GET", "/guilds/{guild_id}/members/search", search_members),
        ("GET", "/guilds/{guild_id}/members/{user_id}", get_member),
        ("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", member_role),
        ("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", member_role),
        ("GET", "/guilds/{guild_id}/scheduled-events", list_events),
        ("POST", "/guilds/{guild_id}/scheduled-events", create_event),
        ("GET", "/guilds/{guild_id}/scheduled-events/{event_id}", get_event),
        ("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}", edit_event),
        ("DELETE", "/guilds/{guild_id}/scheduled-events/{event_id}", delete_event),
        ("GET", "/webhooks/{webhook_id}", get_webhook),
        ("PATCH", "/webhooks/{webhook_id}", edit_webhook),
        ("DELETE", "/webhooks/{webhook_id}", delete_webhook),
        ("GET", "/webhooks/{webhook_id}/{token}", get_webhook),
        ("PATCH", "/webhooks/{webhook_id}/{token}", edit_webhook),
        ("DELETE", "/webhooks/{webhook_id}/{token}", delete_webhook),
        ("POST", "/webhooks/{webhook_id}/{token}", execute_webhook),
        ("GET", "/webhooks/{webhook_id}/{token}/messages/{message_id}", webhook_message),
        ("PATCH", "/webhooks/{webhook_id}/{token}/messages/{message_id}", webhook_message),
        ("DELETE", "/webhooks/{webhook_id}/{token}/messages/{message_id}", webhook_message),
    ]
    for method, path, handler in routes:
        r.add_route(method, api + path, handler)
    r.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", serve_attachment)
    r.add_route("*", api + "/{tail:.*}", unknown_route)
