"""Discussion threads: one per episode per server, where spoilers up to that episode are fine.

`ThreadKeeper.ensure` finds the episode's thread in the server's discussion channel or creates it: a
thread in a text channel (private when the server gates threads) or a post in a forum channel (tagged
with the episode's tag when the forum has one). It is idempotent: a per-(guild, episode) lock inside the
process, the ``discussion_threads`` primary key across restarts. An archived thread is reopened and a
deleted one recreated. After creating one it dispatches ``spoiler_state_changed`` (the spoiler guard
listens, since a new thread widens what may be said there).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import discord

from bot.canon.l10n import local_name
from bot.canon.l10n import text as l10n_text_of
from bot.canon.model import CanonPack, Episode
from bot.canon.search import normalize
from bot.content_warnings import CardContext, add_card, load_card_context
from bot.content_warnings.card import CARD_COLOUR
from bot.db import Database, utc_text
from bot.errors import UserError
from bot.guard import invalidate_guild
from bot.i18n import N_, _, current_locale, use_locale
from bot.i18n.server import server_locale
from bot.permissions import permission_name

if TYPE_CHECKING:
    from bot.client import Clematis

log = logging.getLogger(__name__)

THREAD_NAME = N_("{episode} (spoilers)")
NAME_LIMIT = 100
ARCHIVE_MINUTES: Literal[10080] = 10080  # a week without messages before Discord archives it
SPOILER_TAG_NAMES = frozenset({"spoiler", "spoilers"})
_ROUND_ALIAS = re.compile(r"^(?:round|r)\s?(\d+)$")

# --- what a thread looks like --------------------------------------------------------------------


def thread_name(episode: Episode, pack: CanonPack | None = None) -> str:
    """ "ROUND 5: Ruler of My Heart" -> "ROUND 5 — Ruler of My Heart (spoilers)", within 100 characters; with
    ``pack``, the title in the current language (the server's: everyone sees the thread's name)."""
    title = local_name(pack, episode) if pack is not None else episode.title
    title = " ".join(title.replace(": ", " — ", 1).split())
    name = _(THREAD_NAME, episode=title)
    excess = len(name) - NAME_LIMIT
    if excess > 0:
        name = _(THREAD_NAME, episode=title[: len(title) - excess - 1].rstrip() + "…")
    return name


def spoiler_rule(episode: Episode, pack: CanonPack | None = None) -> str:
    title = discord.utils.escape_markdown(local_name(pack, episode) if pack is not None else episode.title)
    return _(
        "Spoilers up to and including **{episode}** are fine here; later episodes are still caught, "
        "so keep those behind spoiler tags.",
        episode=title,
    )


def opening_embed(pack: CanonPack, episode: Episode, ctx: CardContext) -> discord.Embed:
    """The thread's first message: the spoiler-free premise, the spoiler rule, then the warning card
    (in the current language: the server's, since everyone reads it)."""
    premise = discord.utils.escape_markdown(l10n_text_of(pack, episode, "premise", current_locale()))
    rule = _("**Spoiler rule:** {rule}", rule=spoiler_rule(episode, pack))
    embed = discord.Embed(
        title=local_name(pack, episode), description=f"{premise}\n\n{rule}", colour=CARD_COLOUR
    )
    return add_card(embed, pack, [episode.id], ctx)


def round_numbers(episode: Episode) -> set[int]:
    """Round numbers the episode goes by ("r5", "round 5" -> {5})."""
    found = set()
    for name in (episode.id, *episode.aliases):
        match = _ROUND_ALIAS.match(normalize(name))
        if match:
            found.add(int(match.group(1)))
    return found


def matching_tags(tags: Sequence[tuple[int, str]], episode: Episode) -> list[int]:
    """Forum tag ids to apply: the first tag naming the episode (its id, title, an alias, or "Episode 5"
    / "Ep 5" / "Round 5"), plus a "Spoilers" tag if the forum has one."""
    names = {normalize(n) for n in (episode.id, episode.title, *episode.aliases) if n}
    for number in round_numbers(episode):
        names |= {f"episode {number}", f"ep {number}", f"round {number}", f"r{number}", f"ep{number}"}
    chosen: list[int] = []
    for tag_id, name in tags:
        if normalize(name) in names:
            chosen.append(tag_id)
            break
    chosen += [tag_id for tag_id, name in tags if normalize(name) in SPOILER_TAG_NAMES][:1]
    return chosen


def missing_permissions(permissions: discord.Permissions, needed: Sequence[str]) -> list[str]:
    return [permission_name(name) for name in needed if not getattr(permissions, name)]


MISSING = {
    "add": N_(
        "I'm missing {permissions} in {channel}, so I can't add you to the thread. "
        "A server admin can grant it in that channel's permissions."
    ),
    "reopen": N_(
        "I'm missing {permissions} in {channel}, so I can't reopen the locked thread. "
        "A server admin can grant it in that channel's permissions."
    ),
    "post": N_(
        "I'm missing {permissions} in {channel}, so I can't open the episode's post. "
        "A server admin can grant it in that channel's permissions."
    ),
    "thread": N_(
        "I'm missing {permissions} in {channel}, so I can't open the episode's thread. "
        "A server admin can grant it in that channel's permissions."
    ),
}


def require_permissions(
    channel: discord.abc.GuildChannel, me: discord.Member, needed: Sequence[str], why: str
) -> None:
    """Raise UserError naming what is missing; ``why`` is a key of ``MISSING``."""
    missing = missing_permissions(channel.permissions_for(me), needed)
    if missing:
        names = ", ".join(f"**{name}**" for name in missing)  # Discord's names, as shown in its settings
        raise UserError(_(MISSING[why], permissions=names, channel=channel.mention))


# --- database ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiscussionSettings:
    channel_id: int | None
    gated: bool


async def discussion_settings(db: Database, guild_id: int) -> DiscussionSettings:
    row = await db.fetchone(
        "SELECT discussion_channel, gated_threads FROM guild_spoiler_settings WHERE guild_id = ?", (guild_id,)
    )
    if row is None:
        return DiscussionSettings(None, False)
    channel = row["discussion_channel"]
    return DiscussionSettings(int(channel) if channel is not None else None, bool(row["gated_threads"]))


async def stored_thread(db: Database, guild_id: int, episode_id: str) -> int | None:
    value = await db.fetchval(
        "SELECT thread_id FROM discussion_threads WHERE guild_id = ? AND episode_id = ?",
        (guild_id, episode_id),
    )
    return int(value) if value is not None else None


async def record_thread(
    db: Database, guild_id: int, episode_id: str, channel_id: int, thread_id: int
) -> None:
    await db.execute(
        "INSERT INTO discussion_threads (guild_id, episode_id, channel_id, thread_id, created_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(guild_id, episode_id) DO UPDATE SET channel_id = excluded.channel_id, "
        "thread_id = excluded.thread_id, created_at = excluded.created_at",
        (guild_id, episode_id, channel_id, thread_id, utc_text()),
    )


async def forget_thread(db: Database, thread_id: int) -> int | None:
    """Drop the row of a thread that is gone. Returns its guild id, or None when it was not ours."""
    guild_id = await db.fetchval("SELECT guild_id FROM discussion_threads WHERE thread_id = ?", (thread_id,))
    if guild_id is None:
        return None
    await db.execute("DELETE FROM discussion_threads WHERE thread_id = ?", (thread_id,))
    return int(guild_id)


# --- Discord -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThreadOutcome:
    thread: discord.Thread
    created: bool = False
    reopened: bool = False


class ThreadKeeper:
    """Finds or creates discussion threads; one instance per bot (it holds the locks)."""

    def __init__(self, bot: Clematis) -> None:
        self.bot = bot
        self._locks: defaultdict[tuple[int, str], asyncio.Lock] = defaultdict(asyncio.Lock)

    async def ensure(self, guild: discord.Guild, episode: Episode) -> ThreadOutcome:
        async with self._locks[(guild.id, episode.id)]:
            thread_id = await stored_thread(self.bot.db, guild.id, episode.id)
            if thread_id is not None:
                thread = await self._fetch_thread(thread_id)
                if thread is not None:
                    if thread.archived:
                        return ThreadOutcome(await self._reopen(guild, thread), reopened=True)
                    return ThreadOutcome(thread)
                log.info(
                    "discussion thread %s for %s in %s is gone; recreating", thread_id, episode.id, guild.id
                )
                await forget_thread(self.bot.db, thread_id)
            thread = await self._create(guild, episode)
        # Tell the spoiler guard now (synchronously), so the thread is a spoiler place before anyone posts.
        invalidate_guild(self.bot, guild.id)
        return ThreadOutcome(thread, created=True)

    async def admit(self, guild: discord.Guild, episode: Episode, user_id: int) -> discord.Thread:
        """Add a member to the episode's thread (creating or reopening it first if needed)."""
        thread = (await self.ensure(guild, episode)).thread
        parent = thread.parent
        if parent is not None:
            require_permissions(parent, guild.me, ["send_messages_in_threads"], "add")
        await thread.add_user(discord.Object(user_id))
        return thread

    async def _fetch_thread(self, thread_id: int) -> discord.Thread | None:
        try:
            channel = await self.bot.fetch_channel(thread_id)
        except discord.NotFound:
            return None
        except discord.Forbidden as exc:
            raise UserError(
                _(
                    "I can no longer see this episode's discussion thread. A server admin can give me "
                    "**View Channel** in the discussion channel (and add me back to the thread if it is private)."
                )
            ) from exc
        return channel if isinstance(channel, discord.Thread) else None

    async def _reopen(self, guild: discord.Guild, thread: discord.Thread) -> discord.Thread:
        if thread.locked and thread.parent is not None:
            require_permissions(thread.parent, guild.me, ["manage_threads"], "reopen")
        return await thread.edit(archived=False)

    def _discussion_channel(self, guild: discord.Guild, channel_id: int | None) -> discord.abc.GuildChannel:
        where = self.bot.mention_command("spoilers discussion-channel")
        if channel_id is None:
            raise UserError(
                _(
                    "This server has no discussion channel yet, so I can't open episode threads. "
                    "A moderator can choose one with {command}.",
                    command=where,
                )
            )
        channel = guild.get_channel(channel_id)
        if channel is None:
            raise UserError(
                _(
                    "This server's discussion channel is gone. A moderator can choose a new one with {command}.",
                    command=where,
                )
            )
        if not isinstance(channel, discord.TextChannel | discord.ForumChannel):
            raise UserError(
                _(
                    "The discussion channel {channel} is not a text or forum channel. "
                    "A moderator can choose another with {command}.",
                    channel=channel.mention,
                    command=where,
                )
            )
        return channel

    async def _create(self, guild: discord.Guild, episode: Episode) -> discord.Thread:
        """Create the thread (or forum post) with its opening message and record it."""
        settings = await discussion_settings(self.bot.db, guild.id)
        channel = self._discussion_channel(guild, settings.channel_id)
        ctx = await load_card_context(self.bot.db, guild.id)  # public: no member's own topics
        with use_locale(await server_locale(self.bot.db, guild)):  # everyone reads the opening
            opening = opening_embed(self.bot.canon.pack, episode, ctx)
            name = thread_name(episode, self.bot.canon.pack)
        me = guild.me
        if isinstance(channel, discord.ForumChannel):
            require_permissions(
                channel,
                me,
                ["view_channel", "send_messages", "send_messages_in_threads", "embed_links"],
                "post",
            )
            tag_ids = matching_tags([(t.id, t.name) for t in channel.available_tags], episode)
            tags = [t for t in channel.available_tags if t.id in tag_ids]
            created = await channel.create_thread(
                name=name,
                embed=opening,
                applied_tags=tags,
                auto_archive_duration=ARCHIVE_MINUTES,
                allowed_mentions=discord.AllowedMentions.none(),
            )
            await record_thread(self.bot.db, guild.id, episode.id, channel.id, created.thread.id)
            return created.thread
        assert isinstance(channel, discord.TextChannel)
        private = settings.gated
        needed = ["view_channel", "send_messages_in_threads", "embed_links"]
        needed += ["create_private_threads", "manage_threads"] if private else ["create_public_threads"]
        require_permissions(channel, me, needed, "thread")
        thread = await channel.create_thread(
            name=name,
            type=discord.ChannelType.private_thread if private else discord.ChannelType.public_thread,
            auto_archive_duration=ARCHIVE_MINUTES,
            invitable=False,  # only for private threads: members can't add friends who haven't watched
        )
        # Recorded before the opening is sent: if sending fails, the next call reuses this thread.
        await record_thread(self.bot.db, guild.id, episode.id, channel.id, thread.id)
        await thread.send(embed=opening, allowed_mentions=discord.AllowedMentions.none())
        return thread
