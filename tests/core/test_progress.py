"""Member progress: set, advance, clear; requirements never move another track backwards."""

from bot.canon.model import CanonPack
from bot.db import Database
from bot.horizon import member_progress
from bot.progress import advance_progress, clear_progress, set_progress

USER = 7


async def test_set_progress_then_read_it_back(db: Database, pack: CanonPack) -> None:
    await set_progress(db, pack, USER, "r5")
    seen = await member_progress(db, pack, USER)
    assert seen is not None and seen.allows(pack, "r5") and not seen.allows(pack, "top3")


async def test_own_track_may_move_back_but_required_tracks_only_forward(
    db: Database, pack: CanonPack
) -> None:
    await set_progress(db, pack, USER, "final")
    horizon = await set_progress(db, pack, USER, "scars")  # requires ROUND 6, which is before FINAL
    assert horizon.allows(pack, "final") and horizon.allows(pack, "scars")
    horizon = await set_progress(db, pack, USER, "r3")  # a correction on the main track
    assert horizon.allows(pack, "r3") and not horizon.allows(pack, "r5")
    assert horizon.allows(pack, "scars") is False  # scars needs ROUND 6 again


async def test_advance_never_moves_backwards(db: Database, pack: CanonPack) -> None:
    assert await advance_progress(db, pack, USER, "r6") is True
    assert await advance_progress(db, pack, USER, "r1") is False
    seen = await member_progress(db, pack, USER)
    assert seen is not None and seen.allows(pack, "r6")


async def test_clear_forgets_everything(db: Database, pack: CanonPack) -> None:
    await set_progress(db, pack, USER, "zs-r1")
    assert await clear_progress(db, USER) == 1
    assert await member_progress(db, pack, USER) is None
