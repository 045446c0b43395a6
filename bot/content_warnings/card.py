"""The content-warning card: the one way every surface draws an episode's warnings.

`/cw`, discussion threads, link replies and watch parties all call `render_card` (or `add_card` /
`card_embed`, which wrap it). Topic labels sit inside spoiler tags, because a warning can itself spoil
and one person's need is another's noise; only the topics a member asked to see spelled out
(`CardContext.plain_topics`, for their own ephemeral answers and DMs) are shown plainly. Notes from the
pack and from moderators are escaped and always tagged: they may describe events.

The card fits Discord's embed limits for any number of episodes: when the full card is too long it
drops the pack's notes, then the server notes (pointing to `/cw episode:` for them), then lists the
episodes that no longer fit by title only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import discord

from bot.canon.l10n import local_name, warning_note
from bot.canon.model import CanonPack, Episode
from bot.canon.warnings import TOPICS_BY_ID
from bot.i18n import N_, _, _n, current_locale, topic_text
from bot.spoilers import escape_spoiler

log = logging.getLogger(__name__)

# Discord's embed limits.
EMBED_TOTAL = 6000
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25

MAX_PACK_NOTE = 200  # a pack note longer than this is cut (before escaping, so a cut never breaks a tag)
CARD_COLOUR = discord.Colour(0xE0A040)
CARD_TITLE = N_("Content warnings")
DETAILS_HINT = N_("Details: `/cw episode:`")
DEFAULT_SUPPORT = N_(
    "If this content affects you, take a break and reach out to someone you trust. "
    "If you are struggling, you can find a free, confidential helpline near you at "
    "https://findahelpline.com"
)

# Levels of detail, most first: a card that does not fit drops the next thing.
FULL, BRIEF, MINIMAL = 0, 1, 2


@dataclass(frozen=True)
class CardContext:
    """What a card needs beyond the pack: the server's notes and support text, the viewer's choices."""

    guild_notes: Mapping[str, str]  # episode_id -> the server's note (raw text; escaped when drawn)
    support_message: str | None  # the server's own support text, shown after the default one
    plain_topics: frozenset[str] = frozenset()  # topics to spell out: only for that member's own answers


PUBLIC_CONTEXT = CardContext(guild_notes={}, support_message=None)


_ESCAPED_CHANNEL = re.compile(r"\\<\\#([0-9]{1,20})\\>")


def escape_text(text: str) -> str:
    """Moderator or pack text made safe for a card (`escape_spoiler`: no pings, no markdown, no way out
    of a spoiler tag), except that channel links stay links: Discord turns "#support" typed into a
    command option into ``<#id>``, which never pings and is what a support message most often points to.
    """
    return _ESCAPED_CHANNEL.sub(r"<#\1>", escape_spoiler(text))


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _tagged(text: str) -> str:
    """Raw text, escaped so it can neither leave its spoiler tag nor ping, inside one tag."""
    return f"||{escape_text(text)}||"


def field_name(episode: Episode, pack: CanonPack | None = None) -> str:
    title = local_name(pack, episode) if pack is not None else episode.title
    heading = _(CARD_TITLE)
    return _cut(f"{heading} · {title}", FIELD_NAME_LIMIT)


def _topic_line(topic_id: str, note: str, ctx: CardContext, level: int) -> str | None:
    topic = TOPICS_BY_ID.get(topic_id)
    if topic is None:  # the loader rejects unknown ids; an old pack object could still hold one
        log.warning("unknown content-warning topic %r; not shown", topic_id)
        return None
    shown = topic_text(topic.label)
    label = f"**{shown}**" if topic_id in ctx.plain_topics else f"||{shown}||"
    if level == FULL and note.strip():
        return f"• {label} — {_tagged(_cut(note, MAX_PACK_NOTE))}"
    return f"• {label}"


def _episode_lines(
    episode: Episode, ctx: CardContext, level: int, pack: CanonPack | None = None
) -> list[str]:
    """The card's lines for one episode; the pack's notes in the current language when ``pack`` is given."""
    notes = [
        warning_note(pack, episode, i, current_locale()) if pack is not None else warning.note
        for i, warning in enumerate(episode.warnings)
    ]
    lines = [
        line
        for warning, note in zip(episode.warnings, notes, strict=True)
        if (line := _topic_line(warning.topic, note, ctx, level)) is not None
    ]
    if not lines:
        lines.append(
            "• "
            + _(
                "No warnings are listed for this episode yet. That does not mean nothing in it is upsetting: "
                "if you are unsure, ask your server's moderators."
            )
        )
    server_note = ctx.guild_notes.get(episode.id, "").strip()
    if server_note:
        lines.append(
            _("**Server note:** {note}", note=_tagged(server_note) if level < MINIMAL else _(DETAILS_HINT))
        )
    if level > FULL and any(w.note.strip() for w in episode.warnings):
        hint = _(DETAILS_HINT)
        lines.append(f"_{hint}_")
    return lines


def episode_field(
    episode: Episode, ctx: CardContext, level: int = FULL, pack: CanonPack | None = None
) -> tuple[str, str]:
    """One episode's field at ``level`` of detail (or less, if that is what fits in one field)."""
    for lower in range(level, MINIMAL + 1):
        value = "\n".join(_episode_lines(episode, ctx, lower, pack))
        if len(value) <= FIELD_VALUE_LIMIT:
            return field_name(episode, pack), value
    # Labels alone are far below the limit for the fixed vocabulary; keep whole lines, never half a tag.
    kept: list[str] = []
    for line in _episode_lines(episode, ctx, MINIMAL, pack):
        if sum(len(k) + 1 for k in kept) + len(line) + 2 > FIELD_VALUE_LIMIT:
            kept.append("…")
            break
        kept.append(line)
    return field_name(episode, pack), "\n".join(kept)


