"""Time zones as members give them: autocomplete, friendly errors with the closest zones as buttons.

A suggested zone is a persistent button (`tz:set:<zone>`): clicking it saves that zone for whoever clicks.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands

from bot.db import Database
from bot.errors import UserError
from bot.i18n import N_, _
from bot.text import inline_code
from bot.ui import run_guarded
from bot.watchparty.parties import planning_zone, set_member_zone
from bot.watchparty.scheduling import zone_free_reading
from bot.watchparty.walltime import describe
from bot.watchparty.when import WhenError, WhenResult, parse_when
from bot.watchparty.zones import ZoneError, resolve_zone, zone_choices

if TYPE_CHECKING:
    from bot.client import Clematis

ZONE_FREE = N_("the time you typed")  # where the zone came from when the text fixed the instant by itself
ZONE_GIVEN = N_("the `timezone` you gave")
ZONE_OF_PARTY = N_("the party's time zone")


def zone_summary(zone: str) -> str:
    """`Asia/Seoul` (it is Sat 5 Dec 2026, 20:00 KST (UTC+09:00) there now)."""
    return _("`{zone}` (it is {now} there now)", zone=zone, now=describe(datetime.now(UTC), ZoneInfo(zone)))


async def autocomplete_zone(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=label, value=zone) for label, zone in zone_choices(current)]


class UseZoneButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"tz:set:(?P<zone>[A-Za-z0-9_+\-/]{1,60})"
):
    """A suggested zone, as a button: clicking it saves that zone for whoever clicks."""

    def __init__(self, zone: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Use {zone}", zone=zone)[:80],
                style=discord.ButtonStyle.primary,
                custom_id=f"tz:set:{zone}",
            )
        )
        self.zone = zone

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> UseZoneButton:
        return cls(match["zone"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_guarded(interaction, self._save(interaction))

    async def _save(self, interaction: discord.Interaction) -> None:
        zone = resolve_zone(self.zone).key
        db = getattr(interaction.client, "db", None)
        if not isinstance(db, Database):
            raise TypeError("zone buttons need the Clematis bot")
        await set_member_zone(db, interaction.user.id, zone)
        await interaction.response.edit_message(
            content=_("Saved: your time zone is {zone}.", zone=zone_summary(zone)), view=None
        )


def suggestion_view(suggestions: list[str]) -> discord.ui.View | None:
    if not suggestions:
        return None
    view = discord.ui.View(timeout=None)
    for zone in suggestions[:5]:
        view.add_item(UseZoneButton(zone))
    return view


def read_zone(text: str) -> ZoneInfo:
    """A zone from an option, or a UserError that names the closest zones (as buttons)."""
    try:
        return resolve_zone(text)
    except ZoneError as error:
        raise UserError(str(error), view=suggestion_view(error.suggestions)) from None


async def read_when(
    bot: Clematis,
    interaction: discord.Interaction,
    when: str,
    typed_zone: str | None,
    fallback: str | None = None,
    *,
    weekly: bool = False,
) -> tuple[WhenResult, str]:
    """Parse `when` in the right zone; returns the reading and where its zone came from.

    The zone is the `timezone` option, else `fallback` (an edited party's zone), else the member's saved
    zone, else the server's default, else none is needed if the text fixes the instant ("in 3 hours",
    "8pm KST"). Otherwise the member is asked: never UTC or the host's zone by accident. A `weekly`
    series repeats a local wall time, so for it only a zone named in the text stands in for a zone.
    """
    now = datetime.now(UTC)
    if typed_zone:
        zone, source = read_zone(typed_zone), ZONE_GIVEN
    elif fallback:
        zone, source = ZoneInfo(fallback), ZONE_OF_PARTY
    elif known := await planning_zone(bot.db, interaction.user.id, interaction.guild_id or 0):
        zone, source = ZoneInfo(known[0]), known[1]
    elif reading := zone_free_reading(when, now, named_zone=weekly):
        return reading, ZONE_FREE
    else:
        asked = _("Which time zone is {typed} in?", typed=inline_code(when))
        why = " " + _("A weekly series keeps the same local time, so I need its time zone.") if weekly else ""
        raise UserError(
            asked
            + why
            + " "
            + _(
                "I don't know yours yet. Save it once with {set_command} (a city like `Seoul` works), or add "
                "`timezone:` to this command. Moderators can set a server default with {settings_command}.",
                set_command=bot.mention_command("timezone set"),
                settings_command=bot.mention_command("watchparty-admin settings"),
            )
        )
    try:
        reading = parse_when(when, zone, now)
    except WhenError as error:
        raise UserError(str(error)) from None
    return reading, source
