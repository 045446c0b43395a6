"""RSVPs through the real bot: answers, capacity and waitlist, coalesced announcement edits, calendar
files, and buttons that keep working after a restart."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from icalendar import Calendar

from bot.db import utc_text
from tests.conftest import assert_clean_exit
from tests.database import connect
from tests.emulator import Emulator, Member, Message
from tests.emulator.process import BotProcess
from tests.watchparty.test_party_scheduling import (
    announcement,
    check_world,
    last_party,
    query,
    saved_zone,
    shared_loop,
    started_world,
)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def running(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Emulator, BotProcess]]:
    async for pair in started_world(tmp_path_factory, "rsvp"):
        yield pair


@pytest.fixture
def world(running: tuple[Emulator, BotProcess]) -> Iterator[tuple[Emulator, BotProcess]]:
    yield running
    check_world(*running)


def field(message: Message, name: str) -> str:
    return next(f["value"] for f in message.embeds[0]["fields"] if f["name"] == name)


async def scheduled(
    emulator: Emulator, process: BotProcess, **options: object
) -> tuple[Member, int, Message]:
    host = await saved_zone(emulator)
    await host.slash("watchparty schedule", episode="r1", when="2027-06-05 20:00", **options)
    party_id = last_party(process, host)["id"]
    return host, party_id, announcement(emulator, party_id)


def edits_of(emulator: Emulator, message: Message) -> int:
    return sum(
        1 for r in emulator.requests if r.method == "PATCH" and r.path.endswith(f"/messages/{message.id}")
    )


def set_preferences(
    process: BotProcess, member: Member, *, cw_topics: str = "[]", dm_before_parties: int = 0
) -> None:
    """What `/cw preferences` stores: topics to spell out, DMs before parties."""
    with connect(process.db_target) as conn:
        conn.execute(
            "INSERT INTO member_preferences (user_id, cw_topics, dm_before_parties) VALUES (?, ?, ?)",
            (member.id, cw_topics, dm_before_parties),
        )


def calendar_of(reply_attachment_data: bytes) -> Calendar:
    return Calendar.from_ical(reply_attachment_data)


@shared_loop
async def test_going_maybe_and_cant_go_are_answered_and_counted(world: tuple[Emulator, BotProcess]) -> None:
    emulator, bot = world
    _host, party_id, shown = await scheduled(emulator, bot)
    mina, jo = emulator.member(emulator.guild, "Mina"), emulator.member(emulator.guild, "Jo")
    going = await mina.click(shown, "Going")
    assert going.ephemeral and going.text == "You're going — 2 going."
    again = await mina.click(shown, "Going")
    assert again.text == "You're already going — 2 going."
    maybe = await jo.click(shown, "Maybe")
    assert "Marked as maybe — 1 maybe, 2 going." == maybe.text
    cant = await jo.click(shown, "Can't go")
    assert "can't go" in cant.text
    await emulator.wait_until(
        lambda: (field(shown, "Going"), field(shown, "Maybe"), field(shown, "Can't go")) == ("2", "0", "1"),
        5,
        "the announcement to show the final counts",
    )
    removed = await mina.click(going, "Remove my answer")
    assert removed.text == "Your answer is removed — 1 going."
    await emulator.wait_until(lambda: field(shown, "Going") == "1", 5, "the count to drop")
    assert query(
        bot, "SELECT user_id, status FROM party_rsvps WHERE party_id = ? ORDER BY user_id", (party_id,)
    ) == sorted([(_host.id, "going"), (jo.id, "not_going")])


@shared_loop
async def test_a_full_party_waitlists_and_promotes_with_a_ping_for_that_member_only(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, bot = world
    _host, party_id, shown = await scheduled(emulator, bot, capacity=2)
    mina, jo, kim = (emulator.member(emulator.guild, n) for n in ("Mina", "Jo", "Kim"))
    await mina.click(shown, "Going")
    waiting = await jo.click(shown, "Going")
    assert "waitlist: number 1" in waiting.text
    second = await kim.click(shown, "Going")
    assert "number 2" in second.text
    await emulator.wait_until(lambda: field(shown, "Going") == "2 / 2 · 2 waiting", 5, "the waitlist to show")
    await mina.click(shown, "Can't go")
    told = await emulator.wait_for_message(shown.channel, lambda m: "spot opened up" in m.content)
    assert told.pings.users == {jo.id} and not told.pings.roles and not told.pings.everyone
    assert told.message_reference is not None and told.message_reference["message_id"] == str(shown.id)
    statuses = dict(query(bot, "SELECT user_id, status FROM party_rsvps WHERE party_id = ?", (party_id,)))
    assert (statuses[jo.id], statuses[kim.id], statuses[mina.id]) == ("going", "waitlist", "not_going")
    await emulator.wait_until(
        lambda: field(shown, "Going") == "2 / 2 · 1 waiting", 5, "the promotion to show"
    )


@shared_loop
async def test_many_clicks_make_few_announcement_edits_with_exact_final_counts(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, bot = world
    _host, party_id, shown = await scheduled(emulator, bot)
    fans = [emulator.member(emulator.guild, f"Fan {i}") for i in range(40)]
    before = edits_of(emulator, shown)
    replies = await asyncio.gather(*(fan.click(shown, "Going") for fan in fans))
    assert all(r.ephemeral and r.text.startswith("You're going") for r in replies)
    await emulator.wait_until(lambda: field(shown, "Going") == "41", 5, "the final count")
    await asyncio.sleep(1.5)  # any edit still coming would land now
    edits = edits_of(emulator, shown) - before
    assert 1 <= edits <= 4, f"{edits} edits for 40 clicks"
    assert query(
        bot, "SELECT count(*) FROM party_rsvps WHERE party_id = ? AND status = 'going'", (party_id,)
    ) == [(41,)]


@shared_loop
async def test_the_calendar_button_gives_an_ics_with_a_stable_uid_that_edits_update(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, bot = world
    host, party_id, shown = await scheduled(emulator, bot, note="Bring tissues")
    first = await emulator.member(emulator.guild, "Mina").click(shown, "Add to calendar")
    assert first.ephemeral and first.attachments[0].filename == f"watch-party-{party_id}.ics"
    event = calendar_of(first.attachments[0].data).events[0]
    uid = str(event["UID"])
    assert event.start.isoformat() == "2027-06-05T20:00:00+09:00" and str(event["SEQUENCE"]) == "0"
    description = str(event["DESCRIPTION"])
    assert "ROUND 1" in description and "Bring tissues" in description
    # no spoiler tags in calendars: topics stay unnamed unless the member chose to see them
    assert "Death of a main character" not in description and "see the content-warning card" in description
    await host.slash("watchparty edit", party=str(party_id), when="2027-06-05 21:00")
    jo = emulator.member(emulator.guild, "Jo")
    set_preferences(bot, jo, cw_topics='["death-main-character"]')
    second = await jo.click(shown, "Add to calendar")
    moved = calendar_of(second.attachments[0].data).events[0]
    assert str(moved["UID"]) == uid and int(moved["SEQUENCE"]) == 1
    assert moved.start.isoformat() == "2027-06-05T21:00:00+09:00"
    assert "Death of a main character" in str(moved["DESCRIPTION"])


@shared_loop
async def test_export_lists_every_upcoming_party_with_stable_uids(world: tuple[Emulator, BotProcess]) -> None:
    emulator, bot = world
    host, first_id, _ = await scheduled(emulator, bot)
    await host.slash("watchparty schedule", episode="r2", when="2027-06-12 20:00")
    second_id = last_party(bot, host)["id"]
    await host.slash("watchparty cancel", party=str(first_id))
    exported = await host.slash("watchparty export")
    events = calendar_of(exported.attachments[0].data).events
    by_uid = {str(e["UID"]): e for e in events}
    upcoming = query(bot, "SELECT count(*) FROM watch_parties WHERE starts_at > ?", (utc_text(),))
    assert len(by_uid) == len(events) == upcoming[0][0] and exported.ephemeral
    uid = "watchparty-{}@" + str(emulator.guild.id) + ".clematis"
    assert str(by_uid[uid.format(first_id)]["STATUS"]) == "CANCELLED"
    assert str(by_uid[uid.format(second_id)]["STATUS"]) == "CONFIRMED"
    again = await host.slash("watchparty export")
    assert sorted(str(e["UID"]) for e in calendar_of(again.attachments[0].data).events) == sorted(by_uid)


@shared_loop
async def test_buttons_of_a_cancelled_party_say_so(world: tuple[Emulator, BotProcess]) -> None:
    emulator, bot = world
    host, party_id, shown = await scheduled(emulator, bot)
    stale = shown.components  # what a member's client still shows before the edit arrives
    await host.slash("watchparty cancel", party=str(party_id))
    shown.components = stale
    reply = await emulator.member(emulator.guild, "Mina").click(shown, "Going")
    assert reply.ephemeral and "cancelled" in reply.text


@shared_loop
async def test_the_announcement_carries_the_content_warning_card_behind_tags(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, bot = world
    _host, _party_id, shown = await scheduled(emulator, bot)
    card = [f for f in shown.embeds[0]["fields"] if f["name"].startswith("Content warnings")]
    assert card and "||Death of a main character||" in card[0]["value"]


@shared_loop
async def test_a_promoted_member_who_wants_dms_is_told_by_dm(world: tuple[Emulator, BotProcess]) -> None:
    emulator, bot = world
    _host, _party_id, shown = await scheduled(emulator, bot, capacity=2)
    mina, jo = emulator.member(emulator.guild, "Mina"), emulator.member(emulator.guild, "Jo")
    set_preferences(bot, jo, dm_before_parties=1)
    await mina.click(shown, "Going")
    await jo.click(shown, "Going")
    await mina.click(shown, "Maybe")
    told = await emulator.wait_for_message(emulator.dm_channel(jo.user))
    assert "spot opened up" in told.content and shown.jump_url in told.content
    assert not [m for m in emulator.messages_in(shown.channel) if jo.id in m.pings.users]


async def test_every_button_works_after_a_restart(emulator: Emulator, tmp_path: Path) -> None:
    process = BotProcess(emulator, tmp_path / "restart.db")
    await process.start()
    host, party_id, shown = await scheduled(emulator, process, capacity=2)
    asked = await host.slash("watchparty schedule", episode="r1", when="2027-06-05 8")
    code = await process.stop()
    assert_clean_exit(process, code)

    process = BotProcess(emulator, tmp_path / "restart.db")
    await process.start()
    try:
        mina, jo = emulator.member(emulator.guild, "Mina"), emulator.member(emulator.guild, "Jo")
        assert (await mina.click(shown, "Going")).text == "You're going — 2 going."
        assert "waitlist" in (await jo.click(shown, "Going")).text
        assert "maybe" in (await mina.click(shown, "Maybe")).text
        told = await emulator.wait_for_message(shown.channel, lambda m: "spot opened up" in m.content)
        assert told.pings.users == {jo.id}
        assert "can't go" in (await mina.click(shown, "Can't go")).text
        ics = await mina.click(shown, "Add to calendar")
        assert str(calendar_of(ics.attachments[0].data).events[0]["UID"]).startswith(
            f"watchparty-{party_id}@"
        )
        expired = await host.click(asked, asked.buttons[0]["label"])
        assert "expired" in expired.text
        await emulator.wait_until(
            lambda: field(shown, "Can't go") == "1", 5, "the announcement after restart"
        )
        assert re.search(r"2 / 2", field(shown, "Going"))
    finally:
        code = await process.stop()
        assert_clean_exit(process, code)
