"""REST: guilds, members, roles and scheduled events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .models import (
    ChannelType,
    Guild,
    Member,
)
from .permissions import Permission
from .rest import (
    DiscordError,
    _body,
    _emu,
    _guild,
    _id,
    _json,
    _no_content,
    _require_guild,
    invalid_form,
    missing_permissions,
    unknown,
)
from .snowflakes import iso

if TYPE_CHECKING:
    from .server import Emulator


# ---------------------------------------------------------------------------------------------- guilds


async def get_guild(request: web.Request) -> web.Response:
    emu = _emu(request)
    guild = _guild(emu, _id(request, "guild_id"))
    data = guild.payload()
    for key in (
        "members",
        "channels",
        "threads",
        "presences",
        "voice_states",
        "guild_scheduled_events",
        "stage_instances",
        "soundboard_sounds",
        "joined_at",
        "large",
        "member_count",
        "lazy",
        "embedded_activities",
        "activity_instances",
        "unavailable",
    ):
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
    found = [
        m
        for m in guild.members.values()
        if m.user.username.lower().startswith(query) or (m.nick or "").lower().startswith(query)
    ]
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
        raise invalid_form(
            field, "DATE_TIME_TYPE_PARSE", f"Could not parse {value!r}. Should be ISO8601."
        ) from None
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
            raise invalid_form(
                "channel_id", "GUILD_SCHEDULED_EVENT_CHANNEL_INVALID", "Must be null for external"
            )
    elif kind in (1, 2):
        channel = emu.channels.get(int(data.get("channel_id") or 0))
        wanted = ChannelType.GUILD_STAGE_VOICE if kind == 1 else ChannelType.GUILD_VOICE
        if channel is None or channel.guild is not guild or channel.type != wanted:
            raise invalid_form("channel_id", "GUILD_SCHEDULED_EVENT_CHANNEL_INVALID", "Invalid channel")
    else:
        raise invalid_form("entity_type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")
    start = _parse_time(data.get("scheduled_start_time"), "scheduled_start_time")
    if creating and start < datetime.now(UTC):
        raise invalid_form(
            "scheduled_start_time",
            "GUILD_SCHEDULED_EVENT_SCHEDULED_START_TIME_IN_PAST",
            "Cannot schedule event in the past.",
        )
    if data.get("scheduled_end_time"):
        end = _parse_time(data["scheduled_end_time"], "scheduled_end_time")
        if end <= start:
            raise invalid_form(
                "scheduled_end_time",
                "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
                "Cannot schedule event to end before starting.",
            )


def _event_payload(
    emu: Emulator, guild: Guild, data: dict[str, Any], event_id: int, creator_id: int
) -> dict[str, Any]:
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
        if data.get("scheduled_end_time")
        else None,
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


def _require_event_perms(
    emu: Emulator, guild: Guild, data: dict[str, Any], *, creating: bool, own: bool
) -> None:
    """Discord since 23 February 2026: creating an event needs CREATE_EVENTS (MANAGE_EVENTS alone is no
    longer enough); editing or deleting one needs MANAGE_EVENTS, or CREATE_EVENTS for the caller's own
    events. A voice-channel event also needs VIEW_CHANNEL and CONNECT there."""
    have = guild.me.permissions
    channel = emu.channels.get(int(data["channel_id"])) if data.get("channel_id") else None
    if channel is not None and channel.guild is guild:
        have = guild.me.permissions_in(channel)
        if channel.type == ChannelType.GUILD_VOICE and have & _VOICE_EVENT != _VOICE_EVENT:
            raise missing_permissions()
    if creating:
        allowed = bool(have & Permission.CREATE_EVENTS)
    else:
        allowed = bool(have & Permission.MANAGE_EVENTS or (own and have & Permission.CREATE_EVENTS))
    if not allowed:
        raise missing_permissions()


_VOICE_EVENT = Permission.VIEW_CHANNEL | Permission.CONNECT


async def create_event(request: web.Request) -> web.Response:
    emu = _emu(request)
    guild = _guild(emu, _id(request, "guild_id"))
    body = _body(request)
    _require_event_perms(emu, guild, body, creating=True, own=True)
    _validate_event(emu, guild, body, creating=True)
    active = sum(1 for e in guild.scheduled_events.values() if e["status"] in ACTIVE_EVENT_STATUSES)
    if active >= emu.scheduled_event_limit:
        raise DiscordError(
            400,
            30038,
            f"Maximum number of uncompleted guild scheduled events reached ({emu.scheduled_event_limit})",
        )
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
    _require_event_perms(emu, guild, {**event, **body}, creating=False, own=own)
    if event["status"] in (3, 4):
        raise DiscordError(400, 180000, "Cannot modify a finished event")
    status = int(body.get("status") or event["status"])
    if status not in _EVENT_TRANSITIONS[event["status"]]:
        raise invalid_form(
            "status", "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION", "Invalid status transition"
        )
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
    _require_event_perms(emu, guild, event, creating=False, own=event["creator_id"] == str(emu.bot_user.id))
    del guild.scheduled_events[int(event["id"])]
    emu.dispatch("GUILD_SCHEDULED_EVENT_DELETE", event)
    return _no_content()
