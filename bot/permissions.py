"""The permissions the bot asks for when invited (one list), and the invite link built from it.

Discord's February 2026 split applies: creating scheduled events needs **Create Events** (``1 << 44``);
**Manage Events** alone no longer does. Create Events also lets the bot edit and delete the events it
created itself, which is all it ever touches, so it does not ask for Manage Events (that one governs
everyone's events). Pinning needs **Pin Messages** (``1 << 51``), not Manage Messages; the bot pins nothing.
"""

from __future__ import annotations

import base64
import binascii

import discord

from bot.i18n import N_, _

# (discord.Permissions attribute, the name Discord shows, why the bot needs it). The README's invite link
# shows this list's integer; tests/core/test_invite.py checks that they agree.
INVITE_PERMISSIONS: tuple[tuple[str, str, str], ...] = (
    ("view_channel", "View Channels", "read the channels it works in"),
    ("send_messages", "Send Messages", "answer, announce parties, write the mod log"),
    ("send_messages_in_threads", "Send Messages in Threads", "discussion threads"),
    ("embed_links", "Embed Links", "cards and announcements"),
    ("attach_files", "Attach Files", "calendar (.ics) exports"),
    ("read_message_history", "Read Message History", "reply to the messages it acts on"),
    ("manage_messages", "Manage Messages", "remove spoilers"),
    ("manage_webhooks", "Manage Webhooks", "repost spoilers under the author's name"),
    ("manage_threads", "Manage Threads", "discussion threads"),
    ("create_public_threads", "Create Public Threads", "discussion threads"),
    ("create_private_threads", "Create Private Threads", "gated discussion threads"),
    ("create_events", "Create Events", "mirror watch parties as Discord events"),
)

# The names Discord's client shows for a permission in a channel's settings; answers name them in the
# member's language (Discord's own translations of them).
PERMISSION_NAMES: dict[str, str] = {
    "view_channel": N_("View Channel"),
    "send_messages": N_("Send Messages"),
    "send_messages_in_threads": N_("Send Messages in Threads"),
    "embed_links": N_("Embed Links"),
    "attach_files": N_("Attach Files"),
    "read_message_history": N_("Read Message History"),
    "manage_messages": N_("Manage Messages"),
    "manage_webhooks": N_("Manage Webhooks"),
    "manage_threads": N_("Manage Threads"),
    "create_public_threads": N_("Create Public Threads"),
    "create_private_threads": N_("Create Private Threads"),
    "create_events": N_("Create Events"),
    "manage_events": N_("Manage Events"),
    "manage_guild": N_("Manage Server"),
    "pin_messages": N_("Pin Messages"),
}


def permission_name(attribute: str) -> str:
    """The name Discord shows for a permission (a ``discord.Permissions`` attribute), in the current
    language; an attribute not listed is spelled out in English."""
    english = PERMISSION_NAMES.get(attribute)
    if english is None:
        return attribute.replace("_", " ").replace("guild", "server").title()
    return _(english)


INVITE_URL = (
    "https://discord.com/oauth2/authorize?client_id={application_id}"
    "&scope=bot+applications.commands&permissions={permissions}"
)


def invite_permissions() -> discord.Permissions:
    """The permissions of the invite link, from INVITE_PERMISSIONS."""
    return discord.Permissions(**{attribute: True for attribute, _, _ in INVITE_PERMISSIONS})


def invite_url(application_id: int | str) -> str:
    """The invite link for an application (``APP_ID`` in the README)."""
    return INVITE_URL.format(application_id=application_id, permissions=invite_permissions().value)


def application_id_from_token(token: str) -> int | None:
    """A bot token's first part is the bot user's id (= the application id) in base64; None if it isn't."""
    first = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(first + "=" * (-len(first) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None
    text = decoded.decode("ascii", errors="replace")
    return int(text) if text.isdigit() and 15 <= len(text) <= 20 else None
