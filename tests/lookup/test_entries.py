"""Entry cards against the real pack: what each audience may see, what is counted, what the reveal tags."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.canon.horizon import Horizon, horizon_through
from bot.canon.loader import load_pack
from bot.canon.model import CanonPack, Episode
from bot.canon.warnings import TOPICS_BY_ID
from bot.content_warnings import CardContext
from bot.horizon import full_horizon
from bot.i18n import use_locale
from bot.lookups.audience import Audience
from bot.lookups.cards import fit_card
from bot.lookups.entries import (
    EntryView,
    credit_text,
    entry_of,
    entry_view,
    first_appearance_text,
    gated_facts,
    more_hint,
    release_text,
    render_view,
    reveal_card,
)
from bot.spoilers import escape_spoiler, visible_text

PACK = load_pack()
NOTHING = Horizon()


def public(horizon: Horizon, personal: Horizon | None = None, *, progress: bool = True) -> Audience:
    return Audience(horizon, personal if personal is not None else horizon, False, progress)


def private(horizon: Horizon, *, progress: bool = True) -> Audience:
    return Audience(horizon, horizon, True, progress)


def through(episode_id: str) -> Horizon:
    return horizon_through(PACK, episode_id)


def all_text(view_card) -> str:  # type: ignore[no-untyped-def]
    card = fit_card(view_card)
    return "\n".join(
        [card.title, card.description, *(f"{f.name}\n{f.value}" for f in card.fields), card.footer]
    )


def test_facts_show_up_to_the_horizon_and_the_rest_are_counted() -> None:
    ivan = PACK.character("ivan")
    shown = entry_view(PACK, ivan, private(through("r6")))
    text = all_text(shown.card)
    for fact in ivan.facts:
        assert (fact.text in text) == (fact.revealed_in in ("sweet-dream", "r3", "r6"))
    assert shown.hidden == 1 and shown.revealable
    assert "1 later fact hidden" in text


def test_unconfirmed_facts_are_marked() -> None:
    text = all_text(entry_view(PACK, PACK.character("ivan"), private(full_horizon(PACK))).card)
    assert "Why he does it is read two ways" in text
    assert "or to throw the round so that Till wins. *(unconfirmed)*" in text
    assert "Wins ROUND 3. *(unconfirmed)*" not in text and "• Wins ROUND 3." in text


def test_nothing_hidden_means_no_reveal_and_no_hint() -> None:
    shown = entry_view(PACK, PACK.character("sua"), private(through("karma")))
    assert shown.hidden == 0 and not shown.revealable
    assert "hidden" not in all_text(shown.card) and "/progress" not in all_text(shown.card)


def test_first_appearance_is_named_only_when_it_is_at_most_the_next_episode() -> None:
    assert first_appearance_text(PACK, "r1", NOTHING) == "ROUND 1: MY CLEMATIS"  # the very start
    assert first_appearance_text(PACK, "all-in", NOTHING) == "*a later episode*"
    assert first_appearance_text(PACK, "all-in", through("top3")) == "*a later episode*"
    assert first_appearance_text(PACK, "all-in", through("r6")) == "All-in"  # it is their next one


def test_names_mark_an_unconfirmed_japanese_name() -> None:
    text = all_text(entry_view(PACK, PACK.character("luka"), private(NOTHING)).card)
    assert "Hangul: 루카" in text and "Japanese: ルカ *(unconfirmed)*" in text


def test_vocal_credits_carry_their_confidence() -> None:
    luka, sua = PACK.character("luka"), PACK.character("sua")
    assert luka.vocal is not None and sua.vocal is not None
    assert credit_text(PACK, luka.vocal) == "BL8M *(high confidence)*"
    assert credit_text(PACK, sua.vocal) == "C!naH *(unconfirmed: low confidence)*"


def test_release_dates_are_noon_utc_timestamps_and_unknown_ones_say_so() -> None:
    r1 = release_text(PACK.episode("r1"))
    assert r1.startswith("<t:1662552000:D> (<t:1662552000:R>)") and "Originally planned" in r1
    assert release_text(PACK.episode("r2")).startswith("Date unknown\n*Came out between")
    assert "*(date unconfirmed)*" in release_text(PACK.episode("karma"))


def test_performers_and_vocals_wait_until_the_episode_before_has_been_seen() -> None:
    r5 = PACK.episode("r5")
    early = all_text(entry_view(PACK, r5, private(through("r2"))).card)
    assert "Hidden until you have seen ROUND 3: Black Sorrow" in early
    assert "BL8M" not in early and "Mizi" not in early
    ready = entry_view(PACK, r5, private(through("r3")))
    assert "Mizi, Luka" in all_text(ready.card) and "BL8M as Luka" in all_text(ready.card)
    assert ready.hidden == len(r5.details) and ready.revealable


def test_a_webcomic_needs_the_main_story_before_its_cast_shows() -> None:
    scars = all_text(entry_view(PACK, PACK.episode("scars"), private(through("wiege"))).card)
    assert "Hidden until you have seen KARMA" in scars
    ready = all_text(entry_view(PACK, PACK.episode("scars"), private(through("karma"))).card)
    assert "On stage\nTill" in ready


def test_episode_card_draws_the_one_content_warning_card_with_topics_tagged() -> None:
    from bot.content_warnings import PUBLIC_CONTEXT, render_card

    card = entry_view(PACK, PACK.episode("r6"), private(through("r6"))).card
    expected = render_card(PACK, ["r6"], PUBLIC_CONTEXT, budget=1800, max_fields=2)
    for name, value in expected:
        assert value in all_text(card) and name in all_text(card)
    for warning in PACK.episode("r6").warnings:
        label = TOPICS_BY_ID[warning.topic].label
        assert f"||{label}||" in all_text(card)


def test_episode_links_its_discussion_thread() -> None:
    card = entry_view(PACK, PACK.episode("r1"), public(NOTHING), thread_id=77).card
    assert ("Discussion", "<#77>") in [(f.name, f.value) for f in card.fields]


def test_hints_say_how_to_see_more_only_when_something_would() -> None:
    assert more_hint(public(NOTHING, through("r6")), 3, 0).startswith("Run the command with `private: True`")
    assert (
        more_hint(private(NOTHING, progress=False), 3, 3) == "Set your progress with /progress to see more."
    )
    # In public, progress alone may not help (the place limits it): say the whole way.
    assert more_hint(public(NOTHING, progress=False), 3, 3) == (
        "Set your progress with /progress, then run the command with `private: True` to see more."
    )
    assert more_hint(private(through("r3")), 2, 2) == ""  # they set progress; Reveal is the way
    assert more_hint(public(NOTHING, progress=False), 0, 0) == ""


def test_reveal_tags_what_is_past_the_viewer_with_its_episode_inside_the_tag() -> None:
    ivan = PACK.character("ivan")
    card = reveal_card(PACK, ivan, through("r3"))
    for fact in ivan.facts:
        if fact.revealed_in in ("sweet-dream", "r3"):
            assert f"\n• {fact.text}" in card.description
        else:
            title = PACK.episode(fact.revealed_in).title
            marker = "" if fact.confirmed else " (unconfirmed)"
            assert f"• ||({title}) {escape_spoiler(fact.text)}{marker}||" in card.description
    assert "ROUND 6" not in visible_text(card.description)  # which episode is itself behind the tag


def test_reveal_of_an_episode_tags_who_is_on_stage() -> None:
    card = reveal_card(PACK, PACK.episode("r6"), through("r3"))
    assert (
        "• On stage: ||Till, Ivan; AKUGETSU as Till \\*(unconfirmed: low confidence)\\*; PARK BYEONG HOON"
        in (card.description)
    )


def test_reveal_for_someone_who_has_seen_it_all_says_so() -> None:
    card = reveal_card(PACK, PACK.character("mizi"), full_horizon(PACK))
    assert card.description.startswith("You have seen everything") and "||" not in card.description


def test_unknown_kinds_and_ids_are_none() -> None:
    assert entry_of(PACK, "character", "nobody") is None
    assert entry_of(PACK, "spell", "ivan") is None
    assert entry_of(PACK, "term", "anakt-garden") is PACK.term("anakt-garden")


def horizons(pack: CanonPack) -> st.SearchStrategy[Horizon]:
    return st.lists(st.sampled_from([e.id for e in pack.episodes]), max_size=4).map(
        lambda ids: Horizon.from_episodes(pack, ids)
    )


ENTRIES = [*PACK.characters, *PACK.episodes, *PACK.terms]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ENTRIES), horizons(PACK), horizons(PACK))
def test_no_card_ever_shows_a_fact_past_its_horizon(entry, shown: Horizon, personal: Horizon) -> None:  # type: ignore[no-untyped-def]
    audience = Audience(shown, personal, False, True)
    view = entry_view(PACK, entry, audience)
    text = all_text(view.card)
    visible = visible_text(text)
    for fact in gated_facts(entry):
        if not shown.allows(PACK, fact.revealed_in):
            assert fact.text not in text
    assert view.hidden == sum(not shown.allows(PACK, f.revealed_in) for f in gated_facts(entry))
    assert "||" not in re.sub(r"\|\|[^|]+\|\|", "", text.replace("\\|", ""))  # tags are all closed
    if isinstance(entry, Episode) and not shown.allows_preview(PACK, entry.id):
        for credit in entry.vocals:
            assert credit.artist not in visible
    if not isinstance(entry, Episode):  # "first appears in FINAL" can spoil: named only when it is next
        first = dict((f.name, f.value) for f in view.card.fields)["First appearance"]
        named = shown.allows_preview(PACK, entry.first_appearance)
        assert first == (PACK.episode(entry.first_appearance).title if named else "*a later episode*")


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_every_entry_renders_within_limits_for_a_full_horizon(entry) -> None:  # type: ignore[no-untyped-def]
    card = fit_card(entry_view(PACK, entry, private(full_horizon(PACK)), thread_id=1).card)
    assert card.size <= 6000 and len(card.description) <= 4096


def test_a_rendered_view_is_reused_only_for_an_audience_it_fits() -> None:
    """Views come from memory after the first render; anything that changes one renders it again."""
    r6 = PACK.episode("r6")
    notes = CardContext(guild_notes={"r6": "Ask in #support"}, support_message="Talk to us")
    audiences = [
        private(through("r6")),
        private(through("r2")),
        public(through("r2"), through("r6")),
        public(through("r2"), through("r6"), progress=False),
        Audience(through("r6"), through("r6"), True, True, "</progress:1>"),
        Audience(through("r6"), through("r6"), True, True, warnings=notes),
        Audience(through("r6"), through("r6"), True, True, warnings=replace(notes, guild_notes={})),
        Audience(through("r6"), through("r6"), True, True, warnings=replace(notes, support_message=None)),
        Audience(through("r6"), through("r6"), True, True, warnings=replace(notes, plain_topics=frozenset({"blood"}))),
    ]  # fmt: skip
    cases = [
        (entry, audience, thread, locale)
        for entry in (r6, PACK.character("ivan"))
        for audience in audiences
        for thread in (None, 77)
        for locale in ("en-US", "ko")
    ]
    first: dict[int, EntryView] = {}
    for _ in range(2):
        for case, (entry, audience, thread, locale) in enumerate(cases):
            with use_locale(locale):
                shown = entry_view(PACK, entry, audience, thread_id=thread)
                assert shown == render_view(PACK, entry, audience, thread_id=thread)
            assert shown is first.setdefault(case, shown)  # the second round comes from memory
    assert len({view.card for view in first.values()}) > len(audiences)  # the cases really differ
