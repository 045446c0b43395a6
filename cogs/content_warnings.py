"""/cw: the content-warning card for an episode and a member's own preferences; /cw-admin: moderators'
notes and settings; and a card in reply to an official episode link posted in chat."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.canon.l10n import local_name
from bot.canon.model import CanonPack, Episode
from bot.canon.warnings import TOPICS
from bot.checks import moderator_autocomplete, moderator_group, moderator_only
from bot.client import Clematis, from_member
from bot.content_warnings import CardContext, card_embed, dm_member, load_card_context
from bot.content_warnings.card import DEFAULT_SUPPORT, escape_text, support_text
from bot.content_warnings.links import claim_link_card, episode_links, linked_episodes
from bot.content_warnings.preferences import (
    Preferences,
    clear_preferences,
    get_preferences,
    set_cw_topics,
    set_party_dms,
)
from bot.content_warnings.server import (
    MAX_NOTE,
    MAX_SUPPORT_MESSAGE,
    clean_note,
    clean_support_message,
    link_cards_enabled,
    listen_for_changes,
    set_episode_note,
    set_link_cards,
    set_support_message,
)
from bot.episodes import episode_choices, resolve_episode
from bot.errors import UserError
from bot.i18n import N_, _, topic_text, use_locale
from bot.i18n.server import server_locale
from bot.modlog import write_modlog
from bot.option_types import Pick
from bot.ui import BaseView

log = logging.getLogger(__name__)

PARTY_DM_TEXT = N_(
    "You'll get a content-warning card here before watch parties you join. "
    "Turn this off any time with `/cw preferences`."
)
DMS_CLOSED_TEXT = N_(
    "I couldn't DM you: your direct messages look closed to me. Allow DMs from this server's members "
    "(server name → Privacy Settings → Direct Messages) and press the button again."
)


def preferences_embed(prefs: Preferences) -> discord.Embed:
    chosen = [topic_text(t.label) for t in TOPICS if t.id in prefs.cw_topics]
    embed = discord.Embed(
        title=_("Your content-warning preferences"),
        description=_("Only you see these, and they follow you to every server with Clematis."),
        colour=discord.Colour(0xE0A040),
    )
    embed.add_field(
        name=_("Spelled out for you"),
        value="\n".join(f"• {label}" for label in chosen)
        or _(
            "None: every topic stays behind a spoiler tag. Pick topics you want named plainly in "
            "answers only you see (and in DMs)."
        ),
        inline=False,
    )
    dm = _("On") if prefs.dm_before_parties else _("Off")
    if prefs.dm_closed_at is not None:
        dm += " " + _(
            "(your DMs were closed when I last tried, {when})",
            when=f"<t:{int(prefs.dm_closed_at.timestamp())}:R>",
        )
    embed.add_field(name=_("A DM with the card before watch parties you join"), value=dm, inline=False)
    return embed


class TopicSelect(discord.ui.Select["PreferencesView"]):
    def __init__(self, chosen: frozenset[str]) -> None:
        super().__init__(
            custom_id="cw:topics",
            placeholder=_("Topics to spell out for you"),
            min_values=0,
            max_values=len(TOPICS),
            options=[
                discord.SelectOption(
                    label=topic_text(t.label)[:100],
                    value=t.id,
                    description=topic_text(t.explanation)[:100],
                    default=t.id in chosen,
                )
                for t in TOPICS
            ],
        )

    async def callback(self, interaction: discord.Interaction) -> None:
        assert self.view is not None
        await set_cw_topics(self.view.bot.db, self.view.user_id, self.values)
        await self.view.refresh(interaction)


class PreferencesView(BaseView):
    """The member's own settings, on an ephemeral message: topics, party DMs, clear."""

    def __init__(self, bot: Clematis, user_id: int, prefs: Preferences) -> None:
        super().__init__(owner_id=user_id, timeout=900)
        self.bot = bot
        self.user_id = user_id
        self.dm_on = prefs.dm_before_parties
        self.add_item(TopicSelect(prefs.cw_topics))
        dm_button: discord.ui.Button[PreferencesView] = discord.ui.Button(
            custom_id="cw:party-dms",
            label=_("Stop DMs before parties") if self.dm_on else _("DM me before parties"),
            style=discord.ButtonStyle.secondary if self.dm_on else discord.ButtonStyle.primary,
        )
        dm_button.callback = self.toggle_party_dms  # type: ignore[method-assign]
        clear: discord.ui.Button[PreferencesView] = discord.ui.Button(
            custom_id="cw:clear", label=_("Clear"), style=discord.ButtonStyle.danger
        )
        clear.callback = self.clear  # type: ignore[method-assign]
        self.add_item(dm_button)
        self.add_item(clear)

    async def refresh(self, interaction: discord.Interaction, *, content: str | None = None) -> None:
        prefs = await get_preferences(self.bot.db, self.user_id)
        view = PreferencesView(self.bot, self.user_id, prefs)
        self.stop()  # first: the new view reuses these custom ids, and stopping unregisters them
        if interaction.response.is_done():
            await interaction.edit_original_response(
                content=content, embed=preferences_embed(prefs), view=view
            )
        else:
            await interaction.response.edit_message(
                content=content, embed=preferences_embed(prefs), view=view
            )
        self.stop()

    async def toggle_party_dms(self, interaction: discord.Interaction) -> None:
        if self.dm_on:
            await set_party_dms(self.bot.db, self.user_id, False)
            await self.refresh(interaction)
            return
        await interaction.response.defer()
        # The member asked for this DM themselves, so a past "closed" record does not stop the attempt.
        delivered = await dm_member(self.bot, self.user_id, retry_closed=True, content=_(PARTY_DM_TEXT))
        if delivered:
            await set_party_dms(self.bot.db, self.user_id, True)
        await self.refresh(interaction, content=None if delivered else _(DMS_CLOSED_TEXT))

    async def clear(self, interaction: discord.Interaction) -> None:
        await clear_preferences(self.bot.db, self.user_id)
        await self.refresh(
            interaction, content=_("Cleared: every topic is behind spoiler tags again, no DMs.")
        )


