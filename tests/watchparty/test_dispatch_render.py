"""What due rows post (pure renderers), when they count as late, and planning across clock changes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.canon.store import CanonStore
from bot.db import Database
from bot.watchparty.delivery import (
    MAX_PINGS,
    MESSAGE_LIMIT,
    Party,
    add_mentions,
    dm_recipients,
    pings_only,
    render_dm,
    render_followup,
    render_reminder,
    render_start,
    report_lines,
    report_totals,
    timing_of,
    warning_card,
)
from bot.watchparty.dispatcher import DeliveryLine, DueRow, claim_due, delivery_report
from bot.watchparty.due import plan_party_work, replan_guild_parties, to_db_time
from bot.watchparty.walltime import resolve_wall
from tests.database import database_for

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PACK = CanonStore.load(None).pack


def party(**changes: object) -> Party:
    values: dict[str, object] = dict(
        id=1,
        guild_id=10,
        channel_id=20,
        thread_id=None,
        voice_channel_id=30,
        title="Round 1 *night*",
        episodes=("r1",),
        starts_at=NOW + timedelta(hours=1),
        duration_minutes=60,
        status="scheduled",
        message_id=40,
    )
    values.update(changes)
    return Party(**values)  # type: ignore[arg-type]


def row(kind: str = "reminder", due: datetime = NOW, label: str = "1h") -> DueRow:
    return DueRow(1, kind, 1, None, label, due, 1, None)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(database_for(tmp_path / "render.sqlite3")) as database:
        await database.migrate()
        yield database


# --- mentions -------------------------------------------------------------------------------------


def test_a_reminder_mentions_going_members_and_pings_only_them() -> None:
    content, pinged = render_reminder(party(), [111, 222])
    assert pinged == [111, 222]
    assert content.endswith("Going: <@111> <@222>")
    assert "<t:" in content and "<#30>" in content
    assert "https://discord.com/channels/10/20/40" in content
    allowed = pings_only(pinged).to_dict()
    assert allowed["parse"] == [] and allowed["users"] == [111, 222]  # no roles, no everyone
    assert not allowed.get("roles") and not allowed.get("replied_user")


def test_titles_are_inert_text() -> None:
    content, _ = render_reminder(party(title="@everyone <@123456789012345678> **big**"), [])
    assert "@\u200beveryone" in content
    assert "<@123456789012345678>" not in content and "\\*\\*big\\*\\*" in content


@given(st.lists(st.integers(min_value=10**17, max_value=10**19), unique=True, max_size=300))
def test_mentions_never_overflow_a_message_and_account_for_everyone(ids: list[int]) -> None:
    content, pinged = render_reminder(party(title="T" * 100), ids)
    assert len(content) <= MESSAGE_LIMIT
    assert pinged == ids[: len(pinged)] and len(pinged) <= MAX_PINGS
    mentioned = [int(m) for m in re.findall(r"<@(\d+)>", content)]
    assert mentioned == pinged
    if len(pinged) < len(ids):
        assert content.endswith(f"and {len(ids) - len(pinged)} more")


def test_add_mentions_without_going_members_adds_nothing() -> None:
    assert add_mentions(["hello"], []) == ("hello", [])


# --- posts ------------------------------------------------------------------------------------------


def test_a_late_reminder_says_so() -> None:
    content, _ = render_reminder(party(), [], late=timedelta(minutes=12))
    assert "12 min late" in content


def test_the_start_post_links_the_voice_channel() -> None:
    content, pinged = render_start(party(), [5])
    assert "starting now" in content and "<#30>" in content and pinged == [5]


async def test_the_public_warning_card_keeps_topics_behind_spoiler_bars(db: Database) -> None:
    card = await warning_card(db, PACK, party(episodes=("r1",)))
    assert card is not None and card.fields
    assert all("||" in field.value for field in card.fields if field.name != "Support")
    assert await warning_card(db, PACK, party(episodes=("no-such-episode",))) is None


async def test_a_members_own_card_spells_out_the_topics_they_chose(db: Database) -> None:
    topic = PACK.episode("r1").warnings[0].topic
    await db.execute("INSERT INTO member_preferences (user_id, cw_topics) VALUES (5, ?)", (f'["{topic}"]',))
    public = await warning_card(db, PACK, party(episodes=("r1",)))
    own = await warning_card(db, PACK, party(episodes=("r1",)), user_id=5)
    assert public is not None and own is not None
    assert own.fields[0].value != public.fields[0].value


def test_the_followup_links_discussion_threads_and_offers_mark_as_watched() -> None:
    content = render_followup(party(episodes=("r1", "r2")), PACK, [("r1", 501)])
    assert "<#501>" in content and "Mark as watched" in content
    assert PACK.episode("r2").title in content


def test_a_dm_names_the_server_and_never_mentions_anyone() -> None:
    content = render_dm(party(), "reminder", "Alien Stage Fans")
    assert "Alien Stage Fans" in content and "<@" not in content
    assert "https://discord.com/channels/10/30" in content
    assert "starting now" in render_dm(party(), "start", None)


# --- timing -----------------------------------------------------------------------------------------


def test_timing_follows_the_reminder_policy_and_followups_keep_longer() -> None:
    p = party(starts_at=NOW + timedelta(minutes=30))
    assert timing_of(row(due=NOW - timedelta(minutes=1)), p, NOW) == "on_time"
    assert timing_of(row(due=NOW - timedelta(minutes=10)), p, NOW) == "late"
    started = party(starts_at=NOW - timedelta(minutes=5))
    assert timing_of(row(due=NOW - timedelta(minutes=65)), started, NOW) == "skip"
    assert timing_of(row("start", due=started.starts_at, label="0"), started, NOW) == "skip"
    assert timing_of(row("followup", due=NOW - timedelta(hours=3), label="end"), started, NOW) == "late"
    assert timing_of(row("followup", due=NOW - timedelta(hours=13), label="end"), started, NOW) == "skip"


# --- planning -----------------------------------------------------------------------------------------


async def insert_party(
    db: Database, starts_at: datetime, *, guild_id: int = 1, offsets: str | None = None, zone: str = "UTC"
) -> int:
    async with db.transaction() as conn:
        inserted = await conn.fetchone(
            "INSERT INTO watch_parties (guild_id, channel_id, host_id, title, episodes, starts_at, zone, "
            "reminder_offsets) VALUES (?, 2, 3, 'Party', '[\"r1\"]', ?, ?, ?) RETURNING id",
            (guild_id, to_db_time(starts_at), zone, offsets),
        )
        found = inserted
    assert found is not None
    return int(found[0])


async def pending_rows(db: Database, party_id: int) -> list[tuple[str, str, str]]:
    rows = await db.fetchall(
        "SELECT kind, offset_label, due_at FROM due_work WHERE party_id = ? AND status = 'pending' ORDER BY due_at",
        (party_id,),
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def test_a_party_across_the_spring_change_fires_at_its_local_wall_time(db: Database) -> None:
    zone = ZoneInfo("Europe/Berlin")  # clocks go 02:00 -> 03:00 on Sunday 29 March 2026
    start = resolve_wall(datetime(2026, 3, 29, 20, 0), zone).first
    assert start == datetime(2026, 3, 29, 18, 0, tzinfo=UTC)  # 20:00 CEST
    party_id = await insert_party(db, start, zone="Europe/Berlin")
    async with db.transaction() as conn:
        await plan_party_work(conn, party_id, now=datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    assert await pending_rows(db, party_id) == [
        ("reminder", "1d", "2026-03-28T18:00:00Z"),  # 24 real hours before: 19:00 CET on Saturday
        ("reminder", "1h", "2026-03-29T17:00:00Z"),
        ("start", "0", "2026-03-29T18:00:00Z"),
        ("followup", "end", "2026-03-29T19:00:00Z"),
    ]
    (due,) = await claim_due(db, "me:1:a", datetime(2026, 3, 28, 18, 0, tzinfo=UTC))
    assert due.due_at.astimezone(zone).strftime("%H:%M %Z") == "19:00 CET"
    content, _ = render_reminder(party(starts_at=start), [])
    assert f"<t:{int(datetime(2026, 3, 29, 18, 0, tzinfo=UTC).timestamp())}:F>" in content


async def test_a_party_across_the_autumn_change_starts_at_its_local_wall_time(db: Database) -> None:
    zone = ZoneInfo("America/New_York")  # clocks go 02:00 -> 01:00 on Sunday 1 November 2026
    start = resolve_wall(datetime(2026, 11, 1, 19, 0), zone).first
    party_id = await insert_party(db, start, offsets="1d, 0", zone="America/New_York")
    async with db.transaction() as conn:
        await plan_party_work(conn, party_id, now=datetime(2026, 10, 30, 12, 0, tzinfo=UTC))
    rows = await pending_rows(db, party_id)
    assert rows[1] == ("start", "0", "2026-11-02T00:00:00Z")  # 19:00 EST
    assert rows[0] == ("reminder", "1d", "2026-11-01T00:00:00Z")  # 20:00 EDT the evening before


async def test_replanning_does_not_repeat_a_post_already_made(db: Database) -> None:
    party_id = await insert_party(db, NOW + timedelta(minutes=1))
    async with db.transaction() as conn:
        await plan_party_work(conn, party_id, now=NOW)
    (start_row,) = await claim_due(db, "me:1:a", NOW + timedelta(minutes=1))
    await db.execute("UPDATE due_work SET status = 'delivered' WHERE id = ?", (start_row.id,))
    async with db.transaction() as conn:  # an edit of the title during the party replans it
        await plan_party_work(conn, party_id, now=NOW + timedelta(minutes=2))
    assert [kind for kind, _, _ in await pending_rows(db, party_id)] == ["followup"]


async def test_a_new_server_default_replans_parties_without_their_own_offsets(db: Database) -> None:
    default = await insert_party(db, NOW + timedelta(days=2))
    own = await insert_party(db, NOW + timedelta(days=2), offsets="2h")
    other_server = await insert_party(db, NOW + timedelta(days=2), guild_id=9)
    async with db.transaction() as conn:
        for party_id in (default, own, other_server):
            await plan_party_work(conn, party_id, now=NOW)
        await conn.execute(
            "INSERT INTO guild_party_settings (guild_id, reminder_offsets) VALUES (1, '30m, 0')"
        )
        assert await replan_guild_parties(conn, 1, now=NOW) == [default]
    assert [label for _, label, _ in await pending_rows(db, default)] == ["30m", "0", "end"]
    assert [label for _, label, _ in await pending_rows(db, own)] == ["2h", "end"]
    assert [label for _, label, _ in await pending_rows(db, other_server)] == ["1d", "1h", "0", "end"]


async def test_dms_go_only_to_going_members_who_opted_in_without_recently_closed_dms(db: Database) -> None:
    party_id = await insert_party(db, NOW + timedelta(hours=1))
    await db.execute(
        "INSERT INTO party_rsvps (party_id, user_id, status, updated_at) VALUES "
        "(?, 1, 'going', 'a'), (?, 2, 'going', 'b'), (?, 3, 'going', 'c'), (?, 4, 'maybe', 'd')",
        (party_id, party_id, party_id, party_id),
    )
    await db.execute(
        "INSERT INTO member_preferences (user_id, dm_before_parties, dm_closed_at) VALUES "
        "(1, 1, NULL), (2, 1, ?), (3, 0, NULL), (4, 1, NULL), (5, 1, ?)",
        (to_db_time(NOW - timedelta(days=2)), to_db_time(NOW - timedelta(days=8))),
    )
    await db.execute(
        "INSERT INTO party_rsvps (party_id, user_id, status, updated_at) VALUES (?, 5, 'going', 'e')",
        (party_id,),
    )
    # 2 closed their DMs two days ago; 5 had them closed long ago and gets another chance (bot.dm policy)
    assert await dm_recipients(db, party_id, NOW) == [1, 5]


# --- the moderators' report ---------------------------------------------------------------------------


async def test_the_report_shows_each_post_and_sums_up_dms(db: Database) -> None:
    party_id = await insert_party(db, NOW + timedelta(hours=2))
    async with db.transaction() as conn:
        await plan_party_work(conn, party_id, now=NOW)
        await conn.execute(
            "UPDATE due_work SET status = 'failed', reason = 'missing access' WHERE party_id = ? AND offset_label = '1h'",
            (party_id,),
        )
        await conn.execute(
            "INSERT INTO due_work (kind, party_id, user_id, offset_label, due_at, status, reason) VALUES "
            "('dm', ?, 7, '1d', ?, 'delivered', NULL), ('dm', ?, 8, '1d', ?, 'failed', 'DMs closed')",
            (party_id, to_db_time(NOW), party_id, to_db_time(NOW)),
        )
    lines = await delivery_report(db, 1, NOW)
    assert {line.party_id for line in lines} == {party_id}
    text = "\n".join(report_lines(lines))
    assert "❌ 1h reminder: failed: missing access" in text
    assert "❌ DM to <@8>: failed: DMs closed" in text
    assert "✉️ DMs: 1 delivered" in text
    assert "⏳ start post: due <t:" in text
    assert "❌ failed 2" in report_totals(lines)
    assert await delivery_report(db, 2, NOW) == []


def test_a_retrying_row_shows_when_and_why() -> None:
    line = DeliveryLine(1, "P", NOW, "reminder", "1h", None, "pending", "Discord answered 503", NOW, 2, NOW)
    (_, shown) = report_lines([line])
    assert "retry <t:" in shown and "attempt 3" in shown and "503" in shown
