"""RSVP storage: each member counted once, capacity with an ordered waitlist, promotion when spots free."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.db import Database
from bot.watchparty.parties import PartyChanges, PartyDraft, create_party, edit_party
from bot.watchparty.rsvp import (
    CHOICES,
    Choice,
    members_with,
    rsvp_counts,
    set_rsvp,
)
from tests.database import database_for

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HOST = 1


@pytest.fixture
async def db(tmp_path: Path):
    async with Database(database_for(tmp_path / "rsvp.sqlite3")) as database:
        await database.migrate()
        yield database


async def party(db: Database, capacity: int | None = None) -> int:
    draft = PartyDraft(
        guild_id=10,
        channel_id=20,
        host_id=HOST,
        title="Rewatch",
        episodes=("r1",),
        starts_at=NOW + timedelta(days=2),
        zone="Asia/Seoul",
        capacity=capacity,
    )
    return await create_party(db, draft, now=NOW)


def tick(n: int) -> datetime:
    return NOW + timedelta(microseconds=n)


async def test_the_host_is_going_from_the_start(db: Database) -> None:
    pid = await party(db)
    assert (await rsvp_counts(db, pid)).going == 1
    assert await members_with(db, pid, "going") == [HOST]


async def test_clicking_going_twice_counts_once(db: Database) -> None:
    pid = await party(db)
    first = await set_rsvp(db, pid, 2, "going", now=tick(1))
    again = await set_rsvp(db, pid, 2, "going", now=tick(2))
    assert first.changed and first.status == "going"
    assert not again.changed and again.counts.going == 2


async def test_switching_answers_moves_the_member_between_counts(db: Database) -> None:
    pid = await party(db)
    await set_rsvp(db, pid, 2, "going", now=tick(1))
    result = await set_rsvp(db, pid, 2, "maybe", now=tick(2))
    assert result.changed and result.status == "maybe"
    assert (result.counts.going, result.counts.maybe) == (1, 1)
    gone = await set_rsvp(db, pid, 2, "none", now=tick(3))
    assert gone.status is None and gone.counts.maybe == 0


async def test_a_full_party_puts_members_on_the_waitlist_in_click_order(db: Database) -> None:
    pid = await party(db, capacity=2)
    await set_rsvp(db, pid, 2, "going", now=tick(1))
    third = await set_rsvp(db, pid, 3, "going", now=tick(2))
    fourth = await set_rsvp(db, pid, 4, "going", now=tick(3))
    assert (third.status, third.waitlist_position) == ("waitlist", 1)
    assert (fourth.status, fourth.waitlist_position) == ("waitlist", 2)
    assert fourth.counts.going == 2 and fourth.counts.waitlist == 2


async def test_clicking_going_again_on_the_waitlist_keeps_the_place(db: Database) -> None:
    pid = await party(db, capacity=1)
    await set_rsvp(db, pid, 3, "going", now=tick(1))
    await set_rsvp(db, pid, 4, "going", now=tick(2))
    again = await set_rsvp(db, pid, 3, "going", now=tick(3))
    assert again.waitlist_position == 1
    assert await members_with(db, pid, "waitlist") == [3, 4]


async def test_leaving_promotes_the_first_waiting_member(db: Database) -> None:
    pid = await party(db, capacity=2)
    await set_rsvp(db, pid, 2, "going", now=tick(1))
    await set_rsvp(db, pid, 3, "going", now=tick(2))
    await set_rsvp(db, pid, 4, "going", now=tick(3))
    left = await set_rsvp(db, pid, 2, "not_going", now=tick(4))
    assert left.promoted == [3]
    assert await members_with(db, pid, "going") == [HOST, 3]
    assert await members_with(db, pid, "waitlist") == [4]


async def test_a_waiting_member_who_leaves_promotes_nobody(db: Database) -> None:
    pid = await party(db, capacity=1)
    await set_rsvp(db, pid, 3, "going", now=tick(1))
    left = await set_rsvp(db, pid, 3, "maybe", now=tick(2))
    assert left.promoted == [] and left.counts.waitlist == 0 and left.counts.going == 1


async def test_growing_the_capacity_promotes_in_order(db: Database) -> None:
    pid = await party(db, capacity=1)
    for user in (3, 4, 5):
        await set_rsvp(db, pid, user, "going", now=tick(user))
    result = await edit_party(db, pid, PartyChanges(capacity=3), now=NOW)
    assert result.promoted == [3, 4]
    removed = await edit_party(db, pid, PartyChanges(capacity=0), now=NOW)
    assert removed.party.capacity is None and removed.promoted == [5]


async def test_shrinking_the_capacity_removes_nobody(db: Database) -> None:
    pid = await party(db, capacity=5)
    for user in (3, 4):
        await set_rsvp(db, pid, user, "going", now=tick(user))
    await edit_party(db, pid, PartyChanges(capacity=1), now=NOW)
    assert (await rsvp_counts(db, pid)).going == 3
    late = await set_rsvp(db, pid, 9, "going", now=tick(9))
    assert late.status == "waitlist"


async def test_concurrent_clicks_are_each_counted_once(db: Database) -> None:
    pid = await party(db, capacity=50)
    users = range(100, 300)
    await asyncio.gather(*(set_rsvp(db, pid, user, "going", now=tick(user)) for user in users))
    await asyncio.gather(*(set_rsvp(db, pid, user, "going", now=tick(1000 + user)) for user in users))
    counts = await rsvp_counts(db, pid)
    assert (counts.going, counts.waitlist) == (50, 151)


@settings(max_examples=60, deadline=None)
@given(
    capacity=st.none() | st.integers(min_value=1, max_value=4),
    clicks=st.lists(st.tuples(st.integers(min_value=2, max_value=8), st.sampled_from(CHOICES)), max_size=30),
)
async def test_invariants_hold_for_any_click_sequence(
    capacity: int | None, clicks: list[tuple[int, Choice]]
) -> None:
    async with Database(":memory:") as db:
        await db.migrate()
        pid = await party(db, capacity)
        expected_waitlist: list[int] = []
        for n, (user, choice) in enumerate(clicks):
            result = await set_rsvp(db, pid, user, choice, now=tick(n + 1))
            # the model of the waitlist: join at the end, leave from anywhere, promoted from the front
            if result.status == "waitlist" and user not in expected_waitlist:
                expected_waitlist.append(user)
            elif result.status != "waitlist" and user in expected_waitlist:
                expected_waitlist.remove(user)
            for promoted in result.promoted:
                assert expected_waitlist.pop(0) == promoted
            counts = result.counts
            rows = await db.fetchall("SELECT user_id FROM party_rsvps WHERE party_id = ?", (pid,))
            assert (
                len(rows)
                == len({r[0] for r in rows})
                == sum((counts.going, counts.maybe, counts.not_going, counts.waitlist))
            )
            if capacity is not None:
                assert counts.going <= capacity
                assert counts.waitlist == 0 or counts.going == capacity
            else:
                assert counts.waitlist == 0
            assert await members_with(db, pid, "waitlist") == expected_waitlist