class ContentWarnings(commands.Cog):
    cw = app_commands.Group(name="cw", description="Content warnings for Alien Stage episodes")
    # Hidden from members by Discord (and checked again when run), so admins can restrict it separately.
    cw_admin = moderator_group("cw-admin", "This server's content-warning settings (moderators)")

    def __init__(self, bot: Clematis) -> None:
        self.bot = bot
        self._links_pack: CanonPack | None = None
        self._links: dict[str, tuple[str, ...]] = {}

    # --- helpers ----------------------------------------------------------------------------------

    def episode(self, interaction: discord.Interaction, text: str, public: bool = False) -> Episode:
        async def show(picked: discord.Interaction, episode_id: str) -> None:
            await self.send_card(picked, self.bot.canon.pack.episode(episode_id), public)

        return resolve_episode(self.bot.canon, text, on_pick=show, owner_id=interaction.user.id)

    async def send_card(self, interaction: discord.Interaction, episode: Episode, public: bool) -> None:
        # A public card never uses the member's own choices: they are theirs alone.
        user_id = None if public else interaction.user.id
        ctx = await load_card_context(self.bot.db, interaction.guild_id, user_id)
        embed = card_embed(self.bot.canon.pack, [episode.id], ctx)
        await interaction.response.send_message(embed=embed, ephemeral=not public)

    async def autocomplete_episode(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return episode_choices(self.bot.canon, current)

    @moderator_autocomplete
    async def autocomplete_episode_for_moderators(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return episode_choices(self.bot.canon, current)

    # --- members ----------------------------------------------------------------------------------

    @cw.command(name="episode", description="The content warnings for an episode (only you see them)")
    @app_commands.describe(
        episode="The episode to check",
        public="Post the card in this channel for everyone (your own preferences are not used)",
    )
    @app_commands.autocomplete(episode=autocomplete_episode)
    async def cw_episode(self, interaction: discord.Interaction, episode: Pick, public: bool = False) -> None:
        await self.send_card(interaction, self.episode(interaction, episode, public), public)

    @cw.command(name="preferences", description="Choose topics to see spelled out, and DMs before parties")
    async def cw_preferences(self, interaction: discord.Interaction) -> None:
        prefs = await get_preferences(self.bot.db, interaction.user.id)
        await interaction.response.send_message(
            embed=preferences_embed(prefs),
            view=PreferencesView(self.bot, interaction.user.id, prefs),
            ephemeral=True,
        )

    # --- moderators -------------------------------------------------------------------------------

    @cw_admin.command(
        name="note", description="Add this server's note to an episode's warning card (moderators)"
    )
    @app_commands.describe(
        episode="The episode the note is about",
        text=f"Up to {MAX_NOTE} characters, shown behind a spoiler tag; leave out to remove the note",
    )
    @app_commands.autocomplete(episode=autocomplete_episode_for_moderators)
    @moderator_only()
    async def cw_note(
        self,
        interaction: discord.Interaction,
        episode: Pick,
        text: app_commands.Range[str, 1, MAX_NOTE] | None = None,
    ) -> None:
        guild_id = self.guild_id(interaction)
        chosen = resolve_episode(self.bot.canon, episode)
        note = clean_note(text)
        await set_episode_note(self.bot.db, guild_id, chosen.id, note, set_by=interaction.user.id)
        ctx = await load_card_context(self.bot.db, guild_id)
        title = discord.utils.escape_markdown(local_name(self.bot.canon.pack, chosen))
        await interaction.response.send_message(
            _("Server note on **{episode}** saved. Everyone's card now looks like this:", episode=title)
            if note
            else _(
                "Server note on **{episode}** removed. Everyone's card now looks like this:", episode=title
            ),
            embed=card_embed(self.bot.canon.pack, [chosen.id], ctx),
            ephemeral=True,
        )
        with use_locale(await server_locale(self.bot.db, interaction.guild, guild_id)):
            title = discord.utils.escape_markdown(local_name(self.bot.canon.pack, chosen))
            await write_modlog(
                self.bot,
                guild_id,
                _(
                    "📝 {moderator} set the content-warning note on **{episode}**: {note}",
                    moderator=interaction.user.mention,
                    episode=title,
                    note=f"||{escape_text(note)}||",
                )
                if note
                else _(
                    "📝 {moderator} removed the content-warning note on **{episode}**.",
                    moderator=interaction.user.mention,
                    episode=title,
                ),
            )

    @cw_admin.command(
        name="support-message", description="Text shown on cards with heavy topics (moderators)"
    )
    @app_commands.describe(
        text=f"Up to {MAX_SUPPORT_MESSAGE} characters shown after the default support line; "
        "leave out to use only the default"
    )
    @moderator_only()
    async def cw_support_message(
        self,
        interaction: discord.Interaction,
        text: app_commands.Range[str, 1, MAX_SUPPORT_MESSAGE] | None = None,
    ) -> None:
        guild_id = self.guild_id(interaction)
        message = clean_support_message(text)
        await set_support_message(self.bot.db, guild_id, message)
        shown = support_text(CardContext({}, message))
        embed = discord.Embed(title=_("Support"), description=shown, colour=discord.Colour(0xE0A040))
        await interaction.response.send_message(
            _("Saved. Cards with topics such as suicide or abuse now end with:")
            if message
            else _("Removed. Cards fall back to the default support line:"),
            embed=embed,
            ephemeral=True,
        )
        with use_locale(await server_locale(self.bot.db, interaction.guild, guild_id)):
            logged = escape_text(message) if message else _("(default only) {text}", text=_(DEFAULT_SUPPORT))
            await write_modlog(
                self.bot,
                guild_id,
                _(
                    "📝 {moderator} set the content-warning support message: {text}",
                    moderator=interaction.user.mention,
                    text=logged,
                ),
            )

    @cw_admin.command(
        name="link-cards", description="Reply with a card when someone posts an episode link (moderators)"
    )
    @app_commands.describe(
        state="on: reply to official episode links with their card (at most hourly); off: don't"
    )
    @moderator_only()
    async def cw_link_cards(self, interaction: discord.Interaction, state: Literal["on", "off"]) -> None:
        guild_id = self.guild_id(interaction)
        await set_link_cards(self.bot.db, guild_id, state == "on")
        await interaction.response.send_message(
            _(
                "Link cards are on: when someone posts an episode's official video, I reply once an hour per "
                "channel with its warnings."
            )
            if state == "on"
            else _("Link cards are off."),
            ephemeral=True,
        )
        with use_locale(await server_locale(self.bot.db, interaction.guild, guild_id)):
            await write_modlog(
                self.bot,
                guild_id,
                _("📝 {moderator} turned link cards on.", moderator=interaction.user.mention)
                if state == "on"
                else _("📝 {moderator} turned link cards off.", moderator=interaction.user.mention),
            )

    @staticmethod
    def guild_id(interaction: discord.Interaction) -> int:
        if interaction.guild_id is None:
            raise UserError(_("That only works in a server."))
        return interaction.guild_id

    # --- link cards -------------------------------------------------------------------------------

    def links(self) -> dict[str, tuple[str, ...]]:
        pack = self.bot.canon.pack
        if pack is not self._links_pack:
            self._links_pack, self._links = pack, episode_links(pack)
        return self._links

    def passes_over_message(self, data: dict[str, Any]) -> bool:
        """From the raw event: a message without a link is passed over before discord.py builds it."""
        return not from_member(data) or not self._may_link(data.get("content") or "")

    def _may_link(self, content: str) -> bool:
        return bool(self.links()) and ("youtu" in content or "http" in content)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None or message.author.bot or message.webhook_id is not None:
            return
        if not self._may_link(message.content):
            return
        links = self.links()
        episode_ids = linked_episodes(links, message.content)
        if not episode_ids or not await link_cards_enabled(self.bot.db, message.guild.id):
            return
        now = datetime.now(UTC)
        claimed = [
            e
            for e in episode_ids
            if await claim_link_card(self.bot.db, message.guild.id, message.channel.id, e, now)
        ]
        if not claimed:
            return
        ctx = await load_card_context(self.bot.db, message.guild.id)
        with use_locale(await server_locale(self.bot.db, message.guild)):  # a public reply: everyone reads it
            embed = card_embed(
                self.bot.canon.pack, claimed, ctx, title=_("Before you watch: content warnings")
            )
        try:
            await message.reply(embed=embed, mention_author=False)
        except discord.HTTPException as exc:
            log.info("could not post a link card in channel %s: %s", message.channel.id, exc)


async def setup(bot: Clematis) -> None:
    listen_for_changes(bot.db)  # a server's settings changed by another process are read again
    await bot.add_cog(ContentWarnings(bot))
