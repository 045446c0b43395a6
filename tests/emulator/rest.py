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
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .models import (
    MESSAGEABLE_TYPES,
    Attachment,
    Channel,
    ChannelType,
    Guild,
    Message,
)
from .permissions import Permission
from .snowflakes import iso

if TYPE_CHECKING:
    from .server import Emulator

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

RATE_LIMIT = 50  # per bucket per second: generous, so the bot never has to wait in tests
ALLOWED_MESSAGE_FLAGS = (
    (1 << 2) | (1 << 12) | (1 << 13) | (1 << 15)
)  # suppress embeds/notifications, voice, v2


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
    return DiscordError(
        400, 50035, "Invalid Form Body", {field: {"_errors": [{"code": code, "message": message}]}}
    )


def missing_permissions() -> DiscordError:
    return DiscordError(403, 50013, "Missing Permissions")


def unknown(what: str) -> DiscordError:
    codes = {
        "Channel": 10003,
        "Guild": 10004,
        "Member": 10007,
        "Message": 10008,
        "Role": 10011,
        "User": 10013,
        "Emoji": 10014,
        "Webhook": 10015,
        "Interaction": 10062,
        "application command": 10063,
        "Guild Scheduled Event": 10070,
    }
    return DiscordError(404, codes[what], f"Unknown {what}")


EMULATOR: web.AppKey[Emulator] = web.AppKey("emulator")


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
                uploads.append(
                    Upload(
                        index,
                        part.filename or f"file{index}",  # type: ignore[union-attr]
                        part.headers.get("Content-Type"),
                        bytes(data),
                    )
                )
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
    path = request.path[len("/api/v10") :]
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
    response: web.StreamResponse | None
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
                headers.update(
                    {
                        "X-RateLimit-Limit": "5",
                        "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset-After": f"{fault.retry_after:.3f}",
                        "X-RateLimit-Reset": f"{time.time() + fault.retry_after:.3f}",
                    }
                )
            return json_response(
                {
                    "message": "You are being rate limited.",
                    "retry_after": fault.retry_after,
                    "global": fault.global_,
                },
                status=429,
                headers=headers,
            )
        elif fault.kind == "server_error":
            return json_response({"message": fault.message, "code": fault.code}, status=fault.status)
        elif fault.kind == "refuse":
            return web.Response(
                text=fault.body, status=fault.status, content_type=fault.content_type, headers=fault.headers
            )
        elif fault.kind == "silence":
            await emu.faults.released.wait()
            raise DiscordError(503, 0, "the emulator stopped")
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
        raise DiscordError(
            400,
            50035,
            "Invalid Form Body",
            {"_spec": {"_errors": [{"code": "SPEC_VIOLATION", "message": p} for p in problems]}},
        )


