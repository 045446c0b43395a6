"""/privacy show|export|delete for every member, /privacy-admin settings for moderators, servers leaving.

Every answer is ephemeral. A removal from a server (GUILD_DELETE without `unavailable`) plans the
deletion of its data after the grace period, as due work; being added back calls it off.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import moderator_group, moderator_only
from bot.client import Clematis
from bot.db import write_refusal
from bot.i18n import _, use_locale
from bot.i18n.server import server_locale
from bot.modlog import write_modlog
from bot.privacy.answers import DeleteButton, KeepButton, confirm_delete, export_answer, show_embed
from bot.privacy.settings import describe_policy, save_policy
from bot.privacy.store import ensure_sweep
from bot.privacy.work import handlers, reconcile_servers, server_back, server_removed

log = logging.getLogger(__name__)


class Privacy(
    commands.GroupCog, group_name="privacy", group_description="See, export or delete what I store about you"
):
    def __init__(self, bot: Clematis) -> None:
        self.bot = bot
        self._reconciled = False
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(DeleteButton, KeepButton)
        self.bot.due_handlers.update(handlers(self.bot))

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(DeleteButton, KeepButton)
        for kind in handlers(self.bot):
            self.bot.due_handlers.pop(kind, None)

    # --- members ------------------------------------------------------------------------------------

    @app_commands.command(name="show", description="What I store about you, in plain words")
    async def show(self, interaction: discord.Interaction) -> None:
        embed = await show_embed(self.bot, interaction.user.id)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="export", description="Everything I store about you, as a file only you see")
    async def export(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        text, file = await export_answer(self.bot, interaction.user.id)
        await interaction.followup.send(text, file=file, ephemeral=True)

    @app_commands.command(name="delete", description="Delete everything I store about you (asks first)")
    async def delete(self, interaction: discord.Interaction) -> None:
        embed, view = await confirm_delete(self.bot, interaction.user.id)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    # --- servers coming and going -------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        if self._reconciled:
            return
        self._reconciled = True
        now = datetime.now(UTC)
        try:
            planned, kept = await reconcile_servers(
                self.bot, now=now, grace=self.bot.settings.guild_data_grace
            )
            await ensure_sweep(self.bot.db, now=now)
        except Exception as exc:
            if self.bot.is_closed():  # stopped while starting: the database is already closed
                return
            if write_refusal(exc) is None:
                raise
            # The database logged the refusal once; plan again when it takes writes (on_database_writable).
            self._reconciled = False
            log.warning(
                "servers: removals and the retention sweep are planned once the database takes writes again"
            )
            return
        if planned or kept:
            log.info("servers: %d removal(s) while offline planned for deletion, %d kept", planned, kept)
        self.bot.dispatch("due_work_changed")

    @commands.Cog.listener()
    async def on_database_writable(self) -> None:
        if self.bot.is_ready():
            await self.on_ready()

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        # discord.py sends this only for a removal: an outage (GUILD_DELETE with unavailable) is on_guild_unavailable
        now = datetime.now(UTC)
        if await server_removed(self.bot, guild.id, now=now, grace=self.bot.settings.guild_data_grace):
            self.bot.dispatch("due_work_changed")

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self._back(guild)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self._back(guild)

    async def _back(self, guild: discord.Guild) -> None:
        # Before the first READY completes, on_ready reconciles every server in one pass.
        if self._reconciled:
            await server_back(self.bot, guild.id, now=datetime.now(UTC))


class PrivacySettings(commands.Cog):
    """The moderators' side: /privacy-admin, which Discord hides from members (and is checked again when run)."""

    admin = moderator_group("privacy-admin", "This server's privacy settings (moderators)")

    def __init__(self, bot: Clematis) -> None:
        self.bot = bot

    @admin.command(
        name="settings",
        description="What happens to parties whose host deletes their data (moderators)",
    )
    @app_commands.describe(
        parties="When a host deletes their data: hand their upcoming parties over, or cancel them",
        handover_to="The member who takes them over (default: the server's moderators)",
        clear_handover="Forget the chosen member: parties go to the moderators",
    )
    @moderator_only()
    async def settings(
        self,
        interaction: discord.Interaction,
        parties: Literal["handover", "cancel"] | None = None,
        handover_to: discord.Member | None = None,
        clear_handover: bool = False,
    ) -> None:
        assert interaction.guild_id is not None
        changed = await save_policy(
            self.bot.db,
            interaction.guild_id,
            leaver_parties=parties,
            handover_to=handover_to.id if handover_to else None,
            clear_handover=clear_handover,
        )
        summary = await describe_policy(self.bot.db, interaction.guild_id)
        if changed:
            with use_locale(await server_locale(self.bot.db, interaction.guild, interaction.guild_id)):
                entry = _(
                    "{moderator} changed the departing-host setting: {setting}",
                    moderator=interaction.user.mention,
                    setting=await describe_policy(self.bot.db, interaction.guild_id),
                )
            await write_modlog(self.bot, interaction.guild_id, entry)
        answer = _("Saved. {setting}", setting=summary) if changed else summary
        await interaction.response.send_message(answer, ephemeral=True)


async def setup(bot: Clematis) -> None:
    await bot.add_cog(Privacy(bot))
    await bot.add_cog(PrivacySettings(bot))
