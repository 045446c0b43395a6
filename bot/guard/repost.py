"""Text of a spoiler repost: the author's words inside spoiler tags, split to fit Discord's limits."""

from __future__ import annotations

import re

from bot.spoilers import escape_spoiler

MESSAGE_LIMIT = 2000
WEBHOOK_NAME_LIMIT = 80
_FORBIDDEN_IN_NAMES = re.compile(r"discord|clyde", re.IGNORECASE)


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
    header = f"↪ Replying to {reply_url}\n" if reply_url else ""
    footer_line = f"\n-# {footer}" if footer else ""
    room = limit - len(header) - len(footer_line)
    messages = [tag(p.strip()) for p in _pieces(content.strip(), room)] if content.strip() else []
    if not messages:
        return [(header + footer_line.lstrip("\n")).strip()]
    messages[0] = header + messages[0]
    messages[-1] += footer_line
    return messages
