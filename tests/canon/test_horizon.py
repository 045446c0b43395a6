from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.canon.horizon import Horizon, horizon_through, released_before, visible_facts
from bot.canon.loader import load_pack
from bot.canon.model import CanonPack, Fact


@cache
def real_pack() -> CanonPack:
    return load_pack()


EPISODE_IDS = [e.id for e in real_pack().episodes]
TRACKS = ["main", "comics", "zombie"]
horizons = st.dictionaries(st.sampled_from(TRACKS), st.integers(min_value=0, max_value=12)).map(Horizon)


def test_empty_horizon_allows_nothing():
    pack = real_pack()
    assert not any(Horizon().allows(pack, e) for e in EPISODE_IDS)


def test_horizon_through_allows_that_episode_and_earlier_ones_only():
    pack = real_pack()
    through = horizon_through(pack, "r5")
    assert [e for e in EPISODE_IDS if through.allows(pack, e)] == ["r1", "sweet-dream", "r2", "r3", "r5"]


def test_release_order_puts_sweet_dream_second_and_karma_last():
    # Pack 2026.2: a member who watched ROUND 1 then Sweet Dream has seen nothing of ROUND 2 or 3,
    # and one who has seen Wiege has seen nothing of KARMA.
    pack = real_pack()
    at_sweet_dream = horizon_through(pack, "sweet-dream")
    assert not at_sweet_dream.allows(pack, "r2") and not at_sweet_dream.allows(pack, "r3")
    assert not horizon_through(pack, "wiege").allows(pack, "karma")
    assert [e.id for e in pack.episodes_in_order("main")][-3:] == ["final", "wiege", "karma"]


def test_webcomic_needs_the_whole_main_story_as_well():
    # Where the comics are set is not confirmed (they show Till after ROUND 6): they require KARMA.
    pack = real_pack()
    assert not Horizon({"comics": 1}).allows(pack, "scars")
    assert not Horizon({"comics": 0, "main": pack.position("r6")[1]}).allows(pack, "scars")
    assert Horizon({"comics": 0, "main": pack.position("karma")[1]}).allows(pack, "scars")
    assert horizon_through(pack, "remember-everything").allows(pack, "karma")
    assert not horizon_through(pack, "karma").allows(
        pack, "scars"
    )  # finishing the main story is not reading comics


def test_zombie_stage_is_independent_of_the_main_story():
    pack = real_pack()
    assert not horizon_through(pack, "wiege").allows(pack, "zs-r1")
    assert not horizon_through(pack, "zs-r1").allows(pack, "r1")


def test_from_episodes_takes_the_furthest_on_each_track():
    pack = real_pack()
    horizon = Horizon.from_episodes(pack, ["r1", "r6", "r3", "zs-r1"])
    assert horizon == Horizon({"main": pack.position("r6")[1], "zombie": 0})


def test_allows_preview_needs_the_previous_episode():
    pack = real_pack()
    at_r3 = horizon_through(pack, "r3")
    assert at_r3.allows_preview(pack, "r5")
    assert not at_r3.allows_preview(pack, "mizi-sua")
    assert not horizon_through(pack, "r1").allows_preview(pack, "r2")
    assert Horizon().allows_preview(pack, "r1")
    assert not horizon_through(pack, "r5").allows_preview(pack, "scars")


def test_released_before_uses_known_dates_and_everything_before_them():
    pack = real_pack()
    assert released_before(pack, date(2022, 9, 6)) == Horizon()
    assert released_before(pack, date(2022, 9, 7)) == Horizon({"main": 0})
    # Sweet Dream and ROUND 2 have no date, but ROUND 3 (dated) implies them.
    assert released_before(pack, date(2023, 1, 5)) == Horizon({"main": 3})
    # ROUND 6 carries a (low-confidence) date in April 2024; the undated episodes before it come along.
    assert released_before(pack, date(2025, 1, 1)) == horizon_through(pack, "r6")
    # KARMA (27 June 2025) is the last release: once it is out, the whole main story is.
    assert released_before(pack, date(2025, 6, 27)) == horizon_through(pack, "karma")


