"""Watch-party reminders: runs the one due-work dispatcher, the "Mark as watched" button, /watchparty-admin status.

The dispatcher starts when the bot is first ready (reloading every pending row from the database) and
stops when the cog unloads. Anything that plans, replans or cancels a party's due work calls
``bot.dispatch("due_work_changed")`` after committing, which wakes it at once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import moderator_only
from bot.client import Clematis
from bot.i18n import _, _n
from bot.watchparty.delivery import MarkWatchedButton, clean, deliver_due, report_lines, report_totals, stamp
from bot.watchparty.dispatcher import Dispatcher, delivery_report
from bot.watchparty.group import ADMIN, join_group, leave_group

EMBED_LIMIT = 3900


class WatchPartyReminders(commands.Cog):
    def __init__(self, bot: Clematis) -> None:
        self.bot = bot
        self.dispatcher = Dispatcher(
            bot.db,
            partial(deliver_due, bot),
            handlers=bot.due_handlers,
            before_start=bot.wait_until_ready,
            shards=lambda: bot.shards_held,  # deliver only for servers on this process's shards
        )
        self._joined: list[tuple[str, str]] = []

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(MarkWatchedButton)
        self._joined = join_group(self, self.bot)

    async def cog_unload(self) -> None:
        await self.dispatcher.stop()
        self.bot.remove_dynamic_items(MarkWatchedButton)
        leave_group(self, self.bot, self._joined)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        self.dispatcher.start()  # once; later READYs (reconnects) find it running

    @commands.Cog.listener()
    async def on_due_work_changed(self) -> None:
        self.dispatcher.wake()

    @app_commands.command(
        name="status",
        description="Reminder deliveries here: pending, sent, late, skipped, failed (moderators)",
        extras=ADMIN,
    )
    @moderator_only()  # /watchparty-admin is hidden from members; this checks again when run
    async def status(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None  # guild_only
        now = datetime.now(UTC)
        lines = await delivery_report(self.bot.db, interaction.guild_id, now)
        embed = discord.Embed(title=_("Watch-party deliveries"), colour=discord.Colour.blurple())
        if not lines:
            embed.description = _("No upcoming watch parties (or parties from the last day) on this server.")
        else:
            body: list[str] = []
            shown = 0
            rendered = report_lines(lines)
            for text in rendered:
                if sum(len(t) + 1 for t in body) + len(text) > EMBED_LIMIT:
                    break
                body.append(text)
                shown += 1
            if shown < len(rendered):
                body.append(_n("… and {n} more line.", "… and {n} more lines.", len(rendered) - shown))
            embed.description = "\n".join(body)
            embed.add_field(name=_("Totals"), value=report_totals(lines), inline=False)
        embed.add_field(name=_("Dispatcher"), value=self._dispatcher_state(), inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    def _dispatcher_state(self) -> str:
        d = self.dispatcher
        if not d.running:
            state = _("⚠️ not running (reminders are not being sent)")
        elif d.next_due is not None:
            state = _("running; next delivery {when}", when=stamp(d.next_due, "R"))
        else:
            state = _("running")
        if d.rival is not None:
            state += "\n" + _(
                "⚠️ Another Clematis process (`{process}`) uses the same database for the same shards. "
                "Reminders still go out once, but stop one of the two bots or give each its own SHARD_IDS.",
                process=clean(d.rival.owner),
            )
        return state


async def setup(bot: Clematis) -> None:
    await bot.add_cog(WatchPartyReminders(bot))