def support_text(ctx: CardContext) -> str:
    own = (ctx.support_message or "").strip()
    default = _(DEFAULT_SUPPORT)
    if not own:
        return default
    room = FIELD_VALUE_LIMIT - len(default) - 1
    shown = escape_text(own)
    while len(shown) > room:  # escaping made it too long: cut the raw text, so no escape is cut in half
        own = own[: len(own) - (len(shown) - room) - 1].rstrip()
        shown = escape_text(own) + "…"
    return f"{default}\n{shown}"


def needs_support(episodes: Sequence[Episode]) -> bool:
    return any(
        (topic := TOPICS_BY_ID.get(w.topic)) is not None and topic.support
        for e in episodes
        for w in e.warnings
    )


def _size(fields: Sequence[tuple[str, str]]) -> int:
    return sum(len(name) + len(value) for name, value in fields)


def _more_field(
    episodes: Sequence[Episode], *, after_others: bool, pack: CanonPack | None = None
) -> tuple[str, str]:
    titles = ", ".join(
        discord.utils.escape_markdown(local_name(pack, e) if pack is not None else e.title) for e in episodes
    )
    name = (
        _n("…and {n} more episode", "…and {n} more episodes", len(episodes))
        if after_others
        else _n("Content warnings: {n} episode", "Content warnings: {n} episodes", len(episodes))
    )
    return name, _cut(_("{titles}. {hint} for each.", titles=titles, hint=_(DETAILS_HINT)), FIELD_VALUE_LIMIT)


def render_card(
    pack: CanonPack,
    episode_ids: Sequence[str],
    ctx: CardContext,
    *,
    budget: int = EMBED_TOTAL - 500,
    max_fields: int = FIELD_COUNT_LIMIT,
) -> list[tuple[str, str]]:
    """The card as embed fields ``(name, value)``: one per episode (in the given order, repeats and
    unknown ids dropped), then a support field when a topic calls for one.

    The fields never exceed ``max_fields`` in number nor ``budget`` characters in total (names plus
    values), and each respects Discord's per-field limits.
    """
    episodes = [pack.episode(i) for i in dict.fromkeys(episode_ids) if pack.has_episode(i)]
    if len(episodes) < len(set(episode_ids)):
        log.warning(
            "card asked for unknown episodes: %s", sorted(set(episode_ids) - {e.id for e in episodes})
        )
    tail = [(_("Support"), support_text(ctx))] if needs_support(episodes) else []
    if not episodes:
        return tail if len(tail) <= max_fields and _size(tail) <= budget else []
    for level in (FULL, BRIEF, MINIMAL):
        fields = [episode_field(e, ctx, level, pack) for e in episodes] + tail
        if len(fields) <= max_fields and _size(fields) <= budget:
            return fields
    # Too many episodes even at the least detail: show what fits, then the rest by title.
    shown: list[tuple[str, str]] = []
    for i, episode in enumerate(episodes):
        candidate = episode_field(episode, ctx, MINIMAL, pack)
        rest = episodes[i + 1 :]
        after = [_more_field(rest, after_others=True, pack=pack)] if rest else []
        fields = [*shown, candidate, *after, *tail]
        if len(fields) > max_fields or _size(fields) > budget:
            break
        shown.append(candidate)
    more = [_more_field(episodes[len(shown) :], after_others=bool(shown), pack=pack)]
    for fields in ([*shown, *more, *tail], [*more, *tail], more, []):
        if len(fields) <= max_fields and _size(fields) <= budget:
            return fields
    return []


def add_card(
    embed: discord.Embed, pack: CanonPack, episode_ids: Sequence[str], ctx: CardContext
) -> discord.Embed:
    """Append the card's fields to ``embed`` within the room it has left. Returns ``embed``."""
    fields = render_card(
        pack,
        episode_ids,
        ctx,
        budget=EMBED_TOTAL - len(embed),
        max_fields=FIELD_COUNT_LIMIT - len(embed.fields),
    )
    for name, value in fields:
        embed.add_field(name=name, value=value, inline=False)
    return embed


def card_embed(
    pack: CanonPack, episode_ids: Sequence[str], ctx: CardContext, *, title: str | None = None
) -> discord.Embed:
    """A stand-alone card: a title, a line on how to read it, then `add_card`."""
    hint = [_("Topics are hidden behind spoiler tags: tap one to read it.")]
    if ctx.plain_topics:
        hint.append(_("The topics you asked to see are spelled out (only you see this)."))
    hint.append(_("Choose topics to spell out with `/cw preferences`."))
    embed = discord.Embed(title=title or _(CARD_TITLE), description=" ".join(hint), colour=CARD_COLOUR)
    return add_card(embed, pack, episode_ids, ctx)
