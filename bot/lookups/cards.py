"""A card is an embed as plain data; `fit_card` holds it to Discord's embed limits without breaking a
spoiler tag, and `card_embed` turns it into a `discord.Embed`."""

from __future__ import annotations

from dataclasses import dataclass, replace

import discord

from bot.lookups.text import clip, shorten

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
TOTAL_MAX = 6000

COLOURS = {"character": 0xC8A2C8, "episode": 0x7FB3D5, "term": 0x9BC59D, "reveal": 0x4F545C}


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True, slots=True)
class Card:
    title: str
    description: str = ""
    fields: tuple[Field, ...] = ()
    footer: str = ""
    url: str = ""
    colour: int | None = None

    @property
    def size(self) -> int:
        """Characters Discord counts toward the 6,000 limit of one message's embeds."""
        return (
            len(self.title)
            + len(self.description)
            + len(self.footer)
            + sum(len(f.name) + len(f.value) for f in self.fields)
        )

    def with_field(self, name: str, value: str, *, inline: bool = True) -> Card:
        """A copy with one more field; an empty value adds nothing (Discord refuses empty fields)."""
        if not value.strip():
            return self
        return replace(self, fields=(*self.fields, Field(name, value, inline)))


def fit_card(card: Card) -> Card:
    """The card within every embed limit. Fields past 25 and, when the total is over 6,000, text at the
    end of the description and then the last fields are dropped; no spoiler tag is ever cut open."""
    fields = tuple(
        Field(clip(f.name, FIELD_NAME_MAX) or "\u200b", shorten(f.value, FIELD_VALUE_MAX), f.inline)
        for f in card.fields[:FIELDS_MAX]
        if f.value.strip()
    )
    fitted = replace(
        card,
        title=clip(card.title, TITLE_MAX),
        description=shorten(card.description, DESCRIPTION_MAX),
        fields=fields,
        footer=clip(card.footer, FOOTER_MAX),
    )
    over = fitted.size - TOTAL_MAX
    if over > 0 and fitted.description:
        keep = max(0, len(fitted.description) - over)
        fitted = replace(fitted, description=shorten(fitted.description, keep) if keep > 1 else "")
    while fitted.size > TOTAL_MAX and fitted.fields:
        fitted = replace(fitted, fields=fitted.fields[:-1])
    return fitted


def card_embed(card: Card) -> discord.Embed:
    card = fit_card(card)
    embed = discord.Embed(
        title=card.title or None,
        description=card.description or None,
        url=card.url or None,
        colour=card.colour,
    )
    for f in card.fields:
        embed.add_field(name=f.name, value=f.value, inline=f.inline)
    if card.footer:
        embed.set_footer(text=card.footer)
    return embed
