"""The one interaction error path, shared by the command tree, views, modals and persistent buttons.

Expected problems (bad input, missing permissions) get a friendly ephemeral answer. Anything else gets
an ephemeral "something went wrong" with a short error id; the traceback goes to the log with that id.
"""

from __future__ import annotations

import logging
import secrets

import discord
from discord import app_commands

from bot.db import write_refusal
from bot.i18n import _, bind
from bot.permissions import permission_name
from bot.text import CONTENT_LIMIT, clip

log = logging.getLogger("clematis.errors")


class UserError(Exception):
    """A problem the user can fix. Its message is shown to them as is (ephemeral)."""

    def __init__(self, message: str, *, view: discord.ui.View | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.view = view


def _permission_names(names: list[str]) -> str:
    # The names Discord's client shows, in the member's language.
    return ", ".join(permission_name(name) for name in names)


def describe_error(error: BaseException) -> tuple[str, discord.ui.View | None, bool]:
    """(message, optional view, expected?) for an error raised while handling an interaction."""
    if isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        inner = error.__cause__ or getattr(error, "original", None)
        if inner is not None and inner is not error:
            return describe_error(inner)
    if isinstance(error, UserError):
        return error.message, error.view, True
    if write_refusal(error) is not None:  # logged once, with the reason, by the database itself
        return (
            _(
                "Clematis can't save anything right now because its database refuses writes. The bot's host "
                "can see why in the log; please try again later."
            ),
            None,
            True,
        )
    if isinstance(error, app_commands.BotMissingPermissions):
        return (
            _(
                "I'm missing the **{permissions}** permission here. "
                "A server admin can grant it in the channel or role settings.",
                permissions=_permission_names(error.missing_permissions),
            ),
            None,
            True,
        )
    if isinstance(error, discord.Forbidden):
        return (
            _(
                "Discord refused that action: I'm probably missing a permission in this channel ({details}).",
                details=error.text or _("no details"),
            ),
            None,
            True,
        )
    if isinstance(error, app_commands.MissingPermissions):
        return (
            _(
                "You need the **{permissions}** permission to do that.",
                permissions=_permission_names(error.missing_permissions),
            ),
            None,
            True,
        )
    if isinstance(error, app_commands.NoPrivateMessage):
        return _("That only works in a server."), None, True
    if isinstance(error, app_commands.CommandOnCooldown):
        return (
            _("Slow down a little: try again in {seconds} s.", seconds=round(error.retry_after)),
            None,
            True,
        )
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or _("You can't use that here."), None, True
    return "", None, False


async def reply_ephemeral(
    interaction: discord.Interaction,
    content: str,
    *,
    view: discord.ui.View | None = None,
) -> None:
    """Answer ephemerally whether or not the interaction was already responded to (cut to fit Discord's
    2,000 characters, since a message can echo what a member typed)."""
    kwargs: dict = {"content": clip(content, CONTENT_LIMIT), "ephemeral": True}
    if view is not None:
        kwargs["view"] = view
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def handle_interaction_error(interaction: discord.Interaction, error: BaseException) -> str | None:
    """Reply to the user about ``error``. Returns the error id for unexpected errors."""
    bind(interaction)
    message, view, expected = describe_error(error)
    error_id = None
    if not expected:
        error_id = secrets.token_hex(4)
        command = interaction.command.qualified_name if interaction.command else None
        custom_id = interaction.data.get("custom_id") if interaction.data else None
        log.error(
            "error %s in interaction %s (command=%s, custom_id=%s, user=%s, guild=%s)",
            error_id,
            interaction.id,
            command,
            custom_id,
            interaction.user.id if interaction.user else None,
            interaction.guild_id,
            exc_info=error,
        )
        message = _(
            "Something went wrong on my side, sorry. (error id `{error_id}`; "
            "the bot's host can find the details in the log)",
            error_id=error_id,
        )
    try:
        await reply_ephemeral(interaction, message, view=view)
    except discord.HTTPException:
        log.warning("could not report error %s to the user", error_id or message, exc_info=True)
    return error_id
