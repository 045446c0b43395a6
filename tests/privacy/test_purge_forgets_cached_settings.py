"""The content-warning settings a lookup reads are kept in memory after the first read; deleting a
removed server's data must take that copy with it, or the server added back would still see its deleted
notes and support message. Real SQLite, the purge the due-work handler runs."""

from __future__ import annotations

from bot.content_warnings import server_card_settings
from bot.content_warnings.server import set_episode_note, set_support_message
from bot.db import Database
from bot.privacy.store import purge_guild

GUILD = 1 << 22


async def test_a_purged_server_added_back_sees_no_stale_notes_or_support_message(db: Database) -> None:
    await set_episode_note(db, GUILD, "r1", "Hard scene at the end.", set_by=5)
    await set_support_message(db, GUILD, "Talk to the moderators in #support.")
    notes, support = await server_card_settings(db, GUILD)  # read once: now held in memory
    assert dict(notes) == {"r1": "Hard scene at the end."}
    assert support == "Talk to the moderators in #support."

    removed = await purge_guild(db, GUILD)
    assert removed.get("cw_episode_notes") == 1

    notes, support = await server_card_settings(db, GUILD)
    assert dict(notes) == {}
    assert support is None
    assert await db.fetchval("SELECT count(*) FROM cw_episode_notes WHERE guild_id = ?", (GUILD,)) == 0
