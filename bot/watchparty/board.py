"""The watch-party board: posting announcements, coalesced updates, RSVP and calendar buttons, event mirroring.

One `PartyBoard` per bot (`board_for(bot)`), shared by the watch-party cogs. The persistent buttons are
`DynamicItem`s keyed by party id (`wp:rsvp:<id>:<choice>`, `wp:ics:<id>`), so they work after any restart.
"""

from __future__ import annotations

import io
import logging
import re
import weakref
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

import discord
from discord import app_commands

from bot.canon.l10n import local_name
from bot.content_warnings import add_card, dm_member, load_card_context, wants_party_dms
from bot.content_warnings.preferences import plain_topics
from bot.errors import UserError
from bot.guard.published import check_published
from bot.i18n import N_, _, use_locale
from bot.i18n.server import server_locale
from bot.ui import run_guarded
from bot.watchparty import announce, events
from bot.watchparty.announce import CALENDAR_ID, CALENDAR_TEMPLATE, RSVP_ID, RSVP_TEMPLATE, when_text
from bot.watchparty.coalesce import EditCoalescer
from bot.watchparty.ics import CalendarParty, export_calendar, party_description
from bot.watchparty.parties import (
    Party,
    gap_shift,
    get_party,
    get_series,
    member_zone,
    party_reminders,
    set_event,
    upcoming_parties,
)
from bot.watchparty.reminders import OffsetError, read_offsets
from bot.watchparty.rsvp import Choice, RsvpResult, rsvp_counts, set_rsvp
from bot.watchparty.walltime import describe_day

if TYPE_CHECKING:
    from bot.client import Clematis

log = logging.getLogger(__name__)

LABELS: dict[str, tuple[str, discord.ButtonStyle]] = {
    "going": (N_("Going"), discord.ButtonStyle.success),
    "maybe": (N_("Maybe"), discord.ButtonStyle.secondary),
    "not_going": (N_("Can't go"), discord.ButtonStyle.secondary),
    "none": (N_("Remove my answer"), discord.ButtonStyle.danger),
}
DEFER_AFTER = timedelta(seconds=1)  # a click older than this is acknowledged before the database work
BUSY_CLICKS = 25  # ... and so is every click while more than this many are being handled
_BOARDS: weakref.WeakKeyDictionary[Any, PartyBoard] = weakref.WeakKeyDictionary()


def board_for(bot: Clematis) -> PartyBoard:
    """The bot's one board (made on first use)."""
    board = _BOARDS.get(bot)
    if board is None:
        board = _BOARDS[bot] = PartyBoard(bot)
    return board


def _board(interaction: discord.Interaction) -> PartyBoard:
    from bot.client import Clematis

    if not isinstance(interaction.client, Clematis):
        raise TypeError("watch-party buttons need the Clematis bot")
    return board_for(interaction.client)


class RsvpButton(discord.ui.DynamicItem[discord.ui.Button], template=RSVP_TEMPLATE):
    def __init__(self, party_id: int, choice: Choice) -> None:
        label, style = LABELS[choice]
        super().__init__(
            discord.ui.Button(
                label=_(label), style=style, custom_id=RSVP_ID.format(party_id=party_id, choice=choice)
            )
        )
        self.party_id = party_id
        self.choice: Choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RsvpButton:
        return cls(int(match["party_id"]), match["choice"])  # type: ignore[arg-type]

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_guarded(
            interaction, _board(interaction).answer_rsvp(interaction, self.party_id, self.choice)
        )