def test_unknown_dates_never_move_the_horizon():
    pack = real_pack()
    far_future = released_before(pack, date(2100, 1, 1))
    assert far_future == horizon_through(pack, "karma")  # the dated KARMA brings undated Wiege along
    assert not far_future.allows(pack, "zs-r1")
    assert not far_future.allows(pack, "scars")


def test_visible_facts_counts_the_hidden_ones():
    pack = real_pack()
    facts = pack.character("ivan").facts
    shown, hidden = visible_facts(pack, facts, horizon_through(pack, "r3"))
    assert all(f.revealed_in in ("sweet-dream", "r3") for f in shown)
    assert hidden == len(facts) - len(shown) > 0
    assert visible_facts(pack, [Fact("x", "r6")], Horizon()) == ([], 1)


def test_last_episodes_round_trips_through_from_episodes():
    pack = real_pack()
    horizon = Horizon.from_episodes(pack, ["r5", "zs-r1"])
    assert horizon.last_episodes(pack) == {"main": "r5", "zombie": "zs-r1"}
    assert Horizon.from_episodes(pack, horizon.last_episodes(pack).values()) == horizon
    assert Horizon({"main": 99, "gone": 3}).last_episodes(pack) == {"main": "karma"}


def test_horizon_rejects_negative_or_non_integer_indexes():
    with pytest.raises(ValueError):
        Horizon({"main": -1})
    with pytest.raises(ValueError):
        Horizon({"main": True})


def test_horizon_is_hashable_and_compares_like_a_mapping():
    assert Horizon({"main": 2}) == {"main": 2}
    assert len({Horizon({"main": 2}), Horizon([("main", 2)])}) == 1


def test_unknown_episode_raises_key_error():
    with pytest.raises(KeyError):
        Horizon().allows(real_pack(), "r4")


@given(horizons, horizons, st.sampled_from(EPISODE_IDS))
def test_allows_is_monotone_in_the_horizon(a: Horizon, b: Horizon, episode_id: str):
    pack = real_pack()
    bigger = a.merge(b)
    if a.allows(pack, episode_id):
        assert bigger.allows(pack, episode_id)


@given(horizons, st.sampled_from(EPISODE_IDS))
def test_allows_means_covering_the_horizon_through_the_episode(h: Horizon, episode_id: str):
    pack = real_pack()
    assert h.allows(pack, episode_id) == h.covers(horizon_through(pack, episode_id))


@given(horizons, horizons)
def test_merge_is_commutative(a: Horizon, b: Horizon):
    assert a.merge(b) == b.merge(a)


@given(horizons, horizons, horizons)
def test_merge_is_associative(a: Horizon, b: Horizon, c: Horizon):
    assert a.merge(b).merge(c) == a.merge(b.merge(c))


@given(horizons)
def test_merge_is_idempotent_and_empty_is_neutral(a: Horizon):
    assert a.merge(a) == a
    assert a.merge(Horizon()) == a


@given(horizons, horizons)
def test_merge_covers_both(a: Horizon, b: Horizon):
    assert a.merge(b).covers(a) and a.merge(b).covers(b)


@given(st.lists(st.sampled_from(EPISODE_IDS), max_size=6))
def test_from_episodes_allows_exactly_what_each_listed_episode_implies(ids: list[str]):
    pack = real_pack()
    horizon = Horizon.from_episodes(pack, ids)
    assert all(horizon.allows(pack, e) for e in ids)
    expected = {e for e in EPISODE_IDS if any(horizon_through(pack, i).allows(pack, e) for i in ids)}
    assert {e for e in EPISODE_IDS if horizon.allows(pack, e)} == expected


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2000)),
)
def test_released_before_grows_with_the_cutoff(cutoff: date, delta: timedelta):
    pack = real_pack()
    assert released_before(pack, cutoff + delta).covers(released_before(pack, cutoff))
