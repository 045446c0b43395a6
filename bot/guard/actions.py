"""What the bot does about a spoiler, in a straight line: decide, act, record.

1. **decide** (memory only): the action this server wants, downgraded to flag when a permission it needs
   is known to be missing; the episode's title; the mod-log entry.
2. **intent**: the mod-log entry is written before anything happens, saying what the bot is about to do.
3. **act**: keep a copy of the text (a database write that may fail: the bot still acts), remove the
   message (a 5xx is retried with backoff, boundedly), repost it or tell its author.
4. **record**, once, after the act: the intent entry is edited into what actually happened (removed,
   reposted, or failed and why: the HTTP status or the missing permission), and permission bookkeeping
   (a missing permission is told to the mod log once per server) is written in one place.

Nothing claims what did not happen: the author hears "I removed your message" only after it was
removed, and the mod log says "told the author" only after the notice went out.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.canon.l10n import local_name
from bot.db import StorageError
from bot.guard.cache import SpoilerCache
from bot.guard.copies import RemovedCopy, save_copy
from bot.guard.repost import Reposter, http_reason
from bot.guard.settings import clear_permission_warned, mark_permission_warned
from bot.guard.state import Detection, GuildState
from bot.i18n import N_, _, _n, use_locale
from bot.i18n.server import server_locale
from bot.modlog import edit_modlog, write_modlog
from bot.spoilers import escape_spoiler

if TYPE_CHECKING:
    from bot.client import Clematis

log = logging.getLogger(__name__)

NOTICE_SECONDS = 30.0
DELETE_ATTEMPTS = 4  # each attempt is one discord.py call (which itself retries 500/502/504, not 503)
DELETE_BACKOFF_SECONDS = 1.0  # doubled after each failed attempt: 1, 2, 4 seconds

PERMISSION_NAMES = {  # as Discord's client names them, in each language
    "manage_messages": N_("Manage Messages"),
    "manage_webhooks": N_("Manage Webhooks"),
    "view_channel": N_("View Channel"),
}
ACTION_NEEDS: dict[str, tuple[str, ...]] = {
    "nudge": ("manage_messages",),
    "repost": ("manage_messages", "manage_webhooks"),
    "flag": (),
}

# --- mod-log and notice texts (complete templates; one outcome sentence each) -----------------------

ENTRY_SPOILER = N_(
    "{icon} Spoiler for **{episode}** by {author} in {channel}{edited}{reported}: {url}\n{outcome}"
)
ENTRY_REPORTED = N_("{icon} Reported spoiler by {author} in {channel}{edited}{reported}: {url}\n{outcome}")
EDITED_MARK = N_(" (edited message)")
REPORTED_MARK = N_(", reported by {reporter}")

INTENT_NUDGE = N_("⏳ Removing it and telling its author…")
INTENT_REPOST = N_("⏳ Replacing it with a spoiler-tagged repost under the author's name…")
FLAGGED = N_("Flagged for moderators: I left it in place.")

SAY_REMOVED = N_("✅ I removed it.")
SAY_REMOVED_AFTER_RETRIES = N_("✅ I removed it on a later try ({problem} first).")
SAY_GONE_AFTER_RETRIES = N_("✅ It is gone: {problem} to my first try, and then Discord reported it deleted.")
PROBLEM_STATUS = N_("Discord answered {status}")
PROBLEM_CONNECTION = N_("the connection to Discord failed ({error})")
SAY_ALREADY_GONE = N_(
    "ℹ️ It was already gone when I tried to remove it (its author or a moderator deleted it)."
)
SAY_DELETE_FORBIDDEN = N_(
    "❌ I could not remove it: I'm missing the **{permission}** permission there (Discord answered 403). "
    "It is still up."
)
SAY_DELETE_FAILED = N_(
    "❌ I could not remove it: {problem} on each of {attempts} tries, with pauses between. It is still up."
)
REPOST_FOOTER = N_("Reposted with spoiler tags by {bot}{spoils}{skipped}")
SPOILS_MARK = N_(" · spoils {episode}")
SAY_REPOSTED = N_("✅ I reposted it with spoiler tags under the author's name.")
SAY_REPOST_FAILED = N_("❌ The spoiler-tagged repost failed ({reason}).")
SAY_NO_WEBHOOK = N_("⚠️ I could not get a webhook to repost it ({reason}).")
SAY_TOLD_AUTHOR = N_("✅ I told the author and offered them a tagged copy.")
SAY_TOLD_AUTHOR_NO_COPY = N_("✅ I told the author, and that no copy of their message could be kept.")
SAY_NOTICE_FAILED = N_("❌ I could not tell the author ({reason}).")
SAY_CRASHED = N_("❌ An unexpected error ({error}) stopped me here; see the bot's log.")
SAY_NO_COPY = N_("⚠️ No copy of the message could be kept: the database refused the write ({error}).")

NOTICE_REMOVED = N_(
    "{author}, I removed your {edited}message: {why}. Put spoilers inside `||spoiler tags||`. "
    "The button gives you a tagged copy to post again."
)
NOTICE_REMOVED_NO_COPY = N_(
    "{author}, I removed your {edited}message: {why}. Put spoilers inside `||spoiler tags||`. "
    "I'm sorry: I could not keep a copy of it this time, so I can't give it back."
)
NOTICE_REPOST_FAILED = N_(
    "{author}, I removed your {edited}message to repost it with spoiler tags ({why}), but the repost "
    "didn't go through. The button gives you a tagged copy to post again."
)
NOTICE_REPOST_FAILED_NO_COPY = N_(
    "{author}, I removed your {edited}message to repost it with spoiler tags ({why}), but the repost "
    "didn't go through, and I'm sorry: I could not keep a copy of it, so I can't give it back."
)
WHY_EPISODE = N_("it spoils **{episode}**, which isn't public here yet")
WHY_REPORTED = N_("a moderator marked it as a spoiler")
# Inserted before "message" in the notices; a translation puts it where its language needs it.
EDITED_WORD = N_("edited ")

# One whole sentence per action the bot could not carry out (the action is a verb in every language).
PERMISSION_WARNING = {
    "nudge": N_(
        "⚠️ I can't remove spoilers in {channel}: I'm missing the **{permission}** permission there, so I "
        "only flag them here. Grant it to my role (server or channel settings) and I'll remove them again. "
        "(I say this once.)"
    ),
    "repost": N_(
        "⚠️ I can't repost spoilers in {channel}: I'm missing the **{permission}** permission there, so I "
        "only flag them here. Grant it to my role (server or channel settings) and I'll repost them again. "
        "(I say this once.)"
    ),
}
PERMISSION_REFUSED_WARNING = {
    "nudge": N_(
        "⚠️ Discord refused me the **{permission}** permission in {channel}, so I couldn't remove a spoiler "
        "there (each mod-log entry says what became of it). Grant it to my role (server or channel "
        "settings, a channel override may be in the way). (I say this once.)"
    ),
    "repost": N_(
        "⚠️ Discord refused me the **{permission}** permission in {channel}, so I couldn't repost a spoiler "
        "there (each mod-log entry says what became of it). Grant it to my role (server or channel "
        "settings, a channel override may be in the way). (I say this once.)"
    ),
}


def effective_action(action: str, permissions: discord.Permissions) -> tuple[str, list[str]]:
    """The action the bot can carry out with ``permissions``, and the permissions it lacks for ``action``."""
    missing = [name for name in ACTION_NEEDS.get(action, ()) if not getattr(permissions, name)]
    return ("flag" if missing else action), missing


def forbidden_permission(exc: discord.HTTPException, default: str) -> str:
    """The permission a 403 is about: Discord's 50001 (Missing Access) is View Channel."""
    return "view_channel" if exc.code == 50001 else default


