"""/spoilers: how a server keeps spoilers out of public channels (moderators only).

Every change is written, the server's in-memory spoiler state is reloaded at once (so matching changes
immediately), and the mod log is told who changed what.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.canon.l10n import local_name
from bot.checks import is_moderator, moderator_autocomplete
from bot.client import Clematis
from bot.episodes import episode_choices, resolve_episode, resolve_track, track_choices, track_name
from bot.errors import UserError
from bot.guard import settings as store
from bot.guard.cache import SPOILER_SETTINGS_CHANGED, spoiler_cache
from bot.guard.options import Action, DiscussionPlace, SpoilerPlace, code
from bot.guard.render import (
    ACTION_DESCRIPTIONS,
    ACTION_NAMES,
    horizon_lines,
    missing_for,
    pages,
    rule_lines,
    settings_embed,
)
from bot.guard.rules import (
    allow_problem,
    conditions_problem,
    phrase_key,
    rule_problem,
    rule_text,
    split_list,
)
from bot.guard.state import GuildState
from bot.guard.views import PagerView
from bot.i18n import N_, _, _n, use_locale
from bot.i18n.server import server_locale
from bot.modlog import modlog_channel_id, set_modlog_channel, write_modlog
from bot.option_types import Pick

# A change, written as a clause in the current language (called once for the mod log in the server's
# language, and once for the moderator's answer in theirs).
Change = Callable[[], str]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SpoilerSettings(commands.GroupCog, group_name="spoilers", group_description="Spoiler safety settings"):
    channel = app_commands.Group(name="channel", description="Channels where spoilers are allowed")
    exempt = app_commands.Group(name="exempt", description="Roles whose messages are never checked")
    rule = app_commands.Group(name="rule", description="This server's own spoiler phrases")
    allow = app_commands.Group(name="allow", description="Phrases never to flag")

    def __init__(self, bot: Clematis) -> None:
        self.bot = bot
        self.cache = spoiler_cache(bot)
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Said twice: hidden by default_permissions, and checked here when run."""
        if not is_moderator(interaction):
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    # --- helpers -----------------------------------------------------------------------------------

    @staticmethod
    def _guild_id(interaction: discord.Interaction) -> int:
        if interaction.guild_id is None:
            raise UserError(_("Spoiler settings belong to a server: run this in one."))
        return interaction.guild_id

    async def _changed(
        self, interaction: discord.Interaction, change: Change, reply: str | None = None
    ) -> GuildState:
        """Reload the server's state, log the change with who made it, answer the moderator."""
        guild_id = self._guild_id(interaction)
        state = await self.cache.reload(guild_id)
        self.bot.dispatch(SPOILER_SETTINGS_CHANGED, guild_id)
        await self._log(interaction, change)
        await interaction.response.send_message(reply or _("Done: {change}", change=change()), ephemeral=True)
        return state

    async def _log(self, interaction: discord.Interaction, change: Change) -> None:
        """The mod-log entry, in the server's language (everyone with access reads it)."""
        guild_id = self._guild_id(interaction)
        with use_locale(await server_locale(self.bot.db, interaction.guild, guild_id)):
            text = _("🛠️ {moderator} {change}", moderator=interaction.user.mention, change=change())
        await write_modlog(self.bot, guild_id, text)

    def _bot_permissions(self, interaction: discord.Interaction) -> discord.Permissions:
        guild = interaction.guild
        return (
            guild.me.guild_permissions
            if guild is not None and guild.me is not None
            else interaction.app_permissions
        )

    # --- overview ----------------------------------------------------------------------------------

    @app_commands.command(name="settings", description="Everything about spoiler safety here, in one place")
    async def settings(self, interaction: discord.Interaction) -> None:
        guild_id = self._guild_id(interaction)
        state = await self.cache.load(guild_id)
        state.refresh(self.bot.canon.pack, datetime.now(UTC).date())
        embed = settings_embed(
            self.bot.canon.pack,
            state,
            modlog_channel=await modlog_channel_id(self.bot.db, guild_id),
            bot_permissions=self._bot_permissions(interaction),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    # --- horizon and window ------------------------------------------------------------------------

    @app_commands.command(name="horizon", description="Make a track public up to an episode (or nothing)")
    @app_commands.describe(
        episode="The latest episode everyone may discuss anywhere here",
        track="Leave the episode empty to make nothing on this track public",
    )
    async def horizon(
        self, interaction: discord.Interaction, episode: Pick | None = None, track: Pick | None = None
    ) -> None:
        guild_id = self._guild_id(interaction)
        pack = self.bot.canon.pack
        if episode is None and track is None:
            raise UserError(_("Give an episode to make public (or a track, to make nothing on it public)."))
        if episode is not None:
            chosen = resolve_episode(self.bot.canon, episode)
            if track is not None and resolve_track(pack, track) != chosen.track:
                raise UserError(
                    _(
                        "**{episode}** is on the {track} track, not that one.",
                        episode=local_name(pack, chosen),
                        track=track_name(pack, chosen.track),
                    )
                )
            await store.set_public_episode(
                self.bot.db, guild_id, chosen.track, chosen.id, interaction.user.id
            )
            track_id = chosen.track

            def change() -> str:
                return _(
                    "made {track} public up to **{episode}**",
                    track=track_name(pack, track_id),
                    episode=local_name(pack, chosen),
                )
        else:
            assert track is not None
            track_id = resolve_track(pack, track)
            await store.clear_public_track(self.bot.db, guild_id, track_id)

            def change() -> str:
                return _("made nothing on {track} public", track=track_name(pack, track_id))

        state = await self.cache.reload(guild_id)
        self.bot.dispatch(SPOILER_SETTINGS_CHANGED, guild_id)
        state.refresh(pack, datetime.now(UTC).date())
        now = "\n".join(horizon_lines(pack, state.public_setting, state.public))
        await self._log(interaction, change)
        await interaction.response.send_message(
            _("Done: {change}.\nPublic here now:\n{horizon}", change=change(), horizon=now), ephemeral=True
        )

    @horizon.autocomplete("episode")
    @moderator_autocomplete
    async def _episode_in_track(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        track = getattr(interaction.namespace, "track", None)
        return episode_choices(self.bot.canon, current, track=track)

    @horizon.autocomplete("track")
    @moderator_autocomplete
    async def _tracks(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return track_choices(self.bot.canon.pack, current)

    @app_commands.command(
        name="window", description="Also make public every episode released N days ago or more"
    )
    @app_commands.describe(
        days="Days after release before an episode is public here (0 turns the window off)"
    )
    async def window(self, interaction: discord.Interaction, days: app_commands.Range[int, 0, 3650]) -> None:
        await store.set_release_window(self.bot.db, self._guild_id(interaction), days or None)
        await self._changed(
            interaction,
            lambda: (
                _n(
                    "set the release window to {n} day (episodes released that long ago are public)",
                    "set the release window to {n} days (episodes released that long ago are public)",
                    days,
                )
                if days
                else _("turned the release window off")
            ),
        )

    # --- places ------------------------------------------------------------------------------------

    @channel.command(name="add", description="Allow spoilers in a channel (and its threads)")
    @app_commands.describe(channel="The channel where anything goes")
    async def channel_add(self, interaction: discord.Interaction, channel: SpoilerPlace) -> None:
        if not await store.add_spoiler_channel(self.bot.db, self._guild_id(interaction), channel.id):
            raise UserError(_("{channel} already allows spoilers.", channel=channel.mention))
        await self._changed(interaction, lambda: _("allowed spoilers in {channel}", channel=channel.mention))

    @channel.command(name="remove", description="Stop allowing spoilers in a channel")
    @app_commands.describe(channel="The channel to protect again")
    async def channel_remove(self, interaction: discord.Interaction, channel: SpoilerPlace) -> None:
        if not await store.remove_spoiler_channel(self.bot.db, self._guild_id(interaction), channel.id):
            raise UserError(_("{channel} isn't a spoiler channel.", channel=channel.mention))
        await self._changed(
            interaction, lambda: _("stopped allowing spoilers in {channel}", channel=channel.mention)
        )

    @app_commands.command(name="discussion-channel", description="Where episode discussion threads are made")
    @app_commands.describe(channel="A text or forum channel (leave empty to unset)")
    async def discussion_channel(
        self,
        interaction: discord.Interaction,
        channel: DiscussionPlace | None = None,
    ) -> None:
        await store.set_discussion_channel(
            self.bot.db, self._guild_id(interaction), channel.id if channel else None
        )
        await self._changed(
            interaction,
            lambda: (
                _("set the discussion channel to {channel}", channel=channel.mention)
                if channel
                else _("unset the discussion channel")
            ),
        )

    @app_commands.command(name="gated", description="Only members who watched an episode may join its thread")
    @app_commands.describe(enabled="On: episode threads are gated by progress. Off: open to everyone")
    async def gated(self, interaction: discord.Interaction, enabled: bool) -> None:
        await store.set_gated_threads(self.bot.db, self._guild_id(interaction), enabled)
        await self._changed(
            interaction,
            lambda: (
                _("turned gated discussion threads on")
                if enabled
                else _("turned gated discussion threads off")
            ),
        )

    # --- action and mod log ------------------------------------------------------------------------

    @app_commands.command(name="action", description="What I do with a spoiler posted where it isn't allowed")
    @app_commands.describe(action="Nudge (default), repost with tags, or only flag for moderators")
    async def action(self, interaction: discord.Interaction, action: Action) -> None:
        await store.set_action(self.bot.db, self._guild_id(interaction), action)
        reply = _("Done: {action}.", action=_(ACTION_DESCRIPTIONS[action]))
        missing = missing_for(action, self._bot_permissions(interaction))
        if missing:
            reply += "\n" + _(
                "⚠️ I'm missing **{permissions}**: until a server admin grants it, I only flag.",
                permissions=", ".join(missing),
            )
        await self._changed(
            interaction,
            lambda: _("set the spoiler action to **{action}**", action=_(ACTION_NAMES[action])),
            reply,
        )

    @app_commands.command(name="modlog", description="Where I log spoiler actions and setting changes")
    @app_commands.describe(channel="The mod-log channel (leave empty to turn the mod log off)")
    async def modlog(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        guild_id = self._guild_id(interaction)
        if channel is not None and interaction.guild is not None and interaction.guild.me is not None:
            perms = channel.permissions_for(interaction.guild.me)
            lacking = [
                _(name)
                for name, ok in (
                    (N_("View Channel"), perms.view_channel),
                    (N_("Send Messages"), perms.send_messages),
                    (N_("Embed Links"), perms.embed_links),
                )
                if not ok
            ]
            if lacking:
                raise UserError(
                    _(
                        "I can't post in {channel}: I'm missing **{permissions}** there.",
                        channel=channel.mention,
                        permissions=", ".join(lacking),
                    )
                )
        if channel is None:  # say it in the old log before it goes
            await self._log(interaction, lambda: _("turned the mod log off"))
        await set_modlog_channel(self.bot.db, guild_id, channel.id if channel else None)
        if channel is None:
            await self.cache.reload(guild_id)
            await interaction.response.send_message(_("Done: the mod log is off."), ephemeral=True)
            return
        await self._changed(interaction, lambda: _("set the mod log to {channel}", channel=channel.mention))

    # --- exempt roles ------------------------------------------------------------------------------

    @exempt.command(name="add", description="Never check messages from members with this role")
    @app_commands.describe(role="The role to exempt")
    async def exempt_add(self, interaction: discord.Interaction, role: discord.Role) -> None:
        if not await store.add_exempt_role(self.bot.db, self._guild_id(interaction), role.id):
            raise UserError(_("{role} is already exempt.", role=role.mention))
        await self._changed(interaction, lambda: _("exempted {role} from spoiler checks", role=role.mention))

    @exempt.command(name="remove", description="Check messages from this role again")
    @app_commands.describe(role="The role to check again")
    async def exempt_remove(self, interaction: discord.Interaction, role: discord.Role) -> None:
        if not await store.remove_exempt_role(self.bot.db, self._guild_id(interaction), role.id):
            raise UserError(_("{role} isn't exempt.", role=role.mention))
        await self._changed(
            interaction, lambda: _("stopped exempting {role} from spoiler checks", role=role.mention)
        )

    # --- rules ---------------------------------------------------------------------------------------

    @rule.command(name="add", description="Treat a phrase as a spoiler for an episode")
    @app_commands.describe(
        episode="The episode the phrase gives away",
        phrase="What fans would type, e.g. ivan dies or 이반 죽",
        exceptions="Words the rule must not catch, comma-separated, e.g. 죽이, 죽겠 (slang)",
        endings="For a Korean stem: the endings it needs, comma-separated, e.g. 었, 어, 음",
    )
    @app_commands.rename(exceptions="except")
    async def rule_add(
        self,
        interaction: discord.Interaction,
        episode: Pick,
        phrase: app_commands.Range[str, 1, 100],
        exceptions: app_commands.Range[str, 1, 200] | None = None,
        endings: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        guild_id = self._guild_id(interaction)
        pack = self.bot.canon.pack
        chosen = resolve_episode(self.bot.canon, episode)
        unless, needed = split_list(exceptions), split_list(endings)
        problem = rule_problem(pack, phrase) or conditions_problem(phrase, unless, needed)
        if problem:
            raise UserError(problem)
        if any(phrase_key(p) == phrase_key(phrase) for p in chosen.spoiler_rules):
            raise UserError(
                _(
                    "The canon pack already treats that phrase as a spoiler for **{episode}**.",
                    episode=local_name(pack, chosen),
                )
            )
        text = rule_text(phrase, unless, needed)
        rule_id = await store.add_rule(self.bot.db, guild_id, chosen.id, text, interaction.user.id)
        if rule_id is None:
            raise UserError(
                _(
                    "This server already has that rule for **{episode}**: to change its exceptions or "
                    "endings, remove it first.",
                    episode=local_name(pack, chosen),
                )
            )
        await self._changed(
            interaction,
            lambda: _(
                "added spoiler rule #{rule_id} {phrase} for **{episode}**",
                rule_id=rule_id,
                phrase=code(text),
                episode=local_name(pack, chosen),
            ),
        )

    @rule_add.autocomplete("episode")
    @moderator_autocomplete
    async def _any_episode(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return episode_choices(self.bot.canon, current)

    @rule.command(name="remove", description="Remove one of this server's spoiler rules")
    @app_commands.describe(rule="The rule (type to search this server's rules)")
    async def rule_remove(self, interaction: discord.Interaction, rule: Pick) -> None:
        guild_id = self._guild_id(interaction)
        found = await store.find_rules(self.bot.db, guild_id, rule)
        if not found:
            raise UserError(_("This server has no such rule. See them with `/spoilers rule list`."))
        if len(found) > 1:
            raise UserError(
                _("That phrase is a rule for several episodes: pick the one to remove from the list.")
            )
        gone = found[0]
        await store.remove_rule(self.bot.db, guild_id, gone.rule_id or 0)
        await self._changed(
            interaction,
            lambda: _(
                "removed spoiler rule #{rule_id} {phrase}", rule_id=gone.rule_id, phrase=code(gone.phrase)
            ),
        )

    @rule_remove.autocomplete("rule")
    @moderator_autocomplete
    async def _server_rules(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        state = self.cache.state(interaction.guild_id or 0)
        if state is None:
            return []
        pack = self.bot.canon.pack
        wanted = phrase_key(current)
        choices = []
        for r in state.config.rules:
            if wanted in phrase_key(r.phrase):
                title = (
                    local_name(pack, pack.episode(r.episode)) if pack.has_episode(r.episode) else r.episode
                )
                choices.append(app_commands.Choice(name=f"{r.phrase} → {title}"[:100], value=str(r.rule_id)))
        return choices[:25]

    @rule.command(name="list", description="This server's own spoiler rules")
    async def rule_list(self, interaction: discord.Interaction) -> None:
        state = await self.cache.load(self._guild_id(interaction))
        if not state.config.rules:
            await interaction.response.send_message(
                _(
                    "This server has no rules of its own yet: the canon pack's rules still apply. "
                    "Add one with `/spoilers rule add`."
                ),
                ephemeral=True,
            )
            return
        view = PagerView(
            _("Spoiler rules"),
            pages(rule_lines(self.bot.canon.pack, list(state.config.rules), state)),
            owner_id=interaction.user.id,
        )
        await interaction.response.send_message(embed=view.embed(), view=view, ephemeral=True)

    # --- allow-list --------------------------------------------------------------------------------

    @allow.command(name="add", description="Never flag this phrase, even where a rule would")
    @app_commands.describe(phrase="The phrase to allow, e.g. till the end")
    async def allow_add(
        self, interaction: discord.Interaction, phrase: app_commands.Range[str, 1, 100]
    ) -> None:
        problem = allow_problem(phrase)
        if problem:
            raise UserError(problem)
        if not await store.add_allowed(self.bot.db, self._guild_id(interaction), phrase, interaction.user.id):
            raise UserError(_("That phrase is already allowed."))
        await self._changed(interaction, lambda: _("allowed the phrase {phrase}", phrase=code(phrase)))

    @allow.command(name="remove", description="Stop allowing a phrase")
    @app_commands.describe(phrase="The allowed phrase to remove")
    async def allow_remove(self, interaction: discord.Interaction, phrase: Pick) -> None:
        removed = await store.remove_allowed(self.bot.db, self._guild_id(interaction), phrase)
        if removed is None:
            raise UserError(_("That phrase isn't on the allow-list. See it with `/spoilers allow list`."))
        await self._changed(
            interaction, lambda: _("stopped allowing the phrase {phrase}", phrase=code(removed))
        )

    @allow_remove.autocomplete("phrase")
    @moderator_autocomplete
    async def _allowed(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        state = self.cache.state(interaction.guild_id or 0)
        wanted = phrase_key(current)
        phrases = state.config.allow if state is not None else ()
        return [app_commands.Choice(name=p[:100], value=p[:100]) for p in phrases if wanted in phrase_key(p)][
            :25
        ]

    @allow.command(name="list", description="Phrases this server never flags")
    async def allow_list(self, interaction: discord.Interaction) -> None:
        state = await self.cache.load(self._guild_id(interaction))
        if not state.config.allow:
            await interaction.response.send_message(
                _("No phrases are allowed yet: `/spoilers allow add`."), ephemeral=True
            )
            return
        lines = [f"• {code(p)}" for p in state.config.allow]
        view = PagerView(_("Allowed phrases"), pages(lines), owner_id=interaction.user.id)
        await interaction.response.send_message(embed=view.embed(), view=view, ephemeral=True)


async def setup(bot: Clematis) -> None:
    await bot.add_cog(SpoilerSettings(bot))
