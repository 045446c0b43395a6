"""What a party looks like in Discord: the announcement embed and the custom ids of its buttons.

Everything a member typed (title, note) is escaped: it never pings, never breaks the markdown around
it and never escapes a spoiler tag. Times are Discord timestamps, shown in each reader's own zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import discord

from bot.canon.l10n import local_name
from bot.canon.model import CanonPack
from bot.canon.warnings import warning_topic
from bot.guard.published import Published
from bot.i18n import N_, _, topic_text
from bot.spoilers import escape_spoiler
from bot.text import parse_id
from bot.watchparty.parties import NO_HOST, Party
from bot.watchparty.reminders import describe_offsets
from bot.watchparty.rsvp import RsvpCounts

RSVP_ID = "wp:rsvp:{party_id}:{choice}"
RSVP_TEMPLATE = r"wp:rsvp:(?P<party_id>[0-9]{1,20}):(?P<choice>going|maybe|not_going|none)"
CALENDAR_ID = "wp:ics:{party_id}"
CALENDAR_TEMPLATE = r"wp:ics:(?P<party_id>[0-9]{1,20})"

COLOUR = discord.Colour.from_str("#c8a2c8")
CANCELLED_COLOUR = discord.Colour.dark_grey()
FIELD_LIMIT = 1024
TAGGED_TITLE_LINE = N_("**Title:** {title}")
HEADING = N_("Watch party: {title}")
NEUTRAL_HEADING = "{title}"
CANCELLED_HEADING = N_("Cancelled: {title}")


NEUTRAL_TITLE = N_("Watch party: {episodes}")
NEUTRAL_TITLE_BARE = N_("Watch party")


def neutral_title(pack: CanonPack, episode_ids: Sequence[str], shown: Published) -> str:
    """A name for a party whose own title would spoil where it is shown: only episode titles that place
    may name."""
    titles = [
        local_name(pack, pack.episode(e))
        for e in episode_ids
        if pack.has_episode(e) and shown.allows(pack, e)
    ]
    return _(NEUTRAL_TITLE, episodes=", ".join(titles)) if titles else _(NEUTRAL_TITLE_BARE)


def user_text(text: str) -> str:
    """A member's text made safe to show inside our markdown."""
    return escape_spoiler(text)


def timestamp(instant: datetime, style: str = "F") -> str:
    return f"<t:{int(instant.timestamp())}:{style}>"


def when_text(instant: datetime) -> str:
    """`<t:…:F> (<t:…:R>)`: the full date in the reader's zone and how long until it."""
    return f"{timestamp(instant, 'F')} ({timestamp(instant, 'R')})"


def episode_lines(pack: CanonPack, episode_ids: tuple[str, ...]) -> str:
    lines = []
    for number, episode_id in enumerate(episode_ids, start=1):
        title = local_name(pack, pack.episode(episode_id)) if pack.has_episode(episode_id) else episode_id
        lines.append(f"{number}. {title}" if len(episode_ids) > 1 else title)
    text = "\n".join(lines)
    return text if len(text) <= FIELD_LIMIT else text[: FIELD_LIMIT - 1] + "…"


def capacity_text(counts: RsvpCounts, capacity: int | None) -> str:
    if capacity is None:
        return str(counts.going)
    text = f"{counts.going} / {capacity}"
    return text + (" · " + _("{n} waiting", n=counts.waitlist) if counts.waitlist else "")


def announcement_embed(
    party: Party,
    counts: RsvpCounts,
    pack: CanonPack,
    *,
    gap: tuple[datetime, datetime] | None = None,
    reminders: Sequence[timedelta] = (),
    title: Published | None = None,
    note: Published | None = None,
) -> discord.Embed:
    """The announcement. `reminders`: when the reminders go (the party's own times or its server's).
    `title`, `note`: the party's texts checked for the announcement's channel (`bot.guard.published`);
    a spoiling title moves into the description, spoiler-tagged (embed titles can't hide it)."""
    cancelled = party.status == "cancelled"
    title = title or Published.unchecked(party.title)
    host = _("this server's moderators") if party.host_id == NO_HOST else f"<@{party.host_id}>"
    lines = [
        _("**When:** {when}", when=when_text(party.starts_at)),
        _("**Host:** {host}", host=host),
    ]
    if title.spoils:
        lines.insert(0, _(TAGGED_TITLE_LINE, title=title.markdown()))
    if party.voice_channel_id:
        lines.append(_("**Where:** {channel}", channel=f"<#{party.voice_channel_id}>"))
    if reminders and not cancelled:
        lines.append(_("**Reminders:** {times}", times=describe_offsets(reminders)))
    if gap is not None:
        wall, shifted = gap
        lines.append(
            "⚠️ "
            + _(
                "Clocks change that day in {zone}: {time} doesn't exist, so this week starts at {start} local time.",
                zone=party.zone,
                time=wall.strftime("%H:%M"),
                start=shifted.strftime("%H:%M"),
            )
        )
    if cancelled:
        lines.insert(0, _("**This watch party was cancelled.**"))
    name = neutral_title(pack, party.episodes, title) if title.spoils else title.markdown()
    heading = CANCELLED_HEADING if cancelled else (NEUTRAL_HEADING if title.spoils else HEADING)
    embed = discord.Embed(
        title=_(heading, title=name),
        description="\n".join(lines),
        colour=CANCELLED_COLOUR if cancelled else COLOUR,
    )
    embed.add_field(name=_("Episodes"), value=episode_lines(pack, party.episodes), inline=False)
    if party.note:
        note = note or Published.unchecked(party.note)
        embed.add_field(name=_("Note"), value=note.markdown(FIELD_LIMIT), inline=False)
    if not cancelled:
        embed.add_field(name=_("Going"), value=capacity_text(counts, party.capacity), inline=True)
        embed.add_field(name=_("Maybe"), value=str(counts.maybe), inline=True)
        embed.add_field(name=_("Can't go"), value=str(counts.not_going), inline=True)
    embed.set_footer(text=_("Party #{id} · planned in {zone}", id=party.id, zone=party.zone))
    return embed


def warning_label(topic_id: str) -> str:
    try:
        return topic_text(warning_topic(topic_id).label)
    except KeyError:  # a topic from a newer pack: show its id rather than nothing
        return topic_id


def parse_party_id(text: str) -> int | None:
    """The id in what a member typed for `party:` (autocomplete sends it; `#12` works too)."""
    return parse_id(text)