@dataclass(frozen=True, slots=True)
class Incident:
    """A message to act on. ``detection`` is None when a moderator reported it and no rule matched."""

    message: discord.Message
    detection: Detection | None
    trigger: str = "message"  # "message", "edit" or "report"
    reporter: discord.abc.User | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """What the bot decided to do (``decide``): memory only."""

    action: str  # "nudge", "repost" or "flag"
    wanted: str  # the server's action before any downgrade
    missing: tuple[str, ...]  # permissions known to be missing for ``wanted``
    title: str | None  # the spoiled episode's title (None: reported, no rule matched)


@dataclass(slots=True)
class Outcome:
    """What actually happened (``act``), written once to the mod log (``record``)."""

    action: str  # what was carried out: "nudge", "repost", "flag", or "none" (the message is still up)
    sentences: list[tuple[str, dict[str, object]]] = field(default_factory=list)  # (template, values)
    lost: str | None = None  # a permission the act found missing (a 403)
    worked: set[str] = field(default_factory=set)  # permissions the act used successfully
    removed: bool = False

    def say(self, template: str, **values: object) -> None:
        """Add one outcome sentence (a catalogue template and its values)."""
        self.sentences.append((template, values))

    @property
    def summary(self) -> str:
        """What happened, in the current language: the server's for the mod log, a reporting
        moderator's own for their answer."""
        return " ".join(
            _(
                template, **{k: _(v) if isinstance(v, str) and v else v for k, v in values.items()}
            )  # a permission's name
            for template, values in self.sentences
        )

    @property
    def logged(self) -> str:
        """What happened, in English: for the host's log."""
        return " ".join(template.format(**values) for template, values in self.sentences)


