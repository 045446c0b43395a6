"""/watchparty edit|cancel (host or moderator).

Edits bump the party's sequence, replan its due work when the start or its reminder times changed (same
transaction), update the announcement and the Discord event, and fill new capacity from the waitlist.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import discord
from discord import app_commands

from bot.checks import is_moderator
from bot.client import Clematis
from bot.errors import UserError
from bot.guard.published import refuse_spoilers
from bot.i18n import _, _n
from bot.option_types import Pick
from bot.watchparty.announce import when_text
from bot.watchparty.board import autocomplete_party, board_for, find_party, read_reminders
from bot.watchparty.confirm import confirm_then
from bot.watchparty.group import GroupedCog
from bot.watchparty.parties import (
    NO_HOST,
    Party,
    PartyChanges,
    cancel_party,
    edit_party,
    party_reminders,
)
from bot.watchparty.reminders import describe_offsets
from bot.watchparty.zone_input import autocomplete_zone, read_when, read_zone

Voice = discord.VoiceChannel | discord.StageChannel


class PartyManagement(GroupedCog):
    def __init__(self, bot: Clematis) -> None:
        super().__init__(bot)
        self.bot = bot
        self.board = board_for(bot)

    async def _own_party(self, interaction: discord.Interaction, text: str) -> Party:
        party = await find_party(self.bot, interaction, text)
        if party.host_id != interaction.user.id and not is_moderator(interaction):
            if party.host_id == NO_HOST:
                raise UserError(_("This party has no host any more: only a moderator can change it."))
            raise UserError(
                _("Only the host ({host}) or a moderator can change this party.", host=f"<@{party.host_id}>")
            )
        if not party.scheduled:
            raise UserError(
                _("This party was cancelled; it can't be changed.")
                if party.status == "cancelled"
                else _("This party is over; it can't be changed.")
            )
        return party

    async def _apply(self, interaction: discord.Interaction, party_id: int, changes: PartyChanges) -> None:
        try:
            result = await edit_party(self.bot.db, party_id, changes, now=datetime.now(UTC))
        except (LookupError, ValueError):
            raise UserError(
                _("This party can't be changed any more (it was cancelled or removed).")
            ) from None
        if result.replanned:
            self.bot.dispatch("due_work_changed")
        self.board.refresh(party_id)
        outcome = await self.board.mirror_event(result.party)
        await self.board.notify_promoted(result.party, result.promoted)
        party = result.party
        lines = [
            _(
                "Updated **{title}**: {when}.",
                title=discord.utils.escape_markdown(party.title),
                when=when_text(party.starts_at),
            )
        ]
        if changes.reminder_offsets is not None:
            times = describe_offsets(await party_reminders(self.bot.db, party))
            lines.append(
                _("Reminders: {times} (its own times).", times=times)
                if party.reminder_offsets
                else _("Reminders: {times} (this server's times).", times=times)
            )
        if result.promoted:
            lines.append(
                _n(
                    "{n} member moved up from the waitlist and was told.",
                    "{n} members moved up from the waitlist and were told.",
                    len(result.promoted),
                )
            )
        if outcome.note:
            lines.append(outcome.note)
        await interaction.edit_original_response(content="\n".join(lines), view=None)

    @app_commands.command(name="edit", description="Change a watch party (host or moderator)")
    @app_commands.describe(
        party="The party (pick from the list as you type)",
        when="A new start time",
        timezone="The time zone the new time is in (default: the party's)",
        title="A new title",
        note="A new note (a single `-` clears it)",
        capacity="A new capacity (0 removes the limit)",
        voice="A new voice or stage channel",
        reminders="New reminder times, e.g. `2h, 0` (`0` = at the start; `default` = the server's)",
    )
    @app_commands.autocomplete(party=autocomplete_party, timezone=autocomplete_zone)
    async def edit(
        self,
        interaction: discord.Interaction,
        party: Pick,
        when: app_commands.Range[str, 1, 80] | None = None,
        timezone: Pick | None = None,
        title: app_commands.Range[str, 1, 100] | None = None,
        note: app_commands.Range[str, 1, 500] | None = None,
        capacity: app_commands.Range[int, 0, 10000] | None = None,
        voice: Voice | None = None,
        reminders: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        offsets = None if reminders is None else (read_reminders(reminders) or "")  # "": the server's
        found = await self._own_party(interaction, party)
        await refuse_spoilers(self.bot, found.guild_id, found.channel_id, title=title, note=note)
        changes = PartyChanges(
            zone=read_zone(timezone).key if timezone else None,
            title=title,
            note="" if note == "-" else note,
            capacity=capacity,
            voice_channel_id=voice.id if voice else None,
            reminder_offsets=offsets,
        )
        if when is None:
            if changes == PartyChanges():
                raise UserError(
                    _(
                        "Tell me what to change: `when`, `timezone`, `title`, `note`, `capacity`, `voice` or "
                        "`reminders`."
                    )
                )
            await interaction.response.defer(ephemeral=True, thinking=True)
            await self._apply(interaction, found.id, changes)
            return
        reading, _source = await read_when(self.bot, interaction, when, timezone, fallback=found.zone)
        changes = replace(changes, zone=reading.zone.key)
        await confirm_then(
            interaction,
            reading,
            lambda inter, start: self._apply(
                inter, found.id, replace(changes, starts_at=start.replace(second=0, microsecond=0))
            ),
        )

    @app_commands.command(name="cancel", description="Cancel a watch party (host or moderator)")
    @app_commands.describe(party="The party (pick from the list as you type)")
    @app_commands.autocomplete(party=autocomplete_party)
    async def cancel(self, interaction: discord.Interaction, party: Pick) -> None:
        found = await self._own_party(interaction, party)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            cancelled = await cancel_party(self.bot.db, found.id)
        except (LookupError, ValueError):
            raise UserError(_("This party was already cancelled.")) from None
        self.bot.dispatch("due_work_changed")
        self.board.refresh(found.id)
        outcome = await self.board.cancel_event(cancelled)
        text = _(
            "Cancelled **{title}** ({when}).",
            title=discord.utils.escape_markdown(found.title),
            when=when_text(found.starts_at),
        )
        await interaction.edit_original_response(content=text + (f"\n{outcome.note}" if outcome.note else ""))


async def setup(bot: Clematis) -> None:
    await bot.add_cog(PartyManagement(bot))
