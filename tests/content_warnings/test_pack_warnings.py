"""The bundled pack's warnings against the fact sheet (/work/shared/canon/FACTS.md, section 1)."""

from __future__ import annotations

import pytest

from bot.canon.loader import load_pack
from bot.content_warnings import PUBLIC_CONTEXT, render_card

PACK = load_pack()

# Topics each episode must carry because the fact sheet's content-warning column names them.
FACT_SHEET = {
    "r1": {"death-main-character", "suicide-self-harm", "execution", "grief"},
    "r2": {"violence", "execution"},
    "r3": {"execution", "obsessive-love"},
    "sweet-dream": {"knife-violence"},
    "r5": {"psychological-abuse", "graphic-violence", "blood", "mental-illness"},
    "r6": {"sexual-assault", "strangulation", "gun-violence", "death-main-character", "suicide-self-harm"},
    "all-in": {"child-death", "violence"},
    "final": {"gun-violence", "death-main-character"},  # Till is shot; the episode leaves his fate open
    "karma": {"violence", "mental-illness", "grief"},
    "wiege": {"trauma", "gun-violence", "death-main-character"},  # audit 2026-12: Hyuna takes the bullets
    "scars": {"trauma", "mental-illness", "sexual-assault", "grief"},
    "remember-everything": {"trauma", "mental-illness", "sexual-assault", "grief"},
    "zs-r1": {"horror-gore", "execution"},  # "losers are dismembered on stage"
}


@pytest.mark.parametrize("episode_id", sorted(FACT_SHEET))
def test_each_episode_warns_about_what_the_fact_sheet_lists(episode_id: str) -> None:
    topics = {w.topic for w in PACK.episode(episode_id).warnings}
    assert FACT_SHEET[episode_id] <= topics


def test_top3_has_no_listed_warnings_and_its_card_says_so() -> None:
    assert PACK.episode("top3").warnings == ()
    (field,) = render_card(PACK, ["top3"], PUBLIC_CONTEXT)
    assert "No warnings are listed for this episode yet" in field[1]
