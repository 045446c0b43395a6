"""What members do: slash commands, autocomplete, buttons, selects, modals, context menus, messages."""

# Waiting helpers take `timeout=` on purpose: tests read better with a per-call deadline.
# ruff: noqa: ASYNC109

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .interactions import InteractionType, Reply
from .models import (
    Attachment,
    Channel,
    ChannelType,
    Member,
    Message,
    Role,
    User,
    normalise_emoji,
    walk_components,
)
from .permissions import Permission

if TYPE_CHECKING:
    from .server import Emulator


class CommandHidden(AssertionError):
    """The member cannot see this command (default_member_permissions or contexts hide it)."""


STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11
OPTION_TYPE_NAMES = {
    1: "sub-command",
    2: "group",
    3: "string",
    4: "integer",
    5: "boolean",
    6: "user",
    7: "channel",
    8: "role",
    9: "mentionable",
    10: "number",
    11: "attachment",
}


# ---------------------------------------------------------------------------------------------- plumbing


def _emu(member: Member) -> Emulator:
    return member.guild._emu


def _start(
    member: Member,
    channel: Channel,
    itype: int,
    data: dict[str, Any],
    label: str,
    source_message: Message | None = None,
) -> Reply:
    emu = _emu(member)
    iid = emu.ids.next()
    token = f"aW50ZXJhY3Rpb24.{iid}.{secrets.token_urlsafe(32)}"
    guild = channel.guild
    in_dm = guild is None
    reply = Reply(
        emu,
        interaction_id=iid,
        token=token,
        type=itype,
        data=data,
        user=member.user,
        member=None if in_dm else member,
        channel=channel,
        guild=guild,
        label=label,
        source_message=source_message,
    )
    channel_payload = channel.payload()
    if not in_dm:
        channel_payload["permissions"] = str(int(member.permissions_in(channel)))
    payload: dict[str, Any] = {
        "id": str(iid),
        "application_id": str(emu.application_id),
        "type": itype,
        "data": data,
        "token": token,
        "version": 1,
        "locale": member.user.locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": 10 * 1024 * 1024,
        "channel_id": str(channel.id),
        "channel": channel_payload,
        "context": 1 if in_dm else 0,
        "authorizing_integration_owners": {"0": str(guild.id) if guild is not None else "0"},
    }
    if guild is not None:
        payload.update(
            guild_id=str(guild.id),
            guild=guild.partial_payload(),
            guild_locale=guild.preferred_locale,
            member=member.payload(channel=channel),
            app_permissions=str(int(guild.me.permissions_in(channel))),
        )
    else:
        payload["user"] = member.user.payload()
        payload["app_permissions"] = str(
            int(
                Permission.VIEW_CHANNEL
                | Permission.SEND_MESSAGES
                | Permission.EMBED_LINKS
                | Permission.ATTACH_FILES
                | Permission.READ_MESSAGE_HISTORY
                | Permission.ADD_REACTIONS
            )
        )
    if source_message is not None:
        payload["message"] = source_message.payload()
    reply.payload = payload
    emu.interactions[token] = reply
    emu.dispatch("INTERACTION_CREATE", payload)
    return reply


def _default_channel(member: Member, channel: Channel | None) -> Channel:
    return channel if channel is not None else member.guild.first_text_channel


def _visible(member: Member, command: dict[str, Any], channel: Channel) -> str | None:
    """Why the member cannot see `command` here, or None."""
    in_dm = channel.guild is None
    contexts = command.get("contexts")
    if contexts is not None and (1 if in_dm else 0) not in contexts:
        return f"its contexts {contexts} exclude {'bot DMs' if in_dm else 'guilds'}"
    if in_dm and command.get("dm_permission") is False:
        return "dm_permission is false"
    required = command.get("default_member_permissions")
    opened = member.guild.command_access.get(command["name"], set()) if not in_dm else set()
    if opened & {member.guild.id, member.id, *member.role_ids}:
        return None
    if required is not None and not in_dm:
        have = member.permissions
        need = int(required)
        if not have & Permission.ADMINISTRATOR and have & need != need:
            return f"it needs permissions {need} and {member.name} has {int(have)}"
    return None


