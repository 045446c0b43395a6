"""The bot's own words pass the guard: is a text the bot is about to publish safe where it will appear,
and how to show it safely when it is not.

Every feature that publishes what a member typed (watch-party titles and notes in announcements,
Discord events, reminders, DMs and calendars; rule lists) asks ``check_published`` (or, when it
already holds the server's state, ``judge_published``), with the place the text will appear in: a
channel or thread id, or ``None`` for places every member of the server may see without a channel
(a Discord event, a DM, a calendar file), which get the server's public horizon.

The decision is the guard's own: the same rules, the same horizons (``GuildState.place``: spoiler
channels, discussion threads, the release window). One difference: the bot shows the member's text
escaped, so their own ``||tags||`` do not render there; the whole text counts as visible.

Then the caller either refuses (``refusal``: the member's own text, before anything is created) or
shows it safely: ``markdown`` spoiler-tags the whole text (escaped so it cannot break out of the tag),
``plain`` swaps in a neutral text where tags do not render (event names, calendar entries).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import discord

from bot.canon.horizon import Horizon
from bot.canon.l10n import local_name
from bot.canon.model import CanonPack
from bot.errors import UserError
from bot.guard.cache import spoiler_cache
from bot.guard.state import Detection, GuildState
from bot.i18n import N_, _
from bot.spoilers import escape_spoiler

if TYPE_CHECKING:
    from bot.client import Clematis

# One whole sentence per field a member's text can go into.
REFUSED = {
    "title": N_(
        "I can't use that title: it would spoil **{episode}** in {place}, where that episode isn't public "
        "yet, and everyone there would read it. Please say it without giving the episode away (nothing was "
        "created or changed)."
    ),
    "note": N_(
        "I can't use that note: it would spoil **{episode}** in {place}, where that episode isn't public "
        "yet, and everyone there would read it. Please say it without giving the episode away (nothing was "
        "created or changed)."
    ),
}
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Published:
    """A text checked for the place it will appear in."""

    text: str
    detection: Detection | None  # what it spoils there (None: safe there)
    episode_title: str | None = None
    place: Horizon | None = None  # what the place allows (None: everything, a spoiler channel)

    @classmethod
    def unchecked(cls, text: str) -> Published:
        """Text that needs no check (the bot's own, or canon titles): shown as it is, escaped."""
        return cls(text, None)

    def allows(self, pack: CanonPack, episode_id: str) -> bool:
        """Whether the place may name ``episode_id`` (e.g. an episode title in a neutral event name)."""
        return self.place is None or (pack.has_episode(episode_id) and self.place.allows(pack, episode_id))

    @property
    def spoils(self) -> bool:
        return self.detection is not None

    def markdown(self, limit: int | None = None) -> str:
        """The text for a place that renders markdown: escaped (no pings, no formatting, no breaking out
        of a tag), inside one spoiler tag when it spoils here; cut (before tagging, with "…") to ``limit``."""
        shown = self._render(self.text)
        cut = len(self.text)
        while limit is not None and len(shown) > limit and cut > 0:
            cut -= max(1, (len(shown) - limit) // 2)  # escaping at most doubles a character
            shown = self._render(self.text[: max(cut, 0)].rstrip() + ELLIPSIS)
        return shown

    def _render(self, text: str) -> str:
        escaped = escape_spoiler(text)
        return f"||{escaped}||" if self.spoils else escaped

    def plain(self, neutral: str) -> str:
        """The text for a place where spoiler tags don't render (event names, calendars): the text itself
        when it is safe there, else ``neutral``."""
        return neutral if self.spoils else self.text

    def refusal(self, field: str, place: str) -> str | None:
        """The private explanation for a member whose own ``field`` would spoil ``place``; None if safe.
        It names the episode, never the text."""
        if self.detection is None:
            return None
        return _(
            REFUSED.get(field, REFUSED["note"]),
            episode=discord.utils.escape_markdown(self.episode_title or ""),
            place=place,
        )


def judge_published(
    state: GuildState,
    pack: CanonPack,
    text: str,
    *,
    channel_id: int | None = None,
    parent_id: int | None = None,
    today: date | None = None,
) -> Published:
    """``text`` at a place of the server whose state is ``state`` (memory only)."""
    day = today or datetime.now(UTC).date()
    hits = state.match(pack, text.replace("||", ""), day)  # also brings the state up to date for today
    place: Horizon | None = state.public if channel_id is None else state.place(pack, channel_id, parent_id)
    detection = state.judge_at(pack, hits, place) if hits else None
    if detection is None:
        return Published(text, None, place=place)
    episode = (
        local_name(pack, pack.episode(detection.episode)) if pack.has_episode(detection.episode) else None
    )
    return Published(text, detection, episode or detection.episode, place)


async def check_published(
    bot: Clematis, guild_id: int, text: str, *, channel_id: int | None = None
) -> Published:
    """Is ``text`` safe in ``channel_id`` of ``guild_id`` (a thread's parent is looked up)? ``None``: a
    place the whole server sees without a channel (a Discord event, a DM, a calendar)."""
    state = await spoiler_cache(bot).load(guild_id)
    parent_id = await _parent_of(bot, channel_id) if channel_id is not None and text else None
    return judge_published(state, bot.canon.pack, text, channel_id=channel_id, parent_id=parent_id)


async def _parent_of(bot: Clematis, channel_id: int) -> int | None:
    channel = bot.get_channel(channel_id)
    if channel is None:
        try:
            channel = await bot.fetch_channel(channel_id)
        except discord.HTTPException:
            return None
    return channel.parent_id if isinstance(channel, discord.Thread) else None


async def refuse_spoilers(bot: Clematis, guild_id: int, channel_id: int, **fields: str | None) -> None:
    """Before anything is created from a member's text: raise ``UserError`` (a private answer naming the
    episode, never repeating the text) when a field (``title=...``, ``note=...``) would spoil
    ``channel_id``, where it will be announced."""
    for field, text in fields.items():
        if not text:
            continue
        refusal = (await check_published(bot, guild_id, text, channel_id=channel_id)).refusal(
            field, f"<#{channel_id}>"
        )
        if refusal is not None:
            raise UserError(refusal)