def _add_ratelimit_headers(
    emu: Emulator, request: web.Request, path: str, response: web.StreamResponse
) -> None:
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
    response.headers.update(
        {
            "X-RateLimit-Limit": str(RATE_LIMIT),
            "X-RateLimit-Remaining": str(max(RATE_LIMIT - used, 0)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket,
        }
    )


# ---------------------------------------------------------------------------------------------- helpers


def _emu(request: web.Request) -> Emulator:
    return request.app[EMULATOR]


def _body(request: web.Request) -> dict[str, Any]:
    body = _PARSED.get()[0]
    return body if isinstance(body, dict) else {}


def _raw_body(request: web.Request) -> Any:
    """The parsed body whatever its shape (bulk command PUTs send a list)."""
    return _PARSED.get()[0]


def _uploads(request: web.Request) -> list[Upload]:
    return _PARSED.get()[1]


def _id(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError:
        raise invalid_form(
            name, "NUMBER_TYPE_COERCE", f'Value "{request.match_info[name]}" is not snowflake.'
        ) from None


def _channel(emu: Emulator, channel_id: int) -> Channel:
    channel = emu.channels.get(channel_id)
    if channel is None or channel.deleted:
        raise unknown("Channel")
    return channel


def _guild(emu: Emulator, guild_id: int) -> Guild:
    guild = emu.guilds.get(guild_id)
    if guild is None:
        if guild_id in emu.removed_guilds:  # it exists, but the bot is no longer in it
            raise DiscordError(403, 50001, "Missing Access")
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


def _uploads_to_attachments(
    emu: Emulator,
    channel: Channel,
    body: dict[str, Any],
    uploads: list[Upload],
    *,
    keep: list[Attachment] | None = None,
    ephemeral: bool = False,
) -> list[Attachment]:
    """Attachments for a new or edited message: uploads (described by body.attachments) plus kept ones.
    An ephemeral message's files are ephemeral attachments (Discord serves them from another path and
    marks them `ephemeral`)."""
    described = {str(a.get("id")): a for a in body.get("attachments") or [] if isinstance(a, dict)}
    out: list[Attachment] = []
    if keep is not None and "attachments" in body:
        out = [a for a in keep if str(a.id) in described]
    elif keep is not None:
        out = list(keep)
    for up in uploads:
        meta = described.get(str(up.index), {})
        out.append(
            emu.attachment(
                channel,
                meta.get("filename") or up.filename,
                up.data,
                content_type=up.content_type,
                description=meta.get("description"),
                ephemeral=ephemeral,
            )
        )
    return out


def _check_sendable(emu: Emulator, channel: Channel, body: dict[str, Any], uploads: list[Upload]) -> None:
    if channel.type == ChannelType.DM:
        assert channel.recipient is not None
        if channel.recipient.dms_closed:
            raise DiscordError(403, 50007, "Cannot send messages to this user")
        return
    if channel.type not in MESSAGEABLE_TYPES:
        raise DiscordError(400, 50008, "Cannot send messages in a non-text channel")
    _require(
        emu, channel, Permission.SEND_MESSAGES_IN_THREADS if channel.is_thread else Permission.SEND_MESSAGES
    )
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


ATTACHMENT_SIZE_LIMIT = (
    10 * 1024 * 1024
)  # what Discord allows a bot per file (the interaction's attachment_size_limit)


def _check_content(body: dict[str, Any], uploads: list[Upload], *, require_something: bool = True) -> None:
    for upload in uploads:
        if len(upload.data) > ATTACHMENT_SIZE_LIMIT:
            raise DiscordError(413, 40005, "Request entity too large")
    if require_something and not (
        body.get("content")
        or body.get("embeds")
        or body.get("components")
        or uploads
        or body.get("sticker_ids")
        or body.get("poll")
    ):
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
        # Only SUPPRESS_EMBEDS can be edited. EPHEMERAL never changes: a deferred response stays as
        # ephemeral (or as public) as the defer made it, whatever the first followup asks for.
        keep = message.flags & ~((1 << 2) | (1 << 7))
        message.flags = keep | (int(body["flags"]) & (1 << 2))
    else:
        message.flags &= ~(1 << 7)  # editing a deferred ("thinking") response ends the loading state
    if "attachments" in body or uploads:
        message.attachments = _uploads_to_attachments(
            emu, message.channel, body, uploads, keep=message.attachments, ephemeral=message.ephemeral
        )
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


# ---------------------------------------------------------------------------------------------- attachments, 404


async def serve_attachment(request: web.Request) -> web.Response:
    att = _emu(request).attachments.get(int(request.match_info["attachment_id"]))
    if att is None:
        return web.Response(status=404)
    return web.Response(body=att.data, content_type=att.content_type or "application/octet-stream")


async def unknown_route(request: web.Request) -> web.Response:
    emu = _emu(request)
    path = request.path.removeprefix("/api/v10")
    emu.unknown_routes.append(f"{request.method} {path}")
    emu.violations.append(f"unknown route: {request.method} {path} (the emulator does not implement it)")
    return DiscordError(404, 0, "404: Not Found").response()


def add_routes(app: web.Application) -> None:
    from . import api_channels as channels
    from . import api_guilds as guilds
    from . import api_users as users
    from . import api_webhooks as webhooks
    from .interactions import interaction_callback

    r = app.router
    api = "/api/v10"
    routes: list[tuple[str, str, Handler]] = [
        ("GET", "/gateway", users.get_gateway),
        ("GET", "/gateway/bot", users.get_gateway_bot),
        ("GET", "/users/@me", users.get_me),
        ("POST", "/users/@me/channels", users.create_dm),
        ("GET", "/users/{user_id}", users.get_user),
        ("GET", "/oauth2/applications/@me", users.get_application),
        ("GET", "/applications/@me", users.get_application),
        ("POST", "/interactions/{interaction_id}/{token}/callback", interaction_callback),
    ]
    for prefix in ("/applications/{application_id}", "/applications/{application_id}/guilds/{guild_id}"):
        routes += [
            ("GET", prefix + "/commands", users.list_commands),
            ("PUT", prefix + "/commands", users.bulk_put_commands),
            ("POST", prefix + "/commands", users.create_command),
            ("GET", prefix + "/commands/{command_id}", users.get_command),
            ("PATCH", prefix + "/commands/{command_id}", users.edit_command),
            ("DELETE", prefix + "/commands/{command_id}", users.delete_command),
        ]
    routes += [
        (
            "GET",
            "/applications/{application_id}/guilds/{guild_id}/commands/permissions",
            users.command_permissions,
        ),
        ("GET", "/channels/{channel_id}", channels.get_channel),
        ("PATCH", "/channels/{channel_id}", channels.edit_channel),
        ("DELETE", "/channels/{channel_id}", channels.delete_channel),
        ("GET", "/channels/{channel_id}/messages", channels.list_messages),
        ("POST", "/channels/{channel_id}/messages", channels.create_message),
        ("POST", "/channels/{channel_id}/messages/bulk-delete", channels.bulk_delete),
        ("GET", "/channels/{channel_id}/messages/pins", channels.list_pins),
        ("PUT", "/channels/{channel_id}/messages/pins/{message_id}", channels.pin),
        ("DELETE", "/channels/{channel_id}/messages/pins/{message_id}", channels.pin),
        ("GET", "/channels/{channel_id}/pins", channels.list_pins),
        ("PUT", "/channels/{channel_id}/pins/{message_id}", channels.pin),
        ("DELETE", "/channels/{channel_id}/pins/{message_id}", channels.pin),
        ("GET", "/channels/{channel_id}/messages/{message_id}", channels.get_message),
        ("PATCH", "/channels/{channel_id}/messages/{message_id}", channels.edit_message),
        ("DELETE", "/channels/{channel_id}/messages/{message_id}", channels.remove_message),
        ("POST", "/channels/{channel_id}/messages/{message_id}/threads", channels.start_thread_from_message),
        ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", channels.add_reaction),
        (
            "DELETE",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}",
            channels.remove_reaction,
        ),
        ("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", channels.list_reactions),
        (
            "DELETE",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}",
            channels.clear_reactions,
        ),
        ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions", channels.clear_reactions),
        ("POST", "/channels/{channel_id}/typing", channels.typing),
        ("POST", "/channels/{channel_id}/threads", channels.start_thread),
        ("GET", "/channels/{channel_id}/threads/archived/public", channels.archived_threads),
        ("GET", "/channels/{channel_id}/threads/archived/private", channels.archived_threads),
        ("GET", "/channels/{channel_id}/thread-members", channels.list_thread_members),
        ("PUT", "/channels/{channel_id}/thread-members/{user_id}", channels.add_thread_member),
        ("DELETE", "/channels/{channel_id}/thread-members/{user_id}", channels.remove_thread_member),
        ("GET", "/channels/{channel_id}/thread-members/{user_id}", channels.get_thread_member),
        ("POST", "/channels/{channel_id}/webhooks", webhooks.create_webhook),
        ("GET", "/channels/{channel_id}/webhooks", webhooks.channel_webhooks),
        ("GET", "/guilds/{guild_id}", guilds.get_guild),
        ("GET", "/guilds/{guild_id}/channels", guilds.guild_channels),
        ("GET", "/guilds/{guild_id}/roles", guilds.guild_roles),
        ("GET", "/guilds/{guild_id}/threads/active", channels.active_threads),
        ("GET", "/guilds/{guild_id}/webhooks", webhooks.guild_webhooks),
        ("GET", "/guilds/{guild_id}/members", guilds.list_members),
        ("GET", "/guilds/{guild_id}/members/search", guilds.search_members),
        ("GET", "/guilds/{guild_id}/members/{user_id}", guilds.get_member),
        ("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", guilds.member_role),
        ("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", guilds.member_role),
        ("GET", "/guilds/{guild_id}/scheduled-events", guilds.list_events),
        ("POST", "/guilds/{guild_id}/scheduled-events", guilds.create_event),
        ("GET", "/guilds/{guild_id}/scheduled-events/{event_id}", guilds.get_event),
        ("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}", guilds.edit_event),
        ("DELETE", "/guilds/{guild_id}/scheduled-events/{event_id}", guilds.delete_event),
        ("GET", "/webhooks/{webhook_id}", webhooks.get_webhook),
        ("PATCH", "/webhooks/{webhook_id}", webhooks.edit_webhook),
        ("DELETE", "/webhooks/{webhook_id}", webhooks.delete_webhook),
        ("GET", "/webhooks/{webhook_id}/{token}", webhooks.get_webhook),
        ("PATCH", "/webhooks/{webhook_id}/{token}", webhooks.edit_webhook),
        ("DELETE", "/webhooks/{webhook_id}/{token}", webhooks.delete_webhook),
        ("POST", "/webhooks/{webhook_id}/{token}", webhooks.execute_webhook),
        ("GET", "/webhooks/{webhook_id}/{token}/messages/{message_id}", webhooks.webhook_message),
        ("PATCH", "/webhooks/{webhook_id}/{token}/messages/{message_id}", webhooks.webhook_message),
        ("DELETE", "/webhooks/{webhook_id}/{token}/messages/{message_id}", webhooks.webhook_message),
    ]
    for method, path, handler in routes:
        r.add_route(method, api + path, handler)
    r.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", serve_attachment)
    r.add_get("/ephemeral-attachments/{channel_id}/{attachment_id}/{filename}", serve_attachment)
    r.add_route("*", api + "/{tail:.*}", unknown_route)
    r.add_route("*", "/{tail:.*}", unknown_route)
