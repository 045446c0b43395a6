"""What a party looks like in Discord: the announcement embed and the custom ids of its buttons.

Everything a member typed (title, note) is escaped: it never pings, never breaks the markdown around
it and never escapes a spoiler tag. Times are Discord timestamps, shown in each reader's own zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import discord

from bot.canon.model import CanonPack
from bot.canon.warnings import warning_topic
from bot.guard.published import Published
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
TAGGED_TITLE_LINE = "**Title:** {title}"
HEADING = "Watch party: {title}"
NEUTRAL_HEADING = "{title}"
CANCELLED_HEADING = "Cancelled: {title}"


NEUTRAL_TITLE = "Watch party: {episodes}"
NEUTRAL_TITLE_BARE = "Watch party"


def neutral_title(pack: CanonPack, episode_ids: Sequence[str], shown: Published) -> str:
    """A name for a party whose own title would spoil where it is shown: only episode titles that place
    may name."""
    titles = [pack.episode(e).title for e in episode_ids if pack.has_episode(e) and shown.allows(pack, e)]
    return NEUTRAL_TITLE.format(episodes=", ".join(titles)) if titles else NEUTRAL_TITLE_BARE


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
        title = pack.episode(episode_id).title if pack.has_episode(episode_id) else episode_id
        lines.append(f"{number}. {title}" if len(episode_ids) > 1 else title)
    text = "\n".join(lines)
    return text if len(text) <= FIELD_LIMIT else text[: FIELD_LIMIT - 1] + "…"


def capacity_text(counts: RsvpCounts, capacity: int | None) -> str:
    if capacity is None:
        return str(counts.going)
    text = f"{counts.going} / {capacity}"
    return text + (f" · {counts.waitlist} waiting" if counts.waitlist else "")


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
    host = "this server's moderators" if party.host_id == NO_HOST else f"<@{party.host_id}>"
    lines = [f"**When:** {when_text(party.starts_at)}", f"**Host:** {host}"]
    if title.spoils:
        lines.insert(0, TAGGED_TITLE_LINE.format(title=title.markdown()))
    if party.voice_channel_id:
        lines.append(f"**Where:** <#{party.voice_channel_id}>")
    if reminders and not cancelled:
        lines.append(f"**Reminders:** {describe_offsets(reminders)}")
    if gap is not None:
        wall, shifted = gap
        lines.append(
            f"⚠️ Clocks change that day in {party.zone}: {wall:%H:%M} doesn't exist, so this week starts at "
            f"{shifted:%H:%M} local time."
        )
    if cancelled:
        lines.insert(0, "**This watch party was cancelled.**")
    name = neutral_title(pack, party.episodes, title) if title.spoils else title.markdown()
    heading = CANCELLED_HEADING if cancelled else (NEUTRAL_HEADING if title.spoils else HEADING)
    embed = discord.Embed(
        title=heading.format(title=name),
        description="\n".join(lines),
        colour=CANCELLED_COLOUR if cancelled else COLOUR,
    )
    embed.add_field(name="Episodes", value=episode_lines(pack, party.episodes), inline=False)
    if party.note:
        note = note or Published.unchecked(party.note)
        embed.add_field(name="Note", value=note.markdown(FIELD_LIMIT), inline=False)
    if not cancelled:
        embed.add_field(name="Going", value=capacity_text(counts, party.capacity), inline=True)
        embed.add_field(name="Maybe", value=str(counts.maybe), inline=True)
        embed.add_field(name="Can't go", value=str(counts.not_going), inline=True)
    embed.set_footer(text=f"Party #{party.id} · planned in {party.zone}")
    return embed


def warning_label(topic_id: str) -> str:
    try:
        return warning_topic(topic_id).label
    except KeyError:  # a topic from a newer pack: show its id rather than nothing
        return topic_id


def parse_party_id(text: str) -> int | None:
    """The id in what a member typed for `party:` (autocomplete sends it; `#12` works too)."""
    return parse_id(text)
