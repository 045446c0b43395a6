"""Text for /about and /help, generated from the live bot and command tree so it never goes stale."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.i18n import N_, _, current_locale, tp
from bot.i18n.commands import DESCRIPTION, MENU
from bot.text import pack_lines

if TYPE_CHECKING:
    from bot.client import Clematis

EMBED_DESCRIPTION_LIMIT = 4096
MESSAGE_EMBEDS_LIMIT = 5800  # Discord allows 6,000 characters across all embeds of a message


def format_duration(seconds: float) -> str:
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    if days or hours:
        parts.append(f"{hours}h")
    parts.append(f"{minutes}m" if days or hours or minutes else f"{secs}s")
    return " ".join(parts)


def about_fields(bot: Clematis) -> list[tuple[str, str]]:
    latency = bot.latency
    pack = f"{bot.canon.pack.name} {bot.canon.pack.version}"
    return [
        (_("Version"), bot.version),
        (_("Uptime"), format_duration(bot.uptime_seconds)),
        (
            _("Gateway latency"),
            _("measuring…") if math.isinf(latency) or math.isnan(latency) else f"{latency * 1000:.0f} ms",
        ),
        (_("Servers"), str(len(bot.guilds))),
        (_("Data pack"), pack),
    ]


def walk_leaf_commands(
    commands: list[app_commands.Command | app_commands.Group] | list,
) -> Iterator[app_commands.Command]:
    for command in commands:
        if isinstance(command, app_commands.Group):
            yield from walk_leaf_commands(command.commands)
        elif isinstance(command, app_commands.Command):
            yield command


OWNER_ONLY = "owner_only"  # app command extras key: only the bot's owner may run it (shown only to them)
MODERATORS_MARK = N_("*(moderators)*")
OWNER_MARK = N_("*(bot owner)*")


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who asked for /help: their permissions here as the interaction reports them, whether they own the
    bot, and whether they are in a server (guild-only commands don't work in DMs)."""

    permissions: discord.Permissions
    owner: bool = False
    in_guild: bool = True


def _root_permissions(command: app_commands.Command) -> discord.Permissions | None:
    root = command.root_parent or command
    return root.default_permissions if isinstance(root, app_commands.Group | app_commands.Command) else None


def _guild_only(command: app_commands.Command) -> bool:
    root = command.root_parent or command
    return bool(getattr(root, "guild_only", False))


def can_use(command: app_commands.Command, viewer: Viewer) -> bool:
    """Whether the viewer can see and run ``command``: Discord's default_member_permissions (which the
    command's run-time check repeats), guild-only commands only in a server, owner-only ones only for the
    owner. Per-command overrides an admin sets in Server Settings → Integrations are not visible to bots."""
    if command.extras.get(OWNER_ONLY):
        return viewer.owner
    if not viewer.in_guild:
        return not _guild_only(command)
    needed = _root_permissions(command)
    if needed is None or not needed.value or viewer.permissions.administrator:
        return True
    return viewer.permissions.value & needed.value == needed.value


def help_lines(bot: Clematis, viewer: Viewer) -> list[str]:
    """One line per slash command the viewer can use (subcommands spelled out), moderators' and the bot
    owner's marked."""
    lines = []
    for command in sorted(walk_leaf_commands(bot.tree.get_commands()), key=lambda c: c.qualified_name):
        if not can_use(command, viewer):
            continue
        perms = _root_permissions(command)
        if command.extras.get(OWNER_ONLY):
            marker = " " + _(OWNER_MARK)
        elif perms is not None and perms.value:
            marker = " " + _(MODERATORS_MARK)
        else:
            marker = ""
        description = tp(current_locale(), DESCRIPTION, command.description)
        lines.append(f"{bot.mention_command(command.qualified_name)} — {description}{marker}")
    if viewer.in_guild:
        context_menus = [c for c in bot.tree.get_commands() if isinstance(c, app_commands.ContextMenu)]
        for menu in sorted(context_menus, key=lambda c: c.name):
            name = tp(current_locale(), MENU, menu.name)
            lines.append(_("**{name}** (right-click or long-press a message → Apps)", name=name))
    return lines


def paginate_lines(lines: list[str], limit: int = EMBED_DESCRIPTION_LIMIT) -> list[str]:
    """Pack lines into pages of at most ``limit`` characters without splitting a line, within the
    6,000 characters Discord allows across a message's embeds."""
    pages = pack_lines(lines, limit) or [_("No commands are loaded.")]
    kept, total = [], 0
    for page in pages:
        if total + len(page) > MESSAGE_EMBEDS_LIMIT:
            break
        kept.append(page)
        total += len(page)
    return kept
