"""/watchparty schedule|series: planning watch parties for one episode, a run, or one a week.

Times are read in the `timezone` option, else the member's saved zone, else the server's default, else
the member is asked (`bot/watchparty/zone_input.py`). Ambiguous times and clock changes are confirmed
with buttons (`bot/watchparty/confirm.py`). Each party is stored with its due work planned in the same
transaction, announced, and mirrored as a Discord event; `due_work_changed` wakes the dispatcher.
"""

from __future__ import annotations

from datetime import UTC, datetime

import discord
from babel.dates import format_date
from discord import app_commands
from discord.ext import commands

from bot.canon.l10n import local_name
from bot.canon.model import Episode
from bot.checks import is_moderator
from bot.client import Clematis
from bot.episodes import resolve_episode
from bot.errors import UserError
from bot.guard.cache import SPOILER_SETTINGS_CHANGED
from bot.guard.published import refuse_spoilers
from bot.i18n import _, _n, babel_locale, current_locale, resolve, use_locale
from bot.lookups.resolve import localized_label
from bot.modlog import write_modlog
from bot.option_types import Pick
from bot.watchparty.announce import when_text
from bot.watchparty.board import board_for, read_reminders
from bot.watchparty.confirm import PickButton, confirm_then
from bot.watchparty.episodes import EpisodeError, after, episode_run, weekly_episodes
from bot.watchparty.events import LIMIT_NOTE
from bot.watchparty.group import join_group, leave_group
from bot.watchparty.parties import (
    Party,
    create_party,
    create_series,
    delete_parties,
    get_party,
    party_reminders,
    set_announcement,
)
from bot.watchparty.quota import HOST_ROLE_NEEDED, Quota, check_quota, party_limits
from bot.watchparty.reach import posting_problem
from bot.watchparty.reminders import describe_offsets
from bot.watchparty.scheduling import MAX_SERIES, ScheduleRequest, plan_series
from bot.watchparty.walltime import describe
from bot.watchparty.zone_input import ZONE_FREE, autocomplete_zone, read_when

TextLike = discord.TextChannel | discord.Thread
THREAD_TYPES = (
    discord.ChannelType.public_thread,
    discord.ChannelType.private_thread,
    discord.ChannelType.news_thread,
)
Voice = discord.VoiceChannel | discord.StageChannel
REMINDERS_HELP = (
    "Reminder times before the start, e.g. `24h, 1h, 0` (`0` = at the start; default: the server's)"
)


