"""What /privacy says: the member's data in plain words, the export file, the delete confirmation.

The confirmation buttons are `DynamicItem`s whose custom id carries the member's id and when the offer
expires, so they work after a restart, answer only the member who asked, and refuse once expired.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.errors import UserError
from bot.i18n import N_, _, _n
from bot.privacy.store import Deletion, Holding, delete_user, export_user, summarize_user
from bot.ui import run_guarded

if TYPE_CHECKING:
    from bot.client import Clematis

CONFIRM_FOR = timedelta(minutes=5)
DELETE_ID = "privacy:delete:{user_id}:{expires}"
DELETE_TEMPLATE = r"privacy:delete:(?P<user_id>[0-9]{1,20}):(?P<expires>[0-9]{1,12})"
KEEP_ID = "privacy:keep:{user_id}"
KEEP_TEMPLATE = r"privacy:keep:(?P<user_id>[0-9]{1,20})"
COLOUR = discord.Colour.from_str("#c8a2c8")
FILE_LIMIT = 10 * 1024 * 1024 - 64 * 1024  # Discord's 10 MiB for a bot's file, less the multipart framing

MESSAGES_STAY = N_(
    "Messages you posted in servers stay, including those the bot posted for you (such as a party "
    "announcement): they belong to the server's channels, not to this bot's records. Delete them in "
    "Discord if you want them gone."
)


def privacy_link(bot: Clematis) -> str | None:
    """Where the operator published the privacy notice: PRIVACY_POLICY_URL, else the app's own setting."""
    if bot.settings.privacy_url:
        return bot.settings.privacy_url
    application = bot.application
    return application.privacy_policy_url if application is not None else None


def notice_line(bot: Clematis) -> str:
    link = privacy_link(bot)
    if link:
        return _("The full privacy notice: {link}", link=link)
    return _(
        "The full privacy notice is PRIVACY.md in this bot's source code (ask the server's admins for a copy)."
    )


def holding_line(holding: Holding) -> str:
    return _(
        "**{label}**: {count} (kept: {retention})",
        label=_(holding.table.label),
        count=holding.count,
        retention=_(holding.table.retention),
    )


async def show_embed(bot: Clematis, user_id: int) -> discord.Embed:
    holdings = await summarize_user(bot.db, user_id)
    if holdings:
        lines = [_("This is everything I store under your Discord account, in every server:")]
        lines += [f"• {holding_line(h)}" for h in holdings]
    else:
        lines = [_("I store nothing about you: no progress, preferences, RSVPs, parties or reports.")]
    lines.append("")
    lines.append(
        _(
            "Get all of it as a file with {export}; delete it with {delete}.",
            export=bot.mention_command("privacy export"),
            delete=bot.mention_command("privacy delete"),
        )
    )
    embed = discord.Embed(title=_("What I store about you"), description="\n".join(lines), colour=COLOUR)
    embed.add_field(name=_("Privacy notice"), value=notice_line(bot), inline=False)
    return embed


def export_file(document: dict[str, Any], user_id: int) -> discord.File:
    """The export as JSON; gzipped if it would pass Discord's 10 MiB limit for a bot's file."""
    data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    if len(data) > FILE_LIMIT:
        return discord.File(io.BytesIO(gzip.compress(data)), filename=f"clematis-data-{user_id}.json.gz")
    return discord.File(io.BytesIO(data), filename=f"clematis-data-{user_id}.json")


async def export_answer(bot: Clematis, user_id: int) -> tuple[str, discord.File]:
    document = await export_user(bot.db, user_id, now=datetime.now(UTC))
    tables = document["tables"]
    count = sum(len(t["rows"]) for t in tables.values())
    text = (
        _n(
            "Here is everything I store about you: {n} record from {tables} tables, in a JSON file only you "
            "can see. Save it now: this message goes away when you dismiss it.",
            "Here is everything I store about you: {n} records from {tables} tables, in a JSON file only you "
            "can see. Save it now: this message goes away when you dismiss it.",
            count,
            tables=len(tables),
        )
        if count
        else _("I store nothing about you; the file says so, for your records.")
    )
    return text, export_file(document, user_id)


# --- delete --------------------------------------------------------------------------------------------


class DeleteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=DELETE_TEMPLATE):
    def __init__(self, user_id: int, expires: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Delete my data"),
                style=discord.ButtonStyle.danger,
                custom_id=DELETE_ID.format(user_id=user_id, expires=expires),
            )
        )
        self.user_id, self.expires = user_id, expires

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DeleteButton:
        return cls(int(match["user_id"]), int(match["expires"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_guarded(interaction, self._delete(interaction))

    async def _delete(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.user_id:
            raise UserError(_("This button belongs to someone else: run /privacy delete yourself."))
        now = datetime.now(UTC)
        if now.timestamp() > self.expires:
            await interaction.response.edit_message(
                content=_(
                    "This confirmation has expired, so nothing was deleted. Run /privacy delete again."
                ),
                embed=None,
                view=None,
            )
            return
        bot = cast("Clematis", interaction.client)
        done = await delete_user(bot.db, self.user_id, now=now)
        if done.queued:
            bot.dispatch("due_work_changed")
        await interaction.response.edit_message(content=deletion_text(done), embed=None, view=None)


class KeepButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=KEEP_TEMPLATE):
    def __init__(self, user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Keep my data"),
                style=discord.ButtonStyle.secondary,
                custom_id=KEEP_ID.format(user_id=user_id),
            )
        )
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> KeepButton:
        return cls(int(match["user_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_guarded(interaction, self._keep(interaction))

    async def _keep(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.user_id:
            raise UserError(_("This button belongs to someone else: run /privacy delete yourself."))
        await interaction.response.edit_message(
            content=_("Nothing was deleted: your data stays as it was."), embed=None, view=None
        )


async def confirm_delete(bot: Clematis, user_id: int) -> tuple[discord.Embed, discord.ui.View]:
    holdings = await summarize_user(bot.db, user_id)
    expires = datetime.now(UTC) + CONFIRM_FOR
    lines = [_("Deleting removes everything I store about you, in every server, at once:")]
    lines += [f"• {holding_line(h)}" for h in holdings] or ["• " + _("nothing is stored about you right now")]
    lines += [
        "",
        _(
            "Your RSVPs are withdrawn and the parties' counts updated. Upcoming parties you host are handed to "
            "the server's moderators (or a member they chose) or cancelled, as each server chose. Settings and "
            "rules you changed for a server stay with the server, without your name."
        ),
        _(MESSAGES_STAY),
        "",
        _(
            "This can't be undone. The buttons work until {time}.",
            time=f"<t:{int(expires.timestamp())}:t>",
        ),
    ]
    embed = discord.Embed(
        title=_("Delete everything I store about you?"), description="\n".join(lines), colour=COLOUR
    )
    view = discord.ui.View(timeout=None)
    view.add_item(DeleteButton(user_id, int(expires.timestamp())))
    view.add_item(KeepButton(user_id))
    view.stop()  # the dynamic items answer clicks; nothing needs to live in memory
    return embed, view


def deletion_text(done: Deletion) -> str:
    lines = [
        _n(
            "Done: I deleted everything I stored about you ({n} record).",
            "Done: I deleted everything I stored about you ({n} records).",
            done.total,
        )
        if done.total
        else _("Done: there was nothing stored about you to delete.")
    ]
    if done.handed_over:
        lines.append(
            _(
                "Upcoming parties you hosted, handed over as their server chose: {count}.",
                count=len(done.handed_over),
            )
        )
    if done.cancelled:
        lines.append(
            _(
                "Upcoming parties you hosted, cancelled as their server chose (with their reminders and "
                "Discord events): {count}.",
                count=len(done.cancelled),
            )
        )
    if done.withdrawn:
        lines.append(
            _("RSVPs withdrawn: {count}; the parties' counts are updated.", count=len(done.withdrawn))
        )
    lines.append(_(MESSAGES_STAY))
    lines.append(_("If you use me again (say, set your progress), I'll store that anew."))
    return "\n".join(lines)


def deletion_summary(done: Deletion) -> str:
    """One line for the operator's command line."""
    tables = ", ".join(f"{name} {count}" for name, count in sorted(done.removed.items())) or "nothing"
    return (
        f"deleted or cleared {done.total} rows ({tables}); parties handed over {len(done.handed_over)}, "
        f"cancelled {len(done.cancelled)}; RSVPs withdrawn {len(done.withdrawn)}; "
        f"{done.queued} Discord update(s) queued for the running bot"
    )
