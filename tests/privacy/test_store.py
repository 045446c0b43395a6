"""The hand-written steps of a member's deletion, on a real SQLite file: parties handed over or cancelled
as the server chose, RSVPs withdrawn with the waitlist moving up, and the due work that tells Discord."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.db import Database
from bot.privacy.answers import deletion_text
from bot.privacy.settings import describe_policy, save_policy
from bot.privacy.store import (
    KIND_EVENT_REMOVE,
    KIND_PARTY_REFRESH,
    KIND_RSVP_PROMOTED,
    delete_user,
    ensure_sweep,
    schedule_guild_purge,
    summarize_user,
)
from bot.watchparty.parties import NO_HOST, PartyDraft, create_party, get_party
from bot.watchparty.rsvp import members_with, set_rsvp

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
MINA, JO, ARI, MOD = 1001, 1002, 1003, 1004
GUILD = 5005


async def party(db: Database, host: int, *, days: float = 3, capacity: int | None = None) -> int:
    draft = PartyDraft(
        GUILD, 7, host, f"party of {host}", ("r1",), NOW + timedelta(days=days), "UTC", capacity=capacity
    )
    party_id = await create_party(db, draft, now=NOW)
    await db.execute("UPDATE watch_parties SET message_id = 1, event_id = 2 WHERE id = ?", (party_id,))
    return party_id


async def queued(db: Database, kind: str) -> list[tuple[int | None, int | None]]:
    rows = await db.fetchall("SELECT party_id, user_id FROM due_work WHERE kind = ? ORDER BY id", (kind,))
    return [(r[0], r[1]) for r in rows]


async def test_withdrawn_rsvp_promotes_the_waitlist_and_queues_the_board(db: Database) -> None:
    full = await party(db, JO, capacity=2)
    await set_rsvp(db, full, MINA, "going", now=NOW)
    await set_rsvp(db, full, ARI, "going", now=NOW + timedelta(seconds=1))
    assert await members_with(db, full, "waitlist") == [ARI]
    done = await delete_user(db, MINA, now=NOW)
    assert await members_with(db, full, "going") == [JO, ARI]
    assert await queued(db, KIND_PARTY_REFRESH) == [(full, None)]
    assert await queued(db, KIND_RSVP_PROMOTED) == [(full, ARI)]
    assert done.withdrawn == [full] and done.promoted == 1


async def test_hosted_parties_go_to_the_moderators_by_default(db: Database) -> None:
    upcoming, past = await party(db, MINA), await party(db, MINA, days=-10)
    done = await delete_user(db, MINA, now=NOW)
    assert done.handed_over == [upcoming] and not done.cancelled
    for party_id in (upcoming, past):
        found = await get_party(db, party_id)
        assert found is not None and found.host_id == NO_HOST
    assert (await get_party(db, upcoming)).status == "scheduled"  # type: ignore[union-attr]
    pending = await db.fetchval(
        "SELECT count(*) FROM due_work WHERE party_id = ? AND status = 'pending' AND kind = 'reminder'",
        (upcoming,),
    )
    assert pending  # the reminders still go out
    assert "deleted everything" in deletion_text(done) and "handed over" in deletion_text(done)


async def test_hosted_parties_go_to_the_member_the_server_chose(db: Database) -> None:
    assert await save_policy(db, GUILD, handover_to=MOD)
    assert f"<@{MOD}>" in await describe_policy(db, GUILD)
    upcoming = await party(db, MINA)
    await delete_user(db, MINA, now=NOW)
    assert (await get_party(db, upcoming)).host_id == MOD  # type: ignore[union-attr]


async def test_the_chosen_member_leaving_is_forgotten_and_their_parties_go_to_the_moderators(
    db: Database,
) -> None:
    await save_policy(db, GUILD, handover_to=MINA)
    upcoming = await party(db, MINA)
    await delete_user(db, MINA, now=NOW)
    assert (await get_party(db, upcoming)).host_id == NO_HOST  # type: ignore[union-attr]
    assert (
        await db.fetchval("SELECT handover_user_id FROM guild_privacy_settings WHERE guild_id = ?", (GUILD,))
        is None
    )


async def test_cancelling_servers_cancel_and_queue_the_event_removal(db: Database) -> None:
    await save_policy(db, GUILD, leaver_parties="cancel")
    upcoming = await party(db, MINA)
    done = await delete_user(db, MINA, now=NOW)
    assert done.cancelled == [upcoming]
    assert (await get_party(db, upcoming)).status == "cancelled"  # type: ignore[union-attr]
    assert await queued(db, KIND_EVENT_REMOVE) == [(upcoming, None)]
    statuses = await db.fetchall(
        "SELECT DISTINCT status FROM due_work WHERE party_id = ? AND kind != ? AND kind != ?",
        (upcoming, KIND_EVENT_REMOVE, KIND_PARTY_REFRESH),
    )
    assert [r[0] for r in statuses] == ["cancelled"]


async def test_show_counts_and_nothing_after(db: Database) -> None:
    await party(db, MINA)
    await db.execute(
        "INSERT INTO member_progress (user_id, track, episode_id) VALUES (?, 'main', 'r2')", (MINA,)
    )
    counts = {h.table.name: h.count for h in await summarize_user(db, MINA)}
    assert counts == {"member_progress": 1, "watch_parties": 1, "party_rsvps": 1}
    await delete_user(db, MINA, now=NOW)
    assert await summarize_user(db, MINA) == []


async def test_purges_and_sweeps_are_planned_once(db: Database) -> None:
    assert await schedule_guild_purge(db, GUILD, now=NOW, due=NOW + timedelta(days=30))
    assert not await schedule_guild_purge(db, GUILD, now=NOW, due=NOW + timedelta(days=30))
    assert await ensure_sweep(db, now=NOW)
    assert not await ensure_sweep(db, now=NOW)


async def test_a_sweep_expires_rows_and_plans_the_next(db: Database) -> None:
    from types import SimpleNamespace

    from bot.privacy.work import sweep
    from bot.watchparty.dispatcher import claim_due, record_outcome

    await db.execute(
        "INSERT INTO spoiler_copies (notice_id, guild_id, channel_id, author_id, content, created_at) "
        "VALUES (1, 1, 1, 1, 'old', '2000-01-01T00:00:00Z')"
    )
    await ensure_sweep(db, now=NOW, delay=timedelta(0))
    [row] = await claim_due(db, "me", NOW)
    outcome = await sweep(SimpleNamespace(db=db), row, NOW)  # type: ignore[arg-type]
    assert outcome.status == "delivered" and "spoiler_copies 1" in (outcome.reason or "")
    assert await record_outcome(db, row, outcome, owner="me", now=NOW)
    assert await db.fetchval("SELECT count(*) FROM spoiler_copies") == 0
    planned = await db.fetchall(
        "SELECT status, due_at FROM due_work WHERE kind = 'retention_sweep' ORDER BY id"
    )
    assert [tuple(r) for r in planned] == [
        ("delivered", "2026-12-06T12:00:00Z"),
        ("pending", "2026-12-07T12:00:00Z"),
    ]


def test_a_huge_export_is_gzipped_to_fit_discords_file_limit() -> None:
    import gzip
    import json

    from bot.privacy.answers import FILE_LIMIT, export_file

    small = export_file({"tables": {}}, MINA)
    assert small.filename == f"clematis-data-{MINA}.json"
    huge = {
        "tables": {"party_rsvps": {"rows": [{"party_id": str(i), "status": "going"} for i in range(300_000)]}}
    }
    packed = export_file(huge, MINA)
    assert packed.filename == f"clematis-data-{MINA}.json.gz"
    data = packed.fp.read()
    assert len(data) < FILE_LIMIT and json.loads(gzip.decompress(data)) == huge
