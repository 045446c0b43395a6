"""GuildState: the in-memory decision, what it recompiles and when (release window, pack, places)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from types import MappingProxyType

import pytest

from bot.canon.horizon import Horizon
from bot.canon.loader import load_pack
from bot.canon.model import CanonPack
from bot.guard.config import GuildConfig
from bot.guard.rules import Compiled, ServerRules
from bot.guard.state import GuildState, compile_for
from bot.spoilers import Rule

GUILD, GENERAL, SPOILERS, SPOILER_THREAD, R1_THREAD = 1, 10, 11, 12, 13
TODAY = date(2026, 11, 21)


@pytest.fixture(scope="module")
def pack() -> CanonPack:
    return load_pack()


class CountingCompiler:
    def __init__(self) -> None:
        self.calls: list[Horizon] = []

    def __call__(
        self, pack: CanonPack, public: Horizon, config: GuildConfig, previous: Compiled | None = None
    ) -> ServerRules:
        self.calls.append(public)
        return compile_for(pack, public, config, previous)


def detect(
    state: GuildState,
    pack: CanonPack,
    text: str,
    channel: int = GENERAL,
    *,
    parent: int | None = None,
    roles: Collection[int] = (),
    today: date = TODAY,
) -> str | None:
    """The episode ``text`` spoils where it was posted, or None."""
    found = state.detect(pack, text, channel_id=channel, parent_id=parent, role_ids=roles, today=today)
    return found.episode if found else None


def test_nothing_is_public_by_default(pack: CanonPack) -> None:
    state = GuildState(GuildConfig(GUILD))
    assert detect(state, pack, "sua dies") == "r1"
    assert detect(state, pack, "I love Sua so much") is None


def test_the_public_horizon_lets_earlier_episodes_through(pack: CanonPack) -> None:
    state = GuildState(GuildConfig(GUILD, public_episodes=("r6",)))
    assert detect(state, pack, "ivan dies") is None
    assert detect(state, pack, "till was shot") == "final"


def test_the_release_window_moves_the_horizon_when_a_dated_episode_crosses_it(pack: CanonPack) -> None:
    karma = pack.episode("karma").release_date
    assert karma is not None
    compiler = CountingCompiler()
    state = GuildState(GuildConfig(GUILD, window_days=30), compiler)
    day_before = karma + timedelta(days=29)
    assert detect(state, pack, "mizi sabotages the rocket", today=day_before) == "karma"
    assert detect(state, pack, "hyuna still loves luka", today=day_before) == "wiege"  # undated, before KARMA
    assert detect(state, pack, "mizi sabotages the rocket", today=day_before + timedelta(days=1)) is None
    assert detect(state, pack, "hyuna still loves luka", today=day_before + timedelta(days=1)) is None
    assert (
        detect(state, pack, "sua is dismembered", today=day_before + timedelta(days=1)) == "zs-r1"
    )  # undated
    assert len(compiler.calls) == 2


def test_rules_are_compiled_once_per_change_not_per_message_or_day(pack: CanonPack) -> None:
    compiler = CountingCompiler()
    state = GuildState(GuildConfig(GUILD, window_days=30), compiler)
    for day in range(5):
        for _ in range(3):
            detect(state, pack, "ivan dies", today=TODAY + timedelta(days=day))
    assert len(compiler.calls) == 1  # the window moved nothing these days: the horizon did not change


def test_a_new_canon_pack_is_compiled_against(pack: CanonPack) -> None:
    compiler = CountingCompiler()
    state = GuildState(GuildConfig(GUILD), compiler)
    detect(state, pack, "ivan dies")
    reloaded = load_pack()
    assert detect(state, reloaded, "ivan dies") == "r6"
    assert len(compiler.calls) == 2 and state.pack is reloaded


def test_spoiler_channels_and_their_threads_allow_anything(pack: CanonPack) -> None:
    state = GuildState(GuildConfig(GUILD, spoiler_channels=frozenset({SPOILERS})))
    assert detect(state, pack, "ivan dies", channel=SPOILERS) is None
    assert detect(state, pack, "ivan dies", channel=SPOILER_THREAD, parent=SPOILERS) is None
    assert detect(state, pack, "ivan dies", channel=GENERAL) == "r6"


def test_an_episode_thread_allows_up_to_its_episode(pack: CanonPack) -> None:
    state = GuildState(GuildConfig(GUILD, threads=MappingProxyType({R1_THREAD: "r1"})))
    assert detect(state, pack, "sua dies", channel=R1_THREAD) is None
    assert detect(state, pack, "sua dies and then ivan dies", channel=R1_THREAD) == "r6"
    assert detect(state, pack, "sua dies", channel=GENERAL) == "r1"


def test_exempt_roles_skip_the_check(pack: CanonPack) -> None:
    state = GuildState(GuildConfig(GUILD, exempt_roles=frozenset({99})))
    assert detect(state, pack, "ivan dies", roles=[5, 99]) is None
    assert detect(state, pack, "ivan dies", roles=[5]) == "r6"


def test_server_rules_and_allow_list_take_part(pack: CanonPack) -> None:
    config = GuildConfig(
        GUILD, rules=(Rule("r5", "mizi wins everything", "mod:7", 1),), allow=("ivan is dead tired",)
    )
    state = GuildState(config)
    found = state.detect(pack, "mizi wins everything", channel_id=GENERAL, parent_id=None, today=TODAY)
    assert found is not None and found.episode == "r5" and found.source == "mod:7"
    assert detect(state, pack, "ivan is dead tired after practice") is None
    assert detect(state, pack, "ivan is dead") == "r6"
    assert detect(state, pack, "till was shot") == "final"


def test_rules_for_episodes_the_pack_lost_are_ignored(pack: CanonPack) -> None:
    state = GuildState(
        GuildConfig(GUILD, rules=(Rule("r99", "nobody knows this", "mod:1", 1),), public_episodes=("gone",))
    )
    assert detect(state, pack, "nobody knows this") is None
    assert detect(state, pack, "sua dies") == "r1"


@pytest.mark.parametrize(
    "text",
    [
        "Is Till dead? I haven't watched yet",  # a question: a nudge naming FINAL would answer it
        "sua lost her necklace in that fanart",
        "Sua lost me at hello",
        "I'll stay till the end of the stream",
        "Till and Ivan are my favourite duo",
    ],
)
def test_canon_rules_leave_ordinary_fan_chat_alone(pack: CanonPack, text: str) -> None:
    assert detect(GuildState(GuildConfig(GUILD)), pack, text) is None


def test_canon_rules_still_catch_what_they_are_for(pack: CanonPack) -> None:
    state = GuildState(GuildConfig(GUILD))
    assert detect(state, pack, "sua lost to mizi :(") == "r1"
    assert detect(state, pack, "sua loses round 1") == "r1"
    assert detect(state, pack, "yes, till is dead") == "final"


def test_each_track_has_its_own_horizon(pack: CanonPack) -> None:
    whole_main = GuildState(GuildConfig(GUILD, public_episodes=("karma",)))
    assert detect(whole_main, pack, "till was shot") is None
    assert detect(whole_main, pack, "till hallucinates ivan") == "scars"  # the webcomics are not public
    up_to_wiege = GuildState(GuildConfig(GUILD, public_episodes=("wiege",)))
    assert detect(up_to_wiege, pack, "mizi sabotages the rocket") == "karma"  # KARMA is the last release
    comics = GuildState(GuildConfig(GUILD, public_episodes=("remember-everything",)))
    assert detect(comics, pack, "till forgives ivan") is None
    assert detect(comics, pack, "mizi sabotages the rocket") is None  # the comics build on the whole story
    zombie = GuildState(GuildConfig(GUILD, public_episodes=("zs-r1",)))
    assert detect(zombie, pack, "sua is dismembered") is None
    assert detect(zombie, pack, "ivan dies") == "r6"  # the main story moves on its own