def _find_command(
    member: Member, path: str, channel: Channel, kind: int = 1
) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    """Command, the sub-command words after its name, and the leaf's option definitions."""
    emu = _emu(member)
    words = path.lstrip("/").split()
    commands = [c for c in emu.commands_for(channel.guild) if c["type"] == kind]
    command = next((c for c in commands if c["name"] == words[0]), None)
    if command is None:
        raise AssertionError(
            f"the bot has no {'slash' if kind == 1 else 'context menu'} command {words[0]!r}; "
            f"it synced: {sorted(c['name'] for c in commands)}"
        )
    why = _visible(member, command, channel)
    if why is not None:
        raise CommandHidden(f"{member.name} cannot see /{command['name']}: {why}")
    options = command.get("options") or []
    for word in words[1:]:
        sub = next((o for o in options if o["name"] == word and o["type"] in (1, 2)), None)
        if sub is None:
            raise AssertionError(
                f"/{path}: no sub-command {word!r}; there are "
                f"{[o['name'] for o in options if o['type'] in (1, 2)]}"
            )
        options = sub.get("options") or []
    if any(o["type"] in (1, 2) for o in options):
        raise AssertionError(f"/{path} needs a sub-command: {[o['name'] for o in options]}")
    return command, words[1:], options


def _nest(command: dict[str, Any], sub_words: list[str], leaf: list[dict[str, Any]]) -> list[dict[str, Any]]:
    options = leaf
    defs = command.get("options") or []
    chain = []
    for word in sub_words:
        sub = next(o for o in defs if o["name"] == word)
        chain.append(sub)
        defs = sub.get("options") or []
    for sub in reversed(chain):
        options = [{"name": sub["name"], "type": sub["type"], "options": options}]
    return options


def _resolve_option(
    member: Member, definition: dict[str, Any], value: Any, resolved: dict[str, dict[str, Any]], where: str
) -> Any:
    emu = _emu(member)
    kind = definition["type"]
    name = definition["name"]
    fail = f"{where}: option {name!r} ({OPTION_TYPE_NAMES.get(kind)})"
    if kind == STRING:
        if not isinstance(value, str):
            raise AssertionError(f"{fail} takes a str, got {value!r}")
        if len(value) < int(definition.get("min_length", 0)) or len(value) > int(
            definition.get("max_length", 6000)
        ):
            raise AssertionError(f"{fail}: Discord's client would not accept {len(value)} characters")
    elif kind == INTEGER:
        if not isinstance(value, int) or isinstance(value, bool):
            raise AssertionError(f"{fail} takes an int, got {value!r}")
        if not -(2**53) < value < 2**53:  # Discord's client accepts integers within ±2^53 only
            raise AssertionError(f"{fail}: Discord's client would not accept {value}")
    elif kind == NUMBER:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise AssertionError(f"{fail} takes a number, got {value!r}")
    elif kind == BOOLEAN:
        if not isinstance(value, bool):
            raise AssertionError(f"{fail} takes a bool, got {value!r}")
    if kind in (INTEGER, NUMBER):
        if "min_value" in definition and value < definition["min_value"]:
            raise AssertionError(f"{fail}: {value} is below min_value {definition['min_value']}")
        if "max_value" in definition and value > definition["max_value"]:
            raise AssertionError(f"{fail}: {value} is above max_value {definition['max_value']}")
    if definition.get("choices") and kind in (STRING, INTEGER, NUMBER):
        allowed = [c["value"] for c in definition["choices"]]
        if value not in allowed:
            raise AssertionError(f"{fail}: {value!r} is not one of the choices {allowed}")
    if kind in (USER, MENTIONABLE) and isinstance(value, Member | User):
        user = value.user if isinstance(value, Member) else value
        resolved.setdefault("users", {})[str(user.id)] = user.payload()
        guild_member = member.guild.members.get(user.id) if member.guild else None
        if guild_member is not None:
            resolved.setdefault("members", {})[str(user.id)] = guild_member.payload(
                include_user=False, channel=None
            )
            resolved["members"][str(user.id)]["permissions"] = str(int(guild_member.permissions))
        return str(user.id)
    if kind in (ROLE, MENTIONABLE) and isinstance(value, Role):
        resolved.setdefault("roles", {})[str(value.id)] = value.payload()
        return str(value.id)
    if kind == CHANNEL:
        if not isinstance(value, Channel):
            raise AssertionError(f"{fail} takes an emulator Channel, got {value!r}")
        types = definition.get("channel_types")
        if types and value.type not in types:
            raise AssertionError(f"{fail}: channel type {value.type} is not one of {types}")
        data = {
            "id": str(value.id),
            "name": value.name,
            "type": value.type,
            "permissions": str(int(member.permissions_in(value))),
        }
        if value.parent_id is not None:
            data["parent_id"] = str(value.parent_id)
        if value.is_thread:
            data["thread_metadata"] = value.payload()["thread_metadata"]
        resolved.setdefault("channels", {})[str(value.id)] = data
        return str(value.id)
    if kind == ATTACHMENT:
        if isinstance(value, tuple):
            filename, blob = value
            value = emu.attachment(_default_channel(member, None), filename, blob)
        if not isinstance(value, Attachment):
            raise AssertionError(f"{fail} takes (filename, bytes) or an Attachment, got {value!r}")
        resolved.setdefault("attachments", {})[str(value.id)] = value.payload()
        return str(value.id)
    if kind in (USER, ROLE, MENTIONABLE):
        raise AssertionError(f"{fail} takes a Member/User/Role, got {value!r}")
    return value


