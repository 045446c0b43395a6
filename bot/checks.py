"""Permission checks, said twice: ``default_permissions`` hides commands, these enforce them at run time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

T = TypeVar("T")


def is_moderator(interaction: discord.Interaction) -> bool:
    member = interaction.user
    return isinstance(member, discord.Member) and member.guild_permissions.manage_guild


def moderator_only() -> Callable[[T], T]:
    """Hide from non-moderators in the client and check again when invoked (Manage Server)."""

    def decorator(func: Any) -> Any:
        func = app_commands.default_permissions(manage_guild=True)(func)
        func = app_commands.guild_only()(func)
        return app_commands.checks.has_permissions(manage_guild=True)(func)

    return decorator


def moderator_group(name: str, description: str) -> app_commands.Group:
    """A server-only command group that Discord hides from non-moderators (Manage Server); admins can open it
    to other roles, so each of its commands still checks when run."""
    return app_commands.Group(
        name=name,
        description=description,
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )


def moderator_autocomplete(callback: T) -> T:
    """For a moderator's option: discord.py runs the same check as the command before the callback, and
    answers anyone else with no choices (a server's own rules are spoilers themselves). Use it only on a
    callback no member command shares."""
    return app_commands.check(is_moderator)(callback)