async def autocomplete_episode(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    bot = interaction.client
    if not isinstance(bot, Clematis):
        return []
    return [
        app_commands.Choice(name=localized_label(bot.canon.pack, m), value=m.id)
        for m in bot.canon.index.complete(current, ("episode",))
    ]


async def answer(interaction: discord.Interaction, lines: list[str]) -> None:
    """Replace the deferred answer (slash command) or the confirmation message (button)."""
    await interaction.edit_original_response(content="\n".join(lines)[:2000], view=None)


class CannotAnnounce(Exception):
    """The announcement could not be posted; `str()` says what I need, for the member."""

    def __init__(self, channel_id: int, error: discord.HTTPException) -> None:
        if isinstance(error, discord.Forbidden | discord.NotFound):
            why = _("I need **View Channel**, **Send Messages** and **Embed Links** there.")
        else:  # Discord itself failed: permissions are not the problem
            why = _("Discord answered {status}; try again in a moment.", status=error.status)
        super().__init__(
            _("I can't post the announcement in {channel}:", channel=f"<#{channel_id}>") + " " + why
        )


def announce_channel(interaction: discord.Interaction, channel: TextLike | None) -> int:
    """The announcement channel's id, once the member may post there themselves and so may I."""
    assert interaction.guild is not None and interaction.channel_id is not None
    if channel is None:  # here: Discord sent both our permissions in this channel with the interaction
        problem = posting_problem(
            f"<#{interaction.channel_id}>",
            member=interaction.permissions,
            bot=interaction.app_permissions,
            thread=getattr(interaction.channel, "type", None) in THREAD_TYPES,
        )
        target = interaction.channel_id
    else:  # the resolved option carries the member's permissions there, as Discord computed them
        resolved = getattr(interaction.namespace, "channel", None)
        member = getattr(resolved, "permissions", None) or discord.Permissions.none()
        me = interaction.guild.me
        problem = posting_problem(
            channel.mention,
            member=member,
            bot=channel.permissions_for(me) if me is not None else discord.Permissions.none(),
            thread=isinstance(channel, discord.Thread),
        )
        target = channel.id
    if problem:
        raise UserError(problem)
    return target


def read_line(request: ScheduleRequest, party: Party) -> str:
    """How the time was read. A relative time ("in 3 hours") was read in no zone, so none is named."""
    if request.zone_source == ZONE_FREE and request.zone == "UTC":
        return _("That time needs no time zone: everyone sees it in their own.")
    return _(
        "I read the time in `{zone}` ({source}): {start}.",
        zone=request.zone,
        source=_(request.zone_source),
        start=describe(party.starts_at, party.zoneinfo),
    )


def minute(start: datetime) -> datetime:
    """Parties start on a whole minute ("in 3 hours" is read at the second the command ran)."""
    return start.replace(second=0, microsecond=0)


class WatchParties(commands.Cog):
    def __init__(self, bot: Clematis) -> None:
        self.bot = bot
        self.board = board_for(bot)
        self._joined: list[tuple[str, str]] = []

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PickButton)
        self._joined = join_group(self, self.bot)

    @commands.Cog.listener(f"on_{SPOILER_SETTINGS_CHANGED}")
    async def on_spoiler_settings_changed(self, guild_id: int) -> None:
        await self.board.recheck_spoilers(guild_id)  # titles and notes that spoil now: tagged or neutral

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PickButton)
        leave_group(self, self.bot, self._joined)

    def _episodes(self, episode: str, until: str | None) -> list[Episode]:
        store = self.bot.canon
        first = resolve_episode(store, episode)
        last = resolve_episode(store, until) if until else None
        try:
            return episode_run(store.pack, first, last)
        except EpisodeError as error:
            raise UserError(str(error)) from None

    async def _publish(self, party_id: int) -> tuple[Party, list[str]]:
        """Announce a stored party and mirror it as a Discord event. Raises CannotAnnounce if I can't post
        (the caller removes what it stored)."""
        party = await get_party(self.bot.db, party_id)
        assert party is not None
        try:
            message = await self.board.announce(party)
        except discord.HTTPException as error:
            raise CannotAnnounce(party.channel_id, error) from None
        await set_announcement(self.bot.db, party_id, message.id)
        party = await get_party(self.bot.db, party_id)
        assert party is not None
        outcome = await self.board.mirror_event(party)
        if outcome.for_mods and outcome.note:
            # The host read the note in their language; the mod log says it in the server's (the one
            # note for moderators is the server's event limit).
            with use_locale(await self.board.server_language(party)):
                entry = _("Watch party #{id}: {note}", id=party.id, note=_(LIMIT_NOTE))
            await write_modlog(self.bot, party.guild_id, entry)
        return party, [outcome.note] if outcome.note else []

    async def _reminder_line(self, party: Party) -> str:
        times = describe_offsets(await party_reminders(self.bot.db, party))
        if party.reminder_offsets:
            return _("Reminders: {times} (its own times).", times=times)
        return _("Reminders: {times} (this server's times).", times=times)

    async def _may_host(self, interaction: discord.Interaction, adding: int) -> Quota:
        """Refuse early if the member may not host here or the parties would pass a limit (the insert
        checks the limits again, atomically)."""
        assert interaction.guild_id is not None
        moderator = is_moderator(interaction)
        limits = await party_limits(self.bot.db, interaction.guild_id)
        role_ids = {role.id for role in getattr(interaction.user, "roles", ())}
        if limits.host_role_id is not None and not moderator and limits.host_role_id not in role_ids:
            raise UserError(_(HOST_ROLE_NEEDED, role=f"<@&{limits.host_role_id}>"))
        quota = Quota(moderator=moderator)
        now = datetime.now(UTC)
        await check_quota(self.bot.db, interaction.guild_id, interaction.user.id, adding, quota, now=now)
        return quota

    async def _create_one(
        self, interaction: discord.Interaction, request: ScheduleRequest, start: datetime, quota: Quota
    ) -> None:
        party_id = await create_party(
            self.bot.db, request.draft(minute(start)), now=datetime.now(UTC), quota=quota
        )
        try:
            party, notes = await self._publish(party_id)
        except CannotAnnounce as error:
            await delete_parties(self.bot.db, [party_id])
            raise UserError(f"{error} " + _("Nothing was scheduled.")) from None
        finally:
            self.bot.dispatch("due_work_changed")
        lines = [
            _(
                "Scheduled **{title}** for {when}: [announcement]({link}).",
                title=discord.utils.escape_markdown(party.title),
                when=when_text(party.starts_at),
                link=party.jump_url(),
            ),
            read_line(request, party),
            await self._reminder_line(party),
        ]
        await answer(interaction, lines + notes)

    async def _create_series(
        self, interaction: discord.Interaction, request: ScheduleRequest, start: datetime, quota: Quota
    ) -> None:
        plan = plan_series(request, minute(start))
        following = after(self.bot.canon.pack, plan.weeks[-1][1])
        series_id, ids = await create_series(
            self.bot.db,
            plan.drafts,
            wall_time=plan.wall_time,
            zone=plan.zone,
            next_episode=following.id if following else None,
            now=datetime.now(UTC),
            quota=quota,
        )
        weekday = str(
            format_date(plan.wall_time, "EEEE", locale=babel_locale(resolve(current_locale()) or "en"))
        )
        summary = {
            "weekday": weekday,
            "time": plan.wall_time.strftime("%H:%M"),
            "zone": plan.zone,
            "source": _(request.zone_source),
        }
        lines = [
            _n(
                "Scheduled a weekly rewatch: {n} party, every {weekday} at {time} in `{zone}` ({source}). "
                "Clock changes never move the local time.",
                "Scheduled a weekly rewatch: {n} parties, every {weekday} at {time} in `{zone}` ({source}). "
                "Clock changes never move the local time.",
                len(ids),
                **summary,
            )
        ]
        notes: list[str] = []
        try:
            for week, (party_id, (occurrence, episode)) in enumerate(zip(ids, plan.weeks, strict=True)):
                try:
                    party, party_notes = await self._publish(party_id)
                except CannotAnnounce as error:
                    await delete_parties(self.bot.db, ids[week:], series_id=series_id)
                    if week == 0:
                        raise UserError(f"{error} " + _("Nothing was scheduled.")) from None
                    lines[0] = _(
                        "Scheduled a weekly rewatch: {n} of {total} parties, every {weekday} at {time} in "
                        "`{zone}` ({source}). Clock changes never move the local time.",
                        n=week,
                        total=len(ids),
                        **summary,
                    )
                    notes.append(
                        f"⚠️ {error} "
                        + _n(
                            "The other {n} week was not scheduled.",
                            "The other {n} weeks were not scheduled.",
                            len(ids) - week,
                        )
                    )
                    break
                notes += [note for note in party_notes if note not in notes]
                flag = " ⚠️ " + _("clocks change that day: it starts later") if occurrence.gap_shifted else ""
                title = local_name(self.bot.canon.pack, episode)
                lines.append(f"• {when_text(party.starts_at)} — [{title}]({party.jump_url()}){flag}")
        finally:
            self.bot.dispatch("due_work_changed")
        await answer(interaction, lines + [await self._reminder_line(party)] + notes)

    async def _create(
        self, interaction: discord.Interaction, request: ScheduleRequest, start: datetime, quota: Quota
    ) -> None:
        if request.kind == "series":
            await self._create_series(interaction, request, start, quota)
        else:
            await self._create_one(interaction, request, start, quota)

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
        reminders=REMINDERS_HELP,
    )
    @app_commands.autocomplete(
        episode=autocomplete_episode, until=autocomplete_episode, timezone=autocomplete_zone
    )
    async def schedule(
        self,
        interaction: discord.Interaction,
        episode: Pick,
        when: app_commands.Range[str, 1, 80],
        until: Pick | None = None,
        timezone: Pick | None = None,
        channel: TextLike | None = None,
        voice: Voice | None = None,
        capacity: app_commands.Range[int, 1, 10000] | None = None,
        title: app_commands.Range[str, 1, 100] | None = None,
        note: app_commands.Range[str, 1, 500] | None = None,
        reminders: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        target = announce_channel(interaction, channel)
        offsets = read_reminders(reminders) if reminders is not None else None
        episodes = self._episodes(episode, until)
        await refuse_spoilers(self.bot, interaction.guild_id, target, title=title, note=note)
        quota = await self._may_host(interaction, 1)
        reading, source = await read_when(self.bot, interaction, when, timezone)
        request = ScheduleRequest(
            kind="schedule",
            guild_id=interaction.guild_id,
            channel_id=target,
            host_id=interaction.user.id,
            episodes=tuple(episodes),
            zone=reading.zone.key,
            zone_source=source,
            title=title,
            note=note,
            voice_channel_id=voice.id if voice else None,
            capacity=capacity,
            reminder_offsets=offsets,
        )
        await confirm_then(
            interaction, reading, lambda inter, start: self._create(inter, request, start, quota)
        )

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
        reminders="Reminder times for every party, e.g. `24h, 1h, 0` (`0` = at the start; default: the server's)",
    )
    @app_commands.autocomplete(episode=autocomplete_episode, timezone=autocomplete_zone)
    async def series(
        self,
        interaction: discord.Interaction,
        episode: Pick,
        when: app_commands.Range[str, 1, 80],
        timezone: Pick | None = None,
        channel: TextLike | None = None,
        count: app_commands.Range[int, 1, MAX_SERIES] | None = None,
        voice: Voice | None = None,
        reminders: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        target = announce_channel(interaction, channel)
        offsets = read_reminders(reminders) if reminders is not None else None
        pack = self.bot.canon.pack
        try:
            weeks = weekly_episodes(pack, resolve_episode(self.bot.canon, episode), count, MAX_SERIES)
        except EpisodeError as error:
            raise UserError(str(error)) from None
        quota = await self._may_host(interaction, len(weeks))
        reading, source = await read_when(self.bot, interaction, when, timezone, weekly=True)
        request = ScheduleRequest(
            kind="series",
            guild_id=interaction.guild_id,
            channel_id=target,
            host_id=interaction.user.id,
            episodes=tuple(weeks),
            zone=reading.zone.key,
            zone_source=source,
            voice_channel_id=voice.id if voice else None,
            reminder_offsets=offsets,
        )
        await confirm_then(
            interaction, reading, lambda inter, start: self._create(inter, request, start, quota)
        )


async def setup(bot: Clematis) -> None:
    await bot.add_cog(WatchParties(bot))
