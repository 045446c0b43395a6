"""bot.horizon: personal, place and public horizons from the database, against the real pack."""

from datetime import date

from bot.canon.horizon import Horizon, horizon_through
from bot.canon.model import CanonPack
from bot.db import Database
from bot.horizon import full_horizon, meet, viewer_horizon

GUILD, GENERAL, SPOILERS, THREAD, USER = 1, 10, 11, 12, 100
TODAY = date(2026, 11, 21)


async def ask(db: Database, pack: CanonPack, channel: int = GENERAL, user: int = USER):
    return await viewer_horizon(db, pack, user_id=user, guild_id=GUILD, channel_id=channel, today=TODAY)


async def test_nothing_is_public_by_default(db: Database, pack: CanonPack) -> None:
    seen = await ask(db, pack)
    assert not seen.has_progress
    assert not seen.public.allows(pack, "r1")
    assert not seen.personal.allows(pack, "r1")


async def test_progress_is_personal_but_public_answers_stay_within_the_place(
    db: Database, pack: CanonPack
) -> None:
    await db.execute(
        "INSERT INTO member_progress (user_id, track, episode_id) VALUES (?, 'main', 'r6')", (USER,)
    )
    seen = await ask(db, pack)
    assert seen.personal.allows(pack, "r6") and not seen.personal.allows(pack, "all-in")
    assert not seen.public.allows(pack, "r1")  # #general is not a spoiler place


async def test_spoiler_channel_allows_everything_up_to_the_viewer(db: Database, pack: CanonPack) -> None:
    await db.execute("INSERT INTO spoiler_channels (guild_id, channel_id) VALUES (?, ?)", (GUILD, SPOILERS))
    await db.execute(
        "INSERT INTO member_progress (user_id, track, episode_id) VALUES (?, 'main', 'r5')", (USER,)
    )
    seen = await ask(db, pack, SPOILERS)
    assert seen.place == full_horizon(pack)
    assert seen.public.allows(pack, "r5") and not seen.public.allows(pack, "r6")


async def test_discussion_thread_allows_its_episode(db: Database, pack: CanonPack) -> None:
    await db.execute(
        "INSERT INTO discussion_threads (guild_id, episode_id, channel_id, thread_id) VALUES (?, 'r5', ?, ?)",
        (GUILD, GENERAL, THREAD),
    )
    seen = await ask(db, pack, THREAD)
    assert seen.place.allows(pack, "r5") and not seen.place.allows(pack, "top3")


async def test_a_discussion_threads_episode_wins_over_its_spoiler_channel_parent(
    db: Database, pack: CanonPack
) -> None:
    await db.execute("INSERT INTO spoiler_channels (guild_id, channel_id) VALUES (?, ?)", (GUILD, SPOILERS))
    await db.execute(
        "INSERT INTO discussion_threads (guild_id, episode_id, channel_id, thread_id) VALUES (?, 'r5', ?, ?)",
        (GUILD, SPOILERS, THREAD),
    )
    seen = await viewer_horizon(
        db, pack, user_id=USER, guild_id=GUILD, channel_id=THREAD, parent_id=SPOILERS, today=TODAY
    )
    assert seen.place.allows(pack, "r5") and not seen.place.allows(pack, "r6")
    other = await viewer_horizon(
        db, pack, user_id=USER, guild_id=GUILD, channel_id=THREAD + 1, parent_id=SPOILERS, today=TODAY
    )
    assert other.place == full_horizon(pack)  # any other thread of the spoiler channel: everything


async def test_release_window_advances_the_public_horizon(db: Database, pack: CanonPack) -> None:
    await db.execute(
        "INSERT INTO guild_spoiler_settings (guild_id, release_window_days) VALUES (?, 30)", (GUILD,)
    )
    seen = await ask(db, pack)
    assert seen.server_public.allows(pack, "r1")  # released 2022-09-07, long before the window
    assert seen.server_public.allows(pack, "r2")  # undated, but released before the dated ROUND 3
    assert seen.server_public.allows(pack, "wiege")  # undated, but released before the dated KARMA
    assert not seen.server_public.allows(pack, "scars")  # undated comics never move on their own
    assert not seen.server_public.allows(pack, "zs-r1")  # the AU track has no dated release this old


async def test_moderator_horizon_and_unknown_ids_are_tolerated(db: Database, pack: CanonPack) -> None:
    await db.execute(
        "INSERT INTO guild_horizons (guild_id, track, episode_id) VALUES (?, 'main', 'r3')", (GUILD,)
    )
    await db.execute(
        "INSERT INTO member_progress (user_id, track, episode_id) VALUES (?, 'main', 'gone')", (USER,)
    )
    seen = await ask(db, pack)
    assert seen.server_public.allows(pack, "r3") and not seen.server_public.allows(pack, "r5")
    assert seen.public.allows(pack, "r3")


def test_meet_is_the_per_track_minimum(pack: CanonPack) -> None:
    a = horizon_through(pack, "r6")
    b = horizon_through(pack, "r3").merge(horizon_through(pack, "zs-r1"))
    assert meet(a, b) == horizon_through(pack, "r3")
    assert meet(a, Horizon()) == Horizon()
