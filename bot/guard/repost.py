"""A spoiler repost: the author's words inside spoiler tags, split to fit Discord's limits, posted under
their name through the channel's webhook."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

import discord

from bot.i18n import N_, _
from bot.spoilers import escape_spoiler

if TYPE_CHECKING:
    from bot.client import Clematis

MESSAGE_LIMIT = 2000
WEBHOOK_NAME_LIMIT = 80
_FORBIDDEN_IN_NAMES = re.compile(r"discord|clyde", re.IGNORECASE)
WEBHOOK_FORBIDDEN = N_("{answer}: missing the **Manage Webhooks** permission")


def webhook_username(display_name: str) -> str:
    """A name Discord accepts for a webhook message: 1-80 characters, no "discord" or "clyde"."""
    name = _FORBIDDEN_IN_NAMES.sub(lambda m: m.group()[0] + "\u200b" + m.group()[1:], display_name)
    name = " ".join(name.split())[:WEBHOOK_NAME_LIMIT].strip()
    return name or "Member"


def tag(text: str) -> str:
    return f"||{escape_spoiler(text)}||"


def _pieces(text: str, room: int) -> list[str]:
    """Split ``text`` at whitespace into pieces whose tagged form fits in ``room`` characters."""
    pieces: list[str] = []
    current = ""
    for token in re.split(r"(\s+)", text):
        if not token:
            continue
        candidate = current + token
        if len(tag(candidate)) <= room:
            current = candidate
            continue
        if current.strip():
            pieces.append(current)
        current = token.lstrip() if token.isspace() else token
        while len(tag(current)) > room:  # one word longer than a message: cut it
            cut = len(current)
            while len(tag(current[:cut])) > room:
                cut = cut * 3 // 4
            pieces.append(current[:cut])
            current = current[cut:]
    if current.strip():
        pieces.append(current)
    return pieces


def repost_messages(
    content: str, *, reply_url: str | None, footer: str, limit: int = MESSAGE_LIMIT
) -> list[str]:
    """The messages of a repost: an optional "replying to" link, the tagged text (in as many messages as
    it needs), and a footer line, each message at most ``limit`` characters."""
    header = _("↪ Replying to {url}", url=reply_url) + "\n" if reply_url else ""
    footer_line = f"\n-# {footer}" if footer else ""
    room = limit - len(header) - len(footer_line)
    messages = [tag(p.strip()) for p in _pieces(content.strip(), room)] if content.strip() else []
    if not messages:
        return [(header + footer_line.lstrip("\n")).strip()]
    messages[0] = header + messages[0]
    messages[-1] += footer_line
    return messages


def http_reason(exc: discord.HTTPException) -> str:
    """What Discord answered, for a person: "HTTP 503" (plus Discord's error code when it sent one)."""
    if exc.code:
        return _("HTTP {status}, error code {code}", status=exc.status, code=exc.code)
    return f"HTTP {exc.status}"


class Reposter:
    """Reposts messages under their authors' names through one webhook per channel (kept, and made
    again when someone deletes it)."""

    def __init__(self, bot: Clematis) -> None:
        self.bot = bot
        self._webhooks: dict[int, discord.Webhook] = {}
        self._refused: set[int] = set()  # channels where Discord refused a webhook (403) at the last try

    async def read_attachments(self, message: discord.Message) -> tuple[list[tuple[str, bytes]], list[str]]:
        limit = message.guild.filesize_limit if message.guild is not None else 10 * 1024 * 1024
        files: list[tuple[str, bytes]] = []
        skipped: list[str] = []
        for attachment in message.attachments:
            if attachment.size > limit:
                skipped.append(attachment.filename)
                continue
            try:
                files.append((attachment.filename, await attachment.read()))
            except discord.HTTPException:
                skipped.append(attachment.filename)
        return files, skipped

    async def webhook(
        self, channel: discord.abc.MessageableChannel
    ) -> tuple[discord.Webhook | None, str | None]:
        """The channel's repost webhook; else None and why (None: this kind of channel has none)."""
        self._refused.discard(channel.id)
        try:
            return await self._webhook_for(channel), None
        except discord.Forbidden as exc:
            self._refused.add(channel.id)
            return None, _(WEBHOOK_FORBIDDEN, answer=http_reason(exc))
        except discord.HTTPException as exc:
            return None, http_reason(exc)

    def refused(self, channel: discord.abc.MessageableChannel) -> bool:
        """Did Discord refuse (403) the last webhook asked for in ``channel``?"""
        return channel.id in self._refused

    async def _webhook_for(self, channel: discord.abc.MessageableChannel) -> discord.Webhook | None:
        target: object = channel
        if isinstance(channel, discord.Thread):
            target = channel.parent or self.bot.get_channel(channel.parent_id)
            if target is None:
                target = await self.bot.fetch_channel(channel.parent_id)
        if not isinstance(target, discord.TextChannel | discord.ForumChannel | discord.VoiceChannel):
            return None
        hook = self._webhooks.get(target.id)
        if hook is not None:
            return hook
        me = self.bot.user
        assert me is not None
        name = webhook_username(me.display_name)
        for existing in await target.webhooks():
            if (
                existing.user is not None
                and existing.user.id == me.id
                and existing.token
                and existing.name == name
            ):
                hook = existing
                break
        else:
            hook = await target.create_webhook(name=name, reason="Reposting spoilers with spoiler tags")
        self._webhooks[target.id] = hook
        return hook

    async def post(
        self, message: discord.Message, hook: discord.Webhook, files: list[tuple[str, bytes]], footer: str
    ) -> str | None:
        """Post the tagged copy of ``message`` (and ``files``) through ``hook``. None when every part went
        out, else why not."""
        reference = message.reference
        reply_url = reference.jump_url if reference is not None and reference.message_id else None
        texts = repost_messages(message.content, reply_url=reply_url, footer=footer)
        author = message.author
        thread = message.channel if isinstance(message.channel, discord.Thread) else discord.utils.MISSING
        for i, text in enumerate(texts):
            for attempt in (1, 2):
                uploads = [
                    discord.File(io.BytesIO(data), filename=name, spoiler=True)
                    for name, data in files
                    if i == 0
                ]
                try:
                    await hook.send(
                        text,
                        username=webhook_username(author.display_name),
                        avatar_url=author.display_avatar.url,
                        files=uploads,
                        allowed_mentions=discord.AllowedMentions.none(),
                        thread=thread,
                    )
                    break
                except discord.NotFound:  # someone deleted the webhook: make a new one and try again
                    self._webhooks.pop(hook.channel_id or 0, None)
                    new_hook, reason = await self.webhook(message.channel) if attempt == 1 else (None, None)
                    if new_hook is None:
                        return reason or _("the webhook was deleted")
                    hook = new_hook
                except discord.HTTPException as exc:
                    return http_reason(exc)
        return None
