"""The shared check for the bot's own words: what it decides, and that a tagged text never breaks out."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.canon.loader import load_pack
from bot.canon.model import CanonPack
from bot.guard.config import GuildConfig
from bot.guard.published import Published, judge_published
from bot.guard.state import Detection, GuildState
from bot.spoilers import visible_text

TODAY = date(2026, 12, 6)
SPOILS = Detection("r6", "ivan dies", "canon")


PACK = load_pack()


def _state(**config: object) -> tuple[GuildState, CanonPack]:
    return GuildState(GuildConfig(1, **config)), PACK  # type: ignore[arg-type]


def test_a_spoiling_text_is_found_with_the_episode_it_spoils() -> None:
    state, pack = _state()
    checked = judge_published(state, pack, "Ivan dies in round 6 rewatch", today=TODAY)
    assert checked.spoils and checked.detection is not None and checked.detection.episode == "r6"
    assert checked.episode_title is not None and "ROUND 6" in checked.episode_title
    refusal = checked.refusal("title", "<#5>")
    assert refusal is not None and "ROUND 6" in refusal and "Ivan" not in refusal


def test_the_members_own_tags_do_not_hide_text_the_bot_shows_escaped() -> None:
    state, pack = _state()
    assert judge_published(state, pack, "party! ||ivan dies||", today=TODAY).spoils


def test_a_spoiler_channel_allows_it_and_a_discussion_thread_only_up_to_its_episode() -> None:
    state, pack = _state(spoiler_channels=frozenset({7}), threads={8: "r5", 9: "r6"})
    assert not judge_published(state, pack, "ivan dies", channel_id=7, today=TODAY).spoils
    assert not judge_published(state, pack, "ivan dies", channel_id=70, parent_id=7, today=TODAY).spoils
    assert judge_published(state, pack, "ivan dies", channel_id=8, parent_id=7, today=TODAY).spoils
    assert not judge_published(state, pack, "ivan dies", channel_id=9, parent_id=7, today=TODAY).spoils
    assert judge_published(state, pack, "ivan dies", today=TODAY).spoils  # the whole server: public only


def test_a_safe_text_is_shown_escaped_and_plain() -> None:
    shown = Published("Round *one* @everyone", None)
    assert shown.markdown() == "Round \\*one\\* @\u200beveryone" and shown.plain("neutral") == shown.text


@given(st.text(max_size=300), st.integers(min_value=8, max_value=400))
def test_a_tagged_text_never_shows_outside_its_tag_and_fits(text: str, limit: int) -> None:
    shown = Published(text, SPOILS).markdown(limit)
    assert len(shown) <= limit
    assert shown.startswith("||") and shown.endswith("||")
    assert visible_text(shown).strip() == ""
    assert Published(text, SPOILS).plain("Watch party") == "Watch party"