@dataclass(slots=True)
class _Removal:
    removed: bool
    gone: bool = False  # someone else deleted it first
    failures: int = 0
    status: int | None = None  # Discord's answer to the last failed try
    error: str | None = None  # or the connection error it met
    permission: str | None = None

    @property
    def problem(self) -> str:
        """What the last failed try met, for a person: "Discord answered 503" or the connection error."""
        if self.status is not None:
            return _(PROBLEM_STATUS, status=self.status)
        return _(PROBLEM_CONNECTION, error=self.error or "?")


class SpoilerActions:
    def __init__(self, bot: Clematis, cache: SpoilerCache) -> None:
        self.bot = bot
        self.cache = cache
        self.reposter = Reposter(bot)
        self._warning: set[tuple[int, str]] = set()
        self._recent_flags: OrderedDict[tuple[int, str | None], None] = OrderedDict()

    # --- entry point -------------------------------------------------------------------------------

    async def handle(self, incident: Incident, state: GuildState) -> Outcome:
        """Carry out the server's action on ``incident``: decide, write the intent, act, record."""
        # The mod log and the notice are public: everything below speaks the server's language.
        with use_locale(await server_locale(self.bot.db, incident.message.guild)):
            plan = self.decide(incident, state)
            if plan is None:
                return Outcome("flag")  # an edit that keeps the same flagged spoiler is not news
            return await self._handle(incident, plan, state)

    async def _handle(self, incident: Incident, plan: Plan, state: GuildState) -> Outcome:
        guild_id = state.config.guild_id
        embed = self._embed(incident)
        if plan.action == "flag":  # nothing to act on: the entry is the outcome
            outcome = Outcome("flag", [(FLAGGED, {})])
            await write_modlog(self.bot, guild_id, self._entry(incident, plan, outcome.summary), embed=embed)
            await self._record_permissions(incident, plan, outcome, state)
            return outcome
        intent = INTENT_REPOST if plan.action == "repost" else INTENT_NUDGE
        entry = await write_modlog(self.bot, guild_id, self._entry(incident, plan, _(intent)), embed=embed)
        outcome = Outcome("none")
        try:
            await self._act(incident, plan, outcome)
        except Exception as exc:  # the entry must not stay an intent: say how far it got
            if self.bot.is_closed():  # shutting down: the HTTP session went away mid-action
                log.info("shutting down: the spoiler action on message %s was cut short", incident.message.id)
                raise
            log.exception("acting on spoiler %s failed", incident.message.id)
            outcome.say(SAY_CRASHED, error=type(exc).__name__)
        await self._record_permissions(incident, plan, outcome, state)
        text = self._entry(incident, plan, outcome.summary, failed=not outcome.removed)
        if entry is not None:
            await edit_modlog(self.bot, guild_id, entry, text)
        else:  # the intent could not be posted (or there is no mod log): the outcome still gets its try
            await write_modlog(self.bot, guild_id, text, embed=embed)
        if not outcome.removed:
            log.warning("spoiler %s in guild %s: %s", incident.message.id, guild_id, outcome.logged)
        return outcome

    # --- decide -----------------------------------------------------------------------------------

    def decide(self, incident: Incident, state: GuildState) -> Plan | None:
        """What to do, from memory: None when there is nothing new to say (a repeated edit)."""
        message = incident.message
        wanted = state.config.action
        action, missing = effective_action(wanted, self._permissions(message.channel))
        if action == "flag":
            key = (message.id, incident.detection.episode if incident.detection else None)
            if key in self._recent_flags and incident.trigger == "edit":
                return None
            self._remember_flag(key)
        if action == "repost" and not message.content and not message.attachments:
            action = "nudge"
        return Plan(action, wanted, tuple(missing), self._episode_title(incident.detection))

    def _permissions(self, channel: discord.abc.MessageableChannel) -> discord.Permissions:
        guild = getattr(channel, "guild", None)
        me = guild.me if guild is not None else None
        if me is None or not hasattr(channel, "permissions_for"):
            return discord.Permissions.all()  # unknown: try, and learn from a 403
        try:
            return channel.permissions_for(me)
        except discord.ClientException:  # a thread whose parent is not cached
            return discord.Permissions.all()

    def _remember_flag(self, key: tuple[int, str | None]) -> None:
        self._recent_flags[key] = None
        while len(self._recent_flags) > 2000:
            self._recent_flags.popitem(last=False)

    def _episode_title(self, detection: Detection | None) -> str | None:
        if detection is None:
            return None
        pack = self.bot.canon.pack
        return (
            local_name(pack, pack.episode(detection.episode))
            if pack.has_episode(detection.episode)
            else detection.episode
        )

    def _entry(self, incident: Incident, plan: Plan, outcome: str, *, failed: bool = False) -> str:
        message = incident.message
        values = {
            "icon": "🚩" if plan.action == "flag" else ("⚠️" if failed else "🧹"),
            "author": message.author.mention,
            "channel": getattr(message.channel, "mention", f"<#{message.channel.id}>"),
            "edited": _(EDITED_MARK) if incident.trigger == "edit" else "",
            "reported": (
                _(REPORTED_MARK, reporter=incident.reporter.mention) if incident.reporter is not None else ""
            ),
            "url": message.jump_url,
            "outcome": outcome,
        }
        if plan.title is None:
            return _(ENTRY_REPORTED, **values)
        return _(ENTRY_SPOILER, episode=discord.utils.escape_markdown(plan.title), **values)

    def _embed(self, incident: Incident) -> discord.Embed:
        message = incident.message
        text = message.content or _("*(no text)*")
        body = f"||{escape_spoiler(text[:1500])}||" + (" …" if len(text) > 1500 else "")
        embed = discord.Embed(description=body, timestamp=message.created_at)
        embed.set_author(name=f"{message.author} ({message.author.id})")
        detection = incident.detection
        if detection is not None:
            rule = (
                _("canon pack")
                if detection.source == "canon"
                else _("server rule ({rule})", rule=detection.source)
            )
            embed.add_field(
                name=_("Matched"), value=f"||{escape_spoiler(detection.phrase)}|| · {rule}", inline=False
            )
        if message.attachments:
            embed.add_field(
                name=_("Attachments"),
                value=", ".join(discord.utils.escape_markdown(a.filename) for a in message.attachments)[
                    :1000
                ],
                inline=False,
            )
        return embed

    # --- act --------------------------------------------------------------------------------------

    async def _act(self, incident: Incident, plan: Plan, outcome: Outcome) -> None:
        """Carry out ``plan``, writing into ``outcome`` what happened, step by step."""
        hook: discord.Webhook | None = None
        if plan.action == "repost":
            hook, reason = await self.reposter.webhook(incident.message.channel)
            if hook is None:
                if reason is not None:
                    outcome.say(SAY_NO_WEBHOOK, reason=reason)
                    if self.reposter.refused(incident.message.channel):
                        outcome.lost = "manage_webhooks"
            else:
                outcome.worked.add("manage_webhooks")
        copy_error = await self._keep_copy(incident)
        files: list[tuple[str, bytes]] = []
        skipped: list[str] = []
        if hook is not None:
            files, skipped = await self.reposter.read_attachments(incident.message)
        removal = await self._delete(incident.message)
        if not removal.removed:
            self._say_not_removed(outcome, removal)
            return
        outcome.removed = True
        outcome.worked.add("manage_messages")
        if removal.gone:
            outcome.say(SAY_GONE_AFTER_RETRIES, problem=removal.problem)
        elif removal.failures:
            outcome.say(SAY_REMOVED_AFTER_RETRIES, problem=removal.problem)
        else:
            outcome.say(SAY_REMOVED)
        if copy_error is not None:
            outcome.say(SAY_NO_COPY, error=copy_error)
        repost_failure = None
        if hook is not None:
            footer = _(
                REPOST_FOOTER,
                bot=self.bot.user.display_name if self.bot.user else "Clematis",
                spoils=_(SPOILS_MARK, episode=discord.utils.escape_markdown(plan.title))
                if plan.title
                else "",
                skipped=(
                    _n(
                        " · {n} attachment too large to repost",
                        " · {n} attachments too large to repost",
                        len(skipped),
                    )
                    if skipped
                    else ""
                ),
            )
            repost_failure = await self.reposter.post(incident.message, hook, files, footer)
            if repost_failure is None:
                outcome.action = "repost"
                outcome.say(SAY_REPOSTED)
                return
            outcome.say(SAY_REPOST_FAILED, reason=repost_failure)
        outcome.action = "nudge"
        await self._notify_author(
            incident, plan, outcome, copy_kept=copy_error is None, repost_failure=repost_failure
        )

    async def _keep_copy(self, incident: Incident) -> str | None:
        """Save the text for the author's "get it back" button. The error text when the database refused."""
        message = incident.message
        assert message.guild is not None
        try:
            await save_copy(
                self.bot.db,
                RemovedCopy(
                    message.id,
                    message.guild.id,
                    message.channel.id,
                    message.author.id,
                    incident.detection.episode if incident.detection else None,
                    message.content,
                ),
                now=datetime.now(UTC),
            )
        except StorageError as exc:
            log.error("could not keep a copy of removed message %s: %s", message.id, exc)
            return str(exc)
        return None

    async def _delete(self, message: discord.Message) -> _Removal:
        """Delete ``message``, retrying a 5xx or a lost connection with backoff (discord.py retries some
        5xx itself, never a 503), boundedly."""
        removal = _Removal(False)
        delay = DELETE_BACKOFF_SECONDS
        for attempt in range(1, DELETE_ATTEMPTS + 1):
            try:
                await message.delete()
            except discord.NotFound:
                # After a failed try, Discord may have deleted it anyway: then it is our removal.
                removal.removed = removal.failures > 0
                removal.gone = True
                return removal
            except discord.Forbidden as exc:
                removal.status, removal.permission = 403, forbidden_permission(exc, "manage_messages")
                return removal
            except discord.HTTPException as exc:
                removal.failures, removal.status, removal.error = attempt, exc.status, None
                if exc.status < 500:
                    return removal
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                removal.failures, removal.status, removal.error = attempt, None, type(exc).__name__
            else:
                removal.removed = True
                return removal
            log.warning("deleting spoiler %s failed (attempt %d of %d)", message.id, attempt, DELETE_ATTEMPTS)
            if attempt < DELETE_ATTEMPTS:
                await asyncio.sleep(delay)
                delay *= 2
        return removal

    @staticmethod
    def _say_not_removed(outcome: Outcome, removal: _Removal) -> None:
        if removal.gone:
            outcome.say(SAY_ALREADY_GONE)
        elif removal.permission is not None:
            outcome.lost = removal.permission
            outcome.say(SAY_DELETE_FORBIDDEN, permission=PERMISSION_NAMES[removal.permission])
        else:
            outcome.say(SAY_DELETE_FAILED, problem=removal.problem, attempts=removal.failures)

    async def _notify_author(
        self, incident: Incident, plan: Plan, outcome: Outcome, *, copy_kept: bool, repost_failure: str | None
    ) -> None:
        message = incident.message
        if repost_failure is not None:
            template = NOTICE_REPOST_FAILED if copy_kept else NOTICE_REPOST_FAILED_NO_COPY
        else:
            template = NOTICE_REMOVED if copy_kept else NOTICE_REMOVED_NO_COPY
        from bot.guard.views import copy_button_view

        # Posted in the channel for everyone to see: the server's language.
        with use_locale(await server_locale(self.bot.db, message.guild)):
            why = (
                _(WHY_EPISODE, episode=discord.utils.escape_markdown(plan.title))
                if plan.title
                else _(WHY_REPORTED)
            )
            edited = _(EDITED_WORD) if incident.trigger == "edit" else ""
            text = _(template, author=message.author.mention, edited=edited, why=why)
            view = copy_button_view(message.id) if copy_kept else discord.utils.MISSING
        try:
            await message.channel.send(
                text,
                view=view,
                allowed_mentions=discord.AllowedMentions(users=[message.author], everyone=False, roles=False),
                delete_after=NOTICE_SECONDS,
            )
        except discord.HTTPException as exc:
            log.warning("could not post a spoiler notice in channel %s: %s", message.channel.id, exc)
            outcome.say(SAY_NOTICE_FAILED, reason=http_reason(exc))
            return
        except (aiohttp.ClientError, OSError) as exc:  # the connection dropped: the author was not told
            log.warning("could not post a spoiler notice in channel %s: %s", message.channel.id, exc)
            outcome.say(SAY_NOTICE_FAILED, reason=_(PROBLEM_CONNECTION, error=type(exc).__name__))
            return
        outcome.say(SAY_TOLD_AUTHOR if copy_kept else SAY_TOLD_AUTHOR_NO_COPY)

    # --- record -----------------------------------------------------------------------------------

    async def _record_permissions(
        self, incident: Incident, plan: Plan, outcome: Outcome, state: GuildState
    ) -> None:
        """Permission bookkeeping, once: warn the mod log about a missing permission (once per server),
        and forget a warning when the permission worked again; then reload the server's state if needed."""
        guild_id = state.config.guild_id
        warnings = [
            (permission, PERMISSION_WARNING.get(plan.wanted, PERMISSION_WARNING["nudge"]))
            for permission in plan.missing
        ]
        if outcome.lost is not None and outcome.lost not in plan.missing:  # my role seemed to have it
            warnings.append(
                (
                    outcome.lost,
                    PERMISSION_REFUSED_WARNING.get(plan.wanted, PERMISSION_REFUSED_WARNING["nudge"]),
                )
            )
        changed = False
        for permission, template in warnings:
            changed |= await self._warn_missing(
                guild_id, incident.message.channel, permission, plan.wanted, state, template
            )
        for permission in outcome.worked & state.config.warned_permissions:
            try:
                await clear_permission_warned(self.bot.db, guild_id, permission)
            except StorageError as exc:
                log.error("could not forget the permission warning for guild %s: %s", guild_id, exc)
                continue
            changed = True
        if changed:
            await self.cache.reload(guild_id)

    async def _warn_missing(
        self,
        guild_id: int,
        channel: discord.abc.MessageableChannel,
        permission: str,
        wanted: str,
        state: GuildState,
        template: str,
    ) -> bool:
        """Tell the mod log once. Until it has been told (no mod log yet), every spoiler tries again.
        True when the warning was posted and remembered."""
        key = (guild_id, permission)
        if permission in state.config.warned_permissions or key in self._warning:
            return False
        self._warning.add(key)  # two spoilers at once must not both warn
        try:
            posted = await write_modlog(
                self.bot,
                guild_id,
                _(
                    template,
                    channel=getattr(channel, "mention", f"<#{getattr(channel, 'id', 0)}>"),
                    permission=_(PERMISSION_NAMES[permission]),
                ),
            )
            if posted is None:
                return False
            try:
                await mark_permission_warned(self.bot.db, guild_id, permission)
            except StorageError as exc:  # said, but not remembered: it may be said again after a restart
                log.error("could not remember the permission warning for guild %s: %s", guild_id, exc)
                return False
            return True
        finally:
            self._warning.discard(key)
