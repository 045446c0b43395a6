"""Spoiler guard: each server's spoiler state in memory, detection on every message, and the actions.

For other features: after changing something the guard reads for a server (for example after
inserting a ``discussion_threads`` row), call ``invalidate_guild(bot, guild_id)`` or dispatch
``bot.dispatch("spoiler_state_changed", guild_id)``; both reload that server's state. Before
publishing text a member typed (titles, notes, anything echoed), ask
``bot.guard.published.check_published`` whether it is safe where it will appear, and show it the way it
says (refused, spoiler-tagged, or a neutral text where tags don't render).
"""

from bot.guard.cache import SPOILER_STATE_CHANGED, SpoilerCache, invalidate_guild, spoiler_cache
from bot.guard.config import ACTIONS, GuildConfig
from bot.guard.state import Detection, GuildState

__all__ = [
    "ACTIONS",
    "SPOILER_STATE_CHANGED",
    "Detection",
    "GuildConfig",
    "GuildState",
    "SpoilerCache",
    "invalidate_guild",
    "spoiler_cache",
]
