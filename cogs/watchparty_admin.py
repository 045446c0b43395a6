"""/watchparty-admin settings|limits|host-role: a server's watch-party settings (moderators).

`/watchparty-admin` is hidden from members (default_member_permissions: Manage Server), and every command
checks again when run. New server reminder times replan every upcoming party that uses them, in the same
transaction. Limits and the host role are kept by `bot/watchparty/quota.py`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import discord
from discord import app_commands

from bot.checks import moderator_autocomplete, moderator_only
from bot.client import Clematis
from bot.i18n import N_, _, _n, use_locale
from bot.i18n.server import server_locale
from bot.modlog import write_modlog
from bot.option_types import Pick
from bot.watchparty.board import board_for, read_reminders
from bot.watchparty.group import ADMIN, GroupedCog
from bot.watchparty.parties import (
    RemindersChange,
    guild_default_zone,
    guild_reminders,
    set_guild_default_zone,
    set_guild_reminders,
)
from bot.watchparty.quota import LIMIT_MAX, PartyLimits, party_limits, set_host_role, set_party_limits
from bot.watchparty.reminders import describe_offsets
from bot.watchparty.zone_input import autocomplete_zone, read_zone, zone_summary

CLEAR_WORDS = ("none", "clear", "-")
LIMITS_LINE = N_(
    "Upcoming watch parties allowed: {member} per member, {server} for the whole server (every party of a "
    "weekly series counts; moderators are held only to the server's limit)."
)
NO_CREATE_EVENTS = N_(
    "⚠️ Parties get no Discord events here: I need the **Create Events** permission, which Discord requires "
    "since February 2026 (servers that invited me with an older link lack it). Re-invite me with "
    "`python -m bot invite`'s link, or give my role Create Events."
)
HOST_ROLE_LINE = N_("Who may host: members with {role}, and moderators.")
ANYONE_HOSTS_LINE = N_("Who may host: every member.")


def limits_lines(limits: PartyLimits) -> list[str]:
    host = (
        _(HOST_ROLE_LINE, role=f"<@&{limits.host_role_id}>")
        if limits.host_role_id is not None
        else _(ANYONE_HOSTS_LINE)
    )
    return [_(LIMITS_LINE, member=limits.member, server=limits.server), host]


@moderator_autocomplete
async def autocomplete_server_zone(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return await autocomplete_zone(interaction, current)


class PartyAdmin(GroupedCog):
    def __init__(self, bot: Clematis) -> None:
        super().__init__(bot)
        self.bot = bot
        self.board = board_for(bot)

    @app_commands.command(
        name="settings", description="Server settings for watch parties (moderators)", extras=ADMIN
    )
    @app_commands.describe(
        zone="The server's default time zone for members who saved none (`none` clears it)",
        reminders="When reminders go before a party, e.g. `24h, 1h, 0` (`0` = at the start; `default` resets)",
    )
    @app_commands.autocomplete(zone=autocomplete_server_zone)
    @moderator_only()
    async def settings(
        self,
        interaction: discord.Interaction,
        zone: Pick | None = None,
        reminders: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        guild_id = interaction.guild_id
        assert guild_id is not None
        # read every option before saving any, so a typo saves nothing
        zone_value = None if zone is None or zone.strip().lower() in CLEAR_WORDS else read_zone(zone).key
        offsets = read_reminders(reminders) if reminders is not None else None
        lines: list[str] = []
        if zone is not None or reminders is not None:
            await interaction.response.defer(ephemeral=True, thinking=True)
        if zone is not None:
            await set_guild_default_zone(self.bot.db, guild_id, zone_value)
            with use_locale(await server_locale(self.bot.db, interaction.guild, guild_id)):
                saved = (
                    zone_summary(zone_value)
                    if zone_value
                    else _("none (members without a saved zone are asked)")
                )
                await write_modlog(
                    self.bot,
                    guild_id,
                    _(
                        "{moderator} set the watch-party default time zone to {zone}.",
                        moderator=interaction.user.mention,
                        zone=saved,
                    ),
                )
            lines.append(_("Saved the default time zone."))
        if reminders is not None:
            change = await set_guild_reminders(self.bot.db, guild_id, offsets, now=datetime.now(UTC))
            lines.append(await self._reminders_saved(interaction, change))
        current = await guild_default_zone(self.bot.db, guild_id)
        shown = zone_summary(current) if current else _("none: members without a saved zone are asked")
        lines.append(_("Default time zone: {zone}.", zone=shown))
        times = describe_offsets(await guild_reminders(self.bot.db, guild_id))
        lines.append(
            _("Reminders: {times} (parties scheduled with their own `reminders:` keep theirs).", times=times)
        )
        lines += limits_lines(await party_limits(self.bot.db, guild_id))
        me = interaction.guild.me if interaction.guild is not None else None
        if me is not None and not me.guild_permissions.create_events:
            lines.append(_(NO_CREATE_EVENTS))
        if interaction.response.is_done():
            await interaction.edit_original_response(content="\n".join(lines))
        else:
            await interaction.response.send_message("\n".join(lines), ephemeral=True)

    async def _reminders_saved(self, interaction: discord.Interaction, change: RemindersChange) -> str:
        """Tell the dispatcher, refresh the announcements, write the mod log; the answer's line."""
        assert interaction.guild_id is not None
        now = describe_offsets(change.current)
        if not change.changed:
            return _("Reminders already go {times}; nothing changed.", times=now)
        if change.replanned:
            self.bot.dispatch("due_work_changed")
        for party_id in change.replanned:
            self.board.refresh(party_id)
        count = len(change.replanned)
        with use_locale(await server_locale(self.bot.db, interaction.guild, interaction.guild_id)):
            await write_modlog(
                self.bot,
                interaction.guild_id,
                _n(
                    "{moderator} changed the watch-party reminder times from {before} to {after} "
                    "({n} upcoming party replanned).",
                    "{moderator} changed the watch-party reminder times from {before} to {after} "
                    "({n} upcoming parties replanned).",
                    count,
                    moderator=interaction.user.mention,
                    before=describe_offsets(change.previous),
                    after=describe_offsets(change.current),
                ),
            )
        return _n(
            "Saved: reminders now go {times} ({n} upcoming party replanned).",
            "Saved: reminders now go {times} ({n} upcoming parties replanned).",
            count,
            times=now,
        )

    @app_commands.command(
        name="limits",
        description="How many upcoming watch parties members may host (moderators)",
        extras=ADMIN,
    )
    @app_commands.describe(
        member=f"Upcoming parties one member may host (default 12; 1 to {LIMIT_MAX})",
        server=f"Upcoming parties on the whole server (default 50; Discord allows {LIMIT_MAX} events)",
    )
    @moderator_only()
    async def limits(
        self,
        interaction: discord.Interaction,
        member: app_commands.Range[int, 1, LIMIT_MAX] | None = None,
        server: app_commands.Range[int, 1, LIMIT_MAX] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        if member is None and server is None:
            limits = await party_limits(self.bot.db, interaction.guild_id)
        else:
            limits = await set_party_limits(self.bot.db, interaction.guild_id, member=member, server=server)
            with use_locale(await server_locale(self.bot.db, interaction.guild, interaction.guild_id)):
                await write_modlog(
                    self.bot,
                    interaction.guild_id,
                    _(
                        "{moderator} set the watch-party limits: {member} per member, {server} for the server.",
                        moderator=interaction.user.mention,
                        member=limits.member,
                        server=limits.server,
                    ),
                )
        await interaction.response.send_message("\n".join(limits_lines(limits)), ephemeral=True)

    @app_commands.command(
        name="host-role",
        description="Only members with this role may host watch parties (moderators)",
        extras=ADMIN,
    )
    @app_commands.describe(role="The role hosts need (leave empty to let every member host)")
    @moderator_only()
    async def host_role(self, interaction: discord.Interaction, role: discord.Role | None = None) -> None:
        assert interaction.guild_id is not None
        await set_host_role(self.bot.db, interaction.guild_id, role.id if role else None)
        limits = await party_limits(self.bot.db, interaction.guild_id)
        with use_locale(await server_locale(self.bot.db, interaction.guild, interaction.guild_id)):
            await write_modlog(
                self.bot,
                interaction.guild_id,
                _("{moderator} changed who may host watch parties.", moderator=interaction.user.mention)
                + " "
                + limits_lines(limits)[1],
            )
        await interaction.response.send_message(limits_lines(limits)[1], ephemeral=True)


async def setup(bot: Clematis) -> None:
    await bot.add_cog(PartyAdmin(bot))
