"""Small parts of watch parties: coalesced edits, pending confirmations, the event payload, the embed,
zone-free readings, series plans."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import discord
import pytest

from bot.canon.loader import load_pack
from bot.canon.model import CanonPack
from bot.watchparty.announce import announcement_embed, parse_party_id, user_text
from bot.watchparty.coalesce import EditCoalescer
from bot.watchparty.events import event_payload
from bot.watchparty.parties import Party
from bot.watchparty.pending import PendingStore
from bot.watchparty.rsvp import RsvpCounts
from bot.watchparty.scheduling import ScheduleRequest, plan_series, zone_free_reading

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def pack() -> CanonPack:
    return load_pack()


def party(**extra: object) -> Party:
    fields: dict = dict(
        id=7,
        guild_id=1,
        channel_id=2,
        voice_channel_id=None,
        thread_id=None,
        host_id=3,
        title="Rewatch",
        note=None,
        episodes=("r1",),
        starts_at=datetime(2027, 6, 5, 11, 0, tzinfo=UTC),
        zone="Asia/Seoul",
        duration_minutes=60,
        capacity=None,
        message_id=4,
        event_id=None,
        series_id=None,
        status="scheduled",
        sequence=0,
    )
    fields.update(extra)
    return Party(**fields)


# --- coalesced edits -------------------------------------------------------------------------------


class Recorder:
    def __init__(self, state: dict[int, int], delay: float = 0.0) -> None:
        self.state, self.delay = state, delay
        self.seen: list[tuple[float, int]] = []

    async def edit(self, key: int) -> None:
        value = self.state[key]  # read at edit time, like the announcement reads the DB
        await asyncio.sleep(self.delay)
        self.seen.append((asyncio.get_running_loop().time(), value))


async def test_a_burst_of_requests_makes_two_edits_the_last_with_the_final_state() -> None:
    state = {1: 0}
    recorder = Recorder(state)
    coalescer = EditCoalescer(recorder.edit, interval=0.1)
    for n in range(1, 101):
        state[1] = n
        coalescer.request(1)
        if n == 1:
            await asyncio.sleep(0)  # the first edit starts at once
    await coalescer.flush(within=2)
    assert [value for _, value in recorder.seen] == [1, 100]
    assert coalescer.edits == 2 and coalescer.pending == 0


async def test_edits_of_one_key_are_at_least_an_interval_apart() -> None:
    state = {1: 0}
    recorder = Recorder(state)
    coalescer = EditCoalescer(recorder.edit, interval=0.05)
    for n in range(6):
        state[1] = n
        coalescer.request(1)
        await asyncio.sleep(0.02)
    await coalescer.flush(within=2)
    times = [t for t, _ in recorder.seen]
    assert all(b - a >= 0.045 for a, b in zip(times, times[1:], strict=False))
    assert recorder.seen[-1][1] == 5


async def test_a_request_during_a_running_edit_makes_one_more_edit() -> None:
    state = {1: 0}
    recorder = Recorder(state, delay=0.05)
    coalescer = EditCoalescer(recorder.edit, interval=0.0)
    coalescer.request(1)
    await asyncio.sleep(0.01)  # the edit has read 0 and is "sending"
    state[1] = 1
    coalescer.request(1)
    coalescer.request(1)
    await coalescer.flush(within=2)
    assert [value for _, value in recorder.seen] == [0, 1]


async def test_keys_do_not_wait_for_each_other_and_a_failing_edit_does_not_stop_later_ones() -> None:
    calls: list[int] = []

    async def edit(key: int) -> None:
        calls.append(key)
        if len(calls) == 1:
            raise RuntimeError("Discord said no")

    coalescer = EditCoalescer(edit, interval=0.05)
    coalescer.request(1)
    coalescer.request(2)
    await asyncio.sleep(0.01)
    coalescer.request(1)
    await coalescer.flush(within=2)
    assert sorted(calls) == [1, 1, 2]


# --- pending confirmations -------------------------------------------------------------------------


def test_a_pending_request_expires_and_tokens_are_unique() -> None:
    clock = [0.0]
    store: PendingStore[str] = PendingStore(ttl=10, clock=lambda: clock[0])
    token = store.add(5, "plan")
    other = store.add(6, "other")
    assert token != other and len(token) <= 24
    found = store.get(token)
    assert found is not None and (found.owner_id, found.payload) == (5, "plan")
    clock[0] = 10.5
    assert store.get(token) is None and len(store) == 0


# --- rendering -------------------------------------------------------------------------------------


def test_member_text_cannot_ping_break_markdown_or_a_spoiler() -> None:
    shown = user_text("@everyone **loud** ||spoiler|| <@123>")
    assert (
        "@everyone" not in shown
        and "**" not in shown.replace("\\*", "")
        and "||" not in shown.replace("\\|", "")
    )
    assert "<@123>" not in shown


def test_the_embed_shows_counts_capacity_and_a_clock_change(pack: CanonPack) -> None:
    embed = announcement_embed(
        party(capacity=10, note="bring snacks", zone="Europe/Berlin"),
        RsvpCounts(going=10, maybe=2, not_going=1, waitlist=3),
        pack,
        gap=(datetime(2027, 3, 28, 2, 30), datetime(2027, 3, 28, 3, 30)),
    )
    values = {f.name: f.value for f in embed.fields}
    assert values["Going"] == "10 / 10 · 3 waiting" and values["Maybe"] == "2" and values["Can't go"] == "1"
    assert "<t:1812193200:F> (<t:1812193200:R>)" in (embed.description or "")
    assert "02:30 doesn't exist" in (embed.description or "")
    assert values["Note"] == "bring snacks" and values["Episodes"] == pack.episode("r1").title


def test_a_cancelled_party_shows_no_counts(pack: CanonPack) -> None:
    embed = announcement_embed(party(status="cancelled"), RsvpCounts(going=3), pack)
    assert (embed.title or "").startswith("Cancelled") and "Going" not in [f.name for f in embed.fields]


def test_the_embed_says_when_reminders_go_while_the_party_is_on(pack: CanonPack) -> None:
    times = [timedelta(days=1), timedelta(hours=1), timedelta(0)]
    shown = announcement_embed(party(), RsvpCounts(), pack, reminders=times)
    assert "**Reminders:** 1d, 1h and at the start" in (shown.description or "")
    cancelled = announcement_embed(party(status="cancelled"), RsvpCounts(), pack, reminders=times)
    assert "Reminders" not in (cancelled.description or "")


def test_party_ids_are_read_from_autocomplete_values_and_hashes() -> None:
    assert [parse_party_id(t) for t in ("12", "#12", " 12 ", "twelve", "")] == [12, 12, 12, None, None]


# --- the scheduled event ---------------------------------------------------------------------------


def test_an_event_without_voice_is_external_with_the_announcement_link(pack: CanonPack) -> None:
    payload = event_payload(party(note="x" * 2000, title="t" * 150), pack, None)
    assert payload["entity_type"] == 3 and payload["channel_id"] is None
    assert payload["entity_metadata"]["location"] == "https://discord.com/channels/1/2/4"
    assert len(payload["name"]) == 100 and len(payload["description"]) == 1000
    assert payload["scheduled_end_time"] == "2027-06-05T12:00:00+00:00"


# --- planning --------------------------------------------------------------------------------------


def test_only_times_that_fix_the_instant_need_no_zone() -> None:
    assert zone_free_reading("in 3 hours", NOW) is not None
    reading = zone_free_reading("2027-06-05 8pm kst", NOW)
    assert reading is not None and reading.zone.key == "Asia/Seoul"
    assert zone_free_reading("sat 8pm", NOW) is None
    assert zone_free_reading("2027-06-05 20:00", NOW) is None


def test_a_weekly_wall_time_needs_a_zone_the_text_named_not_just_an_instant() -> None:
    assert zone_free_reading("in 3 hours", NOW, named_zone=True) is None  # an instant, in no zone
    reading = zone_free_reading("2027-06-05 8pm kst", NOW, named_zone=True)
    assert reading is not None and reading.zone.key == "Asia/Seoul"
    named_utc = zone_free_reading("2027-06-05 20:00 utc", NOW, named_zone=True)
    assert named_utc is not None and named_utc.zone.key == "UTC"  # asked for by name: fine


def test_a_series_plan_gives_one_episode_a_week_at_the_same_wall_time(pack: CanonPack) -> None:
    episodes = tuple(pack.episode(e) for e in ("r1", "r2", "r3"))
    request = ScheduleRequest("series", 1, 2, 3, episodes, "Europe/Berlin", "saved")
    first = datetime(2027, 3, 20, 20, 0, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)
    plan = plan_series(request, first)
    assert [d.episodes for d in plan.drafts] == [("r1",), ("r2",), ("r3",)]
    assert [d.starts_at for d in plan.drafts] == [
        first,
        first + timedelta(days=7),
        first + timedelta(days=14, hours=-1),
    ]
    assert {d.title for d in plan.drafts} == {e.title for e in episodes}
    assert {d.reminder_offsets for d in plan.drafts} == {None}


def test_a_series_with_its_own_reminder_times_gives_them_to_every_party(pack: CanonPack) -> None:
    episodes = tuple(pack.episode(e) for e in ("r1", "r2"))
    request = ScheduleRequest("series", 1, 2, 3, episodes, "Europe/Berlin", "saved", reminder_offsets="30m")
    plan = plan_series(request, datetime(2027, 3, 20, 19, 0, tzinfo=UTC))
    assert [d.reminder_offsets for d in plan.drafts] == ["30m", "30m"]


def test_discord_embed_limits_hold_for_a_long_run(pack: CanonPack) -> None:
    episodes = tuple(e.id for e in pack.episodes_in_order("main"))
    embed = announcement_embed(party(episodes=episodes, note="n" * 500), RsvpCounts(), pack)
    assert len(embed) <= 6000 and all(len(f.value or "") <= 1024 for f in embed.fields)
    assert isinstance(embed, discord.Embed)
