"""What each due row of a watch party posts, and the "Mark as watched" button of the follow-up.

* `reminder`: in the party's channel (or its thread), pinging only members who said Going.
* `start`: "starting now" with the voice channel and the content-warning card, pinging Going members.
* `followup`: after the end, the episodes' discussion threads and a persistent "Mark as watched" button.
* `dm`: one Going member who opted in to DMs (queued when a reminder or start post goes out).

Every send carries the row's nonce (`due_nonce`), so a retry after a crash returns the first message.
Renderers are pure functions; `deliver_due` does the I/O and turns Discord's answers into an Outcome.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import aiohttp
import discord

from bot.canon.l10n import local_name
from bot.canon.model import CanonPack
from bot.content_warnings import card_embed, load_card_context
from bot.db import Database
from bot.dm import CANNOT_MESSAGE_USER, DM_CLOSED_BACKOFF, clear_dms_closed, record_dms_closed
from bot.errors import UserError
from bot.guard.published import Published, check_published
from bot.i18n import N_, _, use_locale
from bot.i18n.server import server_locale
from bot.modlog import write_modlog
from bot.progress import advance_progress
from bot.ui import run_guarded
from bot.watchparty import reasons
from bot.watchparty.dispatcher import DeliveryLine, DueRow, Outcome, due_nonce
from bot.watchparty.due import KIND_DM, KIND_FOLLOWUP, KIND_REMINDER, KIND_START, from_db_time, to_db_time
from bot.watchparty.reminders import Timing, classify_due, is_permanent_failure

if TYPE_CHECKING:
    from bot.client import Clematis

log = logging.getLogger(__name__)

FOLLOWUP_WINDOW = timedelta(hours=12)  # a follow-up missed while offline is still worth posting this long
MESSAGE_LIMIT = 2000
MAX_PINGS = 90  # Discord accepts at most 100 ids in allowed_mentions.users
WATCHED_ID = "wp:watched:{party_id}"


@dataclass(frozen=True, slots=True)
class Party:
    id: int
    guild_id: int
    channel_id: int
    thread_id: int | None
    voice_channel_id: int | None
    title: str
    episodes: tuple[str, ...]
    starts_at: datetime
    duration_minutes: int
    status: str
    message_id: int | None

    @property
    def post_channel_id(self) -> int:
        return self.thread_id or self.channel_id

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def announcement_url(self) -> str | None:
        if self.message_id is None:
            return None
        return f"https://discord.com/channels/{self.guild_id}/{self.channel_id}/{self.message_id}"


# --- reading ----------------------------------------------------------------------------------------


async def query(db: Database, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """One round trip to the database thread (execute and fetch together): deliveries run by the thousand."""
    return await db.fetchall(sql, params)


async def load_party(db: Database, party_id: int) -> Party | None:
    rows = await query(
        db,
        "SELECT id, guild_id, channel_id, thread_id, voice_channel_id, title, episodes, starts_at, "
        "duration_minutes, status, message_id FROM watch_parties WHERE id = ?",
        (party_id,),
    )
    if not rows:
        return None
    row = rows[0]
    try:
        episodes = tuple(str(e) for e in json.loads(row[6]))
    except (ValueError, TypeError):
        episodes = ()
    return Party(
        id=int(row[0]),
        guild_id=int(row[1]),
        channel_id=int(row[2]),
        thread_id=row[3],
        voice_channel_id=row[4],
        title=str(row[5]),
        episodes=episodes,
        starts_at=from_db_time(row[7]),
        duration_minutes=int(row[8]),
        status=str(row[9]),
        message_id=row[10],
    )


async def going_audience(db: Database, party_id: int, now: datetime) -> tuple[list[int], list[int]]:
    """(members who said Going, in the order they did; those of them to DM as well).

    DMs go to Going members who asked for DMs before parties, unless their DMs were found closed within
    `bot.dm.DM_CLOSED_BACKOFF` (the bot's one policy for closed inboxes).
    """
    rows = await query(
        db,
        "SELECT r.user_id, CASE WHEN m.dm_before_parties = 1 AND (m.dm_closed_at IS NULL OR m.dm_closed_at <= ?) "
        "THEN 1 ELSE 0 END "
        "FROM party_rsvps r LEFT JOIN member_preferences m ON m.user_id = r.user_id "
        "WHERE r.party_id = ? AND r.status = 'going' ORDER BY r.updated_at, r.seq",
        (to_db_time(now - DM_CLOSED_BACKOFF), party_id),
    )
    return [int(r[0]) for r in rows], [int(r[0]) for r in rows if r[1]]


async def going_members(db: Database, party_id: int, now: datetime) -> list[int]:
    return (await going_audience(db, party_id, now))[0]


async def dm_recipients(db: Database, party_id: int, now: datetime) -> list[int]:
    return (await going_audience(db, party_id, now))[1]


async def discussion_threads(db: Database, guild_id: int, episodes: Sequence[str]) -> list[tuple[str, int]]:
    """(episode id, thread id) of the server's discussion thread for each episode that has one."""
    found = []
    for episode in episodes:
        thread = await db.fetchval(
            "SELECT thread_id FROM discussion_threads WHERE guild_id = ? AND episode_id = ?",
            (guild_id, episode),
        )
        if thread is not None:
            found.append((episode, int(thread)))
    return found


# --- deciding -----------------------------------------------------------------------------------------


def timing_of(row: DueRow, party: Party, now: datetime) -> Timing:
    """Reminders, start posts and DMs follow the reminder policy (late before the start, else skipped);
    a follow-up stays worth posting for FOLLOWUP_WINDOW after the party ends."""
    if row.kind == KIND_FOLLOWUP:
        return classify_due(row.due_at, row.due_at + FOLLOWUP_WINDOW, now)
    return classify_due(row.due_at, party.starts_at, now)


# The mod log's word when a post could not go out: one whole sentence per kind of post.
POST_FAILED = {
    KIND_REMINDER: N_(
        "I couldn't post the reminder of the watch party **{title}** in {channel}: {reason}. "
        "Check that I can view and send messages there (and that the channel still exists)."
    ),
    KIND_START: N_(
        "I couldn't post the start message of the watch party **{title}** in {channel}: {reason}. "
        "Check that I can view and send messages there (and that the channel still exists)."
    ),
    KIND_FOLLOWUP: N_(
        "I couldn't post the follow-up message of the watch party **{title}** in {channel}: {reason}. "
        "Check that I can view and send messages there (and that the channel still exists)."
    ),
}


def describe_lateness(late: timedelta) -> str:
    """How late, in English for the delivery log (``shown_lateness`` says it in the current language)."""
    minutes = int(late.total_seconds() // 60)
    if minutes < 60:
        return reasons.recorded(reasons.LATE_MINUTES, n=minutes)
    hours, minutes = divmod(minutes, 60)
    if not minutes:
        return reasons.recorded(reasons.LATE_HOURS, n=hours)
    return reasons.recorded(reasons.LATE_HOURS_MINUTES, hours=hours, minutes=minutes)


# --- rendering (pure) ---------------------------------------------------------------------------------


def clean(text: str) -> str:
    """User text made inert: no markdown, no mentions."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def stamp(instant: datetime, style: str) -> str:
    return f"<t:{int(instant.timestamp())}:{style}>"


def add_mentions(lines: list[str], user_ids: Sequence[int]) -> tuple[str, list[int]]:
    """Join `lines` and append as many Going mentions as fit in one message; returns (content, pinged)."""
    text = "\n".join(lines)
    if not user_ids:
        return text, []
    text += "\n" + _("Going:")
    pinged: list[int] = []
    for index, user in enumerate(user_ids):
        left = len(user_ids) - index
        mention = f" <@{user}>"
        tail = " " + _("and {n} more", n=left - 1) if left > 1 else ""  # room kept for the overflow note
        if len(pinged) >= MAX_PINGS or len(text) + len(mention) + len(tail) > MESSAGE_LIMIT:
            return f"{text} " + _("and {n} more", n=left), pinged
        text += mention
        pinged.append(user)
    return text, pinged


def shown_lateness(late: timedelta) -> str:
    """How late, in the current language (`describe_lateness` stays English for the delivery log)."""
    return reasons.shown(describe_lateness(late))


def late_line(late: timedelta | None) -> list[str]:
    if not late:
        return []
    return ["-# " + _("Sorry, this is {late} late: I couldn't post it on time.", late=shown_lateness(late))]


def shown_title(party: Party, title: Published | None) -> str:
    """The party's title as checked for where it goes (`bot.guard.published`: spoiler-tagged if it would
    spoil there), or escaped as it is when no check applies."""
    return title.markdown() if title is not None else clean(party.title)


def render_reminder(
    party: Party, going: Sequence[int], *, late: timedelta | None = None, title: Published | None = None
) -> tuple[str, list[int]]:
    lines = [
        "⏰ "
        + _(
            "**{title}** starts {relative} ({when}).",
            title=shown_title(party, title),
            relative=stamp(party.starts_at, "R"),
            when=stamp(party.starts_at, "F"),
        )
    ]
    if party.voice_channel_id:
        lines.append("🔊 " + _("Voice: {channel}", channel=f"<#{party.voice_channel_id}>"))
    if party.announcement_url:
        lines.append("📋 " + _("Details and RSVP: {link}", link=party.announcement_url))
    return add_mentions(lines + late_line(late), going)


def render_start(
    party: Party, going: Sequence[int], *, late: timedelta | None = None, title: Published | None = None
) -> tuple[str, list[int]]:
    join = (
        " " + _("Join us in {channel}.", channel=f"<#{party.voice_channel_id}>")
        if party.voice_channel_id
        else ""
    )
    lines = ["▶️ " + _("**{title}** is starting now!", title=shown_title(party, title)) + join]
    if party.announcement_url:
        lines.append("📋 " + _("Details: {link}", link=party.announcement_url))
    return add_mentions(lines + late_line(late), going)


def render_followup(
    party: Party, pack: CanonPack, threads: Sequence[tuple[str, int]], *, title: Published | None = None
) -> str:
    lines = ["🎬 " + _("**{title}** has ended. Thanks for watching!", title=shown_title(party, title))]
    for episode_id, thread_id in threads:
        lines.append(
            "💬 "
            + _(
                "Talk about {episode} in {thread}",
                episode=episode_title(pack, episode_id),
                thread=f"<#{thread_id}>",
            )
        )
    last = party.episodes[-1] if party.episodes else None
    if last is not None and pack.has_episode(last):
        lines.append(
            _(
                "Press **{button}** to record that you've seen up to {episode}: "
                "spoilers up to it stop being hidden from you.",
                button=_("Mark as watched"),
                episode=episode_title(pack, last),
            )
        )
    return "\n".join(lines)


def render_dm(
    party: Party,
    kind_of_parent: str,
    guild_name: str | None,
    *,
    late: timedelta | None = None,
    title: Published | None = None,
) -> str:
    shown = shown_title(party, title)
    server = clean(guild_name) if guild_name else ""
    if kind_of_parent == KIND_START:
        head = "▶️ " + (
            _("**{title}** on **{server}** is starting now!", title=shown, server=server)
            if server
            else _("**{title}** is starting now!", title=shown)
        )
    else:
        relative, when = stamp(party.starts_at, "R"), stamp(party.starts_at, "F")
        head = "⏰ " + (
            _(
                "**{title}** on **{server}** starts {relative} ({when}).",
                title=shown,
                server=server,
                relative=relative,
                when=when,
            )
            if server
            else _("**{title}** starts {relative} ({when}).", title=shown, relative=relative, when=when)
        )
    lines = [head]
    if party.voice_channel_id:
        voice = f"https://discord.com/channels/{party.guild_id}/{party.voice_channel_id}"
        lines.append("🔊 " + _("Voice: {channel}", channel=voice))
    if party.announcement_url:
        lines.append("📋 " + _("Details: {link}", link=party.announcement_url))
    lines += late_line(late)
    lines.append("-# " + _("You get this because you said Going and turned on DMs before watch parties."))
    return "\n".join(lines)


def episode_title(pack: CanonPack, episode_id: str) -> str:
    if not pack.has_episode(episode_id):
        return f"`{episode_id}`"
    return f"**{discord.utils.escape_markdown(local_name(pack, pack.episode(episode_id)))}**"


async def warning_card(
    db: Database, pack: CanonPack, party: Party, user_id: int | None = None
) -> discord.Embed | None:
    """The content-warning card of the party's episodes (`bot.content_warnings`); None if none is known.

    Public (no `user_id`): every topic behind a spoiler tag. In a member's DM: their chosen topics plain.
    """
    context = await load_card_context(db, party.guild_id, user_id)
    card = card_embed(pack, party.episodes, context, title=_("Before you watch: content warnings"))
    return card if card.fields else None


# --- sending ------------------------------------------------------------------------------------------


def pings_only(user_ids: Sequence[int]) -> discord.AllowedMentions:
    """The only pings this bot makes: the Going members listed in the message. Never roles or everyone."""
    return discord.AllowedMentions(
        everyone=False, roles=False, replied_user=False, users=[discord.Object(u) for u in user_ids]
    )


async def deliver_due(bot: Clematis, row: DueRow, now: datetime) -> Outcome:
    """Send one due row of a watch party; say what became of it. Permanent refusals are not retried.

    Posts (and DMs: the bot does not know a member's client language outside an interaction) are written
    in the server's language; the outcome's reason is the delivery log's, in English.
    """
    guild_id = await db_guild_of(bot, row)
    if guild_id is None:
        return await _deliver_due(bot, row, now)
    with use_locale(await server_locale(bot.db, bot.get_guild(guild_id), guild_id)):
        return await _deliver_due(bot, row, now)


async def db_guild_of(bot: Clematis, row: DueRow) -> int | None:
    if row.party_id is None:
        return None
    value = await bot.db.fetchval("SELECT guild_id FROM watch_parties WHERE id = ?", (row.party_id,))
    return int(value) if value is not None else None


async def _deliver_due(bot: Clematis, row: DueRow, now: datetime) -> Outcome:
    party = await load_party(bot.db, row.party_id) if row.party_id is not None else None
    if party is None:
        return Outcome.cancelled(N_("the party was deleted"))
    if party.status == "cancelled":
        return Outcome.cancelled(N_("the party was cancelled"))
    if party.status == "finished" and row.kind != KIND_FOLLOWUP:
        return Outcome.skipped(N_("the party had already ended"))
    timing = timing_of(row, party, now)
    if timing == "skip":
        due, at = to_db_time(row.due_at), to_db_time(now)
        if row.last_reason:
            return Outcome.skipped(
                reasons.recorded(reasons.NOT_SENT_AFTER_FAILURE, due=due, now=at, reason=row.last_reason)
            )
        return Outcome.skipped(reasons.recorded(reasons.NOT_SENT, due=due, now=at))
    late = now - row.due_at if timing == "late" else None
    late_reason = reasons.recorded(reasons.SENT_LATE, late=describe_lateness(late)) if late else None
    if row.kind == KIND_DM:
        return await _send_dm(bot, row, party, now, late)
    if row.kind not in (KIND_REMINDER, KIND_START, KIND_FOLLOWUP):
        return Outcome.failed(reasons.recorded(reasons.UNKNOWN_KIND, kind=repr(row.kind)))
    content, kwargs, dms = await _compose(bot, row, party, now, late)
    target = party.post_channel_id
    try:
        try:
            message = await bot.get_partial_messageable(target, guild_id=party.guild_id).send(
                content, **kwargs
            )
        except discord.NotFound:
            if party.thread_id is None:
                raise
            # The party's thread is gone: its channel is the next best place (nothing was created in the
            # thread, so the same nonce is fine).
            target = party.channel_id
            message = await bot.get_partial_messageable(target, guild_id=party.guild_id).send(
                content, **kwargs
            )
    except discord.HTTPException as exc:
        outcome = _failure(exc, f"<#{target}>")
        if outcome.status == "failed":
            await write_modlog(
                bot,
                party.guild_id,
                "⚠️ "
                + _(
                    POST_FAILED.get(row.kind, POST_FAILED[KIND_REMINDER]),
                    title=clean(party.title),
                    channel=f"<#{target}>",
                    reason=reasons.shown(outcome.reason),  # in the server's language, like the entry
                ),
            )
        return outcome
    except (aiohttp.ClientError, OSError) as exc:
        return Outcome.retry(reasons.recorded(reasons.CONNECTION, error=type(exc).__name__))
    return Outcome.delivered(message.id, late=late_reason, dm_user_ids=dms)


async def _compose(
    bot: Clematis, row: DueRow, party: Party, now: datetime, late: timedelta | None
) -> tuple[str, dict[str, Any], tuple[int, ...]]:
    """(content, send keyword arguments, members to DM) of a reminder, start post or follow-up."""
    kwargs: dict[str, Any] = {"nonce": due_nonce(row.id)}
    # Checked at send time: rules and horizons may have changed since the party was planned.
    title = await check_published(bot, party.guild_id, party.title, channel_id=party.post_channel_id)
    if row.kind == KIND_FOLLOWUP:
        threads = await discussion_threads(bot.db, party.guild_id, party.episodes)
        kwargs["allowed_mentions"] = discord.AllowedMentions.none()
        if party.episodes and bot.canon.pack.has_episode(party.episodes[-1]):
            view = discord.ui.View(timeout=None)
            view.add_item(MarkWatchedButton(party.id))
            view.stop()  # the dynamic item answers clicks; no view needs to live in memory
            kwargs["view"] = view
        return render_followup(party, bot.canon.pack, threads, title=title), kwargs, ()
    going, to_dm = await going_audience(bot.db, party.id, now)
    render = render_start if row.kind == KIND_START else render_reminder
    content, pinged = render(party, going, late=late, title=title)
    kwargs["allowed_mentions"] = pings_only(pinged)
    # Reminders and the start post both carry the content-warning card (topics behind spoiler tags).
    card = await warning_card(bot.db, bot.canon.pack, party)
    if card is not None:
        kwargs["embed"] = card
    return content, kwargs, tuple(to_dm)


async def _send_dm(
    bot: Clematis, row: DueRow, party: Party, now: datetime, late: timedelta | None
) -> Outcome:
    user_id = row.user_id
    if user_id is None:
        return Outcome.failed(N_("a DM without a recipient"))
    if user_id not in await going_members(bot.db, party.id, now):
        return Outcome.skipped(N_("the member is no longer going"))
    guild = bot.get_guild(party.guild_id)
    parent = KIND_START if row.offset_label == "0" else KIND_REMINDER
    kwargs: dict[str, Any] = {"nonce": due_nonce(row.id), "allowed_mentions": discord.AllowedMentions.none()}
    if card := await warning_card(bot.db, bot.canon.pack, party, user_id):
        kwargs["embed"] = card  # their own DM: the topics they chose are spelled out
    try:
        channel = await bot.create_dm(discord.Object(user_id))
        title = await check_published(bot, party.guild_id, party.title)  # a DM: what the server has public
        message = await channel.send(
            render_dm(party, parent, guild.name if guild else None, late=late, title=title), **kwargs
        )
    except discord.Forbidden as exc:
        if exc.code == CANNOT_MESSAGE_USER:
            await record_dms_closed(bot.db, user_id, now)
            return Outcome.failed(reasons.recorded(reasons.DMS_CLOSED, days=DM_CLOSED_BACKOFF.days))
        return _failure(exc, reasons.A_DM)
    await clear_dms_closed(bot.db, user_id)  # in case an old record said otherwise
    late_reason = reasons.recorded(reasons.SENT_LATE, late=describe_lateness(late)) if late else None
    return Outcome.delivered(message.id, late=late_reason)


def _failure(exc: discord.HTTPException, where: str) -> Outcome:
    detail = f"{exc.status} {exc.text or exc.__class__.__name__}".strip()
    if exc.status == 404:
        return Outcome.failed(reasons.recorded(reasons.GONE, where=where, detail=detail))
    if exc.status == 403:
        return Outcome.failed(reasons.recorded(reasons.NO_ACCESS, where=where, detail=detail))
    if is_permanent_failure(exc.status):
        return Outcome.failed(reasons.recorded(reasons.REFUSED_MESSAGE, detail=detail))
    return Outcome.retry(reasons.recorded(reasons.ANSWERED, detail=detail))


# --- Mark as watched ----------------------------------------------------------------------------------


async def mark_watched(db: Database, pack: CanonPack, party_id: int, user_id: int) -> str:
    """Advance the member's progress to the party's last episode; the answer to show them."""
    party = await load_party(db, party_id)
    if party is None or not party.episodes:
        raise UserError(_("This watch party no longer exists, so I can't tell which episode it showed."))
    last = party.episodes[-1]
    if not pack.has_episode(last):
        raise UserError(
            _(
                "I no longer know the episode `{episode}` this party showed; set your progress by hand.",
                episode=last,
            )
        )
    changed = await advance_progress(db, pack, user_id, last)
    title = episode_title(pack, last)
    if changed:
        return "✅ " + _(
            "Marked as watched: you're now up to {episode}. Spoilers up to it are no longer hidden from you.",
            episode=title,
        )
    return _("You had already watched {episode} (or further); your progress stays as it was.", episode=title)


class MarkWatchedButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"wp:watched:(?P<party_id>\d+)"
):
    """Persistent across restarts: the party id lives in the custom id, the rest in the database."""

    def __init__(self, party_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Mark as watched"),
                emoji="✅",
                style=discord.ButtonStyle.success,
                custom_id=WATCHED_ID.format(party_id=party_id),
            )
        )
        self.party_id = party_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> MarkWatchedButton:
        return cls(int(match["party_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_guarded(interaction, self._answer(interaction))

    async def _answer(self, interaction: discord.Interaction) -> None:
        bot = cast("Clematis", interaction.client)
        text = await mark_watched(bot.db, bot.canon.pack, self.party_id, interaction.user.id)
        await interaction.response.send_message(text, ephemeral=True)


# --- what moderators see ------------------------------------------------------------------------------

STATUS_ICONS = {
    "pending": "⏳",
    "claimed": "📤",
    "delivered": "✅",
    "late": "🐢",
    "skipped": "⏭️",
    "failed": "❌",
}


STATUS_NAMES = {
    "pending": N_("pending"),
    "claimed": N_("sending"),
    "delivered": N_("delivered"),
    "late": N_("late"),
    "skipped": N_("skipped"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
}


def _status(status: str) -> str:
    return _(STATUS_NAMES[status]) if status in STATUS_NAMES else status


def _reason(reason: str | None) -> str:
    """A recorded reason in the reader's language (``bot.watchparty.reasons``)."""
    return reasons.shown(reason)


def _row_name(line: DeliveryLine) -> str:
    if line.kind == KIND_REMINDER:
        return _("{offset} reminder", offset=line.label)
    if line.kind == KIND_START:
        return _("start post")
    if line.kind == KIND_FOLLOWUP:
        return _("follow-up")
    if line.kind == KIND_DM:
        return _("DM to {member}", member=f"<@{line.user_id}>")
    return line.kind


def _row_state(line: DeliveryLine) -> str:
    if line.status == "pending" and line.next_try_at is not None:
        return _(
            "retry {when} (attempt {attempt}; last: {reason})",
            when=stamp(line.next_try_at, "R"),
            attempt=line.attempts + 1,
            reason=_reason(line.reason),
        )
    if line.status == "pending":
        return _("due {when}", when=stamp(line.due_at, "R"))
    if line.status == "claimed":
        return _("sending now")
    if line.reason:
        return _("{status}: {reason}", status=_status(line.status), reason=_reason(line.reason))
    return _status(line.status)


def report_totals(lines: Sequence[DeliveryLine]) -> str:
    counts = {status: 0 for status in STATUS_ICONS}
    for line in lines:
        counts[line.status] = counts.get(line.status, 0) + 1
    return " · ".join(
        f"{STATUS_ICONS[s]} {_status(s)} {counts[s]}" for s in STATUS_ICONS if s != "claimed" or counts[s]
    )


def report_lines(lines: Sequence[DeliveryLine]) -> list[str]:
    """Per party: a heading, one line per post, DMs summed up (failed DMs named with their reason)."""
    out: list[str] = []
    current: int | None = None
    dms: dict[str, int] = {}

    def flush_dms() -> None:
        if dms:
            counts = ", ".join(f"{n} {_status(status)}" for status, n in sorted(dms.items()))
            out.append(_("✉️ DMs: {counts}", counts=counts))
            dms.clear()

    for line in lines:
        if line.party_id != current:
            flush_dms()
            current = line.party_id
            out.append(f"**{clean(line.title)}** · {stamp(line.starts_at, 'f')}")
        if line.kind == KIND_DM and line.status not in ("failed", "skipped"):
            dms[line.status] = dms.get(line.status, 0) + 1
            continue
        out.append(f"{STATUS_ICONS.get(line.status, '•')} {_row_name(line)}: {_row_state(line)}")
    flush_dms()
    return out
