"""A database that cannot take a write (disk full) does not stop the guard, and nothing is misreported.

What this exercises: SQLite's own "database or disk is full" (SQLITE_FULL), raised by the bot's live
connection on the real write that keeps a removed message's copy. The bot runs in this process so the
test can cap that very connection with ``PRAGMA max_page_count`` at the pages the file already has:
SQLite then refuses any write that needs a new page exactly as it does when the disk has no room left.
The message is long enough (6,000 bytes) to need new overflow pages, and the free list is emptied first
(``VACUUM``), so the copy's write must fail; the test checks that it did (no row was kept).
"""

from __future__ import annotations

from tests.emulator import Emulator
from tests.guard.conftest import run, wait_deleted
from tests.guard.inprocess import GuardOnly, inprocess_bot, inprocess_emulator  # noqa: F401 - fixtures


async def _fill_the_disk(live: GuardOnly) -> None:
    await live.db.execute("VACUUM")
    assert await live.db.fetchval("PRAGMA freelist_count") == 0
    pages = await live.db.fetchval("PRAGMA page_count")
    assert await live.db.fetchval(f"PRAGMA max_page_count = {int(pages)}") == pages


async def test_with_the_disk_full_the_spoiler_is_still_removed_and_nothing_claims_a_copy(
    emulator: Emulator, live: GuardOnly
) -> None:
    guild = emulator.guild
    mod = emulator.moderator(guild)
    await run(mod, "spoilers modlog", channel=guild.channel("mod-log"))
    mina = emulator.member(guild, "Mina")
    general = guild.channel("general")
    await _fill_the_disk(live)
    text = "이반 죽었어 " + "흑" * 1990  # ROUND 6, in Korean; 3 bytes a syllable
    spoiler = await mina.say(general, text)
    await wait_deleted(emulator, spoiler, "the spoiler to be removed although its copy can't be kept")

    notice = await emulator.wait_for_message(general, lambda m: mina.mention in m.content)
    assert "ROUND 6" in notice.text and "could not keep a copy" in notice.text
    assert notice.buttons == []  # no "get my message back" button that could only fail
    line = await emulator.wait_for_message(
        guild.channel("mod-log"), lambda m: spoiler.jump_url in m.text and "⏳" not in m.text
    )
    assert "I removed it." in line.text
    assert "No copy of the message could be kept" in line.text and "full" in line.text
    assert "told the author, and that no copy of their message could be kept" in line.text
    assert "offered them a tagged copy" not in line.text
    # The write really failed: nothing was kept.
    assert (
        await live.db.fetchval("SELECT COUNT(*) FROM spoiler_copies WHERE notice_id = ?", (spoiler.id,)) == 0
    )

    # Room again: the next spoiler keeps its copy and offers it.
    await live.db.fetchval("PRAGMA max_page_count = 1073741823")
    again = await mina.say(general, "ivan dies")
    await wait_deleted(emulator, again)
    offered = await emulator.wait_for_message(general, lambda m: mina.mention in m.content)
    assert [b["label"] for b in offered.buttons] == ["Get my message back"]
