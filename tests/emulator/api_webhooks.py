"""REST: webhooks (create, list, execute, edit their messages)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .models import (
    Channel,
    ChannelType,
    Message,
    User,
)
from .permissions import Permission
from .rest import (
    DiscordError,
    Upload,
    _body,
    _channel,
    _check_content,
    _emu,
    _guild,
    _id,
    _json,
    _no_content,
    _require,
    _require_guild,
    _unarchive_for_message,
    _uploads,
    _uploads_to_attachments,
    apply_edit,
    delete_message,
    invalid_form,
    publish,
    unknown,
)

if TYPE_CHECKING:
    from .server import Emulator


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
        raise invalid_form("name", "WEBHOOK_INVALID_USERNAME", f'Username cannot be "{name}"')
    if sum(1 for h in emu.webhooks.values() if h["channel_id"] == str(channel.id)) >= 15:
        raise DiscordError(400, 30007, "Maximum number of webhooks reached (15)")
    hook_id = emu.ids.next()
    hook = {
        "id": str(hook_id),
        "type": 1,
        "guild_id": str(channel.guild_id),
        "channel_id": str(channel.id),
        "user": emu.bot_user.payload(),
        "name": name,
        "avatar": None,
        "token": f"whtoken-{hook_id}",
        "application_id": str(emu.application_id),
    }
    emu.webhooks[hook_id] = hook
    emu.dispatch("WEBHOOKS_UPDATE", {"guild_id": str(channel.guild_id), "channel_id": str(channel.id)})
    return _json(_webhook_payload(emu, hook))


async def channel_webhooks(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    _require(emu, channel, Permission.MANAGE_WEBHOOKS)
    return _json(
        [_webhook_payload(emu, h) for h in emu.webhooks.values() if h["channel_id"] == str(channel.id)]
    )


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


def _webhook_target(
    emu: Emulator, hook: dict[str, Any], request: web.Request, body: dict[str, Any], uploads: list[Upload]
) -> Channel:
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
            raise DiscordError(
                400, 220001, "Webhooks posted to forum channels must have a thread_name or thread_id"
            )
        thread = Channel(
            emu.ids.next(),
            ChannelType.PUBLIC_THREAD,
            name,
            guild=channel.guild,
            parent_id=channel.id,
            owner_id=int(hook["id"]),
            applied_tags=[int(t) for t in body.get("applied_tags") or []],
            emu=emu,
        )
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

    author = User(int(hook["id"]), body.get("username") or hook["name"], None, bot=True)
    message = emu.new_message(
        channel,
        author,
        body,
        attachments=attachments,
        webhook_id=int(hook["id"]),
        message_id=channel.id
        if channel.is_thread and not emu.channel_messages[channel.id] and channel.owner_id == int(hook["id"])
        else None,
    )
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
