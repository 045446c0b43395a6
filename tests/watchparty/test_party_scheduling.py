"""Scheduling watch parties through the real bot: every `when` form, zones, confirmations, series, edits."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from tests.conftest import community_bot
from tests.database import connect
from tests.emulator import CommandHidden, Emulator, Member, Message
from tests.emulator.process import BotProcess

shared_loop = pytest.mark.asyncio(loop_scope="module")
SEOUL = ZoneInfo("Asia/Seoul")
BERLIN = ZoneInfo("Europe/Berlin")


async def started_world(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> AsyncIterator[tuple[Emulator, BotProcess]]:
    """One emulator and one bot for a whole test module (each test makes its own members and parties)."""
    db_path = tmp_path_factory.mktemp(name) / "clematis.db"
    async for pair in community_bot(lambda emulator: BotProcess(emulator, db_path)):
        yield pair


def check_world(emulator: Emulator, process: BotProcess) -> None:
    """After each test on a shared bot: still running, every request valid, no traceback."""
    assert process.running, f"the bot died:\n{process.output}"
    emulator.assert_clean()
    assert not process.tracebacks, "\n".join(process.tracebacks)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def running(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Emulator, BotProcess]]:
    async for pair in started_world(tmp_path_factory, "scheduling"):
        yield pair


@pytest.fixture
def world(running: tuple[Emulator, BotProcess]) -> Iterator[tuple[Emulator, BotProcess]]:
    yield running
    check_world(*running)


_names = iter(range(10_000))


def new_member(emulator: Emulator, name: str = "Fan", **kwargs: Any) -> Member:
    return emulator.member(emulator.guild, f"{name} {next(_names)}", **kwargs)


def query(process: BotProcess, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with connect(process.db_target) as conn:
        return list(conn.execute(sql, params).fetchall())


def last_party(process: BotProcess, host: Member) -> dict[str, Any]:
    with connect(process.db_target) as conn:
        conn.row_factory = sqlite3.Row  # key access on either engine
        row = conn.execute(
            "SELECT * FROM watch_parties WHERE host_id = ? ORDER BY id DESC", (host.id,)
        ).fetchone()
    assert row is not None, f"{host.name} has no party"
    return dict(row)


def utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def stamp(instant: datetime) -> str:
    return f"<t:{int(instant.timestamp())}:F> (<t:{int(instant.timestamp())}:R>)"


def announcement(emulator: Emulator, party_id: int) -> Message:
    found = [
        m
        for m in emulator.bot_messages()
        if not m.ephemeral
        and m.embeds
        and f"Party #{party_id} " in (m.embeds[0].get("footer") or {}).get("text", "")
    ]
    assert found, f"no announcement for party {party_id}"
    return found[-1]


def next_weekday(now_local: datetime, weekday: int, hour: int) -> datetime:
    ahead = (weekday - now_local.weekday()) % 7
    candidate = (now_local + timedelta(days=ahead)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return candidate if candidate > now_local else candidate + timedelta(days=7)


async def saved_zone(emulator: Emulator, zone: str = "Asia/Seoul") -> Member:
    member = new_member(emulator)
    reply = await member.slash("timezone set", zone=zone)
    assert zone in reply.text and reply.ephemeral
    return member


# --- the forms of `when` ---------------------------------------------------------------------------


def _tomorrow_1930() -> datetime:
    local = datetime.now(SEOUL) + timedelta(days=1)
    return local.replace(hour=19, minute=30, second=0, microsecond=0).astimezone(UTC)


@shared_loop
@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2027-06-05 20:00", lambda: datetime(2027, 6, 5, 11, 0, tzinfo=UTC)),
        ("Jun 5 2027 8pm", lambda: datetime(2027, 6, 5, 11, 0, tzinfo=UTC)),
        ("5 june 2027 20:00", lambda: datetime(2027, 6, 5, 11, 0, tzinfo=UTC)),
        ("tomorrow 7:30pm", _tomorrow_1930),
        ("saturday 20:00", lambda: next_weekday(datetime.now(SEOUL), 5, 20).astimezone(UTC)),
        ("sat 8pm", lambda: next_weekday(datetime.now(SEOUL), 5, 20).astimezone(UTC)),
    ],
)
async def test_each_form_of_when_is_read_in_the_members_zone_and_echoed(
    world: tuple[Emulator, BotProcess], when: str, expected: Any
) -> None:
    emulator, process = world
    host = await saved_zone(emulator)
    reply = await host.slash("watchparty schedule", episode="r1", when=when)
    party = last_party(process, host)
    start = expected()
    assert utc(party["starts_at"]) == start and party["zone"] == "Asia/Seoul"
    assert reply.ephemeral and stamp(start) in reply.text and "your saved time zone" in reply.text
    assert stamp(start) in announcement(emulator, party["id"]).text


@shared_loop
async def test_a_relative_time_needs_no_zone(world: tuple[Emulator, BotProcess]) -> None:
    emulator, process = world
    host = new_member(emulator)
    before = datetime.now(UTC)
    reply = await host.slash("watchparty schedule", episode="r2", when="in 3 hours")
    start = utc(last_party(process, host)["starts_at"])
    assert (
        before + timedelta(hours=3) - timedelta(minutes=1) <= start <= datetime.now(UTC) + timedelta(hours=3)
    )
    assert stamp(start) in reply.text
    assert "needs no time zone" in reply.text and "UTC" not in reply.text  # nothing was assumed


@shared_loop
async def test_a_zone_named_in_the_text_is_used(world: tuple[Emulator, BotProcess]) -> None:
    emulator, process = world
    host = new_member(emulator)
    await host.slash("watchparty schedule", episode="r2", when="2027-06-05 8pm kst")
    party = last_party(process, host)
    assert (party["starts_at"], party["zone"]) == ("2027-06-05T11:00:00Z", "Asia/Seoul")


@shared_loop
async def test_the_timezone_option_beats_the_saved_zone(world: tuple[Emulator, BotProcess]) -> None:
    emulator, process = world
    host = await saved_zone(emulator, "Asia/Seoul")
    await host.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00", timezone="Berlin")
    party = last_party(process, host)
    assert (party["starts_at"], party["zone"]) == ("2027-06-05T18:00:00Z", "Europe/Berlin")


@shared_loop
async def test_without_any_zone_the_member_is_asked_how_to_set_one(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, process = world
    host = new_member(emulator)
    reply = await host.slash("watchparty schedule", episode="r1", when="sat 8pm")
    assert reply.ephemeral and "time zone" in reply.text and "/timezone set" in reply.text
    assert query(process, "SELECT count(*) FROM watch_parties WHERE host_id = ?", (host.id,)) == [(0,)]


@shared_loop
async def test_the_servers_default_zone_is_used_for_members_without_one(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, process = world
    mod = new_member(emulator, "Mod", roles=["Moderator"])
    saved = await mod.slash("watchparty-admin settings", zone="Europe/Berlin")
    assert "Europe/Berlin" in saved.text
    try:
        host = new_member(emulator)
        reply = await host.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00")
        assert "this server's default time zone" in reply.text
        assert last_party(process, host)["starts_at"] == "2027-06-05T18:00:00Z"
        with pytest.raises(CommandHidden):  # Discord hides /watchparty-admin from members
            await host.slash("watchparty-admin settings", zone="UTC")
    finally:
        await mod.slash("watchparty-admin settings", zone="none")


@shared_loop
async def test_a_past_time_is_refused_with_the_reason(world: tuple[Emulator, BotProcess]) -> None:
    emulator, process = world
    host = await saved_zone(emulator)
    reply = await host.slash("watchparty schedule", episode="r1", when="2021-03-01 20:00")
    assert reply.ephemeral and "in the past" in reply.text
    assert query(process, "SELECT count(*) FROM watch_parties WHERE host_id = ?", (host.id,)) == [(0,)]


@shared_loop
async def test_unreadable_time_says_what_works(world: tuple[Emulator, BotProcess]) -> None:
    emulator, _ = world
    host = await saved_zone(emulator)
    reply = await host.slash("watchparty schedule", episode="r1", when="whenever works")
    assert "couldn't read" in reply.text and "tomorrow 7:30pm" in reply.text


@shared_loop
async def test_an_unknown_episode_suggests_close_ones(world: tuple[Emulator, BotProcess]) -> None:
    emulator, _ = world
    host = await saved_zone(emulator)
    reply = await host.slash("watchparty schedule", episode="rund 5", when="2027-06-05 20:00")
    assert "ROUND 5" in reply.text
    choices = await host.autocomplete("watchparty schedule", "episode", "round 6")
    assert choices and choices[0]["value"] == "r6"
    zones = await host.autocomplete("watchparty schedule", "timezone", "seou")
    assert zones[0]["value"] == "Asia/Seoul"


@shared_loop
async def test_a_run_of_episodes_is_one_party_in_release_order(world: tuple[Emulator, BotProcess]) -> None:
    emulator, process = world
    host = await saved_zone(emulator)
    await host.slash(
        "watchparty schedule",
        episode="r1",
        until="r3",
        when="2027-06-06 20:00",
        capacity=5,
        note="**bring** snacks @everyone",
    )
    party = last_party(process, host)
    assert party["episodes"] == '["r1", "sweet-dream", "r2", "r3"]' and party["capacity"] == 5
    shown = announcement(emulator, party["id"])
    assert "1. ROUND 1" in shown.text and "2. Sweet Dream" in shown.text and "4. ROUND 3" in shown.text
    assert "\\*\\*bring\\*\\*" in shown.text and not shown.pings


# --- confirmations ---------------------------------------------------------------------------------


@shared_loop
async def test_an_ambiguous_hour_is_confirmed_with_one_button_per_reading(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, process = world
    host = await saved_zone(emulator)
    asked = await host.slash("watchparty schedule", episode="r1", when="2027-06-05 8")
    labels = [b["label"] for b in asked.buttons]
    assert asked.ephemeral and "morning or evening" in asked.text
    assert labels == [
        "Sat 5 Jun 2027, 08:00 KST (UTC+09:00)",
        "Sat 5 Jun 2027, 20:00 KST (UTC+09:00)",
        "Cancel",
    ]
    assert query(process, "SELECT count(*) FROM watch_parties WHERE host_id = ?", (host.id,)) == [(0,)]
    other = new_member(emulator)
    with pytest.raises(AssertionError, match="cannot see an ephemeral message"):
        await other.click(asked, labels[1])  # Discord shows the confirmation to the host alone
    # a double click: both reach the bot before it answers; only one schedules
    first, second = await asyncio.gather(host.click(asked, labels[1]), host.click(asked, labels[1]))
    await emulator.wait_until(lambda: "Scheduled" in asked.text, 5, "the confirmation to be answered")
    assert sorted([first.callback_type, second.callback_type]) == [6, 7]  # one deferred, one "expired"
    assert query(process, "SELECT starts_at FROM watch_parties WHERE host_id = ?", (host.id,)) == [
        ("2027-06-05T11:00:00Z",)
    ]


@shared_loop
async def test_a_time_in_a_clock_gap_is_shown_back_for_confirmation(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, process = world
    host = await saved_zone(emulator, "Europe/Berlin")
    asked = await host.slash("watchparty schedule", episode="r1", when="2027-03-28 02:30")
    assert "does not exist" in asked.text and "03:30" in asked.text
    done = await host.click(asked, asked.buttons[0]["label"])
    await done.wait_for(lambda r: "Scheduled" in r.text)
    assert last_party(process, host)["starts_at"] == "2027-03-28T01:30:00Z"


@shared_loop
async def test_cancelling_a_confirmation_schedules_nothing(world: tuple[Emulator, BotProcess]) -> None:
    emulator, process = world
    host = await saved_zone(emulator, "Europe/Berlin")
    asked = await host.slash("watchparty schedule", episode="r1", when="2027-10-31 02:30")
    assert "happens twice" in asked.text and len(asked.buttons) == 3
    done = await host.click(asked, "Cancel")
    assert "nothing" in done.text
    assert query(process, "SELECT count(*) FROM watch_parties WHERE host_id = ?", (host.id,)) == [(0,)]


# --- series ----------------------------------------------------------------------------------------


@shared_loop
async def test_a_weekly_series_across_a_clock_change_keeps_the_local_time(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, process = world
    host = await saved_zone(emulator, "Europe/Berlin")
    reply = await host.slash("watchparty series", episode="r1", when="2027-03-20 20:00", count=3)
    rows = query(
        process,
        "SELECT starts_at, episodes, zone, series_id FROM watch_parties WHERE host_id = ? ORDER BY starts_at",
        (host.id,),
    )
    assert [r[0] for r in rows] == ["2027-03-20T19:00:00Z", "2027-03-27T19:00:00Z", "2027-04-03T18:00:00Z"]
    assert [r[1] for r in rows] == ['["r1"]', '["sweet-dream"]', '["r2"]']
    series = query(
        process, "SELECT wall_time, zone, next_episode FROM party_series WHERE id = ?", (rows[0][3],)
    )
    assert series == [("2027-03-20T20:00", "Europe/Berlin", "r3")]
    assert "3 parties" in reply.text and "Saturday at 20:00" in reply.text
    for row in rows:
        ids = query(
            process, "SELECT id FROM watch_parties WHERE starts_at = ? AND host_id = ?", (row[0], host.id)
        )
        work = query(
            process, "SELECT count(*) FROM due_work WHERE party_id = ? AND status = 'pending'", (ids[0][0],)
        )
        assert work == [(4,)]


@shared_loop
async def test_a_series_from_a_relative_time_asks_for_a_zone_instead_of_repeating_utc(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, process = world
    host = new_member(emulator)  # no saved zone, no server default
    reply = await host.slash("watchparty series", episode="r1", when="in 3 hours", count=2)
    assert reply.ephemeral and "weekly series keeps the same local time" in reply.text
    assert "/timezone set" in reply.text
    assert query(process, "SELECT count(*) FROM party_series WHERE zone = 'UTC'") == [(0,)]
    assert query(process, "SELECT count(*) FROM watch_parties WHERE host_id = ?", (host.id,)) == [(0,)]
    seoul = await saved_zone(emulator)  # with a zone, the same text is a weekly time there
    await seoul.slash("watchparty series", episode="r1", when="in 3 hours", count=2)
    assert last_party(process, seoul)["zone"] == "Asia/Seoul"


@shared_loop
async def test_a_series_week_in_a_clock_gap_is_flagged(world: tuple[Emulator, BotProcess]) -> None:
    emulator, process = world
    host = await saved_zone(emulator, "Europe/Berlin")
    reply = await host.slash("watchparty series", episode="r1", when="2027-03-21 02:30", count=2)
    assert "clocks change" in reply.text
    second = query(
        process, "SELECT id, starts_at FROM watch_parties WHERE host_id = ? ORDER BY starts_at", (host.id,)
    )[1]
    assert second[1] == "2027-03-28T01:30:00Z"
    assert "02:30 doesn't exist" in announcement(emulator, second[0]).text


# --- edit, cancel, list, info ----------------------------------------------------------------------


@shared_loop
async def test_editing_the_time_replans_and_updates_the_announcement(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, process = world
    host = await saved_zone(emulator)
    await host.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00")
    party = last_party(process, host)
    reply = await host.slash(
        "watchparty edit", party=str(party["id"]), when="2027-06-06 21:00", title="Moved"
    )
    moved = last_party(process, host)
    assert (moved["starts_at"], moved["title"], moved["sequence"]) == ("2027-06-06T12:00:00Z", "Moved", 1)
    assert "Updated" in reply.text
    work = query(
        process,
        "SELECT due_at FROM due_work WHERE party_id = ? AND status = 'pending' AND kind = 'start'",
        (party["id"],),
    )
    assert work == [("2027-06-06T12:00:00Z",)]
    shown = announcement(emulator, party["id"])
    await emulator.wait_until(lambda: "Moved" in shown.text, 5, "the announcement to be edited")
    assert stamp(datetime(2027, 6, 6, 12, 0, tzinfo=UTC)) in shown.text


@shared_loop
async def test_only_the_host_or_a_moderator_can_cancel(world: tuple[Emulator, BotProcess]) -> None:
    emulator, process = world
    host = await saved_zone(emulator)
    await host.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00")
    party = last_party(process, host)
    stranger = new_member(emulator)
    refused = await stranger.slash("watchparty cancel", party=str(party["id"]))
    assert "Only the host" in refused.text and last_party(process, host)["status"] == "scheduled"
    mod = new_member(emulator, "Mod", roles=["Moderator"])
    done = await mod.slash("watchparty cancel", party=str(party["id"]))
    assert "Cancelled" in done.text and last_party(process, host)["status"] == "cancelled"
    assert query(
        process, "SELECT count(*) FROM due_work WHERE party_id = ? AND status = 'pending'", (party["id"],)
    ) == [(0,)]
    shown = announcement(emulator, party["id"])
    await emulator.wait_until(lambda: "Cancelled" in shown.text, 5, "the announcement to say cancelled")
    assert [b["label"] for b in shown.buttons] == ["Add to calendar"]
    again = await host.slash("watchparty cancel", party=str(party["id"]))
    assert "cancelled" in again.text


@shared_loop
async def test_list_and_info_show_upcoming_parties_with_timestamps(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, process = world
    host = await saved_zone(emulator)
    await host.slash("watchparty schedule", episode="r5", when="in 2 hours", title="Round five night")
    party = last_party(process, host)
    listed = await host.slash("watchparty list")
    assert "Round five night" in listed.text and stamp(utc(party["starts_at"])) in listed.text
    choices = await host.autocomplete("watchparty info", "party", "round five")
    assert choices[0]["value"] == str(party["id"]) and "Round five night" in choices[0]["name"]
    info = await host.slash("watchparty info", party=choices[0]["value"])
    assert info.ephemeral and "Your answer: **Going**" in info.text and "Round five night" in info.text
    missing = await host.slash("watchparty info", party="99999")
    assert "can't find" in missing.text


# --- /timezone -------------------------------------------------------------------------------------


@shared_loop
async def test_timezone_set_show_and_clear(world: tuple[Emulator, BotProcess]) -> None:
    emulator, process = world
    member = new_member(emulator)
    assert "haven't saved" in (await member.slash("timezone show")).text
    choices = await member.autocomplete("timezone set", "zone", "berl")
    assert choices[0]["value"] == "Europe/Berlin"
    await member.slash("timezone set", zone=choices[0]["value"])
    shown = await member.slash("timezone show")
    assert "Europe/Berlin" in shown.text and shown.ephemeral
    assert query(process, "SELECT time_zone FROM member_preferences WHERE user_id = ?", (member.id,)) == [
        ("Europe/Berlin",)
    ]
    assert "Forgotten" in (await member.slash("timezone clear")).text
    assert query(process, "SELECT time_zone FROM member_preferences WHERE user_id = ?", (member.id,)) == [
        (None,)
    ]


@shared_loop
async def test_a_misspelt_zone_offers_the_closest_ones_as_buttons(world: tuple[Emulator, BotProcess]) -> None:
    emulator, process = world
    member = new_member(emulator)
    reply = await member.slash("timezone set", zone="Seol")
    assert "don't know" in reply.text and "Use Asia/Seoul" in [b["label"] for b in reply.buttons]
    saved = await member.click(reply, "Use Asia/Seoul")
    assert "Asia/Seoul" in saved.text
    assert query(process, "SELECT time_zone FROM member_preferences WHERE user_id = ?", (member.id,)) == [
        ("Asia/Seoul",)
    ]
    ambiguous = await member.slash("watchparty schedule", episode="r1", when="sat 8pm", timezone="EST")
    assert "ambiguous" in ambiguous.text and ambiguous.buttons
