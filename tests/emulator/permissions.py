"""Discord permission bits and the permission computation Discord applies (roles, then overwrites)."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any


class Permission(enum.IntFlag):
    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    PRIORITY_SPEAKER = 1 << 8
    STREAM = 1 << 9
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    VIEW_GUILD_INSIGHTS = 1 << 19
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    MUTE_MEMBERS = 1 << 22
    DEAFEN_MEMBERS = 1 << 23
    MOVE_MEMBERS = 1 << 24
    USE_VAD = 1 << 25
    CHANGE_NICKNAME = 1 << 26
    MANAGE_NICKNAMES = 1 << 27
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    MANAGE_GUILD_EXPRESSIONS = 1 << 30
    USE_APPLICATION_COMMANDS = 1 << 31
    REQUEST_TO_SPEAK = 1 << 32
    MANAGE_EVENTS = 1 << 33
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    USE_EXTERNAL_STICKERS = 1 << 37
    SEND_MESSAGES_IN_THREADS = 1 << 38
    USE_EMBEDDED_ACTIVITIES = 1 << 39
    MODERATE_MEMBERS = 1 << 40
    VIEW_CREATOR_MONETIZATION_ANALYTICS = 1 << 41
    USE_SOUNDBOARD = 1 << 42
    CREATE_GUILD_EXPRESSIONS = 1 << 43
    CREATE_EVENTS = 1 << 44
    USE_EXTERNAL_SOUNDS = 1 << 45
    SEND_VOICE_MESSAGES = 1 << 46
    SEND_POLLS = 1 << 49
    USE_EXTERNAL_APPS = 1 << 50
    PIN_MESSAGES = 1 << 51


ALL = Permission(sum(p.value for p in Permission))

# What @everyone can do in a freshly created server (Discord's defaults, trimmed to what matters here).
EVERYONE_DEFAULT = (
    Permission.CREATE_INSTANT_INVITE
    | Permission.ADD_REACTIONS
    | Permission.STREAM
    | Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.MENTION_EVERYONE
    | Permission.USE_EXTERNAL_EMOJIS
    | Permission.CONNECT
    | Permission.SPEAK
    | Permission.USE_VAD
    | Permission.CHANGE_NICKNAME
    | Permission.USE_APPLICATION_COMMANDS
    | Permission.REQUEST_TO_SPEAK
    | Permission.CREATE_PUBLIC_THREADS
    | Permission.CREATE_PRIVATE_THREADS
    | Permission.SEND_MESSAGES_IN_THREADS
    | Permission.CREATE_EVENTS
    | Permission.SEND_POLLS
)

README = Path(__file__).resolve().parents[2] / "README.md"
_INVITE_LINK = re.compile(r"https://discord\.com/oauth2/authorize\?\S*?permissions=(\d+)")


def readme_invite_permissions(readme: Path = README) -> Permission:
    """The permissions a server grants the bot when invited through the README's link."""
    found = _INVITE_LINK.search(readme.read_text(encoding="utf-8"))
    if found is None:
        raise RuntimeError(f"{readme} shows no invite link with a permissions= integer")
    return Permission(int(found.group(1)))


# What the bot's managed role gets: exactly what a real invite through the README's link grants (so a
# permission the README's link forgets is missing here too, as it would be on Discord).
BOT_DEFAULT = readme_invite_permissions()

MODERATOR_DEFAULT = (
    Permission.MANAGE_MESSAGES
    | Permission.MANAGE_THREADS
    | Permission.MANAGE_GUILD
    | Permission.MANAGE_EVENTS
    | Permission.MODERATE_MEMBERS
    | Permission.KICK_MEMBERS
    | Permission.VIEW_AUDIT_LOG
    | Permission.PIN_MESSAGES
)


def base_permissions(*, is_owner: bool, everyone: int, role_permissions: Iterable[int]) -> Permission:
    """Guild-level permissions: @everyone | member's roles; owners and administrators get everything."""
    if is_owner:
        return ALL
    value = everyone
    for perms in role_permissions:
        value |= perms
    if value & Permission.ADMINISTRATOR:
        return ALL
    return Permission(value)


def channel_permissions(
    base: Permission,
    *,
    guild_id: int,
    member_id: int,
    member_role_ids: Iterable[int],
    overwrites: list[dict[str, Any]],
) -> Permission:
    """Apply a channel's overwrites in Discord's order: @everyone, roles (combined), then the member."""
    if base & Permission.ADMINISTRATOR or base == ALL:
        return base
    value = int(base)
    by_id = {int(o["id"]): o for o in overwrites}
    everyone = by_id.get(guild_id)
    if everyone is not None:
        value &= ~int(everyone.get("deny", 0))
        value |= int(everyone.get("allow", 0))
    allow = deny = 0
    for role_id in member_role_ids:
        o = by_id.get(role_id)
        if o is not None and int(o.get("type", 0)) == 0:
            allow |= int(o.get("allow", 0))
            deny |= int(o.get("deny", 0))
    value = (value & ~deny) | allow
    mine = by_id.get(member_id)
    if mine is not None and int(mine.get("type", 1)) == 1:
        value &= ~int(mine.get("deny", 0))
        value |= int(mine.get("allow", 0))
    if not value & Permission.VIEW_CHANNEL:
        return Permission(0)
    return Permission(value)
