"""REST: gateway discovery, users, DMs, the application and its commands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .models import (
    Guild,
)
from .rest import (
    DiscordError,
    _body,
    _emu,
    _guild,
    _id,
    _json,
    _no_content,
    _raw_body,
    invalid_form,
    unknown,
)

if TYPE_CHECKING:
    from .server import Emulator


# ---------------------------------------------------------------------------------------------- users, app, gateway


async def get_gateway(request: web.Request) -> web.Response:
    return _json({"url": _emu(request).gateway_url})


async def get_gateway_bot(request: web.Request) -> web.Response:
    return _json(
        {
            "url": _emu(request).gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14400000,
                "max_concurrency": 1,
            },
        }
    )


async def get_me(request: web.Request) -> web.Response:
    emu = _emu(request)
    return _json(
        {
            **emu.bot_user.payload(),
            "verified": True,
            "mfa_enabled": False,
            "locale": "en-US",
            "email": None,
            "bio": "",
        }
    )


async def get_user(request: web.Request) -> web.Response:
    user = _emu(request).users.get(_id(request, "user_id"))
    if user is None:
        raise unknown("User")
    return _json(user.payload())


async def get_application(request: web.Request) -> web.Response:
    emu = _emu(request)
    return _json(
        {
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
            **({"privacy_policy_url": emu.privacy_policy_url} if emu.privacy_policy_url else {}),
            "event_webhooks_types": [],
        }
    )


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


def _normalise_command(
    emu: Emulator, data: dict[str, Any], guild: Guild | None, command_id: int
) -> dict[str, Any]:
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


def _upsert_command(
    emu: Emulator, store: dict[int, dict[str, Any]], data: dict[str, Any], guild: Guild | None
) -> tuple[dict[str, Any], bool]:
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
    body = _raw_body(request)
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
