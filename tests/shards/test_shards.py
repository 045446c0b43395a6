"""Shard settings and the ownership rule: which servers a process acts for."""

from __future__ import annotations

import asyncio
import collections

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import ConfigError, load_settings
from bot.shards import Shards, format_shard_ids, parse_shard_ids, shard_of
from bot.watchparty.dispatcher import heartbeat_key

TOKEN = "MTEyMzQ1Njc4OTAxMjM0NTY3.GEmuLa.emulator-token-not-a-real-one-0000"


def settings(**env: str):
    return load_settings({"DISCORD_TOKEN": TOKEN, **env})


def test_by_default_discord_recommends_the_count_and_this_process_runs_every_shard() -> None:
    s = settings()
    assert (s.shard_count, s.shard_ids) == (None, None)


@pytest.mark.parametrize(
    ("raw", "ids"),
    [("0-3", (0, 1, 2, 3)), ("0,1", (0, 1)), (" 4 - 5 , 0 ", (0, 4, 5)), ("2", (2,)), ("1,1,0-1", (0, 1))],
)
def test_shard_ids_are_numbers_and_ranges(raw: str, ids: tuple[int, ...]) -> None:
    s = settings(SHARD_COUNT="8", SHARD_IDS=raw)
    assert (s.shard_count, s.shard_ids) == (8, ids)
    assert "shard_count=8" in repr(s)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT"),
        ({"SHARD_COUNT": "two"}, "SHARD_COUNT"),
        ({"SHARD_COUNT": "-1"}, "SHARD_COUNT"),
        ({"SHARD_IDS": "0-1"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "3-1"}, "runs backwards"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0,,1"}, "empty"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "a"}, "SHARD_IDS"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0-4"}, "shards 0 to 3"),
    ],
)
def test_a_bad_shard_setting_names_the_variable_and_the_fix(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        settings(**env)


@given(st.sets(st.integers(0, 200), min_size=1))
def test_shard_ids_spelled_back_parse_to_the_same_set(ids: set[int]) -> None:
    assert set(parse_shard_ids(format_shard_ids(ids))) == ids


@given(st.integers(1 << 22, (1 << 62) - 1), st.integers(1, 64))
def test_every_server_is_owned_by_exactly_one_of_disjoint_ranges_covering_all_shards(
    guild_id: int, count: int
) -> None:
    halves = [Shards(count, frozenset(range(0, count, 2))), Shards(count, frozenset(range(1, count, 2)))]
    assert sum(h.owns(guild_id) for h in halves) == 1
    assert Shards.all_of(count).owns(guild_id)
    assert shard_of(guild_id, count) == (guild_id >> 22) % count


def test_a_range_names_itself_briefly() -> None:
    assert str(Shards(4, frozenset({0, 1}))) == "shards 0-1 of 4"
    assert str(Shards(8, frozenset({0, 1, 2, 5}))) == "shards 0-2,5 of 8"


def test_processes_on_disjoint_ranges_keep_separate_heartbeats() -> None:
    assert heartbeat_key(None) == heartbeat_key(Shards.all_of(4)) == "due_dispatcher"
    assert heartbeat_key(Shards(4, frozenset({0, 1}))) != heartbeat_key(Shards(4, frozenset({2, 3})))


async def test_identify_waits_five_seconds_only_within_a_max_concurrency_bucket(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.client import Clematis

    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(round(seconds))

    bot = Clematis.__new__(Clematis)  # only the identify pacing state, no connection
    bot._max_concurrency = 2
    bot._identify_locks = collections.defaultdict(asyncio.Lock)
    bot._identified_at = {}
    monkeypatch.setattr("bot.client.asyncio.sleep", fake_sleep)
    for shard_id in range(4):
        await bot.before_identify_hook(shard_id, initial=shard_id == 0)
    # shards 0 and 1 start together (buckets 0 and 1); 2 and 3 wait for their bucket's 5 s
    assert slept == [5, 5]
