"""The `/watchparty` command group (members) and `/watchparty-admin` (moderators), shared by several cogs.

discord.py binds a cog's commands to the cog, but a group can only live in one cog. Cogs that add
subcommands call `join_group(self, bot)` in `cog_load` (their commands, declared as plain top-level
`@app_commands.command`s, move into a group, still bound to the cog) and `leave_group(self, bot, joined)`
in `cog_unload`. A command goes to `/watchparty` unless it is declared with ``extras=ADMIN``: then it goes
to `/watchparty-admin`, which Discord hides from members without Manage Server (default_member_permissions),
so a server's admins can also restrict it apart from the members' commands. A group is created by the
first cog that joins and removed when the last one leaves, so load order does not matter.
"""

from __future__ import annotations

from typing import Any

from discord import app_commands
from discord.ext import commands

from bot.checks import moderator_group

NAME = "watchparty"
DESCRIPTION = "Watch parties: schedule, RSVP, calendars"
ADMIN_NAME = "watchparty-admin"
ADMIN_DESCRIPTION = "Watch-party settings and deliveries (moderators)"
ADMIN: dict[str, Any] = {"group": ADMIN_NAME}

_GROUPS = {NAME: DESCRIPTION, ADMIN_NAME: ADMIN_DESCRIPTION}


def _group(bot: commands.bot.BotBase, name: str) -> app_commands.Group:
    group = bot.tree.get_command(name)
    if group is None:
        if name == ADMIN_NAME:
            group = moderator_group(name, _GROUPS[name])
        else:
            group = app_commands.Group(name=name, description=_GROUPS[name], guild_only=True)
        bot.tree.add_command(group)
    if not isinstance(group, app_commands.Group):
        raise TypeError(f"/{name} exists and is not a group")
    return group


def join_group(cog: commands.Cog, bot: commands.bot.BotBase) -> list[tuple[str, str]]:
    """Move the cog's top-level app commands into their groups. Returns (group, command) names."""
    joined: list[tuple[str, str]] = []
    commands_: list[Any] = list(cog.__cog_app_commands__)
    for command in commands_:
        name = command.extras.get("group", NAME)
        _group(bot, name).add_command(command)
        joined.append((name, command.name))
    cog.__cog_app_commands__ = []  # keep Cog._inject from also adding them at the top level
    return joined


def leave_group(cog: commands.Cog, bot: commands.bot.BotBase, joined: list[tuple[str, str]]) -> None:
    for group_name, command_name in joined:
        group = bot.tree.get_command(group_name)
        if not isinstance(group, app_commands.Group):
            continue
        group.remove_command(command_name)
        if not group.commands:
            bot.tree.remove_command(group_name)


class GroupedCog(commands.Cog):
    """A cog whose app commands all move into the watch-party groups when it loads, and out when it
    unloads. Subclasses that need more in ``cog_load``/``cog_unload`` call ``super()``."""

    def __init__(self, bot: commands.bot.BotBase) -> None:
        self._group_bot = bot
        self._joined: list[tuple[str, str]] = []

    async def cog_load(self) -> None:
        self._joined = join_group(self, self._group_bot)

    async def cog_unload(self) -> None:
        leave_group(self, self._group_bot, self._joined)
