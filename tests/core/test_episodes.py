"""bot.episodes: the one resolver from typed text to an episode or a track."""

import pytest

from bot.canon.model import CanonPack
from bot.canon.store import CanonStore
from bot.episodes import EpisodeSuggestions, episode_choices, resolve_episode, resolve_track, track_choices
from bot.errors import UserError


@pytest.fixture(scope="module")
def store(pack: CanonPack) -> CanonStore:
    return CanonStore(pack)


def test_an_episode_is_found_by_id_title_or_alias(store: CanonStore) -> None:
    assert resolve_episode(store, "r5").id == "r5"
    assert resolve_episode(store, "round 5").id == "r5"
    assert resolve_episode(store, "  ruler of my heart ").id == "r5"


async def test_an_unclear_name_suggests_the_closest_episodes_as_buttons(store: CanonStore) -> None:
    # async: a discord.py View is built inside the running loop, as in the bot (2.4-2.6 require one)
    async def pick(interaction, episode_id):  # pragma: no cover - only its presence matters here
        return None

    with pytest.raises(UserError) as caught:
        resolve_episode(store, "round", on_pick=pick, owner_id=1)
    assert "Did you mean" in caught.value.message
    assert isinstance(caught.value.view, EpisodeSuggestions)
    assert 1 <= len(caught.value.view.children) <= 5


def test_an_unknown_name_is_echoed_safely(store: CanonStore) -> None:
    with pytest.raises(UserError) as caught:
        resolve_episode(store, "zzqx **bold** @everyone")
    message = caught.value.message
    assert "**bold**" not in message and "@everyone" not in message
    assert caught.value.view is None


def test_choices_respect_the_track_and_the_limit(store: CanonStore, pack: CanonPack) -> None:
    everything = episode_choices(store, "")
    assert 1 <= len(everything) <= 25
    zombie = episode_choices(store, "", track="zombie")
    assert zombie and all(pack.position(c.value)[0] == "zombie" for c in zombie)
    assert all(pack.position(c.value)[0] == "main" for c in episode_choices(store, "round", track="main"))


def test_tracks_resolve_by_id_or_name(pack: CanonPack) -> None:
    assert resolve_track(pack, "Main story") == "main"
    assert resolve_track(pack, "zombie") == "zombie"
    assert [c.value for c in track_choices(pack, "")] == list(pack.track_ids())
    with pytest.raises(UserError, match="The tracks are"):
        resolve_track(pack, "nope")
