"""/watchparty schedule|series|edit|cancel|settings: planning watch parties.

Times are read in the `timezone` option, else the member's saved zone, else the server's default, else
the member is asked (never UTC by accident). Ambiguous times and clock changes are confirmed with
buttons; the pending request is kept in memory for 15 minutes (see bot/watchparty/pending.py).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import is_moderator, moderator_only
from bot.client import Clematis
from bot.errors import UserError
from bot.modlog import write_modlog
from bot.ui import run_guarded
from bot.watchparty.announce import when_text
from bot.watchparty.board import PartyBoard, autocomplete_party, board_for, find_party
from bot.watchparty.episodes import EpisodeError, episode_run, find_episode, weekly_episodes
from bot.watchparty.group import join_group, leave_group
from bot.watchparty.parties import (
    Party,
    PartyChanges,
    cancel_party,
    create_party,
    create_series,
    delete_party,
    edit_party,
    get_party,
    guild_default_zone,
    planning_zone,
    set_announcement,
    set_guild_default_zone,
)
from bot.watchparty.pending import PendingStore
from bot.watchparty.scheduling import (
    MAX_SERIES,
    Confirmation,
    EditRequest,
    ScheduleRequest,
    plan_series,
    zone_free_reading,
)
from bot.watchparty.walltime import describe
from bot.watchparty.when import WhenError, WhenResult, parse_when
from bot.watchparty.zone_input import autocomplete_zone, read_zone, zone_summary

PICK_ID = "wp:pick:{token}:{index}"
PICK_TEMPLATE = r"wp:pick:(?P<token>[A-Za-z0-9_\-]{8,24}):(?P<index>[0-9]|x)"
TextLike = discord.TextChannel | discord.Thread
Voice = discord.VoiceChannel | discord.StageChannel


class PickButton(discord.ui.DynamicItem[discord.ui.Button], template=PICK_TEMPLATE):
    """One reading of an ambiguous time (or "Cancel"), for the member who asked."""

    def __init__(self, token: str, index: str, label: str = "Cancel") -> None:
        style = discord.ButtonStyle.secondary if index == "x" else discord.ButtonStyle.primary
        super().__init__(
            discord.ui.Button(
                label=label[:80], style=style, custom_id=PICK_ID.format(token=token, index=index)
            )
        )
        self.token, self.index = token, index

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PickButton:
        return cls(match["token"], match["index"])

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = (
            interaction.client.get_cog("WatchParties")
            if isinstance(interaction.client, commands.Bot)
            else None
        )
        if isinstance(cog, WatchParties):
            await run_guarded(interaction, cog.picked(interaction, self.token, self.index))


async def autocomplete_episode(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    bot = interaction.client
    if not isinstance(bot, Clematis):
        return []
    return [
        app_commands.Choice(name=m.label, value=m.id) for m in bot.canon.index.complete(current, ("episode",))
    ]


async def answer(interaction: discord.Interaction, text: str) -> None:
    """Replace the deferred answer (slash command) or the confirmation message (button)."""
    await interaction.edit_original_response(content=text[:2000], view=None, embed=None)


class WatchParties(commands.Cog):
    def __init__(self, bot: Clematis) -> None:
        self.bot = bot
        self.pending: PendingStore[Confirmation] = PendingStore()
        self._joined: list[str] = []

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PickButton)
        self._joined = join_group(self, self.bot)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PickButton)
        leave_group(self, self.bot, self._joined)

    @property
    def board(self) -> PartyBoard:
        return board_for(self.bot)

    # --- reading what members typed ----------------------------------------------------------------

    def _episodes(self, episode: str, until: str | None) -> list:
        pack, index = self.bot.canon.pack, self.bot.canon.index
        try:
            first = find_episode(pack, index, episode)
            return episode_run(pack, first, find_episode(pack, index, until) if until else None)
        except EpisodeError as error:
            raise UserError(str(error)) from None

    async def _read_when(
        self, interaction: discord.Interaction, when: str, typed_zone: str | None, fallback: str | None = None
    ) -> tuple[WhenResult, str]:
        """Parse `when` in the right zone. Returns the reading and where its zone came from."""
        now = datetime.now(UTC)
        if typed_zone:
            zone, source = read_zone(typed_zone), "the `timezone` you gave"
        elif fallback:
            zone, source = ZoneInfo(fallback), "the party's time zone"
        elif known := await planning_zone(self.bot.db, interaction.user.id, interaction.guild_id or 0):
            zone, source = ZoneInfo(known[0]), known[1]
        elif reading := zone_free_reading(when, now):
            return reading, "the time you typed"
        else:
            raise UserError(
                f"Which time zone is `{discord.utils.escape_markdown(when)}` in? I don't know yours yet. Save it "
                f"once with {self.bot.mention_command('timezone set')} (a city like `Seoul` works), or add "
                "`timezone:` to this command. Moderators can set a server default with "
                f"{self.bot.mention_command('watchparty settings')}."
            )
        try:
            reading = parse_when(when, zone, now)
        except WhenError as error:
            raise UserError(str(error)) from None
        return reading, source

    async def _confirm_or_run(
        self, interaction: discord.Interaction, request: ScheduleRequest | EditRequest, reading: WhenResult
    ) -> None:
        if reading.needs_confirmation:
            token = self.pending.add(interaction.user.id, Confirmation(request, list(reading.options)))
            view = discord.ui.View(timeout=None)
            for index, label in enumerate(reading.option_labels()[:9]):
                view.add_item(PickButton(token, str(index), label))
            view.add_item(PickButton(token, "x"))
            await interaction.response.send_message(
                f"{reading.needs_confirmation}\nWhich one do you mean?", view=view, ephemeral=True
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._run(interaction, request, reading.utc)

    async def picked(self, interaction: discord.Interaction, token: str, index: str) -> None:
        pending = self.pending.get(token)
        if pending is None:
            await interaction.response.edit_message(
                content="This choice has expired (I keep it for 15 minutes, and forget it when I restart). "
                "Run the command again.",
                view=None,
            )
            return
        if pending.owner_id != interaction.user.id:
            raise UserError("These buttons belong to someone else: run the command yourself.")
        self.pending.discard(token)
        if index == "x":
            await interaction.response.edit_message(content="Cancelled: nothing was scheduled.", view=None)
            return
        await interaction.response.defer()
        await self._run(interaction, pending.payload.request, pending.payload.options[int(index)])

    async def _run(
        self, interaction: discord.Interaction, request: ScheduleRequest | EditRequest, start: datetime
    ) -> None:
        now = datetime.now(UTC)
        if start <= now:
            raise UserError(
                f"That time has passed ({when_text(start)}): run the command again with a later time."
            )
        start = start.replace(second=0, microsecond=0) if start.second or start.microsecond else start
        if isinstance(request, EditRequest):
            await self._apply_edit(interaction, request.party_id, replace(request.changes, starts_at=start))
        elif request.kind == "series":
            await self._create_series(interaction, request, start)
        else:
            await self._create_one(interaction, request, start)

    # --- creating -----------------------------------------------------------------------------------

    async def _publish(self, party_id: int) -> tuple[Party, list[str]]:
        """Announce a stored party and mirror it as a Discord event. Undoes the party if I can't post."""
        party = await get_party(self.bot.db, party_id)
        assert party is not None
        try:
            message = await self.board.announce(party)
        except discord.HTTPException:
            await delete_party(self.bot.db, party_id)
            raise UserError(
                f"I can't post the announcement in <#{party.channel_id}>: I need **View Channel**, **Send "
                "Messages** and **Embed Links** there. Nothing was scheduled."
            ) from None
        await set_announcement(self.bot.db, party_id, message.id)
        party = await get_party(self.bot.db, party_id)
        assert party is not None
        outcome = await self.board.mirror_event(party)
        notes = [outcome.note] if outcome.note else []
        if outcome.for_mods and outcome.note:
            await write_modlog(self.bot, party.guild_id, f"Watch party #{party.id}: {outcome.note}")
        return party, notes

    async def _create_one(
        self, interaction: discord.Interaction, request: ScheduleRequest, start: datetime
    ) -> None:
        party_id = await create_party(self.bot.db, request.draft(start), now=datetime.now(UTC))
        party, notes = await self._publish(party_id)
        self.bot.dispatch("due_work_changed")
        lines = [
            f"Scheduled **{discord.utils.escape_markdown(party.title)}** for {when_text(party.starts_at)}: "
            f"[announcement]({party.jump_url()}).",
            f"I read the time in `{request.zone}` ({request.zone_source}): {describe(party.starts_at, party.zoneinfo)}.",
        ]
        await answer(interaction, "\n".join(lines + notes))

    async def _create_series(
        self, interaction: discord.Interaction, request: ScheduleRequest, start: datetime
    ) -> None:
        plan = plan_series(request, start)
        last = plan.weeks[-1][1]
        after = self.bot.canon.pack.episodes_in_order(last.track)
        position = self.bot.canon.pack.position(last.id)[1]
        next_episode = after[position + 1].id if position + 1 < len(after) else None
        _series_id, ids = await create_series(
            self.bot.db,
            plan.drafts,
            wall_time=plan.wall_time,
            zone=plan.zone,
            next_episode=next_episode,
            now=datetime.now(UTC),
        )
        lines = [
            f"Scheduled a weekly rewatch: {len(ids)} parties, every {plan.wall_time:%A} at "
            f"{plan.wall_time:%H:%M} in `{plan.zone}` ({request.zone_source}). Clock changes never move it."
        ]
        notes: list[str] = []
        try:
            for party_id, (occurrence, episode) in zip(ids, plan.weeks, strict=True):
                party, party_notes = await self._publish(party_id)
                notes += [n for n in party_notes if n not in notes]
                flag = " ⚠️ clocks change that day: starts later" if occurrence.gap_shifted else ""
                lines.append(f"• {when_text(party.starts_at)} — [{episode.title}]({party.jump_url()}){flag}")
        finally:
            self.bot.dispatch("due_work_changed")
        await answer(interaction, "\n".join(lines + notes))

    # --- editing and cancelling ---------------------------------------------------------------------

    async def _own_party(self, interaction: discord.Interaction, text: str) -> Party:
        party = await find_party(self.bot, interaction, text)
        if party.host_id != interaction.user.id and not is_moderator(interaction):
            raise UserError(f"Only the host (<@{party.host_id}>) or a moderator can change this party.")
        if not party.scheduled:
            raise UserError(f"This party is {party.status}; it can't be changed.")
        return party

    async def _apply_edit(
        self, interaction: discord.Interaction, party_id: int, changes: PartyChanges
    ) -> None:
        try:
            result = await edit_party(self.bot.db, party_id, changes, now=datetime.now(UTC))
        except (LookupError, ValueError):
            raise UserError("This party can't be changed any more (it was cancelled or removed).") from None
        if result.moved:
            self.bot.dispatch("due_work_changed")
        self.board.refresh(party_id)
        outcome = await self.board.mirror_event(result.party)
        await self.board.notify_promoted(result.party, result.promoted)
        lines = [
            f"Updated **{discord.utils.escape_markdown(result.party.title)}**: {when_text(result.party.starts_at)}."
        ]
        if result.promoted:
            lines.append(f"{len(result.promoted)} member(s) moved up from the waitlist and were told.")
        await answer(interaction, "\n".join(lines + ([outcome.note] if outcome.note else [])))

    # --- commands -----------------------------------------------------------------------------------

    @app_commands.command(
        name="schedule", description="Plan a watch party for one episode or a run of episodes"
    )
    @app_commands.describe(
        episode="The (first) episode to watch",
        when="When it starts, e.g. `sat 8pm`, `tomorrow 19:30`, `2026-12-05 20:00`, `in 3 hours`",
        until="Watch every episode up to this one (same track, release order)",
        timezone="The time zone `when` is in (default: yours, saved with /timezone set)",
        channel="Where to post the announcement (default: here)",
        voice="The voice or stage channel you'll watch in",
        capacity="How many can come (more go on a waitlist)",
        title="A title (default: the episode names)",
        note="A note for guests (links, what to bring)",
    )
    @app_commands.autocomplete(
        episode=autocomplete_episode, until=autocomplete_episode, timezone=autocomplete_zone
    )
    async def schedule(
        self,
        interaction: discord.Interaction,
        episode: str,
        when: app_commands.Range[str, 1, 80],
        until: str | None = None,
        timezone: str | None = None,
        channel: TextLike | None = None,
        voice: Voice | None = None,
        capacity: app_commands.Range[int, 1, 10000] | None = None,
        title: app_commands.Range[str, 1, 100] | None = None,
        note: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        episodes = self._episodes(episode, until)
        reading, source = await self._read_when(interaction, when, timezone)
        request = ScheduleRequest(
            "schedule",
            interaction.guild_id,
            channel.id if channel else interaction.channel_id,
            interaction.user.id,
            tuple(episodes),
            reading.zone.key,
            source,
            title,
            note,
            voice.id if voice else None,
            capacity,
        )
        await self._confirm_or_run(interaction, request, reading)

    @app_commands.command(
        name="series", description="A weekly rewatch: the next episode each week, same local time"
    )
    @app_commands.describe(
        episode="The episode of the first week",
        when="When the first party starts, e.g. `sat 8pm`",
        timezone="The time zone `when` is in (default: yours, saved with /timezone set)",
        channel="Where to post the announcements (default: here)",
        count=f"How many weeks (default: to the end of the track, at most {MAX_SERIES})",
        voice="The voice or stage channel you'll watch in",
    )
    @app_commands.autocomplete(episode=autocomplete_episode, timezone=autocomplete_zone)
    async def series(
        self,
        interaction: discord.Interaction,
        episode: str,
        when: app_commands.Range[str, 1, 80],
        timezone: str | None = None,
        channel: TextLike | None = None,
        count: app_commands.Range[int, 1, MAX_SERIES] | None = None,
        voice: Voice | None = None,
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        pack = self.bot.canon.pack
        try:
            weeks = weekly_episodes(
                pack, find_episode(pack, self.bot.canon.index, episode), count, MAX_SERIES
            )
        except EpisodeError as error:
            raise UserError(str(error)) from None
        reading, source = await self._read_when(interaction, when, timezone)
        request = ScheduleRequest(
            "series",
            interaction.guild_id,
            channel.id if channel else interaction.channel_id,
            interaction.user.id,
            tuple(weeks),
            reading.zone.key,
            source,
            voice_channel_id=voice.id if voice else None,
        )
        await self._confirm_or_run(interaction, request, reading)

    @app_commands.command(name="edit", description="Change a watch party (host or moderator)")
    @app_commands.describe(
        party="The party (pick from the list as you type)",
        when="A new start time",
        timezone="The time zone the new time is in (default: the party's)",
        title="A new title",
        note="A new note (a single `-` clears it)",
        capacity="A new capacity (0 removes the limit)",
        voice="A new voice or stage channel",
    )
    @app_commands.autocomplete(party=autocomplete_party, timezone=autocomplete_zone)
    async def edit(
        self,
        interaction: discord.Interaction,
        party: str,
        when: app_commands.Range[str, 1, 80] | None = None,
        timezone: str | None = None,
        title: app_commands.Range[str, 1, 100] | None = None,
        note: app_commands.Range[str, 1, 500] | None = None,
        capacity: app_commands.Range[int, 0, 10000] | None = None,
        voice: Voice | None = None,
    ) -> None:
        found = await self._own_party(interaction, party)
        zone = read_zone(timezone).key if timezone else None
        changes = PartyChanges(
            zone=zone,
            title=title,
            note="" if note == "-" else note,
            capacity=capacity,
            voice_channel_id=voice.id if voice else None,
        )
        if when is None:
            if changes == PartyChanges():
                raise UserError(
                    "Tell me what to change: `when`, `timezone`, `title`, `note`, `capacity` or `voice`."
                )
            await interaction.response.defer(ephemeral=True, thinking=True)
            await self._apply_edit(interaction, found.id, changes)
            return
        reading, _source = await self._read_when(interaction, when, timezone, fallback=found.zone)
        changes = replace(changes, zone=reading.zone.key)
        await self._confirm_or_run(interaction, EditRequest(found.id, changes), reading)

    @app_commands.command(name="cancel", description="Cancel a watch party (host or moderator)")
    @app_commands.describe(party="The party (pick from the list as you type)")
    @app_commands.autocomplete(party=autocomplete_party)
    async def cancel(self, interaction: discord.Interaction, party: str) -> None:
        found = await self._own_party(interaction, party)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            cancelled = await cancel_party(self.bot.db, found.id)
        except (LookupError, ValueError):
            raise UserError("This party was already cancelled.") from None
        self.bot.dispatch("due_work_changed")
        self.board.refresh(found.id)
        outcome = await self.board.cancel_event(cancelled)
        text = f"Cancelled **{discord.utils.escape_markdown(found.title)}** ({when_text(found.starts_at)})."
        await answer(interaction, text + (f"\n{outcome.note}" if outcome.note else ""))

    @app_commands.command(name="settings", description="Server settings for watch parties (moderators)")
    @app_commands.describe(
        zone="The server's default time zone for members who saved none (`none` clears it)"
    )
    @app_commands.autocomplete(zone=autocomplete_zone)
    @moderator_only()
    async def settings(self, interaction: discord.Interaction, zone: str | None = None) -> None:
        assert interaction.guild_id is not None
        if zone is not None:
            value = None if zone.strip().lower() in ("none", "clear", "-") else read_zone(zone).key
            await set_guild_default_zone(self.bot.db, interaction.guild_id, value)
            shown = zone_summary(value) if value else "none (members without a saved zone are asked)"
            await write_modlog(
                self.bot,
                interaction.guild_id,
                f"{interaction.user.mention} set the watch-party default time zone to {shown}.",
            )
        current = await guild_default_zone(self.bot.db, interaction.guild_id)
        text = f"Default time zone: {zone_summary(current) if current else 'none: members without a saved zone are asked.'}"
        await interaction.response.send_message(
            ("Saved. " if zone is not None else "") + text, ephemeral=True
        )


async def setup(bot: Clematis) -> None:
    await bot.add_cog(WatchParties(bot))