class CalendarButton(discord.ui.DynamicItem[discord.ui.Button], template=CALENDAR_TEMPLATE):
    def __init__(self, party_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Add to calendar"), emoji="📅", custom_id=CALENDAR_ID.format(party_id=party_id)
            )
        )
        self.party_id = party_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CalendarButton:
        return cls(int(match["party_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_guarded(interaction, _board(interaction).send_calendar(interaction, self.party_id))


def announcement_view(party: Party) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if party.scheduled:
        for choice in ("going", "maybe", "not_going"):
            view.add_item(RsvpButton(party.id, choice))
    view.add_item(CalendarButton(party.id))
    return view


def rsvp_answer(result: RsvpResult) -> str:
    counts = result.counts
    if result.status == "going":
        if result.changed:
            return _("You're going — {going} going.", going=counts.going)
        return _("You're already going — {going} going.", going=counts.going)
    if result.status == "waitlist":
        return _(
            "The party is full ({going} going), so you're on the waitlist: number {position}. "
            "I'll mention you when a spot opens up.",
            going=counts.going,
            position=result.waitlist_position,
        )
    if result.status == "maybe":
        return _("Marked as maybe — {maybe} maybe, {going} going.", maybe=counts.maybe, going=counts.going)
    if result.status == "not_going":
        return _("Marked as can't go. Thanks for letting the host know.")
    return _("Your answer is removed — {going} going.", going=counts.going)


async def autocomplete_party(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Upcoming parties of this server: `Title — Sat 5 Dec, 20:00 KST`, in the member's zone if saved."""
    bot = interaction.client
    if interaction.guild_id is None or not hasattr(bot, "db"):
        return []
    mine = await member_zone(bot.db, interaction.user.id)
    wanted = current.strip().casefold().lstrip("#")
    choices = []
    for party in await upcoming_parties(bot.db, interaction.guild_id, now=datetime.now(UTC), limit=100):
        if wanted and wanted not in party.title.casefold() and wanted != str(party.id):
            continue
        local = party.starts_at.astimezone(ZoneInfo(mine or party.zone))
        when = f"{describe_day(local.date())}, {local:%H:%M} {local.tzname() or ''}".rstrip()
        clematis = cast("Clematis", bot)
        shown = await check_published(
            clematis, interaction.guild_id, party.title, channel_id=interaction.channel_id
        )
        title = shown.plain(
            announce.neutral_title(clematis.canon.pack, party.episodes, shown)
        )  # no tags here
        title = title if len(title) <= 60 else title[:59] + "…"
        choices.append(app_commands.Choice(name=f"{title} — {when} (#{party.id})", value=str(party.id)))
        if len(choices) == 25:
            break
    return choices


RECHECK_LIMIT = 500  # upcoming parties of one server re-checked after a spoiler-settings change
PROMOTED_DM = N_("Good news: a spot opened up and you're now going to **{title}**, {when}. {link}")
PROMOTED_HERE = N_("{member} a spot opened up: you're now going to **{title}**, {when}.")


class PartyBoard:
    def __init__(self, bot: Clematis) -> None:
        self.bot = bot
        self.coalescer = EditCoalescer(self._edit_announcement, interval=1.0)
        self._in_flight = 0  # RSVP clicks being handled right now

    async def server_language(self, party: Party) -> str:
        return await server_locale(self.bot.db, self.bot.get_guild(party.guild_id), party.guild_id)

    async def render(self, party: Party, *, viewer_id: int | None = None) -> discord.Embed:
        """The announcement embed with the content-warning card, in the current language. With
        `viewer_id` (ephemeral answers only) the topics that member chose to see are spelled out."""
        counts = await rsvp_counts(self.bot.db, party.id)
        series = await get_series(self.bot.db, party.series_id) if party.series_id else None
        embed = announce.announcement_embed(
            party,
            counts,
            self.bot.canon.pack,
            gap=gap_shift(party, series),
            reminders=await party_reminders(self.bot.db, party),
            title=await check_published(self.bot, party.guild_id, party.title, channel_id=party.channel_id),
            note=await check_published(
                self.bot, party.guild_id, party.note or "", channel_id=party.channel_id
            ),
        )
        context = await load_card_context(self.bot.db, party.guild_id, viewer_id)
        return add_card(embed, self.bot.canon.pack, party.episodes, context)

    async def announce(self, party: Party) -> discord.Message:
        """Post the announcement in the party's channel (raises discord.HTTPException if I can't)."""
        channel = self.bot.get_partial_messageable(party.channel_id, guild_id=party.guild_id)
        with use_locale(await self.server_language(party)):  # everyone reads it: the server's language
            embed, view = await self.render(party), announcement_view(party)
        return await channel.send(embed=embed, view=view, allowed_mentions=discord.AllowedMentions.none())

    def refresh(self, party_id: int) -> None:
        """Bring the announcement up to date soon (edits are coalesced: at most one a second per party)."""
        self.coalescer.request(party_id)

    async def _edit_announcement(self, party_id: int) -> None:
        try:
            await self.edit_now(party_id)
        except discord.NotFound:
            log.info("the announcement of party %s was deleted; not updating it", party_id)

    async def edit_now(self, party_id: int) -> None:
        """Edit the announcement now, not coalesced (raises discord.HTTPException when Discord refuses)."""
        party = await get_party(self.bot.db, party_id)
        if party is None or party.message_id is None:
            return
        message = self.bot.get_partial_messageable(party.channel_id).get_partial_message(party.message_id)
        with use_locale(await self.server_language(party)):
            embed, view = await self.render(party), announcement_view(party)
        await message.edit(embed=embed, view=view)

    async def mirror_event(self, party: Party) -> events.EventOutcome:
        """Create or update the party's Discord event; store its id. Never raises for Discord refusals."""
        voice = self.bot.get_channel(party.voice_channel_id) if party.voice_channel_id else None
        outcome = await events.mirror_event(
            self.bot.http,
            party,
            self.bot.canon.pack,
            voice if isinstance(voice, discord.abc.GuildChannel) else None,
            title=await check_published(self.bot, party.guild_id, party.title),  # the whole server sees it
            note=await check_published(self.bot, party.guild_id, party.note or ""),
            locale=await self.server_language(party),
        )
        if outcome.event_id != party.event_id:
            await set_event(self.bot.db, party.id, outcome.event_id)
        return outcome

    async def cancel_event(self, party: Party) -> events.EventOutcome:
        outcome = await events.cancel_event(self.bot.http, party)
        if outcome.event_id != party.event_id:
            await set_event(self.bot.db, party.id, outcome.event_id)
        return outcome

    async def recheck_spoilers(self, guild_id: int) -> int:
        """After a server's spoiler rules or horizons changed: every upcoming party whose title or note now
        spoils for the server gets its event renamed (neutral) and its announcement redrawn (tagged).
        Returns how many parties that was."""
        changed = 0
        for party in await upcoming_parties(
            self.bot.db, guild_id, now=datetime.now(UTC), limit=RECHECK_LIMIT
        ):
            title = await check_published(self.bot, guild_id, party.title)
            note = await check_published(self.bot, guild_id, party.note or "")
            if not (title.spoils or note.spoils):
                continue
            changed += 1
            if party.message_id is not None:
                self.refresh(party.id)
            if party.event_id is not None:
                outcome = await self.mirror_event(party)
                if outcome.note:
                    log.warning("party %s: could not rename its event: %s", party.id, outcome.note)
        return changed

    async def notify_promoted(self, party: Party, user_ids: list[int]) -> None:
        """Tell members who moved up from the waitlist, with a ping for them only."""
        if not user_ids or party.message_id is None:
            return
        channel = self.bot.get_partial_messageable(
            party.thread_id or party.channel_id, guild_id=party.guild_id
        )
        reference = discord.MessageReference(
            message_id=party.message_id, channel_id=party.channel_id, fail_if_not_exists=False
        )
        when = when_text(party.starts_at)
        in_dm = await check_published(self.bot, party.guild_id, party.title)
        here = await check_published(self.bot, party.guild_id, party.title, channel_id=channel.id)
        # Not the clicker's language: these go to other members, so the server's.
        with use_locale(await self.server_language(party)):
            dm_text = _(PROMOTED_DM, title=in_dm.markdown(), when=when, link=party.jump_url() or "").rstrip()
            here_text = {
                user_id: _(PROMOTED_HERE, member=f"<@{user_id}>", title=here.markdown(), when=when)
                for user_id in user_ids
            }
        for user_id in user_ids:
            if await wants_party_dms(self.bot.db, user_id):
                dm = dm_text
                if await dm_member(self.bot, user_id, content=dm):
                    continue  # delivered; a closed inbox falls back to the channel mention below
            try:
                await channel.send(
                    here_text[user_id],
                    allowed_mentions=discord.AllowedMentions(users=[discord.Object(user_id)]),
                    reference=reference if party.thread_id is None else None,  # type: ignore[arg-type]
                )
            except discord.HTTPException as error:
                log.warning(
                    "could not tell %s about their promotion in party %s: %s", user_id, party.id, error
                )

    async def calendar(self, parties: list[Party], name: str, viewer_id: int) -> discord.File:
        """An .ics for one member. Calendars have no spoiler tags, so a content-warning topic is named
        only if that member chose to see it spelled out; the rest are counted and left to the card."""
        pack = self.bot.canon.pack
        plain = await plain_topics(self.bot.db, viewer_id)
        entries = []
        for party in parties:
            episodes = [pack.episode(e) for e in party.episodes if pack.has_episode(e)]
            warnings = sorted({w.topic for e in episodes for w in e.warnings})
            labels = [announce.warning_label(topic) for topic in warnings if topic in plain]
            if hidden := len(warnings) - len(labels):
                labels.append(_("{n} more (see the content-warning card on the announcement)", n=hidden))
            voice = self.bot.get_channel(party.voice_channel_id) if party.voice_channel_id else None
            channel = self.bot.get_channel(party.channel_id)
            place = voice or channel
            title = await check_published(self.bot, party.guild_id, party.title)  # no tags in calendars
            note = await check_published(self.bot, party.guild_id, party.note or "")
            entries.append(
                CalendarParty(
                    party_id=party.id,
                    guild_id=party.guild_id,
                    title=title.plain(announce.neutral_title(pack, party.episodes, title)),
                    start_utc=party.starts_at,
                    zone=party.zoneinfo,
                    duration=party.ends_at - party.starts_at,
                    description=party_description(
                        [local_name(pack, e) for e in episodes],
                        labels,
                        note.plain(events.NOTE_HIDDEN) if party.note else None,
                    ),
                    location=f"#{place.name}" if isinstance(place, discord.abc.GuildChannel) else None,
                    url=party.jump_url(),
                    sequence=party.sequence,
                    cancelled=party.status == "cancelled",
                )
            )
        return discord.File(io.BytesIO(export_calendar(entries, name=name)), filename=f"{name}.ics")

    # --- buttons ------------------------------------------------------------------------------------

    async def answer_rsvp(self, interaction: discord.Interaction, party_id: int, choice: Choice) -> None:
        """Record a click and answer it. Under a storm of clicks (or when the click waited long before
        reaching me) the answer is deferred first, so Discord's 3-second deadline is never missed."""
        self._in_flight += 1
        try:
            late = discord.utils.utcnow() - interaction.created_at > DEFER_AFTER
            if late or self._in_flight > BUSY_CLICKS:
                await interaction.response.defer(ephemeral=True, thinking=True)
            party = await get_party(self.bot.db, party_id)
            now = datetime.now(UTC)
            if party is None:
                raise UserError(_("This watch party no longer exists."))
            if party.status == "cancelled":
                raise UserError(_("This watch party was cancelled."))
            if party.status == "finished" or party.ends_at <= now:
                raise UserError(_("This watch party is over."))
            result = await set_rsvp(self.bot.db, party_id, interaction.user.id, choice, now=now)
        finally:
            self._in_flight -= 1
        if result.changed or result.promoted:
            self.refresh(party_id)  # before answering: the count must follow even if the answer fails
        view = discord.ui.View(timeout=None)
        if result.status is not None:
            view.add_item(RsvpButton(party_id, "none"))
        if interaction.response.is_done():
            await interaction.edit_original_response(content=rsvp_answer(result), view=view)
        else:
            await interaction.response.send_message(rsvp_answer(result), ephemeral=True, view=view)
        await self.notify_promoted(party, result.promoted)

    async def send_calendar(self, interaction: discord.Interaction, party_id: int) -> None:
        party = await get_party(self.bot.db, party_id)
        if party is None:
            raise UserError(_("This watch party no longer exists."))
        await interaction.response.send_message(
            _("Open the file to add the party to your calendar (importing it again updates it)."),
            file=await self.calendar([party], f"watch-party-{party.id}", interaction.user.id),
            ephemeral=True,
        )


async def find_party(bot: Clematis, interaction: discord.Interaction, text: str) -> Party:
    """The party a `party:` option names, in this server."""
    party_id = announce.parse_party_id(text)
    party = await get_party(bot.db, party_id) if party_id is not None else None
    if party is None or party.guild_id != interaction.guild_id:
        listing = bot.mention_command("watchparty list")
        raise UserError(
            _(
                "I can't find that watch party here. Pick one from the list as you type, or see {command}.",
                command=listing,
            )
        )
    return party


def read_reminders(text: str) -> str | None:
    """A `reminders:` option: the canonical times to store, or None for `default`. Bad text is a
    UserError that says what works (raise it before asking anything else, so nothing is half done)."""
    try:
        return read_offsets(text)
    except OffsetError as error:
        raise UserError(str(error)) from None
