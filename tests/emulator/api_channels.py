"""REST: channels, messages, pins, reactions and threads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .models import (
    FORUM_TYPES,
    THREAD_TYPES,
    Channel,
    ChannelType,
    Message,
    emoji_payload,
    normalise_emoji,
)
from .permissions import Permission
from .rest import (
    ALLOWED_MESSAGE_FLAGS,
    DiscordError,
    Upload,
    _body,
    _bot_perms,
    _channel,
    _check_content,
    _check_reference,
    _check_sendable,
    _emu,
    _guild,
    _id,
    _json,
    _message,
    _no_content,
    _require,
    _uploads,
    _uploads_to_attachments,
    apply_edit,
    delete_message,
    invalid_form,
    missing_permissions,
    publish,
    unknown,
)
from .snowflakes import iso, snowflake_time

if TYPE_CHECKING:
    from .server import Emulator


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
        if ("archived" in body or "name" in body or "auto_archive_duration" in body) and not (
            owner or manage
        ):
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
            channel.available_tags = [
                {
                    **t,
                    "id": t.get("id") or str(emu.ids.next()),
                    "moderated": t.get("moderated", False),
                    "emoji_id": t.get("emoji_id"),
                    "emoji_name": t.get("emoji_name"),
                }
                for t in body["available_tags"]
            ]
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
        older = [m for m in messages if m.id < around][-(limit // 2) :] if limit > 1 else []
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
    emu.dispatch(
        "MESSAGE_DELETE_BULK",
        {"ids": deleted, "channel_id": str(channel.id), "guild_id": str(channel.guild_id)},
    )
    emu._notify()
    return _no_content()


async def typing(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    if channel.guild is not None:
        _require(
            emu,
            channel,
            Permission.SEND_MESSAGES_IN_THREADS if channel.is_thread else Permission.SEND_MESSAGES,
        )
    emu.typing_in.append(channel.id)
    return _no_content()


# ----- pins


async def pin(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    message = _message(emu, channel, _id(request, "message_id"))
    # Since 23 February 2026 pinning needs PIN_MESSAGES; MANAGE_MESSAGES alone is no longer enough.
    if channel.guild is not None and not _bot_perms(emu, channel) & Permission.PIN_MESSAGES:
        raise missing_permissions()
    message.pinned = request.method == "PUT"
    emu.dispatch("MESSAGE_UPDATE", message.payload(with_member=True))
    emu.dispatch(
        "CHANNEL_PINS_UPDATE",
        {
            "channel_id": str(channel.id),
            "last_pin_timestamp": iso(datetime.now(UTC)),
            **({"guild_id": str(channel.guild_id)} if channel.guild_id else {}),
        },
    )
    return _no_content()


async def list_pins(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    pinned = [m for m in emu.messages_in(channel) if m.pinned]
    if request.path.endswith("/messages/pins"):
        return _json(
            {
                "items": [{"pinned_at": iso(m.created_at), "message": m.payload()} for m in reversed(pinned)],
                "has_more": False,
            }
        )
    return _json([m.payload() for m in reversed(pinned)])


# ----- reactions


def _reaction_target(request: web.Request) -> tuple[Emulator, Channel, Message, str]:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    message = _message(emu, channel, _id(request, "message_id"))
    return emu, channel, message, normalise_emoji(request.match_info.get("emoji", ""))


def reaction_event(emu: Emulator, message: Message, emoji: str, user_id: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user_id": str(user_id),
        "channel_id": str(message.channel.id),
        "message_id": str(message.id),
        "emoji": emoji_payload(emoji),
        "burst": False,
        "type": 0,
    }
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
        emu.dispatch(
            "MESSAGE_REACTION_ADD",
            {
                **reaction_event(emu, message, emoji, emu.bot_user.id),
                "message_author_id": str(message.author.id),
            },
        )
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
    base = {
        "channel_id": str(channel.id),
        "message_id": str(message.id),
        **({"guild_id": str(channel.guild_id)} if channel.guild_id else {}),
    }
    if "emoji" in request.match_info:
        message.reactions.pop(emoji, None)
        emu.dispatch("MESSAGE_REACTION_REMOVE_EMOJI", {**base, "emoji": emoji_payload(emoji)})
    else:
        message.reactions.clear()
        emu.dispatch("MESSAGE_REACTION_REMOVE_ALL", base)
    emu._notify()
    return _no_content()


# ---------------------------------------------------------------------------------------------- threads


def _new_thread(
    emu: Emulator, parent: Channel, name: str, kind: int, body: dict[str, Any], thread_id: int | None = None
) -> Channel:
    assert parent.guild is not None
    if not name or len(name) > 100:
        raise invalid_form("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    thread = Channel(
        thread_id or emu.ids.next(),
        kind,
        name,
        guild=parent.guild,
        parent_id=parent.id,
        owner_id=emu.bot_user.id,
        auto_archive_duration=int(body.get("auto_archive_duration") or 4320),
        rate_limit_per_user=int(body.get("rate_limit_per_user") or 0),
        invitable=bool(body.get("invitable", True)),
        thread_member_ids={emu.bot_user.id},
        emu=emu,
    )
    emu._register_channel(thread)
    return thread


def _thread_created(emu: Emulator, thread: Channel) -> dict[str, Any]:
    payload = {
        **thread.payload(),
        "newly_created": True,
        "member": thread.thread_member_payload(emu.bot_user.id),
    }
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
    kind = (
        ChannelType.ANNOUNCEMENT_THREAD
        if channel.type == ChannelType.GUILD_ANNOUNCEMENT
        else ChannelType.PUBLIC_THREAD
    )
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
        starter = emu.new_message(
            thread, emu.bot_user, starter_body, attachments=attachments, message_id=thread.id
        )
        emu.store_message(starter)
        payload = _thread_created(emu, thread)
        emu.dispatch("MESSAGE_CREATE", starter.payload(with_member=True))
        return _json({**payload, "message": starter.payload()}, status=201)
    if channel.type not in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
        raise DiscordError(400, 50024, "Cannot execute action on this channel type")
    kind = int(body.get("type") or ChannelType.PRIVATE_THREAD)
    if kind not in THREAD_TYPES:
        raise invalid_form("type", "BASE_TYPE_CHOICES", f"Value must be one of {sorted(THREAD_TYPES)}.")
    _require(
        emu,
        channel,
        Permission.CREATE_PRIVATE_THREADS
        if kind == ChannelType.PRIVATE_THREAD
        else Permission.CREATE_PUBLIC_THREADS,
    )
    thread = _new_thread(emu, channel, body.get("name") or "", kind, body)
    return _json(_thread_created(emu, thread), status=201)


def _thread(emu: Emulator, request: web.Request) -> Channel:
    thread = _channel(emu, _id(request, "channel_id"))
    if not thread.is_thread:
        raise DiscordError(400, 50024, "Cannot execute action on this channel type")
    return thread


def _members_update(
    emu: Emulator, thread: Channel, *, added: Sequence[int] = (), removed: Sequence[int] = ()
) -> None:
    assert thread.guild is not None
    data: dict[str, Any] = {
        "id": str(thread.id),
        "guild_id": str(thread.guild.id),
        "member_count": min(len(thread.thread_member_ids), 50),
    }
    if added:
        data["added_members"] = [
            {
                **thread.thread_member_payload(u),
                **({"member": thread.guild.members[u].payload()} if u in thread.guild.members else {}),
                "presence": None,
            }
            for u in added
        ]
    if removed:
        data["removed_member_ids"] = [str(u) for u in removed]
    emu.dispatch("THREAD_MEMBERS_UPDATE", data)
    if emu.bot_user.id in added:
        emu.dispatch(
            "THREAD_MEMBER_UPDATE",
            {**thread.thread_member_payload(emu.bot_user.id), "guild_id": str(thread.guild.id)},
        )


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
    if user_id != emu.bot_user.id and not (
        thread.type == ChannelType.PRIVATE_THREAD and thread.owner_id == emu.bot_user.id
    ):
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
    members = [
        t.thread_member_payload(emu.bot_user.id) for t in threads if emu.bot_user.id in t.thread_member_ids
    ]
    return _json({"threads": [t.payload() for t in threads], "members": members})


async def archived_threads(request: web.Request) -> web.Response:
    emu = _emu(request)
    channel = _channel(emu, _id(request, "channel_id"))
    _require(emu, channel, Permission.READ_MESSAGE_HISTORY)
    private = request.path.endswith("/private")
    assert channel.guild is not None
    threads = [
        t
        for t in channel.guild.threads
        if t.parent_id == channel.id
        and t.archived
        and not t.deleted
        and (t.type == ChannelType.PRIVATE_THREAD) == private
    ]
    limit = int(request.query.get("limit", "50"))
    return _json(
        {"threads": [t.payload() for t in threads[:limit]], "members": [], "has_more": len(threads) > limit}
    )
