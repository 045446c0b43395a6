"""Slash-command option types shared by the spoiler commands, and safe display of user text."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands

PickedChannel = app_commands.AppCommandChannel | app_commands.AppCommandThread


class ChannelOption(app_commands.Transformer):
    """A channel option offering exactly these channel types (media channels are left out: Discord's
    published API schema does not list them for command options)."""

    def __init__(self, *types: discord.ChannelType) -> None:
        super().__init__()
        self._types = list(types)

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return self._types

    async def transform(self, interaction: discord.Interaction, value: PickedChannel, /) -> PickedChannel:
        return value


_T = discord.ChannelType
SpoilerPlace = app_commands.Transform[
    PickedChannel,
    ChannelOption(
        _T.text,
        _T.news,
        _T.forum,
        _T.voice,
        _T.stage_voice,
        _T.public_thread,
        _T.private_thread,
        _T.news_thread,
    ),
]
DiscussionPlace = app_commands.Transform[PickedChannel, ChannelOption(_T.text, _T.forum)]
Action = Literal["nudge", "repost", "flag"]


def code(text: str) -> str:
    """User text shown as inline code that cannot break out of it."""
    return "`" + " ".join(text.replace("`", "ˋ").split())[:100] + "`"
