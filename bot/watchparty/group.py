"""One `/watchparty` command group shared by several cogs.

discord.py binds a cog's commands to the cog, but a group can only live in one cog. Cogs that add
subcommands to `/watchparty` call `join_group(self)` in `cog_load` (their commands, declared as plain
top-level `@app_commands.command`s, move into the group, still bound to the cog) and `leave_group(self)`
in `cog_unload`. The group is created by the first cog that joins and removed when the last one leaves,
so load order does not matter.
"""

from __future__ import annotations

from typing import Any

from discord import app_commands
from discord.ext import commands

NAME = "watchparty"
DESCRIPTION = "Watch parties: schedule, RSVP, calendars"


def join_group(
    cog: commands.Cog, bot: commands.bot.BotBase, name: str = NAME, description: str = DESCRIPTION
) -> list[str]:
    """Move the cog's top-level app commands into the group `name`. Returns their names (for leave_group)."""
    group = bot.tree.get_command(name)
    if group is None:
        group = app_commands.Group(name=name, description=description, guild_only=True)
        bot.tree.add_command(group)
    if not isinstance(group, app_commands.Group):
        raise TypeError(f"/{name} exists and is not a group")
    commands_: list[Any] = list(cog.__cog_app_commands__)
    for command in commands_:
        group.add_command(command)
    cog.__cog_app_commands__ = []  # keep Cog._inject from also adding them at the top level
    return [command.name for command in commands_]


def leave_group(cog: commands.Cog, bot: commands.bot.BotBase, names: list[str], name: str = NAME) -> None:
    group = bot.tree.get_command(name)
    if not isinstance(group, app_commands.Group):
        return
    for command_name in names:
        group.remove_command(command_name)
    if not group.commands:
        bot.tree.remove_command(name)
