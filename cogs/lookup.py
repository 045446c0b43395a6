"""/character, /episode, /lore, /search and the canon pack commands: Discord glue over bot.lookups.

Answers are public by default and show what a public answer in that place may show; `private: True`
answers only the member, up to their own progress. Buttons are persistent (`DynamicItem`):
- Reveal (`lookup:reveal:<kind>:<id>`): everything about the entry, past-progress lines spoiler-tagged,
  only to whoever clicks.
- Open (`lookup:open:<mode>:<kind>:<id>`): a suggestion or search result. Mode `p` posts the card in
  the channel, `e` answers only the clicker, `u` turns the (private) suggestion message into the card.

Reloading is `/canon-reload`, not `/canon reload`: Discord sets visibility (default_member_permissions)
per top-level command only, and `/canon info` is for everyone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.canon.loader import PackError
from bot.canon.search import Match
from bot.client import Clematis, settle_heap
from bot.db.notify import CANON
from bot.errors import UserError
from bot.guard import spoiler_cache
from bot.help import OWNER_ONLY
from bot.horizon import ServerPlaces
from bot.i18n import N_, _
from bot.lookups.audience import Audience, audience_for
from bot.lookups.canon_info import info_card, problems_card, reloaded_card
from bot.lookups.cards import Card, card_embed
from bot.lookups.entries import entry_of, entry_view, reveal_card
from bot.lookups.resolve import (
    choices_for,
    find_entry,
    kind_short,
    localized_matches,
    picked_entry,
    search_choices,
    search_entries,
    suggest,
)
from bot.lookups.text import clean_query, clip, echo
from bot.members import listen_for_changes
from bot.ui import run_guarded

UNKNOWN_NAME = {
    "character": N_("I don't know a character called “{typed}”."),
    "episode": N_("I don't know an episode called “{typed}”."),
    "term": N_("I don't know a place, group or term called “{typed}”."),
}
TYPE_A_NAME = {
    "character": N_("Type the name of a character, or pick one from the list as you type."),
    "episode": N_("Type the name of an episode, or pick one from the list as you type."),
    "term": N_("Type the name of a place, group or term, or pick one from the list as you type."),
}
_KIND = r"(?P<kind>character|episode|term)"
_ID = r"(?P<id>[a-z0-9]+(?:-[a-z0-9]+)*)"
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80


def client(interaction: discord.Interaction) -> Clematis:
    return cast(Clematis, interaction.client)


async def server_places(bot: Clematis, guild_id: int | None) -> ServerPlaces | None:
    """What the server makes public and where: the spoiler guard's state, in memory."""
    if guild_id is None:
        return None
    state = await spoiler_cache(bot).load(guild_id)
    return state.places(bot.canon.pack, datetime.now(UTC).date())


async def audience(interaction: discord.Interaction, *, private: bool) -> Audience:
    bot = client(interaction)
    return await audience_for(
        bot.db,
        bot.canon.pack,
        user_id=interaction.user.id,
        server=await server_places(bot, interaction.guild_id),
        guild_id=interaction.guild_id,
        channel_id=interaction.channel_id,
        parent_id=getattr(interaction.channel, "parent_id", None),
        private=private,
        progress_command=bot.mention_command("progress"),
    )


class RevealButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"lookup:reveal:{_KIND}:{_ID}"):
    def __init__(self, kind: str, entry_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Reveal"),
                emoji="🔓",
                style=discord.ButtonStyle.secondary,
                custom_id=self.custom_id_for(kind, entry_id),
            )
        )
        self.kind, self.entry_id = kind, entry_id

    @staticmethod
    def custom_id_for(kind: str, entry_id: str) -> str:
        return f"lookup:reveal:{kind}:{entry_id}"

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RevealButton:
        return cls(match["kind"], match["id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_guarded(interaction, reveal(interaction, self.kind, self.entry_id))


class OpenButton(
    discord.ui.DynamicItem[discord.ui.Button], template=rf"lookup:open:(?P<mode>[peu]):{_KIND}:{_ID}"
):
    def __init__(self, mode: str, kind: str, entry_id: str, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=clip(label, BUTTON_LABEL_MAX) or _("Open"),
                style=discord.ButtonStyle.primary,
                custom_id=self.custom_id_for(mode, kind, entry_id),
            )
        )
        self.mode, self.kind, self.entry_id = mode, kind, entry_id

    @staticmethod
    def custom_id_for(mode: str, kind: str, entry_id: str) -> str:
        return f"lookup:open:{mode}:{kind}:{entry_id}"

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> OpenButton:
        return cls(match["mode"], match["kind"], match["id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_guarded(interaction, open_entry(interaction, self.mode, self.kind, self.entry_id))


def buttons(items: list[discord.ui.Item[Any]]) -> discord.ui.View | None:
    """A view of these buttons to send, or None. Every button here is a `DynamicItem` the bot dispatches by
    its custom_id (registered in `cog_load`), so the view itself need not be kept: it is stopped before it
    is sent, or discord.py would hold each ephemeral answer's view in memory with a 15-minute timer."""
    if not items:
        return None
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view


def open_buttons(matches: list[Match], mode: str, *, with_kind: bool) -> discord.ui.View | None:
    """One Open button per match (ids too long for a custom_id are left to the text)."""
    return buttons(
        [
            OpenButton(
                mode,
                match.kind,
                match.id,
                f"{match.label} ({kind_short(match.kind)})" if with_kind else match.label,
            )
            for match in matches
            if len(OpenButton.custom_id_for(mode, match.kind, match.id)) <= CUSTOM_ID_MAX
        ]
    )


async def entry_message(
    interaction: discord.Interaction, kind: str, entry_id: str, seen: Audience
) -> dict[str, Any]:
    """The embed (and Reveal button) of one entry for this audience, as keyword arguments."""
    bot = client(interaction)
    pack = bot.canon.pack
    entry = entry_of(pack, kind, entry_id)
    if entry is None:
        raise UserError(_("That entry is no longer in the canon pack (a reload may have removed it)."))
    places = await server_places(bot, interaction.guild_id) if kind == "episode" else None
    thread = places.thread_of(entry_id) if places is not None else None
    shown = entry_view(pack, entry, seen, thread_id=thread)
    revealable = shown.revealable and len(RevealButton.custom_id_for(kind, entry_id)) <= CUSTOM_ID_MAX
    return {
        "embed": card_embed(shown.card),
        "view": buttons([RevealButton(kind, entry_id)] if revealable else []),
    }


async def send(interaction: discord.Interaction, message: dict[str, Any], *, ephemeral: bool) -> None:
    if message.get("view") is None:
        message = {k: v for k, v in message.items() if k != "view"}
    await interaction.response.send_message(**message, ephemeral=ephemeral)


async def reveal(interaction: discord.Interaction, kind: str, entry_id: str) -> None:
    pack = client(interaction).canon.pack
    entry = entry_of(pack, kind, entry_id)
    if entry is None:
        raise UserError(_("That entry is no longer in the canon pack (a reload may have removed it)."))
    seen = await audience(interaction, private=True)
    await interaction.response.send_message(
        embed=card_embed(reveal_card(pack, entry, seen.personal)), ephemeral=True
    )


async def open_entry(interaction: discord.Interaction, mode: str, kind: str, entry_id: str) -> None:
    seen = await audience(interaction, private=mode != "p")
    message = await entry_message(interaction, kind, entry_id, seen)
    if mode == "u":
        await interaction.response.edit_message(content=None, **message)
    else:
        await send(interaction, message, ephemeral=mode == "e")


async def look_up(interaction: discord.Interaction, kind: str, text: str, private: bool) -> None:
    """Answer with the entry ``text`` names, or privately with the closest matches as buttons."""
    bot = client(interaction)
    entry_id = find_entry(bot.canon.pack, bot.canon.index, kind, text)
    if entry_id is not None:
        seen = await audience(interaction, private=private)
        await send(interaction, await entry_message(interaction, kind, entry_id, seen), ephemeral=private)
        return
    if not clean_query(text):
        raise UserError(_(TYPE_A_NAME[kind]))
    matches = localized_matches(bot.canon.pack, suggest(bot.canon.index, kind, text))
    said = _(UNKNOWN_NAME[kind], typed=echo(text))
    if not matches:
        raise UserError(
            said
            + " "
            + _(
                "Pick one from the list as you type, or try {command}.", command=bot.mention_command("search")
            )
        )
    view = open_buttons(matches, "u" if private else "p", with_kind=any(m.kind != kind for m in matches))
    raise UserError(said + " " + _("Did you mean:"), view=view)


def autocomplete_for(kind: str) -> Any:
    async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        canon = client(interaction).canon
        return [
            app_commands.Choice(name=name, value=value)
            for name, value in choices_for(canon.index, current, kind, canon.pack)
        ]

    return complete


PRIVATE = "Only you see the answer, and it shows everything up to your own progress"


class Lookup(commands.Cog):
    canon = app_commands.Group(name="canon", description="The canon data pack behind the lookups")

    def __init__(self, bot: Clematis) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(RevealButton, OpenButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(RevealButton, OpenButton)

    @app_commands.command(name="character", description="Look up a character, without spoilers")
    @app_commands.describe(name="The character's name (English, Hangul or Japanese)", private=PRIVATE)
    @app_commands.autocomplete(name=autocomplete_for("character"))
    async def character(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100], private: bool = False
    ) -> None:
        await look_up(interaction, "character", name, private)

    @app_commands.command(name="episode", description="Look up an episode, without spoilers")
    @app_commands.describe(title="The episode's title, or e.g. r5", private=PRIVATE)
    @app_commands.autocomplete(title=autocomplete_for("episode"))
    async def episode(
        self, interaction: discord.Interaction, title: app_commands.Range[str, 1, 100], private: bool = False
    ) -> None:
        await look_up(interaction, "episode", title, private)

    @app_commands.command(name="lore", description="Look up a place, group or term, without spoilers")
    @app_commands.describe(term="The place, group or term", private=PRIVATE)
    @app_commands.autocomplete(term=autocomplete_for("term"))
    async def lore(
        self, interaction: discord.Interaction, term: app_commands.Range[str, 1, 100], private: bool = False
    ) -> None:
        await look_up(interaction, "term", term, private)

    @app_commands.command(name="search", description="Search characters, episodes and lore at once")
    @app_commands.describe(query="A name, title or term, or part of one", private=PRIVATE)
    async def search(
        self, interaction: discord.Interaction, query: app_commands.Range[str, 1, 100], private: bool = False
    ) -> None:
        picked = picked_entry(self.bot.canon.pack, query)
        if picked is not None:  # a choice from the list: open it, as /character, /episode or /lore would
            seen = await audience(interaction, private=private)
            await send(interaction, await entry_message(interaction, *picked, seen), ephemeral=private)
            return
        if not clean_query(query):
            raise UserError(_("Type a name, title or term to search for."))
        matches = localized_matches(self.bot.canon.pack, search_entries(self.bot.canon.index, query))
        if not matches:
            raise UserError(
                _("Nothing in the canon pack matches “{typed}”. Try another spelling.", typed=echo(query))
            )
        lines = [f"`{i:>2}.` **{m.label}** · {kind_short(m.kind)}" for i, m in enumerate(matches, start=1)]
        card = Card(
            title=_("Search results"),
            description=_("For “{typed}”:", typed=echo(query)) + "\n\n" + "\n".join(lines),
            footer=_("Open a top result below, or use /character, /episode or /lore."),
        )
        view = open_buttons(matches[:5], "e", with_kind=False)
        await send(interaction, {"embed": card_embed(card), "view": view}, ephemeral=private)

    @search.autocomplete("query")
    async def search_complete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=name, value=value)
            for name, value in search_choices(self.bot.canon.index, current, self.bot.canon.pack)
        ]

    @canon.command(name="info", description="Which canon pack is loaded: version, counts, overrides")
    async def canon_info(self, interaction: discord.Interaction) -> None:
        owner = await self.bot.is_owner(interaction.user)
        embed = card_embed(info_card(self.bot.canon, show_path=owner))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(
        name="canon-reload",
        description="Re-read the canon pack and its CANON_DIR overrides (bot owner only)",
        extras={OWNER_ONLY: True},
    )
    @app_commands.default_permissions(administrator=True)
    async def canon_reload(self, interaction: discord.Interaction) -> None:
        if not await self.bot.is_owner(interaction.user):
            raise UserError(_("Only the bot's owner can reload the canon pack."))
        before = self.bot.canon.pack
        try:
            self.bot.canon.reload()
        except PackError as exc:
            card = problems_card(exc.problems, self.bot.canon)
        else:
            self.bot.invalidations.notify(CANON)  # every other process reloads it too
            card = reloaded_card(before, self.bot.canon)
        await interaction.response.send_message(embed=card_embed(card), ephemeral=True)
        if self.bot.canon.pack is not before:
            settle_heap()  # the new pack and its rule sets live on; the old ones may now be collected


async def setup(bot: Clematis) -> None:
    listen_for_changes(bot.db)  # members' progress changed by another process is read again
    await bot.add_cog(Lookup(bot))