def _build_options(
    member: Member,
    definitions: list[dict[str, Any]],
    given: dict[str, Any],
    where: str,
    *,
    focused: str | None = None,
    focused_value: str = "",
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    by_name = {d["name"]: d for d in definitions}
    values: dict[str, Any] = {}
    for key, value in given.items():
        name = key if key in by_name else key.replace("_", "-")
        if name not in by_name:
            raise AssertionError(f"{where} has no option {key!r}; options: {list(by_name)}")
        values[name] = value
    resolved: dict[str, dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    for definition in definitions:
        name = definition["name"]
        if name == focused:
            if not definition.get("autocomplete"):
                raise AssertionError(f"{where}: option {name!r} has no autocomplete")
            out.append({"name": name, "type": definition["type"], "value": focused_value, "focused": True})
            continue
        if name not in values:
            if definition.get("required") and focused is None:
                raise AssertionError(f"{where}: required option {name!r} missing")
            continue
        value = _resolve_option(member, definition, values[name], resolved, where)
        out.append({"name": name, "type": definition["type"], "value": value})
    if focused is not None and focused not in by_name:
        raise AssertionError(f"{where} has no option {focused!r}; options: {list(by_name)}")
    return out, resolved


def _command_data(
    command: dict[str, Any], options: list[dict[str, Any]], resolved: dict[str, Any]
) -> dict[str, Any]:
    data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": command["type"]}
    if options:
        data["options"] = options
    if resolved:
        data["resolved"] = resolved
    if "guild_id" in command:
        data["guild_id"] = command["guild_id"]
    return data


# ---------------------------------------------------------------------------------------------- commands


async def slash(
    member: Member, path: str, *, channel: Channel | None, timeout: float, options: dict[str, Any]
) -> Reply:
    channel = _default_channel(member, channel)
    command, sub_words, leaf = _find_command(member, path, channel)
    where = f"/{path}"
    built, resolved = _build_options(member, leaf, options, where)
    data = _command_data(command, _nest(command, sub_words, built), resolved)
    reply = _start(member, channel, InteractionType.APPLICATION_COMMAND, data, where)
    return await reply.wait(timeout)


async def autocomplete(
    member: Member,
    path: str,
    option: str,
    value: str,
    *,
    channel: Channel | None,
    timeout: float,
    options: dict[str, Any],
) -> list[dict[str, Any]]:
    channel = _default_channel(member, channel)
    command, sub_words, leaf = _find_command(member, path, channel)
    where = f"/{path} {option}:{value!r}"
    built, resolved = _build_options(member, leaf, options, f"/{path}", focused=option, focused_value=value)
    data = _command_data(command, _nest(command, sub_words, built), resolved)
    reply = _start(member, channel, InteractionType.AUTOCOMPLETE, data, f"autocomplete {where}")
    await reply.wait(timeout)
    return list(reply.choices or [])


async def context_menu(
    member: Member, name: str, target: Message | Member | User, *, timeout: float
) -> Reply:
    if isinstance(target, Message):
        channel, kind = target.channel, 3
    else:
        channel, kind = _default_channel(member, None), 2
    command, _, _ = _find_command_by_name(member, name, channel, kind)
    resolved: dict[str, Any]
    if isinstance(target, Message):
        resolved = {"messages": {str(target.id): target.payload()}}
        target_id = target.id
    else:
        user = target.user if isinstance(target, Member) else target
        resolved = {"users": {str(user.id): user.payload()}}
        if channel.guild is not None and user.id in channel.guild.members:
            resolved["members"] = {str(user.id): channel.guild.members[user.id].payload(include_user=False)}
        target_id = user.id
    data = {**_command_data(command, [], resolved), "target_id": str(target_id)}
    reply = _start(member, channel, InteractionType.APPLICATION_COMMAND, data, f"context menu {name!r}")
    return await reply.wait(timeout)


def _find_command_by_name(
    member: Member, name: str, channel: Channel, kind: int
) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    emu = _emu(member)
    commands = [c for c in emu.commands_for(channel.guild) if c["type"] == kind]
    command = next((c for c in commands if c["name"] == name), None)
    if command is None:
        raise AssertionError(
            f"the bot has no {'message' if kind == 3 else 'user'} command {name!r}; "
            f"it synced: {sorted(c['name'] for c in commands)}"
        )
    why = _visible(member, command, channel)
    if why is not None:
        raise CommandHidden(f"{member.name} cannot see {name!r}: {why}")
    return command, [], []


# ---------------------------------------------------------------------------------------------- components


def _check_visible(member: Member, message: Message) -> None:
    """Only the member an ephemeral message answered can see it, so only they can use its components."""
    if not message.ephemeral or message.interaction_metadata is None:
        return
    owner = str((message.interaction_metadata.get("user") or {}).get("id"))
    if owner != str(member.id):
        raise AssertionError(f"{member.name} cannot see an ephemeral message shown only to user {owner}")


def _source(target: Message | Reply, predicate: Any, what: str) -> tuple[Message, dict[str, Any]]:
    messages = target.messages if isinstance(target, Reply) else [target]
    for message in messages:
        for component in walk_components(message.components):
            if predicate(component):
                return message, component
    listed = [
        (c.get("label"), c.get("custom_id"))
        for m in messages
        for c in walk_components(m.components)
        if c.get("type") in (2, 3, 5, 6, 7, 8)
    ]
    raise AssertionError(f"no {what}; components there (label, custom_id): {listed}")


async def click(member: Member, target: Message | Reply, button: str, *, timeout: float) -> Reply:
    message, component = _source(
        target,
        lambda c: c.get("type") == 2 and button in (c.get("label"), c.get("custom_id")),
        f"button {button!r}",
    )
    if component.get("disabled"):
        raise AssertionError(f"button {button!r} is disabled")
    if component.get("style") in (5, 6):
        raise AssertionError(f"button {button!r} is a link/premium button: clicking it sends no interaction")
    if message.deleted:
        raise AssertionError(f"button {button!r} is on a deleted message")
    _check_visible(member, message)
    data = {"custom_id": component["custom_id"], "component_type": 2, "id": component.get("id")}
    reply = _start(
        member,
        message.channel,
        InteractionType.MESSAGE_COMPONENT,
        data,
        f"button {button!r}",
        source_message=message,
    )
    return await reply.wait(timeout)


async def select(
    member: Member, target: Message | Reply, custom_id: str, values: list[Any], *, timeout: float
) -> Reply:
    message, component = _source(
        target,
        lambda c: c.get("type") in (3, 5, 6, 7, 8) and c.get("custom_id") == custom_id,
        f"select menu {custom_id!r}",
    )
    if component.get("disabled"):
        raise AssertionError(f"select {custom_id!r} is disabled")
    _check_visible(member, message)
    lo, hi = int(component.get("min_values", 1)), int(component.get("max_values", 1))
    if not lo <= len(values) <= hi:
        raise AssertionError(f"select {custom_id!r} takes {lo} to {hi} values, got {len(values)}")
    kind = component["type"]
    resolved: dict[str, dict[str, Any]] = {}
    raw: list[str] = []
    if kind == 3:
        allowed = [o["value"] for o in component.get("options") or []]
        for v in values:
            if v not in allowed:
                raise AssertionError(f"select {custom_id!r} has no option {v!r}; options: {allowed}")
            raw.append(v)
    else:
        definition_type = {5: USER, 6: ROLE, 7: MENTIONABLE, 8: CHANNEL}[kind]
        definition = {
            "name": custom_id,
            "type": definition_type,
            "channel_types": component.get("channel_types"),
        }
        raw = [_resolve_option(member, definition, v, resolved, f"select {custom_id!r}") for v in values]
    data: dict[str, Any] = {
        "custom_id": custom_id,
        "component_type": kind,
        "values": raw,
        "id": component.get("id"),
    }
    if resolved:
        data["resolved"] = resolved
    reply = _start(
        member,
        message.channel,
        InteractionType.MESSAGE_COMPONENT,
        data,
        f"select {custom_id!r}",
        source_message=message,
    )
    return await reply.wait(timeout)


def _answer_input(component: dict[str, Any], values: dict[str, Any], used: set[str]) -> dict[str, Any]:
    cid = component.get("custom_id", "")
    kind = component.get("type")
    answer: dict[str, Any] = {"type": kind, "id": component.get("id"), "custom_id": cid}
    if kind == 4:
        value = values.get(cid, "")
        if not isinstance(value, str):
            raise AssertionError(f"modal field {cid!r} takes a str")
        if cid not in values and component.get("value"):
            value = component["value"]  # pre-filled and left as is
        if component.get("required", True) and not value:
            raise AssertionError(f"modal field {cid!r} is required")
        if value and not int(component.get("min_length", 0)) <= len(value) <= int(
            component.get("max_length", 4000)
        ):
            raise AssertionError(f"modal field {cid!r}: the client would not accept {len(value)} characters")
        answer["value"] = value
    else:
        chosen = values.get(cid, [])
        answer["values"] = list(chosen) if isinstance(chosen, list | tuple) else [chosen]
    if cid in values:
        used.add(cid)
    return answer


async def submit_modal(member: Member, reply: Reply, values: dict[str, Any], *, timeout: float) -> Reply:
    modal = reply.modal
    if modal is None:
        raise AssertionError(f"{reply.label} did not open a modal ({reply.describe()})")
    used: set[str] = set()
    components: list[dict[str, Any]] = []
    for top in modal.get("components") or []:
        if top.get("type") == 1:
            components.append(
                {
                    "type": 1,
                    "id": top.get("id"),
                    "components": [_answer_input(c, values, used) for c in top.get("components") or []],
                }
            )
        elif top.get("type") == 18:
            components.append(
                {"type": 18, "id": top.get("id"), "component": _answer_input(top["component"], values, used)}
            )
        else:
            components.append({"type": top.get("type"), "id": top.get("id")})
    unknown = set(values) - used
    if unknown:
        raise AssertionError(f"the modal has no fields {sorted(unknown)}")
    data = {"custom_id": modal["custom_id"], "components": components}
    submitted = _start(
        member,
        reply.channel,
        InteractionType.MODAL_SUBMIT,
        data,
        f"modal {modal.get('title')!r}",
        source_message=reply.source_message,
    )
    return await submitted.wait(timeout)


# ---------------------------------------------------------------------------------------------- messages


def _check_can_post(member: Member, channel: Channel) -> None:
    if channel.deleted:
        raise AssertionError(f"#{channel.name} was deleted")
    if channel.guild is None:
        return
    if channel.is_forum or channel.type == ChannelType.GUILD_CATEGORY:
        raise AssertionError(f"#{channel.name} takes no messages (use start_thread for forum posts)")
    need = Permission.SEND_MESSAGES_IN_THREADS if channel.is_thread else Permission.SEND_MESSAGES
    if not member.permissions_in(channel) & need:
        raise AssertionError(f"{member.name} cannot post in #{channel.name}")
    if channel.is_thread and channel.archived:
        if channel.locked and not member.permissions_in(channel) & Permission.MANAGE_THREADS:
            raise AssertionError(f"#{channel.name} is locked")
        channel.archived = False
        channel.guild._emu.dispatch("THREAD_UPDATE", channel.payload())


async def say(
    member: Member,
    channel: Channel,
    content: str,
    *,
    reply_to: Message | None,
    attachments: list[tuple[str, bytes]] | None,
    embeds: list[dict[str, Any]] | None,
) -> Message:
    emu = _emu(member)
    _check_can_post(member, channel)
    body: dict[str, Any] = {"content": content, "embeds": embeds or []}
    if reply_to is not None:
        body["message_reference"] = {"message_id": str(reply_to.id), "channel_id": str(reply_to.channel.id)}
    files = [emu.attachment(channel, name, blob) for name, blob in attachments or []]
    message = emu.new_message(channel, member.user, body, attachments=files)
    message.nonce = str(emu.ids.next())
    emu.store_message(message)
    emu.dispatch("MESSAGE_CREATE", message.payload(with_member=True))
    return message


async def dm(member: Member, content: str) -> Message:
    emu = _emu(member)
    channel = emu.dm_channel(member.user)
    message = emu.new_message(channel, member.user, {"content": content})
    emu.store_message(message)
    emu.dispatch("MESSAGE_CREATE", message.payload())
    return message


async def edit(member: Member, message: Message, content: str) -> Message:
    emu = _emu(member)
    if message.author.id != member.id:
        raise AssertionError(f"{member.name} cannot edit someone else's message")
    message.content = content
    message.edited_at = datetime.now(UTC)
    message.pings = emu.compute_pings(message, None)
    emu.dispatch("MESSAGE_UPDATE", message.payload(with_member=True))
    emu._notify()
    return message


async def delete(member: Member, message: Message) -> None:
    emu = _emu(member)
    if (
        message.author.id != member.id
        and not member.permissions_in(message.channel) & Permission.MANAGE_MESSAGES
    ):
        raise AssertionError(f"{member.name} cannot delete that message")
    from .rest import delete_message

    delete_message(emu, message)


async def react(member: Member, message: Message, emoji: str) -> None:
    from .api_channels import reaction_event

    emu = _emu(member)
    key = normalise_emoji(emoji)
    users = message.reactions.setdefault(key, [])
    if member.id not in users:
        users.append(member.id)
        emu.dispatch(
            "MESSAGE_REACTION_ADD",
            {**reaction_event(emu, message, key, member.id), "message_author_id": str(message.author.id)},
        )
    emu._notify()


async def unreact(member: Member, message: Message, emoji: str) -> None:
    from .api_channels import reaction_event

    emu = _emu(member)
    key = normalise_emoji(emoji)
    users = message.reactions.get(key, [])
    if member.id in users:
        users.remove(member.id)
        emu.dispatch("MESSAGE_REACTION_REMOVE", reaction_event(emu, message, key, member.id))
    emu._notify()


__all__ = ["CommandHidden", "ChannelType"]
