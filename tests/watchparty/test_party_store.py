"""Party storage: create with due work, weekly series across clock changes, edit, cancel, zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.canon.loader import load_pack
from bot.canon.model import CanonPack
from bot.db import Database
from bot.watchparty.episodes import EpisodeError, episode_run, weekly_episodes
from bot.watchparty.parties import (
    PartyChanges,
    PartyDraft,
    cancel_party,
    create_party,
    create_series,
    edit_party,
    gap_shift,
    get_party,
    get_series,
    planning_zone,
    set_guild_default_zone,
    set_member_zone,
    upcoming_parties,
)
from bot.watchparty.series import weekly_occurrences
from tests.database import database_for

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def pack() -> CanonPack:
    return load_pack()


@pytest.fixture
async def db(tmp_path: Path):
    async with Database(database_for(tmp_path / "parties.sqlite3")) as database:
        await database.migrate()
        yield database


def draft(starts_at: datetime, **extra: object) -> PartyDraft:
    fields: dict = dict(
        guild_id=10,
        channel_id=20,
        host_id=1,
        title="Rewatch",
        episodes=("r1", "r2"),
        starts_at=starts_at,
        zone="Europe/Berlin",
    )
    fields.update(extra)
    return PartyDraft(**fields)


async def pending_work(db: Database, party_id: int) -> list[tuple[str, str]]:
    rows = await db.fetchall(
        "SELECT kind, due_at FROM due_work WHERE party_id = ? AND status = 'pending' ORDER BY due_at",
        (party_id,),
    )
    return [(r[0], r[1]) for r in rows]


async def test_a_new_party_is_stored_in_utc_with_its_zone_and_planned_work(db: Database) -> None:
    start = datetime(2026, 12, 5, 19, 0, tzinfo=UTC)
    pid = await create_party(db, draft(start), now=NOW)
    party = await get_party(db, pid)
    assert party is not None
    assert party.starts_at == start and party.zone == "Europe/Berlin" and party.episodes == ("r1", "r2")
    assert (
        await db.fetchval("SELECT starts_at FROM watch_parties WHERE id = ?", (pid,))
        == "2026-12-05T19:00:00Z"
    )
    assert [kind for kind, _ in await pending_work(db, pid)] == ["reminder", "reminder", "start", "followup"]


async def test_moving_a_party_replans_and_bumps_the_sequence(db: Database) -> None:
    pid = await create_party(db, draft(NOW + timedelta(days=3)), now=NOW)
    later = NOW + timedelta(days=4)
    result = await edit_party(db, pid, PartyChanges(starts_at=later, title="New"), now=NOW)
    assert result.moved and result.party.sequence == 1 and result.party.title == "New"
    work = await pending_work(db, pid)
    assert ("start", "2026-12-05T12:00:00Z") in work and len(work) == 4


async def test_an_edit_that_keeps_the_time_keeps_the_plan(db: Database) -> None:
    pid = await create_party(db, draft(NOW + timedelta(days=3)), now=NOW)
    before = await db.fetchall("SELECT id FROM due_work WHERE party_id = ? AND status = 'pending'", (pid,))
    result = await edit_party(db, pid, PartyChanges(note="bring snacks"), now=NOW)
    after = await db.fetchall("SELECT id FROM due_work WHERE party_id = ? AND status = 'pending'", (pid,))
    assert not result.moved and result.party.note == "bring snacks"
    assert [r[0] for r in before] == [r[0] for r in after]
    cleared = await edit_party(db, pid, PartyChanges(note=""), now=NOW)
    assert cleared.party.note is None and cleared.party.sequence == 2


async def test_cancelling_cancels_pending_work_and_refuses_a_second_time(db: Database) -> None:
    pid = await create_party(db, draft(NOW + timedelta(days=3)), now=NOW)
    cancelled = await cancel_party(db, pid)
    assert cancelled.status == "cancelled" and cancelled.sequence == 1
    assert await pending_work(db, pid) == []
    with pytest.raises(ValueError):
        await cancel_party(db, pid)
    with pytest.raises(ValueError):
        await edit_party(db, pid, PartyChanges(title="x"), now=NOW)
    with pytest.raises(LookupError):
        await cancel_party(db, 999)


async def test_upcoming_lists_parties_until_they_end_soonest_first(db: Database) -> None:
    later = await create_party(db, draft(NOW + timedelta(days=2)), now=NOW)
    running = await create_party(db, draft(NOW - timedelta(minutes=30)), now=NOW)
    await create_party(db, draft(NOW - timedelta(hours=2)), now=NOW)  # over
    other_server = await create_party(db, draft(NOW + timedelta(days=1), guild_id=11), now=NOW)
    cancelled = await create_party(db, draft(NOW + timedelta(days=1)), now=NOW)
    await cancel_party(db, cancelled)
    assert [p.id for p in await upcoming_parties(db, 10, now=NOW)] == [running, later]
    listed = await upcoming_parties(db, 10, now=NOW, include_cancelled=True)
    assert [p.id for p in listed] == [running, cancelled, later]
    assert other_server not in [p.id for p in listed]


async def test_a_series_across_a_clock_change_keeps_the_local_wall_time(db: Database) -> None:
    wall = datetime(2027, 3, 20, 20, 0)  # Berlin moves to summer time on 28 March 2027
    occurrences = weekly_occurrences(wall, BERLIN, 3)
    drafts = [draft(o.utc, episodes=(ep,)) for o, ep in zip(occurrences, ("r1", "r2", "r3"), strict=True)]
    series_id, ids = await create_series(
        db, drafts, wall_time=wall, zone="Europe/Berlin", next_episode="sweet-dream", now=NOW
    )
    stored = [await db.fetchval("SELECT starts_at FROM watch_parties WHERE id = ?", (i,)) for i in ids]
    assert stored == ["2027-03-20T19:00:00Z", "2027-03-27T19:00:00Z", "2027-04-03T18:00:00Z"]
    series = await get_series(db, series_id)
    assert series is not None and series.wall_time == wall and series.next_episode == "sweet-dream"
    for pid in ids:
        party = await get_party(db, pid)
        assert party is not None and party.series_id == series_id
        assert party.starts_at.astimezone(BERLIN).strftime("%H:%M") == "20:00"
        assert len(await pending_work(db, pid)) == 4


async def test_a_series_week_in_a_clock_gap_is_flagged(db: Database) -> None:
    wall = datetime(2027, 3, 21, 2, 30)  # a week later, 02:30 does not exist in Berlin
    occurrences = weekly_occurrences(wall, BERLIN, 2)
    drafts = [draft(o.utc) for o in occurrences]
    series_id, ids = await create_series(
        db, drafts, wall_time=wall, zone="Europe/Berlin", next_episode=None, now=NOW
    )
    series = await get_series(db, series_id)
    first, second = [await get_party(db, pid) for pid in ids]
    assert first is not None and second is not None
    assert gap_shift(first, series) is None
    shift = gap_shift(second, series)
    assert (
        shift is not None and shift[0].strftime("%H:%M") == "02:30" and shift[1].strftime("%H:%M") == "03:30"
    )


async def test_the_planning_zone_is_the_members_then_the_servers_then_none(db: Database) -> None:
    assert await planning_zone(db, 1, 10) is None
    await set_guild_default_zone(db, 10, "Asia/Seoul")
    assert await planning_zone(db, 1, 10) == ("Asia/Seoul", "this server's default time zone")
    await set_member_zone(db, 1, "Europe/Berlin")
    assert await planning_zone(db, 1, 10) == ("Europe/Berlin", "your saved time zone")
    await set_member_zone(db, 1, None)
    assert (await planning_zone(db, 1, 10) or ("",))[0] == "Asia/Seoul"


def test_a_run_stays_on_one_track_in_release_order(pack: CanonPack) -> None:
    run = episode_run(pack, pack.episode("r1"), pack.episode("r3"))
    assert [e.id for e in run] == ["r1", "sweet-dream", "r2", "r3"]
    with pytest.raises(EpisodeError, match="comes before"):
        episode_run(pack, pack.episode("r3"), pack.episode("r1"))
    other = next(e for e in pack.episodes if e.track != "main")
    with pytest.raises(EpisodeError, match="another track"):
        episode_run(pack, pack.episode("r1"), other)


def test_weekly_episodes_default_to_the_end_of_the_track(pack: CanonPack) -> None:
    main = [e.id for e in pack.episodes_in_order("main")]
    assert [e.id for e in weekly_episodes(pack, pack.episode("r1"), None, 50)] == main
    assert [e.id for e in weekly_episodes(pack, pack.episode("r1"), 2, 50)] == main[:2]
    assert len(weekly_episodes(pack, pack.episode("r1"), None, 3)) == 3
    with pytest.raises(EpisodeError, match="count"):
        weekly_episodes(pack, pack.episode(main[-1]), 2, 50)
