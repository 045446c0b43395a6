"""Text moderators and members read: the settings overview, rule lists, horizons."""

from __future__ import annotations

from collections.abc import Mapping

import discord

from bot.canon.horizon import Horizon
from bot.canon.l10n import local_name
from bot.canon.model import CanonPack
from bot.episodes import track_name
from bot.guard.actions import ACTION_NEEDS, PERMISSION_NAMES
from bot.guard.published import judge_published
from bot.guard.rules import canon_rules_past, guild_rules_past, rule_text
from bot.guard.state import GuildState
from bot.i18n import N_, _, _n
from bot.spoilers import Rule
from bot.text import pack_lines

ACTION_NAMES = {"nudge": N_("nudge"), "repost": N_("repost"), "flag": N_("flag")}  # as the option shows them
ACTION_DESCRIPTIONS = {
    "nudge": N_("**Nudge**: remove the message, tell its author (only them) and offer a tagged copy"),
    "repost": N_("**Repost**: replace the message with a spoiler-tagged copy under the author's name"),
    "flag": N_("**Flag**: leave the message and tell moderators in the mod log"),
}


def last_title(pack: CanonPack, horizon: Mapping[str, int], track: str) -> str | None:
    """The title (in the current language) of the last episode ``horizon`` includes on ``track``."""
    index = horizon.get(track)
    if index is None:
        return None
    episodes = pack.episodes_in_order(track)
    return local_name(pack, episodes[min(index, len(episodes) - 1)]) if episodes else None


def horizon_lines(pack: CanonPack, setting: Horizon, effective: Horizon) -> list[str]:
    """One line per track: what moderators made public, and how far the release window moved it."""
    lines = []
    for track in pack.track_ids():
        chosen = last_title(pack, setting, track)
        actual = last_title(pack, effective, track)
        text = _("up to **{episode}**", episode=chosen) if chosen else _("nothing public")
        if actual != chosen and actual is not None:
            text += " → " + (
                _("up to **{episode}** with the release window", episode=actual)
                if chosen
                else _("**{episode}** (window)", episode=actual)
            )
        lines.append(f"{track_name(pack, track)}: {text}")
    return lines


def progress_lines(pack: CanonPack, progress: Horizon) -> list[str]:
    """One line per track: the last episode watched and how far along the track that is."""
    lines = []
    for track in pack.track_ids():
        episodes = pack.episodes_in_order(track)
        title = last_title(pack, progress, track)
        if title is None:
            lines.append(f"{track_name(pack, track)}: " + _("nothing yet"))
        else:
            done = min(progress[track], len(episodes) - 1) + 1
            lines.append(
                f"{track_name(pack, track)}: "
                + _("up to **{episode}** ({done} of {total})", episode=title, done=done, total=len(episodes))
            )
    return lines


def missing_for(action: str, permissions: discord.Permissions) -> list[str]:
    """The permissions ``action`` needs and the bot lacks, by the names Discord shows (current language)."""
    return [_(PERMISSION_NAMES[p]) for p in ACTION_NEEDS.get(action, ()) if not getattr(permissions, p)]


def settings_embed(
    pack: CanonPack,
    state: GuildState,
    *,
    modlog_channel: int | None,
    bot_permissions: discord.Permissions,
) -> discord.Embed:
    config = state.config
    embed = discord.Embed(title=_("Spoiler settings"), colour=discord.Colour.from_str("#c8a2c8"))
    action = _(ACTION_DESCRIPTIONS[config.action])
    missing = missing_for(config.action, bot_permissions)
    if missing:
        action += "\n" + _(
            "⚠️ I'm missing **{permissions}**, so I only flag until that is granted.",
            permissions=", ".join(missing),
        )
    embed.add_field(name=_("Action"), value=action, inline=False)
    embed.add_field(
        name=_("Public horizon"),
        value="\n".join(horizon_lines(pack, state.public_setting, state.public)),
        inline=False,
    )
    window = _n("{n} day", "{n} days", config.window_days) if config.window_days else _("off")
    embed.add_field(name=_("Release window"), value=window, inline=True)
    embed.add_field(
        name=_("Mod log"), value=f"<#{modlog_channel}>" if modlog_channel else _("not set"), inline=True
    )
    embed.add_field(
        name=_("Spoiler channels"),
        value=" ".join(f"<#{c}>" for c in sorted(config.spoiler_channels))[:1024] or _("none"),
        inline=False,
    )
    place = f"<#{config.discussion_channel}>" if config.discussion_channel else _("not set")
    threads = _n("{n} thread", "{n} threads", len(config.threads))
    embed.add_field(
        name=_("Discussion threads"),
        value=(
            _("channel: {channel} · gated: on · {threads}", channel=place, threads=threads)
            if config.gated_threads
            else _("channel: {channel} · gated: off · {threads}", channel=place, threads=threads)
        ),
        inline=False,
    )
    embed.add_field(
        name=_("Exempt roles"),
        value=" ".join(f"<@&{r}>" for r in sorted(config.exempt_roles))[:1024] or _("none"),
        inline=False,
    )
    canon_active = len(canon_rules_past(pack, state.public))
    server_active = len(guild_rules_past(pack, state.public, config.rules))
    embed.add_field(
        name=_("Rules"),
        value=" · ".join(
            (
                _n(
                    "{n} canon phrase is checked (episodes not public yet)",
                    "{n} canon phrases are checked (episodes not public yet)",
                    canon_active,
                ),
                _n(
                    "{active} of this server's {n} rule is checked",
                    "{active} of this server's {n} rules are checked",
                    len(config.rules),
                    active=server_active,
                ),
                _n("{n} allowed phrase", "{n} allowed phrases", len(config.allow)),
            )
        ),
        inline=False,
    )
    return embed


RULE_LINE = N_("• {phrase} · #{rule_id}")
RULE_LINE_BY = N_("• {phrase} · #{rule_id} · by <@{author}>")


def rule_lines(pack: CanonPack, rules: list[Rule], state: GuildState | None = None) -> list[str]:
    """Rules grouped by episode in viewing order (a heading line per episode). With ``state``, a phrase
    that would spoil this server (its episode isn't public) is behind a spoiler tag
    (``bot.guard.published``): the moderator reading the list may not have watched it."""
    order = {e.id: i for i, e in enumerate(pack.episodes)}
    by_episode: dict[str, list[Rule]] = {}
    for rule in rules:
        by_episode.setdefault(rule.episode, []).append(rule)
    lines = []
    for episode_id in sorted(by_episode, key=lambda e: order.get(e, len(order))):
        title = (
            local_name(pack, pack.episode(episode_id))
            if pack.has_episode(episode_id)
            else _("{episode} (not in the pack)", episode=episode_id)
        )
        lines.append(f"**{discord.utils.escape_markdown(title)}**")
        for rule in by_episode[episode_id]:
            who = rule.source.removeprefix("mod:")
            text = rule_text(rule.phrase, rule.unless, rule.endings)
            phrase = f"`{text.replace('`', 'ˋ')}`"
            if state is not None and judge_published(state, pack, text).spoils:
                phrase = f"||{phrase}||"  # a code span: nothing in it can close the tag
            template = RULE_LINE_BY if who.isdigit() else RULE_LINE
            lines.append(_(template, phrase=phrase, rule_id=rule.rule_id, author=who))
    return lines


def pages(lines: list[str], limit: int = 3900) -> list[str]:
    """Lines packed into pages of at most ``limit`` characters (never splitting a line)."""
    return pack_lines(lines, limit)
