"""Content warnings: the one card every surface draws, and the settings and preferences behind it.

Other features use exactly this::

    ctx = await load_card_context(bot.db, guild_id)            # public: topics stay behind tags
    ctx = await load_card_context(bot.db, guild_id, user_id)   # that member's ephemeral answer or DM
    add_card(embed, bot.canon.pack, ["r5", "top3"], ctx)        # or card_embed(...) for a whole embed
    await dm_member(bot, user_id, embed=...)                    # respects closed DMs
"""

from __future__ import annotations

from bot.content_warnings.card import (
    DEFAULT_SUPPORT,
    PUBLIC_CONTEXT,
    CardContext,
    add_card,
    card_embed,
    render_card,
)
from bot.content_warnings.preferences import plain_topics
from bot.content_warnings.server import forget_card_settings, server_card_settings
from bot.db import Database
from bot.dm import dm_member, wants_party_dms


async def load_card_context(db: Database, guild_id: int | None, user_id: int | None = None) -> CardContext:
    """The server's notes and support message; with ``user_id``, that member's spelled-out topics.

    Pass ``user_id`` only for answers nobody else sees (ephemeral replies, DMs).
    """
    notes, support = await server_card_settings(db, guild_id) if guild_id is not None else ({}, None)
    plain = await plain_topics(db, user_id) if user_id is not None else frozenset()
    return CardContext(guild_notes=notes, support_message=support, plain_topics=plain)


__all__ = [
    "DEFAULT_SUPPORT",
    "PUBLIC_CONTEXT",
    "CardContext",
    "add_card",
    "card_embed",
    "dm_member",
    "forget_card_settings",
    "server_card_settings",
    "load_card_context",
    "render_card",
    "wants_party_dms",
]
