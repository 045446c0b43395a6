"""Timeline pages: every episode once, in track order, titles and dates only, ✅ from progress."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from bot.canon.horizon import horizon_through
from bot.canon.loader import load_pack
from bot.lookups.cards import fit_card
from bot.lookups.timeline import timeline_card, timeline_pages

PACK = load_pack()


def test_one_page_per_track_in_pack_order() -> None:
    pages = timeline_pages(PACK)
    assert [p.track.id for p in pages] == ["main", "comics", "zombie"]
    assert [e.id for p in pages for e in p.episodes] == [e.id for e in PACK.episodes]


@given(st.integers(min_value=1, max_value=15))
def test_long_tracks_split_into_numbered_parts(per_page: int) -> None:
    pages = timeline_pages(PACK, per_page)
    assert [e.id for p in pages for e in p.episodes] == [e.id for e in PACK.episodes]
    assert all(len(p.episodes) <= per_page for p in pages)
    for page in pages:
        assert page.first == (page.part - 1) * per_page and 1 <= page.part <= page.parts


def test_watched_episodes_are_ticked_and_nothing_but_titles_and_dates_is_shown() -> None:
    pages = timeline_pages(PACK)
    card = timeline_card(PACK, pages, 0, horizon_through(PACK, "r5"))
    lines = [line for line in card.description.split("\n") if "**" in line]
    assert [line.startswith("✅") for line in lines] == [True] * 5 + [False] * 7
    assert "` 1` **ROUND 1: MY CLEMATIS** · <t:1662552000:D>" in card.description
    assert "**TOP 3** · Special · date unknown" in card.description
    assert "**KARMA** · Special · <t:1751025600:D> *(unconfirmed)*" in card.description
    assert "` 2` **Sweet Dream** · Opening · date unknown\n" in card.description  # second, by pack 2026.2
    assert "**MIZI&SUA** · Special · date unknown · *place in the order uncertain*" in card.description
    for episode in PACK.episodes:
        assert episode.premise not in card.description
        assert all(d.text not in card.description for d in episode.details)


def test_without_progress_there_are_no_ticks_and_a_hint() -> None:
    card = timeline_card(PACK, timeline_pages(PACK), 1, None, "</progress:1>")
    assert "✅" not in card.description.split("\n\n")[1] and "</progress:1>" in card.description
    assert card.title == "Timeline · Webcomics" and card.footer.startswith("Page 2 of 3")


def test_a_page_past_the_end_shows_the_last_one() -> None:
    pages = timeline_pages(PACK)
    assert timeline_card(PACK, pages, 99, None).title == "Timeline · Zombie Stage"
    assert timeline_card(PACK, pages, -3, None).title == "Timeline · Main story"


def test_an_empty_pack_says_so() -> None:
    empty = replace(PACK, episodes=(), characters=(), terms=())
    assert "no episodes" in timeline_card(empty, timeline_pages(empty), 0, None).description


def test_a_huge_track_still_fits_one_embed() -> None:
    card = fit_card(timeline_card(PACK, timeline_pages(PACK, per_page=500), 0, None))
    assert card.size <= 6000
